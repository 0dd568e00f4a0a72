import type { Thresholds } from './config.js';
import type { Forecast, Sample } from './forecast-types.js';

/**
 * When the balance runs out, from the readings since the last top-up:
 * 1. follow one measure: TL `amount`, or the SMS count for accounts watched only by SMS count;
 * 2. keep the readings after the last top-up (a rise beyond noise);
 * 3. the daily burn is the least-squares slope of those readings;
 * 4. the days left are what the latest reading holds, divided by the burn.
 * No forecast without enough history, or without a burn that empties the balance within a year.
 */

export interface ForecastOptions {
  /** The readings used must span at least this many hours. */
  readonly minHours?: number;
  /** …and hold at least this many readings. */
  readonly minSamples?: number;
  /** A rise above this fraction of the previous reading is a top-up (see TOP_UP_MIN_RISE). */
  readonly topUpNoise?: number;
}

export const FORECAST_DEFAULTS: Required<ForecastOptions> = { minHours: 6, minSamples: 4, topUpNoise: 0.01 };

/**
 * The smallest rise that counts as a top-up, whatever the fraction says: refunds of a few failed
 * SMS and rounding in the provider's figures must not reset the history.
 */
export const TOP_UP_MIN_RISE: Readonly<Record<Forecast['measure'], number>> = { amount: 1, sms: 5 };

/** A burn that would take longer than this to empty the balance is no burn worth forecasting. */
export const MAX_DAYS_TO_EMPTY = 365;

const MS_PER_DAY = 86_400_000;

/** One reading of the forecast's measure. */
export interface Reading {
  readonly time: number;
  readonly value: number;
}

/** TL amount when any amount threshold is set or no SMS threshold is; SMS count for SMS-only accounts. */
export function forecastMeasure(thresholds: Thresholds): Forecast['measure'] {
  const hasAmount = thresholds.warning?.amount !== undefined || thresholds.critical?.amount !== undefined;
  const hasSms = thresholds.warning?.sms !== undefined || thresholds.critical?.sms !== undefined;
  return hasSms && !hasAmount ? 'sms' : 'amount';
}

/**
 * The readings of one measure, oldest first, one per instant (readings at the same instant are
 * averaged, so a sample stored twice does not weigh double). Unreadable samples are skipped.
 */
export function readingsOf(samples: readonly Sample[], measure: Forecast['measure']): Reading[] {
  const byTime = new Map<number, number[]>();
  for (const sample of samples) {
    const time = Date.parse(sample.at);
    const value = sample[measure];
    if (!Number.isFinite(time) || !Number.isFinite(value)) continue;
    const values = byTime.get(time);
    if (values) values.push(value);
    else byTime.set(time, [value]);
  }
  return [...byTime.entries()]
    .map(([time, values]) => ({ time, value: values.reduce((sum, v) => sum + v, 0) / values.length }))
    .sort((a, b) => a.time - b.time);
}

export function isTopUp(
  previous: number,
  next: number,
  measure: Forecast['measure'],
  topUpNoise = FORECAST_DEFAULTS.topUpNoise,
): boolean {
  return next - previous > Math.max(Math.abs(previous) * topUpNoise, TOP_UP_MIN_RISE[measure]);
}

/** Index of the first reading after the last top-up (0 when there was none). */
export function topUpIndex(
  readings: readonly Reading[],
  measure: Forecast['measure'],
  topUpNoise = FORECAST_DEFAULTS.topUpNoise,
): number {
  for (let i = readings.length - 1; i > 0; i--) {
    const previous = readings[i - 1];
    const next = readings[i];
    if (previous && next && isTopUp(previous.value, next.value, measure, topUpNoise)) return i;
  }
  return 0;
}

/** Units used per day: minus the least-squares slope of value against time. */
export function burnPerDay(readings: readonly Reading[]): number {
  const first = readings[0];
  if (!first || readings.length < 2) return 0;
  // Days since the first reading keep the sums small enough for exact-looking arithmetic.
  const points = readings.map((r) => ({ x: (r.time - first.time) / MS_PER_DAY, y: r.value }));
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / points.length;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / points.length;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.x - meanX) * (p.y - meanY);
    variance += (p.x - meanX) ** 2;
  }
  return variance === 0 ? 0 : -covariance / variance;
}

function hasEnoughHistory(readings: readonly Reading[], minHours: number, minSamples: number): boolean {
  const first = readings[0];
  const last = readings.at(-1);
  if (!first || !last || readings.length < minSamples) return false;
  return last.time - first.time >= minHours * 3_600_000;
}

export function forecastBalance(
  samples: readonly Sample[],
  now: Date,
  thresholds: Thresholds,
  options: ForecastOptions = {},
): Forecast | undefined {
  const { minHours, minSamples, topUpNoise } = { ...FORECAST_DEFAULTS, ...options };
  const measure = forecastMeasure(thresholds);
  const all = readingsOf(samples, measure);
  const window = all.slice(topUpIndex(all, measure, topUpNoise));
  const first = window[0];
  const latest = window.at(-1);
  if (!first || !latest) return undefined;

  const enough = hasEnoughHistory(window, minHours, minSamples);
  const burn = enough ? burnPerDay(window) : 0;
  const base = { measure, samples: window.length, since: new Date(first.time).toISOString() };

  // An empty balance is a fact, not a forecast: no history is needed to say so.
  if (latest.value <= 0) {
    return { ...base, burnPerDay: Math.max(burn, 0), daysToEmpty: 0, emptyAt: now.toISOString() };
  }
  if (!enough || burn <= 0) return undefined;

  // The latest reading is the provider's own ledger, not a noisy measurement, so it is what is
  // left; the fit only gives the rate. Readings older than `now` (failed checks since) are
  // carried forward at that rate.
  const daysSinceLatest = Math.max(0, (now.getTime() - latest.time) / MS_PER_DAY);
  const left = Math.max(0, latest.value - burn * daysSinceLatest);
  const daysToEmpty = left / burn;
  if (daysToEmpty > MAX_DAYS_TO_EMPTY) return undefined;

  const critical = thresholds.critical?.[measure];
  const forecast: Forecast = {
    ...base,
    burnPerDay: burn,
    daysToEmpty,
    emptyAt: new Date(now.getTime() + daysToEmpty * MS_PER_DAY).toISOString(),
  };
  return critical !== undefined && left > critical
    ? { ...forecast, daysToCritical: (left - critical) / burn }
    : forecast;
}
