import type { AccountConfig, AlertPolicy, SpendSpikePolicy } from './config.js';
import type { Forecast } from './forecast-types.js';
import type { SpendRate } from './history.js';
import type { Episode, Notification, NotificationKind, SpendReport } from './notification.js';
import { isSilenced, type Silence } from './silence.js';
import { levelFor, levelWithHysteresis } from './thresholds.js';
import { type Balance, type Failure, type FailureKind, type Level, severityOf } from './types.js';

/** Per-account memory between runs: what the balance was, and who has been told what. */
export interface AlertState {
  /** The balance level; a failed check never changes it. */
  readonly level: Level;
  /** ISO time the level was entered. */
  readonly levelSince: string;
  /** ISO time of the last check recorded, successful or not. */
  readonly checkedAt?: string;
  /** The scheduled run whose observation was recorded last (the scheduler's scheduled time). */
  readonly runId?: string;
  readonly lastBalance?: { readonly amount: number; readonly sms: number; readonly at: string };
  /** The last low-balance notice of the current low episode; `since` is its first (absent in older states). */
  readonly lowNotice?: { readonly level: Level; readonly at: string; readonly since?: string };
  /** The current streak of failed checks, if the last check failed. */
  readonly failures?: {
    readonly kind: FailureKind;
    readonly message: string;
    readonly status?: number;
    readonly count: number;
    readonly since: string;
    /** When recipients were last told about this streak, and which kind they were told of. */
    readonly noticeAt?: string;
    readonly noticeKind?: FailureKind;
  };
  /** The last forecast notice while the balance was above the thresholds; `since` is its first. */
  readonly forecastNotice?: { readonly at: string; readonly daysToEmpty: number; readonly since?: string };
  /**
   * The last spend-spike notice of the current spike episode; `since` is its first, `calmSince`
   * the first run of the calm stretch that ends the episode after SPIKE_CALM_HOURS.
   */
  readonly spikeNotice?: { readonly at: string; readonly since: string; readonly calmSince?: string };
  /**
   * Notices decided per UTC day (days since the epoch), for the last NOTICE_DAYS days only: the
   * weekly digest's count, in a few bytes. Absent in states written before it was kept.
   */
  readonly noticesSent?: readonly NoticeDay[];
  /** A decided notification SNS has not accepted yet: claimed by a run, or released for a retry. */
  readonly pending?: PendingNotification;
  /** Set by an operator (npm run silence); the alert rules carry it through every run untouched. */
  readonly silence?: Silence;
  /** The last notice decided for delivery (it may still be pending), for `npm run status`. */
  readonly lastNotice?: { readonly kind: NotificationKind; readonly at: string };
}

/**
 * The channels a notice goes out on: the main topic (one publish carries email, SMS and https) and,
 * when chat is configured, the chat topic. Each is delivered to once, on its own.
 */
export type DeliveryChannel = 'topic' | 'chat';
export const DELIVERY_CHANNELS: readonly DeliveryChannel[] = ['topic', 'chat'];

/** Where one notice stands on one channel. */
export interface ChannelMark {
  readonly status: 'pending' | 'delivered';
  /** When SNS accepted it on this channel. */
  readonly deliveredAt?: string;
  /** Publishes this channel refused so far. */
  readonly attempts: number;
  readonly lastError?: string;
}

/**
 * A notice's marks per channel. A configured channel without a `delivered` mark still needs the
 * notice (a pending item stored before channels were marked has none: every configured channel
 * gets it, and no earlier release published an account notice to chat); a mark of a channel no
 * longer configured is ignored.
 */
export type ChannelMarks = { readonly [channel in DeliveryChannel]?: ChannelMark };

/** An older undelivered notice waiting behind a newer one, with its own marks. */
export interface QueuedNotice {
  readonly notification: Notification;
  readonly channels?: ChannelMarks;
}

export interface NoticeDay {
  readonly day: number;
  readonly count: number;
}

