import { SPIKE_CALM_HOURS } from './alert-state.js';
import { chatNoticeOf, renderChatNotice } from './chat-notice.js';
import type { AccountConfig, LevelThreshold, Locale } from './config.js';
import type { Forecast } from './forecast-types.js';
import { fitSms, foldToAscii, foldToGsm7, gsm7Length, SMS_BUDGET } from './gsm.js';
import {
  type NoticeText,
  type Notification,
  type NotificationKind,
  type RenderedMessage,
  TEST_KIND,
  TEST_SEVERITY,
} from './notification.js';
import type { Renderer } from './ports.js';
import type { FailureKind, Level } from './types.js';
import { renderWebhookNotice, WEBHOOK_SCHEMA_ID, type WebhookNotice } from './webhook-notice.js';

/**
 * A notification in words: the subject, the email (full text), the SMS (one GSM-7 segment).
 * All wording lives in the two tables below, one per locale; the code only arranges it.
 */

export const PANEL_URL = 'https://panel.iletimerkezi.com';

/** SNS rejects a subject of 100 characters or more. */
export const SUBJECT_MAX_LENGTH = 99;

/** The notification's facts, formatted once for the locale and time zone. */
interface Facts {
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

interface FormattedBalance {
  /** "12.50 TL" */
  readonly amount: string;
  /** "80" */
  readonly sms: string;
  readonly checkedAt: string | undefined;
}

interface FormattedForecast {
  /** Per day, with its unit: "4.10 TL" or "25 SMS". */
  readonly burn: string;
  readonly daysToEmpty: number;
  /** The day it runs out, in the configured time zone: "Mon 30 Nov". */
  readonly day: string;
  readonly daysToCritical: number | undefined;
}

interface FormattedSpend {
  /** "300.00 TL" */
  readonly burn: string;
  readonly normal: string;
  /** "60", or undefined when the week had no normal use. */
  readonly multiple: string | undefined;
  readonly daysLeft: number | undefined;
}

interface FormattedFailure {
  readonly kind: FailureKind;
  readonly message: string;
  readonly status: number | undefined;
  readonly count: number;
  readonly since: string;
  readonly sinceShort: string;
}

/** How one failure kind is put into words: the only place that does it. */
interface FailureWording {
  /** A few words, for the subject and the SMS. */
  readonly short: string;
  /** A clause, for the email. */
  readonly long: string;
  /** The steps to take, one line each, for the email. */
  readonly advice: (account: string) => readonly string[];
  /** The steps in a few words, for the SMS. */
  readonly smsAdvice: string;
}

type Label =
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

type Template<Args extends unknown[]> = Readonly<
  Record<NotificationKind, (f: Facts, ...args: Args) => string>
>;

interface Wording {
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

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Whole days from one day on, whole hours below (at least one). */
function roundedDuration(days: number): { readonly days: number } | { readonly hours: number } {
  return days >= 1 ? { days: Math.round(days) } : { hours: Math.max(1, Math.round(days * 24)) };
}

const EN_FAILURES: Wording['failures'] = {
  auth: {
    short: 'login rejected',
    long: 'iletiMerkezi rejected the API key and hash',
    advice: (account) => [
      'One of three causes, most likely first:',
      `1. Wrong API key or hash: copy both again from the iletiMerkezi panel and store them with "npm run credentials -- ${account}".`,
      `2. API access is switched off: turn on "Allow API access" at Settings → Security → Access Permissions in ${PANEL_URL}.`,
      '3. The account accepts requests only from a fixed-IP allow-list: the monitor runs on AWS Lambda, whose outgoing IP address is not fixed. Remove the IP restriction, or run the function in a VPC with a NAT gateway and an Elastic IP and allow that address.',
    ],
    smsAdvice: 'Check key/hash, API access, IP allow-list.',
  },
  transient: {
    short: 'provider unreachable',
    // SSM throttling or a hung AWS call is transient too, so the words do not blame iletiMerkezi alone.
    long: 'the balance could not be read: iletiMerkezi or AWS could not be reached (network error, timeout or server error)',
    advice: () => [
      'This is usually temporary: the monitor tries again on every run and tells you when it works again.',
      "If it lasts for hours, check whether the iletiMerkezi API is up, and read the function's logs in CloudWatch.",
    ],
    smsAdvice: 'Retrying every run.',
  },
  'invalid-response': {
    short: 'unreadable reply',
    long: 'iletiMerkezi answered with something that is not a balance',
    advice: () => [
      'The monitor never takes an unreadable answer for a zero balance; it tries again on every run.',
      "If it lasts, the API may have changed: read the function's logs in CloudWatch and compare them with the provider's get-balance documentation.",
    ],
    smsAdvice: 'Retrying; see logs.',
  },
  config: {
    short: 'config incomplete',
    long: "the monitor's configuration is incomplete (usually the API key or hash parameters in SSM)",
    advice: (account) => [
      `Store the API key and hash with "npm run credentials -- ${account}".`,
      'Check that the parameter names in cdk.json match the stored parameters and that the function may read them.',
    ],
    smsAdvice: 'Store the credentials; see email.',
  },
};

function enDuration(days: number): string {
  const d = roundedDuration(days);
  return 'days' in d
    ? `in about ${plural(d.days, 'day', 'days')}`
    : `in about ${plural(d.hours, 'hour', 'hours')}`;
}

function enDurationShort(days: number): string {
  const d = roundedDuration(days);
  return 'days' in d ? `~${d.days}d` : `~${d.hours}h`;
}

const EN: Wording = {
  intl: 'en-GB',
  levels: { OK: 'OK', WARNING: 'WARNING', CRITICAL: 'CRITICAL' },
  thresholdNames: { WARNING: 'warning', CRITICAL: 'critical' },
  failures: EN_FAILURES,
  subject: {
    low: (f, a) => `iletiMerkezi balance low: ${a} ${f.balance?.amount ?? ''}`,
    'low-reminder': (f, a) => `Reminder: iletiMerkezi balance still low: ${a} ${f.balance?.amount ?? ''}`,
    recovered: (f, a) => `iletiMerkezi balance recovered: ${a} ${f.balance?.amount ?? ''}`,
    'check-failed': (f, a) => `iletiMerkezi balance check failing: ${a} (${failureShort(EN_FAILURES, f)})`,
    'check-failed-reminder': (f, a) =>
      `Reminder: iletiMerkezi balance check failing: ${a} (${failureShort(EN_FAILURES, f)})`,
    'monitor-recovered': (f, a) =>
      `iletiMerkezi balance check working again: ${a} ${f.balance?.amount ?? ''}`,
    forecast: (f, a) =>
      `iletiMerkezi balance runs out ${enRunsOutBriefly(f)}: ${a} ${f.balance?.amount ?? ''}`,
    'forecast-reminder': (f, a) =>
      `Reminder: iletiMerkezi balance runs out ${enRunsOutBriefly(f)}: ${a} ${f.balance?.amount ?? ''}`,
    'forecast-cleared': (f, a) => `iletiMerkezi balance forecast cleared: ${a} ${f.balance?.amount ?? ''}`,
    'spend-spike': (f, a) => `iletiMerkezi spend spike: ${a} ${EN.spendShort(f.spend)}`,
    'spend-spike-reminder': (f, a) => `Reminder: iletiMerkezi spend spike: ${a} ${EN.spendShort(f.spend)}`,
    'spend-spike-cleared': (f, a) => `iletiMerkezi spend back to normal: ${a} ${f.balance?.amount ?? ''}`,
  },
  headline: {
    low: (f) => `The iletiMerkezi balance of account "${f.account}" is low: ${f.level}.`,
    'low-reminder': (f) =>
      `Reminder: the iletiMerkezi balance of account "${f.account}" is still ${f.level}.`,
    recovered: (f) => `The iletiMerkezi balance of account "${f.account}" is back above the thresholds.`,
    'check-failed': (f) =>
      `The monitor cannot check the iletiMerkezi balance of account "${f.account}"${failureClause(EN_FAILURES, f)}.`,
    'check-failed-reminder': (f) =>
      `Reminder: the monitor still cannot check the iletiMerkezi balance of account "${f.account}"${failureClause(EN_FAILURES, f)}.`,
    'monitor-recovered': (f) =>
      `The monitor can check the iletiMerkezi balance of account "${f.account}" again. The balance is ${f.level}.`,
    forecast: (f) =>
      `The iletiMerkezi balance of account "${f.account}" is above the thresholds, but at the current rate it runs out ${enRunsOutAround(f)}.`,
    'forecast-reminder': (f) =>
      `Reminder: at the current rate, the iletiMerkezi balance of account "${f.account}" runs out ${enRunsOutAround(f)}.`,
    'forecast-cleared': (f) =>
      `The iletiMerkezi balance of account "${f.account}" is no longer expected to run out within ${f.forecastDays} days.`,
    'spend-spike': (f) =>
      `Account "${f.account}" is spending iletiMerkezi balance much faster than normal: ${EN.spendShort(f.spend)}.`,
    'spend-spike-reminder': (f) =>
      `Reminder: account "${f.account}" is still spending iletiMerkezi balance faster than normal: ${EN.spendShort(f.spend)}.`,
    'spend-spike-cleared': (f) =>
      `The iletiMerkezi spend of account "${f.account}" has been back near normal for ${SPIKE_CALM_HOURS} hours.`,
  },
  sms: {
    low: (f, a, fc) => `iletiMerkezi ${a} ${f.level}: ${EN.balanceShort(f.balance)}. ${fc ?? ''} Top up now.`,
    'low-reminder': (f, a, fc) =>
      `Reminder: iletiMerkezi ${a} still ${f.level}: ${EN.balanceShort(f.balance)}. ${fc ?? ''} Top up now.`,
    recovered: (f, a) => `iletiMerkezi ${a} recovered: ${EN.balanceShort(f.balance)}.`,
    'check-failed': (f, a) =>
      `iletiMerkezi ${a}: balance check failing (${failureShort(EN_FAILURES, f)}), ${f.failure?.count ?? 1}x since ${f.failure?.sinceShort ?? '?'}. ${failureSmsAdvice(EN_FAILURES, f)}`,
    'check-failed-reminder': (f, a) =>
      `Reminder: iletiMerkezi ${a}: balance check still failing (${failureShort(EN_FAILURES, f)}) since ${f.failure?.sinceShort ?? '?'}. ${failureSmsAdvice(EN_FAILURES, f)}`,
    'monitor-recovered': (f, a) =>
      `iletiMerkezi ${a}: balance check works again. ${f.level}: ${EN.balanceShort(f.balance)}.`,
    forecast: (f, a, fc) =>
      `iletiMerkezi ${a}: ${EN.balanceShort(f.balance)}. ${fc ?? `Runs out within ${f.forecastDays}d.`} Top up soon.`,
    'forecast-reminder': (f, a, fc) =>
      `Reminder: iletiMerkezi ${a}: ${EN.balanceShort(f.balance)}. ${fc ?? `Runs out within ${f.forecastDays}d.`} Top up soon.`,
    'forecast-cleared': (f, a) =>
      `iletiMerkezi ${a}: no longer runs out within ${f.forecastDays}d. ${EN.balanceShort(f.balance)}.`,
    'spend-spike': (f, a) =>
      `iletiMerkezi ${a} SPEND SPIKE: ${EN.spendShort(f.spend)}. ${EN.balanceShort(f.balance)}${enLastsShort(f.spend)}. Check for abuse.`,
    'spend-spike-reminder': (f, a) =>
      `Reminder: iletiMerkezi ${a} spend spike: ${EN.spendShort(f.spend)}. ${EN.balanceShort(f.balance)}${enLastsShort(f.spend)}.`,
    'spend-spike-cleared': (f, a) =>
      `iletiMerkezi ${a}: spend back to normal. ${EN.balanceShort(f.balance)}.`,
  },
  labels: {
    account: 'Account',
    level: 'Level',
    balance: 'Balance',
    lastBalance: 'Last known balance',
    thresholds: 'Thresholds',
    forecast: 'Forecast',
    problem: 'Problem',
    details: 'Details',
    failedChecks: 'Failed checks',
    spend: 'Spend',
    whatToDo: 'What to do',
  },
  levelChange: (level, previous) => (previous ? `${level} (was ${previous})` : level),
  balance: (b) => `${b.amount}, about ${b.sms} SMS${b.checkedAt ? ` (checked ${b.checkedAt})` : ''}`,
  balanceShort: (b) => (b ? `${b.amount} (~${b.sms} SMS)` : 'balance unknown'),
  threshold: (name, limits) => `${name} at or below ${limits.join(' or ')}`,
  noThresholds: 'none',
  forecast: (f) =>
    f.daysToEmpty === 0
      ? 'the balance is used up.'
      : `about ${f.burn} a day is used; at this rate it runs out ${enDuration(f.daysToEmpty)}, around ${f.day}` +
        (f.daysToCritical === undefined
          ? ''
          : `; it reaches the critical threshold ${enDuration(f.daysToCritical)}`) +
        '.',
  noForecast:
    'not known yet: it needs several hours of readings since the last top-up, and a falling balance.',
  forecastShort: (f) =>
    f.daysToEmpty === 0 ? 'Used up.' : `Runs out ${enDurationShort(f.daysToEmpty)} (${f.day}).`,
  spend: (s) =>
    `${s.burn} in the newest hour, ${s.multiple === undefined ? 'with no use in a normal hour' : `${s.multiple}x`} the week's median hour (${s.normal})` +
    (s.daysLeft === undefined
      ? '.'
      : `; at this pace the balance lasts ${enDuration(s.daysLeft).replace('in ', '')}.`),
  spendShort: (s) => (s ? `${s.burn}/h${s.multiple === undefined ? '' : `, ${s.multiple}x normal`}` : ''),
  spikeSteps: [
    'Check the SMS traffic in the iletiMerkezi panel: a campaign sent by mistake, a loop in an application, or SMS pumping (fake sign-ups or one-time-password requests to costly numbers).',
    `If it is abuse, block the sender or the form that triggers the SMS, and rotate the API key at ${PANEL_URL}.`,
  ],
  spikeReminders: (hours) =>
    `While the spend stays high, you will be reminded every ${hours} hours, and told once when it is back near normal for ${SPIKE_CALM_HOURS} hours.`,
  failureProblem: (long, status) => (status === undefined ? long : `${long} (status ${status})`),
  failedChecks: (count, since) =>
    count === 1 ? `1, at ${since}` : `${count} in a row, the first at ${since}`,
  unknownBalance: 'unknown',
  topUp: `Top up the balance at ${PANEL_URL}: SMS stop being sent when it reaches zero.`,
  nothingToDo: 'Nothing to do.',
  lowReminders: (level, hours) =>
    `While the balance stays ${level}, you will be reminded every ${hours} hours, and told once when it recovers.`,
  failureReminders: (hours) =>
    `While the check keeps failing, you will be reminded every ${hours} hours, and told once when it works again.`,
  timesIn: (timeZone) => `Times are in ${timeZone}.`,
};

function enLastsShort(s: FormattedSpend | undefined): string {
  return s?.daysLeft === undefined ? '' : `, lasts ${enDurationShort(s.daysLeft)}`;
}

/** "in ~3 days", for the subject. */
function enRunsOutBriefly(f: Facts): string {
  if (!f.forecast) return `within ${f.forecastDays} days`;
  const d = roundedDuration(f.forecast.daysToEmpty);
  return 'days' in d ? `in ~${plural(d.days, 'day', 'days')}` : `in ~${plural(d.hours, 'hour', 'hours')}`;
}

function enRunsOutAround(f: Facts): string {
  return f.forecast
    ? `${enDuration(f.forecast.daysToEmpty)}, around ${f.forecast.day}`
    : `within ${f.forecastDays} days`;
}

const TR_FAILURES: Wording['failures'] = {
  auth: {
    short: 'giriş reddedildi',
    long: "iletiMerkezi API anahtarını ve hash'i reddetti",
    advice: (account) => [
      'Üç olası neden var, en olasıdan başlayarak:',
      `1. API anahtarı veya hash yanlış: ikisini de iletiMerkezi panelinden yeniden kopyalayın ve "npm run credentials -- ${account}" ile kaydedin.`,
      `2. API erişimi kapalı: ${PANEL_URL} adresinde Ayarlar → Güvenlik → Erişim İzinleri (Settings → Security → Access Permissions) altındaki "API erişimine izin ver" ("Allow API access") seçeneğini açın.`,
      "3. Hesap yalnızca sabit IP izin listesindeki adreslerden gelen isteklere izin veriyor: izleyici AWS Lambda üzerinde çalışır ve Lambda'nın çıkış IP adresi sabit değildir. IP kısıtlamasını kaldırın ya da işlevi NAT gateway ve Elastic IP içeren bir VPC'de çalıştırıp o adrese izin verin.",
    ],
    smsAdvice: 'Anahtar/hash, API erişimi ayarı ve IP listesine bakın.',
  },
  transient: {
    short: 'bağlantı sorunu',
    long: "bakiye okunamadı: iletiMerkezi'ye veya AWS'e ulaşılamadı (ağ hatası, zaman aşımı veya sunucu hatası)",
    advice: () => [
      'Bu genellikle geçicidir: izleyici her çalışmada yeniden dener ve sorun düzelince haber verir.',
      "Saatlerce sürerse iletiMerkezi API'sinin çalışıp çalışmadığını kontrol edin ve işlevin CloudWatch günlüklerini inceleyin.",
    ],
    smsAdvice: 'Her çalışmada yeniden deneniyor.',
  },
  'invalid-response': {
    short: 'anlaşılamayan yanıt',
    long: 'iletiMerkezi bakiye yerine anlaşılamayan bir yanıt döndürdü',
    advice: () => [
      'İzleyici anlaşılamayan bir yanıtı asla sıfır bakiye saymaz; her çalışmada yeniden dener.',
      'Sürerse API değişmiş olabilir: işlevin CloudWatch günlüklerini inceleyin ve sağlayıcının get-balance belgesiyle karşılaştırın.',
    ],
    smsAdvice: 'Yeniden deneniyor; günlüklere bakın.',
  },
  config: {
    short: 'yapılandırma eksik',
    long: "izleyicinin yapılandırması eksik (genellikle SSM'deki API anahtarı veya hash parametreleri)",
    advice: (account) => [
      `API anahtarını ve hash'i "npm run credentials -- ${account}" ile kaydedin.`,
      "cdk.json'daki parametre adlarının kayıtlı parametrelerle eşleştiğini ve işlevin bunları okuyabildiğini kontrol edin.",
    ],
    smsAdvice: 'Kimlik bilgilerini kaydedin; e-postaya bakın.',
  },
};

function trDuration(days: number): string {
  const d = roundedDuration(days);
  return 'days' in d ? `yaklaşık ${d.days} gün içinde` : `yaklaşık ${d.hours} saat içinde`;
}

function trDurationShort(days: number): string {
  const d = roundedDuration(days);
  return 'days' in d ? `~${d.days} günde` : `~${d.hours} saatte`;
}

const TR: Wording = {
  intl: 'tr-TR',
  levels: { OK: 'NORMAL', WARNING: 'UYARI', CRITICAL: 'KRİTİK' },
  thresholdNames: { WARNING: 'uyarı', CRITICAL: 'kritik' },
  failures: TR_FAILURES,
  subject: {
    low: (f, a) => `iletiMerkezi bakiyesi düşük: ${a} ${f.balance?.amount ?? ''}`,
    'low-reminder': (f, a) => `Hatırlatma: iletiMerkezi bakiyesi hâlâ düşük: ${a} ${f.balance?.amount ?? ''}`,
    recovered: (f, a) => `iletiMerkezi bakiyesi yeniden yeterli: ${a} ${f.balance?.amount ?? ''}`,
    'check-failed': (f, a) => `iletiMerkezi kontrolü başarısız: ${a} (${failureShort(TR_FAILURES, f)})`,
    'check-failed-reminder': (f, a) =>
      `Hatırlatma: iletiMerkezi kontrolü başarısız: ${a} (${failureShort(TR_FAILURES, f)})`,
    'monitor-recovered': (f, a) =>
      `iletiMerkezi bakiye kontrolü yeniden çalışıyor: ${a} ${f.balance?.amount ?? ''}`,
    forecast: (f, a) =>
      `iletiMerkezi bakiyesi ${trRunsOutBriefly(f)} bitiyor: ${a} ${f.balance?.amount ?? ''}`,
    'forecast-reminder': (f, a) =>
      `Hatırlatma: iletiMerkezi bakiyesi ${trRunsOutBriefly(f)} bitiyor: ${a} ${f.balance?.amount ?? ''}`,
    'forecast-cleared': (f, a) => `iletiMerkezi bakiye tahmini düzeldi: ${a} ${f.balance?.amount ?? ''}`,
    'spend-spike': (f, a) => `iletiMerkezi harcama artışı: ${a} ${TR.spendShort(f.spend)}`,
    'spend-spike-reminder': (f, a) =>
      `Hatırlatma: iletiMerkezi harcama artışı: ${a} ${f.spend ? `${f.spend.burn}/saat` : ''}`,
    'spend-spike-cleared': (f, a) => `iletiMerkezi harcaması normale döndü: ${a} ${f.balance?.amount ?? ''}`,
  },
  headline: {
    low: (f) => `"${f.account}" hesabının iletiMerkezi bakiyesi ${f.level} seviyesine düştü.`,
    'low-reminder': (f) =>
      `Hatırlatma: "${f.account}" hesabının iletiMerkezi bakiyesi hâlâ ${f.level} seviyesinde.`,
    recovered: (f) => `"${f.account}" hesabının iletiMerkezi bakiyesi yeniden eşiklerin üzerinde.`,
    'check-failed': (f) =>
      `İzleyici "${f.account}" hesabının iletiMerkezi bakiyesini kontrol edemiyor${failureClause(TR_FAILURES, f)}.`,
    'check-failed-reminder': (f) =>
      `Hatırlatma: izleyici "${f.account}" hesabının iletiMerkezi bakiyesini hâlâ kontrol edemiyor${failureClause(TR_FAILURES, f)}.`,
    'monitor-recovered': (f) =>
      `İzleyici "${f.account}" hesabının iletiMerkezi bakiyesini yeniden kontrol edebiliyor. Bakiye ${f.level} seviyesinde.`,
    forecast: (f) =>
      `"${f.account}" hesabının iletiMerkezi bakiyesi eşiklerin üzerinde, ancak bu hızla ${trRunsOutAround(f)} bitecek.`,
    'forecast-reminder': (f) =>
      `Hatırlatma: "${f.account}" hesabının iletiMerkezi bakiyesi bu hızla ${trRunsOutAround(f)} bitecek.`,
    'forecast-cleared': (f) =>
      `"${f.account}" hesabının iletiMerkezi bakiyesinin ${f.forecastDays} gün içinde bitmesi artık beklenmiyor.`,
    'spend-spike': (f) =>
      `"${f.account}" hesabı iletiMerkezi bakiyesini normalden çok daha hızlı harcıyor: ${TR.spendShort(f.spend)}.`,
    'spend-spike-reminder': (f) =>
      `Hatırlatma: "${f.account}" hesabı iletiMerkezi bakiyesini hâlâ normalden hızlı harcıyor: ${TR.spendShort(f.spend)}.`,
    'spend-spike-cleared': (f) =>
      `"${f.account}" hesabının iletiMerkezi harcaması ${SPIKE_CALM_HOURS} saattir yeniden normale yakın.`,
  },
  sms: {
    low: (f, a, fc) =>
      `iletiMerkezi ${a} ${f.level}: ${TR.balanceShort(f.balance)}. ${fc ?? ''} Hemen yükleyin.`,
    'low-reminder': (f, a, fc) =>
      `Hatırlatma: iletiMerkezi ${a} hâlâ ${f.level}: ${TR.balanceShort(f.balance)}. ${fc ?? ''} Hemen yükleyin.`,
    recovered: (f, a) => `iletiMerkezi ${a} yeniden yeterli: ${TR.balanceShort(f.balance)}.`,
    'check-failed': (f, a) =>
      `iletiMerkezi ${a}: kontrol başarısız (${failureShort(TR_FAILURES, f)}), ${f.failure?.count ?? 1} kez, ilki ${f.failure?.sinceShort ?? '?'}. ${failureSmsAdvice(TR_FAILURES, f)}`,
    'check-failed-reminder': (f, a) =>
      `Hatırlatma: iletiMerkezi ${a}: kontrol hâlâ başarısız (${failureShort(TR_FAILURES, f)}), ilki ${f.failure?.sinceShort ?? '?'}. ${failureSmsAdvice(TR_FAILURES, f)}`,
    'monitor-recovered': (f, a) =>
      `iletiMerkezi ${a}: bakiye kontrolü yeniden çalışıyor. ${f.level}: ${TR.balanceShort(f.balance)}.`,
    forecast: (f, a, fc) =>
      `iletiMerkezi ${a}: ${TR.balanceShort(f.balance)}. ${fc ?? `${f.forecastDays} gün içinde bitebilir.`} Yakında yükleyin.`,
    'forecast-reminder': (f, a, fc) =>
      `Hatırlatma: iletiMerkezi ${a}: ${TR.balanceShort(f.balance)}. ${fc ?? `${f.forecastDays} gün içinde bitebilir.`} Yakında yükleyin.`,
    'forecast-cleared': (f, a) =>
      `iletiMerkezi ${a}: ${f.forecastDays} gün içinde bitmesi artık beklenmiyor. ${TR.balanceShort(f.balance)}.`,
    'spend-spike': (f, a) =>
      `iletiMerkezi ${a} HARCAMA ARTIŞI: ${TR.spendShort(f.spend)}. ${TR.balanceShort(f.balance)}${trLastsShort(f.spend)}. Kötüye kullanıma bakın.`,
    'spend-spike-reminder': (f, a) =>
      `Hatırlatma: iletiMerkezi ${a} harcama artışı: ${TR.spendShort(f.spend)}. ${TR.balanceShort(f.balance)}${trLastsShort(f.spend)}.`,
    'spend-spike-cleared': (f, a) =>
      `iletiMerkezi ${a}: harcama normale döndü. ${TR.balanceShort(f.balance)}.`,
  },
  labels: {
    account: 'Hesap',
    level: 'Seviye',
    balance: 'Bakiye',
    lastBalance: 'Son bilinen bakiye',
    thresholds: 'Eşikler',
    forecast: 'Tahmin',
    problem: 'Sorun',
    details: 'Ayrıntı',
    failedChecks: 'Başarısız kontroller',
    spend: 'Harcama',
    whatToDo: 'Ne yapmalı',
  },
  levelChange: (level, previous) => (previous ? `${level} (önceki: ${previous})` : level),
  balance: (b) => `${b.amount}, yaklaşık ${b.sms} SMS${b.checkedAt ? ` (kontrol: ${b.checkedAt})` : ''}`,
  balanceShort: (b) => (b ? `${b.amount} (~${b.sms} SMS)` : 'bakiye bilinmiyor'),
  threshold: (name, limits) => `${name}: ${limits.join(' veya ')} ve altı`,
  noThresholds: 'yok',
  forecast: (f) =>
    f.daysToEmpty === 0
      ? 'bakiye bitti.'
      : `günde yaklaşık ${f.burn} harcanıyor; bu hızla ${trDuration(f.daysToEmpty)}, ${f.day} civarında bitecek` +
        (f.daysToCritical === undefined ? '' : `; kritik eşiğe ${trDuration(f.daysToCritical)} inecek`) +
        '.',
  noForecast: 'henüz bilinmiyor: son yüklemeden bu yana birkaç saatlik okuma ve azalan bir bakiye gerekiyor.',
  forecastShort: (f) =>
    f.daysToEmpty === 0 ? 'Bakiye bitti.' : `${trDurationShort(f.daysToEmpty)} biter (${f.day}).`,
  spend: (s) =>
    `son saatte ${s.burn}, haftanın ortanca saatinin (${s.normal}) ${s.multiple === undefined ? 'çok üzerinde (normal saatte harcama yok)' : `${s.multiple} katı`}` +
    (s.daysLeft === undefined ? '.' : `; bu hızla bakiye ${trDuration(s.daysLeft)} biter.`),
  spendShort: (s) =>
    s ? `${s.burn}/saat${s.multiple === undefined ? '' : ` (normalin ${s.multiple}x)`}` : '',
  spikeSteps: [
    'iletiMerkezi panelinde SMS trafiğine bakın: yanlışlıkla gönderilen bir kampanya, bir uygulamada döngü ya da SMS pompalama (pahalı numaralara sahte kayıt veya tek kullanımlık şifre istekleri).',
    `Kötüye kullanım ise SMS'i tetikleyen göndericiyi veya formu engelleyin ve ${PANEL_URL} adresinden API anahtarını yenileyin.`,
  ],
  spikeReminders: (hours) =>
    `Harcama yüksek kaldıkça ${hours} saatte bir hatırlatılacak, ${SPIKE_CALM_HOURS} saat normale yakın kaldığında bir kez haber verilecek.`,
  failureProblem: (long, status) => (status === undefined ? long : `${long} (durum kodu ${status})`),
  failedChecks: (count, since) => (count === 1 ? `1 kez, ${since}` : `art arda ${count} kez, ilki ${since}`),
  unknownBalance: 'bilinmiyor',
  topUp: `Bakiyeyi ${PANEL_URL} adresinden yükleyin: bakiye sıfırlanınca SMS gönderimi durur.`,
  nothingToDo: 'Yapmanız gereken bir şey yok.',
  lowReminders: (level, hours) =>
    `Bakiye ${level} seviyesinde kaldıkça ${hours} saatte bir hatırlatılacak, yeniden yükseldiğinde bir kez haber verilecek.`,
  failureReminders: (hours) =>
    `Kontrol başarısız olmaya devam ettikçe ${hours} saatte bir hatırlatılacak, yeniden çalıştığında bir kez haber verilecek.`,
  timesIn: (timeZone) => `Saatler ${timeZone} saat dilimine göredir.`,
};

function trLastsShort(s: FormattedSpend | undefined): string {
  return s?.daysLeft === undefined ? '' : `, ${trDurationShort(s.daysLeft)} biter`;
}

/** "~3 günde", for the subject. */
function trRunsOutBriefly(f: Facts): string {
  return f.forecast ? trDurationShort(f.forecast.daysToEmpty) : `${f.forecastDays} gün içinde`;
}

function trRunsOutAround(f: Facts): string {
  return f.forecast
    ? `${trDuration(f.forecast.daysToEmpty)}, ${f.forecast.day} civarında`
    : `${f.forecastDays} gün içinde`;
}

function failureShort(failures: Wording['failures'], f: Facts): string {
  return f.failure ? failures[f.failure.kind].short : '?';
}

function failureClause(failures: Wording['failures'], f: Facts): string {
  return f.failure ? `: ${failures[f.failure.kind].long}` : '';
}

function failureSmsAdvice(failures: Wording['failures'], f: Facts): string {
  return f.failure ? failures[f.failure.kind].smsAdvice : '';
}

const WORDING: Readonly<Record<Locale, Wording>> = { en: EN, tr: TR };

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

type Formats = ReturnType<typeof formatsFor>;

function thresholdsText(w: Wording, fmt: Formats, account: AccountConfig): string {
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

function factsOf(n: Notification, account: AccountConfig, w: Wording, timeZone: string): Facts {
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
function whatToDo(w: Wording, n: Notification, f: Facts): readonly string[] {
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
function reminderNote(w: Wording, n: Notification, f: Facts): string | undefined {
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
  w: Wording,
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

function renderEmail(w: Wording, parts: ReturnType<typeof emailParts>): string {
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

function renderSubject(w: Wording, n: Notification, f: Facts): string {
  const build = (account: string) => tidy(foldToAscii(`[${f.severity}] ${w.subject[n.kind](f, account)}`));
  const fits = (text: string) => text.length <= SUBJECT_MAX_LENGTH;
  return withAccountFitting(build, f.account, fits) ?? build(f.account).slice(0, SUBJECT_MAX_LENGTH);
}

/**
 * One segment. What happened and the balance come first; then, in this order of preference:
 * the whole name with the forecast, the whole name alone, a recognisable part of the name with
 * the forecast, as much of the name as fits.
 */
function renderSms(w: Wording, n: Notification, f: Facts): string {
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
  const w = WORDING[locale];
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

/** The test notice's words: clearly a test, and clearly nothing to act on. */
const TEST_WORDING: Readonly<
  Record<
    Locale,
    { subject: string; headline: (at: string) => string; body: string; sms: (at: string) => string }
  >
> = {
  en: {
    subject: '[TEST] iletiMerkezi balance monitor: test notice',
    headline: (at) => `TEST: a test notice from the iletiMerkezi balance monitor, sent on request at ${at}.`,
    body: "No balance was checked and nothing needs doing: it shows that this channel receives the monitor's notices.",
    sms: (at) => `TEST: iletiMerkezi balance monitor test notice, ${at}. Nothing to do.`,
  },
  tr: {
    subject: '[TEST] iletiMerkezi bakiye izleyicisi: deneme bildirimi',
    headline: (at) =>
      `TEST: iletiMerkezi bakiye izleyicisinin istek üzerine ${at} tarihinde gönderdiği deneme bildirimi.`,
    body: 'Bakiye kontrol edilmedi, yapmanız gereken bir şey yok: bu kanalın izleyicinin bildirimlerini aldığını gösterir.',
    sms: (at) => `TEST: iletiMerkezi bakiye izleyicisi deneme bildirimi, ${at}. Yapilacak bir sey yok.`,
  },
};

/**
 * The test notice: one message through every channel, marked TEST everywhere (subject, texts,
 * the `severity` and `kind` attributes, the webhook's status, the chat title), about no account.
 */
export function renderTestNotice(now: Date, locale: Locale, timeZone: string): RenderedMessage {
  const w = WORDING[locale];
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
