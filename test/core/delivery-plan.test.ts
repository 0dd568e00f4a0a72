import { describe, expect, it } from 'vitest';
import type {
  AlertState,
  ChannelMarks,
  DeliveryChannel,
  PendingNotification,
  QueuedNotice,
  Transition,
} from '../../lambda/core/alert-state.js';
import type { DeliveryError } from '../../lambda/core/delivery-error.js';
import {
  afterAccepted,
  afterRefused,
  checkpointAfter,
  type DeliverPlan,
  type DeliveryPlan,
  holdsClaim,
  isHeldBack,
  MAX_EARLIER,
  type PlanInput,
  planDelivery,
  SAME_RUN_MS,
  settled,
  settlementOf,
  startDelivery,
} from '../../lambda/core/delivery-plan.js';
import type { Notification, NotificationKind } from '../../lambda/core/notification.js';
import type { StoredState } from '../../lambda/core/ports.js';

/**
 * The delivery protocol's rules, one test each, against the pure planner: the stored item, what
 * the alert rules decided, the channels, the clock, the claim TTL and the run id in; what to
 * write, claim and publish out, and what each publish's outcome leaves to write.
 */

const T0 = Date.parse('2026-11-02T06:00:00Z');
const MINUTE = 60_000;
const TTL = 5 * MINUTE;
const BOTH: readonly DeliveryChannel[] = ['topic', 'chat'];

const at = (minutes: number): Date => new Date(T0 + minutes * MINUTE);
const iso = (minutes: number): string => at(minutes).toISOString();

function notice(kind: NotificationKind, minutes = 0): Notification {
  return {
    kind,
    account: 'main',
    severity: 'WARNING',
    level: 'WARNING',
    at: iso(minutes),
    episode: { topic: 'balance', since: iso(minutes) },
  };
}

const low = notice('low');
const recovered = notice('recovered', 15);
const lowAgain = notice('low', 30);

const state = (fields: Partial<AlertState> = {}): AlertState => ({
  level: 'WARNING',
  levelSince: iso(0),
  checkedAt: iso(0),
  ...fields,
});

const stored = (fields: Partial<AlertState> = {}, version = 3): StoredState => ({
  state: state(fields),
  version,
  history: { hours: [] },
});

const delivered = (minutes = 0): NonNullable<ChannelMarks['topic']> => ({
  status: 'delivered',
  deliveredAt: iso(minutes),
  attempts: 0,
});
const refusedMark = { status: 'pending', attempts: 1, lastError: 'SnsPublishError: Rate exceeded' } as const;

/** The alert rules' answer: the next state (the stored one advanced by a check) and a notice, or none. */
function decided(from: StoredState | undefined, notification?: Notification, minutes = 15): Transition {
  const next = { ...(from?.state ?? state()), checkedAt: iso(minutes) };
  return notification ? { next, notification } : { next };
}

function plan(overrides: Partial<PlanInput> & Pick<PlanInput, 'stored' | 'decided'>): DeliveryPlan {
  return planDelivery({
    channels: BOTH,
    now: at(15),
    claimTtlMs: TTL,
    attempt: 0,
    claimId: 'mine',
    pastDeadline: false,
    ...overrides,
  });
}

function deliverPlan(overrides: Partial<PlanInput> & Pick<PlanInput, 'stored' | 'decided'>): DeliverPlan {
  const p = plan(overrides);
  if (p.action !== 'deliver') throw new Error(`expected a delivery, got ${p.action}`);
  return p;
}

const publishes = (p: DeliveryPlan): string[] =>
  p.action === 'deliver'
    ? p.publishes.map((x) => `${x.notification.kind}@${x.notification.at}>${x.channel}`)
    : [];

const refusal = (channel: DeliveryChannel): DeliveryError => ({
  kind: 'publish',
  channel,
  code: 'ThrottledException',
  message: 'SnsPublishError: Rate exceeded',
});

