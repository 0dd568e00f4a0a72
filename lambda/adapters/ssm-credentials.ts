import { GetParametersCommand, type Parameter, SSMClient } from '@aws-sdk/client-ssm';
import type { AccountConfig } from '../core/config.js';
import { isObject } from '../core/json.js';
import type { CredentialSource } from '../core/ports.js';
import { mapBounded } from '../core/run-checks.js';
import type { Credentials, Failure, FailureKind, Outcome } from '../core/types.js';
import { awsErrorMessage, awsErrorName, isTransientAwsError } from './aws-error.js';

/** GetParameters accepts at most 10 names per call. */
export const SSM_BATCH_SIZE = 10;
/**
 * GetParameters calls in flight at once: 500 accounts take 50 calls, in five waves of about 50 ms,
 * well inside SSM's default 40 transactions a second once the SDK's retries smooth a burst.
 */
export const SSM_CONCURRENCY = 10;
/**
 * How long fetched credentials are reused in a warm function. An hour spans four runs of the
 * default 15-minute schedule, so a reused execution environment decrypts once an hour instead of
 * every run; a rotated key is still picked up at once, because an auth failure re-reads the
 * account's parameters before anyone is told (see `reload`).
 */
export const DEFAULT_CREDENTIALS_TTL_MS = 60 * 60_000;
/** SSM answers in tens of milliseconds; this covers the SDK's own retries with room to spare. */
export const DEFAULT_SSM_TIMEOUT_MS = 3_000;

export interface SsmCredentialSourceOptions {
  readonly client?: SSMClient;
  /** How long fetched values are reused across warm invocations. 0 turns the cache off. */
  readonly ttlMs?: number;
  readonly now?: () => number;
  /**
   * One GetParameters call, the SDK's retries included, is abandoned after this long: the SDK's
   * requestTimeout only logs a warning, and a hung SSM must leave the run time to record the failure.
   */
  readonly timeoutMs?: number;
  /**
   * Told about a parameter that works but should be fixed: one stored as a plain String instead
   * of a SecureString (its value is usable, but it sits unencrypted and shows in the console).
   * Receives names and types only, never a value.
   */
  readonly warn?: (message: string, fields: Record<string, unknown>) => void;
}

interface CachedCredentials {
  readonly credentials: Credentials;
  readonly fetchedAt: number;
}

/** Why one parameter could not be read; shared by all names of the same failed call. */
interface NameFailure {
  readonly kind: FailureKind;
  explain(names: readonly string[]): string;
}

const NOT_FOUND: NameFailure = {
  kind: 'config',
  explain: (names) =>
    names.length === 1 ? `SSM parameter ${names[0]} not found` : `SSM parameters ${listOf(names)} not found`,
};

const EMPTY: NameFailure = {
  kind: 'config',
  explain: (names) =>
    `SSM parameter${names.length === 1 ? '' : 's'} ${listOf(names)} ${names.length === 1 ? 'is' : 'are'} empty (or only whitespace)`,
};

/** A parameter's value as SSM returned it, or why there is none. */
type Fetched = string | NameFailure;

/**
 * Credentials from SSM Parameter Store. Each account's key and hash live in one SecureString,
 * `{"key":"…","hash":"…"}` (one KMS decrypt a run); where it does not exist, the two-parameter
 * layout of earlier releases is read instead (two decrypts). Names are fetched for all accounts
 * at once with GetParameters, 10 names a call, at most SSM_CONCURRENCY calls at a time.
 * Whitespace around a value is dropped; a value empty after that, or a combined value of another
 * shape, is a `config` failure naming the parameter and never showing the value.
 * Successful values are cached for `ttlMs` in this object, which the handler creates once per cold
 * start; failures are not cached, so a fixed parameter is picked up by the next run.
 */
