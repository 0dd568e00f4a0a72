import { type AttributeValue, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultCredentialsParameter,
  defaultHashParameter,
  defaultKeyParameter,
} from '../../lambda/core/config.js';
import type { AwsFault, DynamoDbOperation, Publish } from '../../support/local-aws.js';
import {
  decode,
  expectClean,
  expectReturned,
  expectThrew,
  lastAccountLine,
  onlyPublish,
} from './expect-run.js';
import {
  closedPortEndpoint,
  type E2eSuite,
  startE2eSuite,
  TEST_HASH,
  TEST_KEY,
  TOPIC_ARN,
} from './harness.js';

/**
 * The fault matrix, AWS side, on the shipped bundle in its own process with the real SDK clients:
 * SSM, SNS and DynamoDB fail on cue at the wire, and each test checks the run's notice or error,
 * that a later run delivers what is due (nothing lost), no crash and no secret in any output.
 *
 * Credential failures are check failures of the account: `config` ones (a missing parameter, access
 * or KMS refused) are announced at once; throttling is `transient`, announced after
 * `failuresBeforeAlert` runs in a row, set to 1 here so one run shows it.
 */

let suite: E2eSuite;

beforeAll(async () => {
  suite = await startE2eSuite();
});

afterAll(async () => {
  await suite?.close();
});

/** 20 TL is below the critical threshold (25 TL): a CRITICAL "balance low" notice is due. */
const LOW = { amount: 20, sms: 130 };
const LOW_SUBJECT = '[CRITICAL] iletiMerkezi balance low: main 20.00 TL';
const CHAT_TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:balance-chat';

