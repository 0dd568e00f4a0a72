import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseSilenceArgs, runSilence } from '../../tools/silence.js';
import { parseStatusArgs, runStatus } from '../../tools/status.js';
import { synthTemplate } from '../infra/fixture.js';

const cloudFormationMock = mockClient(CloudFormationClient);
const dynamoDbMock = mockClient(DynamoDBClient);
const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };
const clients = {
  cloudFormation: new CloudFormationClient({ region: 'eu-central-1', credentials }),
  dynamoDb: new DynamoDBClient({ region: 'eu-central-1', credentials }),
};
const STACK = 'IletiMerkeziBalanceMonitor';
const TABLE = 'IletiMerkeziBalanceMonitor-StateTable1A2B3C4D-ABCDEFGH';
const NOW = new Date('2026-11-27T11:00:00.000Z');

/** The output keys the stack really has: the tools must find the table and the maximum among them. */
const { template } = synthTemplate();
const OUTPUT_KEYS = Object.keys(template.toJSON().Outputs as Record<string, unknown>);

function stackWithOutputs(values: { table?: string; maxSilenceHours?: string } = {}) {
  cloudFormationMock.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: STACK,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date('2026-11-01T00:00:00Z'),
        Outputs: OUTPUT_KEYS.flatMap((key) => {
          if (/TableName/.test(key))
            return values.table === undefined ? [] : [{ OutputKey: key, OutputValue: values.table }];
          if (/MaxSilenceHours/.test(key))
            return [{ OutputKey: key, OutputValue: values.maxSilenceHours ?? '168' }];
          return [{ OutputKey: key, OutputValue: 'other' }];
        }),
      },
    ],
  });
}

const STATE_ITEM = {
  pk: { S: 'ACCOUNT#main' },
  sk: { S: 'STATE' },
  version: { N: '7' },
  level: { S: 'OK' },
  state: {
    S: JSON.stringify({
      level: 'OK',
      levelSince: '2026-11-20T00:00:00.000Z',
      checkedAt: '2026-11-27T10:45:00.000Z',
      lastBalance: { amount: 420.5, sms: 2733, at: '2026-11-27T10:45:00.000Z' },
    }),
  },
};

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

beforeEach(() => {
  cloudFormationMock.reset();
  dynamoDbMock.reset();
});

