import {
  type AttributeValue,
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { AlertState, PendingNotification } from '../core/alert-state.js';
import {
  accountPartitionKey,
  HISTORY_ATTRIBUTE,
  PARTITION_KEY,
  SORT_KEY,
  STATE_SORT_KEY,
  sampleSortKey,
} from '../core/contract.js';
import type { Sample } from '../core/forecast-types.js';
import {
  decodeHistory,
  EMPTY_HISTORY,
  encodeHistory,
  HISTORY_HOURS,
  type History,
  HOUR_MS,
  historyFromSamples,
} from '../core/history.js';
import { isObject } from '../core/json.js';
import type { StateStore, StoredState } from '../core/ports.js';
import { mapBounded } from '../core/run-checks.js';
import { silenceProblem } from '../core/silence.js';
import { LEVELS } from '../core/types.js';
import { awsErrorMessage, awsErrorName, isTransientAwsError } from './aws-error.js';

/** BatchGetItem reads at most 100 keys a call. */
export const BATCH_GET_SIZE = 100;
/** Batches in flight at once: 500 accounts are five. */
const BATCH_GET_CONCURRENCY = 5;
/** Rounds of UnprocessedKeys retried before the rest are left to single reads. */
const BATCH_GET_ROUNDS = 3;
/**
 * A batch read is an optimisation: one that has not answered by then is abandoned, and its
 * accounts are read alone, under the run's deadline.
 */
export const DEFAULT_BATCH_TIMEOUT_MS = 2_000;

export interface DynamoDbStateStoreOptions {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
  readonly batchTimeoutMs?: number;
  readonly now?: () => number;
  /**
   * Told when stored history was unreadable and started afresh, or old samples were skipped while
   * migrating (history is not state: one bad item must not stop the balance check). Counts only,
   * never item contents.
   */
  readonly warn?: (message: string, fields: Record<string, unknown>) => void;
}

/** A DynamoDB call failed; the message names the operation, the account and the SDK error name. */
export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';

  constructor(
    readonly operation: string,
    readonly account: string,
    readonly code: string,
    readonly transient: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static from(operation: string, account: string, error: unknown): StateStoreError {
    const code = awsErrorName(error);
    const detail = awsErrorMessage(error, 120);
    return new StateStoreError(
      operation,
      account,
      code,
      isTransientAwsError(error),
      `DynamoDB ${operation} for account ${account} failed: ${code}${detail ? ` (${detail})` : ''}`,
      { cause: error },
    );
  }
}

/**
 * Alert state and balance history in one item per account: read for all accounts with
 * BatchGetItem (100 a call) or one by one with GetItem, written with PutItem, and one Query per
 * account, once, to migrate a table written by a release that kept samples. Writes are conditional
 * on a version number, so concurrent runs cannot overwrite each other's decisions.
 */
export function createDynamoDbStateStore(options: DynamoDbStateStoreOptions): StateStore {
  const client = options.client ?? new DynamoDBClient({});
  const table = options.tableName;
  const now = options.now ?? Date.now;

  const keyOf = (account: string, sortKey: string): Record<string, AttributeValue> => ({
    [PARTITION_KEY]: { S: accountPartitionKey(account) },
    [SORT_KEY]: { S: sortKey },
  });

  const batchTimeoutMs = options.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS;

  /** The stored state of an item read, its history decoded, or migrated from the samples once. */
  const fromItem = async (account: string, item: Record<string, AttributeValue>): Promise<StoredState> => {
    const stored = parseStateItem(account, item);
    const encoded = item[HISTORY_ATTRIBUTE]?.S;
    const history = encoded === undefined ? await migrate(account) : decodeHistory(encoded);
    if (!history) options.warn?.('unreadable balance history started afresh', { account });
    // No history and an empty one are the same to the run: both start with the next reading.
    return history?.last ? { ...stored, history } : stored;
  };

  /** One batch of at most 100 accounts, its unprocessed keys retried a few rounds. */
  const batchGet = async (
    accounts: readonly string[],
    into: Map<string, StoredState | undefined>,
  ): Promise<void> => {
    const byKey = new Map(accounts.map((account) => [accountPartitionKey(account), account]));
    let keys: Array<Record<string, AttributeValue>> = accounts.map((a) => keyOf(a, STATE_SORT_KEY));
    const found = new Map<string, Record<string, AttributeValue>>();
    const abortSignal = AbortSignal.timeout(batchTimeoutMs);
    for (let round = 0; round < BATCH_GET_ROUNDS && keys.length > 0; round++) {
      let response: {
        Responses?: Record<string, Array<Record<string, AttributeValue>>>;
        UnprocessedKeys?: Record<string, { Keys?: Array<Record<string, AttributeValue>> }>;
      };
      try {
        response = await client.send(
          new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
          { abortSignal },
        );
      } catch {
        // Left out of the map: the single reads name the error, per account.
        return;
      }
      for (const item of response.Responses?.[table] ?? []) {
        const account = byKey.get(item[PARTITION_KEY]?.S ?? '');
        if (account !== undefined) found.set(account, item);
      }
      const unprocessed = response.UnprocessedKeys?.[table]?.Keys ?? [];
      const pending = new Set(unprocessed.map((key) => key[PARTITION_KEY]?.S));
      // Every key answered or given back: the rest have no item yet.
      for (const key of keys) {
        const pk = key[PARTITION_KEY]?.S;
        const account = pk === undefined ? undefined : byKey.get(pk);
        if (account !== undefined && !pending.has(pk) && !found.has(account)) into.set(account, undefined);
      }
      keys = unprocessed;
    }
    await mapBounded([...found], BATCH_GET_CONCURRENCY, async ([account, item]) => {
      try {
        into.set(account, await fromItem(account, item));
      } catch {
        // An unreadable item or a failed migration: the single read reports it.
      }
    });
  };

  return {
    async loadMany(accounts: readonly string[]): Promise<ReadonlyMap<string, StoredState | undefined>> {
      const loaded = new Map<string, StoredState | undefined>();
      const unique = [...new Set(accounts)];
      const batches: string[][] = [];
      for (let i = 0; i < unique.length; i += BATCH_GET_SIZE)
        batches.push(unique.slice(i, i + BATCH_GET_SIZE));
      await mapBounded(batches, BATCH_GET_CONCURRENCY, (batch) => batchGet(batch, loaded));
      return loaded;
    },

    async load(account: string): Promise<StoredState | undefined> {
      let item: Record<string, AttributeValue> | undefined;
      try {
        const response = await client.send(
          new GetItemCommand({ TableName: table, Key: keyOf(account, STATE_SORT_KEY), ConsistentRead: true }),
        );
        item = response.Item;
      } catch (error) {
        throw StateStoreError.from('GetItem', account, error);
      }
      return item ? fromItem(account, item) : undefined;
    },

    async save(
      account: string,
      state: AlertState,
      expectedVersion: number,
      history?: History,
    ): Promise<'saved' | 'conflict'> {
      if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
        throw new RangeError(`expected version must be a whole number ≥ 0, got ${expectedVersion}`);
      }
      const first = expectedVersion === 0;
      try {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: {
              ...keyOf(account, STATE_SORT_KEY),
              state: { S: JSON.stringify(state) },
              version: { N: String(expectedVersion + 1) },
              level: { S: state.level },
              updatedAt: { S: new Date(now()).toISOString() },
              // Always written, empty or not: an item without it is one to migrate.
              [HISTORY_ATTRIBUTE]: { S: encodeHistory(history ?? EMPTY_HISTORY) },
            },
            ...(first
              ? { ConditionExpression: `attribute_not_exists(${PARTITION_KEY})` }
              : {
                  ConditionExpression: '#v = :expected',
                  ExpressionAttributeNames: { '#v': 'version' },
                  ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
                }),
          }),
        );
        return 'saved';
      } catch (error) {
        if (awsErrorName(error) === 'ConditionalCheckFailedException') return 'conflict';
        throw StateStoreError.from('PutItem', account, error);
      }
    },
  };

  /**
   * The history of a state item written before the history existed, from the samples of the last
   * week: one Query, once per account (the next save stores the history, and no sample is written
   * again).
   */
  async function migrate(account: string): Promise<History> {
    const since = new Date(now() - HISTORY_HOURS * HOUR_MS).toISOString();
    const samples: Sample[] = [];
    let skipped = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      let page: {
        Items?: Record<string, AttributeValue>[];
        LastEvaluatedKey?: Record<string, AttributeValue>;
      };
      try {
        page = await client.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
            ExpressionAttributeValues: {
              ':pk': { S: accountPartitionKey(account) },
              ':from': { S: sampleSortKey(since) },
              ':to': { S: sampleSortKey('~') },
            },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
      } catch (error) {
        throw StateStoreError.from('Query', account, error);
      }
      for (const item of page.Items ?? []) {
        const sample = parseSample(item);
        if (sample) samples.push(sample);
        else skipped++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    if (skipped > 0) options.warn?.('unreadable balance samples skipped', { account, skipped });
    return historyFromSamples(samples);
  }
}

