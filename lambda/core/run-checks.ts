import {
  type AlertState,
  type ChannelMark,
  type ChannelMarks,
  type DeliveryChannel,
  type Observation,
  type PendingNotification,
  type QueuedNotice,
  transition,
} from './alert-state.js';
import type { AccountConfig, MonitorConfig } from './config.js';
import type { Sample } from './forecast-types.js';
import { EMPTY_HISTORY, forecastFromHistory, type History, recordReading, spendRate } from './history.js';
import type { Notification, RenderedMessage } from './notification.js';
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
import { isSilenced } from './silence.js';
import { levelFor } from './thresholds.js';
import type { Balance, Credentials, Outcome } from './types.js';

/**
 * One scheduled run: check every account (a bounded number at a time), apply the alert rules to
 * the stored state, and deliver what they decide. Wiring-free: the ports come in, a summary goes out.
 *
 * Delivery is at least once and exactly once per decision under concurrent runs:
 *  1. the decided notification is written into the state as a claimed `pending` item, with a
 *     conditional write on the state's version (a concurrent run loses the write and re-reads);
 *  2. it is published; only then is `pending` cleared;
 *  3. if SNS refuses, the claim is released and the next run publishes it (before its own notice,
 *     if it has one); a claim left by a run that died is taken over once older than the claim TTL.
 * Per channel: with chat configured a notice goes to the main topic and to the chat topic. One
 * claim covers both; each channel is marked once it accepted (a checkpoint under the claim when
 * another publish follows, else the settle), so a retry or a takeover publishes only on
 * the channels that refused, and each channel gets each notice once, in order (a channel that
 * refuses one notice is not sent the ones behind it this run; the other channel goes on).
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
  /** The time decisions are made at (tests move it; timers and durations use the real clock). */
  readonly clock: () => Date;
  readonly newClaimId: () => string;
}

