import {
  Checker,
  DEFAULT_ATTEMPT_TIMEOUT_MS,
  DEFAULT_BASE_URL,
  formatIssue,
  parseBaseUrl,
  parseThresholds,
  type Thresholds,
  withoutUserinfo,
} from '../core/config.js';
import type { Credentials } from '../core/types.js';
import { type OptionTypes, readOptions } from './options.js';

/**
 * The local command's flags and environment, read into one request. Pure: argv and the
 * environment come in as arguments, so every rule here is tested without spawning a process.
 */

export const KEY_VARIABLE = 'ILETIMERKEZI_API_KEY';
export const HASH_VARIABLE = 'ILETIMERKEZI_API_HASH';

/** Used when no threshold flag is given: the common case of an account billed in TL. */
export const DEFAULT_THRESHOLDS: Thresholds = { warning: { amount: 100 }, critical: { amount: 20 } };

/** The whole check, retries included, ends within this time unless --timeout-ms says otherwise. */
export const DEFAULT_TIMEOUT_MS = 10_000;
const TIMEOUT_RANGE = { min: 100, max: 120_000 };

export const USAGE =
  'Usage: npm start -- [--base-url URL] [--warning-amount N] [--critical-amount N] [--warning-sms N] [--critical-sms N] [--timeout-ms N] [--attempt-timeout-ms N] [--json] [--help]';

export const HELP = `${USAGE}

Checks an iletiMerkezi account's balance once, as a Nagios/Icinga/Zabbix plugin:
exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the check failed, or bad usage).

Credentials come from the environment: ${KEY_VARIABLE} and ${HASH_VARIABLE}
(surrounding whitespace is ignored; a variable set but empty is an error).
With neither variable set and without --base-url, the check runs against a
built-in sandbox account on 127.0.0.1, and every line of the output says "sandbox".

  --base-url URL        API origin (default ${DEFAULT_BASE_URL}); the path
                        /v1/get-balance/json is added. Never falls back to the sandbox.
                        https:// only; http:// only to 127.0.0.0/8, localhost or [::1].
  --warning-amount N    WARNING when the TL balance is at or below N
  --critical-amount N   CRITICAL when the TL balance is at or below N
  --warning-sms N       WARNING when the SMS count is at or below N
  --critical-sms N      CRITICAL when the SMS count is at or below N
                        Without any threshold flag: --warning-amount ${DEFAULT_THRESHOLDS.warning?.amount} --critical-amount ${DEFAULT_THRESHOLDS.critical?.amount}.
                        A critical threshold must not be above its warning one.
  --timeout-ms N        the whole check, retries included, ends within N ms (default ${DEFAULT_TIMEOUT_MS})
  --attempt-timeout-ms N  one attempt ends within N ms (default: half of --timeout-ms,
                        at least ${DEFAULT_ATTEMPT_TIMEOUT_MS}, at most --timeout-ms)
  --json                print one JSON object instead of the plugin text
  --help                print this help and exit 0`;

export interface CheckRequest {
  /** True when no credentials and no --base-url were given: check the built-in sandbox account. */
  readonly sandbox: boolean;
  /** The origin to check; ignored in sandbox mode, where the local server's origin is used. */
  readonly baseUrl: string;
  /** Absent only in sandbox mode. */
  readonly credentials?: Credentials;
  readonly thresholds: Thresholds;
  readonly timeoutMs: number;
  /** One HTTP attempt; never above timeoutMs. */
  readonly attemptTimeoutMs: number;
  readonly json: boolean;
}

export type Command =
  | { readonly kind: 'help'; readonly json: boolean }
  | { readonly kind: 'check'; readonly request: CheckRequest }
  /** Bad usage: UNKNOWN, with every problem found. */
  | { readonly kind: 'usage-error'; readonly json: boolean; readonly message: string };

const THRESHOLD_FLAGS = {
  '--warning-amount': ['warning', 'amount'],
  '--critical-amount': ['critical', 'amount'],
  '--warning-sms': ['warning', 'sms'],
  '--critical-sms': ['critical', 'sms'],
} as const;
type ThresholdFlag = keyof typeof THRESHOLD_FLAGS;

const FLAG_OF_PATH: ReadonlyMap<string, string> = new Map(
  Object.entries(THRESHOLD_FLAGS).map(([flag, [level, measure]]) => [`${level}.${measure}`, flag]),
);
/** The shared validator speaks of `warning.amount`; the command's user typed `--warning-amount`. */
const flagName = (path: string): string => FLAG_OF_PATH.get(path) ?? path;

