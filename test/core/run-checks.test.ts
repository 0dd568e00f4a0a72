import { beforeEach, describe, expect, it } from 'vitest';
import type { AlertState, ChannelMarks, PendingNotification } from '../../lambda/core/alert-state.js';
import type { MonitorConfig } from '../../lambda/core/config.js';
import type { History } from '../../lambda/core/history.js';
import { createRenderer } from '../../lambda/core/messages.js';
import type { Notification, RenderedMessage } from '../../lambda/core/notification.js';
import type { AccountReport, Notifier, StateStore, StoredState } from '../../lambda/core/ports.js';
import { type RunDeps, runChecks } from '../../lambda/core/run-checks.js';
import { testConfig } from '../support/accounts.js';

/**
 * The per-channel delivery rules of the run, with in-memory fakes: a store that keeps the
 * conditional-write contract, a reader that answers a set balance, and one notifier per topic that
 * records what it accepted and refuses on cue.
 */

const T0 = Date.parse('2026-11-02T06:00:00Z');
const MINUTE = 60_000;

/** A state store holding items as JSON, written only at the expected version, like DynamoDB's. */
function memoryStore(): StateStore & { items: Map<string, { json: string; version: number }> } {
  const items = new Map<string, { json: string; version: number }>();
  return {
    items,
    async load(account) {
      const item = items.get(account);
      if (!item) return undefined;
      return { ...(JSON.parse(item.json) as Omit<StoredState, 'version'>), version: item.version };
    },
    async save(account, state: AlertState, expectedVersion: number, history?: History) {
      if ((items.get(account)?.version ?? 0) !== expectedVersion) return 'conflict';
      items.set(account, {
        json: JSON.stringify({ state, ...(history ? { history } : {}) }),
        version: expectedVersion + 1,
      });
      return 'saved';
    },
  };
}

/** A topic that accepts everything but the refusals queued with refuse(). */
function fakeTopic(): Notifier & { accepted: string[]; refuse(times?: number): void; hang(): void } {
  const accepted: string[] = [];
  let refusals = 0;
  let hangs = 0;
  return {
    accepted,
    refuse(times = 1) {
      refusals += times;
    },
    hang() {
      hangs++;
    },
    async publish(message: RenderedMessage) {
      if (hangs > 0) {
        hangs--;
        // A publish that never answers: the run is cut off at its deadline, as a dying run would be.
        return new Promise<void>(() => undefined);
      }
      if (refusals > 0) {
        refusals--;
        throw Object.assign(new Error('Rate exceeded'), { name: 'SnsPublishError', code: 'Throttling' });
      }
      accepted.push(message.attributes.kind);
    },
  };
}

interface Harness {
  readonly store: ReturnType<typeof memoryStore>;
  readonly topic: ReturnType<typeof fakeTopic>;
  readonly chat: ReturnType<typeof fakeTopic>;
  readonly reports: AccountReport[];
  balance(amount: number): void;
  /** From the next read (or the next `saves` state writes) on, the deadline clock is past the run's deadline. */
  lateAfter(event: { read: true } | { saves: number }): void;
  /** `times` state writes lose, as to a concurrent run, once `after` writes have been saved. */
  conflict(times: number, after?: number): void;
  run(
    minutes: number,
    options?: { runId?: string; chat?: boolean; deadlineMs?: number },
  ): Promise<AccountReport>;
  pending(): Promise<PendingNotification | undefined>;
}