export interface RunOptions {
  /** Real epoch ms (Date.now()) by which every account's check must have ended. */
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
  const reports = await mapBounded(config.accounts, config.concurrency, (account) =>
    checkAccountBefore(account, credentials.get(account.name), prefetched, deps, options),
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
          storeError: 'deadline reached; state may not be updated',
          durationMs: Math.round(performance.now() - started),
        }),
      Math.max(0, options.deadlineAt - Date.now()),
    );
  });
  try {
    return await Promise.race([
      checkAccount(account, credentials, prefetched, deps, options, started),
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
  started: number,
): Promise<AccountReport> {
  let reading: Outcome<Balance> = !credentials
    ? {
        ok: false,
        failure: { kind: 'config', message: `no credentials were loaded for account ${account.name}` },
      }
    : credentials.ok
      ? await deps.reader.read(account, credentials.value, readingDeadline(options.deadlineAt))
      : credentials;
  // Credentials cached by a warm function may predate a rotation: refused ones are read again
  // from SSM, and tried once more if they changed, before anyone is told of an auth failure.
  if (!reading.ok && reading.failure.kind === 'auth' && credentials?.ok && deps.credentials.reload) {
    const again = await deps.credentials.reload(account);
    if (
      again.ok &&
      (again.value.key !== credentials.value.key || again.value.hash !== credentials.value.hash)
    ) {
      reading = await deps.reader.read(account, again.value, readingDeadline(options.deadlineAt));
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
    return finish({ ...readingLevel, storeError: describeError(error) });
  }
  const sample: Sample | undefined = reading.ok
    ? { at: now.toISOString(), amount: reading.value.amount, sms: reading.value.sms }
    : undefined;
  const observation = observe(account, reading, sample, stored, now);

  try {
    const delivery = await decideAndDeliver(account, observation, sample, stored, now, deps, options);
    return finish({
      level: delivery.level,
      ...(observation.ok && observation.forecast ? { forecast: observation.forecast } : {}),
      ...(delivery.notified ? { notified: delivery.notified } : {}),
      ...(delivery.held ? { held: delivery.held } : {}),
      ...(delivery.publishError ? { publishError: delivery.publishError } : {}),
      ...(delivery.failedChannels ? { failedChannels: delivery.failedChannels } : {}),
      ...(delivery.storeError ? { storeError: delivery.storeError } : {}),
    });
  } catch (error) {
    return finish({ ...readingLevel, storeError: describeError(error) });
  }
}

/** The provider gets the run's deadline less the time the state writes and the publish need. */
function readingDeadline(deadlineAt: number): number {
  const left = deadlineAt - Date.now();
  return deadlineAt - Math.min(2_000, Math.max(0, left / 3));
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
  readonly publishError?: string;
  readonly failedChannels?: readonly DeliveryChannel[];
  readonly storeError?: string;
}

/** The channels this run delivers on: the main topic, and the chat topic when configured. */
function channelsOf(deps: RunDeps): ReadonlyMap<DeliveryChannel, Notifier> {
  return new Map<DeliveryChannel, Notifier>([
    ['topic', deps.notifier],
    ...(deps.chatNotifier ? [['chat', deps.chatNotifier] as const] : []),
  ]);
}

/** The configured channels that have not accepted a notice yet. */
function undelivered(
  marks: ChannelMarks | undefined,
  channels: readonly DeliveryChannel[],
): DeliveryChannel[] {
  return channels.filter((channel) => marks?.[channel]?.status !== 'delivered');
}

/** The pending notices, oldest first, each with its marks. */
function queueOf(pending: PendingNotification): QueuedNotice[] {
  const { notification, channels } = pending;
  return [...(pending.earlier ?? []), { notification, ...(channels ? { channels } : {}) }];
}

/** The pending item without the notices every configured channel has accepted; undefined when none is left. */
function stillPending(
  pending: PendingNotification | undefined,
  channels: readonly DeliveryChannel[],
): PendingNotification | undefined {
  if (!pending) return undefined;
  const queue = queueOf(pending);
  const left = queue.filter((item) => undelivered(item.channels, channels).length > 0);
  if (left.length === queue.length) return pending;
  return left.length === 0 ? undefined : withMarks(pending, left);
}

function pendingMarks(channels: readonly DeliveryChannel[]): ChannelMarks {
  return Object.fromEntries(channels.map((channel) => [channel, { status: 'pending', attempts: 0 }]));
}

interface Published {
  /** Every notice of the claim with its marks after this run's publishes. */
  readonly queue: readonly QueuedNotice[];
  /** The channels that refused, with the error, in the order they refused. */
  readonly failures: ReadonlyArray<readonly [DeliveryChannel, string]>;
  /** Whether some channel accepted the claim's own notification in this run. */
  readonly accepted: boolean;
}

/** The claim as it stands with these marks: what a checkpoint or the settle writes. */
function withMarks(claim: PendingNotification, queue: readonly QueuedNotice[]): PendingNotification {
  const last = queue.at(-1) ?? { notification: claim.notification };
  const { earlier: _all, channels: _marks, ...fields } = claim;
  return {
    ...fields,
    notification: last.notification,
    ...(last.channels ? { channels: last.channels } : {}),
    ...(queue.length > 1 ? { earlier: queue.slice(0, -1) } : {}),
  };
}

/**
 * Publishes the claim's notices, oldest first, on each channel that has not accepted them yet. A
 * channel that refuses one is not sent the later ones this run (each channel keeps the order);
 * the other channel goes on. After each accepted publish that another one follows, `checkpoint`
 * records the marks under the same claim: a run that dies before its settle leaves the channels
 * it delivered marked, and the run that takes the claim over publishes only on the others.
 */
async function publishQueue(
  claim: PendingNotification,
  notifiers: ReadonlyMap<DeliveryChannel, Notifier>,
  account: AccountConfig,
  now: Date,
  deps: RunDeps,
  checkpoint: (pending: PendingNotification) => Promise<void>,
): Promise<Published> {
  const channels = [...notifiers.keys()];
  const items = queueOf(claim);
  const marks: Array<Partial<Record<DeliveryChannel, ChannelMark>>> = items.map((item) => ({
    ...item.channels,
  }));
  const plan = items.flatMap((item, index) =>
    undelivered(item.channels, channels).map((channel) => ({ index, channel })),
  );
  const snapshot = (): QueuedNotice[] =>
    items.map((item, index) => ({ notification: item.notification, channels: { ...marks[index] } }));
  const refused = new Map<DeliveryChannel, string>();
  const rendered = new Map<number, RenderedMessage>();
  let accepted = false;
  for (const [step, { index, channel }] of plan.entries()) {
    const item = items[index];
    const notifier = notifiers.get(channel);
    const mine = marks[index];
    if (!item || !notifier || !mine) continue;
    if (refused.has(channel)) continue;
    const attempts = mine[channel]?.attempts ?? 0;
    try {
      const message = rendered.get(index) ?? deps.renderer.render(item.notification, account);
      rendered.set(index, message);
      await notifier.publish(message);
      mine[channel] = { status: 'delivered', deliveredAt: now.toISOString(), attempts };
      if (index === items.length - 1) accepted = true;
    } catch (failure) {
      const lastError = describeError(failure);
      refused.set(channel, lastError);
      mine[channel] = { status: 'pending', attempts: attempts + 1, lastError };
      continue;
    }
    const more = plan.slice(step + 1).some((next) => !refused.has(next.channel));
    if (more) await checkpoint(withMarks(claim, snapshot()));
  }
  return { queue: snapshot(), failures: [...refused], accepted };
}

async function decideAndDeliver(
  account: AccountConfig,
  observation: Observation,
  sample: Sample | undefined,
  firstRead: StoredState | undefined,
  now: Date,
  deps: RunDeps,
  options: RunOptions,
): Promise<Delivery> {
  const claimTtlMs = options.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS;
  for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
    const stored = attempt === 0 ? firstRead : await deps.store.load(account.name);
    const version = stored?.version ?? 0;
    // A run already recorded keeps its state; only an undelivered notice may still need this run.
    const recorded = stored !== undefined && alreadyRecorded(stored.state, options.runId, now, attempt);
    const decided =
      recorded && stored
        ? { next: stored.state, notification: undefined, held: undefined }
        : transition(stored?.state, observation, now, account);
    const { next, notification } = decided;
    const notifiers = channelsOf(deps);
    const channels = [...notifiers.keys()];
    // A pending notice every configured channel has accepted (chat removed since) is done with.
    const outstanding = stillPending(next.pending, channels);
    // A silence holds every notice, an undelivered one from before it too: nothing is claimed.
    const silenced = isSilenced(next.silence, now);
    const claim = silenced
      ? undefined
      : claimFor(notification, outstanding, now, claimTtlMs, deps.newClaimId, channels);
    const held = decided.held ?? (silenced ? outstanding?.notification : undefined);
    if (recorded && !claim) return { level: next.level, ...(held ? { held: held.kind } : {}) };
    if (claim && Date.now() >= options.deadlineAt) {
      // Too late to publish: leave the state as it was, so the next run decides the same again.
      return { level: next.level, storeError: 'deadline reached before the notice could be claimed' };
    }
    const { pending: _before, ...rest } = next;
    const kept: AlertState = outstanding ? { ...rest, pending: outstanding } : rest;
    const stamped = options.runId && !recorded ? { ...kept, runId: options.runId } : kept;
    const toSave = claim ? { ...stamped, pending: claim } : stamped;
    // The reading joins the history in the same write that records the observation, so a run
    // recorded already (a duplicate delivery) does not count its reading twice.
    const history = nextHistory(stored?.history, recorded ? undefined : sample);
    if ((await deps.store.save(account.name, toSave, version, history)) === 'conflict') continue;
    if (!claim) return { level: next.level, ...(held ? { held: held.kind } : {}) };

    const claimed = claim;
    const saved: StoredState = { state: toSave, version: version + 1, history };
    if (Date.now() >= options.deadlineAt) {
      // The run is being cut off: the claim expires and a later run publishes the notice.
      return { level: next.level, storeError: 'deadline reached before the claimed notice was published' };
    }
    let current: StoredState = saved;
    const checkpoint = async (pending: PendingNotification): Promise<void> => {
      // Best effort: a failed checkpoint only widens what a takeover would publish again.
      try {
        const written = await writeIfClaimed(account.name, claimed, current, deps.store, (state) => ({
          ...state,
          pending,
        }));
        if (written) current = written;
      } catch {}
    };
    const published = await publishQueue(claimed, notifiers, account, now, deps, checkpoint);
    const publishError = published.failures.map(([channel, error]) => `${channel}: ${error}`).join('; ');
    const failedChannels = published.failures.map(([channel]) => channel);
    const notified = published.accepted ? { notified: claimed.notification.kind } : {};
    if (published.failures.length > 0) {
      const remaining = published.queue.filter((item) => undelivered(item.channels, channels).length > 0);
      const { claimId: _id, claimedAt: _at, ...released } = withMarks(claimed, remaining);
      await settleClaim(account.name, claimed, current, deps.store, (state) => ({
        ...state,
        pending: { ...released, attempts: claimed.attempts + 1, lastError: publishError },
      }));
      return { level: next.level, ...notified, publishError, failedChannels };
    }
    const cleared = await settleClaim(
      account.name,
      claimed,
      current,
      deps.store,
      ({ pending: _sent, ...others }) => others,
    );
    return {
      level: next.level,
      ...notified,
      ...(cleared
        ? {}
        : { storeError: 'delivered, but the pending notice could not be cleared; it may be sent again' }),
    };
  }
  throw new Error(
    `state of ${account.name} kept changing under concurrent runs; gave up after ${SAVE_ATTEMPTS} tries`,
  );
}

function nextHistory(stored: History | undefined, sample: Sample | undefined): History {
  const history = stored ?? EMPTY_HISTORY;
  return sample ? recordReading(history, sample) : history;
}

/** Without a run id, two runs this close together that collided are deliveries of the same run. */
const SAME_RUN_MS = 20_000;

/** Whether the stored state already holds this run's observation. */
function alreadyRecorded(state: AlertState, runId: string | undefined, now: Date, attempt: number): boolean {
  if (runId !== undefined) return state.runId === runId;
  // After a lost write only: a concurrent delivery recorded this moment first.
  const checkedAt = state.checkedAt;
  return (
    attempt > 0 && checkedAt !== undefined && Math.abs(now.getTime() - Date.parse(checkedAt)) < SAME_RUN_MS
  );
}

/** At most this many undelivered notices wait behind a new one; the oldest give way. */
const MAX_EARLIER = 3;

/**
 * What this run should publish, if anything: its own decision, or undelivered ones it may take
 * over. A new decision does not silence an older undelivered one (a "recovered" that SNS refused
 * still matters when a new low follows it): the older ones go out first, in order.
 */
function claimFor(
  notification: Notification | undefined,
  pending: PendingNotification | undefined,
  now: Date,
  claimTtlMs: number,
  newClaimId: () => string,
  channels: readonly DeliveryChannel[],
): PendingNotification | undefined {
  const claimable = pending !== undefined && isClaimable(pending, now, claimTtlMs);
  const claim = { claimId: newClaimId(), claimedAt: now.toISOString() };
  if (!notification) return claimable ? { ...pending, ...claim } : undefined;
  // A pending notice under a live claim is being published by its run right now.
  const earlier = claimable ? queueOf(pending).slice(-MAX_EARLIER) : [];
  return {
    notification,
    channels: pendingMarks(channels),
    ...(earlier.length > 0 ? { earlier } : {}),
    ...claim,
    attempts: 0,
  };
}

function isClaimable(pending: PendingNotification, now: Date, claimTtlMs: number): boolean {
  if (pending.claimedAt === undefined) return true;
  return now.getTime() - Date.parse(pending.claimedAt) >= claimTtlMs;
}

/**
 * Clears (delivered) or releases (failed) our claim, if it is still ours: a newer run may have
 * replaced the pending notification meanwhile, and its claim is not ours to touch. False only when
 * the write kept losing to other writers.
 */
async function settleClaim(
  account: string,
  claim: PendingNotification,
  saved: StoredState,
  store: StateStore,
  settle: (state: AlertState) => AlertState,
): Promise<boolean> {
  return (await writeIfClaimed(account, claim, saved, store, settle)) !== undefined;
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
    if (!current || current.state.pending?.claimId !== claim.claimId) return current ?? saved;
    const history = current.history ?? EMPTY_HISTORY;
    const state = change(current.state);
    if ((await store.save(account, state, current.version, history)) === 'saved') {
      return { state, version: current.version + 1, history };
    }
    current = await store.load(account);
  }
  return undefined;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return String(error).slice(0, 300);
}
