/**
 * The gaps between the fire times of an EventBridge Scheduler cron expression (minutes hours
 * day-of-month month day-of-week year), so synth can hold the alarms' windows to them. Pure: the
 * start of the horizon is passed in. Evaluated in UTC: a gap is as long in any time zone, except
 * across a daylight-saving change, which the caller allows for.
 */

export interface CronGaps {
  /** The longest time between two fire times, minutes. */
  readonly longestMinutes: number;
  /** The shortest time between two fire times, minutes. */
  readonly shortestMinutes: number;
}

export type CronGapsResult =
  | { readonly ok: true; readonly value: CronGaps }
  | { readonly ok: false; readonly error: string };

/** A year and a week beyond it: every yearly pattern repeats inside it, and a weekly one many times. */
export const CRON_HORIZON_DAYS = 373;
const DAY_MINUTES = 24 * 60;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

class CronError extends Error {}

/** The values a field allows: `*`, numbers or names, `a-b`, `/step`, lists of these. */
function values(
  field: string,
  name: string,
  min: number,
  max: number,
  names: readonly string[] = [],
): Set<number> {
  const out = new Set<number>();
  const value = (text: string): number => {
    const byName = names.indexOf(text.toUpperCase());
    const n = byName >= 0 ? byName + min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(n >= min && n <= max))
      throw new CronError(`${name} ${JSON.stringify(text)} is not within ${min}-${max}`);
    return n;
  };
  for (const item of field.split(',')) {
    const [range = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(Number.isInteger(step) && step >= 1))
      throw new CronError(`${name} step ${JSON.stringify(stepText)} must be a whole number from 1`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [from, to] = [value(a), value(b)];
      if (from > to) throw new CronError(`${name} range ${JSON.stringify(range)} runs backwards`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

type DayTest = (year: number, month: number, day: number, weekday: number, lastDay: number) => boolean;

function isWeekday(weekday: number): boolean {
  return weekday >= 1 && weekday <= 5;
}

/** Day-of-month: a set, `L` (last day), `LW` (last weekday) or `nW` (the weekday nearest day n). */
function dayOfMonthTest(field: string): DayTest {
  if (field === 'L') return (_y, _m, day, _w, last) => day === last;
  if (field === 'LW') {
    return (_y, _m, day, weekday, last) =>
      isWeekday(weekday) && (day === last || (weekday === 5 && day >= last - 2));
  }
  const nearest = /^(\d+)W$/.exec(field);
  if (nearest) {
    const target = Number(nearest[1]);
    if (!(target >= 1 && target <= 31))
      throw new CronError(`day-of-month ${JSON.stringify(field)} is not within 1-31`);
    return (year, month, day, weekday, last) => {
      if (!isWeekday(weekday)) return false;
      const t = Math.min(target, last);
      const targetWeekday = new Date(Date.UTC(year, month - 1, t)).getUTCDay();
      if (isWeekday(targetWeekday)) return day === t;
      // Saturday: the Friday before, or the Monday after on the 1st; Sunday: the Monday after, or
      // the Friday before on the last day. Never into another month.
      if (targetWeekday === 6) return t === 1 ? day === 3 : day === t - 1;
      return t === last ? day === t - 2 : day === t + 1;
    };
  }
  if (/[LW#]/i.test(field)) throw new CronError(`day-of-month ${JSON.stringify(field)} is not supported`);
  const days = values(field, 'day-of-month', 1, 31);
  return (_y, _m, day) => days.has(day);
}

/** Day-of-week, 1-7 = SUN-SAT: a set, `L` (Saturday), `nL` (the last day n), `n#k` (the k-th day n). */
function dayOfWeekTest(field: string): DayTest {
  const day = (text: string): number => values(text, 'day-of-week', 1, 7, DAYS).values().next().value ?? 0;
  if (field === 'L') return (_y, _m, _d, weekday) => weekday === 6;
  const last = /^(\w+)L$/i.exec(field);
  if (last) {
    const n = day(last[1] ?? '');
    return (_y, _m, d, weekday, lastDay) => weekday + 1 === n && d + 7 > lastDay;
  }
  const nth = /^(\w+)#(\d)$/.exec(field);
  if (nth) {
    const n = day(nth[1] ?? '');
    const k = Number(nth[2]);
    if (!(k >= 1 && k <= 5)) throw new CronError(`day-of-week ${JSON.stringify(field)}: the week is 1-5`);
    return (_y, _m, d, weekday) => weekday + 1 === n && Math.ceil(d / 7) === k;
  }
  if (/[LW#]/i.test(field.replace(/[A-Z]{3}/gi, (m) => (DAYS.includes(m.toUpperCase()) ? '1' : m)))) {
    throw new CronError(`day-of-week ${JSON.stringify(field)} is not supported`);
  }
  const days = values(field, 'day-of-week', 1, 7, DAYS);
  return (_y, _m, _d, weekday) => days.has(weekday + 1);
}

/**
 * The longest and shortest gaps between fire times of `cron(...)` over CRON_HORIZON_DAYS from
 * `from` (UTC), or why they cannot be told. A gap longer than the horizon, or a schedule firing
 * fewer than twice in it, is reported as the horizon.
 */
export function cronGaps(expression: string, from: Date): CronGapsResult {
  try {
    const body = /^cron\((.*)\)$/.exec(expression.trim())?.[1];
    const fields = body?.trim().split(/\s+/) ?? [];
    if (fields.length !== 6) throw new CronError('a cron expression has 6 fields');
    const [min = '', hour = '', dom = '', month = '', dow = '', year = ''] = fields;
    const minutes = [...values(min, 'minutes', 0, 59)].sort((a, b) => a - b);
    const hours = [...values(hour, 'hours', 0, 23)].sort((a, b) => a - b);
    const months = values(month, 'month', 1, 12, MONTHS);
    const years = values(year, 'year', 1970, 2199);
    const dayTest = dom === '?' ? dayOfWeekTest(dow) : dayOfMonthTest(dom);
    const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
    let previous: number | undefined;
    let first: number | undefined;
    let longest = 0;
    let shortest = Number.POSITIVE_INFINITY;
    for (let d = 0; d < CRON_HORIZON_DAYS; d++) {
      const date = new Date(start + d * DAY_MINUTES * 60_000);
      const y = date.getUTCFullYear();
      const m = date.getUTCMonth() + 1;
      const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
      if (!years.has(y) || !months.has(m) || !dayTest(y, m, date.getUTCDate(), date.getUTCDay(), lastDay))
        continue;
      for (const h of hours) {
        for (const mi of minutes) {
          const at = d * DAY_MINUTES + h * 60 + mi;
          first ??= at;
          if (previous !== undefined) {
            longest = Math.max(longest, at - previous);
            shortest = Math.min(shortest, at - previous);
          }
          previous = at;
        }
      }
    }
    const horizon = CRON_HORIZON_DAYS * DAY_MINUTES;
    if (previous === undefined || first === undefined || shortest === Number.POSITIVE_INFINITY) {
      return { ok: true, value: { longestMinutes: horizon, shortestMinutes: horizon } };
    }
    // The time before the first and after the last fire time are parts of gaps, never longer than
    // them: they catch a year field that ends (or begins) inside the horizon.
    longest = Math.max(longest, first, horizon - previous);
    return { ok: true, value: { longestMinutes: longest, shortestMinutes: shortest } };
  } catch (error) {
    if (error instanceof CronError) return { ok: false, error: error.message };
    throw error;
  }
}

/** Whether `timeZone` keeps two UTC offsets in `year` (one gap a year is then an hour longer or shorter). */
export function hasDaylightSaving(timeZone: string, year: number): boolean {
  const offset = (month: number) =>
    new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(Date.UTC(year, month, 1)))
      .find((part) => part.type === 'timeZoneName')?.value;
  return offset(0) !== offset(6);
}