describe('npm run status', () => {
  it('finds the table from the stack outputs and scans its state items', async () => {
    stackWithOutputs({ table: TABLE });
    dynamoDbMock.on(ScanCommand).resolves({ Items: [STATE_ITEM] });
    const { out, output } = capture();

    expect(await runStatus({ stack: STACK, json: true }, clients, output, () => NOW)).toBe(0);
    expect(OUTPUT_KEYS.filter((key) => /TableName/.test(key))).toHaveLength(1);
    expect(cloudFormationMock).toHaveReceivedCommandExactlyOnceWith(DescribeStacksCommand, {
      StackName: STACK,
    });
    expect(dynamoDbMock).toHaveReceivedCommandExactlyOnceWith(ScanCommand, {
      TableName: TABLE,
      FilterExpression: '#sk = :state',
      ExpressionAttributeNames: { '#sk': 'sk' },
      ExpressionAttributeValues: { ':state': { S: 'STATE' } },
      ConsistentRead: true,
    });
    expect(JSON.parse(out.join(''))).toMatchObject({
      ok: true,
      table: TABLE,
      accounts: [
        { account: 'main', level: 'OK', balance: { amount: 420.5, sms: 2733 }, lastSuccessAgeMinutes: 15 },
      ],
    });
  });

  it('reads every page of the scan', async () => {
    dynamoDbMock
      .on(ScanCommand)
      .resolvesOnce({
        Items: [STATE_ITEM],
        LastEvaluatedKey: { pk: { S: 'ACCOUNT#main' }, sk: { S: 'STATE' } },
      })
      .resolves({ Items: [{ ...STATE_ITEM, pk: { S: 'ACCOUNT#second' } }] });
    const { out, output } = capture();

    await runStatus({ stack: STACK, table: TABLE, json: true }, clients, output, () => NOW);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(ScanCommand, 2);
    expect(JSON.parse(out.join('')).accounts.map((a: { account: string }) => a.account)).toEqual([
      'main',
      'second',
    ]);
  });

  it('with --json prints one JSON object when the stack does not exist', async () => {
    cloudFormationMock
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    const { out, err, output } = capture();

    expect(await runStatus({ stack: 'Nope', region: 'eu-central-1', json: true }, clients, output)).toBe(1);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] ?? '')).toEqual({
      ok: false,
      error: {
        kind: 'stack',
        message:
          'stack Nope not found in eu-central-1: deploy it first (npx cdk deploy), name it with --stack and its region with --region, or name the table with --table',
      },
    });
  });

  it('says so when the stack has no TableName output', async () => {
    stackWithOutputs();
    const { err, output } = capture();

    expect(await runStatus({ stack: STACK, json: false }, clients, output)).toBe(1);
    expect(err.join('')).toBe(
      `error: stack ${STACK} has no TableName output: is it the balance monitor's stack? (or name the table with --table)\n`,
    );
    expect(dynamoDbMock).not.toHaveReceivedCommand(ScanCommand);
  });

  it('names the permission when the caller may not describe the stack', async () => {
    cloudFormationMock
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const { err, output } = capture();

    expect(await runStatus({ stack: STACK, json: false }, clients, output)).toBe(1);
    expect(err.join('')).toBe(
      `error: the caller may not describe stack ${STACK} (cloudformation:DescribeStacks)\n`,
    );
  });

  it('names the permission when the caller may not read the table', async () => {
    dynamoDbMock.on(ScanCommand).rejects(
      Object.assign(new Error('not authorized to perform: dynamodb:Scan'), {
        name: 'AccessDeniedException',
      }),
    );
    const { out, output } = capture();

    expect(await runStatus({ stack: STACK, table: TABLE, json: true }, clients, output)).toBe(1);
    expect(JSON.parse(out.join(''))).toEqual({
      ok: false,
      error: { kind: 'access', message: `the caller may not read or write table ${TABLE} (dynamodb:Scan)` },
    });
  });

  it('lists an unreadable state item by account and exits 1, showing the others', async () => {
    dynamoDbMock
      .on(ScanCommand)
      .resolves({ Items: [STATE_ITEM, { ...STATE_ITEM, pk: { S: 'ACCOUNT#bad' }, state: { S: '{' } }] });
    const { out, output } = capture();

    expect(await runStatus({ stack: STACK, table: TABLE, json: true }, clients, output, () => NOW)).toBe(1);
    const report = JSON.parse(out.join(''));
    expect(report.accounts.map((a: { account: string }) => a.account)).toEqual(['main']);
    expect(report.unreadable).toEqual([
      { kind: 'table', message: 'stored state of account bad is corrupt: the state attribute is not JSON' },
    ]);
  });
});

describe('npm run status arguments', () => {
  it('an unknown flag is an error naming it', () => {
    const parsed = parseStatusArgs(['--tabel', 'x']);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.errors.join()).toContain("'--tabel'");
  });

  it('--table without a value is an error naming the flag', () => {
    const parsed = parseStatusArgs(['--table', '--json']);
    expect(parsed).toEqual({ ok: false, help: false, errors: ['--table needs a value'], json: true });
  });

  it('defaults to the stack the app deploys, without --json', () => {
    expect(parseStatusArgs([])).toEqual({ ok: true, args: { stack: STACK, json: false } });
  });
});

