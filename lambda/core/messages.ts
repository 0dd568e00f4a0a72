import { chatNoticeOf, renderChatNotice } from './chat-notice.js';
import type { AccountConfig, LevelThreshold, Locale } from './config.js';
import type { Forecast } from './forecast-types.js';
import { fitSms, foldToAscii, foldToGsm7, gsm7Length, SMS_BUDGET } from './gsm.js';
import { NOTICE_WORDING, TEST_WORDING } from './locales/index.js';
import {
  type NoticeText,
  type Notification,
  type NotificationKind,
  type RenderedMessage,
  TEST_KIND,
  TEST_SEVERITY,
} from './notification.js';
import type { Renderer } from './ports.js';
import { renderWebhookNotice, WEBHOOK_SCHEMA_ID, type WebhookNotice } from './webhook-notice.js';
import {
  type Facts,
  type Formats,
  type FormattedForecast,
  formatsFor,
  type Label,
  type NoticeWording,
} from './wording.js';

/**
 * A notification in words: the subject, the email (full text), the SMS (one GSM-7 segment).
 * All wording lives in the locale tables (lambda/core/locales/), one file per locale; the code only
 * arranges it.
 */

/** SNS rejects a subject of 100 characters or more. */
export const SUBJECT_MAX_LENGTH = 99;

function thresholdsText(w: NoticeWording, fmt: Formats, account: AccountConfig): string {
  const limits = (t: LevelThreshold | undefined): string[] => [
    ...(t?.amount === undefined ? [] : [fmt.money(t.amount)]),
    ...(t?.sms === undefined ? [] : [`${fmt.count(t.sms)} SMS`]),
  ];
  const levels = [
    { name: w.thresholdNames.WARNING, limits: limits(account.thresholds.warning) },
    { name: w.thresholdNames.CRITICAL, limits: limits(account.thresholds.critical) },
  ].filter((level) => level.limits.length > 0);
  return levels.length === 0 ? w.noThresholds : levels.map((l) => w.threshold(l.name, l.limits)).join('; ');
}

function forecastFacts(fmt: Formats, forecast: Forecast): FormattedForecast {
  const burn =
    forecast.measure === 'amount' ? fmt.money(forecast.burnPerDay) : `${fmt.number(forecast.burnPerDay)} SMS`;
  return {
    burn,
    daysToEmpty: forecast.daysToEmpty,
    day: fmt.day(forecast.emptyAt),
    daysToCritical: forecast.daysToCritical,
  };
}

function factsOf(n: Notification, account: AccountConfig, w: NoticeWording, timeZone: string): Facts {
  const fmt = formatsFor(w.intl, timeZone);
  return {
    account: n.account,
    severity: w.levels[n.severity],
    level: w.levels[n.level],
    previousLevel: n.previousLevel && w.levels[n.previousLevel],
    isLow: n.level !== 'OK',
    balance: n.balance && {
      amount: fmt.money(n.balance.amount),
      sms: fmt.count(n.balance.sms),
      checkedAt: n.balanceAt === undefined ? undefined : fmt.moment(n.balanceAt),
    },
    thresholds: thresholdsText(w, fmt, account),
    forecast: n.forecast && forecastFacts(fmt, n.forecast),
    failure: n.failure && {
      kind: n.failure.kind,
      message: n.failure.message,
      status: n.failure.status,
      count: n.failure.count,
      since: fmt.moment(n.failure.since),
      sinceShort: fmt.shortMoment(n.failure.since),
    },
    spend: n.spend && {
      burn: fmt.money(n.spend.burnPerHour),
      normal: fmt.money(n.spend.normalPerHour),
      multiple: n.spend.multiple === undefined ? undefined : fmt.count(n.spend.multiple),
      daysLeft: n.spend.daysLeft,
    },
    forecastDays: fmt.number(account.policy.forecastDays),
    warningReminderHours: fmt.number(account.policy.reminderHours.WARNING),
    lowReminderHours: n.level === 'OK' ? undefined : fmt.number(account.policy.reminderHours[n.level]),
    failureReminderHours: fmt.number(account.policy.failureReminderHours),
    timeZone,
  };
}

const FAILURE_KINDS: readonly NotificationKind[] = ['check-failed', 'check-failed-reminder'];

