import { describe, expect, it } from 'vitest';
import type { Thresholds } from '../../lambda/core/config.js';
import { forecastBalance } from '../../lambda/core/forecast.js';
import type { Sample } from '../../lambda/core/forecast-types.js';
import {
  closingBalances,
  decodeHistory,
  EMPTY_HISTORY,
  encodeHistory,
  forecastFromHistory,
  HISTORY_HOURS,
  type History,
  historyFromSamples,
  MAX_HOURS_CHARS,
  recordReading,
  spendRate,
  weekSummary,
} from '../../lambda/core/history.js';

const START = Date.parse('2026-11-01T00:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const AMOUNT_THRESHOLDS: Thresholds = { warning: { amount: 100 }, critical: { amount: 25 } };
const SMS_THRESHOLDS: Thresholds = { warning: { sms: 500 }, critical: { sms: 100 } };

function sample(ms: number, amount: number, sms = Math.floor(amount / 0.16)): Sample {
  return { at: new Date(ms).toISOString(), amount, sms };
}

/** A reading every 15 minutes for `days`, the amount given by `amountAt(ms since START)`. */
function quarterHours(days: number, amountAt: (ms: number) => number): Sample[] {
  const samples: Sample[] = [];
  for (let t = 0; t <= days * DAY; t += 15 * MINUTE) {
    samples.push(sample(START + t, Math.round(amountAt(t) * 100) / 100));
  }
  return samples;
}

function lastTime(samples: readonly Sample[]): Date {
  const last = samples.at(-1);
  if (!last) throw new Error('empty series');
  return new Date(last.at);
}

describe('balance history: recording readings', () => {
  it('starts with one hour holding the first reading and no use', () => {
    const history = recordReading(EMPTY_HISTORY, sample(START, 500, 3000));

    expect(history.hours).toEqual([
      {
        hour: START / HOUR,
        spent: { amount: 0, sms: 0 },
        toppedUp: { amount: 0, sms: 0 },
        low: { amount: 500, sms: 3000 },
      },
    ]);
    expect(history.last).toEqual({ at: START, amount: 500, sms: 3000 });
  });

  it('adds the falls of one hour into that hour’s use', () => {
    const history = historyFromSamples([
      sample(START, 500, 3000),
      sample(START + 15 * MINUTE, 490.5, 2950),
      sample(START + 30 * MINUTE, 480.25, 2900),
    ]);

    expect(history.hours).toHaveLength(1);
    expect(history.hours[0]?.spent).toEqual({ amount: 19.75, sms: 100 });
  });

  it('counts a rise beyond the noise as a top-up, not as negative use', () => {
    const history = historyFromSamples([
      sample(START, 100, 600),
      sample(START + HOUR, 90, 550),
      sample(START + 2 * HOUR, 590, 3550),
    ]);

    expect(history.hours[2]?.toppedUp).toEqual({ amount: 500, sms: 3000 });
    expect(history.hours[2]?.spent).toEqual({ amount: 0, sms: 0 });
  });

  it('counts a small refund as negative use', () => {
    const history = historyFromSamples([sample(START, 100, 600), sample(START + HOUR, 100.5, 602)]);

    expect(history.hours[1]?.spent).toEqual({ amount: -0.5, sms: -2 });
    expect(history.hours[1]?.toppedUp).toEqual({ amount: 0, sms: 0 });
  });

  it('ignores a reading at or before the newest one, so a reading recorded twice counts once', () => {
    const once = historyFromSamples([sample(START, 100, 600), sample(START + HOUR, 90, 550)]);

    expect(recordReading(once, sample(START + HOUR, 90, 550))).toBe(once);
    expect(recordReading(once, sample(START + 30 * MINUTE, 95, 580))).toBe(once);
  });

  it('keeps only the hours of the last week', () => {
    const history = historyFromSamples(quarterHours(10, (t) => 5000 - t / HOUR));

    expect(history.hours).toHaveLength(HISTORY_HOURS);
    expect(history.hours[0]?.hour).toBe((START + 10 * DAY) / HOUR - HISTORY_HOURS + 1);
  });

  it('keeps each hour’s lowest reading, below its close when a top-up followed the dip', () => {
    const history = historyFromSamples([
      sample(START, 30, 180),
      sample(START + 15 * MINUTE, 10, 60),
      sample(START + 30 * MINUTE, 510, 3060),
    ]);

    expect(history.hours[0]?.low).toEqual({ amount: 10, sms: 60 });
  });

  it('migrates unordered samples as if they had come in order', () => {
    const samples = quarterHours(3, (t) => 1000 - t / HOUR);

    expect(historyFromSamples([...samples].reverse())).toEqual(historyFromSamples(samples));
  });
});

describe('balance history: closing balances', () => {
  it('gives each hour its last reading, counted back from the newest', () => {
    const samples = quarterHours(1, (t) => 1000 - (3 * t) / HOUR);
    const history = historyFromSamples(samples);
    const closing = closingBalances(history);

    // The reading at :45 closes each hour (the last hour has only its :00 reading).
    expect(closing[0]?.amount).toBe(1000 - 3 * 0.75);
    expect(closing.at(-1)?.amount).toBe(1000 - 3 * 24);
    expect(closing[10]?.amount).toBe(1000 - 3 * 10.75);
  });

  it('puts a top-up back when counting past it', () => {
    const history = historyFromSamples([
      sample(START, 100, 600),
      sample(START + HOUR, 90, 550),
      sample(START + 2 * HOUR, 590, 3550),
    ]);

    expect(closingBalances(history).map((c) => c.amount)).toEqual([100, 90, 590]);
  });
});

describe('balance history: forecast', () => {
  it('forecasts a steady burn as the readings themselves do', () => {
    const samples = quarterHours(5, (t) => 1000 - (100 * t) / DAY);
    const now = lastTime(samples);
    const fromHistory = forecastFromHistory(historyFromSamples(samples), now, AMOUNT_THRESHOLDS);
    const fromReadings = forecastBalance(samples, now, AMOUNT_THRESHOLDS);

    expect(fromHistory?.burnPerDay).toBeCloseTo(100, 3);
    expect(fromHistory?.daysToEmpty).toBeCloseTo(fromReadings?.daysToEmpty ?? Number.NaN, 4);
  });

  it('starts the fit at the last top-up', () => {
    const samples = quarterHours(5, (t) =>
      t < 2 * DAY ? 300 - (50 * t) / DAY : 900 - (200 * (t - 2 * DAY)) / DAY,
    );
    const now = lastTime(samples);
    const forecast = forecastFromHistory(historyFromSamples(samples), now, AMOUNT_THRESHOLDS);

    expect(forecast?.burnPerDay).toBeCloseTo(200, 3);
    // The hour of the top-up is the first point, at its close (the :45 reading).
    expect(forecast?.since).toBe(new Date(START + 2 * DAY + 45 * MINUTE).toISOString());
  });

  it('follows the SMS count for an account watched only by SMS count', () => {
    const samples = quarterHours(3, (t) => 1000 - (16 * t) / DAY);
    const forecast = forecastFromHistory(historyFromSamples(samples), lastTime(samples), SMS_THRESHOLDS);

    expect(forecast?.measure).toBe('sms');
    expect(forecast?.burnPerDay).toBeCloseTo(100, 0);
  });

  it('gives no forecast from an empty history', () => {
    expect(forecastFromHistory(EMPTY_HISTORY, new Date(START), AMOUNT_THRESHOLDS)).toBeUndefined();
  });

  it('gives no forecast from fewer than six hours', () => {
    const samples = quarterHours(0.2, (t) => 1000 - (500 * t) / DAY);

    expect(
      forecastFromHistory(historyFromSamples(samples), lastTime(samples), AMOUNT_THRESHOLDS),
    ).toBeUndefined();
  });
});

describe('balance history: digest and spike figures', () => {
  it('sums the week’s use and top-ups and finds its lowest and current balance', () => {
    const history = historyFromSamples([
      sample(START, 100, 600),
      sample(START + HOUR, 20, 120),
      sample(START + 2 * HOUR, 520, 3120),
      sample(START + 3 * HOUR, 500, 3000),
    ]);

    expect(weekSummary(history)).toEqual({
      spent: { amount: 100, sms: 600 },
      topUps: 1,
      toppedUp: { amount: 500, sms: 3000 },
      lowest: { amount: 20, sms: 120 },
      current: { amount: 500, sms: 3000 },
    });
  });

  it('compares the newest hour’s use with the median hour before it', () => {
    const steady = quarterHours(2, (t) => 5000 - (4 * t) / HOUR);
    const last = steady.at(-1);
    if (!last) throw new Error('empty series');
    const history = recordReading(
      historyFromSamples(steady),
      sample(Date.parse(last.at) + 15 * MINUTE, last.amount - 40),
    );

    // The newest hour holds the fall since :45 (1 TL) and the spike (40 TL).
    expect(spendRate(history, 'amount')).toEqual({ lastHour: 41, medianHour: 4, hours: 48 });
  });

  it('never counts a top-up as use: a 300 TL top-up in the newest hour leaves its use at the normal pace', () => {
    const steady = quarterHours(7, (t) => 5000 - (5 * t) / HOUR);
    const last = steady.at(-1);
    if (!last) throw new Error('empty series');
    // 15 minutes of normal use (1.25 TL), then 300 TL topped up.
    const history = recordReading(
      historyFromSamples(steady),
      sample(Date.parse(last.at) + 15 * MINUTE, last.amount - 1.25 + 300),
    );
    // The newest hour holds the 15 minutes of use that opened it (1.25 TL), not the top-up.
    expect(spendRate(history, 'amount')).toMatchObject({ lastHour: 1.25, medianHour: 5 });
    expect(history.hours.at(-1)?.toppedUp.amount).toBe(298.75);
  });

  it('judges no spike after a business-hours night: the morning reading holds the night’s use', () => {
    // 5 TL an hour around the clock, read 08:00–18:00 every 15 minutes for 5 days.
    const samples: Sample[] = [];
    for (let day = 0; day < 5; day++) {
      for (let t = 8 * HOUR; t <= 18 * HOUR; t += 15 * MINUTE) {
        const at = START + day * DAY + t;
        samples.push(sample(at, 5000 - (5 * (at - START)) / HOUR));
      }
    }
    const morning = START + 5 * DAY + 8 * HOUR + 15 * MINUTE;
    const history = recordReading(
      historyFromSamples(samples),
      sample(morning, 5000 - (5 * (morning - START)) / HOUR),
    );

    expect(spendRate(history, 'amount')).toBeUndefined();
    // The night's use is still counted: the week's spend is 5 TL for every hour read across.
    expect(weekSummary(history)?.spent.amount).toBe(
      Math.round(((5 * (morning - Date.parse(samples[0]?.at ?? ''))) / HOUR) * 100) / 100,
    );
  });

  it('judges no spike on the first reading after an outage of a few hours, and judges the hour after it', () => {
    const steady = quarterHours(2, (t) => 5000 - (5 * t) / HOUR);
    const last = Date.parse(steady.at(-1)?.at ?? '');
    // Three hours without a reading, then the hourly pace goes on.
    const after = recordReading(historyFromSamples(steady), sample(last + 3 * HOUR, 5000 - 5 * 51));

    expect(spendRate(after, 'amount')).toBeUndefined();
    const next = recordReading(after, sample(last + 4 * HOUR, 5000 - 5 * 52));
    expect(spendRate(next, 'amount')).toMatchObject({ lastHour: 5, medianHour: 5 });
  });

  it('has no summary and no rate before the first reading', () => {
    expect(weekSummary(EMPTY_HISTORY)).toBeUndefined();
    expect(spendRate(EMPTY_HISTORY, 'amount')).toBeUndefined();
  });
});

describe('balance history: stored form', () => {
  it('reads back what it wrote', () => {
    const history = historyFromSamples([
      ...quarterHours(2, (t) => 300 - (3 * t) / HOUR),
      sample(START + 2 * DAY + 20 * MINUTE, 50, 300),
      sample(START + 2 * DAY + 40 * MINUTE, 800, 5000),
      sample(START + 5 * DAY, 790.5, 4990),
    ]);

    expect(decodeHistory(encodeHistory(history))).toEqual(history);
  });

  it('reads back an empty history', () => {
    expect(decodeHistory(encodeHistory(EMPTY_HISTORY))).toEqual(EMPTY_HISTORY);
  });

  it('keeps hours without readings as empty places', () => {
    const history = historyFromSamples([sample(START, 100, 600), sample(START + 5 * HOUR, 90, 550)]);
    const stored = JSON.parse(encodeHistory(history)) as { hours: string };

    expect(stored.hours).toBe('0,0;;;;;10,50');
    expect(decodeHistory(encodeHistory(history))).toEqual(history);
  });

  it('stays within its cap whatever the figures, giving up the oldest hours', () => {
    let history: History = EMPTY_HISTORY;
    for (let h = 0; h < 2 * HISTORY_HOURS; h++) {
      history = recordReading(
        history,
        sample(
          START + h * HOUR,
          Math.round((9_876_543.21 - h * 12_345.67 * (1 + (h % 7) / 100)) * 100) / 100,
          987_654_321 - h * 12_345,
        ),
      );
    }
    const encoded = encodeHistory(history);
    const stored = JSON.parse(encoded) as { hours: string };
    const back = decodeHistory(encoded);

    expect(stored.hours.length).toBeLessThanOrEqual(MAX_HOURS_CHARS);
    expect(back?.last).toEqual(history.last);
    expect(back?.hours).toEqual(history.hours.slice(-(back?.hours.length ?? 0)));
  });

  it('refuses a stored form it did not write', () => {
    for (const text of [
      '',
      'null',
      '{"v":2}',
      '{"v":1,"at":0,"amount":1,"sms":1,"hour":0,"hours":"x"}',
      '{"v":1,"at":0,"amount":1,"sms":1,"hour":5,"hours":"0,0"}',
    ]) {
      expect(decodeHistory(text)).toBeUndefined();
    }
  });
});