/** A week and the day it began on, so the digest's seven days are always covered. */
export const NOTICE_DAYS = 8;
const DAY_MS = 86_400_000;

/** The day counts with one more notice on `now`'s day, the days older than NOTICE_DAYS dropped. */
export function countNotice(days: readonly NoticeDay[] | undefined, now: Date): NoticeDay[] {
  const today = Math.floor(now.getTime() / DAY_MS);
  const kept = (days ?? []).filter((d) => d.day > today - NOTICE_DAYS && d.day < today);
  const todays = (days ?? []).find((d) => d.day === today)?.count ?? 0;
  return [...kept, { day: today, count: todays + 1 }];
}

/** Notices decided in the seven days up to `now` (today and the six before it). */
export function noticesInWeek(days: readonly NoticeDay[] | undefined, now: Date): number {
  const today = Math.floor(now.getTime() / DAY_MS);
  return (days ?? []).filter((d) => d.day > today - 7 && d.day <= today).reduce((sum, d) => sum + d.count, 0);
}

export interface PendingNotification {
  readonly notification: Notification;
  /** Where `notification` stands on each channel. */
  readonly channels?: ChannelMarks;
  /** Older undelivered notices that a newer decision joined; published first, oldest first. */
  readonly earlier?: readonly QueuedNotice[];
  /** Set while a run is publishing it; a claim older than the claim TTL is taken over. */
  readonly claimId?: string;
  readonly claimedAt?: string;
  /** Runs whose publish some channel refused. */
  readonly attempts: number;
  /** The last refusal, prefixed with its channel. */
  readonly lastError?: string;
}

/** What one run learned about an account: a balance (with its forecast, when known), or why it could not. */
export type Observation =
  | {
      readonly ok: true;
      readonly balance: Balance;
      readonly forecast?: Forecast;
      /** The newest hour's use in TL against the week's median hour, when the history has any. */
      readonly spend?: SpendRate;
    }
  | { readonly ok: false; readonly failure: Failure };

export interface Transition {
  readonly next: AlertState;
  readonly notification?: Notification;
  /** The notification the rules decided while the account is silenced: logged, never delivered. */
  readonly held?: Notification;
}

const HOUR_MS = 3_600_000;
/** A median hour over fewer hours than a day says nothing about what is normal for the account. */
export const SPIKE_BASELINE_HOURS = 24;
/** The burn must stay under this multiple of normal ... */
export const SPIKE_CALM_MULTIPLE = 2;
/** ... for this many hours for a spike episode to end. */
export const SPIKE_CALM_HOURS = 2;

function hoursBetween(fromIso: string, now: Date): number {
  return (now.getTime() - Date.parse(fromIso)) / HOUR_MS;
}

/** auth and config failures do not heal by waiting: they are announced on their first occurrence. */
function announcedAtOnce(kind: FailureKind): boolean {
  return kind === 'auth' || kind === 'config';
}

/**
 * The alert rules, one run at a time. Pure: the previous state, this run's observation, the time
 * and the account's thresholds and policy in; the next state and at most one notification out.
 *
 * Balance level (a failed check never changes it, never counts as a zero balance):
 *  - first run: OK is silent, a low level notifies;
 *  - a worse level (OK→WARNING, WARNING→CRITICAL, OK→CRITICAL) notifies now;
 *  - the same low level notifies again only after its level's reminder interval;
 *  - a better but still low level (CRITICAL→WARNING) is recorded silently; reminders go on at its pace;
 *  - back to OK (past the recovery margin) after a low notice: one recovery notice.
 * Check failures:
 *  - auth and config notify on their first occurrence; transient and invalid-response after N in a row;
 *  - failure notices are reminded after the failure reminder interval;
 *  - the first success after a failure notice sends "monitor recovered" with the balance status.
 * Forecast (only while the level is OK; a low notice already carries the forecast):
 *  - runs out within the forecast days: notify, remind like WARNING, and say when it has cleared.
 * Spend spike (at any level; top-ups are never use):
 *  - the newest hour's use at least `multiple` x the week's median hour and at least the floor:
 *    notify, remind like WARNING while the burn stays above 2 x normal;
 *  - cleared once the burn has stayed under 2 x normal for 2 hours.
 * One notice a run: monitor-recovered, then the balance, then the spike, then the forecast. A
 * notice not sent for a more important one leaves its state as it was, so the next run sends it.
 */
