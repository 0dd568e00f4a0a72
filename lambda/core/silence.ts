import { isObject } from './json.js';

/**
 * A silence: an operator's "hold this account's notices until then". The account is still checked
 * and its state advances; only the notices wait. It ends on its own when the run's clock passes
 * `until`, so nothing has to clean it up.
 */
export interface Silence {
  /** ISO time the silence ends. */
  readonly until: string;
  readonly reason: string;
  /** ISO time it was set. */
  readonly since: string;
  /** Who set it (the operator's user name), when known. */
  readonly by?: string;
}

/** Seven days: long enough for a weekend or a migration, short enough that none is forgotten. */
export const DEFAULT_MAX_SILENCE_HOURS = 168;
/** The largest maximum the configuration accepts: a silence of a year is a disabled account. */
export const MAX_SILENCE_HOURS_LIMIT = 8_760;

export function isSilenced(silence: Silence | undefined, now: Date): boolean {
  if (!silence) return false;
  const until = Date.parse(silence.until);
  return Number.isFinite(until) && now.getTime() < until;
}

const DURATION = /^(\d+(?:\.\d+)?)(m|h|d)$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90m", "2h", "1.5d" in milliseconds; undefined when it is not such a duration or not positive. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  const ms = Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** A structural check of a stored silence; undefined when it looks right. */
export function silenceProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'silence is not an object';
  const s = value;
  if (typeof s.until !== 'string' || !Number.isFinite(Date.parse(s.until)))
    return 'silence.until is not an ISO time';
  if (typeof s.reason !== 'string') return 'silence.reason is not a string';
  if (typeof s.since !== 'string') return 'silence.since is not a string';
  if (s.by !== undefined && typeof s.by !== 'string') return 'silence.by is not a string';
  return undefined;
}
