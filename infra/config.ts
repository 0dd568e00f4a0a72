import {
  Checker,
  credentialParameterNames,
  describe,
  type MonitorConfig,
  type MonitorConfigInput,
  parseMonitorConfig,
  type Validated,
} from '../lambda/core/config.js';
import { isObject } from '../lambda/core/json.js';
import { DEFAULT_MAX_SILENCE_HOURS, MAX_SILENCE_HOURS_LIMIT } from '../lambda/core/silence.js';
import { cronGaps, hasDaylightSaving } from './cron.js';

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

/** A chat channel of Amazon Q Developer in chat applications (formerly AWS Chatbot). */
export type ChatChannelConfig =
  | { readonly kind: 'slack'; readonly workspaceId: string; readonly channelId: string }
  | {
      readonly kind: 'teams';
      readonly teamId: string;
      /** URL-encoded, as Amazon Q Developer wants it ("19%3a…%40thread.tacv2"). */
      readonly channelId: string;
      readonly tenantId: string;
    };

export type ScheduleConfig =
  | { readonly kind: 'rate'; readonly expression: string; readonly intervalMinutes: number }
  | {
      readonly kind: 'cron';
      readonly expression: string;
      /** The longest and shortest time between two runs (infra/cron.ts), minutes. */
      readonly longestGapMinutes: number;
      readonly shortestGapMinutes: number;
    };

export type TableRemovalPolicy = 'retain' | 'destroy';
const TABLE_REMOVAL_POLICIES: readonly TableRemovalPolicy[] = ['retain', 'destroy'];

export interface StackConfig {
  readonly monitor: MonitorConfig;
  readonly schedule: ScheduleConfig;
  /** The weekly digest's schedule, in the monitor's time zone; false: no digest. */
  readonly digest: ScheduleConfig | false;
  readonly subscriptions: readonly SubscriptionConfig[];
  readonly chat: readonly ChatChannelConfig[];
  readonly logRetentionDays: number;
  readonly dashboard: boolean;
  readonly parameterKmsKeyArn?: string;
  /** Unset: two schedule intervals (see noCheckWindowMinutes). */
  readonly noCheckAlarmMinutes?: number;
  readonly tableRemovalPolicy: TableRemovalPolicy;
  /** The longest silence `npm run silence` accepts (the stack's MaxSilenceHours output). */
  readonly maxSilenceHours: number;
}

export type SubscriptionInput =
  | { readonly email: string; readonly minSeverity?: MinSeverity }
  | { readonly sms: string; readonly minSeverity?: MinSeverity }
  | { readonly https: string; readonly minSeverity?: MinSeverity };

export type ChatChannelInput =
  | { readonly slack: { readonly workspaceId: string; readonly channelId: string } }
  | { readonly teams: { readonly teamId: string; readonly channelId: string; readonly tenantId: string } };

/** The JSON shape a user writes (cdk.json context `balanceMonitor`, or the construct's props). */
export interface StackConfigInput extends MonitorConfigInput {
  readonly schedule?: string;
  readonly digest?: string | false;
  readonly subscriptions?: readonly SubscriptionInput[];
  readonly chat?: readonly ChatChannelInput[];
  readonly logRetentionDays?: number;
  readonly dashboard?: boolean;
  readonly parameterKmsKeyArn?: string;
  readonly noCheckAlarmMinutes?: number;
  readonly tableRemovalPolicy?: TableRemovalPolicy;
  readonly maxSilenceHours?: number;
}

export const DEFAULT_SCHEDULE = 'rate(15 minutes)';
/** Monday 09:00 in the monitor's time zone: the start of a working week. */
export const DEFAULT_DIGEST_SCHEDULE = 'cron(0 9 ? * MON *)';
/** 90 days of a few MB a month costs well under a cent; long enough to look back over a quarter. */
export const DEFAULT_LOG_RETENTION_DAYS = 90;
/** The values CloudWatch Logs accepts (aws-logs RetentionDays, without "never expire"). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** CloudWatch evaluates an alarm over at most 7 days (and 1 day when its period is under an hour). */
export const MAX_ALARM_WINDOW_MINUTES = 7 * 24 * 60;

type InfraField = Exclude<keyof StackConfigInput, keyof MonitorConfigInput>;
/**
 * The fields only the infrastructure reads; the function's validator accepts them silently. A
 * record, so the compiler holds the list to StackConfigInput: no field missing, none extra.
 */
