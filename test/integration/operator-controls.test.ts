import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbStateStore } from '../../lambda/adapters/dynamodb-store.js';
import type { MonitorConfig } from '../../lambda/core/config.js';
import { EMPTY_HISTORY, forecastFromHistory } from '../../lambda/core/history.js';
import type { StateStore, StoredState } from '../../lambda/core/ports.js';
import { type RunSummary, runChecks } from '../../lambda/core/run-checks.js';
import { LOCAL_AWS, type LocalDynamoDb, startDynalite } from '../../support/dynalite.js';
import { type ProviderServer, startProviderServer } from '../../support/provider-server.js';
import type { ToolClients } from '../../tools/monitor-table.js';
import { parseSilenceArgs, runSilence } from '../../tools/silence.js';
import { runStatus, type StatusReport } from '../../tools/status.js';
import { testConfig } from '../support/accounts.js';
import { orchestrationDeps } from '../support/orchestration.js';

/**
 * The operator tools against state the real orchestration wrote: the iletiMerkezi client against
 * the provider server, state on dynalite, SSM and SNS through the real adapters with mocked SDK
 * clients; `npm run status` and `npm run silence` read and write the same table.
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
let accepted: string[] = [];

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

beforeEach(() => {
  ssm.reset();
  sns.reset();
  accepted = [];
  ssm.on(GetParametersCommand).callsFake((input: { Names?: string[] }) => ({
    Parameters: (input.Names ?? []).map((name) => ({
      Name: name,
      Type: 'SecureString',
      Value: JSON.stringify({ key: KEY, hash: HASH }),
    })),
    InvalidParameters: [],
  }));
  sns
    .on(PublishCommand)
    .callsFake((input: { MessageAttributes?: Record<string, { StringValue?: string }> }) => {
      accepted.push(input.MessageAttributes?.kind?.StringValue ?? '?');
      return { MessageId: `m-${accepted.length}` };
    });
  provider.setDefault({ kind: 'contract' });
  balance(500);
});

function balance(amount: number): void {
  provider.setBalance({ amount, sms: Math.round(amount * 6.5) });
}

interface Harness {
  readonly tableName: string;
  readonly store: StateStore;
  readonly config: MonitorConfig;
  readonly lines: string[];
  /** One scheduled run at `hours` after T0. */
  run(hours: number): Promise<RunSummary>;
  /** The tools' clients: CloudFormation is never asked, the table is named with --table. */
  readonly clients: ToolClients;
  /** The run's clock, for the tools. */
  now(): Date;
  setNow(hours: number): void;
}

