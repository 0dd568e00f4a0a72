import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBalanceReader, getBalance, retryAfterMs } from '../../lambda/adapters/iletimerkezi.js';
import type { AccountConfig } from '../../lambda/core/config.js';
import { DEFAULT_POLICY } from '../../lambda/core/config.js';
import type { Balance, Credentials, Failure, Outcome } from '../../lambda/core/types.js';
import { type ProviderServer, startProviderServer } from '../../support/provider-server.js';

const CREDENTIALS: Credentials = {
  key: '5f2b9c0e7d1a4b3c8e6f0a9d2c4b6e8f',
  hash: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
};

/** A clock that only moves when the client sleeps, so waits are asserted exactly, not timed. */
function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

let server: ProviderServer;

beforeAll(async () => {
  server = await startProviderServer({ credentials: CREDENTIALS, balance: { amount: 10.584, sms: 67 } });
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  server.requests.length = 0;
  server.setDefault({ kind: 'contract' });
  server.setBalance({ amount: 10.584, sms: 67 });
});

/** Fast settings for a local server: no real waits between attempts. */
function read(options: Parameters<typeof getBalance>[2] = {}, credentials = CREDENTIALS) {
  const clock = fakeClock();
  return getBalance(server.origin, credentials, {
    attemptTimeoutMs: 1_000,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...options,
  });
}

function failureOf(outcome: Outcome<Balance>): Failure {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.failure;
}

describe('the request', () => {
  it('is a POST to /v1/get-balance/json on the base URL', async () => {
    await read();
    expect(server.requests.map((r) => [r.method, r.path])).toEqual([['POST', '/v1/get-balance/json']]);
  });

  it('sends JSON and asks for JSON', async () => {
    await read();
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(server.requests[0]?.headers.accept).toBe('application/json');
  });

  it('carries exactly the authentication block as its body', async () => {
    await read();
    expect(server.requests[0]?.rawBody).toBe(
      `{"request":{"authentication":{"key":"${CREDENTIALS.key}","hash":"${CREDENTIALS.hash}"}}}`,
    );
  });

  it('appends the path to an origin given with a trailing slash only once', async () => {
    await getBalance(`${server.origin}/`, CREDENTIALS);
    expect(server.requests[0]?.path).toBe('/v1/get-balance/json');
  });
});

describe('a successful check', () => {
  it('returns the live API’s numbers', async () => {
    expect(await read()).toEqual({ ok: true, value: { amount: 10.584, sms: 67 } });
  });

  it('returns the old spec’s decimal strings as numbers', async () => {
    server.setBalance({ amount: '100.50', sms: '18343' });
    expect(await read()).toEqual({ ok: true, value: { amount: 100.5, sms: 18343 } });
  });

  it('waits for a slow answer that arrives within the attempt timeout', async () => {
    server.enqueue({ kind: 'delay', ms: 50 });
    expect(await read()).toEqual({ ok: true, value: { amount: 10.584, sms: 67 } });
  });
});

