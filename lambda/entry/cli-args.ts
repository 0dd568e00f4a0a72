import { Checker, DEFAULT_BASE_URL, parseBaseUrl, parseThresholds, type Thresholds } from '../core/config.js';
import type { Credentials } from '../core/types.js';

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
  'Usage: npm start -- [--base-url URL] [--warning-amount N] [--critical-amount N] [--warning-sms N] [--critical-sms N] [--timeout-ms N] [--json] [--help]';

export const HELP = `${USAGE}

Checks an iletiMerkezi account's balance once, as a Nagios/Icinga/Zabbix plugin:
exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the check failed, or bad usage).

Credentials come from the environment: ${KEY_VARIABLE} and ${HASH_VARIABLE}.
Without them and without --base-url, the check runs against a built-in sandbox
account on 127.0.0.1, and every line of the output says "sandbox".

  --base-url URL        API origin (default ${DEFAULT_BASE_URL}); the path
                        /v1/get-balance/json is added. Never falls back to the sandbox.
  --warning-amount N    WARNING when the TL balance is at or below N
  --critical-amount N   CRITICAL when the TL balance is at or below N
  --warning-sms N       WARNING when the SMS count is at or below N
  --critical-sms N      CRITICAL when the SMS count is at or below N
                        Without any threshold flag: --warning-amount ${DEFAULT_THRESHOLDS.warning?.amount} --critical-amount ${DEFAULT_THRESHOLDS.critical?.amount}.
                        A critical threshold must not be above its warning one.
  --timeout-ms N        the whole check, retries included, ends within N ms (default ${DEFAULT_TIMEOUT_MS})
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
  readonly json: boolean;
}

export type Command =
  | { readonly kind: 'help' }
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

const VALUE_FLAGS = ['--base-url', '--timeout-ms', ...Object.keys(THRESHOLD_FLAGS)];
const SWITCHES = ['--json', '--help', '-h'];
const NUMERAL = /^-?\d+(\.\d+)?$/;

export function parseCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Command {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (SWITCHES.includes(flag) && flag === arg) {
      switches.add(flag === '-h' ? '--help' : flag);
    } else if (VALUE_FLAGS.includes(flag)) {
      const value = flag === arg ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || (flag === arg && value.startsWith('--')))
        problems.push(`${flag} needs a value`);
      else if (values.has(flag)) problems.push(`${flag} is given twice`);
      else values.set(flag, value);
    } else {
      problems.push(
        arg.startsWith('-') ? `unknown option ${printable(flag)}` : `unexpected argument ${printable(arg)}`,
      );
    }
  }
  const json = switches.has('--json');
  if (switches.has('--help') && problems.length === 0) return { kind: 'help' };

  const key = env[KEY_VARIABLE] ?? '';
  const hash = env[HASH_VARIABLE] ?? '';
  const rawBaseUrl = values.get('--base-url');
  const sandbox = key === '' && hash === '' && rawBaseUrl === undefined;

  const c = new Checker();
  const baseUrl = parseBaseUrl(c, '--base-url', rawBaseUrl);
  const thresholds = thresholdsOf(values, c, problems);
  const timeoutMs = timeoutOf(values.get('--timeout-ms'), problems);
  problems.push(...c.errors.map(flagNames));
  if (!sandbox) {
    if (key === '') problems.push(`${KEY_VARIABLE} is not set (the API key from the iletiMerkezi panel)`);
    if (hash === '') problems.push(`${HASH_VARIABLE} is not set (the API hash from the iletiMerkezi panel)`);
  }
  if (problems.length > 0) return { kind: 'usage-error', json, message: problems.join('; ') };

  const request = { sandbox, baseUrl, thresholds, timeoutMs, json };
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

function timeoutOf(text: string | undefined, problems: string[]): number {
  if (text === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms < TIMEOUT_RANGE.min || ms > TIMEOUT_RANGE.max) {
    problems.push(
      `--timeout-ms needs a whole number from ${TIMEOUT_RANGE.min} to ${TIMEOUT_RANGE.max}, got ${printable(text)}`,
    );
    return DEFAULT_TIMEOUT_MS;
  }
  return ms;
}

/** The shared validator speaks of `warning.amount`; the command's user typed `--warning-amount`. */
function flagNames(error: string): string {
  return error.replace(/^\./, '').replace(/\b(warning|critical)\.(amount|sms)\b/g, '--$1-$2');
}

/** An argument quoted for an error line: bounded, one line. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters must not reach the output
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(clean.length > 40 ? `${clean.slice(0, 40)}…` : clean);
}
