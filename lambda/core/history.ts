import type { Thresholds } from './config.js';
import { FORECAST_DEFAULTS, forecastBalance, forecastMeasure, isTopUp } from './forecast.js';
import type { Forecast, Sample } from './forecast-types.js';

/**
 * An account's balance history in a few kilobytes: one bucket per hour with readings, for the last
 * week. It lives in the account's state item, so a run reads and writes it with the state, and its
 * size does not grow with the number of runs.
 *
 * A bucket keeps what the hour did, not what it read: the net use (falls between readings, less
 * the small rises that are no top-up), the top-ups, and the lowest reading when a top-up hid it.
 * The balance at the end of each hour follows from the newest reading, counted back; so the
 * forecast's fit, a spend spike (last hour against the week's median hour) and a weekly digest
 * (spend, top-ups, lowest and current balance) all come from it.
 */

export const HOUR_MS = 3_600_000;
/** A week: the forecast window, the spike's baseline and the digest's period. */
export const HISTORY_HOURS = 168;
/**
 * The encoded hours never exceed this: a week of hours with four-digit use in both measures takes
 * about 1.7 KB; beyond the cap the oldest hours give way, so the state item (and the read and write
 * units of every run) stay bounded whatever the figures.
 */
export const MAX_HOURS_CHARS = 2_400;
export const HISTORY_FORMAT = 1;

export interface Pair {
  readonly amount: number;
  readonly sms: number;
}

export interface HourBucket {
  /** Whole hours since the epoch. */
  readonly hour: number;
  /** Net use in the hour; negative when small refunds outweighed it. */
  readonly spent: Pair;
  /** What top-ups added in the hour (0 when none). */
  readonly toppedUp: Pair;
  /** The lowest reading of the hour. */
  readonly low: Pair;
}

export interface History {
  /** The newest reading; each hour's closing balance is counted back from it. */
  readonly last?: { readonly at: number } & Pair;
  /** Hours with at least one reading, oldest first, all within HISTORY_HOURS of `last`. */
  readonly hours: readonly HourBucket[];
  /**
   * Milliseconds into its hour of the last reading of the newest completed hour: where the earlier
   * hours close too, for a schedule that reads at the same minutes every hour.
   */
  readonly closeOffset?: number;
}

export const EMPTY_HISTORY: History = { hours: [] };

const ZERO: Pair = { amount: 0, sms: 0 };

export function hourOf(ms: number): number {
  return Math.floor(ms / HOUR_MS);
}

/** The provider's figures have two decimals: sums of their differences are kept at that precision. */
function round2(value: number): number {
  const rounded = Math.round(value * 100) / 100;
  return rounded === 0 ? 0 : rounded;
}

function minPair(a: Pair, b: Pair): Pair {
  return { amount: Math.min(a.amount, b.amount), sms: Math.min(a.sms, b.sms) };
}

/**
 * The history with one more reading. A reading at or before the newest one changes nothing, so a
 * reading recorded twice counts once.
 */
export function recordReading(history: History, reading: Sample): History {
  const at = Date.parse(reading.at);
  if (!Number.isFinite(at) || !Number.isFinite(reading.amount) || !Number.isFinite(reading.sms)) {
    return history;
  }
  const value: Pair = { amount: reading.amount, sms: reading.sms };
  const hour = hourOf(at);
  const last = history.last;
  if (last && at <= last.at) return history;

  const spent = { amount: 0, sms: 0 };
  const toppedUp = { amount: 0, sms: 0 };
  if (last) {
    for (const measure of ['amount', 'sms'] as const) {
      const rise = value[measure] - last[measure];
      if (isTopUp(last[measure], value[measure], measure, FORECAST_DEFAULTS.topUpNoise))
        toppedUp[measure] = rise;
      else spent[measure] = -rise;
    }
  }
  const newest = history.hours.at(-1);
  const kept = history.hours.filter((bucket) => bucket.hour > hour - HISTORY_HOURS);
  let hours: HourBucket[];
  if (newest && newest.hour === hour) {
    hours = [
      ...kept.slice(0, -1),
      {
        hour,
        spent: {
          amount: round2(newest.spent.amount + spent.amount),
          sms: round2(newest.spent.sms + spent.sms),
        },
        toppedUp: {
          amount: round2(newest.toppedUp.amount + toppedUp.amount),
          sms: round2(newest.toppedUp.sms + toppedUp.sms),
        },
        low: minPair(newest.low, value),
      },
    ];
  } else {
    hours = [
      ...kept,
      {
        hour,
        spent: { amount: round2(spent.amount), sms: round2(spent.sms) },
        toppedUp: { amount: round2(toppedUp.amount), sms: round2(toppedUp.sms) },
        low: value,
      },
    ];
  }
  const closeOffset =
    newest && last && newest.hour !== hour ? last.at - hourOf(last.at) * HOUR_MS : history.closeOffset;
  return { last: { at, ...value }, hours, ...(closeOffset === undefined ? {} : { closeOffset }) };
}

