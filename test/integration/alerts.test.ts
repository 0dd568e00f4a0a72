import {
  type AttributeValue,
  BatchGetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDynamoDbDigestLedger } from '../../lambda/adapters/digest-ledger.js';
import { createDynamoDbStateStore } from '../../lambda/adapters/dynamodb-store.js';
import { createBalanceReader } from '../../lambda/adapters/iletimerkezi.js';
import { createSnsNotifier } from '../../lambda/adapters/sns-notifier.js';
import { createSsmCredentialSource } from '../../lambda/adapters/ssm-credentials.js';
import { createTelemetry } from '../../lambda/adapters/telemetry.js';
import type { AlertState } from '../../lambda/core/alert-state.js';
import type { AccountConfig, MonitorConfig } from '../../lambda/core/config.js';
import { type DigestChannel, sendDigest } from '../../lambda/core/digest-run.js';
import type { DigestFigures } from '../../lambda/core/digest-types.js';
import { renderNotification } from '../../lambda/core/messages.js';
import type { StateStore } from '../../lambda/core/ports.js';
import { type RunSummary, runChecks } from '../../lambda/core/run-checks.js';
import { type LocalDynamoDb, startDynalite } from '../../support/dynalite.js';
import { type ProviderServer, startProviderServer } from '../../support/provider-server.js';
import { testConfig } from '../support/accounts.js';
import { CHAT_TOPIC, orchestrationDeps, TOPIC } from '../support/orchestration.js';

/**
 * The alert semantics through the real orchestration: the real iletiMerkezi client against the
 * provider server, state on dynalite, SSM and SNS through the real adapters with mocked SDK clients.
 */

const KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const HASH = 'f0e1d2c3b4a5968778695a4b3c2d1e0f1234abcd';
const T0 = Date.parse('2026-11-02T06:00:00Z');
const HOUR = 3_600_000;

const ssm = mockClient(SSMClient);
const sns = mockClient(SNSClient);

let dynalite: LocalDynamoDb;
let provider: ProviderServer;
let tableNumber = 0;

beforeAll(async () => {
  dynalite = await startDynalite();
  provider = await startProviderServer({
    credentials: { key: KEY, hash: HASH },
    balance: { amount: 500, sms: 3300 },
  });
});

afterAll(async () => {
  await provider.close();
  await dynalite.close();
});

interface Harness {
  readonly tableName: string;
  readonly store: StateStore;
  readonly config: MonitorConfig;
  readonly account: AccountConfig;
  readonly lines: string[];
  /** One scheduled run at `hours` after T0; a delivery of the scheduled run `runId`, when given. */
  run(hours: number, runId?: string): Promise<RunSummary>;
  /** The `kind` attribute of every message SNS accepted, in order. */
  published(): string[];
}

async function harness(
  policy: Record<string, unknown> = { forecastDays: 0 },
  options: { chat?: boolean } = {},
): Promise<Harness> {
  const tableName = `state-${++tableNumber}`;
  await dynalite.createTable(tableName);
  let now = T0;
  // The store dates its writes, and the samples it migrates, by the run's clock.
  const store = createDynamoDbStateStore({ tableName, client: dynalite.client, now: () => now });
  const config = testConfig({
    accounts: [
      {
        name: 'main',
        baseUrl: provider.origin,
        thresholds: { warning: { amount: 100 }, critical: { amount: 25 } },
      },
    ],
    policy,
    attemptTimeoutMs: 500,
    deadlineMs: 2_000,
  });
  const account = config.accounts[0] as AccountConfig;
  const lines: string[] = [];
  const deps = orchestrationDeps({ store, lines, now: () => now, chat: options.chat === true });
  return {
    tableName,
    store,
    config,
    account,
    lines,
    run(hours, runId) {
      now = T0 + hours * HOUR;
      const deadlineAt = Date.now() + 10_000;
      return runChecks(config, deps, runId ? { deadlineAt, runId } : { deadlineAt });
    },
    published: () => acceptedKinds(),
  };
}

/** Publishes that SNS accepted (the mock answers with a MessageId). */
let accepted: string[] = [];
function acceptedKinds(): string[] {
  return accepted;
}

function kindOf(input: unknown): string {
  const attributes = (input as { MessageAttributes?: Record<string, { StringValue?: string }> })
    .MessageAttributes;
  return attributes?.kind?.StringValue ?? '?';
}

beforeEach(() => {
  ssm.reset();
  sns.reset();
  accepted = [];
  // The layout the credentials command writes: one SecureString holding key and hash.
  ssm.on(GetParametersCommand).resolves({
    Parameters: [
      {
        Name: '/iletimerkezi/main/credentials',
        Type: 'SecureString',
        Value: JSON.stringify({ key: KEY, hash: HASH }),
      },
    ],
    InvalidParameters: [],
  });
  sns.on(PublishCommand).callsFake((input) => {
    accepted.push(kindOf(input));
    return { MessageId: `m-${accepted.length}` };
  });
  provider.setDefault({ kind: 'contract' });
  provider.setBalance({ amount: 500, sms: 3300 });
});

