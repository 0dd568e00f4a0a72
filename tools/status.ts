import { STACK_NAME } from '../infra/balance-monitor-stack.js';
import type { AlertState } from '../lambda/core/alert-state.js';
import { forecastFromHistory } from '../lambda/core/history.js';
import { isSilenced } from '../lambda/core/silence.js';
import type { OptionTypes } from '../lambda/entry/options.js';
import { PROCESS_OUTPUT, printFailure, printUsage, wantsJson, withClients } from './cli-output.js';
import {
  clientsFor,
  findTable,
  isMainModule,
  type Location,
  readStates,
  readToolArgs,
  type StateItem,
  staleDays,
  staleNote,
  type ToolClients,
  type ToolError,
  type ToolOutput,
} from './monitor-table.js';

/**
 * `npm run status -- [--stack NAME] [--table NAME] [--region R] [--json]`: every account of the
 * deployed monitor as its state item says, read with the operator's credentials (Scan of the
 * table; the table from the stack's TableName output unless --table names it).
 */

export const STATUS_USAGE = 'Usage: npm run status -- [--stack NAME] [--table NAME] [--region R] [--json]';

export interface StatusArgs extends Location {
  readonly json: boolean;
}

export type ParsedStatusArgs =
  | { readonly ok: true; readonly args: StatusArgs }
  | {
      readonly ok: false;
      readonly help: boolean;
      readonly errors: readonly string[];
      readonly json: boolean;
    };

const STATUS_OPTIONS: OptionTypes = {
  stack: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export function parseStatusArgs(argv: readonly string[]): ParsedStatusArgs {
  const json = wantsJson(argv);
  const read = readToolArgs(argv, STATUS_OPTIONS, { allowPositionals: false });
  if (read.switches.has('help')) return { ok: false, help: true, errors: [], json };
  if (read.errors.length > 0) return { ok: false, help: false, errors: read.errors, json };
  const table = read.values.get('table');
  const region = read.values.get('region');
  return {
    ok: true,
    args: {
      stack: read.values.get('stack') ?? STACK_NAME,
      json: read.switches.has('json'),
      ...(table === undefined ? {} : { table }),
      ...(region === undefined ? {} : { region }),
    },
  };
}

/** One account's line of the status, as `--json` prints it. */
export interface AccountStatus {
  readonly account: string;
  readonly level: AlertState['level'];
  readonly levelSince: string;
  readonly balance?: { readonly amount: number; readonly sms: number };
  /** The last successful check (the time of the balance shown) and its age in minutes. */
  readonly lastSuccessAt?: string;
  readonly lastSuccessAgeMinutes?: number;
  readonly lastCheckAt?: string;
  readonly failuresInARow: number;
  readonly failure?: { readonly kind: string; readonly message: string; readonly since: string };
  /** TL forecast from the hourly history, as the run computes it; absent without enough history. */
  readonly daysToEmpty?: number;
  readonly emptyAt?: string;
  readonly lastNotice?: { readonly kind: string; readonly at: string };
  readonly pending?: {
    readonly kind: string;
    readonly at: string;
    readonly attempts: number;
    readonly claimed: boolean;
    readonly lastError?: string;
    /** Where the notice stands per channel, when the run has marked any. */
    readonly channels?: Readonly<Record<string, 'pending' | 'delivered'>>;
  };
  /** Days since the last check, when more than 7: most likely removed from the configuration. */
  readonly staleDays?: number;
  readonly silence?: {
    readonly until: string;
    readonly reason: string;
    readonly since: string;
    readonly by?: string;
    readonly active: boolean;
  };
}

export interface StatusReport {
  readonly ok: true;
  readonly table: string;
  readonly at: string;
  readonly accounts: readonly AccountStatus[];
  /** State items that could not be read, by account. */
  readonly unreadable: readonly ToolError[];
}

const MINUTE_MS = 60_000;

export function accountStatus(entry: StateItem, now: Date): AccountStatus {
  const { state } = entry;
  const forecast = entry.history ? forecastFromHistory(entry.history, now, {}) : undefined;
  const last = state.lastBalance;
  const pending = state.pending;
  const silence = state.silence;
  const stale = staleDays(state, now);
  return {
    account: entry.account,
    level: state.level,
    levelSince: state.levelSince,
    ...(last
      ? {
          balance: { amount: last.amount, sms: last.sms },
          lastSuccessAt: last.at,
          lastSuccessAgeMinutes: Math.max(0, Math.round((now.getTime() - Date.parse(last.at)) / MINUTE_MS)),
        }
      : {}),
    ...(state.checkedAt ? { lastCheckAt: state.checkedAt } : {}),
    failuresInARow: state.failures?.count ?? 0,
    ...(state.failures
      ? {
          failure: {
            kind: state.failures.kind,
            message: state.failures.message,
            since: state.failures.since,
          },
        }
      : {}),
    ...(forecast ? { daysToEmpty: forecast.daysToEmpty, emptyAt: forecast.emptyAt } : {}),
    ...(state.lastNotice ? { lastNotice: state.lastNotice } : {}),
    ...(pending
      ? {
          pending: {
            kind: pending.notification.kind,
            at: pending.notification.at,
            attempts: pending.attempts,
            claimed: pending.claimId !== undefined,
            ...(pending.lastError ? { lastError: pending.lastError } : {}),
            ...(pending.channels
              ? {
                  channels: Object.fromEntries(
                    Object.entries(pending.channels).flatMap(([channel, mark]) =>
                      mark ? [[channel, mark.status]] : [],
                    ),
                  ),
                }
              : {}),
          },
        }
      : {}),
    ...(stale === undefined ? {} : { staleDays: stale }),
    ...(silence ? { silence: { ...silence, active: isSilenced(silence, now) } } : {}),
  };
}

export async function runStatus(
  args: StatusArgs,
  clients: ToolClients,
  output: ToolOutput,
  now: () => Date = () => new Date(),
): Promise<number> {
  const failed = (error: ToolError): number => printFailure(error, args.json, output);
  const found = await findTable(args, clients);
  if (!found.ok) return failed(found.error);
  const read = await readStates(clients.dynamoDb, found.value.table);
  if (!read.ok) return failed(read.error);
  const at = now();
  const report: StatusReport = {
    ok: true,
    table: found.value.table,
    at: at.toISOString(),
    accounts: read.value.items.map((item) => accountStatus(item, at)),
    unreadable: read.value.unreadable,
  };
  if (args.json) output.out(`${JSON.stringify(report)}\n`);
  else output.out(renderStatus(report, at));
  return report.unreadable.length > 0 ? 1 : 0;
}

/** How long ago, or how long until, in the largest unit that reads well. */
export function formatSpan(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / MINUTE_MS);
  if (minutes < 60) return `${minutes}m`;
  const hours = minutes / 60;
  if (hours < 48) return `${Math.floor(hours)}h${minutes % 60 > 0 ? `${minutes % 60}m` : ''}`;
  return `${Math.floor(hours / 24)}d${Math.floor(hours % 24) > 0 ? `${Math.floor(hours % 24)}h` : ''}`;
}

