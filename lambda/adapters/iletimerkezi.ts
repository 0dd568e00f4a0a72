import { DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_DEADLINE_MS } from '../core/config.js';
import type { BalanceReader } from '../core/ports.js';
import { createRedactor, type Redact, redactFailure } from '../core/redact.js';
import { type Balance, type Credentials, type Failure, fail, failure, type Outcome } from '../core/types.js';
import { isRetryable, oversizedResponse, parseBalanceResponse } from './iletimerkezi-response.js';

/** The get-balance endpoint; the configured base URL is an origin and this path is always appended. */
export const BALANCE_PATH = '/v1/get-balance/json';

export interface ClientOptions {
  /** One HTTP attempt, headers and body included, ends after this long. */
  attemptTimeoutMs?: number;
  /** All attempts together end by this long after the call. */
  deadlineMs?: number;
  maxAttempts?: number;
  /** Backoff before retry n (1-based) is a random wait in [0, backoffBaseMs · 2^(n-1)]. */
  backoffBaseMs?: number;
  /** Longest wait a Retry-After header can ask for. */
  retryAfterCapMs?: number;
  /** A larger body is not read to its end. */
  maxBodyBytes?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  fetch?: typeof fetch;
}

export const CLIENT_DEFAULTS = {
  attemptTimeoutMs: DEFAULT_ATTEMPT_TIMEOUT_MS,
  deadlineMs: DEFAULT_DEADLINE_MS,
  maxAttempts: 3,
  backoffBaseMs: 250,
  retryAfterCapMs: 5_000,
  maxBodyBytes: 64 * 1024,
} as const;

/** An attempt with less time than this left would only time out. */
const MIN_ATTEMPT_MS = 100;

type Settings = Required<ClientOptions>;

function settingsOf(options: ClientOptions = {}): Settings {
  return {
    attemptTimeoutMs: options.attemptTimeoutMs ?? CLIENT_DEFAULTS.attemptTimeoutMs,
    deadlineMs: options.deadlineMs ?? CLIENT_DEFAULTS.deadlineMs,
    maxAttempts: Math.max(1, options.maxAttempts ?? CLIENT_DEFAULTS.maxAttempts),
    backoffBaseMs: options.backoffBaseMs ?? CLIENT_DEFAULTS.backoffBaseMs,
    retryAfterCapMs: options.retryAfterCapMs ?? CLIENT_DEFAULTS.retryAfterCapMs,
    maxBodyBytes: options.maxBodyBytes ?? CLIENT_DEFAULTS.maxBodyBytes,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
    fetch: options.fetch ?? globalThis.fetch,
  };
}

/** The port the orchestration uses; the deadline is the earlier of its own and the caller's. */
export function createBalanceReader(options: ClientOptions = {}): BalanceReader {
  return {
    read: (account, credentials, deadlineAt) =>
      getBalance(account.baseUrl, credentials, { ...options, deadlineAt }),
  };
}

/**
 * Reads the balance, retrying transient failures with backoff and full jitter until `maxAttempts`
 * or the deadline, whichever comes first. Never throws, and no failure message holds the key or
 * the hash, even when the server echoes them back.
 */
export async function getBalance(
  baseUrl: string,
  credentials: Credentials,
  options: ClientOptions & { deadlineAt?: number } = {},
): Promise<Outcome<Balance>> {
  const redact = createRedactor([credentials.key, credentials.hash]);
  try {
    const outcome = await readWithRetries(
      baseUrl,
      credentials,
      settingsOf(options),
      options.deadlineAt,
      redact,
    );
    return outcome.ok ? outcome : fail(redactFailure(outcome.failure, redact));
  } catch {
    // Only an injected fetch or clock can get here; its words are not ours to repeat.
    return fail(failure('transient', 'unexpected client error'));
  }
}

async function readWithRetries(
  baseUrl: string,
  credentials: Credentials,
  s: Settings,
  deadlineAt: number | undefined,
  redact: Redact,
): Promise<Outcome<Balance>> {
  const url = endpointOf(baseUrl);
  if (url === undefined) return fail(failure('config', 'base URL is not an http(s) origin'));
  const start = s.now();
  const deadline = Math.min(start + s.deadlineMs, deadlineAt ?? Number.POSITIVE_INFINITY);
  const body = JSON.stringify({
    request: { authentication: { key: credentials.key, hash: credentials.hash } },
  });

  const shortest = Math.min(MIN_ATTEMPT_MS, s.attemptTimeoutMs);
  let last: Failure = failure('transient', 'no time left before the deadline');
  for (let attempt = 1; attempt <= s.maxAttempts; attempt++) {
    const remaining = deadline - s.now();
    if (remaining < shortest) return fail(last);
    const result = await attemptOnce(url, body, s, Math.min(s.attemptTimeoutMs, remaining), redact);
    if (result.outcome.ok || !isRetryable(result.outcome.failure) || result.final) return result.outcome;
    last = result.outcome.failure;
    if (attempt === s.maxAttempts) break;
    const wait = result.retryAfterMs ?? backoff(attempt, s);
    // Never sleep into the deadline: if the next attempt cannot fit, the last failure stands.
    if (deadline - s.now() - wait < shortest) break;
    if (wait > 0) await s.sleep(wait);
  }
  return fail(last);
}

