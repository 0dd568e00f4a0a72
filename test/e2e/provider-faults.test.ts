import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureKind } from '../../lambda/core/types.js';
import type { Cue, ProviderServer } from '../../support/provider-server.js';
import { type DecodedPublish, decode, expectClean, expectReturned, onlyPublish } from './expect-run.js';
import {
  type E2eSuite,
  type FunctionProcess,
  type LogLine,
  type RunSummary,
  type Scenario,
  startE2eSuite,
} from './harness.js';

/**
 * The fault matrix, iletiMerkezi side, on the shipped bundle in its own process. Each row is an
 * account with its own fake iletiMerkezi that misbehaves the row's way for a whole run (every retry
 * included), all checked by one run, as a monitor of many accounts checks them: one account's fault
 * must not touch the others. Each test reads its row's log line and notices from that run; then
 * every provider answers again, and the next run must say so ("working again"), so no notice is lost.
 * No run may crash or print the key or hash.
 *
 * auth and config failures are announced on their first occurrence under the default policy.
 * transient and invalid-response failures wait for `failuresBeforeAlert` runs in a row (default 3):
 * those rows set it to 1 so one run shows the notice; the count itself has its own test below.
 */

const AT_ONCE = {};
const ON_FIRST_FAILURE = { failuresBeforeAlert: 1 };

interface Row {
  readonly fault: string;
  /** The account that meets this fault. */
  readonly account: string;
  readonly cue: Cue;
  readonly kind: FailureKind;
  /** The failure's short name in the subject. */
  readonly short: string;
  readonly policy: Record<string, unknown>;
  /** Words the failure message in the log must hold. */
  readonly message: RegExp;
}

const ROWS: readonly Row[] = [
  {
    fault: 'HTTP 400 (request not parsed)',
    account: 'http-400',
    cue: { kind: 'status', code: 400 },
    kind: 'config',
    short: 'config incomplete',
    policy: AT_ONCE,
    message: /HTTP 400: request could not be parsed/,
  },
  {
    fault: 'HTTP 401',
    account: 'http-401',
    cue: { kind: 'status', code: 401 },
    kind: 'auth',
    short: 'login rejected',
    policy: AT_ONCE,
    message: /HTTP 401: authentication failed/,
  },
  {
    fault: 'status 401 inside an HTTP 200',
    account: 'status-401-in-200',
    cue: { kind: 'status', code: 401, httpStatus: 200 },
    kind: 'auth',
    short: 'login rejected',
    policy: AT_ONCE,
    message: /HTTP 200 with status 401: authentication failed/,
  },
  {
    fault: 'HTTP 402 (insufficient balance)',
    account: 'http-402',
    cue: { kind: 'status', code: 402 },
    kind: 'config',
    short: 'config incomplete',
    policy: AT_ONCE,
    message: /HTTP 402: provider reports insufficient balance/,
  },
  {
    fault: 'HTTP 404 (wrong URL)',
    account: 'http-404',
    cue: { kind: 'status', code: 404 },
    kind: 'config',
    short: 'config incomplete',
    policy: AT_ONCE,
    message: /HTTP 404: endpoint or method not found/,
  },
  {
    fault: 'HTTP 422 (validation failed)',
    account: 'http-422',
    cue: { kind: 'status', code: 422 },
    kind: 'config',
    short: 'config incomplete',
    policy: AT_ONCE,
    message: /HTTP 422: request values failed validation/,
  },
  {
    fault: 'HTTP 429 on every attempt',
    account: 'http-429',
    cue: { kind: 'retry-after', retryAfter: '0' },
    kind: 'transient',
    short: 'provider unreachable',
    policy: ON_FIRST_FAILURE,
    message: /HTTP 429: rate limited/,
  },
  {
    fault: 'HTTP 500',
    account: 'http-500',
    cue: { kind: 'status', code: 500 },
    kind: 'transient',
    short: 'provider unreachable',
    policy: ON_FIRST_FAILURE,
    message: /HTTP 500: provider error/,
  },
  {
    fault: 'HTTP 503 with an HTML page',
    account: 'http-503-html',
    cue: { kind: 'html', status: 503 },
    kind: 'transient',
    short: 'provider unreachable',
    policy: ON_FIRST_FAILURE,
    message: /HTTP 503: provider temporarily unavailable \(non-JSON body\)/,
  },
  {
    fault: 'malformed JSON',
    account: 'malformed-json',
    cue: { kind: 'malformed-json' },
    kind: 'transient',
    short: 'provider unreachable',
    policy: ON_FIRST_FAILURE,
    message: /HTTP 200: response is not JSON/,
  },
  {
    fault: 'a missing balance',
    account: 'missing-balance',
    cue: { kind: 'missing-balance' },
    kind: 'invalid-response',
    short: 'unreadable reply',
    policy: ON_FIRST_FAILURE,
    message: /response has no balance/,
  },
  {
    fault: 'garbage balance fields ("abc", null)',
    account: 'garbage-fields',
    cue: { kind: 'balance', balance: { amount: 'abc', sms: null } },
    kind: 'invalid-response',
    short: 'unreadable reply',
    policy: ON_FIRST_FAILURE,
    message: /balance amount is not a number \("abc"\)/,
  },
  {
    fault: 'a missing amount with a valid sms count',
    account: 'missing-amount',
    cue: { kind: 'balance', balance: { sms: 67 } },
    kind: 'invalid-response',
    short: 'unreadable reply',
    policy: ON_FIRST_FAILURE,
    message: /balance amount is not a number \(missing\)/,
  },
  {
    fault: 'a hang past the deadline',
    account: 'hang',
    cue: { kind: 'hang' },
    kind: 'transient',
    short: 'provider unreachable',
    policy: ON_FIRST_FAILURE,
    message: /timeout after \d+ ms/,
  },
  {
    fault: 'a connection reset mid-body',
    account: 'reset-mid-body',
    cue: { kind: 'reset-mid-body' },
    kind: 'transient',
    short: 'provider unreachable',
    policy: ON_FIRST_FAILURE,
    message: /network error.*while reading the response/,
  },
  {
    fault: 'a 10 MB body',
    account: 'huge-body',
    cue: { kind: 'huge-body' },
    kind: 'invalid-response',
    short: 'unreadable reply',
    policy: ON_FIRST_FAILURE,
    message: /response body over 65536 bytes/,
  },
];

