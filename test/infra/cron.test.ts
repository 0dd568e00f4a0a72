import { describe, expect, it } from 'vitest';
import { CRON_HORIZON_DAYS, cronGaps, hasDaylightSaving } from '../../infra/cron.js';

const FROM = new Date('2027-03-10T12:00:00Z');

function gaps(expression: string) {
  const result = cronGaps(expression, FROM);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe('cronGaps', () => {
  it('finds a day between the runs of a daily cron', () => {
    expect(gaps('cron(0 6 * * ? *)')).toEqual({ longestMinutes: 1440, shortestMinutes: 1440 });
  });

  it('finds the weekend between the business-hours runs of a weekdays-only cron', () => {
    // Friday 20:30 to Monday 08:00.
    expect(gaps('cron(0/30 8-20 ? * MON-FRI *)')).toEqual({
      longestMinutes: 2 * 1440 + 11 * 60 + 30,
      shortestMinutes: 30,
    });
  });

  it('finds ten minutes between the runs of an every-ten-minutes cron', () => {
    expect(gaps('cron(0/10 * * * ? *)')).toEqual({ longestMinutes: 10, shortestMinutes: 10 });
  });

  it('finds the longest month between the runs of a monthly cron', () => {
    // February 2028 has 29 days.
    expect(gaps('cron(0 6 1 * ? *)')).toEqual({ longestMinutes: 31 * 1440, shortestMinutes: 29 * 1440 });
  });

  it('reads lists, ranges, names and uneven minutes', () => {
    expect(gaps('cron(0,45 9,17 ? * SUN,TUE-THU *)')).toMatchObject({ shortestMinutes: 45 });
    expect(gaps('cron(0 9 ? JAN-DEC 1-7 *)')).toEqual({ longestMinutes: 1440, shortestMinutes: 1440 });
  });

  it('tells the last day of the month, the nearest weekday and the n-th weekday of the month', () => {
    expect(gaps('cron(0 6 L * ? *)').longestMinutes).toBe(31 * 1440);
    expect(gaps('cron(0 6 15W * ? *)').shortestMinutes).toBeGreaterThanOrEqual(26 * 1440);
    expect(gaps('cron(0 6 ? * 2#1 *)').longestMinutes).toBe(35 * 1440);
    expect(gaps('cron(0 6 ? * 6L *)').longestMinutes).toBe(35 * 1440);
  });

  it('counts the time after a year field ends as a gap', () => {
    expect(gaps('cron(0 6 * * ? 2027)').longestMinutes).toBeGreaterThan(7 * 1440);
  });

  it('reports the horizon for a cron that never fires in it', () => {
    expect(gaps('cron(0 6 * * ? 2100)')).toEqual({
      longestMinutes: CRON_HORIZON_DAYS * 1440,
      shortestMinutes: CRON_HORIZON_DAYS * 1440,
    });
  });

  it('names the field and the value it cannot read', () => {
    expect(cronGaps('cron(0 25 * * ? *)', FROM)).toEqual({
      ok: false,
      error: 'hours "25" is not within 0-23',
    });
    expect(cronGaps('cron(0 6 L-2 * ? *)', FROM)).toEqual({
      ok: false,
      error: 'day-of-month "L-2" is not supported',
    });
    expect(cronGaps('cron(0 20-8 * * ? *)', FROM)).toEqual({
      ok: false,
      error: 'hours range "20-8" runs backwards',
    });
  });
});

describe('hasDaylightSaving', () => {
  it('is true for Europe/Berlin and false for Europe/Istanbul and UTC', () => {
    expect(hasDaylightSaving('Europe/Berlin', 2027)).toBe(true);
    expect(hasDaylightSaving('Europe/Istanbul', 2027)).toBe(false);
    expect(hasDaylightSaving('UTC', 2027)).toBe(false);
  });
});