const INFRA_FIELDS = Object.keys({
  schedule: true,
  subscriptions: true,
  chat: true,
  logRetentionDays: true,
  dashboard: true,
  parameterKmsKeyArn: true,
  noCheckAlarmMinutes: true,
  tableRemovalPolicy: true,
  maxSilenceHours: true,
  digest: true,
} satisfies Record<InfraField, true>);

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.*)\)$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;
const UNIT_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 24 * 60 };
const E164 = /^\+[1-9]\d{7,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export function parseSchedule(
  c: Checker,
  path: string,
  value: unknown,
  now: Date = new Date(),
): ScheduleConfig {
  const fallback: ScheduleConfig = { kind: 'rate', expression: DEFAULT_SCHEDULE, intervalMinutes: 15 };
  const raw = c.string(path, value, DEFAULT_SCHEDULE);
  const rate = RATE.exec(raw);
  if (rate) {
    const count = Number(rate[1]);
    const unit = rate[2] ?? 'minutes';
    const singular = unit.replace(/s$/, '');
    if (count < 1) {
      c.issue(path, `the rate must be at least 1, got ${describe(raw)}`);
      return fallback;
    }
    // EventBridge Scheduler rejects "rate(1 minutes)" and "rate(5 minute)".
    if ((count === 1) !== (unit === singular)) {
      const fixed = `rate(${count} ${count === 1 ? singular : `${singular}s`})`;
      c.issue(
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
      c.issue(
        path,
        `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${describe(raw)}`,
      );
      return fallback;
    }
    const [, , dayOfMonth, , dayOfWeek] = fields;
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      c.issue(path, 'in a cron expression exactly one of day-of-month and day-of-week must be "?"');
      return fallback;
    }
    const expression = `cron(${fields.join(' ')})`;
    const gaps = cronGaps(expression, now);
    if (!gaps.ok) {
      c.issue(path, `${gaps.error} in ${describe(raw)}`);
      return fallback;
    }
    return {
      kind: 'cron',
      expression,
      longestGapMinutes: gaps.value.longestMinutes,
      shortestGapMinutes: gaps.value.shortestMinutes,
    };
  }
  c.issue(
    path,
    `must be "rate(N minutes|hours|days)" or "cron(6 fields)", e.g. "${DEFAULT_SCHEDULE}"; got ${describe(raw)}`,
  );
  return fallback;
}

function parseSubscription(c: Checker, path: string, value: unknown): SubscriptionConfig | undefined {
  if (!isObject(value)) {
    c.issue(path, `must be an object like { "email": "ops@example.com" }, got ${describe(value)}`);
    return undefined;
  }
  c.unknownKeys(path, value, [...PROTOCOLS, 'minSeverity']);
  const given = PROTOCOLS.filter((p) => value[p] !== undefined);
  if (given.length !== 1) {
    c.issue(path, 'needs exactly one of "email", "sms" or "https"');
    return undefined;
  }
  const protocol = given[0] ?? 'email';
  const fieldPath = `${path}.${protocol}`;
  const endpoint = c.string(fieldPath, value[protocol], '');
  if (protocol === 'email' && !EMAIL.test(endpoint)) {
    c.issue(fieldPath, `must be an email address like ops@example.com, got ${describe(endpoint)}`);
  }
  if (protocol === 'sms' && !E164.test(endpoint)) {
    c.issue(fieldPath, `must be E.164 like +905551112233, got ${describe(endpoint)}`);
  }
  if (protocol === 'https') checkHttpsEndpoint(c, fieldPath, endpoint);
  if (value.minSeverity === undefined) return { protocol, endpoint };
  const minSeverity = c.oneOf(`${path}.minSeverity`, value.minSeverity, MIN_SEVERITIES, 'WARNING');
  return { protocol, endpoint, minSeverity };
}

function checkHttpsEndpoint(c: Checker, path: string, endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    c.issue(path, `must be an https:// URL, got ${describe(endpoint)}`);
    return;
  }
  if (url.protocol !== 'https:') c.issue(path, `must be an https:// URL, got ${describe(endpoint)}`);
  // SNS accepts user:password@ in the URL, but it would be written into the template in clear.
  if (url.username || url.password)
    c.issue(path, 'must not contain credentials: they would be stored in the template');
}

/**
 * The ID formats Amazon Q Developer accepts (CloudFormation AWS::Chatbot::SlackChannelConfiguration
 * and MicrosoftTeamsChannelConfiguration, and the chatbot API's TeamsChannelConfiguration).
 */
