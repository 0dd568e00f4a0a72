import { describe, expect, it } from 'vitest';
import {
  balanceAmount,
  isRetryable,
  oversizedResponse,
  parseBalanceResponse,
  smsCount,
} from '../../lambda/adapters/iletimerkezi-response.js';
import { failure } from '../../lambda/core/types.js';

function statusBody(code: number | string, message = 'mesaj'): string {
  return JSON.stringify({ response: { status: { code, message } } });
}

function balanceBody(balance: unknown): string {
  return JSON.stringify({ response: { status: { code: 200, message: 'İşlem başarılı' }, balance } });
}

function failureOf(httpStatus: number, body: string) {
  const outcome = parseBalanceResponse(httpStatus, body);
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.failure;
}

describe('parseBalanceResponse: success', () => {
  it('reads the live shape: amount a number, sms an integer', () => {
    expect(parseBalanceResponse(200, balanceBody({ amount: 10.584, sms: 67 }))).toEqual({
      ok: true,
      value: { amount: 10.584, sms: 67 },
    });
  });

  it.each([
    [
      { amount: '100.50', sms: '18343' },
      { amount: 100.5, sms: 18343 },
    ],
    [
      { amount: '134.0000', sms: '134.0000' },
      { amount: 134, sms: 134 },
    ],
    [
      { amount: '0', sms: '0' },
      { amount: 0, sms: 0 },
    ],
  ])('reads the old spec’s decimal strings %j', (balance, expected) => {
    expect(parseBalanceResponse(200, balanceBody(balance))).toEqual({ ok: true, value: expected });
  });

  it('reads a zero balance as zero, since a balance can be empty', () => {
    expect(parseBalanceResponse(200, balanceBody({ amount: 0, sms: 0 }))).toEqual({
      ok: true,
      value: { amount: 0, sms: 0 },
    });
  });

  it('keeps a negative (overdrawn) balance, which reaches every threshold', () => {
    expect(parseBalanceResponse(200, balanceBody({ amount: -3.5, sms: '-2' }))).toEqual({
      ok: true,
      value: { amount: -3.5, sms: -2 },
    });
  });

  it('accepts a status code written as a string, as older answers did', () => {
    const body = JSON.stringify({ response: { status: { code: '200' }, balance: { amount: 1, sms: 2 } } });
    expect(parseBalanceResponse(200, body)).toEqual({ ok: true, value: { amount: 1, sms: 2 } });
  });

  it('ignores fields it does not use', () => {
    const body = JSON.stringify({
      response: { status: { code: 200 }, balance: { amount: 5, sms: 1, currency: 'TRY' }, extra: true },
    });
    expect(parseBalanceResponse(200, body)).toEqual({ ok: true, value: { amount: 5, sms: 1 } });
  });
});

describe('parseBalanceResponse: the provider’s status codes', () => {
  it.each([
    [400, 'config', 'HTTP 400: request could not be parsed (mesaj)'],
    [401, 'auth', 'HTTP 401: authentication failed (mesaj)'],
    [402, 'config', 'HTTP 402: provider reports insufficient balance (mesaj)'],
    [404, 'config', 'HTTP 404: endpoint or method not found (check the base URL) (mesaj)'],
    [422, 'config', 'HTTP 422: request values failed validation (mesaj)'],
    [429, 'transient', 'HTTP 429: rate limited (mesaj)'],
    [500, 'transient', 'HTTP 500: provider error (mesaj)'],
    [503, 'transient', 'HTTP 503: provider temporarily unavailable (mesaj)'],
  ] as const)('HTTP %i with its JSON status is a %s failure', (code, kind, message) => {
    expect(failureOf(code, statusBody(code))).toEqual(failure(kind, message, code));
  });

  it('treats a 401 inside an HTTP 200 as an authentication failure', () => {
    expect(failureOf(200, statusBody(401, 'Üyelik bilgileri hatalı'))).toEqual(
      failure('auth', 'HTTP 200 with status 401: authentication failed (Üyelik bilgileri hatalı)', 401),
    );
  });

  it('lets a 401 in the body win over a 5xx HTTP status', () => {
    expect(failureOf(500, statusBody(401)).kind).toBe('auth');
  });

  it('treats a 503 inside an HTTP 200 as transient', () => {
    expect(failureOf(200, statusBody(503))).toEqual(
      failure('transient', 'HTTP 200 with status 503: provider temporarily unavailable (mesaj)', 503),
    );
  });

  it('treats a 400 inside an HTTP 200 as a configuration failure', () => {
    expect(failureOf(200, statusBody('400')).kind).toBe('config');
  });

  it('reports a redirect instead of following it, as a configuration failure', () => {
    expect(failureOf(301, '')).toEqual(
      failure('config', 'HTTP 301: redirect not followed (check the base URL)', 301),
    );
  });

  it('treats an unlisted 4xx as a configuration failure', () => {
    expect(failureOf(403, '').kind).toBe('config');
  });

  it('treats a 2xx status code in the body other than 200 as unexpected', () => {
    expect(failureOf(200, statusBody(204)).kind).toBe('invalid-response');
  });
});

