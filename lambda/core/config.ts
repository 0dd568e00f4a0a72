import { isObject } from './json.js';
import type { Level } from './types.js';
import {
  at,
  Checker,
  compactFields,
  defaultsOf,
  describe,
  type Field,
  type FieldTable,
  fieldNames,
  type InputOf,
  numberField,
  type PathName,
  readFields,
  type Validated,
} from './validation.js';

/**
 * The monitor's configuration: one shape, one validator, used both at synth time (cdk.json
 * context → BalanceMonitor props) and at cold start (monitor-config.json, which the stack writes
 * into the function's asset), so the two can never disagree about what is valid.
 */

export type Locale = 'en' | 'tr';
export const LOCALES: readonly Locale[] = ['en', 'tr'];

/** A level's limits: the level is reached when the amount OR the SMS count is at or below it. */
export interface LevelThreshold {
  readonly amount?: number;
  readonly sms?: number;
}

export interface Thresholds {
  readonly warning?: LevelThreshold;
  readonly critical?: LevelThreshold;
}

export interface AlertPolicy {
  /** Hours before the same low level is announced again. */
  readonly reminderHours: { readonly WARNING: number; readonly CRITICAL: number };
  /** Hours before a failing monitor is announced again. */
  readonly failureReminderHours: number;
  /** Consecutive transient / invalid-response failures before anyone is told. */
  readonly failuresBeforeAlert: number;
  /** A low level clears only when the balance is this many percent above its threshold. */
  readonly recoveryMarginPercent: number;
  /** Forecast alert when the balance would run out within this many days; 0 turns it off. */
  readonly forecastDays: number;
  /** Spend-spike alert (SMS pumping, a runaway campaign); false turns it off. */
  readonly spendSpike: SpendSpikePolicy | false;
}

/** A spike: the newest hour's use at least `multiple` times the week's median hour and at least `floorAmount` TL. */
export interface SpendSpikePolicy {
  readonly multiple: number;
  readonly floorAmount: number;
}

export const DEFAULT_SPEND_SPIKE: SpendSpikePolicy = { multiple: 5, floorAmount: 50 };

export interface AccountConfig {
  readonly name: string;
  /** One SecureString holding {"key":"…","hash":"…"}: one decrypt a run. */
  readonly credentialsParameter: string;
  /** The two-parameter layout, read when `credentialsParameter` does not exist. */
  readonly keyParameter: string;
  readonly hashParameter: string;
  /** An origin; the client always appends /v1/get-balance/json. */
  readonly baseUrl: string;
  readonly thresholds: Thresholds;
  readonly policy: AlertPolicy;
}

export interface MonitorConfig {
  readonly accounts: readonly AccountConfig[];
  readonly locale: Locale;
  readonly timeZone: string;
  /** How many accounts are checked at the same time. */
  readonly concurrency: number;
  /** One HTTP attempt to the provider may take this long. */
  readonly attemptTimeoutMs: number;
  /** All attempts for one account (retries included) end by this many milliseconds. */
  readonly deadlineMs: number;
  /** Per-account CloudWatch metrics (Balance, SmsBalance): opt-in, since each is billed monthly. */
  readonly accountMetrics: boolean;
}

export const DEFAULT_BASE_URL = 'https://api.iletimerkezi.com';
export const DEFAULT_TIME_ZONE = 'Europe/Istanbul';
/**
 * Fifty accounts at once: one provider round trip per 50 accounts. iletiMerkezi publishes no rate
 * limit, and a 429 is retried after its Retry-After.
 */
export const DEFAULT_CONCURRENCY = 50;
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 5_000;
export const DEFAULT_DEADLINE_MS = 15_000;
/**
 * Accounts per deployment. Nothing in the stack grows with them (one alarm set, one policy path,
 * a name-prefix rule); the bound is the run: 500 accounts in waves of 50 fit the function's timeout.
 */
export const MAX_ACCOUNTS = 500;

export function defaultCredentialsParameter(account: string): string {
  return `/iletimerkezi/${account}/credentials`;
}

export function defaultKeyParameter(account: string): string {
  return `/iletimerkezi/${account}/api-key`;
}