async function putLegacyItem(tableName: string, sortKey: string, attributes: Record<string, AttributeValue>) {
  await dynalite.client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: { pk: { S: 'ACCOUNT#main' }, sk: { S: sortKey }, ...attributes },
    }),
  );
}

/** How many sample items the account's partition holds. */
async function sampleItems(tableName: string): Promise<number> {
  const { Count } = await dynalite.client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: 'ACCOUNT#main' }, ':prefix': { S: 'SAMPLE#' } },
      Select: 'COUNT',
    }),
  );
  return Count ?? 0;
}

function balance(amount: number): void {
  provider.setBalance({ amount, sms: Math.round(amount * 6.5) });
}

describe('a month of balance checks', () => {
  it('tells recipients exactly what they need: low, escalation, reminders, top-up', async () => {
    const h = await harness();
    const steps: [hours: number, amount: number, expected: string[]][] = [
      [0, 500, []],
      [6, 300, []],
      [24, 90, ['low']],
      [24.25, 88, ['low']],
      [36, 70, ['low']],
      [48, 60, ['low', 'low-reminder']],
      [50, 20, ['low', 'low-reminder', 'low']],
      [53, 18, ['low', 'low-reminder', 'low']],
      [56, 15, ['low', 'low-reminder', 'low', 'low-reminder']],
      [57, 1000, ['low', 'low-reminder', 'low', 'low-reminder', 'recovered']],
      [80, 990, ['low', 'low-reminder', 'low', 'low-reminder', 'recovered']],
    ];
    for (const [hours, amount, expected] of steps) {
      balance(amount);
      await h.run(hours);
      expect(h.published(), `after the run at ${hours} h with ${amount} TL`).toEqual(expected);
    }
  });

  it('announces an authentication failure at once and the recovery after it is fixed', async () => {
    const h = await harness();
    await h.run(0);
    provider.setDefault({ kind: 'status', code: 401 });
    await h.run(1);
    await h.run(2);
    provider.setDefault({ kind: 'contract' });
    await h.run(3);
    expect(h.published()).toEqual(['check-failed', 'monitor-recovered']);
    const failure = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(failure?.MessageAttributes?.severity?.StringValue).toBe('CRITICAL');
    expect(failure?.Message).toContain('Allow API access');
  });

  it('stays silent for two transient failures and notifies on the third', async () => {
    const h = await harness();
    await h.run(0);
    provider.setDefault({ kind: 'html', status: 503 });
    await h.run(0.25);
    await h.run(0.5);
    expect(h.published()).toEqual([]);
    await h.run(0.75);
    expect(h.published()).toEqual(['check-failed']);
  });

  it('never reads a garbage balance as a zero balance', async () => {
    const h = await harness();
    await h.run(0);
    provider.setDefault({ kind: 'balance', balance: { amount: 'abc', sms: null } });
    await h.run(1);
    expect(h.published()).toEqual([]);
    expect((await h.store.load('main'))?.state.level).toBe('OK');
  });
});

