import { describe, expect, it } from 'vitest';
import {
  dynamoItemBytes,
  emfMetrics,
  formatCostLine,
  itemRunUnits,
  lambdaDurationUsd,
  type MonthlyUsage,
  monthlyCost,
  numberBytes,
  PRICES,
  quietRunUnits,
  runsPerMonth,
  strongReadUnits,
  writeUnits,
} from '../../bench/cost.js';

const usage: MonthlyUsage = {
  runsPerMonth: 2880,
  memoryMb: 128,
  billedMsPerRun: 500,
  accounts: 1,
  runUnits: { readUnits: 3, writeUnits: 2 },
  notificationsPerMonth: 4,
  tableBytes: 0,
  parametersPerRun: 2,
  customMetrics: 2,
  alarms: 3,
  logBytesPerRun: 1024,
  logRetentionDays: 90,
  dashboards: 1,
};

function lineOf(item: string) {
  const found = monthlyCost(usage).lines.find((l) => l.item.startsWith(item));
  if (!found) throw new Error(`no line ${item}`);
  return found;
}

describe('schedule arithmetic', () => {
  it('counts 2,880 runs in a 30-day month of rate(15 minutes)', () => {
    expect(runsPerMonth(15)).toBe(2880);
  });

  it('prices Lambda duration as GB-seconds at the Arm rate', () => {
    expect(lambdaDurationUsd(2880, 128, 1000)).toBeCloseTo(360 * PRICES.lambdaArmGbSecond, 10);
  });
});

describe('DynamoDB item sizes and capacity units', () => {
  it('sizes a number as one byte per two significant digits plus one', () => {
    expect(numberBytes('842.35')).toBe(4);
  });

  it('ignores leading and trailing zeros and the sign of a number', () => {
    expect(numberBytes('-000120.500')).toBe(numberBytes('1205'));
  });

  it('sizes an item as its attribute names plus its values', () => {
    expect(dynamoItemBytes({ pk: { S: 'ACCOUNT#main' }, sms: { N: '5615' } })).toBe(2 + 12 + 3 + 3);
  });

  it('sizes nested maps and lists with their overhead', () => {
    expect(dynamoItemBytes({ m: { M: { a: { BOOL: true } } }, l: { L: [{ NULL: true }] } })).toBe(
      1 + (3 + 1 + 1 + 1) + 1 + (3 + 1 + 1),
    );
  });

  it('charges at least one read unit, then one per 4 KB', () => {
    expect([strongReadUnits(0), strongReadUnits(4096), strongReadUnits(4097)]).toEqual([1, 1, 2]);
  });

  it('charges at least one write unit, then one per 1 KB', () => {
    expect([writeUnits(10), writeUnits(1024), writeUnits(1025)]).toEqual([1, 1, 2]);
  });

  it('sums the samples and the state a Query returns before rounding up to 4 KB', () => {
    // 100 samples of 100 bytes and a 300-byte state: 10,300 bytes, three 4 KB read units.
    expect(quietRunUnits({ stateBytes: 300, sampleBytes: 100, samplesRead: 100 })).toEqual({
      readUnits: 3,
      writeUnits: 2,
    });
  });
});

describe('the one-item layout', () => {
  it('reads the account’s item in one 4 KB unit and writes it in 1 KB units', () => {
    expect([itemRunUnits(1355), itemRunUnits(3470), itemRunUnits(4097)]).toEqual([
      { readUnits: 1, writeUnits: 2 },
      { readUnits: 1, writeUnits: 4 },
      { readUnits: 2, writeUnits: 5 },
    ]);
  });
});

describe('custom metrics counted from the log', () => {
  const line = (account: string) =>
    JSON.stringify({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'IletiMerkezi/BalanceMonitor',
            Dimensions: [['Account']],
            Metrics: [{ Name: 'Balance' }, { Name: 'SmsBalance' }],
          },
        ],
      },
      Account: account,
      Balance: 1,
      SmsBalance: 2,
    });

  it('counts each metric name and dimension value once, however many lines carry it', () => {
    expect(
      emfMetrics(
        [line('main'), line('backup'), line('main'), '{"message":"run finished"}', 'START'].join('\n'),
      ),
    ).toBe(4);
  });

  it('counts none in a log without embedded metrics', () => {
    expect(emfMetrics('{"level":"info","message":"account checked"}\n')).toBe(0);
  });
});

describe('the monthly bill', () => {
  it('keeps the dashboard out of the total', () => {
    const cost = monthlyCost(usage);
    expect(cost.totalUsd).toBeCloseTo(
      cost.lines.reduce((sum, l) => sum + l.usd, 0),
      12,
    );
    expect(cost.lines.some((l) => l.item.includes('dashboard'))).toBe(false);
  });

  it('prices the dashboard on its own line at 3 USD a month', () => {
    expect(monthlyCost(usage).dashboard.usd).toBe(3);
  });

  it('charges each custom metric 0.30 USD and each alarm 0.10 USD a month', () => {
    expect([lineOf('CloudWatch custom metrics').usd, lineOf('CloudWatch alarms').usd]).toEqual([
      2 * 0.3,
      3 * 0.1,
    ]);
  });

  it('bills the Lambda duration of every run at its memory size', () => {
    expect(lineOf('Lambda duration').usd).toBeCloseTo(2880 * 0.125 * 0.5 * PRICES.lambdaArmGbSecond, 10);
  });

  it('adds one state write per notification to the runs’ writes', () => {
    expect(lineOf('DynamoDB writes').quantity).toBe(2880 * 2 + 4);
  });

  it('reads every SecureString through KMS on every run', () => {
    expect(lineOf('KMS decrypts').quantity).toBe(2880 * 2);
  });

  it('keeps the logs for the retention period, in months of ingestion', () => {
    expect(lineOf('CloudWatch Logs storage').quantity).toBeCloseTo(
      lineOf('CloudWatch Logs ingestion').quantity * 3,
      12,
    );
  });

  it('prints a line with its quantity, published unit price and result', () => {
    expect(formatCostLine(lineOf('CloudWatch alarms'))).toMatch(
      /^CloudWatch alarms +3 alarms × 0\.1 USD\/alarm-month +=\s+0\.3000 USD$/,
    );
  });
});