const SLACK_WORKSPACE_ID = /^[0-9A-Z]{1,255}$/;
const SLACK_CHANNEL_ID = /^[A-Za-z0-9]{1,255}$/;
const TEAMS_CHANNEL_ID = /^[a-zA-Z0-9-_=+/.,]*%3[aA][a-zA-Z0-9-_=+/.,]*%40[a-zA-Z0-9-_=+/.,]*$/;
const UUID = /^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/;
/** How many chat channels one stack configures: each is a channel configuration of the account. */
export const MAX_CHAT_CHANNELS = 10;

/** A Teams channel ID as Teams shows it ("19:…@thread.tacv2") becomes the URL-encoded form the API wants. */
export function encodeTeamsChannelId(id: string): string {
  return id.replace(/:/g, '%3a').replace(/@/g, '%40');
}

function parseChatChannel(c: Checker, path: string, value: unknown): ChatChannelConfig | undefined {
  if (!isObject(value) || (value.slack === undefined) === (value.teams === undefined)) {
    c.issue(
      path,
      'must be { "slack": { "workspaceId", "channelId" } } or { "teams": { "teamId", "channelId", "tenantId" } }',
    );
    return undefined;
  }
  c.unknownKeys(path, value, ['slack', 'teams']);
  if (value.slack !== undefined) {
    const at = `${path}.slack`;
    const slack = value.slack;
    if (!isObject(slack)) {
      c.issue(at, `must be an object with workspaceId and channelId, got ${describe(slack)}`);
      return undefined;
    }
    c.unknownKeys(at, slack, ['workspaceId', 'channelId']);
    const workspaceId = requiredId(
      c,
      `${at}.workspaceId`,
      slack.workspaceId,
      SLACK_WORKSPACE_ID,
      'must be the Slack workspace ID the Amazon Q Developer console shows after authorising the workspace (upper-case letters and digits, like T012ABCDEFG)',
    );
    const channelId = requiredId(
      c,
      `${at}.channelId`,
      slack.channelId,
      SLACK_CHANNEL_ID,
      'must be the Slack channel ID (letters and digits, like C0123456789: the end of the channel\'s "Copy link")',
    );
    return { kind: 'slack', workspaceId, channelId };
  }
  const at = `${path}.teams`;
  const teams = value.teams;
  if (!isObject(teams)) {
    c.issue(at, `must be an object with teamId, channelId and tenantId, got ${describe(teams)}`);
    return undefined;
  }
  c.unknownKeys(at, teams, ['teamId', 'channelId', 'tenantId']);
  const teamId = requiredId(
    c,
    `${at}.teamId`,
    teams.teamId,
    UUID,
    'must be the team ID the Amazon Q Developer console shows after authorising the team (a UUID)',
  );
  const tenantId = requiredId(
    c,
    `${at}.tenantId`,
    teams.tenantId,
    UUID,
    'must be the Microsoft Entra tenant ID of the team (a UUID)',
  );
  const raw = typeof teams.channelId === 'string' ? encodeTeamsChannelId(teams.channelId) : teams.channelId;
  const channelId = requiredId(
    c,
    `${at}.channelId`,
    raw,
    TEAMS_CHANNEL_ID,
    "must be the Teams channel ID from the channel's link, like 19:abc123@thread.tacv2 (written as is or URL-encoded)",
  );
  return { kind: 'teams', teamId, channelId, tenantId };
}

function requiredId(c: Checker, path: string, value: unknown, pattern: RegExp, hint: string): string {
  if (value === undefined) {
    c.issue(path, 'is required');
    return '';
  }
  if (typeof value !== 'string') {
    c.issue(path, `must be a string, got ${describe(value)}`);
    return '';
  }
  if (!pattern.test(value) || value.length > 255) c.issue(path, `${hint}; got ${describe(value)}`);
  return value;
}

function parseChatChannels(c: Checker, path: string, value: unknown): ChatChannelConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    c.issue(
      path,
      `must be an array like [{ "slack": { "workspaceId": "T012ABCDEFG", "channelId": "C0123456789" } }], got ${describe(value)}`,
    );
    return [];
  }
  if (value.length > MAX_CHAT_CHANNELS) {
    c.issue(path, `at most ${MAX_CHAT_CHANNELS} chat channels, got ${value.length}`);
  }
  const out: ChatChannelConfig[] = [];
  const seen = new Set<string>();
  value.forEach((raw: unknown, i: number) => {
    const channel = parseChatChannel(c, `${path}[${i}]`, raw);
    if (!channel) return;
    const key =
      channel.kind === 'slack'
        ? `slack:${channel.workspaceId}:${channel.channelId}`
        : `teams:${channel.teamId}:${channel.channelId}`;
    if (seen.has(key))
      c.issue(`${path}[${i}]`, `duplicate chat channel ${channel.kind} ${channel.channelId}`);
    seen.add(key);
    out.push(channel);
  });
  return out;
}