let suite: E2eSuite;
let s: Scenario;
let fn: FunctionProcess;
let faulted: RunSummary;
const providers = new Map<string, ProviderServer>();
/** Answers one 429, then as the contract says. */
let oneTooMany: ProviderServer;
let recovered: RunSummary;
/** Each account's "account checked" line of the faulted run. */
const faultLines = new Map<string, LogLine>();

beforeAll(async () => {
  suite = await startE2eSuite();
  const accounts = [];
  for (const row of ROWS) {
    const provider = await suite.provider();
    provider.setDefault(row.cue);
    providers.set(row.account, provider);
    accounts.push({ name: row.account, provider, policy: row.policy });
  }
  oneTooMany = await suite.provider();
  oneTooMany.enqueue({ kind: 'retry-after', retryAfter: '0' });
  s = await suite.scenario({
    accounts: [
      ...accounts,
      { name: 'healthy' },
      { name: 'one-429', provider: oneTooMany, policy: ON_FIRST_FAILURE },
    ],
    // All at once: the slowest fault (the hang) sets the run's length, not the sum of them.
    concurrency: accounts.length + 2,
    // On, so a failed check is seen to write no metric, and a successful one its Balance.
    accountMetrics: true,
  });
  fn = await s.start();
  faulted = expectReturned(await fn.invoke());
  for (const line of fn.accountLines()) faultLines.set(String(line.account), line);
  for (const row of ROWS) providerOf(row).setDefault({ kind: 'contract' });
  recovered = expectReturned(await fn.invoke());
  await fn.stop();
});

afterAll(async () => {
  await suite?.close();
});

function providerOf(row: Row): ProviderServer {
  const provider = providers.get(row.account);
  if (!provider) throw new Error(`no provider for ${row.account}`);
  return provider;
}

/** The notices one account received, in order. */
function noticesOf(account: string): DecodedPublish[] {
  return s.aws.publishes.map(decode).filter((notice) => notice.account === account);
}