/** The history as a run of readings leaves it (oldest first or not): how a stored sample log migrates. */
export function historyFromSamples(samples: readonly Sample[]): History {
  const sorted = [...samples]
    .filter((s) => Number.isFinite(Date.parse(s.at)))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return sorted.reduce(recordReading, EMPTY_HISTORY);
}

/** Each hour's closing balance, oldest first, counted back from the newest reading. */
export function closingBalances(history: History): Pair[] {
  const last = history.last;
  if (!last) return [];
  const closing: Pair[] = new Array(history.hours.length);
  let after: Pair = { amount: last.amount, sms: last.sms };
  for (let i = history.hours.length - 1; i >= 0; i--) {
    closing[i] = after;
    const bucket = history.hours[i];
    if (!bucket) continue;
    after = {
      amount: round2(after.amount + bucket.spent.amount - bucket.toppedUp.amount),
      sms: round2(after.sms + bucket.spent.sms - bucket.toppedUp.sms),
    };
  }
  return closing;
}

/**
 * The forecast from the hours since the last top-up of the forecast's measure: one point per hour,
 * the hour's closing balance, at the time the hours close (closeOffset), the newest at its reading.
 */
export function forecastFromHistory(
  history: History,
  now: Date,
  thresholds: Thresholds,
): Forecast | undefined {
  const last = history.last;
  if (!last) return undefined;
  const measure = forecastMeasure(thresholds);
  const closing = closingBalances(history);
  let from = 0;
  for (let i = history.hours.length - 1; i >= 0; i--) {
    if ((history.hours[i]?.toppedUp[measure] ?? 0) > 0) {
      from = i;
      break;
    }
  }
  const offset = history.closeOffset ?? HOUR_MS - 1;
  const samples: Sample[] = [];
  for (let i = from; i < history.hours.length; i++) {
    const bucket = history.hours[i];
    const balance = closing[i];
    if (!bucket || !balance) continue;
    const at = i === history.hours.length - 1 ? last.at : bucket.hour * HOUR_MS + offset;
    samples.push({ at: new Date(at).toISOString(), ...balance });
  }
  return forecastBalance(samples, now, thresholds);
}

export interface WeekSummary {
  /** Net use over the history's hours. */
  readonly spent: Pair;
  /** Hours in which the balance was topped up (two top-ups in one hour count once), and what they added. */
  readonly topUps: number;
  readonly toppedUp: Pair;
  readonly lowest: Pair;
  readonly current: Pair;
}

/** What a weekly digest says. Undefined without any reading. */
export function weekSummary(history: History): WeekSummary | undefined {
  const last = history.last;
  if (!last) return undefined;
  let spent = ZERO;
  let toppedUp = ZERO;
  let lowest: Pair = { amount: last.amount, sms: last.sms };
  let topUps = 0;
  for (const bucket of history.hours) {
    spent = { amount: round2(spent.amount + bucket.spent.amount), sms: round2(spent.sms + bucket.spent.sms) };
    toppedUp = {
      amount: round2(toppedUp.amount + bucket.toppedUp.amount),
      sms: round2(toppedUp.sms + bucket.toppedUp.sms),
    };
    if (bucket.toppedUp.amount > 0 || bucket.toppedUp.sms > 0) topUps++;
    lowest = minPair(lowest, bucket.low);
  }
  return { spent, topUps, toppedUp, lowest, current: { amount: last.amount, sms: last.sms } };
}

export interface SpendRate {
  /** Use in the newest hour with readings. */
  readonly lastHour: number;
  /** The median hourly use over the hours before it (hours without readings left out). */
  readonly medianHour: number;
  /** How many hours the median is taken over. */
  readonly hours: number;
}

/**
 * The newest hour's use against the week's median hour, in one measure: what a spike alert compares.
 * Undefined when the hour before the newest had no reading: the newest hour then also holds the use
 * of the hours not read (a night outside a business-hours schedule, an outage), which is no burn
 * rate of one hour. That use stays in the hour it was read in, so the week's spend is unchanged.
 */
