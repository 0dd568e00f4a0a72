import type { Forecast } from './forecast-types.js';
import type { Balance, FailureKind, Level } from './types.js';

/** What happened, in the words a recipient needs; each kind has its own text in core/messages.ts. */
export type NotificationKind =
  /** The balance reached a low level, or a worse one. */
  | 'low'
  /** The balance is still at the same low level after the reminder interval. */
  | 'low-reminder'
  /** The balance is back above the thresholds (by the recovery margin) after a low notice. */
  | 'recovered'
  /** The monitor could not check the balance (auth at once, transient after N in a row). */
  | 'check-failed'
  | 'check-failed-reminder'
  /** The first successful check after a check-failed notice; carries the current balance status. */
  | 'monitor-recovered'
  /** Above the thresholds, but the forecast says the balance runs out within the configured days. */
  | 'forecast'
  | 'forecast-reminder'
  | 'forecast-cleared';

export interface FailureReport {
  readonly kind: FailureKind;
  readonly message: string;
  readonly status?: number;
  /** Consecutive failed checks so far. */
  readonly count: number;
  /** ISO time of the first failure in this streak. */
  readonly since: string;
}

/** What an episode is about: a low balance, a failing check, or a forecast that it runs out soon. */
export type EpisodeTopic = 'balance' | 'check' | 'forecast';

/**
 * The episode a notice belongs to: its first notice, its reminders and the notice that resolves
 * it share it, so receivers (webhooks, chat threads) can correlate them.
 */
export interface Episode {
  readonly topic: EpisodeTopic;
  /** ISO time the episode began: its first notice, or the first failure of the streak. */
  readonly since: string;
}

/** One notification: data only. Rendering to subject / email / SMS text happens at publish time. */
export interface Notification {
  readonly kind: NotificationKind;
  readonly account: string;
  /** The SNS `severity` message attribute subscriptions filter on. */
  readonly severity: Level;
  /** The balance level now (the last known one when the check failed). */
  readonly level: Level;
  readonly previousLevel?: Level;
  /** The balance now, or the last known balance when the check failed. */
  readonly balance?: Balance;
  /** ISO time of `balance`. */
  readonly balanceAt?: string;
  readonly failure?: FailureReport;
  readonly forecast?: Forecast;
  /** ISO time the notification was decided. */
  readonly at: string;
  /**
   * The episode it opens, continues or resolves. Absent on a notice decided before episodes were
   * recorded (a pending one from an older version): such a notice is an episode of its own.
   */
  readonly episode?: Episode;
}

/** A notification as SNS receives it. */
export interface RenderedMessage {
  /** ASCII, no line breaks, under 100 characters. */
  readonly subject: string;
  readonly default: string;
  readonly email: string;
  /** One GSM-7 segment: at most 160 characters of the GSM-7 basic set. */
  readonly sms: string;
  readonly attributes: {
    readonly severity: Level;
    readonly account: string;
    readonly kind: NotificationKind;
  };
}
