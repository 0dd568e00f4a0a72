import type { AlertState, DeliveryChannel, Observation, PendingNotification } from './alert-state.js';
import { transition } from './alert-state.js';
import type { AccountConfig, MonitorConfig } from './config.js';
import {
  type DeliveryError,
  protocolStop,
  publishErrorText,
  publishFailure,
  storeErrorText,
  storeFailure,
} from './delivery-error.js';
import {
  afterAccepted,
  afterRefused,
  checkpointAfter,
  type DeliverPlan,
  holdsClaim,
  isHeldBack,
  planDelivery,
  settled,
  settlementOf,
  startDelivery,
} from './delivery-plan.js';
import type { Sample } from './forecast-types.js';
import { EMPTY_HISTORY, forecastFromHistory, recordReading, spendRate } from './history.js';
import type { RenderedMessage } from './notification.js';
import type {
  AccountReport,
  BalanceReader,
  CredentialSource,
  Notifier,
  Renderer,
  StateStore,
  StoredState,
  Telemetry,
} from './ports.js';
import { levelFor } from './thresholds.js';
import type { Balance, Credentials, Outcome } from './types.js';

/**
 * One scheduled run: check every account (a bounded number at a time), apply the alert rules to
 * the stored state, and deliver what they decide. Wiring-free: the ports come in, a summary goes out.
 * The delivery protocol (claims, per-channel marks, takeovers, silences, duplicate deliveries) is
 * planned in core/delivery-plan.ts; this file performs the plan: it saves, publishes and settles.
 */

export interface RunDeps {
  readonly credentials: CredentialSource;
  readonly reader: BalanceReader;
  readonly store: StateStore;
  readonly notifier: Notifier;
  /** The chat topic's notifier, when chat is configured; without it no notice waits on chat. */
  readonly chatNotifier?: Notifier;
  readonly renderer: Renderer;
  readonly telemetry: Telemetry;
  /** The time decisions are made at (tests move it; the deadline is kept on `deadlineClock`). */
  readonly clock: () => Date;
  /**
   * The real clock, epoch ms, that `deadlineAt` is set on: the handler passes Date.now, and a test
   * can move it past the deadline. Without it, Date.now.
   */
  readonly deadlineClock?: () => number;
  readonly newClaimId: () => string;
}

export interface RunOptions {
  /** Epoch ms on the deadline clock by which every account's check must have ended. */
  readonly deadlineAt: number;
  /**
   * A claim older than this belongs to a run that died. A live run holds a claim only while one
   * publish is under way (seconds, bounded by the SDK's request timeout), and never past its deadline.
   */
  readonly claimTtlMs?: number;
  /**
   * The scheduled run this is (the scheduler's scheduled time). Every delivery of one run carries
   * the same id, so a duplicate delivery, or a retry after an error, does not record its
   * observation twice; it only finishes a delivery left pending.
   */
  readonly runId?: string;
}

export interface RunSummary {
  readonly checked: number;
  readonly ok: number;
  readonly failed: number;
  readonly notified: number;
  readonly problems: number;
  readonly accounts: readonly AccountReport[];
}

export const DEFAULT_CLAIM_TTL_MS = 5 * 60_000;
const SAVE_ATTEMPTS = 5;

/** The deadline's clock and the deadline, read together by every guard. */
interface Deadline {
  readonly now: () => number;
  readonly at: number;
}

export async function runChecks(
  config: MonitorConfig,
  deps: RunDeps,
  options: RunOptions,
): Promise<RunSummary> {
  // The credentials and every account's state item, side by side: a batched read of the items
  // leaves each check one conditional write in a quiet run.
  const [credentials, prefetched] = await Promise.all([
    deps.credentials.load(config.accounts),
    prefetchStates(deps.store, config.accounts),
  ]);
  const deadline: Deadline = { now: deps.deadlineClock ?? Date.now, at: options.deadlineAt };
  const reports = await mapBounded(config.accounts, config.concurrency, (account) =>
    checkAccountBefore(account, credentials.get(account.name), prefetched, deps, options, deadline),
  );
  for (const report of reports) deps.telemetry.accountChecked(report);
  return {
    checked: reports.length,
    ok: reports.filter((r) => r.outcome === 'ok').length,
    failed: reports.filter((r) => r.outcome === 'failed').length,
    notified: reports.filter((r) => r.notified).length,
    problems: reports.filter((r) => r.publishError || r.storeError).length,
    accounts: reports,
  };
}