export function transition(
  previous: AlertState | undefined,
  observation: Observation,
  now: Date,
  account: AccountConfig,
): Transition {
  const decided = observation.ok
    ? afterSuccess(previous, observation.balance, observation.forecast, observation.spend, now, account)
    : afterFailure(previous, observation.failure, now, account);
  // Carried here, not in each rule, so no rule can drop what an operator or an earlier run wrote.
  const kept: Pick<AlertState, 'silence' | 'lastNotice'> = {
    ...(previous?.silence ? { silence: previous.silence } : {}),
    ...(previous?.lastNotice ? { lastNotice: previous.lastNotice } : {}),
  };
  const { notification } = decided;
  if (!notification) return { next: { ...decided.next, ...kept } };
  if (isSilenced(previous?.silence, now)) {
    // A held notice is neither told nor counted among the notices the digest reports as sent.
    return { next: { ...untold(decided.next, previous), ...kept }, held: notification };
  }
  return {
    next: {
      ...decided.next,
      ...kept,
      lastNotice: { kind: notification.kind, at: notification.at },
      noticesSent: countNotice(decided.next.noticesSent, now),
    },
    notification,
  };
}

/**
 * Silences: the state advances (level, balance, failure count) but a held notice is not marked as
 * told: the record of what recipients heard stays as it was before the notice. When the silence
 * ends, the ordinary rules compare the current state with what recipients last heard and send
 * the one notice that calls for, not a backlog: a CRITICAL that began while silenced is announced
 * once as a low at CRITICAL; a low that began and recovered while silenced sends nothing; a low
 * announced before the silence that recovered during it sends its recovery. Keeping the latest
 * held notice instead would deliver a stale one (a "low" for a balance topped up since).
 * One loss is accepted: a check failure announced before the silence that healed during it sends
 * no "monitor recovered", since the state keeps no failure streak after a success; the next
 * balance notice, and `npm run status`, show the check working.
 */
function untold(next: AlertState, previous: AlertState | undefined): AlertState {
  const { lowNotice: _low, forecastNotice: _forecast, spikeNotice: _spike, failures, ...rest } = next;
  const told = previous?.failures;
  return {
    ...rest,
    ...(previous?.lowNotice ? { lowNotice: previous.lowNotice } : {}),
    ...(previous?.forecastNotice ? { forecastNotice: previous.forecastNotice } : {}),
    ...(previous?.spikeNotice ? { spikeNotice: previous.spikeNotice } : {}),
    ...(failures
      ? {
          failures: {
            ...withoutNotice(failures),
            ...(told && told.since === failures.since ? pickNotice(told) : {}),
          },
        }
      : {}),
  };
}

function withoutNotice(failures: NonNullable<AlertState['failures']>): NonNullable<AlertState['failures']> {
  const { noticeAt: _at, noticeKind: _kind, ...rest } = failures;
  return rest;
}