function parseSubscriptions(c: Checker, path: string, value: unknown): SubscriptionConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    c.issue(path, `must be an array like [{ "email": "ops@example.com" }], got ${describe(value)}`);
    return [];
  }
  const out: SubscriptionConfig[] = [];
  const seen = new Set<string>();
  value.forEach((raw: unknown, i: number) => {
    const subscription = parseSubscription(c, `${path}[${i}]`, raw);
    if (!subscription) return;
    const key = `${subscription.protocol}:${subscription.endpoint}`;
    if (seen.has(key))
      c.issue(`${path}[${i}]`, `duplicate subscription ${subscription.protocol} ${subscription.endpoint}`);
    seen.add(key);
    out.push(subscription);
  });
  return out;
}

/**
 * Minutes without a run before the not-running alarm (the dead-man's switch) fires. By default
 * two schedule intervals: one late or skipped run is not worth a notice, two are. A run that
 * fails is the errors alarm's, and an account that keeps failing is told by the monitor itself.
 */
export function noCheckWindowMinutes(config: Pick<StackConfig, 'schedule' | 'noCheckAlarmMinutes'>): number {
  if (config.noCheckAlarmMinutes !== undefined) return config.noCheckAlarmMinutes;
  if (config.schedule.kind === 'cron') return 60;
  return config.schedule.intervalMinutes * 2;
}

export interface AlarmShape {
  readonly periodMinutes: number;
  readonly evaluationPeriods: number;
}

/** CloudWatch's longest alarm period: one day. */
export const MAX_ALARM_PERIOD_MINUTES = 24 * 60;

/**
 * The not-running alarm's period and evaluation periods covering `windowMinutes`: one period per
 * schedule interval where CloudWatch allows it (a period under an hour may look back one day at
 * most, a longer one seven days, and a period is at most a day).
 */
export function noCheckAlarmShape(schedule: ScheduleConfig, windowMinutes: number): AlarmShape {
  let period =
    schedule.kind === 'rate' ? schedule.intervalMinutes : Math.max(1, Math.floor(windowMinutes / 2));
  period = Math.min(period, windowMinutes, MAX_ALARM_PERIOD_MINUTES);
  if (period < 60 && period * Math.ceil(windowMinutes / period) > 24 * 60) period = 60;
  return { periodMinutes: period, evaluationPeriods: Math.ceil(windowMinutes / period) };
}

/**
 * The errors alarm's period: one run per period where CloudWatch allows it (for a cron schedule
 * its shortest gap, at most an hour: no period holds two runs). It looks at one period and keeps
 * its state while no run reports, so it clears only when a later run succeeds.
 */
export function runPeriodMinutes(schedule: ScheduleConfig): number {
  return schedule.kind === 'rate'
    ? Math.min(schedule.intervalMinutes, MAX_ALARM_PERIOD_MINUTES)
    : Math.min(schedule.shortestGapMinutes, 60);
}

/**
 * The shortest not-running window a cron schedule allows: its longest gap, plus an hour in a time
 * zone with daylight saving, where one gap a year is an hour longer than in UTC.
 */
export function cronWindowNeeded(
  schedule: ScheduleConfig & { kind: 'cron' },
  timeZone: string,
  now: Date,
): number {
  return schedule.longestGapMinutes + (hasDaylightSaving(timeZone, now.getUTCFullYear()) ? 60 : 0);
}