export function createSsmCredentialSource(options: SsmCredentialSourceOptions = {}): CredentialSource {
  const client = options.client ?? new SSMClient({});
  const ttlMs = options.ttlMs ?? DEFAULT_CREDENTIALS_TTL_MS;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_SSM_TIMEOUT_MS;
  const cache = new Map<string, CachedCredentials>();

  const fresh = (account: AccountConfig, at: number): Credentials | undefined => {
    const id = cacheKey(account);
    const cached = cache.get(id);
    if (cached && at - cached.fetchedAt < ttlMs) return cached.credentials;
    cache.delete(id);
    return undefined;
  };

  const fetchBatch = async (names: readonly string[], into: Map<string, Fetched>): Promise<void> => {
    let parameters: Parameter[];
    const abortSignal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await client.send(
        new GetParametersCommand({ Names: [...names], WithDecryption: true }),
        { abortSignal },
      );
      parameters = response.Parameters ?? [];
    } catch (error) {
      const failure = abortSignal.aborted ? noAnswer(timeoutMs) : batchFailure(error);
      for (const name of names) into.set(name, failure);
      return;
    }
    for (const parameter of parameters) {
      if (parameter.Name === undefined || !names.includes(parameter.Name)) continue;
      const value = typeof parameter.Value === 'string' ? parameter.Value.trim() : '';
      into.set(parameter.Name, value.length === 0 ? EMPTY : value);
      if (parameter.Type !== 'SecureString') {
        options.warn?.('credential parameter is not a SecureString', {
          parameter: parameter.Name,
          type: parameter.Type ?? 'unknown',
        });
      }
    }
  };

  /** Every name's value or failure; a name SSM did not return is not found. */
  const fetchAll = async (names: readonly string[]): Promise<Map<string, Fetched>> => {
    const fetched = new Map<string, Fetched>();
    const unique = [...new Set(names)];
    await mapBounded(chunks(unique, SSM_BATCH_SIZE), SSM_CONCURRENCY, (batch) => fetchBatch(batch, fetched));
    for (const name of unique) if (!fetched.has(name)) fetched.set(name, NOT_FOUND);
    return fetched;
  };

  let lastLoadAt = Number.NEGATIVE_INFINITY;
  const load = async (
    accounts: readonly AccountConfig[],
  ): Promise<ReadonlyMap<string, Outcome<Credentials>>> => {
    const at = now();
    lastLoadAt = at;
    const result = new Map<string, Outcome<Credentials>>();
    const wanted = accounts.filter((account) => {
      const cached = fresh(account, at);
      if (cached) result.set(account.name, { ok: true, value: cached });
      return !cached;
    });
    if (wanted.length === 0) return result;

    const succeed = (account: AccountConfig, credentials: Credentials, fetchedAt: number): void => {
      cache.set(cacheKey(account), { credentials, fetchedAt });
      result.set(account.name, { ok: true, value: credentials });
    };

    // The combined parameter first: one decrypt per account that has it.
    const combined = await fetchAll(wanted.map((a) => a.credentialsParameter));
    const fetchedAt = now();
    const legacy: AccountConfig[] = [];
    for (const account of wanted) {
      const value = combined.get(account.credentialsParameter) ?? NOT_FOUND;
      if (value === NOT_FOUND) {
        legacy.push(account);
      } else if (typeof value === 'string') {
        const parsed = parseCombined(account.credentialsParameter, value);
        if (parsed.ok) succeed(account, parsed.value, fetchedAt);
        else result.set(account.name, parsed);
      } else {
        result.set(account.name, {
          ok: false,
          failure: describeFailures([[account.credentialsParameter, value]]),
        });
      }
    }
    if (legacy.length === 0) return result;

    // The two-parameter layout of deployed monitors, for accounts without the combined one.
    const pairs = await fetchAll(legacy.flatMap((a) => [a.keyParameter, a.hashParameter]));
    const pairsAt = now();
    for (const account of legacy) {
      const key = pairs.get(account.keyParameter) ?? NOT_FOUND;
      const hash = pairs.get(account.hashParameter) ?? NOT_FOUND;
      if (typeof key === 'string' && typeof hash === 'string') {
        succeed(account, { key, hash }, pairsAt);
        continue;
      }
      if (key === NOT_FOUND && hash === NOT_FOUND) {
        result.set(account.name, { ok: false, failure: noLayout(account) });
        continue;
      }
      const failed: Array<[string, NameFailure]> = [];
      if (typeof key !== 'string') failed.push([account.keyParameter, key]);
      if (typeof hash !== 'string' && account.hashParameter !== account.keyParameter)
        failed.push([account.hashParameter, hash]);
      result.set(account.name, { ok: false, failure: describeFailures(failed) });
    }
    return result;
  };

  return {
    load,
    async reload(account: AccountConfig): Promise<Outcome<Credentials>> {
      // Fetched by the latest load: already as fresh as SSM can make them.
      const cached = cache.get(cacheKey(account));
      if (cached && cached.fetchedAt >= lastLoadAt) return { ok: true, value: cached.credentials };
      cache.delete(cacheKey(account));
      return (
        (await load([account])).get(account.name) ?? {
          ok: false,
          failure: { kind: 'config', message: `no credentials were loaded for account ${account.name}` },
        }
      );
    },
  };
}

/** Accounts that name the same parameters share one cached entry. */
function cacheKey(account: AccountConfig): string {
  return [account.credentialsParameter, account.keyParameter, account.hashParameter].join('\n');
}

