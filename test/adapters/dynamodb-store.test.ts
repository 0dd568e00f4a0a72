import {
  type AttributeValue,
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { dynamoItemBytes } from '../../bench/cost.js';
import { createDynamoDbStateStore, StateStoreError } from '../../lambda/adapters/dynamodb-store.js';
import type { AlertState } from '../../lambda/core/alert-state.js';
import {
  accountPartitionKey,
  HISTORY_ATTRIBUTE,
  PARTITION_KEY,
  SORT_KEY,
  STATE_SORT_KEY,
  sampleSortKey,
  TTL_ATTRIBUTE,
} from '../../lambda/core/contract.js';
import type { Sample } from '../../lambda/core/forecast-types.js';
import {
  EMPTY_HISTORY,
  encodeHistory,
  HISTORY_HOURS,
  type History,
  historyFromSamples,
  MAX_HOURS_CHARS,
  recordReading,
} from '../../lambda/core/history.js';
import type { StateStore } from '../../lambda/core/ports.js';
import { LOCAL_AWS, type LocalDynamoDb, startDynalite } from '../../support/dynalite.js';

const NOW = Date.parse('2025-11-24T09:15:00.000Z');
const HOUR = 3_600_000;

const okState: AlertState = { level: 'OK', levelSince: '2025-11-01T00:00:00.000Z' };
const warningState: AlertState = {
  level: 'WARNING',
  levelSince: '2025-11-24T09:15:00.000Z',
  lastBalance: { amount: 10.58, sms: 67, at: '2025-11-24T09:15:00.000Z' },
  lowNotice: { level: 'WARNING', at: '2025-11-24T09:15:00.000Z' },
};

function sample(ms: number, amount: number, sms: number): Sample {
  return { at: new Date(ms).toISOString(), amount, sms };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

let dynamo: LocalDynamoDb;
let table: string;
let tables = 0;
let store: StateStore;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.close();
});

beforeEach(async () => {
  tables += 1;
  table = `balance-monitor-${tables}`;
  await dynamo.createTable(table);
  store = createDynamoDbStateStore({ tableName: table, client: dynamo.client, now: () => NOW });
});

/** A state item as a release before the history wrote it, or with whatever attributes a test needs. */
async function putRaw(attributes: Record<string, AttributeValue>, account = 'main') {
  await dynamo.client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        [PARTITION_KEY]: { S: accountPartitionKey(account) },
        [SORT_KEY]: { S: STATE_SORT_KEY },
        ...attributes,
      },
    }),
  );
}

/** A sample item as the releases that kept samples wrote them. */
async function putSample(account: string, s: Sample, extra: Record<string, AttributeValue> = {}) {
  await dynamo.client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        [PARTITION_KEY]: { S: accountPartitionKey(account) },
        [SORT_KEY]: { S: sampleSortKey(s.at) },
        amount: { N: String(s.amount) },
        sms: { N: String(s.sms) },
        at: { S: s.at },
        [TTL_ATTRIBUTE]: { N: String(Math.floor(Date.parse(s.at) / 1000) + 35 * 86_400) },
        ...extra,
      },
    }),
  );
}

/** A client whose GetItem finds an unmigrated state item, against a table that does not exist. */
function queryFails(): DynamoDBClient {
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
  const original = client.send.bind(client);
  vi.spyOn(client, 'send').mockImplementation(((command: unknown) => {
    if (command instanceof GetItemCommand) {
      return Promise.resolve({ Item: { state: { S: JSON.stringify(okState) }, version: { N: '1' } } });
    }
    return original(command as QueryCommand);
  }) as typeof client.send);
  return client;
}