export function defaultHashParameter(account: string): string {
  return `/iletimerkezi/${account}/api-hash`;
}

/** The account fields that name an SSM parameter holding a credential; each must be the account's own. */
export const CREDENTIAL_PARAMETER_FIELDS = ['credentialsParameter', 'keyParameter', 'hashParameter'] as const;
export type CredentialParameterField = (typeof CREDENTIAL_PARAMETER_FIELDS)[number];

/** Each credential parameter an account names, with the field that names it. */
export function credentialParameters(
  account: Pick<AccountConfig, CredentialParameterField>,
): Array<{ readonly field: CredentialParameterField; readonly name: string }> {
  return CREDENTIAL_PARAMETER_FIELDS.flatMap((field) => {
    const name: unknown = account[field];
    return typeof name === 'string' ? [{ field, name }] : [];
  });
}

/** Every SSM parameter an account's credentials may be read from: what the function must be allowed to read. */
export function credentialParameterNames(account: Pick<AccountConfig, CredentialParameterField>): string[] {
  return [...new Set(credentialParameters(account).map((p) => p.name))];
}

const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** SSM's rule: a plain name, or a hierarchy that starts with "/"; never under the reserved aws/ssm prefixes. */
const PARAMETER_NAME = /^(?!\/?(aws|ssm))(?:[A-Za-z0-9_.-]{1,1011}|(?:\/[A-Za-z0-9_.-]+){1,15})$/i;

function parseLevelThreshold(c: Checker, path: string, value: unknown): LevelThreshold | undefined {
  if (value === undefined) return undefined;
  const o = c.object(path, value, 'an object like { "amount": 100, "sms": 500 }');
  if (!o) return undefined;
  c.unknownKeys(path, o, ['amount', 'sms']);
  const out: { amount?: number; sms?: number } = {};
  if (o.amount !== undefined) out.amount = c.number(at(path, 'amount'), o.amount, 0, { min: 0 });
  if (o.sms !== undefined) out.sms = c.number(at(path, 'sms'), o.sms, 0, { min: 0, integer: true });
  return out;
}

/** Another field is named as `c.name` shows it: "warning.amount" in the configuration, a flag on the command line. */
export function parseThresholds(c: Checker, path: string, value: unknown): Thresholds {
  const o = c.object(path, value, 'an object with "warning" and/or "critical"');
  if (!o) return {};
  c.unknownKeys(path, o, ['warning', 'critical']);
  const warning = parseLevelThreshold(c, at(path, 'warning'), o.warning);
  const critical = parseLevelThreshold(c, at(path, 'critical'), o.critical);
  const set = [warning?.amount, warning?.sms, critical?.amount, critical?.sms].filter((v) => v !== undefined);
  if (set.length === 0)
    c.issue(path, 'at least one threshold is needed (warning or critical, amount or sms)');
  for (const measure of ['amount', 'sms'] as const) {
    const w = warning?.[measure];
    const k = critical?.[measure];
    if (w !== undefined && k !== undefined && k > w) {
      c.issue(
        at(path, `critical.${measure}`),
        `must not be above ${c.name(`warning.${measure}`)} (${k} > ${w})`,
      );
    }
  }
  const out: { warning?: LevelThreshold; critical?: LevelThreshold } = {};
  if (warning) out.warning = warning;
  if (critical) out.critical = critical;
  return out;
}

const REMINDER_HOURS = { min: 0.25, max: 24 * 30 };
const DEFAULT_REMINDER_HOURS: AlertPolicy['reminderHours'] = { WARNING: 24, CRITICAL: 6 };

const reminderHoursField: Field<AlertPolicy['reminderHours'], undefined> = {
  fallback: () => DEFAULT_REMINDER_HOURS,
  read: (c, path, value, _ctx, base = DEFAULT_REMINDER_HOURS) => {
    if (value === undefined) return base;
    if (!isObject(value)) {
      c.issue(path, 'must be an object like { "WARNING": 24, "CRITICAL": 6 }');
      return base;
    }
    c.unknownKeys(path, value, ['WARNING', 'CRITICAL']);
    return {
      WARNING: c.number(at(path, 'WARNING'), value.WARNING, base.WARNING, REMINDER_HOURS),
      CRITICAL: c.number(at(path, 'CRITICAL'), value.CRITICAL, base.CRITICAL, REMINDER_HOURS),
    };
  },
};

