import { isObject, type JsonObject } from './json.js';
import type { Level } from './types.js';

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
export const DEFAULT_POLICY: AlertPolicy = {
  reminderHours: { WARNING: 24, CRITICAL: 6 },
  failureReminderHours: 6,
  failuresBeforeAlert: 3,
  recoveryMarginPercent: 5,
  forecastDays: 3,
  spendSpike: DEFAULT_SPEND_SPIKE,
};
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

export type Validated<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: string[] };

/** Thrown where a bad configuration must stop everything (synth, cold start). */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly errors: readonly string[],
  ) {
    super(`Invalid ${source}:\n  - ${errors.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function orThrow<T>(result: Validated<T>, source: string): T {
  if (!result.ok) throw new ConfigError(source, result.errors);
  return result.value;
}

const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** SSM's rule: a plain name, or a hierarchy that starts with "/"; never under the reserved aws/ssm prefixes. */
const PARAMETER_NAME = /^(?!\/?(aws|ssm))(?:[A-Za-z0-9_.-]{1,1011}|(?:\/[A-Za-z0-9_.-]+){1,15})$/i;

/** Collects errors with their field path, so every message names what to fix. */
class Checker {
  readonly errors: string[] = [];

  error(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }

  unknownKeys(path: string, value: JsonObject, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key))
        this.error(`${path}.${key}`, `unknown field (allowed: ${allowed.join(', ')})`);
    }
  }

  number(
    path: string,
    value: unknown,
    fallback: number,
    opts: { min?: number; max?: number; integer?: boolean } = {},
  ): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.error(path, `must be a number, got ${describe(value)}`);
      return fallback;
    }
    if (opts.integer && !Number.isInteger(value)) this.error(path, `must be a whole number, got ${value}`);
    if (opts.min !== undefined && value < opts.min)
      this.error(path, `must be at least ${opts.min}, got ${value}`);
    if (opts.max !== undefined && value > opts.max)
      this.error(path, `must be at most ${opts.max}, got ${value}`);
    return value;
  }

  string(path: string, value: unknown, fallback: string, pattern?: RegExp, hint?: string): string {
    if (value === undefined) return fallback;
    if (typeof value !== 'string') {
      this.error(path, `must be a string, got ${describe(value)}`);
      return fallback;
    }
    if (pattern && !pattern.test(value)) this.error(path, hint ?? `invalid value ${JSON.stringify(value)}`);
    return value;
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function parseLevelThreshold(c: Checker, path: string, value: unknown): LevelThreshold | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    c.error(path, `must be an object like { "amount": 100, "sms": 500 }, got ${describe(value)}`);
    return undefined;
  }
  c.unknownKeys(path, value, ['amount', 'sms']);
  const out: { amount?: number; sms?: number } = {};
  if (value.amount !== undefined) out.amount = c.number(`${path}.amount`, value.amount, 0, { min: 0 });
  if (value.sms !== undefined) out.sms = c.number(`${path}.sms`, value.sms, 0, { min: 0, integer: true });
  return out;
}

export function parseThresholds(c: Checker, path: string, value: unknown): Thresholds {
  if (!isObject(value)) {
    c.error(path, `must be an object with "warning" and/or "critical", got ${describe(value)}`);
    return {};
  }
  c.unknownKeys(path, value, ['warning', 'critical']);
  const warning = parseLevelThreshold(c, `${path}.warning`, value.warning);
  const critical = parseLevelThreshold(c, `${path}.critical`, value.critical);
  const set = [warning?.amount, warning?.sms, critical?.amount, critical?.sms].filter((v) => v !== undefined);
  if (set.length === 0)
    c.error(path, 'at least one threshold is needed (warning or critical, amount or sms)');
  for (const measure of ['amount', 'sms'] as const) {
    const w = warning?.[measure];
    const k = critical?.[measure];
    if (w !== undefined && k !== undefined && k > w) {
      c.error(`${path}.critical.${measure}`, `must not be above warning.${measure} (${k} > ${w})`);
    }
  }
  const out: { warning?: LevelThreshold; critical?: LevelThreshold } = {};
  if (warning) out.warning = warning;
  if (critical) out.critical = critical;
  return out;
}

function parsePolicy(c: Checker, path: string, value: unknown, base: AlertPolicy): AlertPolicy {
  if (value === undefined) return base;
  if (!isObject(value)) {
    c.error(path, `must be an object, got ${describe(value)}`);
    return base;
  }
  c.unknownKeys(path, value, [
    'reminderHours',
    'failureReminderHours',
    'failuresBeforeAlert',
    'recoveryMarginPercent',
    'forecastDays',
    'spendSpike',
  ]);
  let reminderHours = base.reminderHours;
  if (value.reminderHours !== undefined) {
    if (!isObject(value.reminderHours)) {
      c.error(`${path}.reminderHours`, 'must be an object like { "WARNING": 24, "CRITICAL": 6 }');
    } else {
      c.unknownKeys(`${path}.reminderHours`, value.reminderHours, ['WARNING', 'CRITICAL']);
      const hours = { min: 0.25, max: 24 * 30 };
      reminderHours = {
        WARNING: c.number(
          `${path}.reminderHours.WARNING`,
          value.reminderHours.WARNING,
          base.reminderHours.WARNING,
          hours,
        ),
        CRITICAL: c.number(
          `${path}.reminderHours.CRITICAL`,
          value.reminderHours.CRITICAL,
          base.reminderHours.CRITICAL,
          hours,
        ),
      };
    }
  }
  return {
    reminderHours,
    failureReminderHours: c.number(
      `${path}.failureReminderHours`,
      value.failureReminderHours,
      base.failureReminderHours,
      {
        min: 0.25,
        max: 24 * 30,
      },
    ),
    failuresBeforeAlert: c.number(
      `${path}.failuresBeforeAlert`,
      value.failuresBeforeAlert,
      base.failuresBeforeAlert,
      {
        min: 1,
        max: 100,
        integer: true,
      },
    ),
    recoveryMarginPercent: c.number(
      `${path}.recoveryMarginPercent`,
      value.recoveryMarginPercent,
      base.recoveryMarginPercent,
      {
        min: 0,
        max: 100,
      },
    ),
    forecastDays: c.number(`${path}.forecastDays`, value.forecastDays, base.forecastDays, {
      min: 0,
      max: 60,
    }),
    spendSpike: parseSpendSpike(c, `${path}.spendSpike`, value.spendSpike, base.spendSpike),
  };
}

function parseSpendSpike(
  c: Checker,
  path: string,
  value: unknown,
  base: SpendSpikePolicy | false,
): SpendSpikePolicy | false {
  if (value === undefined) return base;
  if (value === false) return false;
  if (!isObject(value)) {
    c.error(
      path,
      `must be false or an object like { "multiple": 5, "floorAmount": 50 }, got ${describe(value)}`,
    );
    return base;
  }
  c.unknownKeys(path, value, ['multiple', 'floorAmount']);
  const from = base === false ? DEFAULT_SPEND_SPIKE : base;
  return {
    // Below 2 a spike would already count as calm (the episode ends under 2 x normal).
    multiple: c.number(`${path}.multiple`, value.multiple, from.multiple, { min: 2, max: 1_000 }),
    // Above 0 (the provider's figures have two decimals): a floor of 0 lets any use of an idle account spike.
    floorAmount: c.number(`${path}.floorAmount`, value.floorAmount, from.floorAmount, {
      min: 0.01,
      max: 1_000_000,
    }),
  };
}

/** Hosts plain http:// may reach: this machine only (tests, the sandbox). */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
/** `scheme://user:password@`: found on the text, so even a URL that does not parse is caught. */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

export function parseBaseUrl(c: Checker, path: string, value: unknown): string {
  if (value === undefined) return DEFAULT_BASE_URL;
  if (typeof value !== 'string') {
    c.error(path, `must be a string, got ${describe(value)}`);
    return DEFAULT_BASE_URL;
  }
  // The user name and password are never repeated: they may be a real password.
  if (USERINFO.test(value)) {
    c.error(
      path,
      'must not hold a user name or password (user:password@); the key and hash travel in the request body',
    );
    return DEFAULT_BASE_URL;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    c.error(path, `must be a URL origin like ${DEFAULT_BASE_URL}, got ${describe(value)}`);
    return DEFAULT_BASE_URL;
  }
  if (url.username || url.password) {
    c.error(path, 'must not hold a user name or password (user:password@)');
    return DEFAULT_BASE_URL;
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOST.test(url.hostname)) {
    c.error(path, 'must use https:// (http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])');
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    c.error(path, 'must use https:// (http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])');
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    c.error(
      path,
      `must be an origin only (scheme, host, port), got ${describe(value)}; the path /v1/get-balance/json is added`,
    );
  }
  return url.origin;
}

function parseAccount(
  c: Checker,
  path: string,
  value: unknown,
  policy: AlertPolicy,
): AccountConfig | undefined {
  if (!isObject(value)) {
    c.error(path, `must be an object with at least "name" and "thresholds", got ${describe(value)}`);
    return undefined;
  }
  c.unknownKeys(path, value, [
    'name',
    'credentialsParameter',
    'keyParameter',
    'hashParameter',
    'baseUrl',
    'thresholds',
    'policy',
  ]);
  if (value.name === undefined) c.error(`${path}.name`, 'is required');
  const name = c.string(
    `${path}.name`,
    value.name,
    'account',
    ACCOUNT_NAME,
    'must be 1-64 letters, digits, "_", "-" or "." and start with a letter or digit',
  );
  const parameterHint = 'must be an SSM parameter name like /iletimerkezi/main/api-key';
  return {
    name,
    credentialsParameter: c.string(
      `${path}.credentialsParameter`,
      value.credentialsParameter,
      defaultCredentialsParameter(name),
      PARAMETER_NAME,
      'must be an SSM parameter name like /iletimerkezi/main/credentials',
    ),
    keyParameter: c.string(
      `${path}.keyParameter`,
      value.keyParameter,
      defaultKeyParameter(name),
      PARAMETER_NAME,
      parameterHint,
    ),
    hashParameter: c.string(
      `${path}.hashParameter`,
      value.hashParameter,
      defaultHashParameter(name),
      PARAMETER_NAME,
      parameterHint,
    ),
    baseUrl: parseBaseUrl(c, `${path}.baseUrl`, value.baseUrl),
    thresholds: parseThresholds(c, `${path}.thresholds`, value.thresholds),
    policy: parsePolicy(c, `${path}.policy`, value.policy, policy),
  };
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

/** Fields of the monitor configuration that the Lambda needs (infra adds schedule, subscriptions…). */
export const MONITOR_FIELDS = [
  'accounts',
  'locale',
  'timeZone',
  'concurrency',
  'policy',
  'attemptTimeoutMs',
  'deadlineMs',
  'accountMetrics',
] as const;

/**
 * Validates a monitor configuration and fills in the defaults.
 * `extraFields` are fields the caller owns (e.g. the CDK stack's schedule) and accepts silently.
 */
export function parseMonitorConfig(
  input: unknown,
  extraFields: readonly string[] = [],
): Validated<MonitorConfig> {
  const c = new Checker();
  if (!isObject(input)) return { ok: false, errors: [`must be a JSON object, got ${describe(input)}`] };
  c.unknownKeys('config', input, [...MONITOR_FIELDS, ...extraFields]);
  const policy = parsePolicy(c, 'policy', input.policy, DEFAULT_POLICY);
  const accounts: AccountConfig[] = [];
  if (!Array.isArray(input.accounts) || input.accounts.length === 0) {
    c.error('accounts', 'at least one account is needed, e.g. [{ "name": "main", "thresholds": { … } }]');
  } else {
    if (input.accounts.length > MAX_ACCOUNTS)
      c.error('accounts', `at most ${MAX_ACCOUNTS} accounts per monitor`);
    const parsed: Array<[number, AccountConfig]> = [];
    input.accounts.forEach((raw: unknown, i: number) => {
      const account = parseAccount(c, `accounts[${i}]`, raw, policy);
      if (account) parsed.push([i, account]);
    });
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const [i, a] of parsed) {
      if (seen.has(a.name)) {
        c.error(`accounts[${i}].name`, `duplicate account name "${a.name}"`);
        duplicates.add(a.name);
      }
      seen.add(a.name);
    }
    // A shared parameter would send one account's credentials for another (or the key as the hash).
    const owners = new Map<string, string>();
    for (const [i, a] of parsed) {
      if (duplicates.has(a.name)) continue;
      for (const { field, name } of credentialParameters(a)) {
        const owner = owners.get(name);
        if (owner)
          c.error(
            `accounts[${i}].${field}`,
            `must not be the same SSM parameter as ${owner} (${JSON.stringify(name)})`,
          );
        else owners.set(name, `accounts[${i}].${field}`);
      }
    }
    accounts.push(...parsed.map(([, a]) => a));
  }
  const locale = c.string('locale', input.locale, 'en') as Locale;
  if (!LOCALES.includes(locale))
    c.error('locale', `must be one of ${LOCALES.join(', ')}, got ${describe(input.locale)}`);
  const timeZone = c.string('timeZone', input.timeZone, DEFAULT_TIME_ZONE);
  if (!isValidTimeZone(timeZone)) c.error('timeZone', `unknown IANA time zone ${describe(timeZone)}`);
  const concurrency = c.number('concurrency', input.concurrency, DEFAULT_CONCURRENCY, {
    min: 1,
    max: 50,
    integer: true,
  });
  const attemptTimeoutMs = c.number('attemptTimeoutMs', input.attemptTimeoutMs, DEFAULT_ATTEMPT_TIMEOUT_MS, {
    min: 100,
    max: 60_000,
    integer: true,
  });
  const deadlineMs = c.number('deadlineMs', input.deadlineMs, DEFAULT_DEADLINE_MS, {
    min: 100,
    max: 120_000,
    integer: true,
  });
  if (deadlineMs < attemptTimeoutMs)
    c.error('deadlineMs', `must not be below attemptTimeoutMs (${attemptTimeoutMs})`);
  let accountMetrics = false;
  if (input.accountMetrics !== undefined) {
    if (typeof input.accountMetrics === 'boolean') accountMetrics = input.accountMetrics;
    else c.error('accountMetrics', `must be true or false, got ${describe(input.accountMetrics)}`);
  }
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return {
    ok: true,
    value: { accounts, locale, timeZone, concurrency, attemptTimeoutMs, deadlineMs, accountMetrics },
  };
}

export type { Level };
/** The lower-level building blocks, exported for the CLI and infra validators. */
export { Checker };
