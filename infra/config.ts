import {
  type AccountConfig,
  Checker,
  DEFAULT_ATTEMPT_TIMEOUT_MS,
  DEFAULT_BASE_URL,
  DEFAULT_CONCURRENCY,
  DEFAULT_DEADLINE_MS,
  DEFAULT_POLICY,
  DEFAULT_TIME_ZONE,
  defaultCredentialsParameter,
  defaultHashParameter,
  defaultKeyParameter,
  describe,
  type Locale,
  type MonitorConfig,
  parseMonitorConfig,
  type Validated,
} from '../lambda/core/config.js';
import { isObject } from '../lambda/core/json.js';

/**
 * The stack's configuration: the monitor configuration the function receives (validated by the
 * core's own validator) plus what only the infrastructure needs. One validator for cdk.json context
 * and for the construct's props, so both give the same errors.
 */

export type MinSeverity = 'WARNING' | 'CRITICAL';
export const MIN_SEVERITIES: readonly MinSeverity[] = ['WARNING', 'CRITICAL'];

export type SubscriptionProtocol = 'email' | 'sms' | 'https';
const PROTOCOLS: readonly SubscriptionProtocol[] = ['email', 'sms', 'https'];

export interface SubscriptionConfig {
  readonly protocol: SubscriptionProtocol;
  readonly endpoint: string;
  /** Only notices of this severity or worse reach the subscriber (monitor alarms always do). */
  readonly minSeverity?: MinSeverity;
}

export type ScheduleConfig =
  | { readonly kind: 'rate'; readonly expression: string; readonly intervalMinutes: number }
  | { readonly kind: 'cron'; readonly expression: string };

export type TableRemovalPolicy = 'retain' | 'destroy';

export interface StackConfig {
  readonly monitor: MonitorConfig;
  readonly schedule: ScheduleConfig;
  readonly subscriptions: readonly SubscriptionConfig[];
  readonly logRetentionDays: number;
  readonly dashboard: boolean;
  readonly parameterKmsKeyArn?: string;
  /** Unset: derived per account from the schedule and its failure policy (see noCheckWindowMinutes). */
  readonly noCheckAlarmMinutes?: number;
  readonly tableRemovalPolicy: TableRemovalPolicy;
}

/** The JSON shape a user writes (cdk.json context `balanceMonitor`, or the construct's props). */
export interface PolicyInput {
  readonly reminderHours?: { readonly WARNING?: number; readonly CRITICAL?: number };
  readonly failureReminderHours?: number;
  readonly failuresBeforeAlert?: number;
  readonly recoveryMarginPercent?: number;
  readonly forecastDays?: number;
}

export interface AccountInput {
  readonly name: string;
  readonly credentialsParameter?: string;
  readonly keyParameter?: string;
  readonly hashParameter?: string;
  readonly baseUrl?: string;
  readonly thresholds: {
    readonly warning?: { readonly amount?: number; readonly sms?: number };
    readonly critical?: { readonly amount?: number; readonly sms?: number };
  };
  readonly policy?: PolicyInput;
}

export type SubscriptionInput =
  | { readonly email: string; readonly minSeverity?: MinSeverity }
  | { readonly sms: string; readonly minSeverity?: MinSeverity }
  | { readonly https: string; readonly minSeverity?: MinSeverity };

export interface StackConfigInput {
  readonly accounts: readonly AccountInput[];
  readonly locale?: Locale;
  readonly timeZone?: string;
  readonly concurrency?: number;
  readonly attemptTimeoutMs?: number;
  readonly deadlineMs?: number;
  readonly policy?: PolicyInput;
  readonly schedule?: string;
  readonly subscriptions?: readonly SubscriptionInput[];
  readonly logRetentionDays?: number;
  readonly dashboard?: boolean;
  readonly parameterKmsKeyArn?: string;
  readonly noCheckAlarmMinutes?: number;
  readonly tableRemovalPolicy?: TableRemovalPolicy;
}

export const DEFAULT_SCHEDULE = 'rate(15 minutes)';
/** 90 days of a few MB a month costs well under a cent; long enough to look back over a quarter. */
export const DEFAULT_LOG_RETENTION_DAYS = 90;
/** The values CloudWatch Logs accepts (aws-logs RetentionDays, without "never expire"). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** CloudWatch evaluates an alarm over at most 7 days (and 1 day when its period is under an hour). */
export const MAX_ALARM_WINDOW_MINUTES = 7 * 24 * 60;

