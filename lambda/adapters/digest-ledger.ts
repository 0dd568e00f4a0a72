import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DIGEST_PARTITION, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../core/contract.js';
import { isObject } from '../core/json.js';
import type { DigestLedger, DigestMark } from '../core/ports.js';
import { awsErrorName } from './aws-error.js';

/**
 * The digest marks, in the state table beside the accounts' items: partition DIGEST, one item per
 * digest id, written with the same conditional PutItem on a version as the account states (the
 * function's role needs nothing more). A mark expires by the table's TTL after DIGEST_MARK_DAYS.
 */

/** Long past any retry or duplicate delivery of a weekly digest. */
export const DIGEST_MARK_DAYS = 35;

export interface DynamoDbDigestLedgerOptions {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
  readonly now?: () => number;
}

function parseMark(json: string | undefined): DigestMark | undefined {
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isObject(value) || !['claimed', 'released', 'done'].includes(String(value.status))) return undefined;
  if (!Array.isArray(value.sent) || !value.sent.every((s) => typeof s === 'string')) return undefined;
  return value as unknown as DigestMark;
}

export function createDynamoDbDigestLedger(options: DynamoDbDigestLedgerOptions): DigestLedger {
  const client = options.client ?? new DynamoDBClient({});
  const now = options.now ?? Date.now;
  const key = (digestId: string) => ({
    [PARTITION_KEY]: { S: DIGEST_PARTITION },
    [SORT_KEY]: { S: digestId },
  });
  return {
    async load(digestId) {
      const { Item } = await client.send(
        new GetItemCommand({ TableName: options.tableName, Key: key(digestId), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const version = Number(Item.version?.N);
      const mark = parseMark(Item.mark?.S);
      if (!Number.isSafeInteger(version) || version < 1) return undefined;
      // An unreadable mark is taken as released: a digest sent twice beats one never sent.
      return { mark: mark ?? { status: 'released', sent: [] }, version };
    },
    async save(digestId, mark, expectedVersion) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: options.tableName,
            Item: {
              ...key(digestId),
              mark: { S: JSON.stringify(mark) },
              version: { N: String(expectedVersion + 1) },
              [TTL_ATTRIBUTE]: { N: String(Math.floor(now() / 1000) + DIGEST_MARK_DAYS * 86_400) },
            },
            ...(expectedVersion === 0
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
        throw error;
      }
    },
  };
}
