import type { AccountConfig, AlertPolicy } from './config.js';
import type { Forecast } from './forecast-types.js';
import type { Episode, Notification, NotificationKind } from './notification.js';
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
  | { readonly ok: true; readonly balance: Balance; readonly forecast?: Forecast }
  | { readonly ok: false; readonly failure: Failure };

export interface Transition {
  readonly next: AlertState;
  readonly notification?: Notification;
  /** The notification the rules decided while the account is silenced: logged, never delivered. */
  readonly held?: Notification;
}

const HOUR_MS = 3_600_000;

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
 */
export function transition(
  previous: AlertState | undefined,
  observation: Observation,
  now: Date,
  account: AccountConfig,
): Transition {
  const decided = observation.ok
    ? afterSuccess(previous, observation.balance, observation.forecast, now, account)
    : afterFailure(previous, observation.failure, now, account);
  // Carried here, not in each rule, so no rule can drop what an operator or an earlier run wrote.
  const kept: Pick<AlertState, 'silence' | 'lastNotice'> = {
    ...(previous?.silence ? { silence: previous.silence } : {}),
    ...(previous?.lastNotice ? { lastNotice: previous.lastNotice } : {}),
  };
  const { notification } = decided;
  if (!notification) return { next: { ...decided.next, ...kept } };
  if (isSilenced(previous?.silence, now)) {
    return { next: { ...untold(decided.next, previous), ...kept }, held: notification };
  }
  return {
    next: { ...decided.next, ...kept, lastNotice: { kind: notification.kind, at: notification.at } },
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
  const { lowNotice: _low, forecastNotice: _forecast, failures, ...rest } = next;
  const told = previous?.failures;
  return {
    ...rest,
    ...(previous?.lowNotice ? { lowNotice: previous.lowNotice } : {}),
    ...(previous?.forecastNotice ? { forecastNotice: previous.forecastNotice } : {}),
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

function afterSuccess(
  previous: AlertState | undefined,
  balance: Balance,
  forecast: Forecast | undefined,
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
  const forecastKind =
    level === 'OK' && !balanceKind ? forecastNotice(previous, forecast, now, policy) : undefined;

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
    ...(previous?.pending ? { pending: previous.pending } : {}),
  };

  const kind: NotificationKind | undefined = monitorRecovered
    ? 'monitor-recovered'
    : (balanceKind ?? forecastKind);
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
      at,
      episode: episodeOf(kind, previous, { lowNotice, forecastNotice: forecastState }, at),
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
  next: Pick<AlertState, 'lowNotice' | 'forecastNotice'>,
  at: string,
): Episode {
  switch (kind) {
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
      return 'WARNING';
    default:
      return level;
  }
}
