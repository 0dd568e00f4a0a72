import { describe, expect, it } from 'vitest';
import type { Thresholds } from '../../lambda/core/config.js';
import {
  burnPerDay,
  forecastBalance,
  forecastMeasure,
  isTopUp,
  MAX_DAYS_TO_EMPTY,
  readingsOf,
  topUpIndex,
} from '../../lambda/core/forecast.js';
import type { Sample } from '../../lambda/core/forecast-types.js';

const START = Date.parse('2026-11-01T00:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const AMOUNT_THRESHOLDS: Thresholds = { warning: { amount: 100 }, critical: { amount: 25 } };
const SMS_THRESHOLDS: Thresholds = { warning: { sms: 500 }, critical: { sms: 100 } };
/** What one standard SMS costs in these series, so the SMS count follows the amount. */
const TL_PER_SMS = 0.16;

/** A reading every `everyMinutes` for `days`, the amount given by `amountAt(days since START)`. */
function series(days: number, everyMinutes: number, amountAt: (day: number) => number): Sample[] {
  const samples: Sample[] = [];
  for (let t = 0; t <= days * DAY + 1; t += everyMinutes * 60_000) {
    const amount = Math.round(amountAt(t / DAY) * 1000) / 1000;
    samples.push({ at: new Date(START + t).toISOString(), amount, sms: Math.floor(amount / TL_PER_SMS) });
  }
  return samples;
}

function lastTime(samples: readonly Sample[]): Date {
  const last = samples.at(-1);
  if (!last) throw new Error('empty series');
  return new Date(last.at);
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a noisy series is the same on every run. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A shuffled copy: the order samples arrive in must not matter. */
function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const random = randomFrom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

function expectWithin(actual: number | undefined, expected: number, fraction: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs((actual ?? Number.NaN) - expected)).toBeLessThanOrEqual(Math.abs(expected) * fraction);
}

describe('forecastBalance on synthetic series', () => {
  it('a steady burn gives the true daily burn and days to empty', () => {
    const samples = series(3, 15, (day) => 1000 - 50 * day);
    const forecast = forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS);
    expectWithin(forecast?.burnPerDay, 50, 0.01);
    expectWithin(forecast?.daysToEmpty, 17, 0.01);
    expect(forecast?.measure).toBe('amount');
    expect(forecast?.since).toBe(new Date(START).toISOString());
    expect(forecast?.samples).toBe(samples.length);
  });

  it('a steady burn says "3 days" when three days are left', () => {
    const samples = series(17, 15, (day) => 1000 - 50 * day);
    const forecast = forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS);
    expectWithin(forecast?.daysToEmpty, 3, 0.01);
  });

  it('a steady burn crosses a 3-day forecast threshold at least 2 days before the balance is empty', () => {
    const all = series(20, 30, (day) => 1000 - 50 * day);
    const emptyAt = START + 20 * DAY;
    const firstWarning = all.findIndex((_, i) => {
      const known = all.slice(0, i + 1);
      const forecast = forecastBalance(known, lastTime(known), AMOUNT_THRESHOLDS);
      return forecast !== undefined && forecast.daysToEmpty <= 3;
    });
    const warnedAt = Date.parse(all[firstWarning]?.at ?? '');
    expect(emptyAt - warnedAt).toBeGreaterThanOrEqual(2 * DAY);
    expect(emptyAt - warnedAt).toBeLessThanOrEqual(3 * DAY);
  });

  it('the date it runs out is now plus the days to empty', () => {
    const samples = series(3, 15, (day) => 1000 - 50 * day);
    const now = lastTime(samples);
    const forecast = forecastBalance(samples, now, AMOUNT_THRESHOLDS);
    expect(Date.parse(forecast?.emptyAt ?? '')).toBeCloseTo(
      now.getTime() + (forecast?.daysToEmpty ?? 0) * DAY,
      -3,
    );
  });

  it('after a top-up in the middle, only the readings since the top-up count', () => {
    // 50 TL a day for two days, +1000 TL, then 100 TL a day for a day.
    const samples = series(3, 15, (day) => (day < 2 ? 300 - 50 * day : 1200 - 100 * (day - 2)));
    const forecast = forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS);
    expectWithin(forecast?.burnPerDay, 100, 0.01);
    expectWithin(forecast?.daysToEmpty, 11, 0.01);
    expect(forecast?.since).toBe(new Date(START + 2 * DAY).toISOString());
  });

  it('a top-up too recent to give enough history means no forecast yet', () => {
    const samples = series(3, 15, (day) => (day < 2.9 ? 300 - 50 * day : 1200));
    expect(forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS)).toBeUndefined();
  });

  it('a flat balance has no forecast', () => {
    const samples = series(5, 15, () => 750);
    expect(forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS)).toBeUndefined();
  });

  it('a balance rising slowly (below the top-up noise) has no forecast', () => {
    const samples = series(2, 60, (day) => 500 + 12 * day);
    expect(forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS)).toBeUndefined();
  });

  it('a burn so slow it would take more than a year has no forecast', () => {
    const samples = series(5, 60, (day) => 1000 - (1000 / (MAX_DAYS_TO_EMPTY * 2)) * day);
    expect(forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS)).toBeUndefined();
  });

  it('noisy readings (bursty use and small jitter) stay close to the true burn', () => {
    const random = randomFrom(42);
    const samples: Sample[] = [];
    let spent = 0;
    for (let t = 0; t <= 4 * DAY; t += 15 * 60_000) {
      spent += random() * 2 * (50 / 96); // 50 TL a day on average, 96 readings a day
      const jitter = (random() - 0.5) * 0.8; // below the 1 TL a top-up needs
      const amount = 1000 - spent + jitter;
      samples.push({ at: new Date(START + t).toISOString(), amount, sms: Math.floor(amount / TL_PER_SMS) });
    }
    const forecast = forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS);
    const trueBurn = spent / 4;
    expectWithin(forecast?.burnPerDay, trueBurn, 0.05);
    expectWithin(forecast?.daysToEmpty, (1000 - spent) / trueBurn, 0.05);
    expect(forecast?.samples).toBe(samples.length);
  });

  it('step drops from daily campaigns are averaged into a daily burn', () => {
    // 200 TL leaves once a day at 10:00, nothing in between, for a week.
    const samples = series(7, 15, (day) => 2000 - 200 * Math.floor(day + 14 / 24));
    const forecast = forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS);
    expectWithin(forecast?.burnPerDay, 200, 0.05);
    expectWithin(forecast?.daysToEmpty, 600 / 200, 0.1);
  });

  it.each([
    ['under 6 hours of readings', series(5 / 24, 15, (day) => 1000 - 50 * day)],
    ['fewer than 4 readings', series(0.5, 6 * 60, (day) => 1000 - 50 * day)],
    ['a single reading', series(0, 15, () => 1000)],
    ['no readings', []],
  ])('too little history (%s) has no forecast', (_name, samples) => {
    expect(forecastBalance(samples, new Date(START + DAY), AMOUNT_THRESHOLDS)).toBeUndefined();
  });

  it('exactly 6 hours and 4 readings are enough', () => {
    const samples = series(0.25, 2 * 60, (day) => 1000 - 50 * day);
    expect(samples).toHaveLength(4);
    expect(forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS)).toBeDefined();
  });

  it('the minimum history can be changed', () => {
    const samples = series(5 / 24, 15, (day) => 1000 - 50 * day);
    const forecast = forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS, {
      minHours: 4,
      minSamples: 10,
    });
    expectWithin(forecast?.burnPerDay, 50, 0.01);
  });

  it('unsorted input gives the same forecast as sorted input', () => {
    const samples = series(3, 15, (day) => (day < 1 ? 300 - 50 * day : 1200 - 100 * (day - 1)));
    const now = lastTime(samples);
    expect(forecastBalance(shuffled(samples), now, AMOUNT_THRESHOLDS)).toEqual(
      forecastBalance(samples, now, AMOUNT_THRESHOLDS),
    );
  });

  it('a reading stored twice counts once', () => {
    const samples = series(3, 15, (day) => 1000 - 50 * day);
    const now = lastTime(samples);
    expect(forecastBalance([...samples, ...samples], now, AMOUNT_THRESHOLDS)).toEqual(
      forecastBalance(samples, now, AMOUNT_THRESHOLDS),
    );
  });

  it('an account watched only by SMS count forecasts the SMS count', () => {
    const samples = series(3, 15, (day) => 1000 - 50 * day);
    const forecast = forecastBalance(samples, lastTime(samples), SMS_THRESHOLDS);
    expect(forecast?.measure).toBe('sms');
    expectWithin(forecast?.burnPerDay, 50 / TL_PER_SMS, 0.01);
    expectWithin(forecast?.daysToCritical, (850 / TL_PER_SMS - 100) / (50 / TL_PER_SMS), 0.01);
  });

  it('the days to the critical threshold follow the same burn', () => {
    const samples = series(3, 15, (day) => 1000 - 50 * day);
    const forecast = forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS);
    expectWithin(forecast?.daysToCritical, (850 - 25) / 50, 0.01);
  });

  it('no days to the critical threshold once the balance is below it', () => {
    const samples = series(1, 15, (day) => 20 - 5 * day);
    const forecast = forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS);
    expectWithin(forecast?.daysToEmpty, 3, 0.01);
    expect(forecast?.daysToCritical).toBeUndefined();
  });

  it('no days to the critical threshold when the measure has none', () => {
    const samples = series(1, 15, (day) => 1000 - 50 * day);
    const forecast = forecastBalance(samples, lastTime(samples), { warning: { amount: 100 } });
    expect(forecast?.daysToCritical).toBeUndefined();
  });

  it('a balance at zero has 0 days to empty, even without history', () => {
    const now = new Date(START + HOUR);
    const forecast = forecastBalance([{ at: now.toISOString(), amount: 0, sms: 0 }], now, AMOUNT_THRESHOLDS);
    expect(forecast?.daysToEmpty).toBe(0);
    expect(forecast?.emptyAt).toBe(now.toISOString());
  });

  it('a balance drained to zero has 0 days to empty and keeps its burn', () => {
    const samples = series(1, 15, (day) => Math.max(0, 40 - 50 * day));
    const forecast = forecastBalance(samples, lastTime(samples), AMOUNT_THRESHOLDS);
    expect(forecast?.daysToEmpty).toBe(0);
    expect(forecast?.burnPerDay).toBeGreaterThan(0);
  });

  it('readings older than now are carried forward at the burn rate', () => {
    const samples = series(3, 15, (day) => 1000 - 50 * day);
    const forecast = forecastBalance(
      samples,
      new Date(lastTime(samples).getTime() + 2 * DAY),
      AMOUNT_THRESHOLDS,
    );
    expectWithin(forecast?.daysToEmpty, 15, 0.01);
  });
});