function afterFailure(
  previous: AlertState | undefined,
  failure: Failure,
  now: Date,
  account: AccountConfig,
): Transition {
  const at = now.toISOString();
  const policy = account.policy;
  const state: AlertState = previous ?? { level: 'OK', levelSince: at };
  const streak = state.failures;
  const count = (streak?.count ?? 0) + 1;
  const since = streak?.since ?? at;
  const worthTelling = announcedAtOnce(failure.kind) || count >= policy.failuresBeforeAlert;

  let kind: NotificationKind | undefined;
  if (worthTelling) {
    if (streak?.noticeAt === undefined) kind = 'check-failed';
    // The advice differs by kind (a 401 needs a person, a 503 needs patience): tell again on such a change.
    else if (announcedAtOnce(failure.kind) && streak.noticeKind !== failure.kind) kind = 'check-failed';
    else if (hoursBetween(streak.noticeAt, now) >= policy.failureReminderHours)
      kind = 'check-failed-reminder';
  }

  const failures = {
    kind: failure.kind,
    message: failure.message,
    ...(failure.status === undefined ? {} : { status: failure.status }),
    count,
    since,
    ...(kind ? { noticeAt: at, noticeKind: failure.kind } : pickNotice(streak)),
  };
  const next: AlertState = { ...state, checkedAt: at, failures };
  if (!kind) return { next };
  return {
    next,
    notification: {
      kind,
      account: account.name,
      severity: 'CRITICAL',
      level: state.level,
      ...lastKnownBalance(state),
      failure: {
        kind: failure.kind,
        message: failure.message,
        ...(failure.status === undefined ? {} : { status: failure.status }),
        count,
        since,
      },
      at,
      episode: { topic: 'check', since },
    },
  };
}

function pickNotice(streak: AlertState['failures']): { noticeAt?: string; noticeKind?: FailureKind } {
  if (streak?.noticeAt === undefined || streak.noticeKind === undefined) return {};
  return { noticeAt: streak.noticeAt, noticeKind: streak.noticeKind };
}

function lastKnownBalance(state: AlertState): { balance?: Balance; balanceAt?: string } {
  if (!state.lastBalance) return {};
  return {
    balance: { amount: state.lastBalance.amount, sms: state.lastBalance.sms },
    balanceAt: state.lastBalance.at,
  };
}

/** The balance rule alone: which notice, if any, this level change deserves. */
function balanceNotice(
  previous: AlertState | undefined,
  level: Level,
  now: Date,
  account: AccountConfig,
): 'low' | 'low-reminder' | 'recovered' | undefined {
  const notice = previous?.lowNotice;
  if (level === 'OK') return notice ? 'recovered' : undefined;
  // Worse than the level before, or than the level last told (it worsened during a silence).
  if (!notice || severityOf(level) > severityOf(previous?.level ?? 'OK')) return 'low';
  if (severityOf(level) > severityOf(notice.level)) return 'low';
  if (hoursBetween(notice.at, now) >= account.policy.reminderHours[level]) return 'low-reminder';
  return undefined;
}

/** The forecast rule alone, consulted only while the balance is above the thresholds. */
function forecastNotice(
  previous: AlertState | undefined,
  forecast: Forecast | undefined,
  now: Date,
  policy: AlertPolicy,
): 'forecast' | 'forecast-reminder' | 'forecast-cleared' | undefined {
  if (policy.forecastDays <= 0) return previous?.forecastNotice ? 'forecast-cleared' : undefined;
  const notice = previous?.forecastNotice;
  const runsOutSoon = forecast !== undefined && forecast.daysToEmpty <= policy.forecastDays;
  if (runsOutSoon) {
    if (!notice) return 'forecast';
    return hoursBetween(notice.at, now) >= policy.reminderHours.WARNING ? 'forecast-reminder' : undefined;
  }
  // The same margin as for levels keeps a forecast hovering at the limit from flapping.
  const clearedBeyond = policy.forecastDays * (1 + policy.recoveryMarginPercent / 100);
  if (notice && (forecast === undefined || forecast.daysToEmpty > clearedBeyond)) return 'forecast-cleared';
  return undefined;
}

/** Whether the newest hour is a spike, calm, or in between (still elevated); unknown without a baseline. */
function spendCondition(
  spend: SpendRate | undefined,
  policy: SpendSpikePolicy,
): 'spike' | 'calm' | 'elevated' | undefined {
  if (!spend || spend.hours < SPIKE_BASELINE_HOURS) return undefined;
  const { lastHour, medianHour } = spend;
  // No use is never a spike, whatever the floor (with a median of 0, 0 >= 5 x 0 would hold).
  if (lastHour > 0 && lastHour >= policy.floorAmount && lastHour >= policy.multiple * medianHour)
    return 'spike';
  // An account with no normal use (median 0) is calm again below the floor.
  if (lastHour < SPIKE_CALM_MULTIPLE * medianHour || (medianHour <= 0 && lastHour < policy.floorAmount))
    return 'calm';
  return 'elevated';
}