function backoff(attempt: number, s: Settings): number {
  return Math.floor(s.random() * s.backoffBaseMs * 2 ** (attempt - 1));
}

interface Attempt {
  readonly outcome: Outcome<Balance>;
  /** The wait a 429 or 503 asked for, capped. */
  readonly retryAfterMs?: number;
  /** Transient, but not worth another attempt in this call. */
  readonly final?: boolean;
}

async function attemptOnce(
  url: string,
  body: string,
  s: Settings,
  timeoutMs: number,
  redact: Redact,
): Promise<Attempt> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  let phase: 'connect' | 'body' = 'connect';
  try {
    const response = await s.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body,
      signal: controller.signal,
      // A redirect would carry the credentials to another address; a 3xx is reported instead.
      redirect: 'manual',
    });
    phase = 'body';
    const text = await readCapped(response, s.maxBodyBytes);
    if (text === undefined) {
      controller.abort();
      return { outcome: fail(oversizedResponse(response.status, s.maxBodyBytes)) };
    }
    const outcome = parseBalanceResponse(response.status, text, redact);
    const retryAfter =
      response.status === 429 || response.status === 503
        ? retryAfterMs(response.headers.get('retry-after'), s.now(), s.retryAfterCapMs)
        : undefined;
    return retryAfter === undefined ? { outcome } : { outcome, retryAfterMs: retryAfter };
  } catch (error) {
    const message = timedOut ? `timeout after ${timeoutMs} ms` : networkMessage(error, phase);
    const code = timedOut ? undefined : errorCode(error);
    // A certificate does not change within seconds: the next run tries again, not this one.
    const final = code !== undefined && certificateMessage(code) !== undefined;
    return { outcome: fail(failure('transient', message)), ...(final ? { final } : {}) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The body as text, or undefined once it passes `limit` bytes: reading stops there, so a 10 MB
 * answer costs 64 KiB of memory, not 10 MB.
 */
async function readCapped(response: Response, limit: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** Retry-After in seconds or as an HTTP date, capped; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number, capMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  let ms: number;
  if (/^\d+$/.test(value)) {
    ms = Number(value) * 1000;
  } else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), capMs);
}

function endpointOf(baseUrl: string): string | undefined {
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return `${url.origin}${BALANCE_PATH}`;
  } catch {
    return undefined;
  }
}

/** Certificate problems a TLS-intercepting proxy (or a self-signed test server) causes. */
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
const OUT_OF_DATE_CERTIFICATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * What went wrong with the server's certificate, or undefined when it was not that. Node refuses
 * the certificate during the handshake, before a byte of the request (and so the key and hash)
 * is written.
 */
function certificateMessage(code: string): string | undefined {
  if (UNTRUSTED_CERTIFICATE.has(code)) {
    return `certificate: ${code} (not signed by an authority this machine trusts; behind a TLS-intercepting proxy, give Node its CA with NODE_EXTRA_CA_CERTS)`;
  }
  if (OUT_OF_DATE_CERTIFICATE.has(code))
    return `certificate: ${code} (outside its validity dates; check this machine's clock)`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `certificate: ${code} (issued for another host name)`;
  if (/^(?:ERR_SSL_|ERR_TLS_)[A-Z0-9_]+$/.test(code)) return `TLS handshake failed: ${code}`;
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** fetch's own errors hold URLs and stack-ish detail; only a short, neutral text is kept. */
function networkMessage(error: unknown, phase: 'connect' | 'body'): string {
  const code = errorCode(error);
  const where = phase === 'body' ? ' while reading the response' : '';
  if (code === undefined) return `network error${where}`;
  if (/^E[A-Z]{2,}$/.test(code)) return `network error: ${code}${where}`;
  if (code === 'UND_ERR_SOCKET') return `network error: connection closed by the server${where}`;
  if (/^UND_ERR_[A-Z_]+$/.test(code)) return `network error: ${code}${where}`;
  return certificateMessage(code) ?? `network error${where}`;
}
