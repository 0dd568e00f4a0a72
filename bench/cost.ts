import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * The monthly AWS bill of one deployment, from measured usage and published list prices. Free
 * tiers are left out on purpose (an account may have spent them elsewhere), and so are email and
 * SMS delivery fees, which depend on the subscribers, not on this project.
 */

/**
 * List prices in USD for eu-central-1 (Frankfurt), the likely region for a customer in Turkey,
 * first pricing tier, as published on each service's pricing page; us-east-1 in the comments where
 * it differs.
 */
export const PRICES = {
  region: 'eu-central-1 (Frankfurt)',
  /** Lambda duration, Arm, per GB-second (the same in us-east-1). */
  lambdaArmGbSecond: 0.0000133334,
  /** Lambda requests, per million. */
  lambdaRequestsPerMillion: 0.2,
  /** DynamoDB on-demand read request units, per million (us-east-1: 0.125). */
  dynamoReadsPerMillion: 0.1525,
  /** DynamoDB on-demand write request units, per million (us-east-1: 0.625). */
  dynamoWritesPerMillion: 0.7625,
  /** DynamoDB Standard table storage, per GB-month (us-east-1: 0.25). */
  dynamoStorageGbMonth: 0.306,
  /** DynamoDB continuous backups (PITR), per GB-month (us-east-1: 0.20). */
  dynamoPitrGbMonth: 0.2448,
  /** KMS requests, per 10,000: SSM decrypts each SecureString with the aws/ssm key on every read. */
  kmsPer10kRequests: 0.03,
  /** SNS publishes, per million (deliveries to email and SMS are billed apart and left out). */
  snsPublishesPerMillion: 0.5,
  /** CloudWatch custom metric (EMF), per metric-month. */
  customMetricMonth: 0.3,
  /** CloudWatch standard-resolution alarm, per alarm-month. */
  alarmMonth: 0.1,
  /** CloudWatch Logs ingestion, Standard class, per GB (us-east-1: 0.50). */
  logsIngestionGb: 0.63,
  /** CloudWatch Logs storage, per GB-month (us-east-1: 0.03). */
  logsStorageGbMonth: 0.0324,
  /** EventBridge Scheduler invocations, per million beyond the 14 million free each month. */
  schedulerPerMillion: 1.0,
  /** SQS standard requests, per million. */
  sqsRequestsPerMillion: 0.4,
  /** Step Functions standard workflow state transitions, per thousand. */
  stepFunctionsPer1kTransitions: 0.025,
  /** A CloudWatch dashboard beyond the account's first three, per month. */
  dashboardMonth: 3.0,
} as const;

export type Prices = {
  readonly [K in keyof typeof PRICES]: (typeof PRICES)[K] extends string ? string : number;
};

export const DAYS_PER_MONTH = 30;

/** Lambda gives a function one full vCPU at 1,769 MB, and a proportional share below. */
export const FULL_VCPU_MEMORY_MB = 1769;

/** Lambda duration cost of a month of runs. */
export function lambdaDurationUsd(
  runs: number,
  memoryMb: number,
  msPerRun: number,
  prices: Prices = PRICES,
): number {
  return runs * (memoryMb / 1024) * (msPerRun / 1000) * prices.lambdaArmGbSecond;
}

/** Runs in a 30-day month of a `rate(N minutes)` schedule. */
export function runsPerMonth(intervalMinutes: number): number {
  return Math.floor((DAYS_PER_MONTH * 24 * 60) / intervalMinutes);
}

/**
 * The platform lines Lambda writes for a cold invocation, with realistic widths: they are ingested
 * and billed like the function's own lines.
 */
export const PLATFORM_LOG_LINES = [
  'INIT_START Runtime Version: nodejs:24.v13\tRuntime Version ARN: arn:aws:lambda:eu-central-1::runtime:0cdcfbdefbc5e7d3343f73c2e2dd3cba17d61dea0686b404502a0c9ce83931b9',
  'START RequestId: 8f5c7e1a-1b2c-4d3e-9f00-123456789abc Version: $LATEST',
  'END RequestId: 8f5c7e1a-1b2c-4d3e-9f00-123456789abc',
  'REPORT RequestId: 8f5c7e1a-1b2c-4d3e-9f00-123456789abc\tDuration: 312.45 ms\tBilled Duration: 560 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\tInit Duration: 247.12 ms\t',
] as const;

