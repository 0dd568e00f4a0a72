import { spawn } from 'node:child_process';
import path from 'node:path';
import { type AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbStateStore } from '../lambda/adapters/dynamodb-store.js';
import { SANDBOX_BALANCE } from '../lambda/adapters/sandbox-provider.js';
import { accountPartitionKey, PARTITION_KEY, SORT_KEY, STATE_SORT_KEY } from '../lambda/core/contract.js';
import type { Sample } from '../lambda/core/forecast-types.js';
import { historyFromSamples } from '../lambda/core/history.js';
import { type LocalDynamoDb, startDynalite } from '../support/dynalite.js';
import { type LocalAws, startLocalAws } from '../support/local-aws.js';
import { type ProviderServer, startProviderServer } from '../support/provider-server.js';
import { type LocalEndpoints, TABLE_NAME } from './function-env.js';

/**
 * Whole invocations of the artifact in fresh Node processes, against local stand-ins for every
 * service the function calls: SSM and SNS (support/local-aws), DynamoDB (dynalite, its calls
 * passed through local-aws so they are counted) and the provider (the sandbox server), all on
 * 127.0.0.1.
 */

const CHILD_SCRIPT = path.join(import.meta.dirname, 'invoke-child.mjs');
const CHILD_TIMEOUT_MS = 60_000;

export interface LocalServices {
  readonly endpoints: LocalEndpoints;
  readonly provider: ProviderServer;
  readonly aws: LocalAws;
  readonly dynamo: LocalDynamoDb;
  close(): Promise<void>;
}

export async function startLocalServices(): Promise<LocalServices> {
  const dynamo = await startDynalite();
  const aws = await startLocalAws({ dynamoDbUpstream: dynamo.endpoint });
  const provider = await startProviderServer();
  await dynamo.createTable(TABLE_NAME);
  return {
    endpoints: { ssm: aws.endpoint, sns: aws.endpoint, dynamodb: aws.endpoint },
    provider,
    aws,
    dynamo,
    async close() {
      await Promise.all([provider.close(), aws.close(), dynamo.close()]);
    },
  };
}

export interface Invocation {
  /** Process start to handler loaded: what Lambda reports as Init Duration, Node's boot included. */
  readonly initMs: number;
  readonly handlerMs: number;
  /** Process start to handler returned. */
  readonly totalMs: number;
  /** User plus system CPU time of the whole process. */
  readonly cpuMs: number;
  readonly peakRssMb: number;
  /** Spawn to exit, measured from outside. */
  readonly wallMs: number;
  /** The function's log output. */
  readonly stdout: string;
}

/**
 * Runs the handler once in a fresh process, with the given node flags (the runtime's heap limits);
 * a handler that throws stops the bench.
 */
export function invokeCold(
  artifact: string,
  env: NodeJS.ProcessEnv,
  nodeFlags: readonly string[] = [],
): Promise<Invocation> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeFlags, CHILD_SCRIPT, artifact], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      timeout: CHILD_TIMEOUT_MS,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const report: Buffer[] = [];
    const [, out, err, fd3] = child.stdio;
    out?.on('data', (chunk: Buffer) => stdout.push(chunk));
    err?.on('data', (chunk: Buffer) => stderr.push(chunk));
    fd3?.on('data', (chunk: Buffer) => report.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      const errors = Buffer.concat(stderr).toString('utf8').trim();
      if (code !== 0) {
        reject(
          new Error(`invocation exited with ${code ?? signal}: ${errors.split('\n').slice(-5).join(' | ')}`),
        );
        return;
      }
      const measured = parseReport(Buffer.concat(report).toString('utf8'));
      if (measured.error !== undefined) {
        reject(new Error(`the handler failed: ${measured.error}`));
        return;
      }
      resolve({
        initMs: measured.initMs,
        handlerMs: measured.handlerMs,
        totalMs: measured.totalMs,
        cpuMs: measured.cpuMs,
        peakRssMb: measured.maxRssKb / 1024,
        wallMs,
        stdout: Buffer.concat(stdout).toString('utf8'),
      });
    });
  });
}

interface ChildReport {
  readonly initMs: number;
  readonly handlerMs: number;
  readonly totalMs: number;
  readonly cpuMs: number;
  readonly maxRssKb: number;
  readonly error?: string;
}

function parseReport(text: string): ChildReport {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new Error(`unreadable child report: ${text}`);
  const record = value as Record<string, unknown>;
  const number = (name: string): number => {
    const field = record[name];
    if (typeof field !== 'number' || !Number.isFinite(field)) throw new Error(`child report lacks ${name}`);
    return field;
  };
  const error = typeof record.error === 'string' ? record.error : undefined;
  return {
    initMs: number('initMs'),
    handlerMs: number('handlerMs'),
    totalMs: number('totalMs'),
    cpuMs: number('cpuMs'),
    maxRssKb: number('maxRssKb'),
    ...(error === undefined ? {} : { error }),
  };
}

/**
 * Gives an account's state item the history a week of scheduled runs leaves it: one reading per
 * interval, balance falling slowly towards now, written through the real state store over the
 * state the function's first run saved.
 */
export async function seedHistory(
  dynamo: LocalDynamoDb,
  account: string,
  options: { readonly days: number; readonly intervalMinutes: number; readonly now: number },
): Promise<number> {
  const store = createDynamoDbStateStore({ tableName: TABLE_NAME, client: dynamo.client });
  const stored = await store.load(account);
  if (!stored) throw new Error(`account ${account} has no state item to give a history`);
  const count = Math.floor((options.days * 24 * 60) / options.intervalMinutes);
  const samples: Sample[] = Array.from({ length: count }, (_, i) => {
    const age = count - i;
    return {
      at: new Date(options.now - age * options.intervalMinutes * 60_000).toISOString(),
      amount: Math.round((SANDBOX_BALANCE.amount + age * 0.05) * 100) / 100,
      sms: SANDBOX_BALANCE.sms + Math.floor(age / 3),
    };
  });
  const saved = await store.save(account, stored.state, stored.version, historyFromSamples(samples));
  if (saved !== 'saved') throw new Error(`the state item of ${account} changed while seeding its history`);
  return count;
}

/** The state item of an account (state and history), as the function left it. */
export async function readStateItem(
  dynamo: LocalDynamoDb,
  account: string,
): Promise<Record<string, AttributeValue>> {
  const { Item: item } = await dynamo.client.send(
    new GetItemCommand({
      TableName: TABLE_NAME,
      Key: { [PARTITION_KEY]: { S: accountPartitionKey(account) }, [SORT_KEY]: { S: STATE_SORT_KEY } },
    }),
  );
  if (!item) throw new Error(`account ${account} has no state item after its run`);
  return item;
}