async function rawItem(account: string, sortKey: string) {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({
      TableName: table,
      Key: { [PARTITION_KEY]: { S: accountPartitionKey(account) }, [SORT_KEY]: { S: sortKey } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

describe('DynamoDB state store: alert state', () => {
  it('loads nothing for an account that was never saved', async () => {
    expect(await store.load('main')).toBeUndefined();
  });

  it('saves a first state at version 0 and loads it back as version 1', async () => {
    expect(await store.save('main', warningState, 0)).toBe('saved');

    expect(await store.load('main')).toEqual({ state: warningState, version: 1 });
  });

  it('writes the next version when the stored version is the expected one', async () => {
    await store.save('main', okState, 0);
    expect(await store.save('main', warningState, 1)).toBe('saved');

    expect(await store.load('main')).toEqual({ state: warningState, version: 2 });
  });

  it('keeps the version, level and update time readable on the item for people, beside the history', async () => {
    await store.save('main', warningState, 0);

    expect(await rawItem('main', STATE_SORT_KEY)).toEqual({
      [PARTITION_KEY]: { S: 'ACCOUNT#main' },
      [SORT_KEY]: { S: 'STATE' },
      state: { S: JSON.stringify(warningState) },
      version: { N: '1' },
      level: { S: 'WARNING' },
      updatedAt: { S: '2025-11-24T09:15:00.000Z' },
      // A save without a history marks the item as migrated with an empty one.
      [HISTORY_ATTRIBUTE]: { S: encodeHistory(EMPTY_HISTORY) },
    });
  });

  it('answers conflict to a second first-save of the same account', async () => {
    const results = [await store.save('main', okState, 0), await store.save('main', warningState, 0)];

    expect(results).toEqual(['saved', 'conflict']);
    expect(await store.load('main')).toEqual({ state: okState, version: 1 });
  });

  it('answers conflict to a save at an outdated version and keeps the newer state', async () => {
    await store.save('main', okState, 0);
    await store.save('main', warningState, 1);

    expect(await store.save('main', okState, 1)).toBe('conflict');
    expect(await store.load('main')).toEqual({ state: warningState, version: 2 });
  });

  it('lets exactly one of five concurrent saves at the same version through', async () => {
    await store.save('main', okState, 0);
    const states: AlertState[] = [1, 2, 3, 4, 5].map((n) => ({ ...warningState, levelSince: iso(NOW + n) }));
    const results = await Promise.all(states.map((state) => store.save('main', state, 1)));

    expect(results.filter((r) => r === 'saved')).toHaveLength(1);
    expect(results.filter((r) => r === 'conflict')).toHaveLength(4);
    const winner = states[results.indexOf('saved')];
    expect(await store.load('main')).toEqual({ state: winner, version: 2 });
  });

  it('lets exactly one of five concurrent first saves through', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => store.save('main', okState, 0)));

    expect(results.filter((r) => r === 'saved')).toHaveLength(1);
  });

  it('keeps the states of different accounts apart', async () => {
    await store.save('main', okState, 0);
    await store.save('backup', warningState, 0);

    expect(await store.load('main')).toEqual({ state: okState, version: 1 });
    expect(await store.load('backup')).toEqual({ state: warningState, version: 1 });
    expect(await store.save('backup', okState, 0)).toBe('conflict');
  });

  it('refuses to load a state item that is not valid JSON, naming the account', async () => {
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          [PARTITION_KEY]: { S: accountPartitionKey('main') },
          [SORT_KEY]: { S: STATE_SORT_KEY },
          state: { S: '{"level":"WARN' },
          version: { N: '3' },
        },
      }),
    );

    await expect(store.load('main')).rejects.toThrow('stored state of account main is corrupt');
  });

  it('refuses to load a state item whose level is unknown', async () => {
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          [PARTITION_KEY]: { S: accountPartitionKey('main') },
          [SORT_KEY]: { S: STATE_SORT_KEY },
          state: { S: JSON.stringify({ level: 'LOW', levelSince: '2025-11-01T00:00:00.000Z' }) },
          version: { N: '1' },
        },
      }),
    );

    await expect(store.load('main')).rejects.toThrow(/corrupt: level/);
  });

  it('refuses to load a state item whose silence has no end time', async () => {
    const state = {
      level: 'OK',
      levelSince: '2025-11-01T00:00:00.000Z',
      silence: { reason: 'x', since: 'y' },
    };
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          [PARTITION_KEY]: { S: accountPartitionKey('main') },
          [SORT_KEY]: { S: STATE_SORT_KEY },
          state: { S: JSON.stringify(state) },
          version: { N: '1' },
        },
      }),
    );

    await expect(store.load('main')).rejects.toThrow(/corrupt: silence.until is not an ISO time/);
  });

  it('loads a silence back as it was saved', async () => {
    const silence = {
      until: '2025-11-02T00:00:00.000Z',
      reason: 'top-up',
      since: '2025-11-01T00:00:00.000Z',
    };
    await store.save('main', { ...warningState, silence }, 0);

    expect((await store.load('main'))?.state.silence).toEqual(silence);
  });

  const putState = (state: unknown) =>
    dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          [PARTITION_KEY]: { S: accountPartitionKey('main') },
          [SORT_KEY]: { S: STATE_SORT_KEY },
          state: { S: JSON.stringify(state) },
          version: { N: '2' },
          history: { S: '' },
        },
      }),
    );
  const notice = (kind: string) => ({
    kind,
    account: 'main',
    severity: 'WARNING',
    level: 'WARNING',
    at: '2025-11-01T00:00:00.000Z',
  });

  it('reads the older notices of a pending item written before channels as queued notices without marks', async () => {
    await putState({
      ...okState,
      pending: { notification: notice('recovered'), earlier: [notice('low')], attempts: 1 },
    });

    expect((await store.load('main'))?.state.pending).toEqual({
      notification: notice('recovered'),
      earlier: [{ notification: notice('low') }],
      attempts: 1,
    });
  });

  it('reads a pending item with per-channel marks as it was written', async () => {
    const channels = {
      topic: { status: 'delivered', deliveredAt: '2025-11-01T00:00:00.000Z', attempts: 0 },
      chat: { status: 'pending', attempts: 2, lastError: 'SnsPublishError: Rate exceeded' },
    };
    const pending = {
      notification: notice('recovered'),
      channels,
      earlier: [{ notification: notice('low'), channels }],
      attempts: 2,
    };
    await putState({ ...okState, pending });

    expect((await store.load('main'))?.state.pending).toEqual(pending);
  });

  it('refuses a pending item whose channel marks are not an object', async () => {
    await putState({ ...okState, pending: { notification: notice('low'), channels: 'chat', attempts: 0 } });

    await expect(store.load('main')).rejects.toThrow(/corrupt: pending.channels is not an object/);
  });
});