describe('deciding what an attempt writes and publishes', () => {
  it('a run with no notice to send records its state and claims nothing', () => {
    const before = stored();
    const p = plan({ stored: before, decided: decided(before) });

    expect(p).toEqual({
      action: 'record',
      level: 'WARNING',
      write: { state: { ...before.state, checkedAt: iso(15) }, history: { hours: [] }, expectedVersion: 3 },
    });
  });

  it('the first run of an account writes its item at version 0', () => {
    const p = plan({ stored: undefined, decided: decided(undefined) });

    expect(p.action === 'record' && p.write.expectedVersion).toBe(0);
  });

  it('a decided notice is written as this run’s claim, pending on every configured channel, before anything is published', () => {
    const before = stored();
    const p = deliverPlan({ stored: before, decided: decided(before, low) });

    expect(p.write.state.pending).toEqual({
      notification: low,
      channels: { topic: { status: 'pending', attempts: 0 }, chat: { status: 'pending', attempts: 0 } },
      claimId: 'mine',
      claimedAt: iso(15),
      attempts: 0,
    });
    expect(p.claim).toEqual(p.write.state.pending);
  });

  it('a claimed notice is published on the topic first, then on chat', () => {
    const before = stored();
    const p = plan({ stored: before, decided: decided(before, low) });

    expect(publishes(p)).toEqual([`low@${iso(0)}>topic`, `low@${iso(0)}>chat`]);
  });

  it('without chat configured a notice is claimed and published on the topic alone', () => {
    const before = stored();
    const p = deliverPlan({ stored: before, decided: decided(before, low), channels: ['topic'] });

    expect(publishes(p)).toEqual([`low@${iso(0)}>topic`]);
    expect(p.claim.channels).toEqual({ topic: { status: 'pending', attempts: 0 } });
  });

  it('this run’s reading joins the history in the write that records its observation', () => {
    const before = stored();
    const p = plan({
      stored: before,
      decided: decided(before),
      sample: { at: iso(15), amount: 80, sms: 520 },
    });

    expect(p.action === 'record' && p.write.history.last).toEqual({
      at: at(15).getTime(),
      amount: 80,
      sms: 520,
    });
  });

  it('a new run id is stamped into the state it records', () => {
    const before = stored({ runId: 'T-1' });
    const p = plan({ stored: before, decided: decided(before), runId: 'T0' });

    expect(p.action === 'record' && p.write.state.runId).toBe('T0');
  });
});

describe('notices left undelivered', () => {
  it('a notice released by an earlier run is claimed and published again when nothing new is decided', () => {
    const before = stored({ pending: { notification: low, attempts: 1, lastError: 'topic: x' } });
    const p = deliverPlan({ stored: before, decided: decided(before) });

    expect(p.claim).toMatchObject({ notification: low, claimId: 'mine', claimedAt: iso(15), attempts: 1 });
    expect(publishes(p)).toEqual([`low@${iso(0)}>topic`, `low@${iso(0)}>chat`]);
  });

  it('a notice stored before channels were marked goes to every configured channel', () => {
    const before = stored({ pending: { notification: low, attempts: 1 } });

    expect(publishes(plan({ stored: before, decided: decided(before) }))).toEqual([
      `low@${iso(0)}>topic`,
      `low@${iso(0)}>chat`,
    ]);
  });

  it('an undelivered notice is published only on the channels that have not accepted it', () => {
    const before = stored({
      pending: { notification: low, channels: { topic: delivered(), chat: refusedMark }, attempts: 1 },
    });

    expect(publishes(plan({ stored: before, decided: decided(before) }))).toEqual([`low@${iso(0)}>chat`]);
  });

  it('older undelivered notices go out before a new one, oldest first, each on its own channels', () => {
    const before = stored({
      pending: {
        notification: recovered,
        channels: { topic: delivered(15), chat: refusedMark },
        earlier: [{ notification: low, channels: { topic: delivered(), chat: refusedMark } }],
        attempts: 1,
      },
    });
    const p = deliverPlan({ stored: before, decided: decided(before, lowAgain, 30), now: at(30) });

    expect(publishes(p)).toEqual([
      `low@${iso(0)}>chat`,
      `recovered@${iso(15)}>chat`,
      `low@${iso(30)}>topic`,
      `low@${iso(30)}>chat`,
    ]);
    expect(p.claim.notification).toEqual(lowAgain);
    expect(p.claim.earlier?.map((n) => n.notification.kind)).toEqual(['low', 'recovered']);
  });

  it(`at most ${MAX_EARLIER} older notices wait behind a new one; the oldest give way`, () => {
    const older: QueuedNotice[] = [1, 2, 3].map((m) => ({ notification: notice('low-reminder', m) }));
    const before = stored({ pending: { notification: notice('recovered', 4), earlier: older, attempts: 1 } });
    const p = deliverPlan({ stored: before, decided: decided(before, lowAgain, 30), now: at(30) });

    expect(p.claim.earlier?.map((n) => n.notification.at)).toEqual([iso(2), iso(3), iso(4)]);
  });

  it('a pending notice every configured channel has accepted is dropped from the state, unpublished', () => {
    const before = stored({
      pending: { notification: low, channels: { topic: delivered(), chat: refusedMark }, attempts: 1 },
    });
    const p = plan({ stored: before, decided: decided(before), channels: ['topic'] });

    expect(p.action).toBe('record');
    expect(p.action === 'record' && p.write.state.pending).toBeUndefined();
  });

  it('an older notice every channel has accepted leaves the queue; the ones still undelivered stay', () => {
    const before = stored({
      pending: {
        notification: recovered,
        channels: { topic: refusedMark },
        earlier: [{ notification: low, channels: { topic: delivered(), chat: refusedMark } }],
        attempts: 1,
      },
    });
    const p = plan({ stored: before, decided: decided(before), channels: ['topic'] });

    expect(publishes(p)).toEqual([`recovered@${iso(15)}>topic`]);
    expect(p.action === 'deliver' && p.claim.earlier).toBeUndefined();
  });
});

