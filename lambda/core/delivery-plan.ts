import type {
  AlertState,
  ChannelMark,
  ChannelMarks,
  DeliveryChannel,
  PendingNotification,
  QueuedNotice,
  Transition,
} from './alert-state.js';
import { type DeliveryError, protocolStop, publishErrorText } from './delivery-error.js';
import type { Sample } from './forecast-types.js';
import { EMPTY_HISTORY, type History, recordReading } from './history.js';
import type { Notification } from './notification.js';
import type { StoredState } from './ports.js';
import { isSilenced } from './silence.js';
import type { Level } from './types.js';

/**
 * The delivery protocol as pure steps: what one attempt writes and publishes given the account's
 * stored item, and what each publish's outcome leaves to write. core/run-checks.ts performs them.
 *
 * Delivery is at least once and exactly once per decision under concurrent runs:
 *  1. the decided notification is written into the state as a claimed `pending` item, with a
 *     conditional write on the state's version (a concurrent run loses the write and re-reads);
 *  2. it is published; only then is `pending` cleared;
 *  3. if SNS refuses, the claim is released and the next run publishes it (before its own notice,
 *     if it has one); a claim left by a run that died is taken over once older than the claim TTL.
 * Per channel: with chat configured a notice goes to the main topic and to the chat topic. One
 * claim covers both; each channel is marked once it accepted (a checkpoint under the claim when
 * another publish follows, else the settle), so a retry or a takeover publishes only on the
 * channels that refused, and each channel gets each notice once, in order (a channel that refuses
 * one notice is not sent the ones behind it this run; the other channel goes on).
 * A silence holds every notice, an undelivered one from before it too. A scheduled run delivered
 * twice records its observation once, and only finishes a delivery left pending.
 */

export interface PlanInput {
  /** The account's item as this attempt read it; undefined before its first run. */
  readonly stored: StoredState | undefined;
  /** What the alert rules decided on `stored` for this run's observation. */
  readonly decided: Transition;
  /** This run's reading, for the history; absent when the check failed. */
  readonly sample?: Sample;
  /** The channels configured now, the main topic first. */
  readonly channels: readonly DeliveryChannel[];
  /** The time decisions are made at. */
  readonly now: Date;
  readonly claimTtlMs: number;
  /** The scheduled run this is; every delivery of one run carries the same id. */
  readonly runId?: string;
  /** 0 on the first read; more after a write lost to a concurrent run. */
  readonly attempt: number;
  /** The id a claim made by this attempt carries. */
  readonly claimId: string;
  /** Whether the run has reached its deadline (on the real clock). */
  readonly pastDeadline: boolean;
}

/** A conditional write of the account's item. */
export interface StateWrite {
  readonly state: AlertState;
  readonly history: History;
  /** The version the stored item must still have. */
  readonly expectedVersion: number;
}

/** One publish: a notice of the claim (its place in the queue, oldest first) on one channel. */
export interface Publish {
  readonly notice: number;
  readonly channel: DeliveryChannel;
  readonly notification: Notification;
}

interface Decided {
  /** The balance level after this run. */
  readonly level: Level;
  /** The notice a silence holds back, when there is one. */
  readonly held?: Notification['kind'];
}

export type DeliveryPlan =
  /** The run's observation is recorded already (a duplicate delivery) and nothing is left to send: no write. */
  | (Decided & { readonly action: 'none' })
  /** A notice is due but the run is out of time: no write, so the next run decides the same again. */
  | (Decided & { readonly action: 'stop'; readonly error: DeliveryError })
  /** Record the state; nothing to publish (no notice, a silence, or a notice under another run's live claim). */
  | (Decided & { readonly action: 'record'; readonly write: StateWrite })
  /** Record the state with `claim`, then make `publishes` in order. */
  | (Decided & {
      readonly action: 'deliver';
      readonly write: StateWrite;
      readonly claim: PendingNotification;
      readonly publishes: readonly Publish[];
      readonly channels: readonly DeliveryChannel[];
    });

