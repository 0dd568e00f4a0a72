import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../lambda/core/forecast-types.js';
import {
  closingBalances,
  decodeHistory,
  encodeHistory,
  HISTORY_HOURS,
  HOUR_MS,
  historyFromSamples,
  MAX_HOURS_CHARS,
} from '../../lambda/core/history.js';

const START = Date.parse('2026-11-01T00:00:00.000Z');

/** Readings as the provider gives them: TL with two decimals, whole SMS, times going forward. */
const readings = fc
  .array(
    fc.record({
      gapMinutes: fc.integer({ min: 1, max: 600 }),
      cents: fc.integer({ min: 0, max: 10_000_000 }),
      sms: fc.integer({ min: 0, max: 1_000_000 }),
    }),
    { minLength: 1, maxLength: 400 },
  )
  .map((steps) => {
    let at = START;
    return steps.map((step): Sample => {
      at += step.gapMinutes * 60_000;
      return { at: new Date(at).toISOString(), amount: step.cents / 100, sms: step.sms };
    });
  });

describe('balance history, for any run of readings', () => {
  it('reads back from its stored form what it wrote, but for the oldest hours past the cap', () => {
    fc.assert(
      fc.property(readings, (samples) => {
        const history = historyFromSamples(samples);
        const back = decodeHistory(encodeHistory(history));
        expect(back?.last).toEqual(history.last);
        expect(back?.hours).toEqual(history.hours.slice(-(back?.hours.length ?? 0)));
        expect((JSON.parse(encodeHistory(history)) as { hours: string }).hours.length).toBeLessThanOrEqual(
          MAX_HOURS_CHARS,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('closes each hour at the last reading taken in it', () => {
    fc.assert(
      fc.property(readings, (samples) => {
        const history = historyFromSamples(samples);
        const lastOfHour = new Map<number, Sample>();
        for (const sample of samples) lastOfHour.set(Math.floor(Date.parse(sample.at) / HOUR_MS), sample);
        const closing = closingBalances(history);
        for (const [i, bucket] of history.hours.entries()) {
          const expected = lastOfHour.get(bucket.hour);
          expect(closing[i]?.amount).toBeCloseTo(expected?.amount ?? Number.NaN, 2);
          expect(closing[i]?.sms).toBe(expected?.sms);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps no hour older than a week before the newest reading', () => {
    fc.assert(
      fc.property(readings, (samples) => {
        const history = historyFromSamples(samples);
        const newest = Math.floor((history.last?.at ?? 0) / HOUR_MS);
        for (const bucket of history.hours) expect(bucket.hour).toBeGreaterThan(newest - HISTORY_HOURS);
      }),
      { numRuns: 200 },
    );
  });
});