describe('parseBalanceResponse: bodies that are not the provider’s JSON', () => {
  it('treats an HTML 503 from a proxy as transient and says the body was not JSON', () => {
    expect(failureOf(503, '<html><body>Service Unavailable</body></html>')).toEqual(
      failure('transient', 'HTTP 503: provider temporarily unavailable (non-JSON body)', 503),
    );
  });

  it('treats an HTML 500 as transient', () => {
    expect(failureOf(500, '<html></html>').kind).toBe('transient');
  });

  it('treats a non-JSON body on HTTP 200 as transient', () => {
    expect(failureOf(200, '<html>maintenance</html>')).toEqual(
      failure('transient', 'HTTP 200: response is not JSON', 200),
    );
  });

  it('treats a truncated JSON body on HTTP 200 as transient', () => {
    expect(failureOf(200, '{"response":{"status":{"code":200').kind).toBe('transient');
  });

  it('keeps a 404 a configuration failure even with an HTML body, as a wrong base URL answers', () => {
    expect(failureOf(404, '<html>Not Found</html>')).toEqual(
      failure('config', 'HTTP 404: endpoint or method not found (check the base URL) (non-JSON body)', 404),
    );
  });

  it('treats an empty body on HTTP 200 as transient', () => {
    expect(failureOf(200, '').kind).toBe('transient');
  });

  it.each([['null'], ['[]'], ['42'], ['"text"'], ['{}'], ['{"response":null}'], ['{"response":[]}']])(
    'treats the JSON %s on HTTP 200 as an invalid response',
    (body) => {
      expect(failureOf(200, body).kind).toBe('invalid-response');
    },
  );

  it('treats a response without a status code as an invalid response', () => {
    expect(failureOf(200, JSON.stringify({ response: { balance: { amount: 1, sms: 1 } } }))).toEqual(
      failure('invalid-response', 'HTTP 200: response has no status code', 200),
    );
  });
});

describe('parseBalanceResponse: balances that are not balances', () => {
  it('treats a missing balance as an invalid response, never as zero', () => {
    expect(failureOf(200, statusBody(200))).toEqual(
      failure('invalid-response', 'HTTP 200: response has no balance', 200),
    );
  });

  it.each([
    [{ sms: 1 }, 'HTTP 200: balance amount is not a number (missing)'],
    [{ amount: null, sms: 1 }, 'HTTP 200: balance amount is not a number (null)'],
    [{ amount: 'abc', sms: 1 }, 'HTTP 200: balance amount is not a number ("abc")'],
    [{ amount: '', sms: 1 }, 'HTTP 200: balance amount is not a number ("")'],
    [{ amount: ' 1', sms: 1 }, 'HTTP 200: balance amount is not a number (" 1")'],
    [{ amount: '1e3', sms: 1 }, 'HTTP 200: balance amount is not a number ("1e3")'],
    [{ amount: '+1', sms: 1 }, 'HTTP 200: balance amount is not a number ("+1")'],
    [{ amount: '1,5', sms: 1 }, 'HTTP 200: balance amount is not a number ("1,5")'],
    [{ amount: 'NaN', sms: 1 }, 'HTTP 200: balance amount is not a number ("NaN")'],
    [{ amount: 'Infinity', sms: 1 }, 'HTTP 200: balance amount is not a number ("Infinity")'],
    [{ amount: true, sms: 1 }, 'HTTP 200: balance amount is not a number (boolean)'],
    [{ amount: [1], sms: 1 }, 'HTTP 200: balance amount is not a number (an array)'],
    [{ amount: { v: 1 }, sms: 1 }, 'HTTP 200: balance amount is not a number (an object)'],
    [{ amount: 1e300, sms: 1 }, 'HTTP 200: balance amount is not a number (1e+300)'],
    [{ amount: 1 }, 'HTTP 200: balance sms is not a whole number (missing)'],
    [{ amount: 1, sms: null }, 'HTTP 200: balance sms is not a whole number (null)'],
    [{ amount: 1, sms: 1.5 }, 'HTTP 200: balance sms is not a whole number (1.5)'],
    [{ amount: 1, sms: '1.5' }, 'HTTP 200: balance sms is not a whole number ("1.5")'],
    [{ amount: 1, sms: 2 ** 53 }, 'HTTP 200: balance sms is not a whole number (9007199254740992)'],
    [{ amount: 1, sms: 'many' }, 'HTTP 200: balance sms is not a whole number ("many")'],
  ])('rejects the balance %j', (balance, message) => {
    expect(failureOf(200, balanceBody(balance))).toEqual(failure('invalid-response', message, 200));
  });

  it('rejects a balance that is an array', () => {
    expect(failureOf(200, balanceBody([10, 5])).kind).toBe('invalid-response');
  });

  it('rejects an amount whose digits overflow a double', () => {
    const body = `{"response":{"status":{"code":200},"balance":{"amount":${'9'.repeat(400)},"sms":1}}}`;
    expect(failureOf(200, body).kind).toBe('invalid-response');
  });

  it('does not quote a long string it was sent instead of a number', () => {
    const message = failureOf(200, balanceBody({ amount: 'x'.repeat(500), sms: 1 })).message;
    expect(message).toBe('HTTP 200: balance amount is not a number (a long string)');
  });
});