export type DeliverPlan = Extract<DeliveryPlan, { action: 'deliver' }>;

/** At most this many undelivered notices wait behind a new one; the oldest give way. */
export const MAX_EARLIER = 3;
/** Without a run id, two runs this close together that collided are deliveries of the same run. */
export const SAME_RUN_MS = 20_000;

export function planDelivery(input: PlanInput): DeliveryPlan {
  const { stored, channels, now } = input;
  // A run already recorded keeps its state; only an undelivered notice may still need this run.
  const recorded = stored !== undefined && alreadyRecorded(stored.state, input.runId, now, input.attempt);
  const decided = recorded ? { next: stored.state } : input.decided;
  const { next } = decided;
  const notification = recorded ? undefined : input.decided.notification;
  // A pending notice every configured channel has accepted (chat removed since) is done with.
  const outstanding = stillPending(next.pending, channels);
  // A silence holds every notice, an undelivered one from before it too: nothing is claimed.
  const silenced = isSilenced(next.silence, now);
  const claim = silenced
    ? undefined
    : claimFor(notification, outstanding, now, input.claimTtlMs, input.claimId, channels);
  const held =
    (recorded ? undefined : input.decided.held) ?? (silenced ? outstanding?.notification : undefined);
  const level = next.level;
  const told = { level, ...(held ? { held: held.kind } : {}) };
  if (recorded && !claim) return { action: 'none', ...told };
  if (claim && input.pastDeadline) {
    // Too late to publish: leave the state as it was, so the next run decides the same again.
    return {
      action: 'stop',
      level,
      error: protocolStop('deadline', 'deadline reached before the notice could be claimed'),
    };
  }
  const { pending: _before, ...rest } = next;
  const kept: AlertState = outstanding ? { ...rest, pending: outstanding } : rest;
  const stamped = input.runId && !recorded ? { ...kept, runId: input.runId } : kept;
  const write: StateWrite = {
    state: claim ? { ...stamped, pending: claim } : stamped,
    // The reading joins the history in the same write that records the observation, so a run
    // recorded already (a duplicate delivery) does not count its reading twice.
    history: nextHistory(stored?.history, recorded ? undefined : input.sample),
    expectedVersion: stored?.version ?? 0,
  };
  if (!claim) return { action: 'record', ...told, write };
  return { action: 'deliver', level, write, claim, publishes: publishesOf(claim, channels), channels };
}

function nextHistory(stored: History | undefined, sample: Sample | undefined): History {
  const history = stored ?? EMPTY_HISTORY;
  return sample ? recordReading(history, sample) : history;
}