/** The steps to take, by notification kind. */
function whatToDo(w: NoticeWording, n: Notification, f: Facts): readonly string[] {
  switch (n.kind) {
    case 'low':
    case 'low-reminder':
    case 'forecast':
    case 'forecast-reminder':
      return [w.topUp];
    case 'check-failed':
    case 'check-failed-reminder':
      return f.failure ? w.failures[f.failure.kind].advice(n.account) : [];
    case 'monitor-recovered':
      return [f.isLow ? w.topUp : w.nothingToDo];
    case 'spend-spike':
    case 'spend-spike-reminder':
      return w.spikeSteps;
    case 'recovered':
    case 'forecast-cleared':
    case 'spend-spike-cleared':
      return [w.nothingToDo];
  }
}

/** When recipients will hear again, for the kinds the reminder policy covers. */
function reminderNote(w: NoticeWording, n: Notification, f: Facts): string | undefined {
  if ((n.kind === 'low' || n.kind === 'low-reminder') && f.lowReminderHours !== undefined) {
    return w.lowReminders(f.level, f.lowReminderHours);
  }
  if (FAILURE_KINDS.includes(n.kind)) return w.failureReminders(f.failureReminderHours);
  if (n.kind === 'spend-spike' || n.kind === 'spend-spike-reminder')
    return w.spikeReminders(f.warningReminderHours);
  return undefined;
}

/** The email in its parts: the headline, the facts, the steps and the footer. */
function emailParts(
  w: NoticeWording,
  n: Notification,
  f: Facts,
): Pick<NoticeText, 'headline' | 'facts' | 'nextSteps' | 'footer'> {
  const line = (label: Label, text: string) => `${w.labels[label]}: ${text}`;
  const failed = FAILURE_KINDS.includes(n.kind);
  const facts = [line('account', f.account), line('level', w.levelChange(f.level, f.previousLevel))];
  if (failed && f.failure) {
    facts.push(
      line('problem', w.failureProblem(w.failures[f.failure.kind].long, f.failure.status)),
      line('details', f.failure.message),
      line('failedChecks', w.failedChecks(f.failure.count, f.failure.since)),
    );
  }
  facts.push(
    line(failed ? 'lastBalance' : 'balance', f.balance ? w.balance(f.balance) : w.unknownBalance),
    line('thresholds', f.thresholds),
    line('forecast', f.forecast ? w.forecast(f.forecast) : w.noForecast),
  );
  if (f.spend) facts.splice(2, 0, line('spend', w.spend(f.spend)));
  const reminder = reminderNote(w, n, f);
  return {
    headline: w.headline[n.kind](f),
    facts,
    nextSteps: whatToDo(w, n, f),
    footer: [...(reminder ? [reminder] : []), w.timesIn(f.timeZone)],
  };
}

function renderEmail(w: NoticeWording, parts: ReturnType<typeof emailParts>): string {
  return [
    parts.headline,
    '',
    ...parts.facts,
    '',
    `${w.labels.whatToDo}:`,
    ...parts.nextSteps,
    '',
    ...parts.footer,
  ].join('\n');
}