describe('claims', () => {
  const claimed = (minutes: number): PendingNotification => ({
    notification: low,
    channels: { topic: delivered(), chat: { status: 'pending', attempts: 0 } },
    claimId: 'other',
    claimedAt: iso(minutes),
    attempts: 0,
  });

  it('a notice under another run’s live claim is left to that run: the state is recorded, the claim untouched', () => {
    const before = stored({ pending: claimed(14) });
    const p = plan({ stored: before, decided: decided(before) });

    expect(p.action).toBe('record');
    expect(p.action === 'record' && p.write.state.pending).toEqual(claimed(14));
  });

  it('a claim as old as the claim TTL belongs to a run that died and is taken over, on the channels it did not deliver', () => {
    const before = stored({ pending: claimed(10) });
    const p = deliverPlan({ stored: before, decided: decided(before) });

    expect(p.claim).toMatchObject({ claimId: 'mine', claimedAt: iso(15) });
    expect(publishes(p)).toEqual([`low@${iso(0)}>chat`]);
  });

  it('a new notice replaces one under a live claim without queueing it: its run is publishing it', () => {
    const before = stored({ pending: claimed(14) });
    const p = deliverPlan({ stored: before, decided: decided(before, lowAgain, 30), now: at(15) });

    expect(p.claim.earlier).toBeUndefined();
    expect(publishes(p)).toEqual([`low@${iso(30)}>topic`, `low@${iso(30)}>chat`]);
  });

  it('a settle or checkpoint touches the pending item only while it is under this claim', () => {
    const mine = deliverPlan({ stored: stored(), decided: decided(stored(), low) }).claim;

    expect(holdsClaim(state({ pending: mine }), mine)).toBe(true);
    expect(holdsClaim(state({ pending: { ...mine, claimId: 'newer' } }), mine)).toBe(false);
    expect(holdsClaim(state(), mine)).toBe(false);
  });
});

describe('silences', () => {
  const silence = { until: iso(60), reason: 'maintenance', since: iso(0) };

  it('a notice decided while silenced is recorded as held, neither claimed nor published', () => {
    const before = stored({ silence });
    const p = plan({ stored: before, decided: { next: before.state, held: low } });

    expect(p).toMatchObject({ action: 'record', held: 'low' });
    expect(p.action === 'record' && p.write.state.pending).toBeUndefined();
  });

  it('an undelivered notice from before a silence waits for its end, named held', () => {
    const pending: PendingNotification = { notification: low, attempts: 1 };
    const before = stored({ silence, pending });
    const p = plan({ stored: before, decided: decided(before) });

    expect(p).toMatchObject({ action: 'record', held: 'low' });
    expect(p.action === 'record' && p.write.state.pending).toEqual(pending);
  });

  it('once the silence has ended, the notice it held back is claimed', () => {
    const before = stored({ silence, pending: { notification: low, attempts: 1 } });

    expect(plan({ stored: before, decided: decided(before, undefined, 60), now: at(60) }).action).toBe(
      'deliver',
    );
  });
});