describe('delivery', () => {
  it('a notice SNS refused is delivered by the next run, once', async () => {
    const h = await harness();
    sns
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    balance(80);
    const first = await h.run(0);
    expect(first.accounts[0]?.publishError).toContain('ThrottlingException');
    expect((await h.store.load('main'))?.state.pending).toMatchObject({ attempts: 1 });
    sns.on(PublishCommand).callsFake((input) => {
      accepted.push(kindOf(input));
      return { MessageId: 'm-retry' };
    });
    await h.run(0.25);
    await h.run(0.5);
    expect(h.published()).toEqual(['low']);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
    expect((await h.store.load('main'))?.state.pending).toBeUndefined();
  });

  it.each([2, 5])('%i runs at the same moment send exactly one notification', async (runs) => {
    const h = await harness();
    balance(20);
    await Promise.all(Array.from({ length: runs }, () => h.run(0)));
    expect(h.published()).toEqual(['low']);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('a refused notice is not silenced by a newer one: both go out, the older first', async () => {
    const h = await harness();
    balance(20);
    await h.run(0);
    sns
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    balance(1000);
    await h.run(1);
    sns.on(PublishCommand).callsFake((input) => {
      accepted.push(kindOf(input));
      return { MessageId: 'm-after' };
    });
    balance(80);
    await h.run(2);
    expect(h.published()).toEqual(['low', 'recovered', 'low']);
    expect((await h.store.load('main'))?.state.pending).toBeUndefined();
  });

  it.each([3, 5])('%i deliveries of each failing run send one failure notice in all', async (deliveries) => {
    const h = await harness();
    provider.setDefault({ kind: 'html', status: 503 });
    for (const hours of [0, 0.25, 0.5]) {
      await Promise.all(Array.from({ length: deliveries }, () => h.run(hours)));
    }
    expect(h.published()).toEqual(['check-failed']);
  });

  it('a duplicate delivery of a scheduled run does not count its failure twice', async () => {
    const h = await harness();
    provider.setDefault({ kind: 'html', status: 503 });
    for (const [hours, runId] of [
      [0, 'T0'],
      [0.01, 'T0'],
      [0.25, 'T1'],
      [0.26, 'T1'],
    ] as const) {
      await h.run(hours, runId);
    }
    expect((await h.store.load('main'))?.state.failures?.count).toBe(2);
    expect(h.published()).toEqual([]);
    await h.run(0.5, 'T2');
    expect(h.published()).toEqual(['check-failed']);
  });

  it('a duplicate delivery of a scheduled run does not record its reading twice in the history', async () => {
    const h = await harness();
    await h.run(0, 'T0');
    balance(490);
    await h.run(0.01, 'T0');

    const history = (await h.store.load('main'))?.history;
    expect(history?.last).toEqual({ at: T0, amount: 500, sms: 3300 });
    expect(history?.hours).toHaveLength(1);
  });

  it('a retry of a scheduled run whose publish failed delivers the notice without deciding again', async () => {
    const h = await harness();
    sns
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    balance(20);
    await h.run(0, 'T0');
    sns.on(PublishCommand).callsFake((input) => {
      accepted.push(kindOf(input));
      return { MessageId: 'm-retry' };
    });
    await h.run(0.02, 'T0');
    await h.run(0.03, 'T0');
    expect(h.published()).toEqual(['low']);
    const state = (await h.store.load('main'))?.state;
    expect(state?.pending).toBeUndefined();
    expect(state?.runId).toBe('T0');
  });

  it('a claim left by a run that died is taken over after the claim TTL', async () => {
    const h = await harness();
    balance(80);
    await h.run(0);
    const stored = await h.store.load('main');
    const state = stored?.state as AlertState;
    const notification = {
      kind: 'low' as const,
      account: 'main',
      severity: 'WARNING' as const,
      level: 'WARNING' as const,
      at: new Date(T0).toISOString(),
    };
    await h.store.save(
      'main',
      {
        ...state,
        pending: { notification, claimId: 'dead-run', claimedAt: new Date(T0).toISOString(), attempts: 0 },
      },
      stored?.version ?? 0,
    );
    await h.run(0.02);
    expect(h.published()).toEqual(['low']);
    await h.run(0.25);
    expect(h.published()).toEqual(['low', 'low']);
  });

  it('publishes with the exact SNS input: JSON structure, subject and filter attributes', async () => {
    const h = await harness();
    balance(20);
    await h.run(0);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      MessageStructure: 'json',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'CRITICAL' },
        account: { DataType: 'String', StringValue: 'main' },
        kind: { DataType: 'String', StringValue: 'low' },
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
      },
    });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    const message = JSON.parse(input?.Message ?? '{}') as Record<string, string>;
    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'https', 'sms']);
    expect(JSON.parse(message.https ?? '{}')).toMatchObject({
      schema: 'iletimerkezi-balance-monitor/notice/v1',
      status: 'firing',
      kind: 'low',
      account: 'main',
      amount: 20,
    });
    expect(input?.Subject).toMatch(/^[\x20-\x7e]{1,99}$/);
  });

  it('reads the credentials with one batched, decrypted GetParameters call of the combined parameter', async () => {
    const h = await harness();
    await h.run(0);
    expect(ssm).toHaveReceivedCommandExactlyOnceWith(GetParametersCommand, {
      Names: ['/iletimerkezi/main/credentials'],
      WithDecryption: true,
    });
  });

  it('keeps the key and the hash out of every log line and message', async () => {
    const h = await harness();
    provider.setDefault({ kind: 'echo-credentials', status: 401 });
    await h.run(0);
    const published = sns.commandCalls(PublishCommand).map((call) => JSON.stringify(call.args[0].input));
    const everything = [...h.lines, ...published].join('\n');
    expect(published.length).toBe(1);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(HASH);
  });
});