/** The states the store can read in batches; an account missing from the map is read alone. */
async function prefetchStates(
  store: StateStore,
  accounts: readonly AccountConfig[],
): Promise<ReadonlyMap<string, StoredState | undefined>> {
  if (!store.loadMany) return new Map();
  try {
    return await store.loadMany(accounts.map((a) => a.name));
  } catch {
    return new Map();
  }
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The whole account check, cut off at the deadline so the function always returns in time. */
async function checkAccountBefore(
  account: AccountConfig,
  credentials: Outcome<Credentials> | undefined,
  prefetched: ReadonlyMap<string, StoredState | undefined>,
  deps: RunDeps,
  options: RunOptions,
  deadline: Deadline,
): Promise<AccountReport> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const cutOff = new Promise<AccountReport>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          account: account.name,
          outcome: 'failed',
          failure: { kind: 'transient', message: 'the run reached its deadline before this check ended' },
          ...errorFields([protocolStop('deadline', 'deadline reached; state may not be updated')]),
          durationMs: Math.round(performance.now() - started),
        }),
      Math.max(0, deadline.at - deadline.now()),
    );
  });
  try {
    return await Promise.race([
      checkAccount(account, credentials, prefetched, deps, options, deadline, started),
      cutOff,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkAccount(
  account: AccountConfig,
  credentials: Outcome<Credentials> | undefined,
  prefetched: ReadonlyMap<string, StoredState | undefined>,
  deps: RunDeps,
  options: RunOptions,
  deadline: Deadline,
  started: number,
): Promise<AccountReport> {
  let reading: Outcome<Balance> = !credentials
    ? {
        ok: false,
        failure: { kind: 'config', message: `no credentials were loaded for account ${account.name}` },
      }
    : credentials.ok
      ? await deps.reader.read(account, credentials.value, readingDeadline(deadline))
      : credentials;
  // Credentials cached by a warm function may predate a rotation: refused ones are read again
  // from SSM, and tried once more if they changed, before anyone is told of an auth failure.
  if (!reading.ok && reading.failure.kind === 'auth' && credentials?.ok && deps.credentials.reload) {
    const again = await deps.credentials.reload(account);
    if (
      again.ok &&
      (again.value.key !== credentials.value.key || again.value.hash !== credentials.value.hash)
    ) {
      reading = await deps.reader.read(account, again.value, readingDeadline(deadline));
    }
  }
  const now = deps.clock();
  const base = {
    account: account.name,
    ...(reading.ok
      ? { outcome: 'ok' as const, balance: reading.value }
      : { outcome: 'failed' as const, failure: reading.failure }),
  };
  // What the reading alone says, for the report when the state store cannot say more.
  const readingLevel = reading.ok ? { level: levelFor(reading.value, account.thresholds) } : {};
  const finish = (fields: Partial<AccountReport>): AccountReport => ({
    ...base,
    ...fields,
    durationMs: Math.round(performance.now() - started),
  });

  // One read, batched with the other accounts' where it could be: the state item holds the alert
  // state and the balance history together. A stale batched read only costs a lost conditional
  // write and a re-read.
  let stored: StoredState | undefined;
  try {
    stored = prefetched.has(account.name)
      ? prefetched.get(account.name)
      : await deps.store.load(account.name);
  } catch (error) {
    return finish({ ...readingLevel, ...errorFields([storeFailure(error)]) });
  }
  const sample: Sample | undefined = reading.ok
    ? { at: now.toISOString(), amount: reading.value.amount, sms: reading.value.sms }
    : undefined;
  const observation = observe(account, reading, sample, stored, now);

  try {
    const delivery = await decideAndDeliver(
      account,
      { observation, sample, stored, now },
      deps,
      options,
      deadline,
    );
    // State that could not be recorded says no more than the reading.
    if ('kind' in delivery) return finish({ ...readingLevel, ...errorFields([delivery]) });
    return finish({
      level: delivery.level,
      ...(observation.ok && observation.forecast ? { forecast: observation.forecast } : {}),
      ...(delivery.notified ? { notified: delivery.notified } : {}),
      ...(delivery.held ? { held: delivery.held } : {}),
      ...errorFields(delivery.errors ?? []),
    });
  } catch (error) {
    return finish({ ...readingLevel, ...errorFields([storeFailure(error)]) });
  }
}

/** The report's error fields: the typed errors, and the texts the log line and the README name. */
function errorFields(
  errors: readonly DeliveryError[],
): Pick<AccountReport, 'errors' | 'publishError' | 'failedChannels' | 'storeError'> {
  if (errors.length === 0) return {};
  const publishError = publishErrorText(errors);
  const storeError = storeErrorText(errors);
  const failedChannels = errors.flatMap((e) => (e.kind === 'publish' ? [e.channel] : []));
  return {
    errors,
    ...(publishError ? { publishError, failedChannels } : {}),
    ...(storeError ? { storeError } : {}),
  };
}

/** The provider gets the run's deadline less the time the state writes and the publish need. */
function readingDeadline(deadline: Deadline): number {
  const left = deadline.at - deadline.now();
  return deadline.at - Math.min(2_000, Math.max(0, left / 3));
}

/** What this run learned, with the forecast from the history this reading extends. */
function observe(
  account: AccountConfig,
  reading: Outcome<Balance>,
  sample: Sample | undefined,
  stored: StoredState | undefined,
  now: Date,
): Observation {
  if (!reading.ok) return { ok: false, failure: reading.failure };
  const history = sample ? recordReading(stored?.history ?? EMPTY_HISTORY, sample) : EMPTY_HISTORY;
  const forecast = forecastFromHistory(history, now, account.thresholds);
  const spend = spendRate(history, 'amount');
  return { ok: true, balance: reading.value, ...(forecast ? { forecast } : {}), ...(spend ? { spend } : {}) };
}

interface Delivery {
  readonly level: AccountReport['level'];
  readonly notified?: AccountReport['notified'];
  readonly held?: AccountReport['held'];
  readonly errors?: readonly DeliveryError[];
}

/** The channels this run delivers on: the main topic, and the chat topic when configured. */
function channelsOf(deps: RunDeps): ReadonlyMap<DeliveryChannel, Notifier> {
  return new Map<DeliveryChannel, Notifier>([
    ['topic', deps.notifier],
    ...(deps.chatNotifier ? [['chat', deps.chatNotifier] as const] : []),
  ]);
}

/** Plans each attempt (core/delivery-plan.ts) and performs it; a lost write re-reads and plans again. */
async function decideAndDeliver(
  account: AccountConfig,
  run: {
    readonly observation: Observation;
    readonly sample: Sample | undefined;
    /** The item as first read (batched, or alone). */
    readonly stored: StoredState | undefined;
    readonly now: Date;
  },
  deps: RunDeps,
  options: RunOptions,
  deadline: Deadline,
): Promise<Delivery | DeliveryError> {
  const { observation, sample, now } = run;
  const notifiers = channelsOf(deps);
  const channels = [...notifiers.keys()];
  for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
    const stored = attempt === 0 ? run.stored : await deps.store.load(account.name);
    const plan = planDelivery({
      stored,
      decided: transition(stored?.state, observation, now, account),
      ...(sample ? { sample } : {}),
      channels,
      now,
      claimTtlMs: options.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS,
      ...(options.runId !== undefined ? { runId: options.runId } : {}),
      attempt,
      claimId: deps.newClaimId(),
      pastDeadline: deadline.now() >= deadline.at,
    });
    const told = { level: plan.level, ...(plan.held ? { held: plan.held } : {}) };
    if (plan.action === 'none') return told;
    if (plan.action === 'stop') return { level: plan.level, errors: [plan.error] };
    const { state, history, expectedVersion } = plan.write;
    if ((await deps.store.save(account.name, state, expectedVersion, history)) === 'conflict') continue;
    if (plan.action === 'record') return told;
    if (deadline.now() >= deadline.at) {
      // The run is being cut off: the claim expires and a later run publishes the notice.
      const error = protocolStop('deadline', 'deadline reached before the claimed notice was published');
      return { level: plan.level, errors: [error] };
    }
    return deliver(plan, { state, history, version: expectedVersion + 1 }, notifiers, account, now, deps);
  }
  return protocolStop(
    'contended',
    `state of ${account.name} kept changing under concurrent runs; gave up after ${SAVE_ATTEMPTS} tries`,
  );
}

/** Publishes the claimed plan in order, checkpoints between publishes, and settles the claim. */
async function deliver(
  plan: DeliverPlan,
  saved: StoredState,
  notifiers: ReadonlyMap<DeliveryChannel, Notifier>,
  account: AccountConfig,
  now: Date,
  deps: RunDeps,
): Promise<Delivery> {
  let current = saved;
  let progress = startDelivery(plan);
  const rendered = new Map<number, RenderedMessage>();
  for (const [step, publish] of plan.publishes.entries()) {
    const notifier = notifiers.get(publish.channel);
    if (!notifier || isHeldBack(progress, publish)) continue;
    try {
      const message = rendered.get(publish.notice) ?? deps.renderer.render(publish.notification, account);
      rendered.set(publish.notice, message);
      await notifier.publish(message);
    } catch (failure) {
      progress = afterRefused(progress, publish, publishFailure(publish.channel, failure));
      continue;
    }
    progress = afterAccepted(progress, publish, now);
    const pending = checkpointAfter(plan, progress, step);
    if (!pending) continue;
    // Best effort: a failed checkpoint only widens what a takeover would publish again.
    try {
      const written = await writeIfClaimed(account.name, plan.claim, current, deps.store, (state) => ({
        ...state,
        pending,
      }));
      if (written) current = written;
    } catch {}
  }
  const settlement = settlementOf(plan, progress);
  const written = await writeIfClaimed(account.name, plan.claim, current, deps.store, (state) =>
    settled(state, settlement),
  );
  const notified = progress.accepted ? { notified: plan.claim.notification.kind } : {};
  if (settlement.cleared && !written) {
    const error = protocolStop(
      'not-cleared',
      'delivered, but the pending notice could not be cleared; it may be sent again',
    );
    return { level: plan.level, ...notified, errors: [error] };
  }
  // A release that kept losing leaves the claim to expire: a run after the claim TTL takes it over.
  return {
    level: plan.level,
    ...notified,
    ...(progress.refusals.length > 0 ? { errors: progress.refusals } : {}),
  };
}

/**
 * Writes `change` of the state while the pending item is under our claim; re-reads after a lost
 * write. The state as written, or as found when the claim is no longer ours; undefined when the
 * write kept losing.
 */
async function writeIfClaimed(
  account: string,
  claim: PendingNotification,
  saved: StoredState,
  store: StateStore,
  change: (state: AlertState) => AlertState,
): Promise<StoredState | undefined> {
  let current: StoredState | undefined = saved;
  for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
    if (!current || !holdsClaim(current.state, claim)) return current ?? saved;
    const history = current.history ?? EMPTY_HISTORY;
    const state = change(current.state);
    if ((await store.save(account, state, current.version, history)) === 'saved') {
      return { state, version: current.version + 1, history };
    }
    current = await store.load(account);
  }
  return undefined;
}