describe('DynamoDB state store: balance history', () => {
  it('saves the history with the state and loads both back', async () => {
    const history = historyFromSamples([sample(NOW - 2 * HOUR, 100, 600), sample(NOW, 90, 550)]);
    await store.save('main', warningState, 0, history);

    expect(await store.load('main')).toEqual({ state: warningState, version: 1, history });
  });

  it('stores the history as one attribute of the state item', async () => {
    const history = historyFromSamples([sample(NOW, 10.58, 67)]);
    await store.save('main', warningState, 0, history);

    expect((await rawItem('main', STATE_SORT_KEY))?.[HISTORY_ATTRIBUTE]).toEqual({
      S: encodeHistory(history),
    });
  });

  it('reads a state item with a history in one strongly consistent GetItem', async () => {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
    const mocked = mockClient(client);
    mocked.on(GetItemCommand).resolves({
      Item: {
        [PARTITION_KEY]: { S: 'ACCOUNT#main' },
        [SORT_KEY]: { S: STATE_SORT_KEY },
        state: { S: JSON.stringify(okState) },
        version: { N: '4' },
        [HISTORY_ATTRIBUTE]: { S: encodeHistory(EMPTY_HISTORY) },
      },
    });
    const watched = createDynamoDbStateStore({ tableName: table, client });

    expect(await watched.load('main')).toEqual({ state: okState, version: 4 });
    expect(mocked).toHaveReceivedCommandExactlyOnceWith(GetItemCommand, {
      TableName: table,
      Key: { [PARTITION_KEY]: { S: 'ACCOUNT#main' }, [SORT_KEY]: { S: STATE_SORT_KEY } },
      ConsistentRead: true,
    });
    expect(mocked).not.toHaveReceivedCommand(QueryCommand);
    mocked.restore();
  });

  it('reads nothing more for an account never saved', async () => {
    const send = vi.spyOn(dynamo.client, 'send');

    expect(await store.load('main')).toBeUndefined();
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(['GetItemCommand']);
    send.mockRestore();
  });

  it('starts afresh, and says so, when the stored history is unreadable', async () => {
    const warn = vi.fn();
    const watched = createDynamoDbStateStore({ tableName: table, client: dynamo.client, warn });
    await putRaw({
      state: { S: JSON.stringify(okState) },
      version: { N: '2' },
      [HISTORY_ATTRIBUTE]: { S: '{"v":1,"at":' },
    });

    expect(await watched.load('main')).toEqual({ state: okState, version: 2 });
    expect(warn).toHaveBeenCalledWith('unreadable balance history started afresh', { account: 'main' });
  });
});