const spendSpikeField: Field<SpendSpikePolicy | false, undefined> = {
  fallback: () => DEFAULT_SPEND_SPIKE,
  read: (c, path, value, _ctx, base = DEFAULT_SPEND_SPIKE) => {
    if (value === undefined) return base;
    if (value === false) return false;
    const o = c.object(path, value, 'false or an object like { "multiple": 5, "floorAmount": 50 }');
    if (!o) return base;
    c.unknownKeys(path, o, ['multiple', 'floorAmount']);
    const from = base === false ? DEFAULT_SPEND_SPIKE : base;
    return {
      // Below 2 a spike would already count as calm (the episode ends under 2 x normal).
      multiple: c.number(at(path, 'multiple'), o.multiple, from.multiple, { min: 2, max: 1_000 }),
      // Above 0 (the provider's figures have two decimals): a floor of 0 lets any use of an idle account spike.
      floorAmount: c.number(at(path, 'floorAmount'), o.floorAmount, from.floorAmount, {
        min: 0.01,
        max: 1_000_000,
      }),
    };
  },
};

/** Every policy field, once: its default, its bounds, its rule. */
const POLICY_FIELDS: FieldTable<AlertPolicy, undefined> = {
  reminderHours: reminderHoursField,
  failureReminderHours: numberField(6, REMINDER_HOURS),
  failuresBeforeAlert: numberField(3, { min: 1, max: 100, integer: true }),
  recoveryMarginPercent: numberField(5, { min: 0, max: 100 }),
  forecastDays: numberField(3, { min: 0, max: 60 }),
  spendSpike: spendSpikeField,
};

const POLICY_FIELD_NAMES = fieldNames(POLICY_FIELDS);
export const DEFAULT_POLICY = defaultsOf(POLICY_FIELDS, undefined) as AlertPolicy;

/** A policy read over `base`: the defaults at the top level, the top-level policy in an account. */
function parsePolicy(c: Checker, path: string, value: unknown, base: AlertPolicy): AlertPolicy {
  if (value === undefined) return base;
  const o = c.object(path, value, 'an object');
  if (!o) return base;
  c.unknownKeys(path, o, POLICY_FIELD_NAMES);
  return readFields(c, path, o, POLICY_FIELDS, undefined, base);
}

/** Hosts plain http:// may reach: this machine only (tests, the sandbox). */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
/** `scheme://user:password@`: found on the text, so even a URL that does not parse is caught. */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

/** The text with a URL's user name and password replaced by "***", for a message that quotes it. */
export function withoutUserinfo(text: string): string {
  return text.replace(USERINFO, '$1***@');
}

export function parseBaseUrl(c: Checker, path: string, value: unknown): string {
  if (value === undefined) return DEFAULT_BASE_URL;
  if (typeof value !== 'string') {
    c.issue(path, `must be a string, got ${describe(value)}`);
    return DEFAULT_BASE_URL;
  }
  // The user name and password are never repeated: they may be a real password.
  if (USERINFO.test(value)) {
    c.issue(
      path,
      'must not hold a user name or password (user:password@); the key and hash travel in the request body',
    );
    return DEFAULT_BASE_URL;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    c.issue(path, `must be a URL origin like ${DEFAULT_BASE_URL}, got ${describe(value)}`);
    return DEFAULT_BASE_URL;
  }
  if (url.username || url.password) {
    c.issue(path, 'must not hold a user name or password (user:password@)');
    return DEFAULT_BASE_URL;
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOST.test(url.hostname)) {
    c.issue(path, 'must use https:// (http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])');
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    c.issue(path, 'must use https:// (http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])');
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    c.issue(
      path,
      `must be an origin only (scheme, host, port), got ${describe(value)}; the path /v1/get-balance/json is added`,
    );
  }
  return url.origin;
}

/** What an account's defaults depend on: its name, and the policy it inherits. */
interface AccountContext {
  readonly name: string;
  readonly policy: AlertPolicy;
}

