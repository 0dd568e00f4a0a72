import { userInfo } from 'node:os';
import { STACK_NAME } from '../infra/balance-monitor-stack.js';
import type { AlertState } from '../lambda/core/alert-state.js';
import {
  DEFAULT_MAX_SILENCE_HOURS,
  isSilenced,
  MAX_SILENCE_HOURS_LIMIT,
  parseDuration,
  type Silence,
} from '../lambda/core/silence.js';
import type { OptionTypes } from '../lambda/entry/options.js';
import { PROCESS_OUTPUT, printFailure, printUsage, wantsJson, withClients } from './cli-output.js';
import {
  clientsFor,
  findTable,
  isMainModule,
  type Location,
  type MonitorTable,
  readState,
  readStates,
  readToolArgs,
  type StateItem,
  staleDays,
  staleNote,
  type ToolClients,
  type ToolError,
  type ToolOutput,
  updateState,
} from './monitor-table.js';
import { formatSpan } from './status.js';

/**
 * `npm run silence -- <account>|--all (--for 2h | --until <ISO time>) --reason "…"`, `--list`,
 * `--clear <account>|--all`: holds an account's notices for a while. The silence is written into
 * the account's state item with a write conditional on its version, retried on a concurrent run's
 * save, so neither write is lost. The monitor's own alarms (the relay) are never silenced.
 */

export const SILENCE_USAGE = [
  'Usage: npm run silence -- <account>|--all (--for 2h | --until <ISO time>) --reason "…"',
  '       npm run silence -- --list',
  '       npm run silence -- --clear <account>|--all',
  '  common: [--stack NAME] [--table NAME] [--region R] [--max-hours N] [--json]',
].join('\n');

export type SilenceAction =
  | {
      readonly kind: 'set';
      readonly accounts: 'all' | string;
      readonly until: Until;
      readonly reason: string;
    }
  | { readonly kind: 'list' }
  | { readonly kind: 'clear'; readonly accounts: 'all' | string };

/** A duration from now (`--for`), or a time (`--until`), kept as given so errors can quote it. */
export type Until =
  | { readonly for: string; readonly ms: number }
  | { readonly until: string; readonly at: number };

export interface SilenceArgs extends Location {
  readonly action: SilenceAction;
  /** Overrides the maximum the stack publishes (MaxSilenceHours). */
  readonly maxHours?: number;
  /** One JSON object on stdout (SilenceReport), whatever happened. */
  readonly json?: boolean;
}

export type ParsedSilenceArgs =
  | { readonly ok: true; readonly args: SilenceArgs }
  | { readonly ok: false; readonly help: boolean; readonly errors: readonly string[] };

const SILENCE_OPTIONS: OptionTypes = {
  all: { type: 'boolean' },
  for: { type: 'string' },
  until: { type: 'string' },
  reason: { type: 'string' },
  list: { type: 'boolean' },
  clear: { type: 'boolean' },
  stack: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  'max-hours': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export function parseSilenceArgs(argv: readonly string[]): ParsedSilenceArgs {
  // A blank --reason is refused below, in words of its own.
  const read = readToolArgs(argv, SILENCE_OPTIONS, { allowPositionals: true, mayBeBlank: ['reason'] });
  if (read.switches.has('help')) return { ok: false, help: true, errors: [] };
  if (read.errors.length > 0) return { ok: false, help: false, errors: read.errors };
  const { positionals } = read;
  const values = {
    for: read.values.get('for'),
    until: read.values.get('until'),
    reason: read.values.get('reason'),
    stack: read.values.get('stack'),
    table: read.values.get('table'),
    region: read.values.get('region'),
    'max-hours': read.values.get('max-hours'),
    all: read.switches.has('all'),
    list: read.switches.has('list'),
    clear: read.switches.has('clear'),
    json: read.switches.has('json'),
  };
  const errors: string[] = [];
  let maxHours: number | undefined;
  if (values['max-hours'] !== undefined) {
    maxHours = Number(values['max-hours']);
    if (!Number.isInteger(maxHours) || maxHours < 1 || maxHours > MAX_SILENCE_HOURS_LIMIT) {
      errors.push(`--max-hours must be a whole number of hours from 1 to ${MAX_SILENCE_HOURS_LIMIT}`);
    }
  }
  if (positionals.length > 1) errors.push(`one account at a time (or --all), got ${positionals.join(', ')}`);
  const account = positionals[0];
  const target: 'all' | string | undefined = values.all ? 'all' : account;
  if (values.all && account !== undefined)
    errors.push(`--all and an account (${account}) exclude each other`);

  let action: SilenceAction | undefined;
  const modes = [values.list, values.clear].filter(Boolean).length;
  if (modes > 1) errors.push('--list and --clear exclude each other');
  if (values.list) {
    if (target !== undefined) errors.push('--list takes no account and no --all');
    action = { kind: 'list' };
  } else if (values.clear) {
    if (target === undefined) errors.push('--clear needs an account or --all');
    else action = { kind: 'clear', accounts: target };
  } else {
    if (target === undefined) errors.push('name an account or --all (or use --list, --clear)');
    let until: Until | undefined;
    if (values.for !== undefined && values.until !== undefined)
      errors.push('--for and --until exclude each other');
    else if (values.for !== undefined) {
      const ms = parseDuration(values.for);
      if (ms === undefined)
        errors.push(`--for must be a duration like 30m, 2h or 3d, got ${JSON.stringify(values.for)}`);
      else until = { for: values.for, ms };
    } else if (values.until !== undefined) {
      const at = Date.parse(values.until);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(values.until) || !Number.isFinite(at)) {
        errors.push(
          `--until must be an ISO time like 2026-12-01T18:00:00Z, got ${JSON.stringify(values.until)}`,
        );
      } else until = { until: values.until, at };
    } else errors.push('a silence needs --for <duration> or --until <ISO time>');
    const reason = values.reason?.trim() ?? '';
    if (values.reason === undefined)
      errors.push('a silence needs --reason "…": whoever reads the status wants to know why');
    else if (reason === '') errors.push('--reason must not be empty');
    if (target !== undefined && until && reason !== '')
      action = { kind: 'set', accounts: target, until, reason };
  }
  for (const flag of ['for', 'until', 'reason'] as const) {
    if (values[flag] !== undefined && action?.kind !== 'set' && (values.list || values.clear)) {
      errors.push(`--${flag} only goes with setting a silence`);
    }
  }
  if (errors.length > 0 || !action) return { ok: false, help: false, errors };
  return {
    ok: true,
    args: {
      stack: values.stack ?? STACK_NAME,
      action,
      ...(values.table === undefined ? {} : { table: values.table }),
      ...(values.region === undefined ? {} : { region: values.region }),
      ...(maxHours === undefined ? {} : { maxHours }),
      ...(values.json ? { json: true } : {}),
    },
  };
}