describe('failures that are not retried', () => {
  it.each([
    [400, 'config'],
    [401, 'auth'],
    [402, 'config'],
    [404, 'config'],
    [422, 'config'],
  ] as const)('HTTP %i is a %s failure after exactly one request', async (code, kind) => {
    server.setDefault({ kind: 'status', code });
    const f = failureOf(await read());
    expect([f.kind, f.status, server.requests.length]).toEqual([kind, code, 1]);
  });

  it('a 401 inside an HTTP 200 is an authentication failure after one request', async () => {
    server.setDefault({ kind: 'status', code: 401, httpStatus: 200 });
    const f = failureOf(await read());
    expect([f.kind, f.status, server.requests.length]).toEqual(['auth', 401, 1]);
  });

  it('wrong credentials get the provider’s own 401', async () => {
    const f = failureOf(await read({}, { key: 'deadbeef', hash: 'cafebabe' }));
    expect(f).toEqual({
      kind: 'auth',
      status: 401,
      message: 'HTTP 401: authentication failed (Üyelik bilgileri hatalı)',
    });
  });

  it('a missing balance is an invalid response, not a zero balance', async () => {
    server.setDefault({ kind: 'missing-balance' });
    expect(failureOf(await read())).toEqual({
      kind: 'invalid-response',
      status: 200,
      message: 'HTTP 200: response has no balance',
    });
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [{ amount: null, sms: 5 }],
    [{ amount: 'abc', sms: 5 }],
    [{ amount: 5, sms: 'garbage' }],
    [{ amount: 5 }],
  ])('the balance %j is an invalid response', async (balance) => {
    server.setDefault({ kind: 'balance', balance });
    expect(failureOf(await read()).kind).toBe('invalid-response');
  });

  it('a redirect is not followed, so the credentials stay with the configured host', async () => {
    server.setDefault({
      kind: 'raw',
      status: 307,
      body: '',
      headers: { Location: 'http://127.0.0.1:9/elsewhere' },
    });
    const f = failureOf(await read());
    expect([f.kind, f.status, server.requests.length]).toEqual(['config', 307, 1]);
  });

  it('a base URL that is not http(s) is a configuration failure and sends nothing', async () => {
    const f = failureOf(await getBalance('ftp://127.0.0.1', CREDENTIALS));
    expect(f).toEqual({ kind: 'config', message: 'base URL is not an http(s) origin' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('transient failures', () => {
  it('a 503 with an HTML page is transient and retried up to maxAttempts', async () => {
    server.setDefault({ kind: 'html', status: 503 });
    const f = failureOf(await read({ maxAttempts: 3 }));
    expect(f).toEqual({
      kind: 'transient',
      status: 503,
      message: 'HTTP 503: provider temporarily unavailable (non-JSON body)',
    });
    expect(server.requests).toHaveLength(3);
  });

  it('a 500 with an HTML page is transient and retried', async () => {
    server.setDefault({ kind: 'html', status: 500 });
    const f = failureOf(await read({ maxAttempts: 2 }));
    expect([f.kind, f.message, server.requests.length]).toEqual([
      'transient',
      'HTTP 500: provider error (non-JSON body)',
      2,
    ]);
  });

  it('a 503 followed by a good answer is a success', async () => {
    server.enqueue({ kind: 'status', code: 503 });
    expect(await read()).toEqual({ ok: true, value: { amount: 10.584, sms: 67 } });
    expect(server.requests).toHaveLength(2);
  });

  it('malformed JSON is transient and retried', async () => {
    server.enqueue({ kind: 'malformed-json' });
    expect(await read()).toEqual({ ok: true, value: { amount: 10.584, sms: 67 } });
    expect(server.requests).toHaveLength(2);
  });

  it('a 429 waits as long as its Retry-After says, then retries', async () => {
    const clock = fakeClock();
    server.enqueue({ kind: 'retry-after', retryAfter: '2' });
    const outcome = await read({ now: clock.now, sleep: clock.sleep });
    expect(outcome.ok).toBe(true);
    expect(clock.sleeps).toEqual([2_000]);
    expect(server.requests).toHaveLength(2);
  });

  it('a Retry-After beyond the cap waits only the cap', async () => {
    const clock = fakeClock();
    server.enqueue({ kind: 'retry-after', retryAfter: '3600' });
    await read({ now: clock.now, sleep: clock.sleep, retryAfterCapMs: 1_500 });
    expect(clock.sleeps).toEqual([1_500]);
  });

  it('a real Retry-After of one second is honoured before the retry reaches the server', async () => {
    server.enqueue({ kind: 'retry-after', retryAfter: '1' });
    const outcome = await getBalance(server.origin, CREDENTIALS, { retryAfterCapMs: 1_000 });
    const [first, second] = server.requests;
    expect(outcome.ok).toBe(true);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it('a hang past the attempt timeout is a transient timeout', async () => {
    server.setDefault({ kind: 'hang' });
    const f = failureOf(await read({ attemptTimeoutMs: 150, maxAttempts: 1 }));
    expect(f).toEqual({ kind: 'transient', message: 'timeout after 150 ms' });
  });

  it('a reset connection is a transient network error', async () => {
    server.setDefault({ kind: 'reset' });
    const f = failureOf(await read({ maxAttempts: 1 }));
    expect(f.kind).toBe('transient');
    expect(f.message).toMatch(/^network error/);
  });

  it('a connection reset in the middle of the body is a transient network error', async () => {
    server.setDefault({ kind: 'reset-mid-body' });
    const f = failureOf(await read({ maxAttempts: 1 }));
    expect(f).toEqual({
      kind: 'transient',
      message: 'network error: connection closed by the server while reading the response',
    });
  });

  it('a refused connection is a transient network error naming its code', async () => {
    const closed = await startProviderServer();
    await closed.close();
    const f = failureOf(await getBalance(closed.origin, CREDENTIALS, { maxAttempts: 1 }));
    expect(f).toEqual({ kind: 'transient', message: 'network error: ECONNREFUSED' });
  });

  it('a reset followed by a good answer is a success', async () => {
    server.enqueue({ kind: 'reset' });
    expect(await read()).toEqual({ ok: true, value: { amount: 10.584, sms: 67 } });
  });
});

describe('a body too large to be a balance', () => {
  it('is not read past the cap and is an invalid response, not retried', async () => {
    server.setDefault({ kind: 'huge-body', bytes: 10 * 1024 * 1024 });
    const f = failureOf(await read());
    expect(f).toEqual({
      kind: 'invalid-response',
      status: 200,
      message: 'HTTP 200: response body over 65536 bytes',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('is refused from its Content-Length before reading', async () => {
    server.setDefault({ kind: 'raw', status: 200, body: 'x'.repeat(2_000) });
    expect(failureOf(await read({ maxBodyBytes: 1_000 })).message).toBe(
      'HTTP 200: response body over 1000 bytes',
    );
  });
});

describe('retries', () => {
  it('stop at maxAttempts', async () => {
    server.setDefault({ kind: 'status', code: 503 });
    await read({ maxAttempts: 4 });
    expect(server.requests).toHaveLength(4);
  });

  it('wait a full-jitter backoff that doubles per attempt', async () => {
    const clock = fakeClock();
    server.setDefault({ kind: 'status', code: 503 });
    await read({ maxAttempts: 4, backoffBaseMs: 100, random: () => 0.5, now: clock.now, sleep: clock.sleep });
    expect(clock.sleeps).toEqual([50, 100, 200]);
  });

  it('stop when the next attempt would start past the deadline, with the last failure', async () => {
    const clock = fakeClock();
    server.setDefault({ kind: 'status', code: 503 });
    const outcome = await read({
      maxAttempts: 10,
      deadlineMs: 1_000,
      backoffBaseMs: 400,
      random: () => 1,
      now: clock.now,
      sleep: clock.sleep,
    });
    expect(failureOf(outcome).status).toBe(503);
    expect(clock.sleeps).toEqual([400]);
    expect(server.requests).toHaveLength(2);
  });

  it('do not sleep for a Retry-After that ends past the deadline', async () => {
    const clock = fakeClock();
    server.setDefault({ kind: 'retry-after', retryAfter: '5' });
    const outcome = await read({ deadlineMs: 3_000, now: clock.now, sleep: clock.sleep });
    expect(failureOf(outcome).status).toBe(429);
    expect(clock.sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('send nothing when the caller’s deadline has already passed', async () => {
    const clock = fakeClock();
    const outcome = await read({ now: clock.now, sleep: clock.sleep, deadlineAt: clock.now() - 1 });
    expect(failureOf(outcome)).toEqual({ kind: 'transient', message: 'no time left before the deadline' });
    expect(server.requests).toHaveLength(0);
  });

  it('bound the last attempt’s timeout by the time left before the deadline', async () => {
    server.setDefault({ kind: 'hang' });
    const outcome = await getBalance(server.origin, CREDENTIALS, {
      attemptTimeoutMs: 5_000,
      deadlineAt: Date.now() + 300,
      maxAttempts: 1,
    });
    // Whatever a loaded machine takes before the attempt starts, the attempt gets what is left, not 5 s.
    const timeoutMs = Number(/^timeout after (\d+) ms$/.exec(failureOf(outcome).message)?.[1]);
    expect(timeoutMs).toBeGreaterThan(0);
    expect(timeoutMs).toBeLessThanOrEqual(300);
  });
});

describe('secrets', () => {
  it('never appear in a failure message, even when the server echoes the request', async () => {
    server.setDefault({ kind: 'echo-credentials' });
    const f = failureOf(await read());
    expect(f.message).toContain('***');
    expect(f.message).not.toContain(CREDENTIALS.key);
    expect(f.message).not.toContain(CREDENTIALS.hash.slice(0, 16));
  });

  it('never appear when the server sends the key back in upper case as the amount', async () => {
    const shortKey = { key: 'abcdef0123', hash: 'fedcba9876' };
    const local = await startProviderServer({ credentials: shortKey });
    local.setDefault({ kind: 'balance', balance: { amount: shortKey.key.toUpperCase(), sms: 1 } });
    const f = failureOf(await getBalance(local.origin, shortKey));
    await local.close();
    expect(f.message).toBe('HTTP 200: balance amount is not a number ("***")');
  });

  it('never appear when the server echoes them base64- or URL-encoded', async () => {
    const odd = { key: 'k3y/With+Odd=Chars&ç', hash: 'h4sh With Spaces?' };
    const echoed = [
      Buffer.from(odd.key).toString('base64'),
      encodeURIComponent(odd.hash),
      new URLSearchParams({ h: odd.hash }).toString(),
      Buffer.from(`${odd.key}:${odd.hash}`).toString('base64url'),
    ];
    server.setDefault({
      kind: 'raw',
      status: 401,
      body: JSON.stringify({ response: { status: { code: 401, message: echoed.join(' ') } } }),
    });
    const f = failureOf(await read({}, odd));
    expect(f.message).toContain('***');
    for (const form of echoed) expect(f.message).not.toContain(form);
    expect(f.message).not.toContain(Buffer.from(odd.key).toString('base64').slice(4, 20));
  });

  it('never appear in a network error', async () => {
    server.setDefault({ kind: 'reset' });
    const f = failureOf(await read({ maxAttempts: 1 }));
    expect(f.message).not.toMatch(new RegExp(`${CREDENTIALS.key}|${CREDENTIALS.hash}`, 'i'));
  });
});

describe('the client', () => {
  it('never throws, even when an injected fetch throws something odd', async () => {
    const outcome = await getBalance(server.origin, CREDENTIALS, {
      maxAttempts: 1,
      fetch: () => Promise.reject('a string, not an Error'),
    });
    expect(outcome).toEqual({ ok: false, failure: { kind: 'transient', message: 'network error' } });
  });

  it('as a BalanceReader reads the account’s base URL', async () => {
    const account: AccountConfig = {
      name: 'main',
      credentialsParameter: '/c',
      keyParameter: '/k',
      hashParameter: '/h',
      baseUrl: server.origin,
      thresholds: { warning: { amount: 100 } },
      policy: DEFAULT_POLICY,
    };
    const reader = createBalanceReader({ attemptTimeoutMs: 1_000 });
    expect(await reader.read(account, CREDENTIALS, Date.now() + 5_000)).toEqual({
      ok: true,
      value: { amount: 10.584, sms: 67 },
    });
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads seconds', () => {
    expect(retryAfterMs('3', now, 10_000)).toBe(3_000);
  });

  it('reads an HTTP date', () => {
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:04 GMT', now, 10_000)).toBe(4_000);
  });

  it('reads a date in the past as no wait', () => {
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now, 10_000)).toBe(0);
  });

  it('caps the wait', () => {
    expect(retryAfterMs('120', now, 5_000)).toBe(5_000);
  });

  it('ignores an absent or unreadable header', () => {
    expect([retryAfterMs(null, now, 5_000), retryAfterMs('soon', now, 5_000)]).toEqual([
      undefined,
      undefined,
    ]);
  });
});
