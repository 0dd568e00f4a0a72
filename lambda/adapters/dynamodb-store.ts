import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { AlertState } from '../core/alert-state.js';
import type { Sample } from '../core/forecast-types.js';
import { isObject } from '../core/json.js';
import type { StateStore, StoredState } from '../core/ports.js';
import { LEVELS } from '../core/types.js';
import { awsErrorMessage, awsErrorName, isTransientAwsError } from './aws-error.js';

/**
 * The table layout, shared with the CDK construct and the tests so the names cannot drift.
 * One partition per account: its state item and its balance samples, sorted by time.
 */
export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
/** The table's TTL attribute: samples carry it, the state item never does. */
export const TTL_ATTRIBUTE = 'expiresAt';
export const STATE_SORT_KEY = 'STATE';
export const SAMPLE_SORT_KEY_PREFIX = 'SAMPLE#';
export const DEFAULT_SAMPLE_TTL_DAYS = 35;

export function accountPartitionKey(account: string): string {
  return `ACCOUNT#${account}`;
}

export function sampleSortKey(at: string): string {
  return `${SAMPLE_SORT_KEY_PREFIX}${at}`;
}

const DAY_SECONDS = 86_400;

export interface DynamoDbStateStoreOptions {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
  readonly sampleTtlDays?: number;
  readonly now?: () => number;
  /**
   * Told when stored samples were unreadable and left out of a forecast (a sample is history, not
   * state: one bad item must not stop the balance check). Counts only, never item contents.
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
 * Alert state and balance samples on one DynamoDB table, with GetItem, PutItem and Query only
 * (the function's IAM policy allows exactly these). State writes are conditional on a version
 * number, so concurrent runs cannot overwrite each other's decisions.
 */
export function createDynamoDbStateStore(options: DynamoDbStateStoreOptions): StateStore {
  const client = options.client ?? new DynamoDBClient({});
  const table = options.tableName;
  const ttlSeconds = (options.sampleTtlDays ?? DEFAULT_SAMPLE_TTL_DAYS) * DAY_SECONDS;
  const now = options.now ?? Date.now;

  const keyOf = (account: string, sortKey: string): Record<string, AttributeValue> => ({
    [PARTITION_KEY]: { S: accountPartitionKey(account) },
    [SORT_KEY]: { S: sortKey },
  });

  return {
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
      return item ? parseStateItem(account, item) : undefined;
    },

    async save(account: string, state: AlertState, expectedVersion: number): Promise<'saved' | 'conflict'> {
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

    async addSample(account: string, sample: Sample): Promise<void> {
      const atMs = Date.parse(sample.at);
      if (!Number.isFinite(atMs) || !Number.isFinite(sample.amount) || !Number.isFinite(sample.sms)) {
        throw new RangeError(`sample of account ${account} needs a valid time, amount and sms`);
      }
      // One canonical form keeps the sort key in time order.
      const at = new Date(atMs).toISOString();
      try {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: {
              ...keyOf(account, sampleSortKey(at)),
              amount: { N: String(sample.amount) },
              sms: { N: String(sample.sms) },
              at: { S: at },
              [TTL_ATTRIBUTE]: { N: String(Math.floor(atMs / 1000) + ttlSeconds) },
            },
          }),
        );
      } catch (error) {
        throw StateStoreError.from('PutItem', account, error);
      }
    },

    loadWithSamples,
  };

  /** The state item sorts right after the samples ("SAMPLE#…" < "STATE"): one Query reads both. */
  async function loadWithSamples(
    account: string,
    since: Date,
  ): Promise<{ stored?: StoredState; samples: Sample[] }> {
    if (!Number.isFinite(since.getTime())) throw new RangeError('the samples need a valid start date');
    const samples: Sample[] = [];
    let stored: StoredState | undefined;
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
              ':from': { S: sampleSortKey(since.toISOString()) },
              ':to': { S: STATE_SORT_KEY },
            },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
      } catch (error) {
        throw StateStoreError.from('Query', account, error);
      }
      for (const item of page.Items ?? []) {
        if (item[SORT_KEY]?.S === STATE_SORT_KEY) {
          stored = parseStateItem(account, item);
          continue;
        }
        const sample = parseSample(item);
        if (sample) samples.push(sample);
        else skipped++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    if (skipped > 0) options.warn?.('unreadable balance samples skipped', { account, skipped });
    return stored ? { stored, samples } : { samples };
  }
}

function parseStateItem(account: string, item: Record<string, AttributeValue>): StoredState {
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
  return { state: state as AlertState, version };
}

/** A structural check of the fields the alert rules read first; undefined when it looks right. */
function alertStateProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'the state is not an object';
  if (!LEVELS.some((level) => level === value.level)) return 'level is not OK, WARNING or CRITICAL';
  if (typeof value.levelSince !== 'string') return 'levelSince is not a string';
  for (const field of ['lastBalance', 'lowNotice', 'failures', 'forecastNotice', 'pending'] as const) {
    if (value[field] !== undefined && !isObject(value[field])) return `${field} is not an object`;
  }
  const pending = value.pending;
  if (isObject(pending) && !isObject(pending.notification)) return 'pending has no notification';
  return undefined;
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