const HOUR_MS = 3_600_000;

function operator(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

/** The silence to write, or why not: it must end in the future and within the maximum. */
export function silenceFor(
  until: Until,
  reason: string,
  now: Date,
  maxHours: number,
  by: string | undefined,
): { ok: true; silence: Silence } | { ok: false; error: string } {
  const end = 'ms' in until ? now.getTime() + until.ms : until.at;
  const flag = 'ms' in until ? `--for ${until.for}` : `--until ${until.until}`;
  if (end <= now.getTime()) return { ok: false, error: `${flag} is in the past` };
  if (end - now.getTime() > maxHours * HOUR_MS) {
    return {
      ok: false,
      error: `${flag} is longer than the longest silence, ${maxHours} hours (maxSilenceHours in the stack's configuration; --max-hours overrides)`,
    };
  }
  return {
    ok: true,
    silence: { until: new Date(end).toISOString(), reason, since: now.toISOString(), ...(by ? { by } : {}) },
  };
}

/** What one command did, as `--json` prints it (the text is rendered from it too). */
export interface SilenceReport {
  readonly ok: boolean;
  readonly table: string;
  readonly action: SilenceAction['kind'];
  /** The longest silence allowed and where it came from; only when setting one. */
  readonly maxSilenceHours?: { readonly hours: number; readonly from: 'stack' | '--max-hours' | 'default' };
  /** With --list: the accounts silenced now. */
  readonly silenced?: readonly { readonly account: string; readonly silence: Silence }[];
  /** With a set or a clear: what happened to each account. */
  readonly accounts?: readonly {
    readonly account: string;
    readonly result: 'silenced' | 'cleared' | 'was not silenced' | 'failed';
    readonly silence?: Silence;
    readonly error?: ToolError;
  }[];
  /** Accounts --all left alone: not checked for more than 7 days. */
  readonly skipped: readonly { readonly account: string; readonly staleDays: number }[];
  readonly warnings: readonly string[];
  readonly error?: ToolError;
}

export async function runSilence(
  args: SilenceArgs,
  clients: ToolClients,
  output: ToolOutput,
  options: { readonly now?: () => Date; readonly by?: string } = {},
): Promise<number> {
  const now = (options.now ?? (() => new Date()))();
  const json = args.json === true;
  const found = await findTable(args, clients);
  if (!found.ok) return printFailure(found.error, json, output);
  const report = await silenceReport(args, found.value, clients, now, options.by);
  if (json) output.out(`${JSON.stringify(report)}\n`);
  else renderSilence(report, now, output);
  return report.ok ? 0 : 1;
}

async function silenceReport(
  args: SilenceArgs,
  found: MonitorTable,
  clients: ToolClients,
  now: Date,
  by: string | undefined,
): Promise<SilenceReport> {
  const { table } = found;
  const db = clients.dynamoDb;
  const { action } = args;
  const skipped: { account: string; staleDays: number }[] = [];
  const warnings: string[] = [];
  const failed = (error: ToolError, extra: Partial<SilenceReport> = {}): SilenceReport => ({
    ok: false,
    table,
    action: action.kind,
    skipped,
    warnings,
    ...extra,
    error,
  });

  let targets: StateItem[];
  let readAll = 0;
  if (action.kind === 'list' || action.accounts === 'all') {
    const read = await readStates(db, table);
    if (!read.ok) return failed(read.error);
    for (const problem of read.value.unreadable) warnings.push(problem.message);
    targets = read.value.items;
    readAll = targets.length;
    if (action.kind !== 'list') {
      // --all means the configured accounts; a stale item is most likely a removed one.
      targets = read.value.items.filter((t) => {
        const days = staleDays(t.state, now);
        if (days !== undefined) skipped.push({ account: t.account, staleDays: days });
        return days === undefined;
      });
    }
  } else {
    const read = await readState(db, table, action.accounts);
    if (!read.ok) return failed(read.error);
    targets = [read.value];
  }

  if (action.kind === 'list') {
    const silenced = targets.flatMap((t) =>
      t.state.silence && isSilenced(t.state.silence, now)
        ? [{ account: t.account, silence: t.state.silence }]
        : [],
    );
    return { ok: true, table, action: action.kind, silenced, skipped, warnings };
  }
  if (targets.length === 0) {
    return failed({
      kind: 'account',
      message:
        action.accounts !== 'all' || readAll === 0
          ? `table ${table} holds no account yet: the monitor has not run`
          : `every account of table ${table} is stale: nothing to change`,
    });
  }

  let change: (state: AlertState) => AlertState | undefined;
  let maxSilenceHours: SilenceReport['maxSilenceHours'];
  if (action.kind === 'set') {
    maxSilenceHours =
      args.maxHours !== undefined
        ? { hours: args.maxHours, from: '--max-hours' }
        : found.maxSilenceHours !== undefined
          ? { hours: found.maxSilenceHours, from: 'stack' }
          : { hours: DEFAULT_MAX_SILENCE_HOURS, from: 'default' };
    const made = silenceFor(action.until, action.reason, now, maxSilenceHours.hours, by ?? operator());
    if (!made.ok) return failed({ kind: 'usage', message: made.error }, { maxSilenceHours });
    const { silence } = made;
    change = (state) => ({ ...state, silence });
  } else {
    change = ({ silence, ...rest }) => (silence ? rest : undefined);
  }

  const accounts: NonNullable<SilenceReport['accounts']>[number][] = [];
  for (const target of targets) {
    const written = await updateState(db, table, target, change, now);
    if (!written.ok) accounts.push({ account: target.account, result: 'failed', error: written.error });
    else if (action.kind === 'clear')
      accounts.push({ account: target.account, result: written.value ? 'cleared' : 'was not silenced' });
    else {
      const silence = written.value?.silence;
      accounts.push({ account: target.account, result: 'silenced', ...(silence ? { silence } : {}) });
    }
  }
  return {
    ok: accounts.every((a) => a.result !== 'failed'),
    table,
    action: action.kind,
    ...(maxSilenceHours ? { maxSilenceHours } : {}),
    accounts,
    skipped,
    warnings,
  };
}

/** The report as the text the command has always printed: results on stdout, the rest on stderr. */
function renderSilence(report: SilenceReport, now: Date, output: ToolOutput): void {
  for (const warning of report.warnings) output.err(`warning: ${warning}\n`);
  for (const s of report.skipped)
    output.err(`${s.account}: skipped, ${staleNote(s.staleDays)}; name it to change it anyway\n`);
  if (report.maxSilenceHours?.from === 'default') {
    output.err(
      `note: the longest silence was not read from the stack (--table, or no MaxSilenceHours output): using the default ${report.maxSilenceHours.hours} hours; --max-hours N sets the stack's maxSilenceHours\n`,
    );
  }
  if (report.silenced) {
    if (report.silenced.length === 0) output.out(`No account of table ${report.table} is silenced.\n`);
    for (const { account, silence: s } of report.silenced) {
      const left = formatSpan(Date.parse(s.until) - now.getTime());
      output.out(
        `${account}: until ${s.until} (${left} left), since ${s.since}${s.by ? ` by ${s.by}` : ''}: ${s.reason}\n`,
      );
    }
  }
  for (const a of report.accounts ?? []) {
    if (a.error) output.err(`error: ${a.error.message}\n`);
    else if (a.result === 'silenced')
      output.out(`${a.account}: silenced until ${a.silence?.until ?? '?'}: ${a.silence?.reason ?? ''}\n`);
    else output.out(`${a.account}: ${a.result === 'cleared' ? 'silence cleared' : 'was not silenced'}\n`);
  }
  if (report.error) output.err(`error: ${report.error.message}\n`);
}

/** The command line, wired: parses, runs, prints; the exit code. */
export async function mainSilence(
  argv: readonly string[],
  output: ToolOutput,
  makeClients: (region: string | undefined) => ToolClients = clientsFor,
): Promise<number> {
  const json = wantsJson(argv);
  const parsed = parseSilenceArgs(argv);
  if (!parsed.ok) return printUsage(parsed, SILENCE_USAGE, json, output);
  const { args } = parsed;
  return withClients(makeClients(args.region), json, output, (clients) => runSilence(args, clients, output));
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await mainSilence(process.argv.slice(2), PROCESS_OUTPUT);
}
