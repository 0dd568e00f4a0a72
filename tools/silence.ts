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
import {
  clientsFor,
  findTable,
  isMainModule,
  type Location,
  readState,
  readStates,
  readToolArgs,
  type StateItem,
  type ToolClients,
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
  '  common: [--stack NAME] [--table NAME] [--region R] [--max-hours N]',
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

export async function runSilence(
  args: SilenceArgs,
  clients: ToolClients,
  output: ToolOutput,
  options: { readonly now?: () => Date; readonly by?: string } = {},
): Promise<number> {
  const now = (options.now ?? (() => new Date()))();
  const fail = (message: string): number => {
    output.err(`error: ${message}\n`);
    return 1;
  };
  const found = await findTable(args, clients);
  if (!found.ok) return fail(found.error.message);
  const { table } = found.value;
  const db = clients.dynamoDb;
  const { action } = args;

  let targets: StateItem[];
  if (action.kind === 'list' || action.accounts === 'all') {
    const read = await readStates(db, table);
    if (!read.ok) return fail(read.error.message);
    for (const problem of read.value.unreadable) output.err(`warning: ${problem.message}\n`);
    targets = read.value.items;
  } else {
    const read = await readState(db, table, action.accounts);
    if (!read.ok) return fail(read.error.message);
    targets = [read.value];
  }

  if (action.kind === 'list') {
    const active = targets.filter((t) => isSilenced(t.state.silence, now));
    if (active.length === 0) output.out(`No account of table ${table} is silenced.\n`);
    for (const t of active) {
      const s = t.state.silence;
      if (!s) continue;
      const left = formatSpan(Date.parse(s.until) - now.getTime());
      output.out(
        `${t.account}: until ${s.until} (${left} left), since ${s.since}${s.by ? ` by ${s.by}` : ''}: ${s.reason}\n`,
      );
    }
    return 0;
  }
  if (targets.length === 0) return fail(`table ${table} holds no account yet: the monitor has not run`);

  let change: (state: AlertState) => AlertState | undefined;
  if (action.kind === 'set') {
    const maxHours = args.maxHours ?? found.value.maxSilenceHours ?? DEFAULT_MAX_SILENCE_HOURS;
    const made = silenceFor(action.until, action.reason, now, maxHours, options.by ?? operator());
    if (!made.ok) return fail(made.error);
    const { silence } = made;
    change = (state) => ({ ...state, silence });
  } else {
    change = ({ silence, ...rest }) => (silence ? rest : undefined);
  }

  let problems = 0;
  for (const target of targets) {
    const written = await updateState(db, table, target, change, now);
    if (!written.ok) {
      problems++;
      output.err(`error: ${written.error.message}\n`);
    } else if (action.kind === 'clear') {
      output.out(
        written.value ? `${target.account}: silence cleared\n` : `${target.account}: was not silenced\n`,
      );
    } else {
      const s = written.value?.silence;
      output.out(`${target.account}: silenced until ${s?.until ?? '?'}: ${s?.reason ?? ''}\n`);
    }
  }
  return problems > 0 ? 1 : 0;
}

if (isMainModule(import.meta.url)) {
  const parsed = parseSilenceArgs(process.argv.slice(2));
  if (!parsed.ok) {
    if (parsed.help) process.stdout.write(`${SILENCE_USAGE}\n`);
    else process.stderr.write(`${parsed.errors.map((e) => `error: ${e}`).join('\n')}\n${SILENCE_USAGE}\n`);
    process.exitCode = parsed.help ? 0 : 2;
  } else {
    const clients = clientsFor(parsed.args.region);
    process.exitCode = await runSilence(parsed.args, clients, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
    clients.cloudFormation.destroy();
    clients.dynamoDb.destroy();
  }
}
