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
  | 'forecast-cleared'
  /** The newest hour's use is a multiple of the week's normal hour (SMS pumping, a runaway campaign). */
  | 'spend-spike'
  | 'spend-spike-reminder'
  /** The use has stayed near normal for a while after a spike notice. */
  | 'spend-spike-cleared';

/** A spike's figures, in TL. */
export interface SpendReport {
  /** Use in the newest hour (top-ups never count). */
  readonly burnPerHour: number;
  /** The week's median hour. */
  readonly normalPerHour: number;
  /** burnPerHour / normalPerHour, one decimal; absent when the week had no normal use. */
  readonly multiple?: number;
  /** Days the balance lasts at burnPerHour; absent when nothing is used. */
  readonly daysLeft?: number;
}

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
export type EpisodeTopic = 'balance' | 'check' | 'forecast' | 'spend';

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
  /** The spend-spike kinds' figures. */
  readonly spend?: SpendReport;
  /** ISO time the notification was decided. */
  readonly at: string;
  /**
   * The episode it opens, continues or resolves. Absent on a notice decided before episodes were
   * recorded (a pending one from an older version): such a notice is an episode of its own.
   */
  readonly episode?: Episode;
}

/** What a notice says, in words, before any channel shapes it (core/messages.ts writes it). */
export interface NoticeText {
  /** ASCII, no line breaks, under 100 characters. */
  readonly subject: string;
  /** The first sentence. */
  readonly headline: string;
  /** "Label: value" lines: account, level, balance, thresholds, forecast, problem. */
  readonly facts: readonly string[];
  /** The steps to take, one each. */
  readonly nextSteps: readonly string[];
  /** When recipients hear again, and the time zone of the times. */
  readonly footer: readonly string[];
  /** The full text: headline, facts, steps and footer. */
  readonly email: string;
  /** One GSM-7 segment as delivered (see SMS_BUDGET in core/gsm.ts). */
  readonly sms: string;
}

/** The `severity` of the test notice: every subscription's filter policy lets it through. */
export const TEST_SEVERITY = 'TEST';
export const TEST_KIND = 'test';
/** The weekly digest: for email, https and chat; SMS subscriptions' filter policies leave INFO out. */
export const INFO_SEVERITY = 'INFO';
export const DIGEST_KIND = 'digest';

/** A notice kind as published: the notification kinds, the test notice and the digest. */
export type NoticeKind = NotificationKind | typeof TEST_KIND | typeof DIGEST_KIND;

/** A notification as SNS receives it, one body per channel. */
export interface RenderedMessage {
  /** ASCII, no line breaks, under 100 characters. */
  readonly subject: string;
  readonly default: string;
  readonly email: string;
  /** One GSM-7 segment as delivered: the budget of core/gsm.ts SMS_BUDGET. */
  readonly sms: string;
  /** The webhook notice (JSON, core/webhook-notice.ts), the body https subscribers receive. */
  readonly https: string;
  /** The Amazon Q Developer custom notification (JSON, core/chat-notice.ts), for the chat topic only. */
  readonly chat: string;
  readonly attributes: {
    readonly severity: Level | typeof TEST_SEVERITY | typeof INFO_SEVERITY;
    /** Absent on the test notice, which concerns no account. */
    readonly account?: string;
    readonly kind: NoticeKind;
  };
}

/** The kinds that close an episode: receivers resolve what the episode opened. */
export const RESOLVING_KINDS: readonly NotificationKind[] = [
  'recovered',
  'monitor-recovered',
  'forecast-cleared',
  'spend-spike-cleared',
];

function topicOf(kind: NotificationKind): EpisodeTopic {
  if (kind.startsWith('forecast')) return 'forecast';
  if (kind.startsWith('spend-spike')) return 'spend';
  if (kind === 'check-failed' || kind === 'check-failed-reminder' || kind === 'monitor-recovered')
    return 'check';
  return 'balance';
}

/**
 * The key one account episode's notices share (webhook `dedupKey`, chat `threadId`):
 * `<account>/<topic>/<ISO time the episode began>`.
 */
export function episodeKey(n: Notification): string {
  const episode = n.episode ?? { topic: topicOf(n.kind), since: n.at };
  return `${n.account}/${episode.topic}/${episode.since}`;
}