describe('duplicate deliveries of one scheduled run', () => {
  it('a run whose id is recorded already writes nothing and publishes nothing, whatever the rules decide again', () => {
    const before = stored({ runId: 'T0' });
    const p = plan({ stored: before, decided: decided(before, low), runId: 'T0' });

    expect(p).toEqual({ action: 'none', level: 'WARNING' });
  });

  it('a duplicate delivery finishes a notice left undelivered without recording its observation again', () => {
    const before = stored({ runId: 'T0', pending: { notification: low, attempts: 1 } });
    const p = deliverPlan({
      stored: before,
      decided: decided(before, recovered),
      sample: { at: iso(15), amount: 500, sms: 3000 },
      runId: 'T0',
    });

    expect(p.write.state).toEqual({ ...before.state, pending: p.claim });
    expect(p.write.history).toEqual(before.history);
    expect(publishes(p)).toEqual([`low@${iso(0)}>topic`, `low@${iso(0)}>chat`]);
  });

  it(`without a run id, a write lost to a run that checked less than ${SAME_RUN_MS / 1000} s before is taken for the same run`, () => {
    const before = stored({ checkedAt: iso(15) });
    const now = new Date(at(15).getTime() + SAME_RUN_MS - 1);

    expect(plan({ stored: before, decided: decided(before, low), now, attempt: 1 }).action).toBe('none');
  });

  it('without a run id, the first attempt always records its own observation', () => {
    const before = stored({ checkedAt: iso(15) });

    expect(plan({ stored: before, decided: decided(before, low), attempt: 0 }).action).toBe('deliver');
  });

  it(`without a run id, a run that checked ${SAME_RUN_MS / 1000} s or more before is another run`, () => {
    const before = stored({ checkedAt: iso(15) });
    const now = new Date(at(15).getTime() + SAME_RUN_MS);

    expect(plan({ stored: before, decided: decided(before, low), now, attempt: 1 }).action).toBe('deliver');
  });
});

describe('the deadline', () => {
  it('a notice due after the deadline is not claimed, and nothing is written, so the next run decides it again', () => {
    const before = stored();
    const p = plan({ stored: before, decided: decided(before, low), pastDeadline: true });

    expect(p).toEqual({
      action: 'stop',
      level: 'WARNING',
      error: {
        kind: 'store',
        code: 'deadline',
        message: 'deadline reached before the notice could be claimed',
      },
    });
  });

  it('a run past its deadline with nothing to claim still records its state', () => {
    const before = stored();

    expect(plan({ stored: before, decided: decided(before), pastDeadline: true }).action).toBe('record');
  });
});