describe('parseBalanceResponse: the provider’s own message', () => {
  it('is cut to 80 characters', () => {
    const message = failureOf(401, statusBody(401, 'ş'.repeat(200))).message;
    expect(message).toBe(`HTTP 401: authentication failed (${'ş'.repeat(80)}…)`);
  });

  it('is put on one line', () => {
    expect(failureOf(503, statusBody(503, 'a\nb\r\n\tc')).message).toBe(
      'HTTP 503: provider temporarily unavailable (a b c)',
    );
  });

  it('passes through the redaction before it is cut, so a secret at the cut is masked whole', () => {
    const secret = 'abcdef0123456789abcdef0123456789';
    const body = statusBody(401, `${'x'.repeat(70)}${secret}`);
    const outcome = parseBalanceResponse(401, body, (text) => text.replaceAll(secret, '***'));
    expect(outcome).toEqual({
      ok: false,
      failure: failure('auth', `HTTP 401: authentication failed (${'x'.repeat(70)}***)`, 401),
    });
  });

  it('is left out when it is not a string', () => {
    expect(
      failureOf(401, JSON.stringify({ response: { status: { code: 401, message: { a: 1 } } } })).message,
    ).toBe('HTTP 401: authentication failed');
  });
});

describe('balance fields', () => {
  it.each([
    [10.584, 10.584],
    ['100.50', 100.5],
    ['-0', 0],
    [-0, 0],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ])('an amount of %j reads as %j', (value, expected) => {
    expect(Object.is(balanceAmount(value), expected)).toBe(true);
  });

  it.each([
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [Number.MAX_SAFE_INTEGER + 2],
    ['0x10'],
    ['.5'],
    ['5.'],
  ])('an amount of %j is not an amount', (value) => {
    expect(balanceAmount(value)).toBeUndefined();
  });

  it.each([[67], ['18343'], ['134.0000'], [-1]])('an sms count of %j is whole', (value) => {
    expect(smsCount(value)).toBeTypeOf('number');
  });

  it.each([[0.5], ['0.5'], [Number.NaN], ['1e2'], [null]])('an sms count of %j is not a count', (value) => {
    expect(smsCount(value)).toBeUndefined();
  });
});

describe('oversizedResponse', () => {
  it('is an invalid response on HTTP 200', () => {
    expect(oversizedResponse(200, 65536)).toEqual(
      failure('invalid-response', 'HTTP 200: response body over 65536 bytes', 200),
    );
  });

  it('stays transient on a 503, whose body does not matter', () => {
    expect(oversizedResponse(503, 1024)).toEqual(
      failure('transient', 'HTTP 503: provider temporarily unavailable (body over 1024 bytes not read)', 503),
    );
  });
});

describe('isRetryable', () => {
  it.each([
    ['transient', true],
    ['auth', false],
    ['config', false],
    ['invalid-response', false],
  ] as const)('a %s failure is retried: %s', (kind, expected) => {
    expect(isRetryable(failure(kind, 'x'))).toBe(expected);
  });
});