type SpikeKind = 'spend-spike' | 'spend-spike-reminder' | 'spend-spike-cleared';

/** The spike rule alone: the notice it calls for and the spike state that notice leaves. */
function spikeNotice(
  previous: AlertState | undefined,
  spend: SpendRate | undefined,
  now: Date,
  policy: AlertPolicy,
): { kind?: SpikeKind; state: AlertState['spikeNotice'] } {
  const notice = previous?.spikeNotice;
  const at = now.toISOString();
  if (policy.spendSpike === false)
    return notice ? { kind: 'spend-spike-cleared', state: undefined } : { state: undefined };
  const condition = spendCondition(spend, policy.spendSpike);
  if (!notice)
    return condition === 'spike' ? { kind: 'spend-spike', state: { at, since: at } } : { state: undefined };
  if (condition === 'calm') {
    const calmSince = notice.calmSince ?? at;
    if (hoursBetween(calmSince, now) >= SPIKE_CALM_HOURS)
      return { kind: 'spend-spike-cleared', state: undefined };
    return { state: { ...notice, calmSince } };
  }
  if (condition === undefined) return { state: notice };
  const { calmSince: _broken, ...open } = notice;
  if (hoursBetween(notice.at, now) >= policy.reminderHours.WARNING)
    return { kind: 'spend-spike-reminder', state: { ...open, at } };
  return { state: open };
}

/** The spike's figures for the notice: the burn, its multiple of normal, and the days left at that pace. */
function spendReport(spend: SpendRate | undefined, balance: Balance): SpendReport | undefined {
  if (!spend) return undefined;
  const perHour = spend.lastHour;
  return {
    burnPerHour: perHour,
    normalPerHour: spend.medianHour,
    ...(spend.medianHour > 0 ? { multiple: Math.round((perHour / spend.medianHour) * 10) / 10 } : {}),
    ...(perHour > 0 ? { daysLeft: Math.max(0, balance.amount) / perHour / 24 } : {}),
  };
}