describe('npm run silence arguments', () => {
  const errorsOf = (argv: string[]) => {
    const parsed = parseSilenceArgs(argv);
    return parsed.ok ? [] : parsed.errors;
  };

  it('a silence without --reason is refused naming the flag', () => {
    expect(errorsOf(['main', '--for', '2h'])).toEqual([
      'a silence needs --reason "…": whoever reads the status wants to know why',
    ]);
  });

  it('an empty --reason is refused', () => {
    expect(errorsOf(['main', '--for', '2h', '--reason', '  '])).toEqual(['--reason must not be empty']);
  });

  it('a --for that is not a duration is refused naming the flag and the value', () => {
    expect(errorsOf(['main', '--for', '2 hours', '--reason', 'x'])).toEqual([
      '--for must be a duration like 30m, 2h or 3d, got "2 hours"',
    ]);
  });

  it('an --until that is not an ISO time is refused naming the flag', () => {
    expect(errorsOf(['main', '--until', 'tomorrow', '--reason', 'x'])).toEqual([
      '--until must be an ISO time like 2026-12-01T18:00:00Z, got "tomorrow"',
    ]);
  });

  it('--for and --until together are refused', () => {
    expect(errorsOf(['main', '--for', '2h', '--until', '2026-12-01T18:00:00Z', '--reason', 'x'])).toEqual([
      '--for and --until exclude each other',
    ]);
  });

  it('a silence without --for or --until is refused naming both', () => {
    expect(errorsOf(['main', '--reason', 'x'])).toEqual([
      'a silence needs --for <duration> or --until <ISO time>',
    ]);
  });

  it('--all with an account is refused', () => {
    expect(errorsOf(['main', '--all', '--for', '2h', '--reason', 'x'])).toEqual([
      '--all and an account (main) exclude each other',
    ]);
  });

  it('--clear without an account or --all is refused', () => {
    expect(errorsOf(['--clear'])).toEqual(['--clear needs an account or --all']);
  });

  it('--list with an account is refused', () => {
    expect(errorsOf(['--list', 'main'])).toEqual(['--list takes no account and no --all']);
  });

  it('--max-hours out of range is refused naming the flag and the range', () => {
    expect(errorsOf(['main', '--for', '2h', '--reason', 'x', '--max-hours', '0'])).toEqual([
      '--max-hours must be a whole number of hours from 1 to 8760',
    ]);
  });

  it('an unknown flag is refused naming it', () => {
    expect(errorsOf(['main', '--four', '2h']).join()).toContain("'--four'");
  });

  it('parses a silence of one account for a duration', () => {
    expect(parseSilenceArgs(['main', '--for', '90m', '--reason', 'top-up'])).toEqual({
      ok: true,
      args: {
        stack: STACK,
        action: { kind: 'set', accounts: 'main', until: { for: '90m', ms: 5_400_000 }, reason: 'top-up' },
      },
    });
  });
});

describe('npm run silence', () => {
  it("learns the longest silence from the stack's MaxSilenceHours output and refuses a longer one", async () => {
    stackWithOutputs({ table: TABLE, maxSilenceHours: '24' });
    dynamoDbMock.on(GetItemCommand).resolves({ Item: STATE_ITEM });
    const parsed = parseSilenceArgs(['main', '--for', '2d', '--reason', 'x']);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const { err, output } = capture();

    expect(await runSilence(parsed.args, clients, output, { now: () => NOW })).toBe(1);
    expect(err.join('')).toBe(
      "error: --for 2d is longer than the longest silence, 24 hours (maxSilenceHours in the stack's configuration; --max-hours overrides)\n",
    );
    expect(dynamoDbMock).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('writes the silence into the state with a write conditional on the version read, keeping every attribute', async () => {
    dynamoDbMock.on(GetItemCommand).resolves({ Item: { ...STATE_ITEM, history: { S: 'h' } } });
    dynamoDbMock.on(PutItemCommand).resolves({});
    const parsed = parseSilenceArgs(['main', '--for', '2h', '--reason', 'top-up', '--table', TABLE]);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const { out, output } = capture();

    expect(await runSilence(parsed.args, clients, output, { now: () => NOW, by: 'ops' })).toBe(0);
    expect(dynamoDbMock).toHaveReceivedCommandExactlyOnceWith(GetItemCommand, {
      TableName: TABLE,
      Key: { pk: { S: 'ACCOUNT#main' }, sk: { S: 'STATE' } },
      ConsistentRead: true,
    });
    const state = {
      ...JSON.parse(STATE_ITEM.state.S),
      silence: { until: '2026-11-27T13:00:00.000Z', reason: 'top-up', since: NOW.toISOString(), by: 'ops' },
    };
    expect(dynamoDbMock).toHaveReceivedCommandExactlyOnceWith(PutItemCommand, {
      TableName: TABLE,
      Item: {
        ...STATE_ITEM,
        history: { S: 'h' },
        state: { S: JSON.stringify(state) },
        version: { N: '8' },
        updatedAt: { S: NOW.toISOString() },
      },
      ConditionExpression: '#v = :expected',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':expected': { N: '7' } },
    });
    expect(out.join('')).toBe('main: silenced until 2026-11-27T13:00:00.000Z: top-up\n');
  });

  it('gives up after five lost conditional writes, saying to run it again', async () => {
    dynamoDbMock.on(GetItemCommand).resolves({ Item: STATE_ITEM });
    dynamoDbMock.on(PutItemCommand).rejects(
      Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
      }),
    );
    const parsed = parseSilenceArgs(['main', '--for', '2h', '--reason', 'x', '--table', TABLE]);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const { err, output } = capture();

    expect(await runSilence(parsed.args, clients, output, { now: () => NOW })).toBe(1);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(PutItemCommand, 5);
    expect(err.join('')).toContain('gave up after 5 tries: run the command again');
  });
});

