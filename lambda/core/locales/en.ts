import { SPIKE_CALM_HOURS } from '../alert-state.js';
import {
  type AlarmWording,
  approxDays,
  type DigestWording,
  type Facts,
  type FormattedSpend,
  failureClause,
  failureShort,
  failureSmsAdvice,
  type NoticeWording,
  PANEL_URL,
  plural,
  roundedDuration,
  type TestWording,
} from '../wording.js';

/**
 * Every text in English: the notices, the test notice, the weekly digest and the alarm relay
 * (lambda/core/wording.ts gives their shape). A new locale is one more file of this shape.
 */

/** What a 401 usually means, seen from the machine that ran the check (NOTES.md). */
export const LOCAL_AUTH_CAUSES: readonly string[] = [
  'wrong API key or hash: compare ILETIMERKEZI_API_KEY and ILETIMERKEZI_API_HASH with the panel',
  'API access is off: turn on "Allow API access" at Settings > Security > Access Permissions in the panel',
  "the account accepts only a fixed-IP allow-list, and this machine's address is not on it",
];

const FAILURES: NoticeWording['failures'] = {
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

// Built by a call marked pure: esbuild keeps this object literal in a bundle that never reads it
// (the local command, which needs only LOCAL_AUTH_CAUSES), and drops an unused pure call.
export const NOTICE: NoticeWording = /* @__PURE__ */ (() => ({
  intl: 'en-GB',
  levels: { OK: 'OK', WARNING: 'WARNING', CRITICAL: 'CRITICAL' },
  thresholdNames: { WARNING: 'warning', CRITICAL: 'critical' },
  failures: FAILURES,
  subject: {
    low: (f, a) => `iletiMerkezi balance low: ${a} ${f.balance?.amount ?? ''}`,
    'low-reminder': (f, a) => `Reminder: iletiMerkezi balance still low: ${a} ${f.balance?.amount ?? ''}`,
    recovered: (f, a) => `iletiMerkezi balance recovered: ${a} ${f.balance?.amount ?? ''}`,
    'check-failed': (f, a) => `iletiMerkezi balance check failing: ${a} (${failureShort(FAILURES, f)})`,
    'check-failed-reminder': (f, a) =>
      `Reminder: iletiMerkezi balance check failing: ${a} (${failureShort(FAILURES, f)})`,
    'monitor-recovered': (f, a) =>
      `iletiMerkezi balance check working again: ${a} ${f.balance?.amount ?? ''}`,
    forecast: (f, a) =>
      `iletiMerkezi balance runs out ${enRunsOutBriefly(f)}: ${a} ${f.balance?.amount ?? ''}`,
    'forecast-reminder': (f, a) =>
      `Reminder: iletiMerkezi balance runs out ${enRunsOutBriefly(f)}: ${a} ${f.balance?.amount ?? ''}`,
    'forecast-cleared': (f, a) => `iletiMerkezi balance forecast cleared: ${a} ${f.balance?.amount ?? ''}`,
    'spend-spike': (f, a) => `iletiMerkezi spend spike: ${a} ${NOTICE.spendShort(f.spend)}`,
    'spend-spike-reminder': (f, a) =>
      `Reminder: iletiMerkezi spend spike: ${a} ${NOTICE.spendShort(f.spend)}`,
    'spend-spike-cleared': (f, a) => `iletiMerkezi spend back to normal: ${a} ${f.balance?.amount ?? ''}`,
  },
  headline: {
    low: (f) => `The iletiMerkezi balance of account "${f.account}" is low: ${f.level}.`,
    'low-reminder': (f) =>
      `Reminder: the iletiMerkezi balance of account "${f.account}" is still ${f.level}.`,
    recovered: (f) => `The iletiMerkezi balance of account "${f.account}" is back above the thresholds.`,
    'check-failed': (f) =>
      `The monitor cannot check the iletiMerkezi balance of account "${f.account}"${failureClause(FAILURES, f)}.`,
    'check-failed-reminder': (f) =>
      `Reminder: the monitor still cannot check the iletiMerkezi balance of account "${f.account}"${failureClause(FAILURES, f)}.`,
    'monitor-recovered': (f) =>
      `The monitor can check the iletiMerkezi balance of account "${f.account}" again. The balance is ${f.level}.`,
    forecast: (f) =>
      `The iletiMerkezi balance of account "${f.account}" is above the thresholds, but at the current rate it runs out ${enRunsOutAround(f)}.`,
    'forecast-reminder': (f) =>
      `Reminder: at the current rate, the iletiMerkezi balance of account "${f.account}" runs out ${enRunsOutAround(f)}.`,
    'forecast-cleared': (f) =>
      `The iletiMerkezi balance of account "${f.account}" is no longer expected to run out within ${f.forecastDays} days.`,
    'spend-spike': (f) =>
      `Account "${f.account}" is spending iletiMerkezi balance much faster than normal: ${NOTICE.spendShort(f.spend)}.`,
    'spend-spike-reminder': (f) =>
      `Reminder: account "${f.account}" is still spending iletiMerkezi balance faster than normal: ${NOTICE.spendShort(f.spend)}.`,
    'spend-spike-cleared': (f) =>
      `The iletiMerkezi spend of account "${f.account}" has been back near normal for ${SPIKE_CALM_HOURS} hours.`,
  },
  sms: {
    low: (f, a, fc) =>
      `iletiMerkezi ${a} ${f.level}: ${NOTICE.balanceShort(f.balance)}. ${fc ?? ''} Top up now.`,
    'low-reminder': (f, a, fc) =>
      `Reminder: iletiMerkezi ${a} still ${f.level}: ${NOTICE.balanceShort(f.balance)}. ${fc ?? ''} Top up now.`,
    recovered: (f, a) => `iletiMerkezi ${a} recovered: ${NOTICE.balanceShort(f.balance)}.`,
    'check-failed': (f, a) =>
      `iletiMerkezi ${a}: balance check failing (${failureShort(FAILURES, f)}), ${f.failure?.count ?? 1}x since ${f.failure?.sinceShort ?? '?'}. ${failureSmsAdvice(FAILURES, f)}`,
    'check-failed-reminder': (f, a) =>
      `Reminder: iletiMerkezi ${a}: balance check still failing (${failureShort(FAILURES, f)}) since ${f.failure?.sinceShort ?? '?'}. ${failureSmsAdvice(FAILURES, f)}`,
    'monitor-recovered': (f, a) =>
      `iletiMerkezi ${a}: balance check works again. ${f.level}: ${NOTICE.balanceShort(f.balance)}.`,
    forecast: (f, a, fc) =>
      `iletiMerkezi ${a}: ${NOTICE.balanceShort(f.balance)}. ${fc ?? `Runs out within ${f.forecastDays}d.`} Top up soon.`,
    'forecast-reminder': (f, a, fc) =>
      `Reminder: iletiMerkezi ${a}: ${NOTICE.balanceShort(f.balance)}. ${fc ?? `Runs out within ${f.forecastDays}d.`} Top up soon.`,
    'forecast-cleared': (f, a) =>
      `iletiMerkezi ${a}: no longer runs out within ${f.forecastDays}d. ${NOTICE.balanceShort(f.balance)}.`,
    'spend-spike': (f, a) =>
      `iletiMerkezi ${a} SPEND SPIKE: ${NOTICE.spendShort(f.spend)}. ${NOTICE.balanceShort(f.balance)}${enLastsShort(f.spend)}. Check for abuse.`,
    'spend-spike-reminder': (f, a) =>
      `Reminder: iletiMerkezi ${a} spend spike: ${NOTICE.spendShort(f.spend)}. ${NOTICE.balanceShort(f.balance)}${enLastsShort(f.spend)}.`,
    'spend-spike-cleared': (f, a) =>
      `iletiMerkezi ${a}: spend back to normal. ${NOTICE.balanceShort(f.balance)}.`,
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
}))();

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

export const TEST: TestWording = {
  subject: '[TEST] iletiMerkezi balance monitor: test notice',
  headline: (at) => `TEST: a test notice from the iletiMerkezi balance monitor, sent on request at ${at}.`,
  body: "No balance was checked and nothing needs doing: it shows that this channel receives the monitor's notices.",
  sms: (at) => `TEST: iletiMerkezi balance monitor test notice, ${at}. Nothing to do.`,
};

export const DIGEST: DigestWording = {
  intl: 'en-GB',
  subject: (accounts, spent) =>
    `iletiMerkezi weekly digest: ${accounts} ${accounts === 1 ? 'account' : 'accounts'}, ${spent} spent`,
  headline: (until, t, fmt) =>
    `iletiMerkezi balances, the 7 days to ${until}: ${fmt.money(t.spent)} (~${fmt.count(t.spentSms)} SMS) spent, ` +
    `${fmt.count(t.topUps)} top-up${t.topUps === 1 ? '' : 's'} (+${fmt.money(t.toppedUp)}), ` +
    `${fmt.count(t.notices)} notice${t.notices === 1 ? '' : 's'} sent.`,
  line: (f, fmt) =>
    f.current === null
      ? `${f.account}: no reading this week`
      : [
          `${f.account}: now ${fmt.money(f.current)}`,
          f.daysToEmpty === null ? undefined : `empty in ${approxDays(f.daysToEmpty, 'day', 'days')}`,
          `spent ${fmt.money(f.spent ?? 0)} (~${fmt.count(f.spentSms ?? 0)} SMS)`,
          f.topUps
            ? `${fmt.count(f.topUps)} top-up${f.topUps === 1 ? '' : 's'} (+${fmt.money(f.toppedUp ?? 0)})`
            : undefined,
          `lowest ${fmt.money(f.lowest ?? f.current)}`,
          `${fmt.count(f.notices ?? 0)} notice${f.notices === 1 ? '' : 's'}`,
          f.silenced ? 'SILENCED' : undefined,
        ]
          .filter((part) => part !== undefined)
          .join(', '),
  more: (count) => `... and ${count} more ${count === 1 ? 'account' : 'accounts'}, in the totals below.`,
  totals: (t, fmt) =>
    `All ${t.accounts}: ${fmt.money(t.current)} left in total` +
    (t.silenced > 0 ? `, ${t.silenced} silenced.` : '.'),
  sms: (accounts, spent) => `iletiMerkezi weekly digest: ${accounts} accounts, ${spent} spent. See email.`,
  noSteps: 'Nothing to do: this is the weekly summary.',
  timesIn: (zone) => `Times are in ${zone}. Closest to empty first.`,
};

export const ALARM: AlarmWording = {
  subjectAlarm: 'ALARM: ',
  subjectResolved: 'RESOLVED: ',
  isInAlarm: ' is in ALARM.',
  reason: 'Reason: ',
  since: 'Since: ',
  resolved: 'RESOLVED: ',
  okAgain: ' is OK again: ',
  smsAlarm: 'ALARM ',
  smsResolved: 'OK ',
  followDescription: 'Do what the alarm description says.',
  inConsole: 'The alarm in the CloudWatch console: ',
  nothingToDo: 'Nothing to do.',
};