function tidy(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** An account name shortened below this many characters no longer tells accounts apart. */
const RECOGNISABLE_ACCOUNT = 16;

/**
 * `build` with the account name whole, or cut just enough for `fits` but to no fewer than
 * `minLength` characters; undefined when nothing fits.
 */
function withAccountFitting(
  build: (account: string) => string,
  account: string,
  fits: (text: string) => boolean,
  minLength = 1,
): string | undefined {
  const whole = build(account);
  if (fits(whole)) return whole;
  for (let length = account.length - 1; length >= minLength; length--) {
    const text = build(`${account.slice(0, length)}...`);
    if (fits(text)) return text;
  }
  return undefined;
}

function renderSubject(w: NoticeWording, n: Notification, f: Facts): string {
  const build = (account: string) => tidy(foldToAscii(`[${f.severity}] ${w.subject[n.kind](f, account)}`));
  const fits = (text: string) => text.length <= SUBJECT_MAX_LENGTH;
  return withAccountFitting(build, f.account, fits) ?? build(f.account).slice(0, SUBJECT_MAX_LENGTH);
}

/**
 * One segment. What happened and the balance come first; then, in this order of preference:
 * the whole name with the forecast, the whole name alone, a recognisable part of the name with
 * the forecast, as much of the name as fits.
 */
function renderSms(w: NoticeWording, n: Notification, f: Facts): string {
  const build = (forecast: string | undefined) => (account: string) =>
    tidy(foldToGsm7(w.sms[n.kind](f, account, forecast)));
  const fits = (text: string) => gsm7Length(text) <= SMS_BUDGET;
  const withForecast = f.forecast && build(w.forecastShort(f.forecast));
  const withoutForecast = build(undefined);
  const whole = f.account.length;
  return (
    (withForecast && withAccountFitting(withForecast, f.account, fits, whole)) ??
    withAccountFitting(withoutForecast, f.account, fits, whole) ??
    (withForecast && withAccountFitting(withForecast, f.account, fits, RECOGNISABLE_ACCOUNT)) ??
    withAccountFitting(withoutForecast, f.account, fits) ??
    fitSms(withoutForecast(f.account), SMS_BUDGET)
  );
}

/** A notification in words, for the locale and time zone, before any channel shapes it. */
export function noticeText(
  n: Notification,
  account: AccountConfig,
  locale: Locale,
  timeZone: string,
): NoticeText {
  const w = NOTICE_WORDING[locale];
  const facts = factsOf(n, account, w, timeZone);
  const parts = emailParts(w, n, facts);
  return {
    subject: renderSubject(w, n, facts),
    ...parts,
    email: renderEmail(w, parts),
    sms: renderSms(w, n, facts),
  };
}

export function renderNotification(
  n: Notification,
  account: AccountConfig,
  locale: Locale,
  timeZone: string,
): RenderedMessage {
  const text = noticeText(n, account, locale, timeZone);
  return {
    subject: text.subject,
    // Subscribers of other protocols get the full text; SMS and https have their own keys.
    default: text.email,
    email: text.email,
    sms: text.sms,
    https: renderWebhookNotice(n, account, text),
    chat: renderChatNotice(n, text),
    attributes: { severity: n.severity, account: n.account, kind: n.kind },
  };
}

/**
 * The test notice: one message through every channel, marked TEST everywhere (subject, texts,
 * the `severity` and `kind` attributes, the webhook's status, the chat title), about no account.
 */
export function renderTestNotice(now: Date, locale: Locale, timeZone: string): RenderedMessage {
  const w = NOTICE_WORDING[locale];
  const t = TEST_WORDING[locale];
  const fmt = formatsFor(w.intl, timeZone);
  const at = now.toISOString();
  const text: NoticeText = {
    subject: t.subject,
    headline: t.headline(fmt.moment(at)),
    facts: [t.body],
    nextSteps: [w.nothingToDo],
    footer: [w.timesIn(timeZone)],
    email: [t.headline(fmt.moment(at)), '', t.body, '', w.timesIn(timeZone)].join('\n'),
    sms: fitSms(t.sms(fmt.shortMoment(at)), SMS_BUDGET),
  };
  const key = `${TEST_KIND}/${at}`;
  const webhook: WebhookNotice = {
    schema: WEBHOOK_SCHEMA_ID,
    dedupKey: key,
    status: 'test',
    kind: TEST_KIND,
    severity: TEST_SEVERITY,
    account: null,
    level: null,
    previousLevel: null,
    amount: null,
    sms: null,
    balanceAt: null,
    thresholds: { warning: null, critical: null },
    forecast: null,
    failure: null,
    episodeSince: at,
    decidedAt: at,
    subject: text.subject,
    text: text.email,
  };
  const chat = chatNoticeOf(text, {
    badge: ':test_tube:',
    threadId: key,
    eventType: TEST_KIND,
    keywords: ['TEST'],
    additionalContext: { test: 'true' },
  });
  return {
    subject: text.subject,
    default: text.email,
    email: text.email,
    sms: text.sms,
    https: JSON.stringify(webhook),
    chat: JSON.stringify(chat),
    attributes: { severity: TEST_SEVERITY, kind: TEST_KIND },
  };
}

/** The Renderer port, for a locale and time zone chosen at cold start. */
export function createRenderer(locale: Locale, timeZone: string): Renderer {
  return { render: (n, account) => renderNotification(n, account, locale, timeZone) };
}