const DAY_MS = 86_400_000;

/** Days to empty as a reader wants it: hours when it is close, days with a tenth otherwise. */
function emptyIn(days: number | undefined): string {
  if (days === undefined) return '-';
  return days < 2 ? formatSpan(days * DAY_MS) : `${days.toFixed(1)}d`;
}

const HEADERS = [
  'ACCOUNT',
  'LEVEL',
  'BALANCE',
  'SMS',
  'LAST OK',
  'FAILS',
  'EMPTY IN',
  'LAST NOTICE',
  'PENDING',
  'SILENCED',
];

/** The readable table: one line an account, columns padded to their widest cell. */
export function renderStatus(report: StatusReport, now: Date): string {
  const ago = (iso: string) => `${formatSpan(now.getTime() - Date.parse(iso))} ago`;
  const rows = report.accounts.map((a) => [
    a.account,
    a.level,
    a.balance ? a.balance.amount.toFixed(2) : '-',
    a.balance ? String(a.balance.sms) : '-',
    a.lastSuccessAt ? ago(a.lastSuccessAt) : 'never',
    a.failuresInARow > 0 && a.failure ? `${a.failuresInARow} ${a.failure.kind}` : '0',
    emptyIn(a.daysToEmpty),
    a.lastNotice ? `${a.lastNotice.kind} ${ago(a.lastNotice.at)}` : '-',
    a.pending ? `${a.pending.kind} (${a.pending.attempts} failed)` : '-',
    a.silence?.active
      ? `until ${a.silence.until} (${formatSpan(Date.parse(a.silence.until) - now.getTime())} left): ${a.silence.reason}`
      : '-',
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = [
    `Table ${report.table}, ${report.accounts.length} account(s), at ${report.at}`,
    line(HEADERS),
  ];
  for (const row of rows) lines.push(line(row));
  for (const a of report.accounts)
    if (a.staleDays !== undefined) lines.push(`${a.account}: ${staleNote(a.staleDays)}`);
  for (const problem of report.unreadable) lines.push(`unreadable: ${problem.message}`);
  if (report.accounts.length === 0) lines.push('No account has been checked yet.');
  return `${lines.join('\n')}\n`;
}

/** The command line, wired: parses, runs, prints; the exit code. */
export async function mainStatus(
  argv: readonly string[],
  output: ToolOutput,
  makeClients: (region: string | undefined) => ToolClients = clientsFor,
): Promise<number> {
  const parsed = parseStatusArgs(argv);
  if (!parsed.ok) return printUsage(parsed, STATUS_USAGE, parsed.json, output);
  const { args } = parsed;
  return withClients(makeClients(args.region), args.json, output, (clients) =>
    runStatus(args, clients, output),
  );
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await mainStatus(process.argv.slice(2), PROCESS_OUTPUT);
}