describe('forecastMeasure', () => {
  it.each([
    ['only amount thresholds', { warning: { amount: 100 } }, 'amount'],
    ['only SMS thresholds', { warning: { sms: 500 }, critical: { sms: 100 } }, 'sms'],
    ['amount and SMS thresholds', { warning: { sms: 500 }, critical: { amount: 25 } }, 'amount'],
    ['no thresholds', {}, 'amount'],
  ] as const)('%s → %s', (_name, thresholds, measure) => {
    expect(forecastMeasure(thresholds)).toBe(measure);
  });
});

describe('top-ups', () => {
  it.each([
    ['a rise of 0.5% is noise', 1000, 1005, false],
    ['a rise of 5% is a top-up', 1000, 1050, true],
    ['a rise under 1 TL is noise even when it is over 1%', 10, 10.8, false],
    ['a fall is never a top-up', 1000, 500, false],
  ])('%s', (_name, previous, next, expected) => {
    expect(isTopUp(previous, next, 'amount')).toBe(expected);
  });

  it('a rise of a few SMS (refunds) is noise on the SMS count', () => {
    expect(isTopUp(200, 204, 'sms')).toBe(false);
  });

  it('the window starts at the reading after the last top-up', () => {
    const readings = [100, 90, 500, 480, 900, 880, 870].map((value, i) => ({ time: i * HOUR, value }));
    expect(topUpIndex(readings, 'amount')).toBe(4);
  });

  it('without a top-up the window starts at the first reading', () => {
    const readings = [100, 90, 80].map((value, i) => ({ time: i * HOUR, value }));
    expect(topUpIndex(readings, 'amount')).toBe(0);
  });
});

describe('readingsOf', () => {
  it('sorts by time, averages readings at the same instant and skips unreadable ones', () => {
    const at = (hours: number) => new Date(START + hours * HOUR).toISOString();
    const samples: Sample[] = [
      { at: at(2), amount: 80, sms: 500 },
      { at: at(0), amount: 100, sms: 600 },
      { at: at(2), amount: 90, sms: 500 },
      { at: 'not a time', amount: 1, sms: 1 },
      { at: at(1), amount: Number.NaN, sms: 1 },
    ];
    expect(readingsOf(samples, 'amount')).toEqual([
      { time: START, value: 100 },
      { time: START + 2 * HOUR, value: 85 },
    ]);
  });
});

describe('burnPerDay', () => {
  it('is minus the least-squares slope per day', () => {
    const readings = [10, 8, 6, 4].map((value, i) => ({ time: i * DAY, value }));
    expect(burnPerDay(readings)).toBeCloseTo(2, 10);
  });

  it('is 0 when every reading is at the same instant', () => {
    expect(burnPerDay([{ time: 0, value: 10 }])).toBe(0);
  });
});