describe('DynamoDB state store: reading many accounts at once', () => {
  it('reads the items of 250 accounts in three strongly consistent batches of at most 100 keys', async () => {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
    const mocked = mockClient(client);
    mocked.on(BatchGetItemCommand).resolves({ Responses: { [table]: [] } });
    const names = Array.from({ length: 250 }, (_, i) => `acct-${i}`);
    const keyOf = (name: string) => ({
      [PARTITION_KEY]: { S: `ACCOUNT#${name}` },
      [SORT_KEY]: { S: STATE_SORT_KEY },
    });

    const loaded = await createDynamoDbStateStore({ tableName: table, client }).loadMany?.(names);

    expect(mocked).toHaveReceivedCommandTimes(BatchGetItemCommand, 3);
    expect(mocked).toHaveReceivedCommandWith(BatchGetItemCommand, {
      RequestItems: { [table]: { Keys: names.slice(0, 100).map(keyOf), ConsistentRead: true } },
    });
    expect(mocked).toHaveReceivedCommandWith(BatchGetItemCommand, {
      RequestItems: { [table]: { Keys: names.slice(200).map(keyOf), ConsistentRead: true } },
    });
    expect(loaded?.size).toBe(250);
    expect([...(loaded?.values() ?? [])].every((stored) => stored === undefined)).toBe(true);
    mocked.restore();
  });

  it('maps each account to its state and history, and an account never saved to undefined', async () => {
    const history = historyFromSamples([sample(NOW - HOUR, 100, 600), sample(NOW, 90, 550)]);
    await store.save('main', warningState, 0, history);

    const loaded = await store.loadMany?.(['main', 'backup']);

    expect(loaded).toEqual(
      new Map([
        ['main', { state: warningState, version: 1, history }],
        ['backup', undefined],
      ]),
    );
  });

  it('asks again for the keys DynamoDB gives back unprocessed', async () => {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
    const mocked = mockClient(client);
    const key = { [PARTITION_KEY]: { S: 'ACCOUNT#main' }, [SORT_KEY]: { S: STATE_SORT_KEY } };
    mocked
      .on(BatchGetItemCommand)
      .resolvesOnce({ Responses: { [table]: [] }, UnprocessedKeys: { [table]: { Keys: [key] } } })
      .resolves({
        Responses: {
          [table]: [
            { ...key, state: { S: JSON.stringify(okState) }, version: { N: '3' }, history: { S: '{"v":1}' } },
          ],
        },
      });

    const loaded = await createDynamoDbStateStore({ tableName: table, client }).loadMany?.(['main']);

    expect(loaded?.get('main')).toEqual({ state: okState, version: 3 });
    expect(mocked).toHaveReceivedCommandTimes(BatchGetItemCommand, 2);
    mocked.restore();
  });

  it('leaves out the accounts of a failed batch, so that each is read alone', async () => {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
    const mocked = mockClient(client);
    mocked.on(BatchGetItemCommand).rejects(
      Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
        name: 'ProvisionedThroughputExceededException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const loaded = await createDynamoDbStateStore({ tableName: table, client }).loadMany?.([
      'main',
      'backup',
    ]);

    expect(loaded?.size).toBe(0);
    mocked.restore();
  });

  it('leaves out an unreadable item, so that its single read names the problem', async () => {
    await putRaw({
      state: { S: '{"level":"WARN' },
      version: { N: '3' },
      [HISTORY_ATTRIBUTE]: { S: '{"v":1}' },
    });
    await store.save('backup', okState, 0);

    const loaded = await store.loadMany?.(['main', 'backup']);

    expect(loaded?.has('main')).toBe(false);
    expect(loaded?.get('backup')).toEqual({ state: okState, version: 1 });
  });

  it('migrates an item without a history from its samples', async () => {
    await putRaw({ state: { S: JSON.stringify(okState) }, version: { N: '5' } });
    await putSample('main', sample(NOW - HOUR, 20, 120));

    expect((await store.loadMany?.(['main']))?.get('main')?.history?.last).toEqual({
      at: NOW - HOUR,
      amount: 20,
      sms: 120,
    });
  });
});