/** `{"key":"…","hash":"…"}`, both non-empty after trimming; a failure names the parameter, never the value. */
function parseCombined(parameter: string, value: string): Outcome<Credentials> {
  const shape = `SSM parameter ${parameter} must hold {"key":"…","hash":"…"}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // The parser's message quotes the text: it is not passed on.
    return { ok: false, failure: { kind: 'config', message: `${shape}; it is not JSON` } };
  }
  if (!isObject(parsed))
    return { ok: false, failure: { kind: 'config', message: `${shape}; it is not an object` } };
  const extra = Object.keys(parsed).filter((field) => field !== 'key' && field !== 'hash');
  if (extra.length > 0) {
    // Field names could be a pasted secret too: only their number is told.
    return {
      ok: false,
      failure: { kind: 'config', message: `${shape}; it has ${extra.length} other field(s)` },
    };
  }
  const problems: string[] = [];
  const field = (name: 'key' | 'hash'): string => {
    const raw = parsed[name];
    if (typeof raw !== 'string') {
      problems.push(`"${name}" is ${raw === undefined ? 'missing' : 'not a string'}`);
      return '';
    }
    const trimmed = raw.trim();
    if (trimmed.length === 0) problems.push(`"${name}" is empty (or only whitespace)`);
    return trimmed;
  };
  const key = field('key');
  const hash = field('hash');
  if (problems.length > 0) {
    return { ok: false, failure: { kind: 'config', message: `${shape}; ${problems.join(', ')}` } };
  }
  return { ok: true, value: { key, hash } };
}

/** Neither layout exists: name the combined parameter the credentials command writes, and the old pair. */
function noLayout(account: AccountConfig): Failure {
  const pair =
    account.keyParameter === account.hashParameter
      ? account.keyParameter
      : `${account.keyParameter}, ${account.hashParameter}`;
  return {
    kind: 'config',
    message: `SSM parameter ${account.credentialsParameter} not found (nor the two-parameter layout ${pair}); run npm run credentials -- ${account.name}`,
  };
}

function noAnswer(timeoutMs: number): NameFailure {
  return {
    kind: 'transient',
    explain: (names) =>
      `SSM GetParameters for ${listOf(names)} did not answer within ${timeoutMs} ms; the next run tries again`,
  };
}

/** Turns a failed GetParameters call into the failure of every name it asked for. */
function batchFailure(error: unknown): NameFailure {
  const name = awsErrorName(error);
  const detail = awsErrorMessage(error);
  if (name === 'AccessDeniedException' && /kms/i.test(detail)) {
    return {
      kind: 'config',
      explain: (names) =>
        `SSM could not decrypt ${listOf(names)} (${name} from KMS): the function's role lacks kms:Decrypt on the parameters' KMS key`,
    };
  }
  if (name === 'AccessDeniedException') {
    return {
      kind: 'config',
      explain: (names) =>
        `SSM denied reading ${listOf(names)} (${name}): the function's role lacks ssm:GetParameters on them or kms:Decrypt on their KMS key`,
    };
  }
  if (name === 'InvalidKeyId' || (/^kms/i.test(name) && !isTransientAwsError(error))) {
    return {
      kind: 'config',
      explain: (names) =>
        `SSM could not decrypt ${listOf(names)} (${name}): the parameters' KMS key is disabled, deleted or not usable`,
    };
  }
  if (name === 'CredentialsProviderError') {
    return { kind: 'config', explain: (names) => `no AWS credentials to read ${listOf(names)} from SSM` };
  }
  if (isTransientAwsError(error)) {
    return {
      kind: 'transient',
      explain: (names) => `SSM GetParameters for ${listOf(names)} failed: ${name}; the next run tries again`,
    };
  }
  return {
    kind: 'config',
    explain: (names) => `SSM GetParameters for ${listOf(names)} was refused: ${name}`,
  };
}

/** One failure per account: a config problem outranks a passing one, since waiting will not fix it. */
function describeFailures(failed: ReadonlyArray<readonly [string, NameFailure]>): Failure {
  const groups = new Map<NameFailure, string[]>();
  for (const [name, why] of failed) groups.set(why, [...(groups.get(why) ?? []), name]);
  const parts = [...groups].map(([why, names]) => ({ kind: why.kind, text: why.explain(names) }));
  const kind: FailureKind = parts.some((p) => p.kind === 'config') ? 'config' : 'transient';
  return { kind, message: parts.map((p) => p.text).join('; ') };
}

function listOf(names: readonly string[]): string {
  return names.join(', ');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