function harness(): Harness {
  const store = memoryStore();
  const topic = fakeTopic();
  const chat = fakeTopic();
  const reports: AccountReport[] = [];
  const config: MonitorConfig = testConfig({
    accounts: [{ name: 'main', thresholds: { warning: { amount: 100 }, critical: { amount: 25 } } }],
    policy: { forecastDays: 0 },
  });
  let amount = 500;
  let now = T0;
  let claims = 0;
  let late = false;
  let lateAfterRead = false;
  let savesBeforeLate = Number.POSITIVE_INFINITY;
  let conflicts = 0;
  let savesBeforeConflicts = 0;
  const save = store.save.bind(store);
  store.save = async (...args) => {
    if (conflicts > 0 && savesBeforeConflicts-- <= 0) {
      conflicts--;
      return 'conflict';
    }
    const result = await save(...args);
    if (--savesBeforeLate === 0) late = true;
    return result;
  };
  const base: Omit<RunDeps, 'chatNotifier'> = {
    credentials: {
      load: async (accounts) =>
        new Map(accounts.map((a) => [a.name, { ok: true as const, value: { key: 'k', hash: 'h' } }])),
    },
    reader: {
      read: async () => {
        if (lateAfterRead) late = true;
        return { ok: true, value: { amount, sms: Math.round(amount * 6.5) } };
      },
    },
    store,
    notifier: topic,
    renderer: createRenderer('en', 'Europe/Istanbul'),
    telemetry: { accountChecked: (report) => reports.push(report) },
    clock: () => new Date(now),
    deadlineClock: () => (late ? Number.POSITIVE_INFINITY : Date.now()),
    newClaimId: () => `claim-${++claims}`,
  };
  return {
    store,
    topic,
    chat,
    reports,
    balance(value) {
      amount = value;
    },
    lateAfter(event) {
      if ('read' in event) lateAfterRead = true;
      else savesBeforeLate = event.saves;
    },
    conflict(times, after = 0) {
      conflicts = times;
      savesBeforeConflicts = after;
    },
    async run(minutes, options = {}) {
      late = false;
      now = T0 + minutes * MINUTE;
      const deps: RunDeps = options.chat === false ? base : { ...base, chatNotifier: chat };
      const deadlineAt = Date.now() + (options.deadlineMs ?? 10_000);
      const summary = await runChecks(
        config,
        deps,
        options.runId ? { deadlineAt, runId: options.runId } : { deadlineAt },
      );
      lateAfterRead = false;
      savesBeforeLate = Number.POSITIVE_INFINITY;
      const [report] = summary.accounts;
      if (!report) throw new Error('no report');
      return report;
    },
    pending: async () => (await store.load('main'))?.state.pending,
  };
}

const low: Notification = {
  kind: 'low',
  account: 'main',
  severity: 'CRITICAL',
  level: 'CRITICAL',
  balance: { amount: 20, sms: 130 },
  at: new Date(T0).toISOString(),
  episode: { topic: 'balance', since: new Date(T0).toISOString() },
};

/** Writes the account's state with this pending item, over whatever the item holds. */
async function storePending(h: Harness, pending: PendingNotification): Promise<void> {
  const stored = await h.store.load('main');
  const state: AlertState = stored?.state ?? { level: 'OK', levelSince: new Date(T0).toISOString() };
  await h.store.save('main', { ...state, pending }, stored?.version ?? 0, stored?.history);
}

let h: Harness;
beforeEach(() => {
  h = harness();
});

