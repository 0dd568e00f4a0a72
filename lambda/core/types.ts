/** Balance levels, best to worst. The order is the severity order. */
export const LEVELS = ['OK', 'WARNING', 'CRITICAL'] as const;
export type Level = (typeof LEVELS)[number];

export function severityOf(level: Level): number {
  return LEVELS.indexOf(level);
}

export function betterOf(a: Level, b: Level): Level {
  return severityOf(a) <= severityOf(b) ? a : b;
}

/**
 * Why a check could not be made. Each kind has one place that turns it into words
 * (core/messages.ts) and one rule for when it is worth telling someone (core/alert-state.ts).
 */
export type FailureKind = 'auth' | 'transient' | 'invalid-response' | 'config';

export interface Failure {
  readonly kind: FailureKind;
  /** Human-readable, never holds a secret. */
  readonly message: string;
  /** The provider's status code (HTTP or response.status.code) when there was one. */
  readonly status?: number;
}

export function failure(kind: FailureKind, message: string, status?: number): Failure {
  return status === undefined ? { kind, message } : { kind, message, status };
}

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: Failure };

export function succeed<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function fail<T = never>(f: Failure): Outcome<T> {
  return { ok: false, failure: f };
}

/** What iletiMerkezi says is left: TL amount and the SMS count it funds. */
export interface Balance {
  readonly amount: number;
  readonly sms: number;
}

export interface Credentials {
  readonly key: string;
  readonly hash: string;
}