export const PLATFORM_LOG_BYTES_PER_RUN = PLATFORM_LOG_LINES.reduce(
  (sum, line) => sum + Buffer.byteLength(line) + 1,
  0,
);

/** DynamoDB's item size: attribute names plus values, as its capacity units are computed. */
export function dynamoItemBytes(item: Readonly<Record<string, AttributeValue>>): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value),
    0,
  );
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.M !== undefined) return 3 + Object.values(value.M).length + dynamoItemBytes(value.M);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueBytes(element), 0);
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  throw new Error(`no size rule for attribute value ${JSON.stringify(Object.keys(value))}`);
}

/** One byte per two significant digits, plus one. */
export function numberBytes(number: string): number {
  const digits = number
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** A strongly consistent read: one unit per 4 KB, at least one. */
export function strongReadUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4096));
}

/** A standard write: one unit per 1 KB, at least one. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

export interface StoredSizes {
  readonly stateBytes: number;
  readonly sampleBytes: number;
  /** Samples the forecast query returns in steady state. */
  readonly samplesRead: number;
}

export interface RunUnits {
  readonly readUnits: number;
  readonly writeUnits: number;
}

/**
 * One account's quiet run as releases that kept samples made it, for comparison: PutItem of the
 * sample, one Query of the samples since the forecast window and the state item after them
 * (strongly consistent; a Query's items are summed, then rounded up to 4 KB), PutItem of the state.
 */
export function quietRunUnits(sizes: StoredSizes): RunUnits {
  return {
    readUnits: strongReadUnits(sizes.stateBytes + sizes.samplesRead * sizes.sampleBytes),
    writeUnits: writeUnits(sizes.sampleBytes) + writeUnits(sizes.stateBytes),
  };
}

/**
 * One account's quiet run as lambda/core/run-checks.ts makes it now: a strongly consistent read
 * of the account's one item (state and history; batched or not, each item is rounded up to 4 KB)
 * and its conditional PutItem.
 */
export function itemRunUnits(itemBytes: number): RunUnits {
  return { readUnits: strongReadUnits(itemBytes), writeUnits: writeUnits(itemBytes) };
}

/**
 * The custom metrics a run's log lines create: each distinct namespace, metric name and dimension
 * values in their embedded metric format blocks is one CloudWatch metric, billed by the month.
 */
export function emfMetrics(logText: string): number {
  const metrics = new Set<string>();
  for (const line of logText.split('\n')) {
    if (!line.startsWith('{')) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof record !== 'object' || record === null) continue;
    const fields = record as Record<string, unknown>;
    const aws = fields._aws as { CloudWatchMetrics?: unknown } | undefined;
    if (!aws || !Array.isArray(aws.CloudWatchMetrics)) continue;
    for (const directive of aws.CloudWatchMetrics as Array<Record<string, unknown>>) {
      const dimensionSets = Array.isArray(directive.Dimensions)
        ? (directive.Dimensions as unknown[][])
        : [[]];
      const names = Array.isArray(directive.Metrics) ? (directive.Metrics as Array<{ Name?: unknown }>) : [];
      for (const metric of names) {
        for (const set of dimensionSets) {
          const dims = set.map((d) => `${String(d)}=${String(fields[String(d)])}`).join(',');
          metrics.add(`${String(directive.Namespace)}|${String(metric.Name)}|${dims}`);
        }
      }
    }
  }
  return metrics.size;
}

export interface MonthlyUsage {
  readonly runsPerMonth: number;
  readonly memoryMb: number;
  /** Billed duration of a run: INIT (billed since August 2025) plus the handler, in whole ms. */
  readonly billedMsPerRun: number;
  readonly accounts: number;
  readonly runUnits: RunUnits;
  /** Notices a month; each adds one publish and one state write (clearing the delivered claim). */
  readonly notificationsPerMonth: number;
  readonly tableBytes: number;
  /** KMS decrypts per run, as the local SSM counted them (a cold start, so the cache saves none). */
  readonly parametersPerRun: number;
  readonly customMetrics: number;
  readonly alarms: number;
  readonly logBytesPerRun: number;
  readonly logRetentionDays: number;
  readonly dashboards: number;
}

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
  readonly priceUnit: string;
  readonly usd: number;
  readonly note?: string;
}

export interface MonthlyCost {
  /** Every line but the dashboard. */
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  readonly dashboard: CostLine;
}

const GB = 1024 ** 3;