describe.concurrent('SSM', () => {
  it('a missing parameter is a config failure naming it, told at once; storing it brings "working again"', async () => {
    const s = await suite.scenario({ credentialsLayout: 'pair' });
    s.aws.parameters.delete(defaultHashParameter('main'));
    const fn = await s.start();

    const faulted = expectReturned(await fn.invoke());
    const line = lastAccountLine(fn);
    s.aws.parameters.set(defaultHashParameter('main'), TEST_HASH);
    expectReturned(await fn.invoke());
    await fn.stop();

    expect(faulted).toMatchObject({ failed: 1, notified: 1, problems: 0 });
    expect(line).toMatchObject({ outcome: 'failed', failureKind: 'config', notified: 'check-failed' });
    expect(line.failureMessage).toBe('SSM parameter /iletimerkezi/main/api-hash not found');
    expect(s.provider.requests).toHaveLength(1);
    const [notice] = s.aws.publishes.map(decode);
    expect(notice?.subject).toBe('[CRITICAL] iletiMerkezi balance check failing: main (config incomplete)');
    expect(s.publishedKinds()).toEqual(['check-failed', 'monitor-recovered']);
    expectClean(fn, s.aws.publishes);
  });

  it('the combined parameter costs one decrypt a run, the two-parameter layout of deployed monitors two', async () => {
    const combined = await suite.scenario();
    const pair = await suite.scenario({ credentialsLayout: 'pair' });

    const runs = [await combined.run(), await pair.run()];

    for (const run of runs) expect(expectReturned(run.invocation)).toMatchObject({ ok: 1, failed: 0 });
    expect(combined.aws.decrypts()).toBe(1);
    expect(pair.aws.decrypts()).toBe(2);
    expect(pair.aws.getParameters.map((call) => call.names)).toEqual([
      [defaultCredentialsParameter('main')],
      [defaultKeyParameter('main'), defaultHashParameter('main')],
    ]);
    for (const run of runs) expectClean(run.fn);
  });

  it('a key stored with a trailing newline is trimmed and works', async () => {
    const s = await suite.scenario();
    s.aws.parameters.set(
      defaultCredentialsParameter('main'),
      `${JSON.stringify({ key: `${TEST_KEY}\n`, hash: TEST_HASH })}\n`,
    );

    const run = await s.run();

    expect(expectReturned(run.invocation)).toMatchObject({ ok: 1, notified: 0 });
    expectClean(run.fn);
  });

  it('a combined parameter that is not the expected JSON is a config failure naming it, never showing it', async () => {
    const s = await suite.scenario();
    s.aws.parameters.set(defaultCredentialsParameter('main'), `${TEST_KEY} ${TEST_HASH}`);

    const run = await s.run();
    const line = lastAccountLine(run.fn);

    expect(line).toMatchObject({ outcome: 'failed', failureKind: 'config', notified: 'check-failed' });
    expect(line.failureMessage).toBe(
      'SSM parameter /iletimerkezi/main/credentials must hold {"key":"…","hash":"…"}; it is not JSON',
    );
    expect(s.provider.requests).toEqual([]);
    expectClean(run.fn, s.aws.publishes);
  });

  it.each([
    ['access denied', 'access-denied', /SSM denied reading .*AccessDeniedException.*lacks ssm:GetParameters/],
    [
      'a KMS decrypt failure',
      'kms-access-denied',
      /SSM could not decrypt .*AccessDeniedException from KMS.*kms:Decrypt/,
    ],
    [
      'a disabled or deleted KMS key',
      'kms-invalid-key',
      /SSM could not decrypt .*InvalidKeyId.*disabled, deleted/,
    ],
  ] as const)(
    '%s is a config failure told at once, and the next run after the fix says "working again"',
    async (_fault, fault, message) => {
      const s = await suite.scenario();
      s.aws.fail('GetParameters', fault, 'always');
      const fn = await s.start();

      const faulted = expectReturned(await fn.invoke());
      const line = lastAccountLine(fn);
      s.aws.clearFaults();
      expectReturned(await fn.invoke());
      await fn.stop();

      expect(faulted).toMatchObject({ failed: 1, notified: 1, problems: 0 });
      expect(line).toMatchObject({ failureKind: 'config', notified: 'check-failed' });
      expect(line.failureMessage).toMatch(message);
      // Not retried: waiting does not grant a permission.
      expect(s.aws.calls.filter((c) => c.fault === fault)).toHaveLength(1);
      expect(s.provider.requests).toHaveLength(1);
      expect(s.publishedKinds()).toEqual(['check-failed', 'monitor-recovered']);
      expectClean(fn, s.aws.publishes);
    },
  );

  it('throttling on every attempt is a transient failure: told after failuresBeforeAlert runs (1 here)', async () => {
    const s = await suite.scenario({ policy: { failuresBeforeAlert: 1 } });
    s.aws.fail('GetParameters', 'throttling', 'always');
    const fn = await s.start();

    const faulted = expectReturned(await fn.invoke());
    const line = lastAccountLine(fn);
    s.aws.clearFaults();
    expectReturned(await fn.invoke());
    await fn.stop();

    expect(faulted).toMatchObject({ failed: 1, notified: 1 });
    expect(line).toMatchObject({ failureKind: 'transient', notified: 'check-failed' });
    expect(line.failureMessage).toMatch(
      /SSM GetParameters for .* failed: ThrottlingException; the next run tries again/,
    );
    // The SDK's own retries (3 attempts) come first.
    expect(s.aws.calls.filter((c) => c.fault === 'throttling')).toHaveLength(3);
    expect(s.publishedKinds()).toEqual(['check-failed', 'monitor-recovered']);
    expectClean(fn, s.aws.publishes);
  });

  it('a hanging SSM is abandoned after 3 s as a transient failure, and the run still records and tells it', async () => {
    const s = await suite.scenario({ policy: { failuresBeforeAlert: 1 } });
    s.aws.fail('GetParameters', 'hang', 'always');

    const run = await s.run();

    expect(expectReturned(run.invocation)).toMatchObject({ failed: 1, notified: 1, problems: 0 });
    expect(lastAccountLine(run.fn).failureMessage).toMatch(
      /SSM GetParameters for .* did not answer within 3000 ms; the next run tries again/,
    );
    expect((await suite.storedState(s))?.state.failures).toMatchObject({ kind: 'transient', count: 1 });
    expect(onlyPublish(s.aws.publishes)).toMatchObject({ kind: 'check-failed' });
    expectClean(run.fn, s.aws.publishes);
  });

  it('a single throttle is absorbed by the SDK retry: the check succeeds in the same run', async () => {
    const s = await suite.scenario({ policy: { failuresBeforeAlert: 1 } });
    s.aws.fail('GetParameters', 'throttling');

    const run = await s.run();

    expect(expectReturned(run.invocation)).toMatchObject({ ok: 1, failed: 0, notified: 0 });
    expect(s.aws.publishes).toEqual([]);
    expectClean(run.fn);
  });
});

