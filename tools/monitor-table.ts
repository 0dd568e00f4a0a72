import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { parseStateItem } from '../lambda/adapters/dynamodb-store.js';
import type { AlertState } from '../lambda/core/alert-state.js';
import {
  accountPartitionKey,
  HISTORY_ATTRIBUTE,
  isOutputKey,
  OUTPUTS,
  PARTITION_KEY,
  SORT_KEY,
  STATE_SORT_KEY,
} from '../lambda/core/contract.js';
import { decodeHistory, type History } from '../lambda/core/history.js';
import { type OptionTypes, type ReadOptions, readOptions } from '../lambda/entry/options.js';
import { withHint } from './cli-output.js';

/**
 * What the operator tools (status, silence) share: finding the monitor's table from the stack's
 * outputs, and reading and writing the accounts' state items with the operator's credentials.
 * Errors are values with a kind; each names what to do.
 */

export type ToolErrorKind = 'usage' | 'stack' | 'table' | 'access' | 'account' | 'conflict' | 'aws';

export interface ToolError {
  readonly kind: ToolErrorKind;
  readonly message: string;
}

export type ToolOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ToolError };

export interface ToolOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface ToolClients {
  readonly cloudFormation: CloudFormationClient;
  readonly dynamoDb: DynamoDBClient;
}

export interface Location {
  readonly stack: string;
  readonly table?: string;
  readonly region?: string;
}

export interface MonitorTable {
  readonly table: string;
  /** From the stack's MaxSilenceHours output; absent with --table or a stack from before silences. */
  readonly maxSilenceHours?: number;
}

function fail<T>(kind: ToolErrorKind, message: string): ToolOutcome<T> {
  return { ok: false, error: { kind, message } };
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.length > 0 ? name : 'UnknownError';
}

function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? withHint(message.slice(0, 200)) : '';
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

/** The table named by --table, or the one the stack's TableName output names. */
export async function findTable(
  location: Location,
  clients: ToolClients,
): Promise<ToolOutcome<MonitorTable>> {
  if (location.table !== undefined) return { ok: true, value: { table: location.table } };
  const where = location.region ? ` in ${location.region}` : '';
  let outputs: { OutputKey?: string; OutputValue?: string }[];
  try {
    const { Stacks } = await clients.cloudFormation.send(
      new DescribeStacksCommand({ StackName: location.stack }),
    );
    outputs = Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    const name = errorName(error);
    const message = errorMessage(error);
    if (name === 'ValidationError' && /does not exist/.test(message)) {
      return fail(
        'stack',
        `stack ${location.stack} not found${where}: deploy it first (npx cdk deploy), name it with --stack and its region with --region, or name the table with --table`,
      );
    }
    if (ACCESS_DENIED.has(name)) {
      return fail(
        'access',
        `the caller may not describe stack ${location.stack} (cloudformation:DescribeStacks)${where}`,
      );
    }
    return fail('aws', `could not describe stack ${location.stack}${where}: ${name}: ${message}`);
  }
  const table = outputs.find((o) => isOutputKey(o.OutputKey ?? '', OUTPUTS.tableName))?.OutputValue;
  if (!table) {
    return fail(
      'stack',
      `stack ${location.stack} has no TableName output: is it the balance monitor's stack? (or name the table with --table)`,
    );
  }
  const max = Number(
    outputs.find((o) => isOutputKey(o.OutputKey ?? '', OUTPUTS.maxSilenceHours))?.OutputValue,
  );
  return { ok: true, value: Number.isFinite(max) && max > 0 ? { table, maxSilenceHours: max } : { table } };
}

/** One account's state item as read: its state, version and history, and the raw item to write back. */
export interface StateItem {
  readonly account: string;
  readonly state: AlertState;
  readonly version: number;
  readonly history?: History;
  readonly item: Record<string, AttributeValue>;
}

const ACCOUNT_PREFIX = accountPartitionKey('');

function toStateItem(item: Record<string, AttributeValue>): ToolOutcome<StateItem> {
  const pk = item[PARTITION_KEY]?.S ?? '';
  const account = pk.startsWith(ACCOUNT_PREFIX) ? pk.slice(ACCOUNT_PREFIX.length) : pk;
  try {
    const { state, version } = parseStateItem(account, item);
    const encoded = item[HISTORY_ATTRIBUTE]?.S;
    const history = encoded === undefined ? undefined : decodeHistory(encoded);
    return { ok: true, value: { account, state, version, ...(history ? { history } : {}), item } };
  } catch (error) {
    return fail('table', errorMessage(error));
  }
}

function dynamoDbError<T>(operation: string, table: string, error: unknown): ToolOutcome<T> {
  const name = errorName(error);
  if (name === 'ResourceNotFoundException') {
    return fail('table', `table ${table} not found: check --table, or --stack and --region`);
  }
  if (ACCESS_DENIED.has(name)) {
    return fail('access', `the caller may not read or write table ${table} (dynamodb:${operation})`);
  }
  return fail('aws', `DynamoDB ${operation} on ${table} failed: ${name}: ${errorMessage(error)}`);
}

