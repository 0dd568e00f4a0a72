import { realpathSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { awsErrorMessage, awsErrorName } from '../adapters/aws-error.js';
import {
  defaultCredentialsParameter,
  defaultHashParameter,
  defaultKeyParameter,
  formatIssue,
  parseMonitorConfig,
} from '../core/config.js';
import { createRedactor } from '../core/redact.js';
import { type OptionTypes, readOptions } from './options.js';

/**
 * `npm run credentials -- <account>`: stores an account's API key and hash in one SSM
 * SecureString, `{"key":"…","hash":"…"}`, the step before deploy (CloudFormation cannot create
 * SecureStrings); the monitor decrypts it once a run. `--pair` (or naming the key and hash
 * parameters) writes the two-parameter layout of earlier releases instead. The values are
 * prompted for without echo, or read as two lines from a pipe, never taken as arguments, so they
 * stay out of shell history and the process list.
 */

export const CREDENTIALS_USAGE =
  'Usage: npm run credentials -- <account> [--credentials-parameter NAME] [--pair [--key-parameter NAME] [--hash-parameter NAME]] [--kms-key-id ID] [--region R]';

export interface StoreOptions {
  /** The combined parameter's name (default /iletimerkezi/<account>/credentials). */
  readonly credentialsParameter?: string;
  /** Write the two-parameter layout instead; implied by either of its names. */
  readonly pair?: boolean;
  readonly keyParameter?: string;
  readonly hashParameter?: string;
  /** A customer-managed KMS key; without it SSM uses the account's aws/ssm key. */
  readonly kmsKeyId?: string;
}

/** The names written, in order, never the values. */
export interface StoredParameters {
  readonly layout: 'combined' | 'pair';
  readonly parameters: readonly string[];
}

function writesPair(options: StoreOptions): boolean {
  return options.pair === true || options.keyParameter !== undefined || options.hashParameter !== undefined;
}

/** Writes the SecureString(s), overwriting earlier values; resolves with the names written. */
export async function storeCredentials(
  client: SSMClient,
  account: string,
  key: string,
  hash: string,
  options: StoreOptions = {},
): Promise<StoredParameters> {
  const writes: Array<readonly [string, string]> = writesPair(options)
    ? [
        [options.keyParameter ?? defaultKeyParameter(account), key],
        [options.hashParameter ?? defaultHashParameter(account), hash],
      ]
    : [[options.credentialsParameter ?? defaultCredentialsParameter(account), JSON.stringify({ key, hash })]];
  for (const [name, value] of writes) {
    await client.send(
      new PutParameterCommand({
        Name: name,
        Value: value,
        Type: 'SecureString',
        Overwrite: true,
        ...(options.kmsKeyId === undefined ? {} : { KeyId: options.kmsKeyId }),
      }),
    );
  }
  return { layout: writesPair(options) ? 'pair' : 'combined', parameters: writes.map(([name]) => name) };
}

export interface CredentialsCommand {
  readonly account: string;
  readonly options: StoreOptions;
  readonly region?: string;
}

const OPTIONS: OptionTypes = {
  'credentials-parameter': { type: 'string' },
  'key-parameter': { type: 'string' },
  'hash-parameter': { type: 'string' },
  'kms-key-id': { type: 'string' },
  region: { type: 'string' },
  pair: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** The configuration's paths of the fields the arguments set, as the command's user typed them. */
const ARGUMENT_OF_PATH: Readonly<Record<string, string>> = {
  'accounts[0].name': 'account',
  'accounts[0].credentialsParameter': '--credentials-parameter',
  'accounts[0].keyParameter': '--key-parameter',
  'accounts[0].hashParameter': '--hash-parameter',
};
const argumentName = (path: string): string => ARGUMENT_OF_PATH[path] ?? path;

/** The arguments, checked with the monitor configuration's own rules for names. */
export function parseCredentialsArgs(
  argv: readonly string[],
): { ok: true; command: CredentialsCommand } | { ok: false; help: boolean; errors: string[] } {
  const read = readOptions(argv, OPTIONS);
  if (read.switches.has('help')) return { ok: false, help: true, errors: [] };
  const errors = read.problems.map((p) =>
    p.kind === 'needs-value'
      ? `${p.flag} needs a value`
      : `unknown option ${JSON.stringify(p.kind === 'unknown' ? p.flag : p.argument)}`,
  );
  // The last of a flag given twice counts; an empty value is none.
  const flags = new Map<string, string>();
  for (const [name, given] of read.values) {
    const value = given.at(-1);
    if (value === undefined || value === '') errors.push(`--${name} needs a value`);
    else flags.set(`--${name}`, value);
  }
  const pair = read.switches.has('pair');
  const positional = read.positionals;
  if (positional.length === 0) errors.push('the account name is missing');
  if (positional.length > 1) {
    errors.push(
      'only the account name is an argument: the key and hash are asked for, never taken from the command line',
    );
  }
  const account = positional[0] ?? '';
  const credentialsParameter = flags.get('--credentials-parameter');
  const keyParameter = flags.get('--key-parameter');
  const hashParameter = flags.get('--hash-parameter');
  if (
    credentialsParameter !== undefined &&
    (pair || keyParameter !== undefined || hashParameter !== undefined)
  ) {
    errors.push(
      '--credentials-parameter names the combined parameter; --pair, --key-parameter and --hash-parameter the two-parameter layout: choose one',
    );
  }
  if (errors.length > 0) return { ok: false, help: false, errors };

  const validated = parseMonitorConfig(
    {
      accounts: [
        {
          name: account,
          credentialsParameter,
          keyParameter,
          hashParameter,
          thresholds: { warning: { amount: 0 } },
        },
      ],
    },
    { name: argumentName },
  );
  if (!validated.ok) {
    return {
      ok: false,
      help: false,
      errors: validated.issues.map((issue) => formatIssue(issue, argumentName)),
    };
  }
  const kmsKeyId = flags.get('--kms-key-id');
  const region = flags.get('--region');
  const options: StoreOptions = {
    ...(credentialsParameter === undefined ? {} : { credentialsParameter }),
    ...(pair ? { pair } : {}),
    ...(keyParameter === undefined ? {} : { keyParameter }),
    ...(hashParameter === undefined ? {} : { hashParameter }),
    ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
  };
  return { ok: true, command: { account, options, ...(region === undefined ? {} : { region }) } };
}

/**
 * An error when the value cannot be a credential, a warning when it merely looks unusual: the
 * panel issues hex, but a user who knows better is not blocked.
 */
export function checkSecret(label: string, value: string): { error?: string; warning?: string } {
  if (value === '') return { error: `the ${label} is empty` };
  if (/\s/.test(value)) return { error: `the ${label} contains spaces or line breaks` };
  if (!/^[0-9a-fA-F]+$/.test(value))
    return { warning: `the ${label} is not hexadecimal, as the panel shows it` };
  return {};
}

/** Reads one line from the terminal without showing it. Ctrl-C cancels. */
function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(`${question} (input hidden): `);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (done: () => void): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      done();
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish(() => resolve(value));
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish(() => reject(new Error('cancelled')));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** From a pipe: the first two lines are the key and the hash. */
async function readTwoLines(): Promise<[string, string]> {
  const lines: string[] = [];
  const reader = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of reader) {
    lines.push(line.trim());
    if (lines.length === 2) break;
  }
  reader.close();
  return [lines[0] ?? '', lines[1] ?? ''];
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCredentialsArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) {
      process.stdout.write(
        `${CREDENTIALS_USAGE}\nPrompts for the API key and hash (hidden) and stores them in one SSM SecureString\n(with --pair: two, the layout of earlier releases).\n`,
      );
      return 0;
    }
    process.stderr.write(`${parsed.errors.map((e) => `error: ${e}`).join('\n')}\n${CREDENTIALS_USAGE}\n`);
    return 2;
  }
  const { account, options, region } = parsed.command;
  let key: string;
  let hash: string;
  try {
    if (process.stdin.isTTY) {
      key = (await promptHidden(`API key for ${account}`)).trim();
      hash = (await promptHidden(`API hash for ${account}`)).trim();
    } else {
      [key, hash] = await readTwoLines();
    }
  } catch {
    process.stderr.write('Cancelled: nothing was stored.\n');
    return 130;
  }
  const checks = [checkSecret('API key', key), checkSecret('API hash', hash)];
  const errors = checks.flatMap((c) => (c.error ? [c.error] : []));
  if (errors.length > 0) {
    process.stderr.write(`${errors.map((e) => `error: ${e}`).join('\n')}\nNothing was stored.\n`);
    return 1;
  }
  for (const c of checks) if (c.warning) process.stderr.write(`warning: ${c.warning}\n`);

  const client = new SSMClient(region === undefined ? {} : { region });
  try {
    const stored = await storeCredentials(client, account, key, hash, options);
    const encryption = options.kmsKeyId ? `KMS key ${options.kmsKeyId}` : 'the default aws/ssm key';
    const what = stored.layout === 'combined' ? 'one SecureString' : 'two SecureStrings';
    process.stdout.write(
      `Stored the credentials of account "${account}" as ${what} (encrypted with ${encryption}):\n` +
        stored.parameters.map((name) => `  ${name}\n`).join('') +
        (stored.layout === 'combined'
          ? 'The monitor reads it before any key and hash parameters of an earlier release, which can be deleted.\n'
          : ''),
    );
    return 0;
  } catch (error) {
    const message = awsErrorMessage(error, 160, createRedactor([key, hash]));
    process.stderr.write(`error: could not store the credentials: ${awsErrorName(error)}: ${message}\n`);
    return 1;
  } finally {
    client.destroy();
  }
}

function isMainModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  process.exitCode = await main(process.argv.slice(2));
}