describe('delivery on two channels, the main topic and chat', () => {
  /** Publishes refused per topic, queued by refuse(). */
  const refusals = new Map<string, number>();
  /** Publishes accepted, as `topic:<kind>` or `chat:<kind>`, in order. */
  let delivered: string[] = [];
  const refuse = (topicArn: string, times = 1) =>
    refusals.set(topicArn, (refusals.get(topicArn) ?? 0) + times);
  const topicsCalled = () => sns.commandCalls(PublishCommand).map((call) => call.args[0].input.TopicArn);

  beforeEach(() => {
    refusals.clear();
    delivered = [];
    sns.on(PublishCommand).callsFake((input: { TopicArn?: string }) => {
      const topicArn = input.TopicArn ?? '';
      const left = refusals.get(topicArn) ?? 0;
      if (left > 0) {
        refusals.set(topicArn, left - 1);
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      delivered.push(`${topicArn === CHAT_TOPIC ? 'chat' : 'topic'}:${kindOf(input)}`);
      return { MessageId: `m-${delivered.length}` };
    });
  });

  it('publishes each notice once on each topic, with the exact input of each', async () => {
    const h = await harness({ forecastDays: 0 }, { chat: true });
    balance(20);
    await h.run(0);
    await h.run(0.25);

    expect(delivered).toEqual(['topic:low', 'chat:low']);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
    expect(sns).toHaveReceivedNthCommandWith(PublishCommand, 1, {
      TopicArn: TOPIC,
      MessageStructure: 'json',
    });
    expect(sns).toHaveReceivedNthCommandWith(PublishCommand, 2, {
      TopicArn: CHAT_TOPIC,
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'CRITICAL' },
        account: { DataType: 'String', StringValue: 'main' },
        kind: { DataType: 'String', StringValue: 'low' },
      },
    });
    const chat = sns.commandCalls(PublishCommand)[1]?.args[0].input;
    expect(chat?.MessageStructure).toBeUndefined();
    expect(chat?.Subject).toBeUndefined();
    expect(JSON.parse(chat?.Message ?? '{}')).toMatchObject({
      version: '1.0',
      source: 'custom',
      metadata: { eventType: 'low' },
    });
    expect((await h.store.load('main'))?.state.pending).toBeUndefined();
  });

  it('chat refused and the topic accepted: the next run publishes on chat only, once', async () => {
    const h = await harness({ forecastDays: 0 }, { chat: true });
    balance(20);
    refuse(CHAT_TOPIC);
    const first = await h.run(0);
    const stored = (await h.store.load('main'))?.state.pending;
    await h.run(0.25);
    await h.run(0.5);

    expect(first.accounts[0]).toMatchObject({ notified: 'low', failedChannels: ['chat'] });
    expect(first.accounts[0]?.publishError).toMatch(
      /^chat: SnsPublishError: SNS Publish failed: ThrottlingException/,
    );
    expect(stored?.channels).toMatchObject({
      topic: { status: 'delivered', attempts: 0 },
      chat: { status: 'pending', attempts: 1 },
    });
    expect(topicsCalled()).toEqual([TOPIC, CHAT_TOPIC, CHAT_TOPIC]);
    expect(delivered).toEqual(['topic:low', 'chat:low']);
    expect((await h.store.load('main'))?.state.pending).toBeUndefined();
  });

  it('the topic refused and chat accepted: the next run publishes on the topic only, once', async () => {
    const h = await harness({ forecastDays: 0 }, { chat: true });
    balance(20);
    refuse(TOPIC);
    const first = await h.run(0);
    await h.run(0.25);
    await h.run(0.5);

    expect(first.accounts[0]).toMatchObject({ notified: 'low', failedChannels: ['topic'] });
    expect(topicsCalled()).toEqual([TOPIC, CHAT_TOPIC, TOPIC]);
    expect(delivered).toEqual(['chat:low', 'topic:low']);
    expect(JSON.parse(h.lines[0] ?? '{}')).toMatchObject({ level: 'error', failedChannels: ['topic'] });
  });

  it('both refused: the next run publishes on both, once each', async () => {
    const h = await harness({ forecastDays: 0 }, { chat: true });
    balance(20);
    refuse(TOPIC);
    refuse(CHAT_TOPIC);
    const first = await h.run(0);
    await h.run(0.25);
    await h.run(0.5);

    expect(first.accounts[0]?.failedChannels).toEqual(['topic', 'chat']);
    expect(first.notified).toBe(0);
    expect(delivered).toEqual(['topic:low', 'chat:low']);
  });

  it.each([2, 5])('%i runs at the same moment send exactly one notice per channel', async (runs) => {
    const h = await harness({ forecastDays: 0 }, { chat: true });
    balance(20);
    await Promise.all(Array.from({ length: runs }, () => h.run(0)));

    expect(delivered).toEqual(['topic:low', 'chat:low']);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
  });

  it('3 deliveries of a scheduled run whose chat publish was refused send chat the notice once, the topic never again', async () => {
    const h = await harness({ forecastDays: 0 }, { chat: true });
    balance(20);
    refuse(CHAT_TOPIC);
    await h.run(0, 'T0');
    await Promise.all([h.run(0.01, 'T0'), h.run(0.01, 'T0'), h.run(0.01, 'T0')]);

    expect(delivered).toEqual(['topic:low', 'chat:low']);
    expect(topicsCalled()).toEqual([TOPIC, CHAT_TOPIC, CHAT_TOPIC]);
    const state = (await h.store.load('main'))?.state;
    expect(state?.pending).toBeUndefined();
    expect(state?.runId).toBe('T0');
  });

  it('a claim left by a run that died is taken over after the claim TTL, on the undelivered channel only', async () => {
    const h = await harness({ forecastDays: 0 }, { chat: true });
    await h.run(0);
    const stored = await h.store.load('main');
    const at = new Date(T0).toISOString();
    await h.store.save(
      'main',
      {
        ...(stored?.state as AlertState),
        pending: {
          notification: { kind: 'low', account: 'main', severity: 'WARNING', level: 'WARNING', at },
          channels: {
            topic: { status: 'pending', attempts: 0 },
            chat: { status: 'delivered', deliveredAt: at, attempts: 0 },
          },
          claimId: 'dead-run',
          claimedAt: at,
          attempts: 0,
        },
      },
      stored?.version ?? 0,
      stored?.history,
    );
    await h.run(0.02);
    expect(delivered).toEqual([]);
    await h.run(0.25);

    expect(delivered).toEqual(['topic:low']);
    expect((await h.store.load('main'))?.state.pending).toBeUndefined();
  });

  it('a pending item of the release before channels, its older notice bare, goes to both topics in order, once', async () => {
    const h = await harness({ forecastDays: 0 }, { chat: true });
    const at = new Date(T0 - HOUR).toISOString();
    const low = { kind: 'low', account: 'main', severity: 'CRITICAL', level: 'CRITICAL', at };
    const recovered = { kind: 'recovered', account: 'main', severity: 'CRITICAL', level: 'OK', at };
    await putLegacyItem(h.tableName, 'STATE', {
      state: {
        S: JSON.stringify({
          level: 'OK',
          levelSince: at,
          pending: { notification: recovered, earlier: [low], attempts: 1, lastError: 'ThrottlingException' },
        }),
      },
      version: { N: '3' },
    });
    await h.run(0);
    await h.run(0.25);

    expect(delivered).toEqual(['topic:low', 'chat:low', 'topic:recovered', 'chat:recovered']);
    expect((await h.store.load('main'))?.state.pending).toBeUndefined();
  });

  it('a notice on two channels costs three conditional writes: the claim, the topic’s mark, the settle', async () => {
    const h = await harness({ forecastDays: 0 }, { chat: true });
    await h.run(0);
    balance(20);
    const send = vi.spyOn(dynalite.client, 'send');
    await h.run(0.25);
    const writes = send.mock.calls
      .map(([command]) => command as unknown)
      .filter((command): command is PutItemCommand => command instanceof PutItemCommand)
      .map((command) => JSON.parse(command.input.Item?.state?.S ?? '{}') as AlertState);
    send.mockRestore();

    expect(writes.map((state) => state.pending?.channels)).toEqual([
      { topic: { status: 'pending', attempts: 0 }, chat: { status: 'pending', attempts: 0 } },
      {
        topic: { status: 'delivered', deliveredAt: new Date(T0 + 0.25 * HOUR).toISOString(), attempts: 0 },
        chat: { status: 'pending', attempts: 0 },
      },
      undefined,
    ]);
    expect(writes[1]?.pending?.claimId).toBe(writes[0]?.pending?.claimId);
    expect(delivered).toEqual(['topic:low', 'chat:low']);
  });

  it('without chat configured nothing is published to chat and nothing waits for it', async () => {
    const h = await harness();
    balance(20);
    await h.run(0);

    expect(topicsCalled()).toEqual([TOPIC]);
    expect((await h.store.load('main'))?.state.pending).toBeUndefined();
  });
});