describe('DynamoDB state store: the item’s size', () => {
  it('stays within one 4 KB read unit with the largest history and every field of a quiet run’s state', async () => {
    // Figures with the most digits a number prints with, every hour a top-up and a dip.
    let history: History = EMPTY_HISTORY;
    for (let h = 0; h < 2 * HISTORY_HOURS; h++) {
      const base = 1_234_567_890.12 - h * 98_765.43;
      history = recordReading(
        history,
        sample(NOW - (2 * HISTORY_HOURS - h) * HOUR, base - 12_345.67, 987_654_321),
      );
      history = recordReading(
        history,
        sample(NOW - (2 * HISTORY_HOURS - h) * HOUR + 1_000, base + 987_654.32, 987_654_999),
      );
    }
    const at = iso(NOW);
    const quiet: AlertState = {
      level: 'CRITICAL',
      levelSince: at,
      checkedAt: at,
      runId: at,
      lastBalance: { amount: 1_234_567_890.12, sms: 987_654_321, at },
      lowNotice: { level: 'CRITICAL', at },
      failures: {
        kind: 'invalid-response',
        message: 'x'.repeat(300),
        status: 503,
        count: 99,
        since: at,
        noticeAt: at,
        noticeKind: 'invalid-response',
      },
      forecastNotice: { at, daysToEmpty: 0.123456789012345 },
    };
    await store.save('customer-001-production-sms-acct-with-a-64-character-name-xxxxxx', quiet, 0, history);

    const item = await rawItem(
      'customer-001-production-sms-acct-with-a-64-character-name-xxxxxx',
      STATE_SORT_KEY,
    );
    expect(item).toBeDefined();
    const bytes = dynamoItemBytes(item ?? {});
    expect(bytes).toBeLessThanOrEqual(4096);
    expect(bytes).toBeGreaterThan(MAX_HOURS_CHARS);
  });
});