describe('with chat configured', () => {
  it('a notice both channels accept goes out once on each, and nothing stays pending', async () => {
    h.balance(20);
    const report = await h.run(0);
    await h.run(15);

    expect(h.topic.accepted).toEqual(['low']);
    expect(h.chat.accepted).toEqual(['low']);
    expect(report).toMatchObject({ notified: 'low' });
    expect(report.publishError).toBeUndefined();
    expect(await h.pending()).toBeUndefined();
  });

  it('the topic refused and chat accepted: the next run publishes on the topic only', async () => {
    h.balance(20);
    h.topic.refuse();
    await h.run(0);
    expect(h.chat.accepted).toEqual(['low']);
    expect(h.topic.accepted).toEqual([]);

    await h.run(15);
    await h.run(30);

    expect(h.topic.accepted).toEqual(['low']);
    expect(h.chat.accepted).toEqual(['low']);
    expect(await h.pending()).toBeUndefined();
  });

  it('chat refused and the topic accepted: the next run publishes on chat only', async () => {
    h.balance(20);
    h.chat.refuse();
    await h.run(0);
    expect(h.topic.accepted).toEqual(['low']);

    await h.run(15);
    await h.run(30);

    expect(h.topic.accepted).toEqual(['low']);
    expect(h.chat.accepted).toEqual(['low']);
    expect(await h.pending()).toBeUndefined();
  });

  it('both refused: the next run publishes on both, once each', async () => {
    h.balance(20);
    h.topic.refuse();
    h.chat.refuse();
    const first = await h.run(0);
    expect(first.notified).toBeUndefined();
    expect(first.failedChannels).toEqual(['topic', 'chat']);

    await h.run(15);
    await h.run(30);

    expect(h.topic.accepted).toEqual(['low']);
    expect(h.chat.accepted).toEqual(['low']);
  });

  it('the pending item records, per channel, what was delivered and what was refused', async () => {
    h.balance(20);
    h.chat.refuse();
    await h.run(0);

    const pending = await h.pending();
    expect(pending?.claimId).toBeUndefined();
    expect(pending).toMatchObject({ notification: { kind: 'low' }, attempts: 1 });
    expect(pending?.channels).toEqual({
      topic: { status: 'delivered', deliveredAt: new Date(T0).toISOString(), attempts: 0 },
      chat: { status: 'pending', attempts: 1, lastError: 'SnsPublishError: Rate exceeded' },
    });
  });

  it('the account report names the channel that refused, and still counts the notice as sent', async () => {
    h.balance(20);
    h.chat.refuse();
    const report = await h.run(0);

    expect(report.failedChannels).toEqual(['chat']);
    expect(report.publishError).toBe('chat: SnsPublishError: Rate exceeded');
    expect(report.notified).toBe('low');
  });

  it('a channel that refused an older notice gets it before the newer one; the other channel is not sent it again', async () => {
    h.balance(20);
    await h.run(0);
    h.balance(1000);
    h.chat.refuse();
    await h.run(15);
    h.balance(80);
    await h.run(30);

    expect(h.topic.accepted).toEqual(['low', 'recovered', 'low']);
    expect(h.chat.accepted).toEqual(['low', 'recovered', 'low']);
    expect(await h.pending()).toBeUndefined();
  });

  it('a channel that refuses is not sent the notices behind the one it refused in that run', async () => {
    h.balance(20);
    await h.run(0);
    h.balance(1000);
    h.chat.refuse();
    await h.run(15);
    h.balance(80);
    h.chat.refuse();
    await h.run(30);
    expect(h.chat.accepted).toEqual(['low']);
    expect(h.topic.accepted).toEqual(['low', 'recovered', 'low']);
    expect((await h.pending())?.earlier?.map((n) => n.notification.kind)).toEqual(['recovered']);

    await h.run(45);

    expect(h.chat.accepted).toEqual(['low', 'recovered', 'low']);
    expect(h.topic.accepted).toEqual(['low', 'recovered', 'low']);
  });

  it('a claim left by a run that died is taken over and resumes only the channels not delivered', async () => {
    await h.run(0);
    const marks: ChannelMarks = {
      topic: { status: 'delivered', deliveredAt: new Date(T0).toISOString(), attempts: 0 },
      chat: { status: 'pending', attempts: 0 },
    };
    await storePending(h, {
      notification: low,
      channels: marks,
      claimId: 'dead-run',
      claimedAt: new Date(T0).toISOString(),
      attempts: 0,
    });

    await h.run(1);
    expect(h.chat.accepted).toEqual([]);
    await h.run(6);

    expect(h.chat.accepted).toEqual(['low']);
    expect(h.topic.accepted).toEqual([]);
    expect(await h.pending()).toBeUndefined();
  });

  it('a run cut off between the topic and chat publishes has marked the topic: the takeover publishes on chat only', async () => {
    h.balance(20);
    h.chat.hang();
    const cut = await h.run(0, { deadlineMs: 300 });
    expect(cut.storeError).toContain('deadline');
    expect((await h.pending())?.channels?.topic?.status).toBe('delivered');
    expect((await h.pending())?.claimId).toBeDefined();

    await h.run(6);

    expect(h.topic.accepted).toEqual(['low']);
    expect(h.chat.accepted).toEqual(['low']);
    expect(await h.pending()).toBeUndefined();
  });

  it('with a single publish to make, the run writes the state twice: the claim and the settle', async () => {
    await h.run(0, { chat: false });
    h.balance(20);
    const before = (await h.store.load('main'))?.version ?? 0;
    await h.run(15, { chat: false });

    expect((await h.store.load('main'))?.version).toBe(before + 2);
  });

  it('a duplicate delivery of a scheduled run publishes only what is still undelivered, then nothing', async () => {
    h.balance(20);
    h.topic.refuse();
    await h.run(0, { runId: 'T0' });
    await h.run(0.5, { runId: 'T0' });
    await h.run(1, { runId: 'T0' });

    expect(h.topic.accepted).toEqual(['low']);
    expect(h.chat.accepted).toEqual(['low']);
    expect((await h.store.load('main'))?.state.runId).toBe('T0');
  });

  it('a pending item stored before channels were marked is published on the topic and on chat', async () => {
    await h.run(0);
    await storePending(h, { notification: low, attempts: 1, lastError: 'SnsPublishError: Rate exceeded' });

    await h.run(15);
    await h.run(30);

    expect(h.topic.accepted).toEqual(['low']);
    expect(h.chat.accepted).toEqual(['low']);
    expect(await h.pending()).toBeUndefined();
  });
});