const INFRA_FIELDS = [
  'schedule',
  'subscriptions',
  'logRetentionDays',
  'dashboard',
  'parameterKmsKeyArn',
  'noCheckAlarmMinutes',
  'tableRemovalPolicy',
] as const;

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.*)\)$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;
const UNIT_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 24 * 60 };
const E164 = /^\+[1-9]\d{7,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export function parseSchedule(c: Checker, path: string, value: unknown): ScheduleConfig {
  const fallback: ScheduleConfig = { kind: 'rate', expression: DEFAULT_SCHEDULE, intervalMinutes: 15 };
  const raw = c.string(path, value, DEFAULT_SCHEDULE);
  const rate = RATE.exec(raw);
  if (rate) {
    const count = Number(rate[1]);
    const unit = rate[2] ?? 'minutes';
    const singular = unit.replace(/s$/, '');
    if (count < 1) {
      c.error(path, `the rate must be at least 1, got ${describe(raw)}`);
      return fallback;
    }
    // EventBridge Scheduler rejects "rate(1 minutes)" and "rate(5 minute)".
    if ((count === 1) !== (unit === singular)) {
      const fixed = `rate(${count} ${count === 1 ? singular : `${singular}s`})`;
      c.error(
        path,
        `write ${JSON.stringify(fixed)}: AWS wants the singular unit for 1 and the plural otherwise`,
      );
      return fallback;
    }
    return { kind: 'rate', expression: raw, intervalMinutes: count * (UNIT_MINUTES[singular] ?? 1) };
  }
  const cron = CRON.exec(raw);
  if (cron) {
    const fields = (cron[1] ?? '').trim().split(/\s+/);
    if (fields.length !== 6 || !fields.every((f) => CRON_FIELD.test(f))) {
      c.error(
        path,
        `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${describe(raw)}`,
      );
      return fallback;
    }
    const [, , dayOfMonth, , dayOfWeek] = fields;
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      c.error(path, 'in a cron expression exactly one of day-of-month and day-of-week must be "?"');
      return fallback;
    }
    return { kind: 'cron', expression: `cron(${fields.join(' ')})` };
  }
  c.error(
    path,
    `must be "rate(N minutes|hours|days)" or "cron(6 fields)", e.g. "${DEFAULT_SCHEDULE}"; got ${describe(raw)}`,
  );
  return fallback;
}

function parseSubscription(c: Checker, path: string, value: unknown): SubscriptionConfig | undefined {
  if (!isObject(value)) {
    c.error(path, `must be an object like { "email": "ops@example.com" }, got ${describe(value)}`);
    return undefined;
  }
  c.unknownKeys(path, value, [...PROTOCOLS, 'minSeverity']);
  const given = PROTOCOLS.filter((p) => value[p] !== undefined);
  if (given.length !== 1) {
    c.error(path, 'needs exactly one of "email", "sms" or "https"');
    return undefined;
  }
  const protocol = given[0] ?? 'email';
  const fieldPath = `${path}.${protocol}`;
  const endpoint = c.string(fieldPath, value[protocol], '');
  if (protocol === 'email' && !EMAIL.test(endpoint)) {
    c.error(fieldPath, `must be an email address like ops@example.com, got ${describe(endpoint)}`);
  }
  if (protocol === 'sms' && !E164.test(endpoint)) {
    c.error(fieldPath, `must be E.164 like +905551112233, got ${describe(endpoint)}`);
  }
  if (protocol === 'https') checkHttpsEndpoint(c, fieldPath, endpoint);
  let minSeverity: MinSeverity | undefined;
  if (value.minSeverity !== undefined) {
    if (MIN_SEVERITIES.includes(value.minSeverity as MinSeverity))
      minSeverity = value.minSeverity as MinSeverity;
    else
      c.error(`${path}.minSeverity`, `must be "WARNING" or "CRITICAL", got ${describe(value.minSeverity)}`);
  }
  return minSeverity ? { protocol, endpoint, minSeverity } : { protocol, endpoint };
}

