import type { DigestAccountFigures, DigestTotals } from './digest-types.js';
import type { NotificationKind } from './notification.js';
import type { FailureKind, Level } from './types.js';

/**
 * The shape of one locale's words (lambda/core/locales/<locale>.ts), and what the tables and the
 * rendering share: the formats of numbers and dates, and small helpers of the tables.
 */

export const PANEL_URL = 'https://panel.iletimerkezi.com';

export function formatsFor(intl: string, timeZone: string) {
  const money = new Intl.NumberFormat(intl, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const whole = new Intl.NumberFormat(intl, { maximumFractionDigits: 0 });
  const fraction = new Intl.NumberFormat(intl, { maximumFractionDigits: 2 });
  const time = (options: Intl.DateTimeFormatOptions) => {
    const format = new Intl.DateTimeFormat(intl, { timeZone, ...options });
    return (iso: string) => {
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : format.format(date);
    };
  };
  const clock = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
  return {
    money: (value: number) => `${money.format(value)} TL`,
    count: (value: number) => whole.format(value),
    number: (value: number) => fraction.format(value),
    day: time({ weekday: 'short', day: 'numeric', month: 'short' }),
    moment: time({ weekday: 'short', day: 'numeric', month: 'short', ...clock }),
    shortMoment: time({ day: 'numeric', month: 'short', ...clock }),
  };
}

export type Formats = ReturnType<typeof formatsFor>;

/** The notification's facts, formatted once for the locale and time zone. */
export interface Facts {
  readonly account: string;
  readonly severity: string;
  readonly level: string;
  readonly previousLevel: string | undefined;
  readonly isLow: boolean;
  readonly balance: FormattedBalance | undefined;
  readonly thresholds: string;
  readonly forecast: FormattedForecast | undefined;
  readonly failure: FormattedFailure | undefined;
  readonly spend: FormattedSpend | undefined;
  readonly forecastDays: string;
  /** Hours between reminders of the current low level, when it is low. */
  readonly lowReminderHours: string | undefined;
  readonly warningReminderHours: string;
  readonly failureReminderHours: string;
  readonly timeZone: string;
}

export interface FormattedBalance {
  /** "12.50 TL" */
  readonly amount: string;
  /** "80" */
  readonly sms: string;
  readonly checkedAt: string | undefined;
}

export interface FormattedForecast {
  /** Per day, with its unit: "4.10 TL" or "25 SMS". */
  readonly burn: string;
  readonly daysToEmpty: number;
  /** The day it runs out, in the configured time zone: "Mon 30 Nov". */
  readonly day: string;
  readonly daysToCritical: number | undefined;
}

export interface FormattedSpend {
  /** "300.00 TL" */
  readonly burn: string;
  readonly normal: string;
  /** "60", or undefined when the week had no normal use. */
  readonly multiple: string | undefined;
  readonly daysLeft: number | undefined;
}

export interface FormattedFailure {
  readonly kind: FailureKind;
  readonly message: string;
  readonly status: number | undefined;
  readonly count: number;
  readonly since: string;
  readonly sinceShort: string;
}

/** How one failure kind is put into words: the only place that does it. */
export interface FailureWording {
  /** A few words, for the subject and the SMS. */
  readonly short: string;
  /** A clause, for the email. */
  readonly long: string;
  /** The steps to take, one line each, for the email. */
  readonly advice: (account: string) => readonly string[];
  /** The steps in a few words, for the SMS. */
  readonly smsAdvice: string;
}

export type Label =
  | 'account'
  | 'level'
  | 'balance'
  | 'lastBalance'
  | 'thresholds'
  | 'forecast'
  | 'problem'
  | 'details'
  | 'failedChecks'
  | 'spend'
  | 'whatToDo';

export type Template<Args extends unknown[]> = Readonly<
  Record<NotificationKind, (f: Facts, ...args: Args) => string>
>;

export interface NoticeWording {
  /** The BCP 47 tag for numbers and dates. */
  readonly intl: string;
  readonly levels: Readonly<Record<Level, string>>;
  readonly thresholdNames: Readonly<Record<Exclude<Level, 'OK'>, string>>;
  readonly failures: Readonly<Record<FailureKind, FailureWording>>;
  /** After "[SEVERITY] "; `account` may be shortened to fit. */
  readonly subject: Template<[account: string]>;
  /** The email's first sentence. */
  readonly headline: Template<[]>;
  /** `forecast` is forecastShort's text, or undefined when it does not fit. */
  readonly sms: Template<[account: string, forecast: string | undefined]>;
  readonly labels: Readonly<Record<Label, string>>;
  readonly levelChange: (level: string, previous: string | undefined) => string;
  readonly balance: (b: FormattedBalance) => string;
  readonly balanceShort: (b: FormattedBalance | undefined) => string;
  readonly threshold: (name: string, limits: readonly string[]) => string;
  readonly noThresholds: string;
  readonly forecast: (f: FormattedForecast) => string;
  readonly noForecast: string;
  readonly forecastShort: (f: FormattedForecast) => string;
  readonly spend: (s: FormattedSpend) => string;
  /** For the subject and the SMS: "300.00 TL/h, 60x normal". */
  readonly spendShort: (s: FormattedSpend | undefined) => string;
  readonly spikeSteps: readonly string[];
  readonly spikeReminders: (hours: string) => string;
  readonly failureProblem: (long: string, status: number | undefined) => string;
  readonly failedChecks: (count: number, since: string) => string;
  readonly unknownBalance: string;
  readonly topUp: string;
  readonly nothingToDo: string;
  readonly lowReminders: (level: string, hours: string) => string;
  readonly failureReminders: (hours: string) => string;
  readonly timesIn: (timeZone: string) => string;
}

/** The test notice's words: clearly a test, and clearly nothing to act on. */
export interface TestWording {
  readonly subject: string;
  readonly headline: (at: string) => string;
  readonly body: string;
  readonly sms: (at: string) => string;
}

/** The weekly digest's words. */
export interface DigestWording {
  readonly intl: string;
  readonly subject: (accounts: number, spent: string) => string;
  readonly headline: (until: string, t: DigestTotals, fmt: Formats) => string;
  readonly line: (f: DigestAccountFigures, fmt: Formats) => string;
  readonly more: (count: number) => string;
  readonly totals: (t: DigestTotals, fmt: Formats) => string;
  readonly sms: (accounts: number, spent: string) => string;
  readonly noSteps: string;
  readonly timesIn: (zone: string) => string;
}

/**
 * The words of the relay's notices, per locale. Alarm names are the construct's own; the alarm
 * descriptions and CloudWatch's reasons are quoted as they are.
 */
export interface AlarmWording {
  readonly subjectAlarm: string;
  readonly subjectResolved: string;
  readonly isInAlarm: string;
  readonly reason: string;
  readonly since: string;
  readonly resolved: string;
  readonly okAgain: string;
  readonly smsAlarm: string;
  readonly smsResolved: string;
  readonly followDescription: string;
  readonly inConsole: string;
  readonly nothingToDo: string;
}

export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Whole days from one day on, whole hours below (at least one). */
export function roundedDuration(days: number): { readonly days: number } | { readonly hours: number } {
  return days >= 1 ? { days: Math.round(days) } : { hours: Math.max(1, Math.round(days * 24)) };
}

/** "<1 day", "~3 days". */
export function approxDays(value: number, one: string, many: string): string {
  if (value < 1) return `<1 ${one}`;
  const whole = Math.round(value);
  return `~${whole} ${whole === 1 ? one : many}`;
}

export function failureShort(failures: NoticeWording['failures'], f: Facts): string {
  return f.failure ? failures[f.failure.kind].short : '?';
}

export function failureClause(failures: NoticeWording['failures'], f: Facts): string {
  return f.failure ? `: ${failures[f.failure.kind].long}` : '';
}

export function failureSmsAdvice(failures: NoticeWording['failures'], f: Facts): string {
  return f.failure ? failures[f.failure.kind].smsAdvice : '';
}
