import { describe, expect, it } from 'vitest';
import { runIdOf } from '../../lambda/entry/scheduled-event.js';

describe('runIdOf', () => {
  it('takes the scheduled time the schedule sends as the run id', () => {
    expect(runIdOf({ scheduledTime: '2026-11-27T03:45:00Z' })).toBe('2026-11-27T03:45:00Z');
  });

  it.each([
    ['a manual invocation without a scheduled time', {}],
    ['a scheduled time that is not a UTC timestamp', { scheduledTime: 'yesterday' }],
    ['a scheduled time that is not a string', { scheduledTime: 1764215100 }],
    ['no event at all', undefined],
    ['an event that is not an object', 'run'],
  ])('gives no run id for %s', (_name, event) => {
    expect(runIdOf(event)).toBeUndefined();
  });
});