describe('DynamoDB state store: migrating a table that kept samples', () => {
  it('builds the history of a state item without one from the samples of the last week', async () => {
    await putRaw({ state: { S: JSON.stringify(warningState) }, version: { N: '7' } });
    const samples = [
      sample(NOW - 8 * 24 * HOUR, 500, 3000),
      sample(NOW - 3 * HOUR, 30, 180),
      sample(NOW - HOUR, 20, 120),
    ];
    for (const s of samples) await putSample('main', s);

    expect(await store.load('main')).toEqual({
      state: warningState,
      version: 7,
      history: historyFromSamples(samples.slice(1)),
    });
  });

  it('keeps the episode: the migrated state loads unchanged', async () => {
    await putRaw({ state: { S: JSON.stringify(warningState) }, version: { N: '7' } });

    expect(await store.load('main')).toEqual({ state: warningState, version: 7 });
  });

  it('queries the samples once: after the next save the history is read from the item', async () => {
    await putRaw({ state: { S: JSON.stringify(okState) }, version: { N: '1' } });
    await putSample('main', sample(NOW - HOUR, 20, 120));
    const migrated = await store.load('main');
    await store.save('main', okState, 1, migrated?.history);
    const send = vi.spyOn(dynamo.client, 'send');

    expect((await store.load('main'))?.history).toEqual(migrated?.history);
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(['GetItemCommand']);
    send.mockRestore();
  });

  it('queries only the sample items of the last week, strongly consistent', async () => {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
    const mocked = mockClient(client);
    mocked.on(GetItemCommand).resolves({
      Item: { state: { S: JSON.stringify(okState) }, version: { N: '1' } },
    });
    mocked.on(QueryCommand).resolves({ Items: [] });
    await createDynamoDbStateStore({ tableName: table, client, now: () => NOW }).load('main');

    expect(mocked).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: table,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: {
        ':pk': { S: 'ACCOUNT#main' },
        ':from': { S: `SAMPLE#${iso(NOW - 7 * 24 * HOUR)}` },
        ':to': { S: 'SAMPLE#~' },
      },
      ConsistentRead: true,
    });
    mocked.restore();
  });

  it('keeps the samples of different accounts apart', async () => {
    await putRaw({ state: { S: JSON.stringify(okState) }, version: { N: '1' } }, 'backup');
    await putSample('main', sample(NOW - HOUR, 10, 60));
    await putSample('backup', sample(NOW - HOUR, 20, 120));

    expect((await store.load('backup'))?.history?.last).toEqual({ at: NOW - HOUR, amount: 20, sms: 120 });
  });

  it('reads every page when the samples exceed one 1 MB query page', async () => {
    await putRaw({ state: { S: JSON.stringify(okState) }, version: { N: '1' } });
    // Padding makes each item about 300 KB, so eight of them span three pages.
    const at = Array.from({ length: 8 }, (_, i) => NOW - (8 - i) * HOUR);
    for (const [i, time] of at.entries()) {
      await putSample('main', sample(time, 100 - i, 600 - i), { padding: { S: 'x'.repeat(300_000) } });
    }
    const send = vi.spyOn(dynamo.client, 'send');

    const history = (await store.load('main'))?.history;

    expect(history?.hours.map((h) => h.hour)).toEqual(at.map((t) => Math.floor(t / HOUR)));
    expect(send.mock.calls.filter(([command]) => command instanceof QueryCommand).length).toBeGreaterThan(1);
    send.mockRestore();
  });

  it('skips unreadable samples and reports how many', async () => {
    const warn = vi.fn();
    const watched = createDynamoDbStateStore({
      tableName: table,
      client: dynamo.client,
      warn,
      now: () => NOW,
    });
    await putRaw({ state: { S: JSON.stringify(okState) }, version: { N: '1' } });
    await putSample('main', sample(NOW - HOUR, 11, 70));
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          [PARTITION_KEY]: { S: accountPartitionKey('main') },
          [SORT_KEY]: { S: sampleSortKey(iso(NOW)) },
          at: { S: iso(NOW) },
          amount: { S: 'ten' },
        },
      }),
    );

    expect((await watched.load('main'))?.history?.last).toEqual({ at: NOW - HOUR, amount: 11, sms: 70 });
    expect(warn).toHaveBeenCalledWith('unreadable balance samples skipped', { account: 'main', skipped: 1 });
  });
});

describe('DynamoDB state store: failures', () => {
  it('rejects with an error naming the operation and the DynamoDB error when the table is missing', async () => {
    const lost = createDynamoDbStateStore({ tableName: 'no-such-table', client: dynamo.client });

    await expect(lost.load('main')).rejects.toThrow(
      /^DynamoDB GetItem for account main failed: ResourceNotFoundException/,
    );
    await expect(lost.save('main', okState, 0)).rejects.toThrow(/PutItem .*ResourceNotFoundException/);
    const migrating = createDynamoDbStateStore({ tableName: 'no-such-table', client: queryFails() });
    await expect(migrating.load('main')).rejects.toThrow(/Query .*ResourceNotFoundException/);
  });

  it('marks throttling as a transient store error', async () => {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
    const mocked = mockClient(client);
    mocked.on(GetItemCommand).rejects(
      Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
        name: 'ProvisionedThroughputExceededException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const throttled = createDynamoDbStateStore({ tableName: table, client });

    const error = await throttled.load('main').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateStoreError);
    expect(error).toMatchObject({
      operation: 'GetItem',
      code: 'ProvisionedThroughputExceededException',
      transient: true,
    });
    mocked.restore();
  });
});
