import { noticesInWeek } from './alert-state.js';
import { chatNoticeOf } from './chat-notice.js';
import type { AccountConfig, Locale } from './config.js';
import { DIGEST_ACTION } from './contract.js';
import type { DigestAccountFigures, DigestFigures, DigestTotals } from './digest-types.js';
import { fitSms, foldToAscii, SMS_BUDGET } from './gsm.js';
import {
  EMPTY_HISTORY,
  forecastFromHistory,
  HISTORY_HOURS,
  type History,
  hourOf,
  weekSummary,
} from './history.js';
import { DIGEST_WORDING } from './locales/index.js';
import { SUBJECT_MAX_LENGTH } from './messages.js';
import { DIGEST_KIND, INFO_SEVERITY, type NoticeText, type RenderedMessage } from './notification.js';
import type { StoredState } from './ports.js';
import { WEBHOOK_SCHEMA_ID, type WebhookNotice } from './webhook-notice.js';
import { formatsFor } from './wording.js';

/**
 * The weekly digest: one notice for the whole deployment, read in ten seconds. Per account what
 * the last 7 days did (spend, top-ups, lowest and current balance), how long the balance lasts,
 * how many notices went out and whether it is silenced; the accounts closest to empty first, at
 * most DIGEST_LISTED of them, and totals over all. Pure: the states and the time come in.
 */

/** More lines than a person reads at a glance; the totals cover the rest. */
export const DIGEST_LISTED = 10;

export function isDigestRequest(event: unknown): boolean {
  return (
    typeof event === 'object' && event !== null && (event as { action?: unknown }).action === DIGEST_ACTION
  );
}

/** The history's hours within the 7 days up to `now` (an account that stopped reading has fewer). */
function lastWeek(history: History, now: Date): History {
  const from = hourOf(now.getTime()) - HISTORY_HOURS;
  return { ...history, hours: history.hours.filter((bucket) => bucket.hour > from) };
}

function accountFigures(
  account: AccountConfig,
  stored: StoredState | undefined,
  now: Date,
): DigestAccountFigures {
  const history = stored?.history ?? EMPTY_HISTORY;
  const week = weekSummary(lastWeek(history, now));
  const forecast = forecastFromHistory(history, now, account.thresholds);
  const silence = stored?.state.silence;
  return {
    account: account.name,
    spent: week?.spent.amount ?? null,
    spentSms: week?.spent.sms ?? null,
    topUps: week?.topUps ?? null,
    toppedUp: week?.toppedUp.amount ?? null,
    lowest: week?.lowest.amount ?? null,
    current: week?.current.amount ?? null,
    daysToEmpty: forecast ? Math.round(forecast.daysToEmpty * 10) / 10 : null,
    notices: stored ? noticesInWeek(stored.state.noticesSent, now) : null,
    silenced: silence !== undefined && Date.parse(silence.until) > now.getTime(),
  };
}

/** Closest to empty first: a forecast before none, then the lower balance. */
function closerToEmpty(a: DigestAccountFigures, b: DigestAccountFigures): number {
  const days = (a.daysToEmpty ?? Number.POSITIVE_INFINITY) - (b.daysToEmpty ?? Number.POSITIVE_INFINITY);
  if (days !== 0 && !Number.isNaN(days)) return days;
  return (a.current ?? Number.POSITIVE_INFINITY) - (b.current ?? Number.POSITIVE_INFINITY) || 0;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function digestFigures(
  accounts: readonly AccountConfig[],
  states: ReadonlyMap<string, StoredState | undefined>,
  now: Date,
): DigestFigures {
  const all = accounts.map((account) => accountFigures(account, states.get(account.name), now));
  const sum = (pick: (f: DigestAccountFigures) => number | null | boolean) =>
    all.reduce((total, f) => total + Number(pick(f) ?? 0), 0);
  const totals: DigestTotals = {
    accounts: all.length,
    spent: round2(sum((f) => f.spent)),
    spentSms: round2(sum((f) => f.spentSms)),
    topUps: sum((f) => f.topUps),
    toppedUp: round2(sum((f) => f.toppedUp)),
    current: round2(sum((f) => f.current)),
    notices: sum((f) => f.notices),
    silenced: sum((f) => f.silenced),
  };
  return {
    weekOf: now.toISOString(),
    accounts: [...all].sort(closerToEmpty).slice(0, DIGEST_LISTED),
    totals,
  };
}

/** The digest in words and in every channel's shape. Only INFO: SMS subscriptions never get it. */
export function renderDigest(figures: DigestFigures, locale: Locale, timeZone: string): RenderedMessage {
  const w = DIGEST_WORDING[locale];
  const fmt = formatsFor(w.intl, timeZone);
  const t = figures.totals;
  const subject = foldToAscii(`[INFO] ${w.subject(t.accounts, fmt.money(t.spent))}`).slice(
    0,
    SUBJECT_MAX_LENGTH,
  );
  const headline = w.headline(fmt.moment(figures.weekOf), t, fmt);
  const facts = [
    ...figures.accounts.map((f) => w.line(f, fmt)),
    ...(t.accounts > figures.accounts.length ? [w.more(t.accounts - figures.accounts.length)] : []),
    w.totals(t, fmt),
  ];
  const footer = [w.timesIn(timeZone)];
  const email = [headline, '', ...facts, '', ...footer].join('\n');
  const text: NoticeText = {
    subject,
    headline,
    facts,
    nextSteps: [w.noSteps],
    footer,
    email,
    sms: fitSms(foldToAscii(w.sms(t.accounts, fmt.money(t.spent))), SMS_BUDGET),
  };
  const key = `${DIGEST_KIND}/${figures.weekOf}`;
  const webhook: WebhookNotice = {
    schema: WEBHOOK_SCHEMA_ID,
    dedupKey: key,
    status: 'info',
    kind: DIGEST_KIND,
    severity: INFO_SEVERITY,
    account: null,
    level: null,
    previousLevel: null,
    amount: null,
    sms: null,
    balanceAt: null,
    thresholds: { warning: null, critical: null },
    forecast: null,
    failure: null,
    digest: figures,
    episodeSince: figures.weekOf,
    decidedAt: figures.weekOf,
    subject,
    text: email,
  };
  const chat = chatNoticeOf(text, {
    badge: ':bar_chart:',
    threadId: key,
    eventType: DIGEST_KIND,
    keywords: [DIGEST_KIND],
    additionalContext: { accounts: String(t.accounts), spent: String(t.spent), notices: String(t.notices) },
  });
  return {
    subject,
    default: email,
    email,
    sms: text.sms,
    https: JSON.stringify(webhook),
    chat: JSON.stringify(chat),
    attributes: { severity: INFO_SEVERITY, kind: DIGEST_KIND },
  };
}