function parameterField(
  fallback: (account: string) => string,
  example: string,
): Field<string, AccountContext> {
  return {
    fallback: (ctx) => fallback(ctx.name),
    read: (c, path, value, ctx, base) =>
      c.string(
        path,
        value,
        base ?? fallback(ctx.name),
        PARAMETER_NAME,
        `must be an SSM parameter name like ${example}`,
      ),
  };
}

/**
 * Every account field but the name (which the others' defaults depend on), once: its default and
 * its rule. Thresholds have no default: an account always names its own.
 */
const ACCOUNT_FIELDS: FieldTable<Omit<AccountConfig, 'name'>, AccountContext> = {
  credentialsParameter: parameterField(defaultCredentialsParameter, '/iletimerkezi/main/credentials'),
  keyParameter: parameterField(defaultKeyParameter, '/iletimerkezi/main/api-key'),
  hashParameter: parameterField(defaultHashParameter, '/iletimerkezi/main/api-key'),
  baseUrl: { fallback: () => DEFAULT_BASE_URL, read: (c, path, value) => parseBaseUrl(c, path, value) },
  thresholds: { read: (c, path, value) => parseThresholds(c, path, value) },
  policy: {
    fallback: (ctx) => ctx.policy,
    read: (c, path, value, ctx) => parsePolicy(c, path, value, ctx.policy),
    // Only the policy fields that differ: the function parses them over the same defaults.
    compact: (policy) => compactFields(policy, POLICY_FIELDS, undefined),
  },
};

const ACCOUNT_FIELD_NAMES = ['name', ...fieldNames(ACCOUNT_FIELDS)] as const;

function parseAccount(
  c: Checker,
  path: string,
  value: unknown,
  policy: AlertPolicy,
): AccountConfig | undefined {
  const o = c.object(path, value, 'an object with at least "name" and "thresholds"');
  if (!o) return undefined;
  c.unknownKeys(path, o, ACCOUNT_FIELD_NAMES);
  if (o.name === undefined) c.issue(at(path, 'name'), 'is required');
  const name = c.string(
    at(path, 'name'),
    o.name,
    'account',
    ACCOUNT_NAME,
    'must be 1-64 letters, digits, "_", "-" or "." and start with a letter or digit',
  );
  return { name, ...readFields(c, path, o, ACCOUNT_FIELDS, { name, policy }) };
}

