import { isObject, parseJson } from '../core/json.js';
import { type Balance, type Failure, fail, failure, type Outcome, succeed } from '../core/types.js';

/**
 * Turns one get-balance answer (HTTP status + body text) into a balance or a typed failure.
 * Pure: the client (iletimerkezi.ts) does the I/O, the retries and the redaction of secrets.
 *
 * Rules, from the provider's notes:
 * - `response.status.code` mirrors the HTTP status, but both are read: a 401 inside an HTTP 200 is
 *   an authentication failure, and a 401 in the body wins over any HTTP status.
 * - 401 → `auth`. 400, 404, 422, other 4xx and 3xx → `config`: our request or base URL is wrong,
 *   and sending it again changes nothing.
 * - 402 ("Bakiye yetersiz", listed for the API in general) → `config`: retrying cannot fix it, a
 *   person has to act, and `config` is told at once, where `invalid-response` would wait for several
 *   failures in a row. It is never turned into a balance of zero: we do not know the balance.
 * - 408, 425, 429 and every 5xx → `transient`; so is a non-JSON body (an HTML page from a proxy) on
 *   a 2xx or 5xx. A non-JSON 4xx keeps its 4xx meaning: a wrong base URL answers with an HTML 404.
 * - A JSON answer that says 200 but does not carry a valid balance → `invalid-response`.
 */

/** Longest part of the provider's own `status.message` quoted in a failure message. */
export const PROVIDER_MESSAGE_MAX = 80;

/** Largest magnitude accepted for `amount` and `sms`: beyond it a double is no longer exact. */
const LARGEST = Number.MAX_SAFE_INTEGER;

/** The old spec's shape: a plain decimal numeral. No sign but minus, no exponent, no spaces. */
const DECIMAL_NUMERAL = /^-?\d+(\.\d+)?$/;
/** `sms` as a string: a whole number, optionally written with zero decimals ("134.0000"). */
const INTEGER_NUMERAL = /^-?\d+(\.0+)?$/;
const STATUS_NUMERAL = /^\d{3}$/;

/** Only transient failures are worth another attempt; every other kind needs a person. */
export function isRetryable(f: Failure): boolean {
  return f.kind === 'transient';
}

/**
 * `redact` is applied to any text taken from the body before it is shortened, so a secret the
 * server echoes back is masked whole, never cut in half where the mask would miss it.
 */
export function parseBalanceResponse(
  httpStatus: number,
  body: string,
  redact: (text: string) => string = (text) => text,
): Outcome<Balance> {
  const document = parseJson(body);
  const response = isObject(document) ? document.response : undefined;
  const status = isObject(response) ? response.status : undefined;
  const bodyCode = isObject(status) ? statusCode(status.code) : undefined;
  const providerMessage =
    isObject(status) && typeof status.message === 'string' ? quote(redact(status.message)) : '';
  const http = `HTTP ${httpStatus}`;

  if (bodyCode === 401 && httpStatus !== 401) {
    return fail(failure('auth', `${http} with status 401: ${REASONS.auth}${providerMessage}`, 401));
  }
  if (httpStatus < 200 || httpStatus > 299) {
    const detail = document === undefined && body.trim() !== '' ? ' (non-JSON body)' : providerMessage;
    return fail(errorStatus(httpStatus, http, detail));
  }
  if (document === undefined) {
    return fail(failure('transient', `${http}: ${REASONS.notJson}`, httpStatus));
  }
  if (!isObject(response))
    return fail(failure('invalid-response', `${http}: ${REASONS.noResponse}`, httpStatus));
  if (bodyCode === undefined)
    return fail(failure('invalid-response', `${http}: ${REASONS.noStatus}`, httpStatus));
  if (bodyCode !== 200)
    return fail(errorStatus(bodyCode, `${http} with status ${bodyCode}`, providerMessage));
  return parseBalance(response.balance, http, redact);
}

/**
 * The failure for a body the client stopped reading at its size cap. A 5xx or 429 is transient
 * whatever its body; any other oversized answer is not a balance, and fetching it again would only
 * download another oversized body, so it is an `invalid-response` and not retried.
 */
