import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  accountPartitionKey,
  createDynamoDbStateStore,
  PARTITION_KEY,
  SORT_KEY,
  STATE_SORT_KEY,
  StateStoreError,
  sampleSortKey,
  TTL_ATTRIBUTE,
} from '../../lambda/adapters/dynamodb-store.js';
import type { AlertState } from '../../lambda/core/alert-state.js';
import type { StateStore } from '../../lambda/core/ports.js';
import { LOCAL_AWS, type LocalDynamoDb, startDynalite } from '../support/dynalite.js';

const NOW = Date.parse('2025-11-24T09:15:00.000Z');
const HOUR = 3_600_000;

const okState: AlertState = { level: 'OK', levelSince: '2025-11-01T00:00:00.000Z' };
const warningState: AlertState = {
  level: 'WARNING',
  levelSince: '2025-11-24T09:15:00.000Z',
  lastBalance: { amount: 10.58, sms: 67, at: '2025-11-24T09:15:00.000Z' },
  lowNotice: { level: 'WARNING', at: '2025-11-24T09:15:00.000Z' },
};

/** The samples alone, as the run reads them beside the state. */
async function samplesOf(from: StateStore, account: string, since: Date) {
  return (await from.loadWithSamples(account, since)).samples;
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

  it('keeps the version, level and update time readable on the item for people', async () => {
    await store.save('main', warningState, 0);

    expect(await rawItem('main', STATE_SORT_KEY)).toEqual({
      [PARTITION_KEY]: { S: 'ACCOUNT#main' },
      [SORT_KEY]: { S: 'STATE' },
      state: { S: JSON.stringify(warningState) },
      version: { N: '1' },
      level: { S: 'WARNING' },
      updatedAt: { S: '2025-11-24T09:15:00.000Z' },
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
});

describe('DynamoDB state store: balance samples', () => {
  it('returns a stored sample with its time, amount and SMS count', async () => {
    await store.addSample('main', { at: iso(NOW), amount: 10.58, sms: 67 });

    expect(await samplesOf(store, 'main', new Date(NOW - HOUR))).toEqual([
      { at: iso(NOW), amount: 10.58, sms: 67 },
    ]);
  });

  it('lets a sample expire 35 days after its reading', async () => {
    await store.addSample('main', { at: iso(NOW), amount: 10.58, sms: 67 });

    const item = await rawItem('main', sampleSortKey(iso(NOW)));
    expect(item?.[TTL_ATTRIBUTE]).toEqual({ N: String(NOW / 1000 + 35 * 86_400) });
  });

  it('uses the configured sample lifetime', async () => {
    const shortLived = createDynamoDbStateStore({
      tableName: table,
      client: dynamo.client,
      sampleTtlDays: 2,
    });
    await shortLived.addSample('main', { at: iso(NOW), amount: 1, sms: 6 });

    const item = await rawItem('main', sampleSortKey(iso(NOW)));
    expect(item?.[TTL_ATTRIBUTE]).toEqual({ N: String(NOW / 1000 + 2 * 86_400) });
  });

  it('stores a repeated reading at the same time once', async () => {
    await store.addSample('main', { at: iso(NOW), amount: 10.58, sms: 67 });
    await store.addSample('main', { at: iso(NOW), amount: 10.58, sms: 67 });

    expect(await samplesOf(store, 'main', new Date(0))).toHaveLength(1);
  });

  it('returns only the samples at or after the given time, oldest first', async () => {
    for (const hoursAgo of [1, 5, 3, 2, 4]) {
      await store.addSample('main', { at: iso(NOW - hoursAgo * HOUR), amount: 100 - hoursAgo, sms: 600 });
    }

    const samples = await samplesOf(store, 'main', new Date(NOW - 3 * HOUR));
    expect(samples.map((s) => s.at)).toEqual([iso(NOW - 3 * HOUR), iso(NOW - 2 * HOUR), iso(NOW - HOUR)]);
  });

  it('never returns the state item as a sample', async () => {
    await store.save('main', warningState, 0);
    await store.addSample('main', { at: iso(NOW), amount: 10.58, sms: 67 });

    expect(await samplesOf(store, 'main', new Date(0))).toEqual([{ at: iso(NOW), amount: 10.58, sms: 67 }]);
  });

  it('reads the state and the samples since a time together', async () => {
    await store.save('main', warningState, 0);
    for (const hoursAgo of [3, 1, 2]) {
      await store.addSample('main', { at: iso(NOW - hoursAgo * HOUR), amount: 20 - hoursAgo, sms: 100 });
    }

    const read = await store.loadWithSamples('main', new Date(NOW - 2 * HOUR));
    expect(read.stored).toEqual({ state: warningState, version: 1 });
    expect(read.samples.map((s) => s.at)).toEqual([iso(NOW - 2 * HOUR), iso(NOW - HOUR)]);
  });

  it('reads samples without a state for an account never saved', async () => {
    await store.addSample('main', { at: iso(NOW), amount: 10, sms: 60 });

    expect(await store.loadWithSamples('main', new Date(0))).toEqual({
      samples: [{ at: iso(NOW), amount: 10, sms: 60 }],
    });
  });

  it('reads the state and the samples in one consistent query up to the state item', async () => {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
    const mocked = mockClient(client);
    mocked.on(QueryCommand).resolves({ Items: [] });
    await createDynamoDbStateStore({ tableName: table, client }).loadWithSamples('main', new Date(NOW));

    expect(mocked).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: table,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: {
        ':pk': { S: 'ACCOUNT#main' },
        ':from': { S: `SAMPLE#${iso(NOW)}` },
        ':to': { S: STATE_SORT_KEY },
      },
      ConsistentRead: true,
    });
    expect(mocked).not.toHaveReceivedCommand(GetItemCommand);
    mocked.restore();
  });

  it('keeps the samples of different accounts apart', async () => {
    await store.addSample('main', { at: iso(NOW), amount: 10, sms: 60 });
    await store.addSample('backup', { at: iso(NOW), amount: 20, sms: 120 });

    expect(await samplesOf(store, 'backup', new Date(0))).toEqual([{ at: iso(NOW), amount: 20, sms: 120 }]);
  });

  it('reads every page when the samples exceed one 1 MB query page', async () => {
    // Padding makes each item about 300 KB, so eight of them span three pages.
    const at = Array.from({ length: 8 }, (_, i) => iso(NOW - (8 - i) * HOUR));
    for (const [i, time] of at.entries()) {
      await dynamo.client.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            [PARTITION_KEY]: { S: accountPartitionKey('main') },
            [SORT_KEY]: { S: sampleSortKey(time) },
            at: { S: time },
            amount: { N: String(100 - i) },
            sms: { N: String(600 - i) },
            padding: { S: 'x'.repeat(300_000) },
          },
        }),
      );
    }
    const send = vi.spyOn(dynamo.client, 'send');

    const samples = await samplesOf(store, 'main', new Date(0));

    expect(samples.map((s) => s.at)).toEqual(at);
    expect(send.mock.calls.filter(([command]) => command instanceof QueryCommand).length).toBeGreaterThan(1);
    send.mockRestore();
  });

  it('skips unreadable samples and reports how many', async () => {
    const warn = vi.fn();
    const watched = createDynamoDbStateStore({ tableName: table, client: dynamo.client, warn });
    await watched.addSample('main', { at: iso(NOW - HOUR), amount: 11, sms: 70 });
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

    expect(await samplesOf(watched, 'main', new Date(0))).toEqual([
      { at: iso(NOW - HOUR), amount: 11, sms: 70 },
    ]);
    expect(warn).toHaveBeenCalledWith('unreadable balance samples skipped', { account: 'main', skipped: 1 });
  });

  it('refuses a sample without a valid time', async () => {
    await expect(store.addSample('main', { at: 'yesterday', amount: 1, sms: 6 })).rejects.toThrow(RangeError);
  });
});