describe('publishing a claim', () => {
  /** A claim of two notices (an older low, the new recovered) on both channels. */
  const twoNotices = (): DeliverPlan => {
    const before = stored({ pending: { notification: low, attempts: 1 } });
    return deliverPlan({ stored: before, decided: decided(before, recovered) });
  };

  it('an accepted publish marks its channel delivered at the decision time and keeps its refusal count', () => {
    const before = stored({
      pending: { notification: low, channels: { topic: refusedMark, chat: delivered() }, attempts: 1 },
    });
    const p = deliverPlan({ stored: before, decided: decided(before) });
    const [publish] = p.publishes;
    if (!publish) throw new Error('no publish');

    const progress = afterAccepted(startDelivery(p), publish, at(15));

    expect(progress.queue[0]?.channels?.topic).toEqual({
      status: 'delivered',
      deliveredAt: iso(15),
      attempts: 1,
    });
  });

  it('a refused publish leaves its channel pending with one more refusal and the error in words', () => {
    const p = twoNotices();
    const [publish] = p.publishes;
    if (!publish) throw new Error('no publish');

    const progress = afterRefused(startDelivery(p), publish, refusal('topic'));

    expect(progress.queue[0]?.channels?.topic).toEqual(refusedMark);
    expect(progress.refusals).toEqual([refusal('topic')]);
  });

  it('a channel that refused a notice is sent none of the notices behind it in that run; the other channel goes on', () => {
    const p = twoNotices();
    const [first] = p.publishes;
    if (!first) throw new Error('no publish');
    const progress = afterRefused(startDelivery(p), first, refusal('topic'));

    expect(p.publishes.map((x) => `${x.notification.kind}>${x.channel}:${isHeldBack(progress, x)}`)).toEqual([
      'low>topic:true',
      'low>chat:false',
      'recovered>topic:true',
      'recovered>chat:false',
    ]);
  });

  it('after an accepted publish that another one follows, the marks are checkpointed under the claim', () => {
    const p = twoNotices();
    const [first] = p.publishes;
    if (!first) throw new Error('no publish');
    const progress = afterAccepted(startDelivery(p), first, at(15));

    expect(checkpointAfter(p, progress, 0)).toMatchObject({
      claimId: 'mine',
      notification: recovered,
      earlier: [{ notification: low, channels: { topic: delivered(15) } }],
    });
  });

  it('the last publish is followed by the settle, not a checkpoint', () => {
    const p = twoNotices();
    let progress = startDelivery(p);
    for (const publish of p.publishes) progress = afterAccepted(progress, publish, at(15));

    expect(checkpointAfter(p, progress, p.publishes.length - 1)).toBeUndefined();
  });

  it('no checkpoint follows when the publishes left are all on a channel that refused', () => {
    const before = stored();
    const p = deliverPlan({ stored: before, decided: decided(before, low) });
    const [topic, chat] = p.publishes;
    if (!topic || !chat) throw new Error('no publishes');
    // chat first refuses, then the topic accepts: nothing is left to publish after it.
    const progress = afterAccepted(afterRefused(startDelivery(p), chat, refusal('chat')), topic, at(15));

    expect(checkpointAfter(p, progress, 0)).toBeUndefined();
  });

  it('the claim counts as sent once some channel accepted its own notice, not an older one alone', () => {
    const p = twoNotices();
    const [olderOnTopic, , newerOnTopic] = p.publishes;
    if (!olderOnTopic || !newerOnTopic) throw new Error('no publishes');
    const older = afterAccepted(startDelivery(p), olderOnTopic, at(15));

    expect(older.accepted).toBe(false);
    expect(afterAccepted(older, newerOnTopic, at(15)).accepted).toBe(true);
  });
});

describe('settling a claim', () => {
  const claimOf = (before: StoredState, notification?: Notification): DeliverPlan =>
    deliverPlan({ stored: before, decided: decided(before, notification) });

  it('a claim every channel accepted is cleared: the pending item leaves the state', () => {
    const p = claimOf(stored(), low);
    let progress = startDelivery(p);
    for (const publish of p.publishes) progress = afterAccepted(progress, publish, at(15));
    const settlement = settlementOf(p, progress);

    expect(settlement).toEqual({ cleared: true });
    expect(settled(p.write.state, settlement)).toEqual(state({ checkedAt: iso(15) }));
  });

  it('a refused claim is released: no claim, one more attempt, the refusals named by channel, the marks kept', () => {
    const p = claimOf(stored(), low);
    const [topic, chat] = p.publishes;
    if (!topic || !chat) throw new Error('no publishes');
    const progress = afterRefused(afterAccepted(startDelivery(p), topic, at(15)), chat, refusal('chat'));

    expect(settlementOf(p, progress)).toEqual({
      cleared: false,
      pending: {
        notification: low,
        channels: { topic: delivered(15), chat: refusedMark },
        attempts: 1,
        lastError: 'chat: SnsPublishError: Rate exceeded',
      },
    });
  });

  it('a release keeps only the notices some configured channel still needs, oldest first', () => {
    const before = stored({ pending: { notification: low, attempts: 1 } });
    const p = claimOf(before, recovered);
    let progress = startDelivery(p);
    for (const publish of p.publishes) {
      const refuse = publish.notification === recovered && publish.channel === 'chat';
      progress = refuse
        ? afterRefused(progress, publish, refusal('chat'))
        : afterAccepted(progress, publish, at(15));
    }
    const settlement = settlementOf(p, progress);

    expect(settlement.cleared === false && settlement.pending).toMatchObject({
      notification: recovered,
      channels: { topic: delivered(15), chat: refusedMark },
    });
    expect(settlement.cleared === false && settlement.pending.earlier).toBeUndefined();
  });
});