/** The version and alert state of a state item, checked for shape; throws naming the account. */
export function parseStateItem(account: string, item: Record<string, AttributeValue>): StoredState {
  const corrupt = (why: string) => new Error(`stored state of account ${account} is corrupt: ${why}`);
  const version = Number(item.version?.N);
  if (!Number.isSafeInteger(version) || version < 1) throw corrupt('version is not a positive whole number');
  const json = item.state?.S;
  if (json === undefined) throw corrupt('the state attribute is missing');
  let state: unknown;
  try {
    state = JSON.parse(json);
  } catch {
    throw corrupt('the state attribute is not JSON');
  }
  const problem = alertStateProblem(state);
  if (problem) throw corrupt(problem);
  return { state: withQueuedEarlier(state as AlertState), version };
}

/** A structural check of the fields the alert rules read first; undefined when it looks right. */
function alertStateProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'the state is not an object';
  if (!LEVELS.some((level) => level === value.level)) return 'level is not OK, WARNING or CRITICAL';
  if (typeof value.levelSince !== 'string') return 'levelSince is not a string';
  for (const field of [
    'lastBalance',
    'lowNotice',
    'failures',
    'forecastNotice',
    'spikeNotice',
    'pending',
    'lastNotice',
  ] as const) {
    if (value[field] !== undefined && !isObject(value[field])) return `${field} is not an object`;
  }
  if (value.noticesSent !== undefined && !Array.isArray(value.noticesSent))
    return 'noticesSent is not a list';
  const pending = value.pending;
  if (isObject(pending)) {
    if (!isObject(pending.notification)) return 'pending has no notification';
    if (pending.channels !== undefined && !isObject(pending.channels))
      return 'pending.channels is not an object';
    if (pending.earlier !== undefined && !Array.isArray(pending.earlier))
      return 'pending.earlier is not a list';
    if (Array.isArray(pending.earlier) && !pending.earlier.every(isObject))
      return 'pending.earlier holds a non-object';
  }
  if (value.silence !== undefined) return silenceProblem(value.silence);
  return undefined;
}

/**
 * A pending item as the run reads it. Releases before the per-channel marks stored `earlier` as
 * bare notifications: each becomes a queued notice without marks, which every configured channel
 * still needs (none of those releases published an account notice to chat).
 */
function withQueuedEarlier(state: AlertState): AlertState {
  const earlier: unknown = state.pending?.earlier;
  if (!state.pending || !Array.isArray(earlier)) return state;
  const queued = earlier.map((item: unknown) =>
    isObject(item) && isObject(item.notification) ? item : { notification: item },
  ) as unknown as NonNullable<PendingNotification['earlier']>;
  return { ...state, pending: { ...state.pending, earlier: queued } };
}

function parseSample(item: Record<string, AttributeValue>): Sample | undefined {
  const at = item.at?.S;
  const amount = Number(item.amount?.N);
  const sms = Number(item.sms?.N);
  if (at === undefined || !Number.isFinite(Date.parse(at))) return undefined;
  if (item.amount?.N === undefined || item.sms?.N === undefined) return undefined;
  if (!Number.isFinite(amount) || !Number.isFinite(sms)) return undefined;
  return { at, amount, sms };
}