export function oversizedResponse(httpStatus: number, limitBytes: number): Failure {
  const http = `HTTP ${httpStatus}`;
  const detail = ` (body over ${limitBytes} bytes not read)`;
  if (httpStatus >= 200 && httpStatus <= 299) {
    return failure('invalid-response', `${http}: response body over ${limitBytes} bytes`, httpStatus);
  }
  return errorStatus(httpStatus, http, detail);
}

const REASONS = {
  auth: 'authentication failed',
  notJson: 'response is not JSON',
  noResponse: 'response has no "response" object',
  noStatus: 'response has no status code',
} as const;

function errorStatus(code: number, prefix: string, detail: string): Failure {
  const { kind, reason } = classify(code);
  return failure(kind, `${prefix}: ${reason}${detail}`, code);
}

function classify(code: number): { kind: Failure['kind']; reason: string } {
  switch (code) {
    case 400:
      return { kind: 'config', reason: 'request could not be parsed' };
    case 401:
      return { kind: 'auth', reason: REASONS.auth };
    case 402:
      return { kind: 'config', reason: 'provider reports insufficient balance' };
    case 404:
      return { kind: 'config', reason: 'endpoint or method not found (check the base URL)' };
    case 422:
      return { kind: 'config', reason: 'request values failed validation' };
    case 408:
    case 425:
      return { kind: 'transient', reason: 'provider timed out' };
    case 429:
      return { kind: 'transient', reason: 'rate limited' };
    case 503:
      return { kind: 'transient', reason: 'provider temporarily unavailable' };
  }
  if (code >= 500 && code <= 599) return { kind: 'transient', reason: 'provider error' };
  if (code >= 400 && code <= 499) return { kind: 'config', reason: 'request rejected' };
  if (code >= 300 && code <= 399)
    return { kind: 'config', reason: 'redirect not followed (check the base URL)' };
  return { kind: 'invalid-response', reason: 'unexpected status' };
}

function parseBalance(balance: unknown, http: string, redact: (text: string) => string): Outcome<Balance> {
  if (!isObject(balance)) {
    return fail(failure('invalid-response', `${http}: response has no balance`, 200));
  }
  const amount = balanceAmount(balance.amount);
  if (amount === undefined) {
    return fail(
      failure(
        'invalid-response',
        `${http}: balance amount is not a number (${shape(balance.amount, redact)})`,
        200,
      ),
    );
  }
  const sms = smsCount(balance.sms);
  if (sms === undefined) {
    return fail(
      failure(
        'invalid-response',
        `${http}: balance sms is not a whole number (${shape(balance.sms, redact)})`,
        200,
      ),
    );
  }
  return succeed({ amount, sms });
}

/**
 * A number, or a plain decimal numeral from the old spec. Negative values are kept: an overdrawn
 * account is real news and reaches every threshold, where rejecting it would hide it as a failure.
 */
export function balanceAmount(value: unknown): number | undefined {
  const n = typeof value === 'string' && DECIMAL_NUMERAL.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || Math.abs(n) > LARGEST) return undefined;
  return n + 0; // -0 → 0
}

/** A whole number, or a whole-number numeral ("18343", "134.0000"), within the exact range. */
export function smsCount(value: unknown): number | undefined {
  const n = typeof value === 'string' && INTEGER_NUMERAL.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) return undefined;
  return n + 0;
}

function statusCode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && STATUS_NUMERAL.test(value)) return Number(value);
  return undefined;
}

/** The provider's own words, one line, bounded: they help a person, but must not flood a log line. */
function quote(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const oneLine = message.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  if (oneLine === '') return '';
  const chars = [...oneLine];
  const text =
    chars.length > PROVIDER_MESSAGE_MAX ? `${chars.slice(0, PROVIDER_MESSAGE_MAX).join('')}…` : oneLine;
  return ` (${text})`;
}

/** Names what came instead of a number, without quoting it: it may be anything the server sent. */
function shape(value: unknown, redact: (text: string) => string): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 20 ? 'a long string' : JSON.stringify(redact(value));
  if (typeof value === 'number') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}