describe('a provider fault', () => {
  it.each(ROWS)(
    '$fault is a $kind failure: a CRITICAL "check failing" notice, then "working again"',
    (row) => {
      const line = faultLines.get(row.account);
      expect(line).toMatchObject({ outcome: 'failed', failureKind: row.kind, notified: 'check-failed' });
      expect(line?.failureMessage).toMatch(row.message);
      // A failed check is never a balance: no amount, no metric, the level unchanged.
      expect(line?.amount).toBeUndefined();
      expect(line?._aws).toBeUndefined();
      expect(line?.balanceLevel).toBe('OK');
      // Only a transient failure is worth another attempt within the run (the recovery run adds one request).
      const attempts = providerOf(row).requests.length - 1;
      if (row.kind === 'transient') expect(attempts).toBeGreaterThan(1);
      else expect(attempts).toBe(1);

      const [notice, recovery, ...more] = noticesOf(row.account);
      expect(notice).toMatchObject({ kind: 'check-failed', severity: 'CRITICAL' });
      expect(notice?.subject).toBe(
        `[CRITICAL] iletiMerkezi balance check failing: ${row.account} (${row.short})`,
      );
      expect(recovery).toMatchObject({ kind: 'monitor-recovered', severity: 'CRITICAL' });
      expect(recovery?.subject).toBe(
        `[CRITICAL] iletiMerkezi balance check working again: ${row.account} 500.00 TL`,
      );
      expect(more).toEqual([]);
    },
  );
});

describe('the run with every fault at once', () => {
  it('returns a summary: every faulted account failed and was told, and nothing was lost in state or delivery', () => {
    expect(faulted).toMatchObject({
      checked: ROWS.length + 2,
      ok: 2,
      failed: ROWS.length,
      notified: ROWS.length,
      problems: 0,
    });
    expect(recovered).toMatchObject({ ok: ROWS.length + 2, notified: ROWS.length, problems: 0 });
  });

  it('checks a healthy account alongside them: its balance recorded (a metric too, with accountMetrics), nobody told', () => {
    expect(faultLines.get('healthy')).toMatchObject({ outcome: 'ok', amount: 500, Balance: 500 });
    expect(noticesOf('healthy')).toEqual([]);
  });

  it('retries a single 429 with Retry-After within the run: the check succeeds silently', () => {
    expect(faultLines.get('one-429')).toMatchObject({ outcome: 'ok', amount: 500 });
    expect(noticesOf('one-429')).toEqual([]);
    // The 429 and its retry, then the next run's one request.
    expect(oneTooMany.requests).toHaveLength(3);
  });

  it('names the three causes of a 401 in its notice: wrong key or hash, API access off, an IP allow-list', () => {
    const [notice] = noticesOf('http-401');
    expect(notice?.email).toMatch(/Wrong API key or hash/);
    expect(notice?.email).toMatch(/Allow API access/);
    expect(notice?.email).toMatch(/fixed-IP allow-list/);
    expect(notice?.sms).toMatch(
      /^iletiMerkezi http-401: balance check failing \(login rejected\), 1x since .+\. Check key\/hash, API access, IP allow-list\.$/,
    );
  });

  it('reads the credentials of all its accounts in decrypting GetParameters calls of at most 10 names', () => {
    // One combined parameter per account.
    const names = s.accounts.length;
    const firstRun = s.aws.getParameters.slice(0, Math.ceil(names / 10));
    expect(firstRun.map((call) => call.names.length).sort((a, b) => b - a)).toEqual([10, names - 10]);
    expect(firstRun.every((call) => call.withDecryption)).toBe(true);
    expect(new Set(firstRun.flatMap((call) => call.names)).size).toBe(names);
  });

  it('neither crashes nor writes the key or hash anywhere', () => {
    expectClean(fn, s.aws.publishes);
  });
});

describe('the failure count', () => {
  it('with the default policy a transient failure is told only on the third failed run in a row', async () => {
    const counted = await suite.scenario();
    counted.provider.setDefault({ kind: 'status', code: 500 });
    const sandbox = await counted.start();

    const told: string[][] = [];
    for (let run = 1; run <= 3; run++) {
      await sandbox.invoke();
      told.push(counted.publishedKinds());
    }
    await sandbox.stop();

    expect(told).toEqual([[], [], ['check-failed']]);
    expect(onlyPublish(counted.aws.publishes).sms).toMatch(/3x since/);
    expectClean(sandbox, counted.aws.publishes);
  });
});
