import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PARTITION_KEY, SORT_KEY } from '../lambda/core/contract.js';

/** dynalite ships no types; this is the part of its API the tests use. */
type Dynalite = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;

export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Creates the monitor's table layout (pk/sk, on demand) and waits until it is active. */
  createTable(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Fake but well-formed: the SDK signs every request, dynalite does not check the signature. */
export const LOCAL_AWS = {
  region: 'eu-central-1',
  credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
} as const;

/** A DynamoDB on 127.0.0.1 and a random port, in memory, for one test file. */
export async function startDynalite(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, ...LOCAL_AWS });

  return {
    endpoint,
    client,
    async createTable(name: string): Promise<void> {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [
            { AttributeName: PARTITION_KEY, AttributeType: 'S' },
            { AttributeName: SORT_KEY, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
            { AttributeName: SORT_KEY, KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      // dynalite turns a table ACTIVE on a timer, even with createTableMs 0.
      for (let tries = 0; tries < 200; tries++) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        if (Table?.TableStatus === 'ACTIVE') return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error(`table ${name} did not become active`);
    },
    async close(): Promise<void> {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