describe.concurrent('SNS', () => {
  it.each([
    ['throttling', 'throttling', 'ThrottledException'],
    ['an internal error', 'server-error', 'InternalErrorException'],
    ['a missing topic', 'not-found', 'NotFoundException'],
  ] as const)(
    '%s on every attempt fails the run, naming it; the next run delivers the notice once',
    async (_name, fault, code) => {
      const s = await suite.scenario({ balance: LOW });
      s.aws.fail('Publish', fault, 'always');
      const fn = await s.start();

      const faulted = await fn.invoke();
      const line = lastAccountLine(fn);
      const pending = await suite.storedState(s);
      s.aws.clearFaults();
      const delivered = expectReturned(await fn.invoke());
      const quiet = expectReturned(await fn.invoke());
      await fn.stop();

      // The run fails (the function-errors alarm fires) after logging what happened.
      expect(expectThrew(faulted)).toMatch(/could not record state or deliver a notification/);
      expect(line).toMatchObject({ outcome: 'ok', balanceLevel: 'CRITICAL', level: 'error' });
      expect(line.publishError).toMatch(new RegExp(`SnsPublishError: SNS Publish failed: ${code}`));
      expect(line.notified).toBeUndefined();
      expect(pending?.state.pending).toMatchObject({ notification: { kind: 'low' }, attempts: 1 });
      expect(delivered).toMatchObject({ notified: 1, problems: 0 });
      expect(quiet).toMatchObject({ notified: 0, problems: 0 });
      const notice = onlyPublish(s.aws.publishes);
      expect(notice).toMatchObject({ kind: 'low', severity: 'CRITICAL', subject: LOW_SUBJECT });
      expectClean(fn, s.aws.publishes);
    },
  );

  it('a failure in one cold run and success in the next cold run delivers the notice exactly once', async () => {
    const s = await suite.scenario({ balance: LOW });
    s.aws.fail('Publish', 'server-error', 'always');

    const failed = await s.run();
    s.aws.clearFaults();
    const next = await s.run();

    expectThrew(failed.invocation);
    expect(expectReturned(next.invocation)).toMatchObject({ notified: 1 });
    expect(onlyPublish(s.aws.publishes)).toMatchObject({ kind: 'low', subject: LOW_SUBJECT });
    expectClean(failed.fn);
    expectClean(next.fn, s.aws.publishes);
  });

  it('with chat configured, a refused chat publish fails the run, naming chat; the next run publishes on chat alone', async () => {
    const s = await suite.scenario({ balance: LOW });
    s.aws.failPublishTo(CHAT_TOPIC_ARN, 'access-denied');
    const fn = await s.start({ env: { CHAT_TOPIC_ARN } });

    const faulted = await fn.invoke();
    const line = lastAccountLine(fn);
    const pending = await suite.storedState(s);
    const retried = expectReturned(await fn.invoke());
    const quiet = expectReturned(await fn.invoke());
    await fn.stop();

    expect(expectThrew(faulted)).toMatch(/could not record state or deliver a notification/);
    expect(line).toMatchObject({ level: 'error', notified: 'low', failedChannels: ['chat'] });
    expect(line.publishError).toMatch(/^chat: SnsPublishError: SNS Publish failed: AuthorizationError/);
    expect(pending?.state.pending).toMatchObject({
      notification: { kind: 'low' },
      attempts: 1,
      channels: { topic: { status: 'delivered' }, chat: { status: 'pending', attempts: 1 } },
    });
    expect(retried).toMatchObject({ notified: 1, problems: 0 });
    expect(quiet).toMatchObject({ notified: 0, problems: 0 });
    expect(s.aws.calls.filter((c) => c.operation === 'Publish')).toHaveLength(3);
    expect(s.aws.publishes.map((p) => p.topicArn)).toEqual([TOPIC_ARN, CHAT_TOPIC_ARN]);
    expect(decode(s.aws.publishes[0] as Publish)).toMatchObject({ kind: 'low', subject: LOW_SUBJECT });
    expect(JSON.parse(s.aws.publishes[1]?.message ?? '{}')).toMatchObject({
      version: '1.0',
      source: 'custom',
      metadata: { eventType: 'low' },
    });
    expect((await suite.storedState(s))?.state.pending).toBeUndefined();
    expectClean(fn, s.aws.publishes);
  });

  it('a single throttle is absorbed by the SDK retry: the notice goes out in the same run', async () => {
    const s = await suite.scenario({ balance: LOW });
    s.aws.fail('Publish', 'throttling');

    const run = await s.run();

    expect(expectReturned(run.invocation)).toMatchObject({ notified: 1, problems: 0 });
    expect(onlyPublish(s.aws.publishes)).toMatchObject({ kind: 'low' });
    expectClean(run.fn, s.aws.publishes);
  });
});