function checkNoCheckWindow(c: Checker, config: StackConfig, now: Date): void {
  const { schedule } = config;
  if (schedule.kind === 'cron') {
    if (schedule.longestGapMinutes > MAX_ALARM_WINDOW_MINUTES) {
      c.issue(
        'schedule',
        `${schedule.expression} leaves up to ${schedule.longestGapMinutes} minutes between two runs; CloudWatch ` +
          `alarms look back at most ${MAX_ALARM_WINDOW_MINUTES} minutes (7 days), so no alarm could tell a missing ` +
          'run: schedule at least weekly',
      );
      return;
    }
    const needed = cronWindowNeeded(schedule, config.monitor.timeZone, now);
    if (config.noCheckAlarmMinutes !== undefined && config.noCheckAlarmMinutes < needed) {
      const dst =
        needed > schedule.longestGapMinutes
          ? ` plus 60 for daylight saving in ${config.monitor.timeZone}`
          : '';
      c.issue(
        'noCheckAlarmMinutes',
        `is ${config.noCheckAlarmMinutes}, but ${schedule.expression} leaves up to ${schedule.longestGapMinutes} ` +
          `minutes between two runs${dst}: set at least ${needed}, or the not-running alarm fires between runs` +
          (needed > MAX_ALARM_WINDOW_MINUTES
            ? ` (over the ${MAX_ALARM_WINDOW_MINUTES} CloudWatch allows: schedule more often)`
            : ''),
      );
      return;
    }
  }
  if (config.schedule.kind === 'rate' && config.schedule.intervalMinutes > MAX_ALARM_WINDOW_MINUTES) {
    c.issue(
      'schedule',
      `runs every ${config.schedule.intervalMinutes} minutes; CloudWatch alarms look back at most ` +
        `${MAX_ALARM_WINDOW_MINUTES} minutes (7 days), so no alarm could tell a missing run: schedule at least weekly`,
    );
    return;
  }
  const window = noCheckWindowMinutes(config);
  const shape = noCheckAlarmShape(config.schedule, window);
  if (shape.periodMinutes * shape.evaluationPeriods <= MAX_ALARM_WINDOW_MINUTES) return;
  c.issue(
    'noCheckAlarmMinutes',
    `${config.noCheckAlarmMinutes === undefined ? 'the default (two schedule intervals)' : 'the value'} gives a ` +
      `not-running alarm window of ${window} minutes (${shape.evaluationPeriods} periods of ${shape.periodMinutes}); ` +
      `CloudWatch alarms look back at most ${MAX_ALARM_WINDOW_MINUTES} minutes (7 days): set noCheckAlarmMinutes ` +
      `between the schedule interval and ${MAX_ALARM_WINDOW_MINUTES}`,
  );
}

/**
 * The region of a KMS key ARN: Parameter Store decrypts with a key of its own region only, so a key
 * elsewhere synthesizes fine and fails every run.
 */
export function kmsKeyRegion(arn: string): string | undefined {
  return KMS_KEY_ARN.test(arn) ? arn.split(':')[3] : undefined;
}

/** Time the function keeps beyond the HTTP deadlines: credentials, state, publishing, logs. */
export const TIMEOUT_MARGIN_SECONDS = 15;
/** Lambda's longest timeout. */
export const MAX_LAMBDA_TIMEOUT_SECONDS = 900;

/** One deadline per wave of `concurrency` accounts, plus the margin: the run's worst case. */
export function runSecondsNeeded(monitor: MonitorConfig): number {
  const waves = Math.ceil(monitor.accounts.length / monitor.concurrency);
  return waves * Math.ceil(monitor.deadlineMs / 1000) + TIMEOUT_MARGIN_SECONDS;
}

function checkRunFitsLambda(c: Checker, monitor: MonitorConfig): void {
  const needed = runSecondsNeeded(monitor);
  if (needed <= MAX_LAMBDA_TIMEOUT_SECONDS) return;
  const waves = Math.ceil(monitor.accounts.length / monitor.concurrency);
  c.issue(
    'deadlineMs',
    `${monitor.accounts.length} accounts, ${monitor.concurrency} at a time, are ${waves} waves of up to ` +
      `${monitor.deadlineMs} ms: ${needed} s with the margin, over Lambda's ${MAX_LAMBDA_TIMEOUT_SECONDS} s ` +
      'timeout: lower deadlineMs or raise concurrency',
  );
}

/** The path this monitor owns in Parameter Store: read access is granted to everything below it. */
export const OWNED_PARAMETER_PATH = '/iletimerkezi/';
/**
 * The characters the exact ARNs of parameters outside the owned path may take in the function's
 * policy. A role's inline policies may total 10,240 characters; the other statements take about
 * 1,500, and CDK cannot split one statement.
 */
export const MAX_EXTERNAL_PARAMETER_POLICY_CHARS = 6_000;
/** A long ARN prefix (partition, region, account), so the estimate holds wherever the stack goes. */
const LONGEST_PARAMETER_ARN_PREFIX = 'arn:aws-us-gov:ssm:ap-southeast-5:123456789012:parameter/';

/** Parameter names outside the owned path, which need an ARN of their own in the policy. */
export function externalParameterNames(names: readonly string[]): string[] {
  return [...new Set(names.filter((name) => !name.startsWith(OWNED_PARAMETER_PATH)))];
}