describe('when the state cannot be recorded', () => {
  it('still reports the level the reading reached, and decides nothing', async () => {
    const lines: string[] = [];
    const config = testConfig({
      accounts: [{ name: 'main', baseUrl: provider.origin, thresholds: { critical: { amount: 25 } } }],
      attemptTimeoutMs: 500,
      deadlineMs: 2_000,
    });
    balance(20);
    const summary = await runChecks(
      config,
      {
        credentials: createSsmCredentialSource({ client: new SSMClient({ region: 'eu-central-1' }) }),
        reader: createBalanceReader({ backoffBaseMs: 5 }),
        store: createDynamoDbStateStore({ tableName: 'no-such-table', client: dynalite.client }),
        notifier: createSnsNotifier({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-central-1' }) }),
        renderer: { render: (n, a) => renderNotification(n, a, 'en', 'Europe/Istanbul') },
        telemetry: createTelemetry({ write: (line) => lines.push(line) }),
        clock: () => new Date(T0),
        newClaimId: () => 'claim',
      },
      { deadlineAt: Date.now() + 10_000 },
    );
    expect(summary.accounts[0]).toMatchObject({
      outcome: 'ok',
      level: 'CRITICAL',
      storeError: expect.any(String),
    });
    expect(summary.problems).toBe(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ balanceLevel: 'CRITICAL', amount: 20 });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});

describe('credentials cached by a warm function', () => {
  it('a key rotated since it was cached is read again before an auth failure is told', async () => {
    const tableName = `state-${++tableNumber}`;
    await dynalite.createTable(tableName);
    let now = T0 - HOUR / 4;
    const credentials = createSsmCredentialSource({
      client: new SSMClient({ region: 'eu-central-1' }),
      now: () => now,
    });
    const config = testConfig({
      accounts: [{ name: 'main', baseUrl: provider.origin, thresholds: { critical: { amount: 25 } } }],
      attemptTimeoutMs: 500,
      deadlineMs: 2_000,
    });
    // The previous run of this warm function cached the key before it was rotated.
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        {
          Name: '/iletimerkezi/main/credentials',
          Type: 'SecureString',
          Value: '{"key":"old-key","hash":"old-hash"}',
        },
      ],
    });
    await credentials.load(config.accounts);
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        {
          Name: '/iletimerkezi/main/credentials',
          Type: 'SecureString',
          Value: JSON.stringify({ key: KEY, hash: HASH }),
        },
      ],
    });
    now = T0;
    const summary = await runChecks(
      config,
      {
        credentials,
        reader: createBalanceReader({ backoffBaseMs: 5 }),
        store: createDynamoDbStateStore({ tableName, client: dynalite.client }),
        notifier: createSnsNotifier({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-central-1' }) }),
        renderer: { render: (n, a) => renderNotification(n, a, 'en', 'Europe/Istanbul') },
        telemetry: createTelemetry({ write: () => undefined }),
        clock: () => new Date(now),
        newClaimId: () => 'claim',
      },
      { deadlineAt: Date.now() + 10_000 },
    );

    expect(summary.accounts[0]).toMatchObject({ outcome: 'ok', level: 'OK' });
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});

describe('state and history in one item', () => {
  it('a quiet run reads the account’s item once, in a batch, and writes it once', async () => {
    const h = await harness();
    await h.run(0);
    const send = vi.spyOn(dynalite.client, 'send');
    await h.run(0.25);

    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual([
      'BatchGetItemCommand',
      'PutItemCommand',
    ]);
    send.mockRestore();
  });

  it('a batched read that fails leaves each account to a read of its own, and the run goes on', async () => {
    const h = await harness();
    await h.run(0);
    const original = dynalite.client.send.bind(dynalite.client);
    const send = vi.spyOn(dynalite.client, 'send').mockImplementation(((command: unknown) => {
      if (command instanceof BatchGetItemCommand) {
        return Promise.reject(
          Object.assign(new Error('Internal server error'), { name: 'InternalServerError' }),
        );
      }
      return original(command as PutItemCommand);
    }) as typeof dynalite.client.send);
    const summary = await h.run(0.25);

    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual([
      'BatchGetItemCommand',
      'GetItemCommand',
      'PutItemCommand',
    ]);
    expect(summary).toMatchObject({ ok: 1, problems: 0 });
    send.mockRestore();
  });

  it('a table written by the release that kept samples keeps its episode and its forecast', async () => {
    const h = await harness({});
    // A WARNING episode with its notice, and a day of samples draining 100 TL a day.
    const episode: AlertState = {
      level: 'WARNING',
      levelSince: new Date(T0 - 24 * HOUR).toISOString(),
      lowNotice: { level: 'WARNING', at: new Date(T0 - 2 * HOUR).toISOString() },
      lastBalance: { amount: 95, sms: 617, at: new Date(T0 - 0.25 * HOUR).toISOString() },
    };
    await putLegacyItem(h.tableName, 'STATE', {
      state: { S: JSON.stringify(episode) },
      version: { N: '96' },
    });
    for (let quarter = 96; quarter >= 1; quarter--) {
      const at = new Date(T0 - quarter * 0.25 * HOUR).toISOString();
      const amount = Math.round((95 + ((quarter - 1) * 100) / 96) * 100) / 100;
      await putLegacyItem(h.tableName, `SAMPLE#${at}`, {
        at: { S: at },
        amount: { N: String(amount) },
        sms: { N: '600' },
      });
    }
    balance(94.74);
    await h.run(0);

    const stored = await h.store.load('main');
    expect(stored?.state.lowNotice).toEqual(episode.lowNotice);
    expect(stored?.version).toBe(97);
    expect(h.published()).toEqual([]);
    const report = JSON.parse(h.lines[0] ?? '{}') as { daysToEmpty?: number };
    expect(report.daysToEmpty).toBeGreaterThan(0.9);
    expect(report.daysToEmpty).toBeLessThan(1);
    expect(await sampleItems(h.tableName)).toBe(96);
  });
});

describe('forecast', () => {
  it('warns before any threshold is crossed when the balance would run out within 3 days', async () => {
    const h = await harness({});
    // 1000 TL draining 100 TL a day: empty in 10 days at the start, in under 3 days by day 7.
    const kinds: string[][] = [];
    for (let hours = 0; hours <= 8 * 24; hours += 6) {
      balance(1000 - (100 * hours) / 24);
      await h.run(hours);
      kinds.push([...h.published()]);
    }
    const firstForecast = kinds.findIndex((k) => k.includes('forecast'));
    expect(firstForecast).toBeGreaterThan(0);
    const hoursAtForecast = firstForecast * 6;
    const daysLeft = (1000 - (100 * hoursAtForecast) / 24) / 100;
    expect(daysLeft).toBeGreaterThanOrEqual(2);
    expect(daysLeft).toBeLessThanOrEqual(3.1);
  });

  it('stays silent on a flat balance', async () => {
    const h = await harness({});
    for (let hours = 0; hours <= 72; hours += 6) await h.run(hours);
    expect(h.published()).toEqual([]);
  });
});

describe('a spend spike', () => {
  /** A week of hourly runs at 5 TL an hour; returns the balance after the last one. */
  async function normalWeek(h: Harness): Promise<number> {
    let amount = 5000;
    for (let hour = 0; hour < 168; hour++) {
      balance(amount);
      await h.run(hour);
      amount -= 5;
    }
    return amount + 5;
  }

  it('a week at 5 TL an hour, then 300 TL in one hour: one spike notice within two runs', async () => {
    const h = await harness();
    const before = await normalWeek(h);
    expect(h.published()).toEqual([]);
    balance(before - 150);
    await h.run(168.25);
    balance(before - 300);
    await h.run(168.5);
    expect(h.published()).toEqual(['spend-spike']);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.MessageAttributes?.severity?.StringValue).toBe('WARNING');
    const bodies = JSON.parse(input?.Message ?? '{}') as { https: string };
    const webhook = JSON.parse(bodies.https) as {
      kind: string;
      spend: { burnPerHour: number; multiple: number };
    };
    expect(webhook.spend).toMatchObject({ burnPerHour: 150, multiple: 30 });
  });

  it('a week at 5 TL an hour, then a top-up of 300 TL: no spike notice', async () => {
    const h = await harness();
    const before = await normalWeek(h);
    balance(before - 1.25 + 300);
    await h.run(168.25);
    balance(before - 2.5 + 300);
    await h.run(168.5);
    expect(h.published()).toEqual([]);
  });

  it('five days read 08:00–18:00 at 5 TL an hour around the clock: no spike notice on any morning', async () => {
    const h = await harness();
    for (let day = 0; day < 6; day++) {
      for (let hour = 8; hour <= 18; hour += 0.25) {
        if (day === 5 && hour > 8.25) break;
        const hours = day * 24 + hour;
        balance(5000 - 5 * hours);
        await h.run(hours);
      }
    }
    expect(h.published()).toEqual([]);
  });

  it('a week at 5 TL an hour, then an outage of 4 hours: no spike notice when the readings resume', async () => {
    const h = await harness();
    const before = await normalWeek(h);
    balance(before - 5 * 5);
    await h.run(172);
    balance(before - 5 * 6);
    await h.run(173);
    expect(h.published()).toEqual([]);
  });
});