describe.concurrent('DynamoDB', () => {
  it('a conditional write lost to another writer is re-read and retried: exactly one notice', async () => {
    // Every run's one DynamoDB write is the conditional write of its state item.
    const s = await suite.scenario();
    s.provider.setDefault({ kind: 'status', code: 401 });
    s.aws.fail('PutItem', 'conditional-check');

    const run = await s.run();

    expect(expectReturned(run.invocation)).toMatchObject({ notified: 1, problems: 0 });
    const calls = s.aws.calls.map((c) => c.operation + (c.fault ? `:${c.fault}` : ''));
    // The credentials and the batched read of the state items go side by side, in either order.
    expect(calls.slice(0, 2).sort()).toEqual(['BatchGetItem', 'GetParameters']);
    expect(calls.slice(2)).toEqual(['PutItem:conditional-check', 'GetItem', 'PutItem', 'Publish', 'PutItem']);
    expect(onlyPublish(s.aws.publishes)).toMatchObject({ kind: 'check-failed' });
    expect((await suite.storedState(s))?.state.pending).toBeUndefined();
    expectClean(run.fn, s.aws.publishes);
  });

  it('throttling on every call fails the run with the store error logged; the next run delivers', async () => {
    const s = await suite.scenario({ balance: LOW });
    for (const operation of ['BatchGetItem', 'GetItem', 'PutItem', 'Query'] satisfies DynamoDbOperation[]) {
      s.aws.fail(operation, 'throttling' satisfies AwsFault, 'always');
    }
    const fn = await s.start();

    const faulted = await fn.invoke();
    const line = lastAccountLine(fn);
    s.aws.clearFaults();
    const next = expectReturned(await fn.invoke());
    await fn.stop();

    expect(expectThrew(faulted)).toMatch(/could not record state or deliver a notification/);
    expect(line.storeError).toMatch(
      // The batched read fails first; the single read of the state item is the one named.
      /StateStoreError: DynamoDB GetItem for account main failed: ProvisionedThroughputExceededException/,
    );
    // The reading itself succeeded and is reported as such (no metric: accountMetrics is off).
    expect(line).toMatchObject({ outcome: 'ok', amount: 20 });
    expect(line._aws).toBeUndefined();
    expect(next).toMatchObject({ notified: 1, problems: 0 });
    expect(onlyPublish(s.aws.publishes)).toMatchObject({ kind: 'low', subject: LOW_SUBJECT });
    expectClean(fn, s.aws.publishes);
  });

  it('a table written by the release that kept samples is migrated by one Query on the first run, then never queried', async () => {
    const s = await suite.scenario({ balance: { amount: 90, sms: 585 } });
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const put = (sortKey: string, attributes: Record<string, AttributeValue>) =>
      suite.dynalite.client.send(
        new PutItemCommand({
          TableName: s.tableName,
          Item: { pk: { S: 'ACCOUNT#main' }, sk: { S: sortKey }, ...attributes },
        }),
      );
    // A WARNING episode told an hour ago, and a day of samples falling 100 TL a day to 90.25 TL.
    const lowNotice = { level: 'WARNING', at: iso(now - 3_600_000) };
    await put('STATE', {
      state: { S: JSON.stringify({ level: 'WARNING', levelSince: iso(now - 86_400_000), lowNotice }) },
      version: { N: '96' },
    });
    for (let quarter = 96; quarter >= 1; quarter--) {
      const at = iso(now - quarter * 900_000);
      const amount = Math.round((90.25 + ((quarter - 1) * 100) / 96) * 100) / 100;
      await put(`SAMPLE#${at}`, { at: { S: at }, amount: { N: String(amount) }, sms: { N: '600' } });
    }

    const first = await s.run();
    const line = lastAccountLine(first.fn);
    const firstCalls = s.aws.calls.map((c) => c.operation);
    const second = await s.run();

    expect(expectReturned(first.invocation)).toMatchObject({ ok: 1, notified: 0 });
    // The credentials and the batched read go side by side, in either order.
    expect(firstCalls.slice(0, 2).sort()).toEqual(['BatchGetItem', 'GetParameters']);
    expect(firstCalls.slice(2)).toEqual(['Query', 'PutItem']);
    const secondCalls = s.aws.calls.map((c) => c.operation).slice(firstCalls.length);
    expect(secondCalls.slice(0, 2).sort()).toEqual(['BatchGetItem', 'GetParameters']);
    expect(secondCalls.slice(2)).toEqual(['PutItem']);
    expect(line.daysToEmpty).toBeGreaterThan(0.85);
    expect(line.daysToEmpty).toBeLessThan(0.95);
    const stored = await suite.storedState(s);
    expect(stored).toMatchObject({ version: 98, state: { level: 'WARNING', lowNotice } });
    expect(s.publishedKinds()).toEqual([]);
    expectClean(first.fn);
    expectClean(second.fn);
  });

  it('an unreachable DynamoDB fails the run with the store error logged; the next run delivers', async () => {
    const s = await suite.scenario({ balance: LOW });

    const unreachable = await s.run({ env: { AWS_ENDPOINT_URL_DYNAMODB: await closedPortEndpoint() } });
    const next = await s.run();

    expect(expectThrew(unreachable.invocation)).toMatch(/could not record state/);
    expect(lastAccountLine(unreachable.fn).storeError).toMatch(/StateStoreError: DynamoDB GetItem .*failed/);
    expect(s.aws.publishes.map(decode).map((p) => p.kind)).toEqual(['low']);
    expect(expectReturned(next.invocation)).toMatchObject({ notified: 1 });
    expectClean(unreachable.fn);
    expectClean(next.fn, s.aws.publishes);
  });
});