/** A state item last checked `days` days before NOW. */
function itemCheckedDaysAgo(account: string, days: number) {
  const at = new Date(NOW.getTime() - days * 86_400_000).toISOString();
  return {
    ...STATE_ITEM,
    pk: { S: `ACCOUNT#${account}` },
    state: {
      S: JSON.stringify({
        level: 'OK',
        levelSince: '2026-10-01T00:00:00.000Z',
        checkedAt: at,
        lastBalance: { amount: 10, sms: 65, at },
      }),
    },
  };
}

describe('accounts the configuration may no longer hold', () => {
  it('status marks an account not checked for more than 7 days as stale, in the text and in --json', async () => {
    dynamoDbMock
      .on(ScanCommand)
      .resolves({ Items: [itemCheckedDaysAgo('old', 12), itemCheckedDaysAgo('main', 6.9)] });
    const text = capture();
    const json = capture();

    expect(
      await runStatus({ stack: STACK, table: TABLE, json: false }, clients, text.output, () => NOW),
    ).toBe(0);
    expect(await runStatus({ stack: STACK, table: TABLE, json: true }, clients, json.output, () => NOW)).toBe(
      0,
    );
    expect(text.out.join('')).toContain(
      '\nold: stale (not checked for 12 days: removed from the configuration?)\n',
    );
    expect(text.out.join('')).not.toContain('main: stale');
    const report = JSON.parse(json.out.join(''));
    expect(
      report.accounts.map((a: { account: string; staleDays?: number }) => [a.account, a.staleDays]),
    ).toEqual([
      ['main', undefined],
      ['old', 12],
    ]);
  });

  it('silence --all skips a stale account with a note and silences the others', async () => {
    dynamoDbMock
      .on(ScanCommand)
      .resolves({ Items: [itemCheckedDaysAgo('old', 30), itemCheckedDaysAgo('main', 0)] });
    dynamoDbMock.on(PutItemCommand).resolves({});
    const parsed = parseSilenceArgs([
      '--all',
      '--for',
      '2h',
      '--reason',
      'x',
      '--table',
      TABLE,
      '--max-hours',
      '24',
    ]);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const { out, err, output } = capture();

    expect(await runSilence(parsed.args, clients, output, { now: () => NOW })).toBe(0);
    expect(dynamoDbMock).toHaveReceivedCommandTimes(PutItemCommand, 1);
    expect(dynamoDbMock).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ pk: { S: 'ACCOUNT#main' } }),
    });
    expect(err.join('')).toBe(
      'old: skipped, stale (not checked for 30 days: removed from the configuration?); name it to change it anyway\n',
    );
    expect(out.join('')).toBe('main: silenced until 2026-11-27T13:00:00.000Z: x\n');
  });

  it('silence --all refuses, saying so, when every account is stale', async () => {
    dynamoDbMock.on(ScanCommand).resolves({ Items: [itemCheckedDaysAgo('old', 8)] });
    const parsed = parseSilenceArgs([
      '--all',
      '--for',
      '2h',
      '--reason',
      'x',
      '--table',
      TABLE,
      '--max-hours',
      '24',
    ]);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const { err, output } = capture();

    expect(await runSilence(parsed.args, clients, output, { now: () => NOW })).toBe(1);
    expect(err.join('')).toContain(`error: every account of table ${TABLE} is stale: nothing to change\n`);
    expect(dynamoDbMock).not.toHaveReceivedCommand(PutItemCommand);
  });
});