describe('without chat configured', () => {
  it('a notice the topic accepted leaves nothing pending', async () => {
    h.balance(20);
    const report = await h.run(0, { chat: false });

    expect(h.topic.accepted).toEqual(['low']);
    expect(report).toMatchObject({ notified: 'low' });
    expect(await h.pending()).toBeUndefined();
  });

  it('a notice waiting only for a chat channel no longer configured is done with, unpublished', async () => {
    await h.run(0, { chat: false });
    await storePending(h, {
      notification: low,
      channels: {
        topic: { status: 'delivered', deliveredAt: new Date(T0).toISOString(), attempts: 0 },
        chat: { status: 'pending', attempts: 1, lastError: 'SnsPublishError: Rate exceeded' },
      },
      attempts: 1,
    });

    const report = await h.run(15, { chat: false });

    expect(h.topic.accepted).toEqual([]);
    expect(h.chat.accepted).toEqual([]);
    expect(report.publishError).toBeUndefined();
    expect(await h.pending()).toBeUndefined();
  });

  it('a refused notice is marked for the topic alone, and the report names the topic', async () => {
    h.balance(20);
    h.topic.refuse();
    const report = await h.run(0, { chat: false });

    expect(report.failedChannels).toEqual(['topic']);
    expect(report.publishError).toBe('topic: SnsPublishError: Rate exceeded');
    expect((await h.pending())?.channels).toEqual({
      topic: { status: 'pending', attempts: 1, lastError: 'SnsPublishError: Rate exceeded' },
    });
  });
});

/** Sets a silence on the stored state, ending `minutes` after T0. */
async function silenceUntil(minutes: number): Promise<void> {
  const stored = await h.store.load('main');
  if (!stored) throw new Error('no state to silence');
  const silence = {
    until: new Date(T0 + minutes * MINUTE).toISOString(),
    since: new Date(T0).toISOString(),
    reason: 'maintenance',
  };
  await h.store.save('main', { ...stored.state, silence }, stored.version, stored.history);
}