export function isValidTimeZone(zone: string): boolean {
  // The canonical list is cheap; a DateTimeFormat with a time zone loads ICU's zone data
  // (measured: about 25 ms and 8 MB at a cold start), so only aliases like "UTC" pay for it.
  if (Intl.supportedValuesOf('timeZone').includes(zone)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

type MonitorSettings = Omit<MonitorConfig, 'accounts'>;

/** Every monitor-wide field but the accounts, once: its default, its bounds, its rule. */
const MONITOR_SETTINGS: FieldTable<MonitorSettings, undefined> = {
  locale: {
    fallback: () => 'en',
    read: (c, path, value) => c.oneOf(path, value, LOCALES, 'en', `must be one of ${LOCALES.join(', ')}`),
  },
  timeZone: {
    fallback: () => DEFAULT_TIME_ZONE,
    read: (c, path, value) => {
      const zone = c.string(path, value, DEFAULT_TIME_ZONE);
      if (!isValidTimeZone(zone)) c.issue(path, `unknown IANA time zone ${describe(zone)}`);
      return zone;
    },
  },
  concurrency: numberField(DEFAULT_CONCURRENCY, { min: 1, max: 50, integer: true }),
  attemptTimeoutMs: numberField(DEFAULT_ATTEMPT_TIMEOUT_MS, { min: 100, max: 60_000, integer: true }),
  deadlineMs: numberField(DEFAULT_DEADLINE_MS, { min: 100, max: 120_000, integer: true }),
  accountMetrics: { fallback: () => false, read: (c, path, value) => c.boolean(path, value, false) },
};

/** Fields of the monitor configuration that the Lambda needs (infra adds schedule, subscriptions…). */
export const MONITOR_FIELDS = ['accounts', 'policy', ...fieldNames(MONITOR_SETTINGS)] as const;

export interface ParseOptions {
  /** Fields the caller owns (e.g. the CDK stack's schedule) and accepts silently. */
  readonly extraFields?: readonly string[];
  /** How another field's path is shown inside a message (see Checker). */
  readonly name?: PathName;
}

/** Validates a monitor configuration and fills in the defaults. */
export function parseMonitorConfig(input: unknown, options: ParseOptions = {}): Validated<MonitorConfig> {
  const c = new Checker(options.name);
  if (!isObject(input))
    return { ok: false, issues: [{ path: '', message: `must be a JSON object, got ${describe(input)}` }] };
  c.unknownKeys('config', input, [...MONITOR_FIELDS, ...(options.extraFields ?? [])]);
  const policy = parsePolicy(c, 'policy', input.policy, DEFAULT_POLICY);
  const accounts: AccountConfig[] = [];
  if (!Array.isArray(input.accounts) || input.accounts.length === 0) {
    c.issue('accounts', 'at least one account is needed, e.g. [{ "name": "main", "thresholds": { … } }]');
  } else {
    if (input.accounts.length > MAX_ACCOUNTS)
      c.issue('accounts', `at most ${MAX_ACCOUNTS} accounts per monitor`);
    const parsed: Array<[number, AccountConfig]> = [];
    input.accounts.forEach((raw: unknown, i: number) => {
      const account = parseAccount(c, `accounts[${i}]`, raw, policy);
      if (account) parsed.push([i, account]);
    });
    checkAccountsApart(c, parsed);
    accounts.push(...parsed.map(([, a]) => a));
  }
  const settings = readFields(c, '', input, MONITOR_SETTINGS, undefined);
  if (settings.deadlineMs < settings.attemptTimeoutMs)
    c.issue('deadlineMs', `must not be below attemptTimeoutMs (${settings.attemptTimeoutMs})`);
  return c.result({ accounts, ...settings });
}

/** Names are unique, and no two fields read the same credential parameter. */
function checkAccountsApart(c: Checker, parsed: ReadonlyArray<readonly [number, AccountConfig]>): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const [i, a] of parsed) {
    if (seen.has(a.name)) {
      c.issue(`accounts[${i}].name`, `duplicate account name "${a.name}"`);
      duplicates.add(a.name);
    }
    seen.add(a.name);
  }
  // A shared parameter would send one account's credentials for another (or the key as the hash).
  const owners = new Map<string, string>();
  for (const [i, a] of parsed) {
    if (duplicates.has(a.name)) continue;
    for (const { field, name } of credentialParameters(a)) {
      const path = `accounts[${i}].${field}`;
      const owner = owners.get(name);
      if (owner)
        c.issue(path, `must not be the same SSM parameter as ${c.name(owner)} (${JSON.stringify(name)})`);
      else owners.set(name, path);
    }
  }
}

/**
 * The monitor configuration as the function's monitor-config.json: every value equal to its
 * default left out, since the function runs the same validator, which puts the defaults back.
 * Spelled out in full each account would take about 400 bytes; compact, 500 accounts stay near
 * 60 KB, which the cold start parses in about a millisecond.
 */
export function compactMonitorConfig(config: MonitorConfig): Record<string, unknown> {
  const { accounts, ...settings } = config;
  return {
    accounts: accounts.map(({ name, ...fields }) => ({
      name,
      ...compactFields(fields, ACCOUNT_FIELDS, { name, policy: DEFAULT_POLICY }),
    })),
    ...compactFields(settings, MONITOR_SETTINGS, undefined),
  };
}

/** The JSON shape a user writes (cdk.json context `balanceMonitor`, or the construct's props). */
export type PolicyInput = InputOf<AlertPolicy>;
export type AccountInput = InputOf<AccountConfig> & Pick<AccountConfig, 'name' | 'thresholds'>;
export type MonitorConfigInput = InputOf<MonitorSettings> & {
  readonly accounts: readonly AccountInput[];
  readonly policy?: PolicyInput;
};

export { ConfigError, formatIssue, type Issue, orThrow, type Validated } from './validation.js';
export type { Level };
/** The building blocks, for the command-line and infrastructure validators. */
export { Checker, describe };
