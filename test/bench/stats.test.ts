import { describe, expect, it } from 'vitest';
import { round1, summarize } from '../../bench/stats.js';

describe('summarize', () => {
  it('takes the middle value as the median of an odd count', () => {
    expect(summarize([30, 10, 20])).toEqual({ runs: 3, min: 10, median: 20 });
  });

  it('averages the two middle values as the median of an even count', () => {
    expect(summarize([40, 10, 30, 20]).median).toBe(25);
  });

  it('refuses to summarize no samples', () => {
    expect(() => summarize([])).toThrow(RangeError);
  });

  it('rounds figures to one decimal', () => {
    expect(round1(12.345)).toBe(12.3);
  });
});