function afterSuccess(
  previous: AlertState | undefined,
  balance: Balance,
  forecast: Forecast | undefined,
  spend: SpendRate | undefined,
  now: Date,
  account: AccountConfig,
): Transition {
  const at = now.toISOString();
  const { thresholds, policy } = account;
  const previousLevel = previous?.level;
  const level = previousLevel
    ? levelWithHysteresis(balance, thresholds, previousLevel, policy.recoveryMarginPercent)
    : levelFor(balance, thresholds);

  const balanceKind = balanceNotice(previous, level, now, account);
  const monitorRecovered = previous?.failures?.noticeAt !== undefined;
  const spike = spikeNotice(previous, spend, now, policy);
  // A spike notice that must wait for a more important one is decided again by the next run.
  const spikeKind = monitorRecovered || balanceKind ? undefined : spike.kind;
  const spikeState = spike.kind && !spikeKind ? previous?.spikeNotice : spike.state;
  const forecastKind =
    level === 'OK' && !balanceKind && !spikeKind
      ? forecastNotice(previous, forecast, now, policy)
      : undefined;

  let lowNotice = previous?.lowNotice;
  if (balanceKind === 'recovered') lowNotice = undefined;
  if (balanceKind === 'low' || balanceKind === 'low-reminder') {
    lowNotice = { level, at, since: lowEpisodeSince(previous, at) };
  }

  let forecastState = level === 'OK' ? previous?.forecastNotice : undefined;
  if (forecastKind === 'forecast' || forecastKind === 'forecast-reminder') {
    const since = (forecastKind === 'forecast-reminder' && previous?.forecastNotice?.since) || at;
    forecastState = { at, daysToEmpty: forecast?.daysToEmpty ?? 0, since };
  }
  if (forecastKind === 'forecast-cleared') forecastState = undefined;

  const next: AlertState = {
    level,
    levelSince: previous && previousLevel === level ? previous.levelSince : at,
    checkedAt: at,
    lastBalance: { amount: balance.amount, sms: balance.sms, at },
    ...(lowNotice ? { lowNotice } : {}),
    ...(forecastState ? { forecastNotice: forecastState } : {}),
    ...(spikeState ? { spikeNotice: spikeState } : {}),
    ...(previous?.silence ? { silence: previous.silence } : {}),
    ...(previous?.noticesSent ? { noticesSent: previous.noticesSent } : {}),
    ...(previous?.pending ? { pending: previous.pending } : {}),
  };

  const kind: NotificationKind | undefined = monitorRecovered
    ? 'monitor-recovered'
    : (balanceKind ?? spikeKind ?? forecastKind);
  const spendFigures = spikeKind ? spendReport(spend, balance) : undefined;
  if (!kind) return { next };
  return {
    next,
    notification: {
      kind,
      account: account.name,
      severity: severityFor(kind, level, previous),
      level,
      ...(previousLevel ? { previousLevel } : {}),
      balance: { amount: balance.amount, sms: balance.sms },
      balanceAt: at,
      ...(forecast ? { forecast } : {}),
      ...(spendFigures ? { spend: spendFigures } : {}),
      at,
      episode: episodeOf(
        kind,
        previous,
        { lowNotice, forecastNotice: forecastState, spikeNotice: spikeState },
        at,
      ),
    },
  };
}

/**
 * A low episode begins with its first low notice; a worse level (WARNING to CRITICAL) continues
 * it. A state from before episodes were recorded falls back to the time the level was entered.
 */
function lowEpisodeSince(previous: AlertState | undefined, at: string): string {
  const notice = previous?.lowNotice;
  if (!notice) return at;
  return notice.since ?? previous?.levelSince ?? notice.at;
}

/** The episode a success notice opens, continues or resolves (the one before this run, for a resolution). */
function episodeOf(
  kind: NotificationKind,
  previous: AlertState | undefined,
  next: Pick<AlertState, 'lowNotice' | 'forecastNotice' | 'spikeNotice'>,
  at: string,
): Episode {
  switch (kind) {
    case 'spend-spike-cleared':
      return { topic: 'spend', since: previous?.spikeNotice?.since ?? at };
    case 'spend-spike':
    case 'spend-spike-reminder':
      return { topic: 'spend', since: next.spikeNotice?.since ?? at };
    case 'monitor-recovered':
      return { topic: 'check', since: previous?.failures?.since ?? at };
    case 'recovered':
      return { topic: 'balance', since: previous?.lowNotice ? lowEpisodeSince(previous, at) : at };
    case 'forecast-cleared':
      return {
        topic: 'forecast',
        since: previous?.forecastNotice?.since ?? previous?.forecastNotice?.at ?? at,
      };
    case 'forecast':
    case 'forecast-reminder':
      return { topic: 'forecast', since: next.forecastNotice?.since ?? at };
    default:
      return { topic: 'balance', since: next.lowNotice?.since ?? at };
  }
}

/**
 * The `severity` attribute subscriptions filter on. A closing notice carries the severity of what
 * it closes, so whoever heard "CRITICAL" also hears "recovered".
 */
function severityFor(kind: NotificationKind, level: Level, previous: AlertState | undefined): Level {
  switch (kind) {
    case 'monitor-recovered':
      return 'CRITICAL';
    case 'recovered':
      return previous?.lowNotice?.level ?? 'WARNING';
    case 'forecast':
    case 'forecast-reminder':
    case 'forecast-cleared':
    case 'spend-spike':
    case 'spend-spike-reminder':
    case 'spend-spike-cleared':
      return 'WARNING';
    default:
      return level;
  }
}