function checkHttpsEndpoint(c: Checker, path: string, endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    c.error(path, `must be an https:// URL, got ${describe(endpoint)}`);
    return;
  }
  if (url.protocol !== 'https:') c.error(path, `must be an https:// URL, got ${describe(endpoint)}`);
  // SNS accepts user:password@ in the URL, but it would be written into the template in clear.
  if (url.username || url.password)
    c.error(path, 'must not contain credentials: they would be stored in the template');
}

function parseSubscriptions(c: Checker, path: string, value: unknown): SubscriptionConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    c.error(path, `must be an array like [{ "email": "ops@example.com" }], got ${describe(value)}`);
    return [];
  }
  const out: SubscriptionConfig[] = [];
  const seen = new Set<string>();
  value.forEach((raw: unknown, i: number) => {
    const subscription = parseSubscription(c, `${path}[${i}]`, raw);
    if (!subscription) return;
    const key = `${subscription.protocol}:${subscription.endpoint}`;
    if (seen.has(key))
      c.error(`${path}[${i}]`, `duplicate subscription ${subscription.protocol} ${subscription.endpoint}`);
    seen.add(key);
    out.push(subscription);
  });
  return out;
}

/**
 * Minutes without a successful check before the dead-man alarm fires, for one account. By default
 * one schedule interval more than the account's own failure alert needs (failuresBeforeAlert runs),
 * so a short provider outage is told once, by the monitor, and the alarm stays the backstop for a
 * monitor that cannot tell anyone (not running, crashing, unable to publish).
 */
export function noCheckWindowMinutes(config: StackConfig, account: AccountConfig): number {
  if (config.noCheckAlarmMinutes !== undefined) return config.noCheckAlarmMinutes;
  if (config.schedule.kind === 'cron') return 60;
  return config.schedule.intervalMinutes * (account.policy.failuresBeforeAlert + 1);
}

export interface AlarmShape {
  readonly periodMinutes: number;
  readonly evaluationPeriods: number;
}

/**
 * The dead-man alarm's period and evaluation periods covering `windowMinutes`: one period per
 * schedule interval where CloudWatch allows it (a period under an hour may look back one day at
 * most, a longer one seven days, and a period is at most a day).
 */
export function noCheckAlarmShape(schedule: ScheduleConfig, windowMinutes: number): AlarmShape {
  let period =
    schedule.kind === 'rate' ? schedule.intervalMinutes : Math.max(1, Math.floor(windowMinutes / 2));
  period = Math.min(period, windowMinutes, 24 * 60);
  if (period < 60 && period * Math.ceil(windowMinutes / period) > 24 * 60) period = 60;
  return { periodMinutes: period, evaluationPeriods: Math.ceil(windowMinutes / period) };
}

function checkNoCheckWindows(c: Checker, config: StackConfig): void {
  for (const [i, account] of config.monitor.accounts.entries()) {
    const window = noCheckWindowMinutes(config, account);
    const shape = noCheckAlarmShape(config.schedule, window);
    const source = config.noCheckAlarmMinutes === undefined ? 'the default' : 'noCheckAlarmMinutes';
    if (shape.periodMinutes * shape.evaluationPeriods > MAX_ALARM_WINDOW_MINUTES) {
      c.error(
        config.noCheckAlarmMinutes === undefined
          ? `accounts[${i}].policy.failuresBeforeAlert`
          : 'noCheckAlarmMinutes',
        `${source} gives a no-check alarm window of ${window} minutes; CloudWatch alarms look back at most ` +
          `${MAX_ALARM_WINDOW_MINUTES} minutes (7 days): use a shorter schedule or set noCheckAlarmMinutes`,
      );
      return;
    }
  }
}