function line(
  item: string,
  quantity: number,
  unit: string,
  unitPrice: number,
  priceUnit: string,
  perUnits: number,
  note?: string,
): CostLine {
  return {
    item,
    quantity,
    unit,
    unitPrice,
    priceUnit,
    usd: (quantity / perUnits) * unitPrice,
    ...(note === undefined ? {} : { note }),
  };
}

export function monthlyCost(usage: MonthlyUsage, prices: Prices = PRICES): MonthlyCost {
  const runs = usage.runsPerMonth;
  const gbSeconds = runs * (usage.memoryMb / 1024) * (usage.billedMsPerRun / 1000);
  const reads = runs * usage.accounts * usage.runUnits.readUnits;
  const writes =
    runs * usage.accounts * usage.runUnits.writeUnits + usage.notificationsPerMonth * writeUnits(1024);
  const tableGb = usage.tableBytes / GB;
  const logGb = (runs * usage.logBytesPerRun) / GB;
  const lines: CostLine[] = [
    line(
      'Lambda duration (Arm, INIT + handler)',
      gbSeconds,
      'GB-s',
      prices.lambdaArmGbSecond,
      'GB-s',
      1,
      `${usage.billedMsPerRun} ms × ${usage.memoryMb} MB × ${runs} runs`,
    ),
    line('Lambda requests', runs, 'requests', prices.lambdaRequestsPerMillion, '1M requests', 1e6),
    line('DynamoDB reads (on demand)', reads, 'RRU', prices.dynamoReadsPerMillion, '1M RRU', 1e6),
    line('DynamoDB writes (on demand)', writes, 'WRU', prices.dynamoWritesPerMillion, '1M WRU', 1e6),
    line('DynamoDB storage', tableGb, 'GB-month', prices.dynamoStorageGbMonth, 'GB-month', 1, 'negligible'),
    line('DynamoDB PITR backups', tableGb, 'GB-month', prices.dynamoPitrGbMonth, 'GB-month', 1, 'negligible'),
    line(
      'KMS decrypts (SSM SecureStrings)',
      runs * usage.parametersPerRun,
      'requests',
      prices.kmsPer10kRequests,
      '10k requests',
      1e4,
    ),
    line('SNS publishes', usage.notificationsPerMonth, 'publishes', prices.snsPublishesPerMillion, '1M', 1e6),
    line(
      'CloudWatch custom metrics',
      usage.customMetrics,
      'metrics',
      prices.customMetricMonth,
      'metric-month',
      1,
    ),
    line('CloudWatch alarms', usage.alarms, 'alarms', prices.alarmMonth, 'alarm-month', 1),
    line('CloudWatch Logs ingestion', logGb, 'GB', prices.logsIngestionGb, 'GB', 1),
    line(
      'CloudWatch Logs storage',
      logGb * (usage.logRetentionDays / DAYS_PER_MONTH),
      'GB-month',
      prices.logsStorageGbMonth,
      'GB-month',
      1,
      `${usage.logRetentionDays} days kept, uncompressed (an upper bound)`,
    ),
    line('EventBridge Scheduler', runs, 'invocations', prices.schedulerPerMillion, '1M', 1e6),
    line(
      'SQS dead-letter queue',
      0,
      'requests',
      prices.sqsRequestsPerMillion,
      '1M',
      1e6,
      'only when delivery fails',
    ),
    line(
      'Step Functions alarm notices',
      0,
      'transitions',
      prices.stepFunctionsPer1kTransitions,
      '1k',
      1e3,
      'only when an alarm changes state',
    ),
  ];
  const dashboard = line(
    'CloudWatch dashboard',
    usage.dashboards,
    'dashboards',
    prices.dashboardMonth,
    'dashboard-month',
    1,
    "beyond the account's first three; the construct's `dashboard: false` turns it off",
  );
  return { lines, totalUsd: lines.reduce((sum, l) => sum + l.usd, 0), dashboard };
}

/** One line of the report: what, how much, at which published price, and the result. */
export function formatCostLine(l: CostLine): string {
  const quantity = `${formatQuantity(l.quantity)} ${l.unit}`;
  const price = `${l.unitPrice} USD/${l.priceUnit}`;
  const note = l.note === undefined ? '' : `  (${l.note})`;
  return `${l.item.padEnd(38)} ${quantity.padStart(24)} × ${price.padEnd(28)} = ${l.usd.toFixed(4).padStart(8)} USD${note}`;
}

function formatQuantity(value: number): string {
  if (value === 0 || Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 1) return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  return value.toPrecision(3);
}
