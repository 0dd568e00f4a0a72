import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbDigestLedger, DIGEST_MARK_DAYS } from '../../lambda/adapters/digest-ledger.js';
import type { DigestMark } from '../../lambda/core/ports.js';
import { LOCAL_AWS, type LocalDynamoDb, startDynalite } from '../../support/dynalite.js';

const NOW = Date.parse('2026-11-30T06:00:00.000Z');
const ID = '2026-11-30T06:00:00Z';
const CLAIMED: DigestMark = { status: 'claimed', claimId: 'c-1', claimedAt: NOW, sent: [] };

let dynamo: LocalDynamoDb;
let tableNumber = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.close();
});

async function ledger() {
  const tableName = `digest-${++tableNumber}`;
  await dynamo.createTable(tableName);
  return createDynamoDbDigestLedger({ tableName, client: dynamo.client, now: () => NOW });
}

describe('DynamoDB digest ledger', () => {
  it('writes the first mark only where none exists, in the DIGEST partition, expiring after 35 days', async () => {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
    const mocked = mockClient(client);
    mocked.on(PutItemCommand).resolves({});
    await createDynamoDbDigestLedger({ tableName: 'state', client, now: () => NOW }).save(ID, CLAIMED, 0);
    expect(mocked).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'state',
      Item: {
        pk: { S: 'DIGEST' },
        sk: { S: ID },
        mark: { S: JSON.stringify(CLAIMED) },
        version: { N: '1' },
        expiresAt: { N: String(NOW / 1000 + DIGEST_MARK_DAYS * 86_400) },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    mocked.restore();
  });

  it('reads back what it wrote, with its version', async () => {
    const l = await ledger();
    expect(await l.load(ID)).toBeUndefined();
    expect(await l.save(ID, CLAIMED, 0)).toBe('saved');
    expect(await l.load(ID)).toEqual({ mark: CLAIMED, version: 1 });
  });

  it('loses a write to a mark that changed since it was read', async () => {
    const l = await ledger();
    await l.save(ID, CLAIMED, 0);
    expect(await l.save(ID, { ...CLAIMED, claimId: 'c-2' }, 0)).toBe('conflict');
    expect(await l.save(ID, { ...CLAIMED, status: 'done', sent: ['topic'] }, 1)).toBe('saved');
    expect(await l.save(ID, { ...CLAIMED, claimId: 'c-3' }, 1)).toBe('conflict');
    expect((await l.load(ID))?.mark.status).toBe('done');
  });
});
