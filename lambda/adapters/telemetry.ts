import {
  ACCOUNT_CHECKED_MESSAGE,
  ACCOUNT_DIMENSION,
  BALANCE_METRIC,
  METRIC_NAMESPACE,
  REPORT_FIELDS,
  SMS_METRIC,
} from '../core/contract.js';
import type { AccountReport, Telemetry } from '../core/ports.js';
import type { Redact } from '../core/redact.js';

export type LogLevel = 'info' | 'warn' | 'error';

export interface TelemetryOptions {
  readonly namespace?: string;
  /** Receives one complete JSON line (without the newline). */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
  /** Applied to every string written, at any depth: the secrets met so far are masked in each line. */
  readonly redact?: Redact;
  /** Also emit Balance and SmsBalance per account as EMF metrics (billed per metric). @default false */
  readonly accountMetrics?: boolean;
}

export interface MonitorTelemetry extends Telemetry {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** Field names that could hold a credential are never written, at any depth. */
const SECRET_FIELD = /(key|hash|credentials?|secret|password|token|authentication|authorization)$/i;
/** Fields a caller's `fields` cannot overwrite. */
const RESERVED_FIELDS = new Set(['_aws', 'level', 'message', 'timestamp']);

/**
 * Structured logs and metrics on stdout. Lambda ships each stdout line to CloudWatch Logs, and a
 * line with an `_aws` block becomes metrics (Embedded Metric Format) without any API call.
 * Written with process.stdout.write: console.log in Lambda prefixes each line with a timestamp
 * and request id (or wraps it in its own JSON), and CloudWatch then no longer parses it as EMF.
 */
export function createTelemetry(options: TelemetryOptions = {}): MonitorTelemetry {
  const namespace = options.namespace ?? METRIC_NAMESPACE;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const redact = options.redact;
  const accountMetrics = options.accountMetrics ?? false;

  const emit = (record: Record<string, unknown>): void => write(toJsonLine(record, redact));

  return {
    accountChecked(report: AccountReport): void {
      const at = now();
      const amount = finite(report.balance?.amount);
      const sms = finite(report.balance?.sms);
      const metrics: Record<string, unknown> = {};
      if (accountMetrics && report.outcome === 'ok' && (amount !== undefined || sms !== undefined)) {
        const names = [
          ...(amount === undefined ? [] : [{ Name: BALANCE_METRIC, Unit: 'None' }]),
          ...(sms === undefined ? [] : [{ Name: SMS_METRIC, Unit: 'Count' }]),
        ];
        metrics._aws = {
          Timestamp: at,
          CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[ACCOUNT_DIMENSION]], Metrics: names }],
        };
        metrics[ACCOUNT_DIMENSION] = report.account;
        if (amount !== undefined) metrics[BALANCE_METRIC] = amount;
        if (sms !== undefined) metrics[SMS_METRIC] = sms;
      }
      emit({
        ...metrics,
        level: levelOf(report),
        message: ACCOUNT_CHECKED_MESSAGE,
        [REPORT_FIELDS.account]: report.account,
        [REPORT_FIELDS.outcome]: report.outcome,
        [REPORT_FIELDS.balanceLevel]: report.level,
        [REPORT_FIELDS.amount]: report.balance?.amount,
        [REPORT_FIELDS.sms]: report.balance?.sms,
        [REPORT_FIELDS.daysToEmpty]: report.forecast?.daysToEmpty,
        [REPORT_FIELDS.burnPerDay]: report.forecast?.burnPerDay,
        [REPORT_FIELDS.notified]: report.notified,
        [REPORT_FIELDS.held]: report.held,
        [REPORT_FIELDS.publishError]: report.publishError,
        [REPORT_FIELDS.failedChannels]: report.failedChannels,
        [REPORT_FIELDS.storeError]: report.storeError,
        [REPORT_FIELDS.failureKind]: report.failure?.kind,
        [REPORT_FIELDS.failureMessage]: report.failure?.message,
        [REPORT_FIELDS.durationMs]: report.durationMs,
        timestamp: new Date(at).toISOString(),
      });
    },

    log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
      const extra = Object.fromEntries(Object.entries(fields).filter(([name]) => !RESERVED_FIELDS.has(name)));
      emit({ level, message, ...extra, timestamp: new Date(now()).toISOString() });
    },
  };
}

/** A failed check is worth a look; a lost state write or notification is worth an alarm. */
function levelOf(report: AccountReport): LogLevel {
  if (report.storeError || report.publishError) return 'error';
  return report.outcome === 'failed' ? 'warn' : 'info';
}

function finite(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Always one valid JSON line: secret-named fields dropped, every string redacted, NaN and Infinity
 * as null, errors as name and message, big integers as strings, and a placeholder for what cannot
 * be serialised.
 */
export function toJsonLine(record: Record<string, unknown>, redact?: Redact): string {
  try {
    return JSON.stringify(record, safeValue(redact));
  } catch {
    // Only a cycle gets here; the second pass cuts it (and any repeated object) short.
    try {
      return JSON.stringify(record, safeValue(redact, new WeakSet()));
    } catch {
      return JSON.stringify({ level: 'error', message: 'log record could not be serialised' });
    }
  }
}

function safeValue(redact?: Redact, seen?: WeakSet<object>): (name: string, value: unknown) => unknown {
  return (name, value) => {
    if (name !== '' && SECRET_FIELD.test(name)) return undefined;
    // Strings are masked before JSON escapes them: a mask applied to the finished line could cut an escape in half.
    if (typeof value === 'string') return redact ? redact(value) : value;
    if (typeof value === 'number') return Number.isFinite(value) ? value : null;
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return { name: value.name, message: value.message };
    if (seen && typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[repeated]';
      seen.add(value);
    }
    return value;
  };
}