describe('the longest silence when the stack does not say', () => {
  it('with --table and no --max-hours, says on stderr that the default 168 hours is used', async () => {
    dynamoDbMock.on(GetItemCommand).resolves({ Item: STATE_ITEM });
    dynamoDbMock.on(PutItemCommand).resolves({});
    const parsed = parseSilenceArgs(['main', '--for', '2h', '--reason', 'x', '--table', TABLE]);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const { err, output } = capture();

    expect(await runSilence(parsed.args, clients, output, { now: () => NOW })).toBe(0);
    expect(err.join('')).toBe(
      "note: the longest silence was not read from the stack (--table, or no MaxSilenceHours output): using the default 168 hours; --max-hours N sets the stack's maxSilenceHours\n",
    );
  });

  it('says nothing of the maximum when the stack publishes it', async () => {
    stackWithOutputs({ table: TABLE, maxSilenceHours: '24' });
    dynamoDbMock.on(GetItemCommand).resolves({ Item: STATE_ITEM });
    dynamoDbMock.on(PutItemCommand).resolves({});
    const parsed = parseSilenceArgs(['main', '--for', '2h', '--reason', 'x']);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const { err, output } = capture();

    expect(await runSilence(parsed.args, clients, output, { now: () => NOW })).toBe(0);
    expect(err).toEqual([]);
  });
});

describe('npm run silence --json', () => {
  it('prints one JSON object: the results, the stale accounts skipped, and where the maximum came from', async () => {
    dynamoDbMock
      .on(ScanCommand)
      .resolves({ Items: [itemCheckedDaysAgo('old', 9), itemCheckedDaysAgo('main', 0)] });
    dynamoDbMock.on(PutItemCommand).resolves({});
    const parsed = parseSilenceArgs(['--all', '--for', '2h', '--reason', 'x', '--table', TABLE, '--json']);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const { out, err, output } = capture();

    expect(await runSilence(parsed.args, clients, output, { now: () => NOW, by: 'ops' })).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out.join(''))).toEqual({
      ok: true,
      table: TABLE,
      action: 'set',
      maxSilenceHours: { hours: 168, from: 'default' },
      accounts: [
        {
          account: 'main',
          result: 'silenced',
          silence: { until: '2026-11-27T13:00:00.000Z', reason: 'x', since: NOW.toISOString(), by: 'ops' },
        },
      ],
      skipped: [{ account: 'old', staleDays: 9 }],
      warnings: [],
    });
  });

  it('prints one JSON object with the error when the account has no state', async () => {
    dynamoDbMock.on(GetItemCommand).resolves({});
    const parsed = parseSilenceArgs(['--clear', 'gone', '--table', TABLE, '--json']);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const { out, err, output } = capture();

    expect(await runSilence(parsed.args, clients, output, { now: () => NOW })).toBe(1);
    expect(err).toEqual([]);
    expect(JSON.parse(out.join(''))).toMatchObject({
      ok: false,
      action: 'clear',
      error: { kind: 'account', message: expect.stringContaining('"gone" has no state') },
    });
  });
});