describe('while the account is silenced', () => {
  it('a notice is claimed and published on no channel, the report names it held, and it goes out once after', async () => {
    await h.run(0);
    await silenceUntil(60);
    h.balance(20);
    const during = await h.run(15);

    expect(during).toMatchObject({ held: 'low', level: 'CRITICAL' });
    expect(during.notified).toBeUndefined();
    expect(await h.pending()).toBeUndefined();
    expect(h.topic.accepted).toEqual([]);
    expect(h.chat.accepted).toEqual([]);

    const after = await h.run(60);
    await h.run(75);
    expect(after).toMatchObject({ notified: 'low' });
    expect(h.topic.accepted).toEqual(['low']);
    expect(h.chat.accepted).toEqual(['low']);
  });

  it('a channel that refused before the silence is retried only when the silence ends', async () => {
    h.balance(20);
    h.chat.refuse();
    await h.run(0);
    await silenceUntil(60);
    const during = await h.run(15);

    expect(during).toMatchObject({ held: 'low' });
    expect(h.chat.accepted).toEqual([]);

    await h.run(60);
    expect(h.topic.accepted).toEqual(['low']);
    expect(h.chat.accepted).toEqual(['low']);
    expect(await h.pending()).toBeUndefined();
  });
});

describe('the report of what went wrong', () => {
  it('a refusal is carried as a typed publish error with its channel and the service’s code', async () => {
    h.balance(20);
    h.chat.refuse();
    const report = await h.run(0);

    expect(report.errors).toEqual([
      { kind: 'publish', channel: 'chat', code: 'Throttling', message: 'SnsPublishError: Rate exceeded' },
    ]);
  });

  it('a notice due once the deadline has passed is not claimed: the state stays as it was, and the next run sends it', async () => {
    await h.run(0);
    const before = await h.store.load('main');
    h.balance(20);
    h.lateAfter({ read: true });
    const cut = await h.run(15);

    expect(cut.errors).toEqual([
      { kind: 'store', code: 'deadline', message: 'deadline reached before the notice could be claimed' },
    ]);
    expect(cut.storeError).toBe('deadline reached before the notice could be claimed');
    expect(await h.store.load('main')).toEqual(before);
    expect(h.topic.accepted).toEqual([]);

    await h.run(30);
    expect(h.topic.accepted).toEqual(['low']);
  });

  it('a run cut off right after its claim publishes nothing, and a run after the claim TTL takes the claim over', async () => {
    await h.run(0);
    h.balance(20);
    h.lateAfter({ saves: 1 });
    const cut = await h.run(15);

    expect(cut.errors).toEqual([
      {
        kind: 'store',
        code: 'deadline',
        message: 'deadline reached before the claimed notice was published',
      },
    ]);
    expect((await h.pending())?.claimId).toBeDefined();
    await h.run(16);
    expect(h.topic.accepted).toEqual([]);

    await h.run(20);
    expect(h.topic.accepted).toEqual(['low']);
    expect(h.chat.accepted).toEqual(['low']);
    expect(await h.pending()).toBeUndefined();
  });

  it('a state that kept changing under concurrent runs is a contended store error, with the level the reading reached', async () => {
    h.balance(20);
    h.conflict(5);
    const report = await h.run(0);

    expect(report.errors).toEqual([
      {
        kind: 'store',
        code: 'contended',
        message: 'state of main kept changing under concurrent runs; gave up after 5 tries',
      },
    ]);
    expect(report).toMatchObject({ level: 'CRITICAL', storeError: report.errors?.[0]?.message });
    expect(report.notified).toBeUndefined();
    expect(h.topic.accepted).toEqual([]);
  });

  it('a delivered notice whose pending item could not be cleared counts as sent, and the report says it may be sent again', async () => {
    h.balance(20);
    h.conflict(5, 1);
    const report = await h.run(0, { chat: false });

    expect(h.topic.accepted).toEqual(['low']);
    expect(report.notified).toBe('low');
    expect(report.errors).toEqual([
      {
        kind: 'store',
        code: 'not-cleared',
        message: 'delivered, but the pending notice could not be cleared; it may be sent again',
      },
    ]);
    expect(report.publishError).toBeUndefined();
  });
});
