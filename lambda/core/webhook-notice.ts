import type { AccountConfig, LevelThreshold } from './config.js';
import type { DigestFigures } from './digest-types.js';
import {
  episodeKey,
  type INFO_SEVERITY,
  type NoticeKind,
  type NoticeText,
  type Notification,
  RESOLVING_KINDS,
  type TEST_SEVERITY,
} from './notification.js';
import type { FailureKind, Level } from './types.js';

/**
 * The notice https subscribers receive: versioned JSON a receiver can route and correlate without
 * reading prose. `dedupKey` is shared by an episode's firing, reminders and resolution (the way
 * PagerDuty's dedup_key and Opsgenie's alias work).
 */

/** Changes only with an incompatible change of the fields below; new fields may be added within a version. */
export const WEBHOOK_SCHEMA_ID = 'iletimerkezi-balance-monitor/notice/v1';

export interface WebhookThreshold {
  readonly amount: number | null;
  readonly sms: number | null;
}

export interface WebhookNotice {
  readonly schema: typeof WEBHOOK_SCHEMA_ID;
  readonly dedupKey: string;
  /** firing: opens or continues an episode; resolved: closes it; test: the test notice, to be ignored. */
  readonly status: 'firing' | 'resolved' | 'test' | 'info';
  readonly kind: NoticeKind;
  readonly severity: Level | typeof TEST_SEVERITY | typeof INFO_SEVERITY;
  readonly account: string | null;
  readonly level: Level | null;
  readonly previousLevel: Level | null;
  /** TL; the last known balance when the check failed; null when never known. */
  readonly amount: number | null;
  readonly sms: number | null;
  /** ISO time of amount and sms. */
  readonly balanceAt: string | null;
  readonly thresholds: {
    readonly warning: WebhookThreshold | null;
    readonly critical: WebhookThreshold | null;
  };
  readonly forecast: {
    readonly measure: 'amount' | 'sms';
    readonly burnPerDay: number;
    readonly daysToEmpty: number;
    readonly daysToCritical: number | null;
    readonly emptyAt: string;
  } | null;
  readonly failure: {
    readonly kind: FailureKind;
    readonly count: number;
    readonly since: string;
    readonly httpStatus: number | null;
  } | null;
  /** The spend-spike kinds' figures (TL an hour). */
  readonly spend?: {
    readonly burnPerHour: number;
    readonly normalPerHour: number;
    readonly multiple: number | null;
    readonly daysLeft: number | null;
  };
  /** The weekly digest's figures. */
  readonly digest?: DigestFigures;
  /** ISO time the episode began. */
  readonly episodeSince: string;
  /** ISO time the notice was decided. */
  readonly decidedAt: string;
  readonly subject: string;
  /** The full human text, as in the email. */
  readonly text: string;
}

function threshold(t: LevelThreshold | undefined): WebhookThreshold | null {
  return t ? { amount: t.amount ?? null, sms: t.sms ?? null } : null;
}

export function webhookNotice(n: Notification, account: AccountConfig, text: NoticeText): WebhookNotice {
  return {
    schema: WEBHOOK_SCHEMA_ID,
    dedupKey: episodeKey(n),
    status: RESOLVING_KINDS.includes(n.kind) ? 'resolved' : 'firing',
    kind: n.kind,
    severity: n.severity,
    account: n.account,
    level: n.level,
    previousLevel: n.previousLevel ?? null,
    amount: n.balance?.amount ?? null,
    sms: n.balance?.sms ?? null,
    balanceAt: n.balanceAt ?? null,
    thresholds: {
      warning: threshold(account.thresholds.warning),
      critical: threshold(account.thresholds.critical),
    },
    forecast: n.forecast
      ? {
          measure: n.forecast.measure,
          burnPerDay: n.forecast.burnPerDay,
          daysToEmpty: n.forecast.daysToEmpty,
          daysToCritical: n.forecast.daysToCritical ?? null,
          emptyAt: n.forecast.emptyAt,
        }
      : null,
    failure: n.failure
      ? {
          kind: n.failure.kind,
          count: n.failure.count,
          since: n.failure.since,
          httpStatus: n.failure.status ?? null,
        }
      : null,
    ...(n.spend
      ? {
          spend: {
            burnPerHour: n.spend.burnPerHour,
            normalPerHour: n.spend.normalPerHour,
            multiple: n.spend.multiple ?? null,
            daysLeft: n.spend.daysLeft ?? null,
          },
        }
      : {}),
    episodeSince: n.episode?.since ?? n.at,
    decidedAt: n.at,
    subject: text.subject,
    text: text.email,
  };
}

export function renderWebhookNotice(n: Notification, account: AccountConfig, text: NoticeText): string {
  return JSON.stringify(webhookNotice(n, account, text));
}