describe('DynamoDB state store: failures', () => {
  it('rejects with an error naming the operation and the DynamoDB error when the table is missing', async () => {
    const lost = createDynamoDbStateStore({ tableName: 'no-such-table', client: dynamo.client });

    await expect(lost.load('main')).rejects.toThrow(
      /^DynamoDB GetItem for account main failed: ResourceNotFoundException/,
    );
    await expect(lost.save('main', okState, 0)).rejects.toThrow(/PutItem .*ResourceNotFoundException/);
    await expect(samplesOf(lost, 'main', new Date(0))).rejects.toThrow(/Query .*ResourceNotFoundException/);
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

  it('reads state and samples with strongly consistent reads', async () => {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
    const mocked = mockClient(client);
    mocked.on(GetItemCommand).resolves({});
    mocked.on(QueryCommand).resolves({ Items: [] });
    const watched = createDynamoDbStateStore({ tableName: table, client });
    await watched.load('main');
    await watched.loadWithSamples('main', new Date(NOW));

    expect(mocked).toHaveReceivedCommandWith(GetItemCommand, { TableName: table, ConsistentRead: true });
    expect(mocked).toHaveReceivedCommandWith(QueryCommand, {
      TableName: table,
      ConsistentRead: true,
      ExpressionAttributeValues: {
        ':pk': { S: 'ACCOUNT#main' },
        ':from': { S: `SAMPLE#${iso(NOW)}` },
        ':to': { S: 'STATE' },
      },
    });
    mocked.restore();
  });
});