/** Whether the stored state already holds this run's observation. */
function alreadyRecorded(state: AlertState, runId: string | undefined, now: Date, attempt: number): boolean {
  if (runId !== undefined) return state.runId === runId;
  // After a lost write only: a concurrent delivery recorded this moment first.
  const checkedAt = state.checkedAt;
  return (
    attempt > 0 && checkedAt !== undefined && Math.abs(now.getTime() - Date.parse(checkedAt)) < SAME_RUN_MS
  );
}

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
  claimId: string,
  channels: readonly DeliveryChannel[],
): PendingNotification | undefined {
  const claimable = pending !== undefined && isClaimable(pending, now, claimTtlMs);
  const claim = { claimId, claimedAt: now.toISOString() };
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

function pendingMarks(channels: readonly DeliveryChannel[]): ChannelMarks {
  return Object.fromEntries(channels.map((channel) => [channel, { status: 'pending', attempts: 0 }]));
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

/** Each notice of the claim, oldest first, on each configured channel that has not accepted it. */
function publishesOf(claim: PendingNotification, channels: readonly DeliveryChannel[]): Publish[] {
  return queueOf(claim).flatMap((item, notice) =>
    undelivered(item.channels, channels).map((channel) => ({
      notice,
      channel,
      notification: item.notification,
    })),
  );
}

/** Where a claim's delivery stands after the publishes made so far. */
export interface DeliveryProgress {
  /** Every notice of the claim, oldest first, with its marks now. */
  readonly queue: readonly QueuedNotice[];
  /** One refusal per channel that refused, in the order they refused. */
  readonly refusals: readonly DeliveryError[];
  /** Whether some channel accepted the claim's own notification (the newest). */
  readonly accepted: boolean;
}

export function startDelivery(plan: DeliverPlan): DeliveryProgress {
  const queue = queueOf(plan.claim).map((item) => ({
    notification: item.notification,
    channels: { ...item.channels },
  }));
  return { queue, refusals: [], accepted: false };
}

/** A channel that refused a notice is sent none of the notices behind it in this run: each channel keeps the order. */
export function isHeldBack(progress: DeliveryProgress, publish: Publish): boolean {
  return progress.refusals.some(
    (refusal) => refusal.kind === 'publish' && refusal.channel === publish.channel,
  );
}

function marked(progress: DeliveryProgress, publish: Publish, mark: ChannelMark): QueuedNotice[] {
  return progress.queue.map((item, notice) =>
    notice === publish.notice ? { ...item, channels: { ...item.channels, [publish.channel]: mark } } : item,
  );
}

function attemptsOf(progress: DeliveryProgress, publish: Publish): number {
  return progress.queue[publish.notice]?.channels?.[publish.channel]?.attempts ?? 0;
}

export function afterAccepted(progress: DeliveryProgress, publish: Publish, now: Date): DeliveryProgress {
  const mark: ChannelMark = {
    status: 'delivered',
    deliveredAt: now.toISOString(),
    attempts: attemptsOf(progress, publish),
  };
  return {
    ...progress,
    queue: marked(progress, publish, mark),
    accepted: progress.accepted || publish.notice === progress.queue.length - 1,
  };
}

export function afterRefused(
  progress: DeliveryProgress,
  publish: Publish,
  error: DeliveryError,
): DeliveryProgress {
  const mark: ChannelMark = {
    status: 'pending',
    attempts: attemptsOf(progress, publish) + 1,
    lastError: error.message,
  };
  return { ...progress, queue: marked(progress, publish, mark), refusals: [...progress.refusals, error] };
}

/**
 * The pending item to record under the claim after the accepted publish at `step`, when another
 * publish follows it: a run that dies before its settle leaves the channels it delivered marked,
 * and the run that takes the claim over publishes only on the others. Undefined when the settle
 * comes next.
 */
export function checkpointAfter(
  plan: DeliverPlan,
  progress: DeliveryProgress,
  step: number,
): PendingNotification | undefined {
  const more = plan.publishes.slice(step + 1).some((next) => !isHeldBack(progress, next));
  return more ? withMarks(plan.claim, progress.queue) : undefined;
}

/**
 * The end of a delivery: cleared when every channel accepted every notice, else released (no
 * claim) with what is still undelivered, for the next run.
 */
export type Settlement =
  | { readonly cleared: true }
  | { readonly cleared: false; readonly pending: PendingNotification };

export function settlementOf(plan: DeliverPlan, progress: DeliveryProgress): Settlement {
  if (progress.refusals.length === 0) return { cleared: true };
  const remaining = progress.queue.filter((item) => undelivered(item.channels, plan.channels).length > 0);
  const { claimId: _id, claimedAt: _at, ...released } = withMarks(plan.claim, remaining);
  const lastError = publishErrorText(progress.refusals);
  return {
    cleared: false,
    pending: { ...released, attempts: plan.claim.attempts + 1, ...(lastError ? { lastError } : {}) },
  };
}

/** The state a settle writes over the state as found. */
export function settled(state: AlertState, settlement: Settlement): AlertState {
  if (settlement.cleared) {
    const { pending: _sent, ...others } = state;
    return others;
  }
  return { ...state, pending: settlement.pending };
}

/**
 * A checkpoint or a settle touches the pending item only while it is still under this claim: a
 * newer run may have replaced it meanwhile, and its claim is not ours to touch.
 */
export function holdsClaim(state: AlertState, claim: PendingNotification): boolean {
  return state.pending?.claimId === claim.claimId;
}
