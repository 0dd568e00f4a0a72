import { GetParametersCommand, type Parameter, SSMClient } from '@aws-sdk/client-ssm';
import type { AccountConfig } from '../core/config.js';
import type { CredentialSource } from '../core/ports.js';
import type { Credentials, Failure, FailureKind, Outcome } from '../core/types.js';
import { awsErrorMessage, awsErrorName, isTransientAwsError } from './aws-error.js';

/** GetParameters accepts at most 10 names per call. */
export const SSM_BATCH_SIZE = 10;
export const DEFAULT_CREDENTIALS_TTL_MS = 5 * 60_000;
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

interface CachedValue {
  readonly value: string;
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

const NO_VALUE: NameFailure = {
  kind: 'config',
  explain: (names) => `SSM returned no value for ${listOf(names)}`,
};

/**
 * Credentials from SSM Parameter Store: each account's key and hash are SecureString parameters,
 * fetched for all accounts at once with GetParameters (10 names a call) and decrypted by SSM.
 * Successful values are cached for `ttlMs` in this object, which the handler creates once per cold
 * start; failures are not cached, so a fixed parameter is picked up by the next run.
 */
export function createSsmCredentialSource(options: SsmCredentialSourceOptions = {}): CredentialSource {
  const client = options.client ?? new SSMClient({});
  const ttlMs = options.ttlMs ?? DEFAULT_CREDENTIALS_TTL_MS;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_SSM_TIMEOUT_MS;
  const cache = new Map<string, CachedValue>();

  const fresh = (name: string, at: number): string | undefined => {
    const cached = cache.get(name);
    if (cached && at - cached.fetchedAt < ttlMs) return cached.value;
    cache.delete(name);
    return undefined;
  };

  const fetchBatch = async (names: readonly string[], failures: Map<string, NameFailure>): Promise<void> => {
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
      for (const name of names) failures.set(name, failure);
      return;
    }
    const fetchedAt = now();
    for (const parameter of parameters) {
      if (parameter.Name === undefined || !names.includes(parameter.Name)) continue;
      if (typeof parameter.Value !== 'string' || parameter.Value.length === 0) {
        failures.set(parameter.Name, NO_VALUE);
        continue;
      }
      cache.set(parameter.Name, { value: parameter.Value, fetchedAt });
      if (parameter.Type !== 'SecureString') {
        options.warn?.('credential parameter is not a SecureString', {
          parameter: parameter.Name,
          type: parameter.Type ?? 'unknown',
        });
      }
    }
  };

  return {
    async load(accounts: readonly AccountConfig[]): Promise<ReadonlyMap<string, Outcome<Credentials>>> {
      const at = now();
      const wanted = [...new Set(accounts.flatMap((a) => [a.keyParameter, a.hashParameter]))];
      const missing = wanted.filter((name) => fresh(name, at) === undefined);
      const failures = new Map<string, NameFailure>();
      await Promise.all(chunks(missing, SSM_BATCH_SIZE).map((batch) => fetchBatch(batch, failures)));

      const lookup = (name: string): string | NameFailure => {
        const cached = cache.get(name);
        if (cached) return cached.value;
        return failures.get(name) ?? NOT_FOUND;
      };

      const result = new Map<string, Outcome<Credentials>>();
      for (const account of accounts) {
        const key = lookup(account.keyParameter);
        const hash = lookup(account.hashParameter);
        if (typeof key === 'string' && typeof hash === 'string') {
          result.set(account.name, { ok: true, value: { key, hash } });
          continue;
        }
        const failed: Array<[string, NameFailure]> = [];
        if (typeof key !== 'string') failed.push([account.keyParameter, key]);
        if (typeof hash !== 'string' && account.hashParameter !== account.keyParameter)
          failed.push([account.hashParameter, hash]);
        result.set(account.name, { ok: false, failure: describeFailures(failed) });
      }
      return result;
    },
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
