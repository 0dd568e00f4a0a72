import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsOperation } from '../../support/local-aws.js';
import { expectClean, expectReturned, expectThrew, lastAccountLine, onlyPublish } from './expect-run.js';
import { type E2eSuite, type Invocation, startE2eSuite } from './harness.js';

/**
 * The fault matrix, runtime side, on the shipped bundle: a malformed environment fails the init
 * naming the variable; simultaneous invocations send exactly one notice; and with dependencies
 * hanging, the handler ends before the function's timeout, by the remaining time in its context.
 */

let suite: E2eSuite;

beforeAll(async () => {
  suite = await startE2eSuite();
});

afterAll(async () => {
  await suite?.close();
});

const LOW = { amount: 20, sms: 130 };

describe.concurrent('a malformed environment', () => {
  it.each([
    [
      'a monitor-config.json that is not JSON',
      { monitorConfig: '{accounts:' },
      /monitor-config\.json: is not valid JSON/,
    ],
    [
      'no monitor-config.json in the code',
      { monitorConfig: null },
      /monitor-config\.json: is missing from the function's code/,
    ],
    [
      'thresholds out of order in monitor-config.json',
      {
        monitorConfig: JSON.stringify({
          accounts: [{ name: 'main', thresholds: { warning: { amount: 10 }, critical: { amount: 50 } } }],
        }),
      },
      /monitor-config\.json accounts\[0\]\.thresholds\.critical\.amount: must not be above warning\.amount/,
    ],
    ['no LAMBDA_TASK_ROOT', { env: { LAMBDA_TASK_ROOT: undefined } }, /LAMBDA_TASK_ROOT: is not set/],
    ['no TOPIC_ARN', { env: { TOPIC_ARN: undefined } }, /TOPIC_ARN: must be an SNS topic ARN, got ""/],
    [
      'a TABLE_NAME that is no table name',
      { env: { TABLE_NAME: 'no spaces allowed' } },
      /TABLE_NAME: must be a DynamoDB table name/,
    ],
  ] as const)(
    '%s fails the init with a ConfigError naming the file, field or variable, before any call',
    async (_name, options, message) => {
      const s = await suite.scenario();

      const run = await s.run(options);

      expect(run.invocation.outcome).toBe('init-failed');
      const error = run.invocation.outcome === 'init-failed' ? run.invocation.error : undefined;
      expect(error?.name).toBe('ConfigError');
      expect(error?.message).toMatch(message);
      expect(run.exitCode).toBe(1);
      expect(s.aws.calls).toEqual([]);
      expect(s.provider.requests).toEqual([]);
      expectClean(run.fn);
    },
  );
});

describe.concurrent('simultaneous invocations', () => {
  it.each([2, 5])(
    '%i runs at the same moment send exactly one notification, and every run succeeds',
    async (runs) => {
      const s = await suite.scenario({ balance: LOW });
      const sandboxes = await Promise.all(Array.from({ length: runs }, () => s.start()));
      // Every run reads the state before any has written it, so all decide to notify and race to claim.
      s.aws.gate('BatchGetItem', runs);

      const invocations = await Promise.all(sandboxes.map((fn) => fn.invoke()));
      await Promise.all(sandboxes.map((fn) => fn.stop()));

      expect(onlyPublish(s.aws.publishes)).toMatchObject({ kind: 'low', severity: 'CRITICAL' });
      // The losers did collide: their first claim failed on the version condition.
      const lostClaims = s.aws.calls.filter((c) => c.error === 'ConditionalCheckFailedException');
      expect(lostClaims.length).toBeGreaterThanOrEqual(runs - 1);
      expect((await suite.storedState(s))?.state.pending).toBeUndefined();
      for (const fn of sandboxes) expectClean(fn, s.aws.publishes);
      // A lost race is no error: a run that reported one would raise the function-errors alarm.
      const summaries = invocations.map(expectReturned);
      expect(summaries.map((r) => r.problems)).toEqual(Array(runs).fill(0));
      expect(summaries.filter((r) => r.notified === 1)).toHaveLength(1);
    },
  );
});

describe.concurrent('the deadline', () => {
  /** The function's timeout as the context reports it; the handler keeps 3 s of it in reserve. */
  const TIMEOUT_MS = 6_000;

  function expectEndedInTime(invocation: Invocation): void {
    expect(invocation.outcome).not.toBe('timed-out');
    expect(invocation.outcome).not.toBe('init-failed');
    expect(invocation.durationMs).toBeLessThan(TIMEOUT_MS);
  }

  it('with every dependency hanging, the handler ends with a clean error before the function times out', async () => {
    const s = await suite.scenario({ balance: LOW });
    s.provider.setDefault({ kind: 'hang' });
    for (const operation of [
      'GetParameters',
      'BatchGetItem',
      'GetItem',
      'PutItem',
      'Query',
      'Publish',
    ] satisfies AwsOperation[]) {
      s.aws.fail(operation, 'hang', 'always');
    }

    const run = await s.run({ remainingMs: TIMEOUT_MS });

    expectEndedInTime(run.invocation);
    expect(expectThrew(run.invocation)).toMatch(/could not record state or deliver a notification/);
    expect(lastAccountLine(run.fn)).toMatchObject({ outcome: 'failed', level: 'error' });
    expect(s.aws.publishes).toEqual([]);
    expectClean(run.fn);
  });

  it('a hanging provider is cut off by the remaining time in the context, not the configured deadline, and the failure is recorded', async () => {
    // A 60 s configured deadline: only the context's remaining time can end this run in time.
    const s = await suite.scenario({
      policy: { failuresBeforeAlert: 1 },
      attemptTimeoutMs: 60_000,
      deadlineMs: 60_000,
    });
    s.provider.setDefault({ kind: 'hang' });

    const run = await s.run({ remainingMs: TIMEOUT_MS });

    expect(run.invocation.outcome).toBe('returned');
    expectEndedInTime(run.invocation);
    expect(lastAccountLine(run.fn)).toMatchObject({ failureKind: 'transient', notified: 'check-failed' });
    expect((await suite.storedState(s))?.state.failures).toMatchObject({ kind: 'transient', count: 1 });
    expect(onlyPublish(s.aws.publishes)).toMatchObject({ kind: 'check-failed' });
    expectClean(run.fn, s.aws.publishes);
  });

  it('a hanging SNS publish ends the run before the timeout and the notice stays pending for a later run', async () => {
    const s = await suite.scenario({ balance: LOW });
    s.aws.fail('Publish', 'hang', 'always');

    const run = await s.run({ remainingMs: TIMEOUT_MS });

    expectEndedInTime(run.invocation);
    expect(expectThrew(run.invocation)).toMatch(/could not record state or deliver a notification/);
    expect((await suite.storedState(s))?.state.pending).toMatchObject({ notification: { kind: 'low' } });
    expectClean(run.fn);
  });
});