async function harness(
  accounts: readonly string[] = ['main'],
  options: { store?: (store: StateStore) => StateStore; dynamoDb?: DynamoDBClient } = {},
): Promise<Harness> {
  const tableName = `operator-${++tableNumber}`;
  await dynalite.createTable(tableName);
  let now = T0;
  const base = createDynamoDbStateStore({ tableName, client: dynalite.client, now: () => now });
  const store = options.store ? options.store(base) : base;
  const config = testConfig({
    accounts: accounts.map((name) => ({
      name,
      baseUrl: provider.origin,
      thresholds: { warning: { amount: 100 }, critical: { amount: 25 } },
    })),
    policy: { forecastDays: 0 },
    attemptTimeoutMs: 500,
    deadlineMs: 2_000,
  });
  const lines: string[] = [];
  const deps = orchestrationDeps({ store, lines, now: () => now });
  return {
    tableName,
    store: base,
    config,
    lines,
    run(hours) {
      now = T0 + hours * HOUR;
      return runChecks(config, deps, { deadlineAt: Date.now() + 10_000 });
    },
    clients: {
      cloudFormation: new CloudFormationClient(LOCAL_AWS),
      dynamoDb: options.dynamoDb ?? dynalite.client,
    },
    now: () => new Date(now),
    setNow(hours) {
      now = T0 + hours * HOUR;
    },
  };
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

/** `npm run silence -- <argv> --table <the harness's table>` at the run's clock. */
async function silence(h: Harness, argv: readonly string[]) {
  const parsed = parseSilenceArgs([...argv, '--table', h.tableName]);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const c = capture();
  const code = await runSilence(parsed.args, h.clients, c.output, { now: () => h.now(), by: 'operator' });
  return { code, out: c.out.join(''), err: c.err.join('') };
}

async function statusJson(h: Harness): Promise<StatusReport> {
  const c = capture();
  const code = await runStatus({ stack: 'unused', table: h.tableName, json: true }, h.clients, c.output, () =>
    h.now(),
  );
  expect(code).toBe(0);
  expect(c.out).toHaveLength(1);
  return JSON.parse(c.out[0] ?? '') as StatusReport;
}

function heldKinds(lines: readonly string[]): string[] {
  return lines.map((l) => JSON.parse(l) as { held?: string }).flatMap((l) => (l.held ? [l.held] : []));
}

describe('npm run status against the state the run wrote', () => {
  it('status --json matches every field of the state the runs wrote, forecast included', async () => {
    const h = await harness(['main', 'second']);
    // A day of hourly use, a low notice on the way, then two failed checks.
    for (let hour = 0; hour <= 24; hour++) {
      balance(500 - hour * 17);
      await h.run(hour);
    }
    provider.setDefault({ kind: 'status', code: 503 });
    await h.run(24.25);
    const last = await h.run(24.5);
    const report = await statusJson(h);

    expect(report.table).toBe(h.tableName);
    expect(report.accounts.map((a) => a.account)).toEqual(['main', 'second']);
    for (const account of report.accounts) {
      const stored = (await h.store.load(account.account)) as StoredState;
      const { state } = stored;
      const forecast = forecastFromHistory(stored.history ?? EMPTY_HISTORY, h.now(), {});
      expect(account).toEqual({
        account: account.account,
        level: state.level,
        levelSince: state.levelSince,
        balance: { amount: state.lastBalance?.amount, sms: state.lastBalance?.sms },
        lastSuccessAt: state.lastBalance?.at,
        lastSuccessAgeMinutes: 30,
        lastCheckAt: state.checkedAt,
        failuresInARow: 2,
        failure: { kind: 'transient', message: state.failures?.message, since: state.failures?.since },
        daysToEmpty: forecast?.daysToEmpty,
        emptyAt: forecast?.emptyAt,
        lastNotice: { kind: 'low', at: state.lowNotice?.at },
      });
    }
    // The figures the run itself reported and wrote.
    const main = report.accounts[0];
    expect(main).toMatchObject({
      level: 'WARNING',
      balance: { amount: 92, sms: 598 },
      lastSuccessAt: new Date(T0 + 24 * HOUR).toISOString(),
      lastCheckAt: new Date(T0 + 24.5 * HOUR).toISOString(),
    });
    expect(main?.daysToEmpty).toBeGreaterThan(0);
    expect(last.accounts[0]?.level).toBe(main?.level);
  });

  it('status shows a pending delivery SNS refused and an active silence', async () => {
    const h = await harness();
    await h.run(0);
    sns.on(PublishCommand).rejects(Object.assign(new Error('try later'), { name: 'ThrottledException' }));
    balance(10);
    await h.run(1);
    await silence(h, ['main', '--for', '2h', '--reason', 'top-up on the way']);
    const [main] = (await statusJson(h)).accounts;
    expect(main?.pending).toMatchObject({
      kind: 'low',
      attempts: 1,
      claimed: false,
      channels: { topic: 'pending' },
    });
    expect(main?.pending?.lastError).toContain('ThrottledException');
    expect(main?.silence).toEqual({
      until: new Date(T0 + 3 * HOUR).toISOString(),
      since: new Date(T0 + HOUR).toISOString(),
      reason: 'top-up on the way',
      by: 'operator',
      active: true,
    });
  });

  it('the readable table has one line an account with its level, balance and silence', async () => {
    const h = await harness(['main', 'second']);
    await h.run(0);
    await silence(h, ['second', '--for', '90m', '--reason', 'migration']);
    const c = capture();
    await runStatus({ stack: 'unused', table: h.tableName, json: false }, h.clients, c.output, () => h.now());
    const lines = c.out.join('').trimEnd().split('\n');
    expect(lines[1]).toMatch(/^ACCOUNT +LEVEL +BALANCE +SMS +LAST OK/);
    expect(lines[2]).toMatch(/^main +OK +500\.00 +3250 +0m ago +0 /);
    expect(lines[3]).toMatch(/^second +OK .*until 2026-11-02T07:30:00\.000Z \(1h30m left\): migration$/);
  });
});

describe('silences on the state the run writes', () => {
  it('a silence holds a CRITICAL and releases exactly one notice when it ends', async () => {
    const h = await harness();
    await h.run(0);
    h.setNow(0.5);
    expect((await silence(h, ['main', '--for', '2h', '--reason', 'planned top-up'])).code).toBe(0);
    balance(10);
    for (const hours of [1, 1.5, 2, 2.25]) await h.run(hours);
    expect(accepted).toEqual([]);
    expect(heldKinds(h.lines)).toEqual(['low', 'low', 'low', 'low']);
    const during = (await h.store.load('main'))?.state;
    expect(during).toMatchObject({ level: 'CRITICAL', lastBalance: { amount: 10 } });
    expect(during?.pending).toBeUndefined();

    await h.run(2.5);
    expect(accepted).toEqual(['low']);
    await h.run(2.75);
    await h.run(3);
    expect(accepted).toEqual(['low']);
  });

  it("a silence written while a run decides survives the run's save, and the run's observation too", async () => {
    let h: Harness | undefined;
    let raced = false;
    h = await harness(['main'], {
      store: (store) => ({
        ...store,
        loadMany: store.loadMany?.bind(store),
        async save(account, state, version, history) {
          if (!raced && h && state.lastBalance?.amount === 10) {
            raced = true;
            await silence(h, ['main', '--for', '1h', '--reason', 'written mid-run']);
          }
          return store.save(account, state, version, history);
        },
      }),
    });
    await h.run(0);
    balance(10);
    await h.run(1);
    expect(raced).toBe(true);
    const { state } = (await h.store.load('main')) as StoredState;
    expect(state.silence?.reason).toBe('written mid-run');
    expect(state).toMatchObject({ level: 'CRITICAL', checkedAt: new Date(T0 + HOUR).toISOString() });
    expect(accepted).toEqual([]);
    expect(heldKinds(h.lines)).toEqual(['low']);
  });

  it("the silence command's conditional write is retried when a run saves first, and both writes survive", async () => {
    const client = new DynamoDBClient({ endpoint: dynalite.endpoint, ...LOCAL_AWS });
    let puts = 0;
    let h: Harness | undefined;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutItemCommand' && ++puts === 1 && h) {
          balance(80);
          await h.run(1);
        }
        return next(args);
      },
      { step: 'initialize', name: 'raceARun' },
    );
    h = await harness(['main'], { dynamoDb: client });
    await h.run(0);
    h.setNow(0.9);
    const result = await silence(h, ['main', '--for', '2h', '--reason', 'raced']);
    expect(result.code).toBe(0);
    expect(puts).toBe(2);
    const { state, version } = (await h.store.load('main')) as StoredState;
    // The first run's save, the raced run's claim and its settle, then the silence on top.
    expect(version).toBe(4);
    expect(state.silence?.reason).toBe('raced');
    expect(state).toMatchObject({ level: 'WARNING', lastBalance: { amount: 80 } });
    // The run decided before the silence existed: its notice went out.
    expect(accepted).toEqual(['low']);
    client.destroy();
  });

  it('--all silences every account, --list shows them, --clear ends one and --clear --all the rest', async () => {
    const h = await harness(['main', 'second', 'third']);
    await h.run(0);
    expect(
      (await silence(h, ['--all', '--until', '2026-11-02T12:00:00Z', '--reason', 'provider maintenance']))
        .out,
    ).toBe(
      [
        'main: silenced until 2026-11-02T12:00:00.000Z: provider maintenance',
        'second: silenced until 2026-11-02T12:00:00.000Z: provider maintenance',
        'third: silenced until 2026-11-02T12:00:00.000Z: provider maintenance',
        '',
      ].join('\n'),
    );
    expect((await silence(h, ['--list'])).out.split('\n').filter(Boolean)).toEqual(
      ['main', 'second', 'third'].map(
        (a) =>
          `${a}: until 2026-11-02T12:00:00.000Z (6h left), since 2026-11-02T06:00:00.000Z by operator: provider maintenance`,
      ),
    );
    expect((await silence(h, ['--clear', 'second'])).out).toBe('second: silence cleared\n');
    expect((await silence(h, ['--list'])).out).not.toContain('second');
    expect((await silence(h, ['--clear', '--all'])).out).toBe(
      'main: silence cleared\nsecond: was not silenced\nthird: silence cleared\n',
    );
    expect((await silence(h, ['--list'])).out).toBe(`No account of table ${h.tableName} is silenced.\n`);
    for (const account of ['main', 'second', 'third']) {
      expect((await h.store.load(account))?.state.silence).toBeUndefined();
    }
  });

  it('a silence on an account the table does not hold is refused by name, and nothing is written', async () => {
    const h = await harness();
    await h.run(0);
    const result = await silence(h, ['mian', '--for', '2h', '--reason', 'typo']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('account "mian" has no state in table');
    expect(await h.store.load('mian')).toBeUndefined();
  });

  it('a silence longer than the maximum is refused naming the flag and the limit', async () => {
    const h = await harness();
    await h.run(0);
    const result = await silence(h, ['main', '--for', '8d', '--reason', 'too long']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('--for 8d is longer than the longest silence, 168 hours');
    expect((await h.store.load('main'))?.state.silence).toBeUndefined();
    expect(
      (await silence(h, ['main', '--for', '8d', '--reason', 'allowed', '--max-hours', '200'])).code,
    ).toBe(0);
  });

  it('a notice left pending before the silence waits for its end, and goes out once', async () => {
    const h = await harness();
    await h.run(0);
    sns.on(PublishCommand).rejects(Object.assign(new Error('try later'), { name: 'ThrottledException' }));
    balance(10);
    await h.run(1);
    h.setNow(1.1);
    await silence(h, ['main', '--for', '2h', '--reason', 'SNS trouble']);
    sns.on(PublishCommand).callsFake(() => {
      accepted.push('low');
      return { MessageId: 'm' };
    });
    await h.run(1.5);
    expect(accepted).toEqual([]);
    expect(heldKinds(h.lines)).toEqual(['low']);
    expect((await h.store.load('main'))?.state.pending?.notification.kind).toBe('low');
    await h.run(3.25);
    await h.run(3.5);
    expect(accepted).toEqual(['low']);
    expect((await h.store.load('main'))?.state.pending).toBeUndefined();
  });

  it('a silence that has ended holds nothing, without anyone clearing it', async () => {
    const h = await harness();
    await h.run(0);
    await silence(h, ['main', '--for', '30m', '--reason', 'short']);
    balance(10);
    await h.run(1);
    expect(accepted).toEqual(['low']);
    expect(heldKinds(h.lines)).toEqual([]);
  });
});