/** Validates the stack configuration; every error names its field path. */
export function parseStackConfig(input: unknown): Validated<StackConfig> {
  const monitor = parseMonitorConfig(input, INFRA_FIELDS);
  if (!isObject(input)) return monitor.ok ? { ok: false, errors: ['must be a JSON object'] } : monitor;
  const c = new Checker();
  const schedule = parseSchedule(c, 'schedule', input.schedule);
  const subscriptions = parseSubscriptions(c, 'subscriptions', input.subscriptions);
  const logRetentionDays = c.number('logRetentionDays', input.logRetentionDays, DEFAULT_LOG_RETENTION_DAYS);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    c.error('logRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${logRetentionDays}`);
  }
  let dashboard = true;
  if (input.dashboard !== undefined) {
    if (typeof input.dashboard === 'boolean') dashboard = input.dashboard;
    else c.error('dashboard', `must be true or false, got ${describe(input.dashboard)}`);
  }
  let parameterKmsKeyArn: string | undefined;
  if (input.parameterKmsKeyArn !== undefined) {
    parameterKmsKeyArn = c.string(
      'parameterKmsKeyArn',
      input.parameterKmsKeyArn,
      '',
      KMS_KEY_ARN,
      `must be a KMS key ARN like arn:aws:kms:eu-central-1:123456789012:key/1234abcd-…, got ${describe(input.parameterKmsKeyArn)}`,
    );
  }
  let noCheckAlarmMinutes: number | undefined;
  if (input.noCheckAlarmMinutes !== undefined) {
    noCheckAlarmMinutes = c.number('noCheckAlarmMinutes', input.noCheckAlarmMinutes, 60, {
      min: 1,
      max: MAX_ALARM_WINDOW_MINUTES,
      integer: true,
    });
    if (schedule.kind === 'rate' && noCheckAlarmMinutes < schedule.intervalMinutes) {
      c.error(
        'noCheckAlarmMinutes',
        `must be at least the schedule interval (${schedule.intervalMinutes} minutes), or the alarm fires between runs`,
      );
    }
  } else if (schedule.kind === 'cron') {
    c.error(
      'noCheckAlarmMinutes',
      'is required with a cron schedule: a bit more than the longest gap between two runs',
    );
  }
  let tableRemovalPolicy: TableRemovalPolicy = 'retain';
  if (input.tableRemovalPolicy !== undefined) {
    if (input.tableRemovalPolicy === 'retain' || input.tableRemovalPolicy === 'destroy') {
      tableRemovalPolicy = input.tableRemovalPolicy;
    } else {
      c.error(
        'tableRemovalPolicy',
        `must be "retain" or "destroy", got ${describe(input.tableRemovalPolicy)}`,
      );
    }
  }
  const errors = [...(monitor.ok ? [] : monitor.errors), ...c.errors];
  if (!monitor.ok || errors.length > 0) return { ok: false, errors };
  const config: StackConfig = {
    monitor: monitor.value,
    schedule,
    subscriptions,
    logRetentionDays,
    dashboard,
    tableRemovalPolicy,
    ...(parameterKmsKeyArn === undefined ? {} : { parameterKmsKeyArn }),
    ...(noCheckAlarmMinutes === undefined ? {} : { noCheckAlarmMinutes }),
  };
  checkNoCheckWindows(c, config);
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return { ok: true, value: config };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The monitor configuration as the function's MONITOR_CONFIG: the validated configuration with
 * every value equal to its default left out, since the function runs the same validator, which
 * puts the defaults back. Lambda allows 4 KB for all environment variables together; spelled out
 * in full each account would take about 400 bytes.
 */
export function compactMonitorConfig(config: MonitorConfig): Record<string, unknown> {
  const accounts = config.accounts.map((a) => {
    const out: Record<string, unknown> = { name: a.name };
    if (a.credentialsParameter !== defaultCredentialsParameter(a.name))
      out.credentialsParameter = a.credentialsParameter;
    if (a.keyParameter !== defaultKeyParameter(a.name)) out.keyParameter = a.keyParameter;
    if (a.hashParameter !== defaultHashParameter(a.name)) out.hashParameter = a.hashParameter;
    if (a.baseUrl !== DEFAULT_BASE_URL) out.baseUrl = a.baseUrl;
    out.thresholds = a.thresholds;
    if (!sameJson(a.policy, DEFAULT_POLICY)) out.policy = a.policy;
    return out;
  });
  const out: Record<string, unknown> = { accounts };
  if (config.locale !== 'en') out.locale = config.locale;
  if (config.timeZone !== DEFAULT_TIME_ZONE) out.timeZone = config.timeZone;
  if (config.concurrency !== DEFAULT_CONCURRENCY) out.concurrency = config.concurrency;
  if (config.attemptTimeoutMs !== DEFAULT_ATTEMPT_TIMEOUT_MS) out.attemptTimeoutMs = config.attemptTimeoutMs;
  if (config.deadlineMs !== DEFAULT_DEADLINE_MS) out.deadlineMs = config.deadlineMs;
  return out;
}
