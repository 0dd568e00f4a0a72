import type { LevelThreshold, Thresholds } from './config.js';
import { LOCAL_AUTH_CAUSES } from './locales/en.js';
import { levelFor } from './thresholds.js';
import type { Balance, Failure, Level, Outcome } from './types.js';

/**
 * The local command's verdict in the Nagios / Icinga / Zabbix plugin convention: an exit code,
 * a first line `ILETIMERKEZI <STATUS> - <summary> | <performance data>`, then detail lines;
 * or one JSON object with the same facts.
 */

export type PluginStatus = Level | 'UNKNOWN';

export const EXIT_CODES: Readonly<Record<PluginStatus, number>> = {
  OK: 0,
  WARNING: 1,
  CRITICAL: 2,
  UNKNOWN: 3,
};

/** The causes of a rejected login, in the words of the local command (lambda/core/locales/en.ts). */
export const AUTH_CAUSES: readonly string[] = LOCAL_AUTH_CAUSES;

export interface CheckReport {
  readonly sandbox: boolean;
  readonly thresholds: Thresholds;
  readonly outcome: Outcome<Balance>;
}

export interface PluginOutput {
  readonly exitCode: number;
  /** Everything for stdout, ending with a newline. */
  readonly text: string;
}

export interface PluginJson {
  readonly status: PluginStatus;
  readonly exitCode: number;
  readonly sandbox: boolean;
  readonly summary: string;
  readonly amount: number | null;
  readonly sms: number | null;
  readonly thresholds: Thresholds | null;
  readonly error?: {
    readonly kind: Failure['kind'];
    readonly message: string;
    readonly status?: number;
    readonly causes?: readonly string[];
  };
}

export function statusOf(report: CheckReport): PluginStatus {
  return report.outcome.ok ? levelFor(report.outcome.value, report.thresholds) : 'UNKNOWN';
}

export function checkOutput(report: CheckReport, json: boolean): PluginOutput {
  const status = statusOf(report);
  const exitCode = EXIT_CODES[status];
  const { outcome, sandbox, thresholds } = report;
  const summary = `${sandbox ? 'sandbox: ' : ''}${summaryOf(report, status)}`;
  const causes = !outcome.ok && outcome.failure.kind === 'auth' ? AUTH_CAUSES : undefined;
  if (json) {
    const document: PluginJson = {
      status,
      exitCode,
      sandbox,
      summary,
      amount: outcome.ok ? outcome.value.amount : null,
      sms: outcome.ok ? outcome.value.sms : null,
      thresholds,
      ...(outcome.ok ? {} : { error: errorOf(outcome.failure, causes) }),
    };
    return { exitCode, text: `${JSON.stringify(document)}\n` };
  }
  const details: string[] = [];
  if (causes)
    details.push('A 401 has three usual causes:', ...causes.map((cause, i) => `${i + 1}. ${cause}`));
  if (sandbox) {
    details.push(
      'No ILETIMERKEZI_API_KEY / ILETIMERKEZI_API_HASH set: this checked the built-in sandbox account.',
    );
  }
  const lines = [
    firstLine(status, summary, outcome.ok ? outcome.value : undefined, thresholds),
    ...details.map((line) => (sandbox ? `sandbox: ${line}` : line)),
  ];
  return { exitCode, text: `${lines.join('\n')}\n` };
}

/** The help, as text or as one JSON object holding it. */
export function helpOutput(help: string, json: boolean): PluginOutput {
  return { exitCode: 0, text: json ? `${JSON.stringify({ help })}\n` : `${help}\n` };
}

/** Bad usage: UNKNOWN with the problem, then the usage line. */
export function usageOutput(message: string, usage: string, json: boolean): PluginOutput {
  const exitCode = EXIT_CODES.UNKNOWN;
  const summary = oneLine(message);
  if (json) {
    const document: PluginJson = {
      status: 'UNKNOWN',
      exitCode,
      sandbox: false,
      summary,
      amount: null,
      sms: null,
      thresholds: null,
      error: { kind: 'config', message: summary },
    };
    return { exitCode, text: `${JSON.stringify(document)}\n` };
  }
  return { exitCode, text: `${firstLine('UNKNOWN', summary, undefined, {})}\n${usage}\n` };
}

function errorOf(f: Failure, causes: readonly string[] | undefined): NonNullable<PluginJson['error']> {
  return {
    kind: f.kind,
    message: f.message,
    ...(f.status === undefined ? {} : { status: f.status }),
    ...(causes ? { causes } : {}),
  };
}

function summaryOf(report: CheckReport, status: PluginStatus): string {
  const { outcome, thresholds } = report;
  if (!outcome.ok)
    return oneLine(`balance check failed (${outcome.failure.kind}): ${outcome.failure.message}`);
  const { amount, sms } = outcome.value;
  const balance = `balance ${number(amount)} TL, ${number(sms)} SMS`;
  if (status === 'OK' || status === 'UNKNOWN') return balance;
  const limit = status === 'CRITICAL' ? thresholds.critical : thresholds.warning;
  return `${balance} (${reached(outcome.value, limit).join(', ')})`;
}

/** Which measures are at or below the level's threshold, e.g. "amount 15 TL <= 20 TL". */
function reached(balance: Balance, limit: LevelThreshold | undefined): string[] {
  const out: string[] = [];
  if (limit?.amount !== undefined && balance.amount <= limit.amount) {
    out.push(`amount ${number(balance.amount)} TL <= ${number(limit.amount)} TL`);
  }
  if (limit?.sms !== undefined && balance.sms <= limit.sms) {
    out.push(`sms ${number(balance.sms)} <= ${number(limit.sms)}`);
  }
  return out;
}

/** `amount=<v>;<warn>;<crit>;0`; an unknown value is `U`, as the plugin guidelines say. */
function firstLine(
  status: PluginStatus,
  summary: string,
  balance: Balance | undefined,
  thresholds: Thresholds,
): string {
  const perf = (measure: 'amount' | 'sms') => {
    const value = balance === undefined ? 'U' : number(balance[measure]);
    return `${measure}=${value};${optional(thresholds.warning?.[measure])};${optional(thresholds.critical?.[measure])};0`;
  };
  return `ILETIMERKEZI ${status} - ${summary} | ${perf('amount')} ${perf('sms')}`;
}

function optional(value: number | undefined): string {
  return value === undefined ? '' : number(value);
}

/**
 * Plain decimal, never exponent notation, which performance-data parsers do not read: the
 * shortest digits that read back as the same number, with the point moved by the exponent.
 */
function number(value: number): string {
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const digits = `${whole}${fraction}`;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** The summary shares its line with the performance data, which starts at the first `|`. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replaceAll('|', '/');
}