/** Every account's state item (a Scan filtered on the sort key: a few hundred items, a few pages). */
export async function readStates(
  client: DynamoDBClient,
  table: string,
): Promise<ToolOutcome<{ items: StateItem[]; unreadable: ToolError[] }>> {
  const items: StateItem[] = [];
  const unreadable: ToolError[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    let page: { Items?: Record<string, AttributeValue>[]; LastEvaluatedKey?: Record<string, AttributeValue> };
    try {
      page = await client.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: '#sk = :state',
          ExpressionAttributeNames: { '#sk': SORT_KEY },
          ExpressionAttributeValues: { ':state': { S: STATE_SORT_KEY } },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
    } catch (error) {
      return dynamoDbError('Scan', table, error);
    }
    for (const raw of page.Items ?? []) {
      const parsed = toStateItem(raw);
      if (parsed.ok) items.push(parsed.value);
      else unreadable.push(parsed.error);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  items.sort((a, b) => a.account.localeCompare(b.account));
  return { ok: true, value: { items, unreadable } };
}

/** One account's state item; an account without one is refused by name. */
export async function readState(
  client: DynamoDBClient,
  table: string,
  account: string,
): Promise<ToolOutcome<StateItem>> {
  let item: Record<string, AttributeValue> | undefined;
  try {
    const response = await client.send(
      new GetItemCommand({
        TableName: table,
        Key: { [PARTITION_KEY]: { S: accountPartitionKey(account) }, [SORT_KEY]: { S: STATE_SORT_KEY } },
        ConsistentRead: true,
      }),
    );
    item = response.Item;
  } catch (error) {
    return dynamoDbError('GetItem', table, error);
  }
  if (!item) {
    return fail(
      'account',
      `account ${JSON.stringify(account)} has no state in table ${table}: is the name right, and has the monitor checked it once?`,
    );
  }
  return toStateItem(item);
}

/**
 * The tools know the accounts from the table, not from the deployed configuration: an account
 * removed from it keeps its state item. A run checks every configured account at least hourly, so
 * one not checked for this long is most likely no longer configured.
 */
export const STALE_AFTER_DAYS = 7;

const DAY_MS = 86_400_000;

/** Whole days since the account was last checked, when more than STALE_AFTER_DAYS; else undefined. */
export function staleDays(state: AlertState, now: Date): number | undefined {
  const last = Date.parse(state.checkedAt ?? state.levelSince);
  if (!Number.isFinite(last)) return undefined;
  const days = (now.getTime() - last) / DAY_MS;
  return days > STALE_AFTER_DAYS ? Math.floor(days) : undefined;
}

export function staleNote(days: number): string {
  return `stale (not checked for ${days} days: removed from the configuration?)`;
}

/** Rounds of re-read and retry when a run writes the same item meanwhile. */
export const WRITE_ATTEMPTS = 5;

/**
 * Changes one account's state with a write conditional on the version read: a run that saved
 * meanwhile makes it fail, and the change is applied again to what the run wrote, so neither
 * write is lost. `change` returns undefined when there is nothing to write.
 */
export async function updateState(
  client: DynamoDBClient,
  table: string,
  first: StateItem,
  change: (state: AlertState) => AlertState | undefined,
  now: Date,
): Promise<ToolOutcome<AlertState | undefined>> {
  let current = first;
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const next = change(current.state);
    if (next === undefined) return { ok: true, value: undefined };
    try {
      await client.send(
        new PutItemCommand({
          TableName: table,
          // Every attribute as read (the history among them), the state and its version replaced.
          Item: {
            ...current.item,
            state: { S: JSON.stringify(next) },
            version: { N: String(current.version + 1) },
            updatedAt: { S: now.toISOString() },
          },
          ConditionExpression: '#v = :expected',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':expected': { N: String(current.version) } },
        }),
      );
      return { ok: true, value: next };
    } catch (error) {
      if (errorName(error) !== 'ConditionalCheckFailedException')
        return dynamoDbError('PutItem', table, error);
    }
    const again = await readState(client, table, current.account);
    if (!again.ok) return again;
    current = again.value;
  }
  return fail(
    'conflict',
    `the state of account ${first.account} kept changing under the monitor's runs; gave up after ${WRITE_ATTEMPTS} tries: run the command again`,
  );
}

export function clientsFor(region: string | undefined): ToolClients {
  const config = region === undefined ? {} : { region };
  return { cloudFormation: new CloudFormationClient(config), dynamoDb: new DynamoDBClient(config) };
}

export function isMainModule(url: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}

export interface ToolArgs extends Pick<ReadOptions, 'switches' | 'positionals'> {
  /** Each string option's value, by name; the last counts when one is given twice. */
  readonly values: ReadonlyMap<string, string>;
  /** One line each, naming the flag or argument. */
  readonly errors: readonly string[];
}

/**
 * An operator tool's command line, read by the commands' shared reader; a blank value is none,
 * except for the options in `mayBeBlank`, which the tool refuses in its own words.
 */
export function readToolArgs(
  argv: readonly string[],
  options: OptionTypes,
  {
    allowPositionals,
    mayBeBlank = [],
  }: { readonly allowPositionals: boolean; readonly mayBeBlank?: readonly string[] },
): ToolArgs {
  const read = readOptions(argv, options, { allowPositionals });
  const errors = read.problems.map((p) => {
    if (p.kind === 'needs-value') return `${p.flag} needs a value`;
    if (p.kind === 'unknown') return `Unknown option '${p.flag}'`;
    return `Unexpected argument '${p.argument}': this command takes no positional arguments`;
  });
  const values = new Map<string, string>();
  for (const [name, given] of read.values) {
    const value = given.at(-1) ?? '';
    if (value.trim() === '' && !mayBeBlank.includes(name)) errors.push(`--${name} needs a value`);
    else values.set(name, value);
  }
  return { values, switches: read.switches, positionals: read.positionals, errors };
}