export function spendRate(history: History, measure: Forecast['measure']): SpendRate | undefined {
  const newest = history.hours.at(-1);
  const previous = history.hours.at(-2);
  const before = history.hours.slice(0, -1).map((bucket) => bucket.spent[measure]);
  if (!newest || !previous || before.length === 0) return undefined;
  if (previous.hour < newest.hour - 1) return undefined;
  const sorted = [...before].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { lastHour: newest.spent[measure], medianHour: median, hours: before.length };
}

/**
 * The stored form: JSON with the newest reading and one token per hour from the oldest bucket to
 * the newest, ";"-separated: "" for an hour without readings, "use,smsUse" for a plain hour, and
 * ",topUp,smsTopUp" then ",low,smsLow" appended when the hour had a top-up or dipped below its close.
 */
export function encodeHistory(history: History): string {
  const last = history.last;
  if (!last || history.hours.length === 0) return JSON.stringify({ v: HISTORY_FORMAT });
  const closing = closingBalances(history);
  const tokens: string[] = [];
  let previousHour: number | undefined;
  for (const [i, bucket] of history.hours.entries()) {
    if (previousHour !== undefined) for (let h = previousHour + 1; h < bucket.hour; h++) tokens.push('');
    previousHour = bucket.hour;
    const close = closing[i] ?? bucket.low;
    const dipped = bucket.low.amount < close.amount || bucket.low.sms < close.sms;
    const toppedUp = bucket.toppedUp.amount !== 0 || bucket.toppedUp.sms !== 0;
    const fields = [bucket.spent.amount, bucket.spent.sms];
    if (toppedUp || dipped) fields.push(bucket.toppedUp.amount, bucket.toppedUp.sms);
    if (dipped) fields.push(bucket.low.amount, bucket.low.sms);
    tokens.push(fields.map(String).join(','));
  }
  // Past the cap the oldest hours give way (leading empty hours go with them).
  let text = tokens.join(';');
  let first = 0;
  while (text.length > MAX_HOURS_CHARS || tokens[first] === '') {
    first++;
    text = tokens.slice(first).join(';');
  }
  return JSON.stringify({
    v: HISTORY_FORMAT,
    at: last.at,
    amount: last.amount,
    sms: last.sms,
    hour: hourOf(last.at),
    hours: text,
    ...(history.closeOffset === undefined ? {} : { close: history.closeOffset }),
  });
}

/** The history back from its stored form; undefined when it is not one this code wrote. */
export function decodeHistory(text: string): History | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.v !== HISTORY_FORMAT) return undefined;
  if (record.at === undefined) return EMPTY_HISTORY;
  const { at, amount, sms, hour, hours, close } = record;
  if (typeof at !== 'number' || typeof amount !== 'number' || typeof sms !== 'number') return undefined;
  if (close !== undefined && (typeof close !== 'number' || close < 0 || close >= HOUR_MS)) return undefined;
  if (typeof hour !== 'number' || typeof hours !== 'string' || hour !== hourOf(at)) return undefined;
  const tokens = hours.split(';');
  const start = hour - tokens.length + 1;
  const buckets: Array<Omit<HourBucket, 'low'> & { low?: Pair }> = [];
  for (const [i, token] of tokens.entries()) {
    if (token === '') continue;
    const fields = token.split(',').map(Number);
    if (![2, 4, 6].includes(fields.length) || !fields.every(Number.isFinite)) return undefined;
    const [sa = 0, ss = 0, ta = 0, ts = 0, la, ls] = fields;
    buckets.push({
      hour: start + i,
      spent: { amount: sa, sms: ss },
      toppedUp: { amount: ta, sms: ts },
      ...(la !== undefined && ls !== undefined ? { low: { amount: la, sms: ls } } : {}),
    });
  }
  if (buckets.length === 0 || buckets.at(-1)?.hour !== hour) return undefined;
  const partial: History = {
    last: { at, amount, sms },
    hours: buckets.map((b) => ({ ...b, low: b.low ?? ZERO })),
  };
  const closing = closingBalances(partial);
  return {
    last: partial.last,
    hours: buckets.map((b, i) => ({ ...b, low: b.low ?? closing[i] ?? ZERO })),
    ...(close === undefined ? {} : { closeOffset: close }),
  };
}
