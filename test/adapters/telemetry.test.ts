import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTelemetry } from '../../lambda/adapters/telemetry.js';
import {
  ACCOUNT_CHECKED_MESSAGE,
  ACCOUNT_DIMENSION,
  BALANCE_METRIC,
  METRIC_NAMESPACE,
  SMS_METRIC,
} from '../../lambda/core/contract.js';
import type { AccountReport } from '../../lambda/core/ports.js';
import { createRedactor } from '../../lambda/core/redact.js';

const NOW = Date.parse('2025-11-24T09:15:00.000Z');

function capture(namespace?: string, accountMetrics = true) {
  const lines: string[] = [];
  const telemetry = createTelemetry({
    write: (line) => lines.push(line),
    now: () => NOW,
    accountMetrics,
    ...(namespace ? { namespace } : {}),
  });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { telemetry, lines, records };
}

const okReport: AccountReport = {
  account: 'main',
  outcome: 'ok',
  level: 'WARNING',
  balance: { amount: 10.58, sms: 67 },
  forecast: {
    measure: 'amount',
    burnPerDay: 3.2,
    daysToEmpty: 3.3,
    emptyAt: '2025-11-27T16:00:00.000Z',
    samples: 40,
    since: '2025-11-20T00:00:00.000Z',
  },
  notified: 'low',
  durationMs: 412,
};

const failedReport: AccountReport = {
  account: 'backup',
  outcome: 'failed',
  level: 'OK',
  failure: { kind: 'auth', message: 'iletiMerkezi refused the key and hash (401)', status: 401 },
  durationMs: 120,
};