const OPTIONS: OptionTypes = {
  'base-url': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'attempt-timeout-ms': { type: 'string' },
  'warning-amount': { type: 'string' },
  'critical-amount': { type: 'string' },
  'warning-sms': { type: 'string' },
  'critical-sms': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
const NUMERAL = /^-?\d+(\.\d+)?$/;

export function parseCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Command {
  const read = readOptions(argv, OPTIONS, { allowPositionals: false });
  const problems: string[] = read.problems.map((p) => {
    if (p.kind === 'needs-value') return `${p.flag} needs a value`;
    if (p.kind === 'unknown') return `unknown option ${printable(p.flag)}`;
    return `unexpected argument ${printable(p.argument)}`;
  });
  const values = new Map<string, string>();
  for (const [name, given] of read.values) {
    const [first] = given;
    if (given.length > 1) problems.push(`--${name} is given twice`);
    else if (first !== undefined) values.set(`--${name}`, first);
  }
  // Asked for anywhere on the line, even where it would be an option's value or malformed.
  const json = argv.some((arg) => arg === '--json' || arg.startsWith('--json='));
  if (read.switches.has('help') && problems.length === 0) return { kind: 'help', json };

  const rawKey = env[KEY_VARIABLE];
  const rawHash = env[HASH_VARIABLE];
  const rawBaseUrl = values.get('--base-url');
  // A variable that is set is meant: only with neither set (and no --base-url) is the sandbox checked.
  const sandbox = rawKey === undefined && rawHash === undefined && rawBaseUrl === undefined;

  const c = new Checker(flagName);
  const baseUrl = parseBaseUrl(c, '--base-url', rawBaseUrl);
  const thresholds = thresholdsOf(values, c, problems);
  const timeoutMs = timeoutOf('--timeout-ms', values.get('--timeout-ms'), DEFAULT_TIMEOUT_MS, problems);
  const attemptTimeoutMs = attemptTimeoutOf(values.get('--attempt-timeout-ms'), timeoutMs, problems);
  problems.push(...c.issues.map((issue) => formatIssue(issue, flagName)));
  const key = credentialOf(KEY_VARIABLE, rawKey, 'key', sandbox, problems);
  const hash = credentialOf(HASH_VARIABLE, rawHash, 'hash', sandbox, problems);
  if (problems.length > 0) return { kind: 'usage-error', json, message: problems.join('; ') };

  const request = { sandbox, baseUrl, thresholds, timeoutMs, attemptTimeoutMs, json };
  return { kind: 'check', request: sandbox ? request : { ...request, credentials: { key, hash } } };
}

function thresholdsOf(values: ReadonlyMap<string, string>, c: Checker, problems: string[]): Thresholds {
  const given = Object.keys(THRESHOLD_FLAGS).filter((flag) => values.has(flag)) as ThresholdFlag[];
  if (given.length === 0) return DEFAULT_THRESHOLDS;
  const raw: Record<'warning' | 'critical', Record<string, number>> = { warning: {}, critical: {} };
  for (const flag of given) {
    const text = values.get(flag) ?? '';
    const [level, measure] = THRESHOLD_FLAGS[flag];
    // A negative number is let through so the shared rule can say "must be at least 0".
    if (NUMERAL.test(text) && Number.isFinite(Number(text))) raw[level][measure] = Number(text);
    else problems.push(`${flag} needs a number, got ${printable(text)}`);
  }
  const input: Record<string, unknown> = {};
  if (Object.keys(raw.warning).length > 0) input.warning = raw.warning;
  if (Object.keys(raw.critical).length > 0) input.critical = raw.critical;
  if (Object.keys(input).length === 0) return {};
  return parseThresholds(c, '', input);
}

/** Trimmed: a padded value pasted from the panel would end in a 401 with three wrong causes. */
function credentialOf(
  variable: string,
  raw: string | undefined,
  what: 'key' | 'hash',
  sandbox: boolean,
  problems: string[],
): string {
  if (sandbox) return '';
  const hint = `(the API ${what} from the iletiMerkezi panel)`;
  if (raw === undefined) problems.push(`${variable} is not set ${hint}`);
  else if (raw.trim() === '') problems.push(`${variable} is set but empty ${hint}`);
  return raw?.trim() ?? '';
}

function timeoutOf(flag: string, text: string | undefined, fallback: number, problems: string[]): number {
  if (text === undefined) return fallback;
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms < TIMEOUT_RANGE.min || ms > TIMEOUT_RANGE.max) {
    problems.push(
      `${flag} needs a whole number from ${TIMEOUT_RANGE.min} to ${TIMEOUT_RANGE.max}, got ${printable(text)}`,
    );
    return fallback;
  }
  return ms;
}

/**
 * Half the budget leaves room for a retry after a hung attempt, but never less than the usual
 * attempt, so a longer --timeout-ms also lets one slow answer arrive.
 */
function attemptTimeoutOf(text: string | undefined, timeoutMs: number, problems: string[]): number {
  const derived = Math.min(timeoutMs, Math.max(DEFAULT_ATTEMPT_TIMEOUT_MS, Math.floor(timeoutMs / 2)));
  const ms = timeoutOf('--attempt-timeout-ms', text, derived, problems);
  if (ms > timeoutMs) {
    problems.push(`--attempt-timeout-ms must not be above --timeout-ms (${ms} > ${timeoutMs})`);
    return derived;
  }
  return ms;
}

/** An argument quoted for an error line: bounded, one line, and never a URL's user name or password. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters must not reach the output
  const clean = withoutUserinfo(text).replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(clean.length > 40 ? `${clean.slice(0, 40)}…` : clean);
}