describe('the weekly digest', () => {
  const CHAT_TOPIC = 'arn:aws:sns:eu-central-1:123456789012:balance-chat';

  /** A week of hourly runs at 5 TL an hour from 5000 TL, with a 1000 TL top-up at hour 100. */
  async function replayedWeek(): Promise<Harness> {
    const h = await harness();
    let amount = 5000;
    for (let hour = 0; hour < 168; hour++) {
      if (hour > 0) amount -= 5;
      if (hour === 100) amount += 1000;
      balance(amount);
      await h.run(hour);
    }
    return h;
  }

  function digestOf(
    h: Harness,
    channels: readonly DigestChannel[],
    digestId: string,
    options: { at?: number; claimTtlMs?: number } = {},
  ) {
    return sendDigest(
      h.config,
      {
        store: h.store,
        ledger: createDynamoDbDigestLedger({ tableName: h.tableName, client: dynalite.client }),
        channels,
        clock: () => new Date(options.at ?? T0 + 167.5 * HOUR),
        newClaimId: () => `digest-claim-${Math.random()}`,
        ...(options.claimTtlMs === undefined ? {} : { claimTtlMs: options.claimTtlMs }),
      },
      digestId,
    );
  }

  const topic: DigestChannel = {
    name: 'topic',
    notifier: createSnsNotifier({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-central-1' }) }),
  };
  const chat: DigestChannel = {
    name: 'chat',
    notifier: createSnsNotifier({ topicArn: CHAT_TOPIC, client: new SNSClient({ region: 'eu-central-1' }) }),
  };

  it('says what the replayed week did: spend without the top-up, the top-up, lowest and current balance', async () => {
    const h = await replayedWeek();
    const before = await h.store.load('main');
    const result = await digestOf(h, [topic], '2026-11-09T06:00:00Z');
    expect(result).toMatchObject({ outcome: 'sent', published: ['topic'], problems: 0 });
    const input = sns.commandCalls(PublishCommand).at(-1)?.args[0].input;
    expect(input?.MessageAttributes?.severity?.StringValue).toBe('INFO');
    expect(input?.MessageAttributes?.kind?.StringValue).toBe('digest');
    const bodies = JSON.parse(input?.Message ?? '{}') as { https: string; email: string };
    const { digest } = JSON.parse(bodies.https) as { digest: DigestFigures };
    // 167 hours of 5 TL, less the hour of the top-up, which shows its net rise (995 TL).
    expect(digest.accounts[0]).toMatchObject({
      account: 'main',
      spent: 830,
      topUps: 1,
      toppedUp: 995,
      lowest: 5000 - 99 * 5,
      current: 5000 - 167 * 5 + 1000,
      notices: 0,
      silenced: false,
    });
    expect(bodies.email).toContain('830.00 TL');
    // The digest reads the states and changes none.
    expect(await h.store.load('main')).toEqual(before);
  });

  it('is published once when its event is delivered twice', async () => {
    const h = await replayedWeek();
    const calls = sns.commandCalls(PublishCommand).length;
    const first = await digestOf(h, [topic, chat], '2026-11-09T06:00:00Z');
    const second = await digestOf(h, [topic, chat], '2026-11-09T06:00:00Z');
    expect([first.outcome, second.outcome]).toEqual(['sent', 'duplicate']);
    expect(sns.commandCalls(PublishCommand).length - calls).toBe(2);
  });

  it('is retried after a refused publish, and the retry sends only the channel still missing', async () => {
    const h = await replayedWeek();
    sns
      .on(PublishCommand, { TopicArn: CHAT_TOPIC })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }))
      .resolves({ MessageId: 'chat-1' });
    const first = await digestOf(h, [topic, chat], '2026-11-09T06:00:00Z');
    expect(first).toMatchObject({ outcome: 'failed', published: ['topic'], problems: 1 });
    const topicCalls = () =>
      sns.commandCalls(PublishCommand).filter((c) => c.args[0].input.TopicArn === TOPIC).length;
    const before = topicCalls();
    const retry = await digestOf(h, [topic, chat], '2026-11-09T06:00:00Z');
    expect(retry).toMatchObject({ outcome: 'sent', published: ['chat'], problems: 0 });
    expect(topicCalls()).toBe(before);
  });

  it('leaves a digest claimed by a live invocation to it, and takes over a claim left by one that died', async () => {
    const h = await replayedWeek();
    const ledger = createDynamoDbDigestLedger({ tableName: h.tableName, client: dynalite.client });
    const at = T0 + 167.5 * HOUR;
    await ledger.save(
      '2026-11-09T06:00:00Z',
      { status: 'claimed', claimId: 'other', claimedAt: at - 10_000, sent: [] },
      0,
    );
    const calls = sns.commandCalls(PublishCommand).length;
    expect((await digestOf(h, [topic], '2026-11-09T06:00:00Z')).outcome).toBe('busy');
    expect(sns.commandCalls(PublishCommand).length).toBe(calls);

    await ledger.save(
      '2026-11-09T06:00:00Z',
      { status: 'claimed', claimId: 'dead', claimedAt: at - 10 * 60_000, sent: [] },
      1,
    );
    expect((await digestOf(h, [topic], '2026-11-09T06:00:00Z')).outcome).toBe('sent');
    expect(sns.commandCalls(PublishCommand).length).toBe(calls + 1);
  });

  it('fails a delivery that finds the digest claimed by a live invocation, so that Lambda retries it', async () => {
    const h = await replayedWeek();
    const ledger = createDynamoDbDigestLedger({ tableName: h.tableName, client: dynalite.client });
    const at = T0 + 167.5 * HOUR;
    await ledger.save(
      '2026-11-09T06:00:00Z',
      { status: 'claimed', claimId: 'other', claimedAt: at - 5_000, sent: [] },
      0,
    );
    const result = await digestOf(h, [topic], '2026-11-09T06:00:00Z');
    expect(result).toMatchObject({ outcome: 'busy', published: [], problems: 1 });
    expect(result.error).toContain('claimed by another invocation');
  });

  it('delivers a digest whose claiming invocation died on Lambda’s first retry, a minute after the refused delivery', async () => {
    const h = await replayedWeek();
    const ledger = createDynamoDbDigestLedger({ tableName: h.tableName, client: dynalite.client });
    const at = T0 + 167.5 * HOUR;
    // The first invocation claims the digest and dies; a duplicate delivery 5 s later finds the
    // claim live and fails; Lambda retries that one a minute later. The function's timeout is 30 s.
    const claimTtlMs = 30_000 + 10_000;
    await ledger.save(
      '2026-11-09T06:00:00Z',
      { status: 'claimed', claimId: 'died', claimedAt: at, sent: [] },
      0,
    );
    const calls = sns.commandCalls(PublishCommand).length;
    const refused = await digestOf(h, [topic], '2026-11-09T06:00:00Z', { at: at + 5_000, claimTtlMs });
    const retry = await digestOf(h, [topic], '2026-11-09T06:00:00Z', { at: at + 65_000, claimTtlMs });
    expect([refused.problems, retry.outcome]).toEqual([1, 'sent']);
    expect(sns.commandCalls(PublishCommand).length).toBe(calls + 1);
    expect((await ledger.load('2026-11-09T06:00:00Z'))?.mark.status).toBe('done');
  });
});