interface MetricDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: Array<{ Name: string; Unit: string }>;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('telemetry', () => {
  it('writes a successful check as a log line without metrics unless accountMetrics is on', () => {
    const lines: string[] = [];
    createTelemetry({ write: (line) => lines.push(line), now: () => NOW }).accountChecked(okReport);

    const record = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(lines).toHaveLength(1);
    expect(record._aws).toBeUndefined();
    expect(record.Account).toBeUndefined();
    expect(record).toMatchObject({
      message: ACCOUNT_CHECKED_MESSAGE,
      account: 'main',
      amount: 10.58,
      sms: 67,
    });
  });

  it('with accountMetrics, writes a successful check as one Embedded Metric Format record with Balance and SmsBalance', () => {
    const { telemetry, records } = capture();
    telemetry.accountChecked(okReport);

    const [record] = records();
    expect(record?._aws).toEqual({
      Timestamp: NOW,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [[ACCOUNT_DIMENSION]],
          Metrics: [
            { Name: BALANCE_METRIC, Unit: 'None' },
            { Name: SMS_METRIC, Unit: 'Count' },
          ],
        },
      ],
    });
    expect(record).toMatchObject({ Account: 'main', Balance: 10.58, SmsBalance: 67 });
  });

  it('gives every metric and dimension the record declares a top-level value of the right type', () => {
    const { telemetry, records } = capture();
    telemetry.accountChecked(okReport);

    const record = records()[0] ?? {};
    const directives = (record._aws as { CloudWatchMetrics: MetricDirective[] }).CloudWatchMetrics;
    for (const directive of directives) {
      for (const metric of directive.Metrics) expect(typeof record[metric.Name]).toBe('number');
      for (const dimension of directive.Dimensions.flat()) expect(typeof record[dimension]).toBe('string');
    }
  });

  it('uses the namespace it is given', () => {
    const { telemetry, records } = capture('Test/Monitor');
    telemetry.accountChecked(okReport);

    expect(records()[0]).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'Test/Monitor' }] } });
  });

  it('puts the check result, forecast and notification in the same line as log fields', () => {
    const { telemetry, records } = capture();
    telemetry.accountChecked(okReport);

    expect(records()[0]).toMatchObject({
      level: 'info',
      message: ACCOUNT_CHECKED_MESSAGE,
      account: 'main',
      outcome: 'ok',
      balanceLevel: 'WARNING',
      amount: 10.58,
      sms: 67,
      daysToEmpty: 3.3,
      burnPerDay: 3.2,
      notified: 'low',
      durationMs: 412,
      timestamp: '2025-11-24T09:15:00.000Z',
    });
  });

  it('names the notice a silence held, and nothing as notified', () => {
    const { telemetry, records } = capture();
    const { notified: _sent, ...rest } = okReport;
    telemetry.accountChecked({ ...rest, held: 'low' });

    expect(records()[0]).toMatchObject({ message: ACCOUNT_CHECKED_MESSAGE, account: 'main', held: 'low' });
    expect(records()[0]).not.toHaveProperty('notified');
  });

  it('writes a failed check without a metric block, with the failure kind and message', () => {
    const { telemetry, records } = capture();
    telemetry.accountChecked(failedReport);

    const [record] = records();
    expect(record).not.toHaveProperty('_aws');
    expect(record).not.toHaveProperty(BALANCE_METRIC);
    expect(record).toMatchObject({
      level: 'warn',
      outcome: 'failed',
      account: 'backup',
      failureKind: 'auth',
      failureMessage: 'iletiMerkezi refused the key and hash (401)',
    });
  });

  it('logs a lost state write or notification at error level', () => {
    const { telemetry, records } = capture();
    telemetry.accountChecked({
      ...okReport,
      publishError: 'SnsPublishError: SNS Publish failed: ThrottledException',
    });
    telemetry.accountChecked({ ...okReport, storeError: 'StateStoreError: DynamoDB GetItem failed' });

    expect(records().map((r) => r.level)).toEqual(['error', 'error']);
    expect(records()[0]).toMatchObject({
      publishError: 'SnsPublishError: SNS Publish failed: ThrottledException',
    });
  });

  it('names the channels that refused a notice, and the notice the other channel accepted', () => {
    const { telemetry, records } = capture();
    telemetry.accountChecked({
      ...okReport,
      notified: 'low',
      publishError: 'chat: SnsPublishError: SNS Publish failed: AuthorizationError',
      failedChannels: ['chat'],
    });

    expect(records()[0]).toMatchObject({
      level: 'error',
      notified: 'low',
      failedChannels: ['chat'],
      publishError: 'chat: SnsPublishError: SNS Publish failed: AuthorizationError',
    });
  });

  it('writes exactly one line per report', () => {
    const { telemetry, lines } = capture();
    telemetry.accountChecked(okReport);
    telemetry.accountChecked(failedReport);
    telemetry.accountChecked({ ...okReport, account: 'third' });

    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toContain('\n');
  });

  it('declares no metric for a balance that is not a finite number', () => {
    const { telemetry, records } = capture();
    telemetry.accountChecked({ ...okReport, balance: { amount: Number.NaN, sms: 67 } });

    const record = records()[0];
    expect(record).toMatchObject({ SmsBalance: 67, amount: null });
    expect(record).not.toHaveProperty(BALANCE_METRIC);
    expect(record).toMatchObject({ _aws: { CloudWatchMetrics: [{ Metrics: [{ Name: SMS_METRIC }] }] } });
  });

  it('writes a log line with level, message, fields and a timestamp', () => {
    const { telemetry, records } = capture();
    telemetry.log('warn', 'credential parameter is not a SecureString', {
      parameter: '/iletimerkezi/main/api-key',
    });

    expect(records()).toEqual([
      {
        level: 'warn',
        message: 'credential parameter is not a SecureString',
        parameter: '/iletimerkezi/main/api-key',
        timestamp: '2025-11-24T09:15:00.000Z',
      },
    ]);
  });

  it('never writes fields named like credentials, at any depth', () => {
    const { telemetry, lines } = capture();
    telemetry.log('info', 'run started', {
      key: 'secret-key-1',
      hash: 'secret-hash-2',
      apiKey: 'secret-key-3',
      credentials: { key: 'secret-key-4', hash: 'secret-hash-5' },
      request: { authentication: { key: 'secret-key-6', hash: 'secret-hash-7' } },
      keyParameter: '/iletimerkezi/main/api-key',
    });

    expect(lines[0]).not.toMatch(/secret-/);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      keyParameter: '/iletimerkezi/main/api-key',
      request: {},
    });
  });

  it('does not let fields overwrite the level, message or timestamp', () => {
    const { telemetry, records } = capture();
    telemetry.log('error', 'state write failed', { level: 'info', message: 'fine', timestamp: 'never' });

    expect(records()[0]).toEqual({
      level: 'error',
      message: 'state write failed',
      timestamp: '2025-11-24T09:15:00.000Z',
    });
  });

  it('keeps the line valid JSON for odd values', () => {
    const { telemetry, lines } = capture();
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    telemetry.log('info', 'odd values', {
      notANumber: Number.NaN,
      infinite: Number.POSITIVE_INFINITY,
      big: 12345678901234567890n,
      error: new TypeError('boom'),
      cycle,
    });

    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      notANumber: null,
      infinite: null,
      big: '12345678901234567890',
      error: { name: 'TypeError', message: 'boom' },
      cycle: { name: 'loop', self: '[repeated]' },
    });
  });

  it('writes to stdout, one line each, by default', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    createTelemetry({ now: () => NOW }).log('info', 'hello');

    expect(write).toHaveBeenCalledWith(
      '{"level":"info","message":"hello","timestamp":"2025-11-24T09:15:00.000Z"}\n',
    );
  });
});

describe('redaction', () => {
  const KEY = '5ec12e7a9b3c4d5e6f708192a3b4c5d6';

  it('masks a secret the redactor knows in every string of a line, at any depth and in any encoding', () => {
    const lines: string[] = [];
    const telemetry = createTelemetry({
      write: (line) => lines.push(line),
      now: () => NOW,
      redact: createRedactor([KEY]),
    });
    const echoed = [
      KEY.toUpperCase(),
      Buffer.from(KEY).toString('base64'),
      `%${[...Buffer.from(KEY)].map((b) => b.toString(16)).join('%')}`,
    ];
    telemetry.accountChecked({
      account: 'main',
      outcome: 'failed',
      failure: { kind: 'auth', message: `HTTP 401 (${echoed[0]})` },
      publishError: `SnsPublishError: ${echoed[1]}`,
      durationMs: 3,
    });
    telemetry.log('warn', 'store failed', { detail: { error: new Error(`bad ${echoed[2]}`) } });

    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      for (const form of echoed) expect(line).not.toContain(form);
    }
    expect(JSON.parse(lines[0] ?? '{}').failureMessage).toBe('HTTP 401 (***)');
  });
});