function checkExternalParameters(c: Checker, monitor: MonitorConfig): void {
  let chars = 0;
  const seen = new Set<string>();
  for (const [i, account] of monitor.accounts.entries()) {
    for (const name of externalParameterNames(credentialParameterNames(account))) {
      if (seen.has(name)) continue;
      seen.add(name);
      // "<arn>", in a whitespace-free JSON array
      chars += LONGEST_PARAMETER_ARN_PREFIX.length + name.replace(/^\//, '').length + 3;
      if (chars > MAX_EXTERNAL_PARAMETER_POLICY_CHARS) {
        const field = name === account.hashParameter ? 'hashParameter' : 'keyParameter';
        c.issue(
          `accounts[${i}].${field}`,
          `parameters outside ${OWNED_PARAMETER_PATH} each need their own ARN in the function's IAM policy, and ` +
            `from this one on they take over ${MAX_EXTERNAL_PARAMETER_POLICY_CHARS} of the 10,240 characters IAM ` +
            `allows a role's inline policies: store them under ${OWNED_PARAMETER_PATH}<account>/ (the default names)`,
        );
        return;
      }
    }
  }
}

/** Validates the stack configuration; every error names its field path. */
export function parseStackConfig(input: unknown, now: Date = new Date()): Validated<StackConfig> {
  const monitor = parseMonitorConfig(input, { extraFields: INFRA_FIELDS });
  if (!isObject(input))
    return monitor.ok ? { ok: false, issues: [{ path: '', message: 'must be a JSON object' }] } : monitor;
  const c = new Checker();
  const schedule = parseSchedule(c, 'schedule', input.schedule, now);
  const digest: ScheduleConfig | false =
    input.digest === false ? false : parseSchedule(c, 'digest', input.digest ?? DEFAULT_DIGEST_SCHEDULE, now);
  const subscriptions = parseSubscriptions(c, 'subscriptions', input.subscriptions);
  const chat = parseChatChannels(c, 'chat', input.chat);
  const logRetentionDays = c.number('logRetentionDays', input.logRetentionDays, DEFAULT_LOG_RETENTION_DAYS);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    c.issue('logRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${logRetentionDays}`);
  }
  const dashboard = c.boolean('dashboard', input.dashboard, true);
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
      c.issue(
        'noCheckAlarmMinutes',
        `must be at least the schedule interval (${schedule.intervalMinutes} minutes), or the alarm fires between runs`,
      );
    }
  } else if (schedule.kind === 'cron' && schedule.longestGapMinutes <= MAX_ALARM_WINDOW_MINUTES) {
    // (A cron with longer gaps is refused for its schedule, below: no window would do.)
    const zone = monitor.ok ? monitor.value.timeZone : undefined;
    const needed = zone === undefined ? schedule.longestGapMinutes : cronWindowNeeded(schedule, zone, now);
    c.issue(
      'noCheckAlarmMinutes',
      `is required with a cron schedule: at least its longest gap between two runs (${needed} minutes for ` +
        `${schedule.expression}${needed > schedule.longestGapMinutes ? `, daylight saving in ${zone} included` : ''})`,
    );
  }
  const tableRemovalPolicy = c.oneOf(
    'tableRemovalPolicy',
    input.tableRemovalPolicy,
    TABLE_REMOVAL_POLICIES,
    'retain',
  );
  const maxSilenceHours = c.number('maxSilenceHours', input.maxSilenceHours, DEFAULT_MAX_SILENCE_HOURS, {
    min: 1,
    max: MAX_SILENCE_HOURS_LIMIT,
    integer: true,
  });
  if (!monitor.ok || !c.ok)
    return { ok: false, issues: [...(monitor.ok ? [] : monitor.issues), ...c.issues] };
  const config: StackConfig = {
    monitor: monitor.value,
    schedule,
    digest,
    subscriptions,
    chat,
    logRetentionDays,
    dashboard,
    tableRemovalPolicy,
    maxSilenceHours,
    ...(parameterKmsKeyArn === undefined ? {} : { parameterKmsKeyArn }),
    ...(noCheckAlarmMinutes === undefined ? {} : { noCheckAlarmMinutes }),
  };
  checkNoCheckWindow(c, config, now);
  checkExternalParameters(c, config.monitor);
  checkRunFitsLambda(c, config.monitor);
  return c.result(config);
}

export { compactMonitorConfig } from '../lambda/core/config.js';
