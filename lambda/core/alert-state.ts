import type { Notification } from './notification.js';
import type { FailureKind, Level } from './types.js';

/** Per-account memory between runs: what the balance was, and who has been told what. */
export interface AlertState {
  /** The balance level; a failed check never changes it. */
  readonly level: Level;
  /** ISO time the level was entered. */
  readonly levelSince: string;
  readonly lastBalance?: { readonly amount: number; readonly sms: number; readonly at: string };
  /** The last low-balance notice of the current low episode. */
  readonly lowNotice?: { readonly level: Level; readonly at: string };
  /** The current streak of failed checks, if the last check failed. */
  readonly failures?: {
    readonly kind: FailureKind;
    readonly message: string;
    readonly status?: number;
    readonly count: number;
    readonly since: string;
    /** When recipients were last told about this streak, and which kind they were told of. */
    readonly noticeAt?: string;
    readonly noticeKind?: FailureKind;
  };
  /** The last forecast notice while the balance was above the thresholds. */
  readonly forecastNotice?: { readonly at: string; readonly daysToEmpty: number };
  /** A decided notification SNS has not accepted yet: claimed by a run, or released for a retry. */
  readonly pending?: PendingNotification;
}

export interface PendingNotification {
  readonly notification: Notification;
  /** Set while a run is publishing it; a claim older than the claim TTL is taken over. */
  readonly claimId?: string;
  readonly claimedAt?: string;
  readonly attempts: number;
  readonly lastError?: string;
}
