import { describe, expect, it } from 'vitest';
import {
  type AlertState,
  noticesInWeek,
  type Observation,
  transition,
} from '../../lambda/core/alert-state.js';
import type { AccountConfig } from '../../lambda/core/config.js';
import type { Forecast } from '../../lambda/core/forecast-types.js';
import type { Notification, NotificationKind } from '../../lambda/core/notification.js';
import type { FailureKind } from '../../lambda/core/types.js';
import { testAccount } from '../support/accounts.js';

/**
 * The alert rules as a specification. Thresholds: WARNING at 100 TL (or 500 SMS), CRITICAL at 25 TL;
 * reminders every 24 h (WARNING) and 6 h (CRITICAL); failures after 3 in a row, reminded every 6 h;
 * recovery margin 5 %; forecast alert within 3 days.
 */

const T0 = Date.parse('2026-11-02T09:00:00Z');
const HOUR = 3_600_000;

/** A step: hours after T0, and what the check saw (a TL amount, a failure kind, or a full observation). */
type Step = readonly [hours: number, seen: number | FailureKind | Observation];

function observe(seen: Step[1]): Observation {
  if (typeof seen === 'number') return { ok: true, balance: { amount: seen, sms: 5_000 } };
  if (typeof seen === 'string') return { ok: false, failure: { kind: seen, message: `${seen} failure` } };
  return seen;
}

function play(steps: readonly Step[], account: AccountConfig = testAccount()) {
  let state: AlertState | undefined;
  const notifications: (Notification | undefined)[] = [];
  for (const [hours, seen] of steps) {
    const result = transition(state, observe(seen), new Date(T0 + hours * HOUR), account);
    state = result.next;
    notifications.push(result.notification);
  }
  return { state, notifications, kinds: notifications.map((n) => n?.kind ?? null) };
}

function withForecast(amount: number, daysToEmpty: number | undefined): Observation {
  const forecast: Forecast | undefined =
    daysToEmpty === undefined
      ? undefined
      : {
          measure: 'amount',
          burnPerDay: amount / daysToEmpty,
          daysToEmpty,
          emptyAt: new Date(T0 + daysToEmpty * 24 * HOUR).toISOString(),
          samples: 20,
          since: new Date(T0 - 48 * HOUR).toISOString(),
        };
  return forecast
    ? { ok: true, balance: { amount, sms: 5_000 }, forecast }
    : { ok: true, balance: { amount, sms: 5_000 } };
}

/** A reading with the spend rate the history gives: the newest hour's use against a median hour. */
function burning(amount: number, lastHour: number, medianHour = 5, hours = 167): Observation {
  return { ok: true, balance: { amount, sms: 25_000 }, spend: { lastHour, medianHour, hours } };
}

type Row = readonly [name: string, steps: readonly Step[], expected: readonly (NotificationKind | null)[]];

const rows: readonly Row[] = [
  // First run
  ['a first run at OK is silent', [[0, 200]], [null]],
  ['a first run at WARNING notifies', [[0, 80]], ['low']],
  ['a first run at CRITICAL notifies', [[0, 10]], ['low']],
  [
    'a first run with a low SMS count alone notifies',
    [[0, { ok: true, balance: { amount: 500, sms: 100 } }]],
    ['low'],
  ],
  // Worse levels
  [
    'OK to WARNING notifies at once',
    [
      [0, 200],
      [0.25, 80],
    ],
    [null, 'low'],
  ],
  [
    'WARNING to CRITICAL notifies at once',
    [
      [0, 80],
      [0.25, 20],
    ],
    ['low', 'low'],
  ],
  [
    'OK to CRITICAL notifies at once',
    [
      [0, 200],
      [0.25, 20],
    ],
    [null, 'low'],
  ],
  [
    'OK staying OK never notifies',
    [
      [0, 200],
      [1, 190],
      [30, 180],
    ],
    [null, null, null],
  ],
  // Reminders
  [
    'the same WARNING is silent until its reminder interval',
    [
      [0, 80],
      [1, 79],
      [23.9, 70],
    ],
    ['low', null, null],
  ],
  [
    'the same WARNING is reminded after 24 hours',
    [
      [0, 80],
      [12, 75],
      [24, 70],
    ],
    ['low', null, 'low-reminder'],
  ],
  [
    'the same CRITICAL is reminded after 6 hours',
    [
      [0, 20],
      [3, 19],
      [6, 18],
    ],
    ['low', null, 'low-reminder'],
  ],
  [
    'a reminder restarts the interval',
    [
      [0, 20],
      [6, 19],
      [11, 18],
      [12, 17],
    ],
    ['low', 'low-reminder', null, 'low-reminder'],
  ],
  [
    'CRITICAL getting better but still WARNING is recorded silently',
    [
      [0, 20],
      [1, 60],
    ],
    ['low', null],
  ],
  [
    'after CRITICAL to WARNING reminders follow the WARNING pace',
    [
      [0, 20],
      [1, 60],
      [7, 60],
      [24, 60],
    ],
    ['low', null, null, 'low-reminder'],
  ],
  [
    'falling back to CRITICAL after a better WARNING notifies again',
    [
      [0, 20],
      [1, 60],
      [2, 20],
    ],
    ['low', null, 'low'],
  ],
  // Recovery and hysteresis
  [
    'back to OK after a low notice sends one recovery notice',
    [
      [0, 80],
      [1, 200],
      [2, 210],
    ],
    ['low', 'recovered', null],
  ],
  [
    'a top-up from CRITICAL straight to OK sends one recovery notice',
    [
      [0, 10],
      [1, 500],
    ],
    ['low', 'recovered'],
  ],
  [
    'a balance inside the recovery margin does not recover',
    [
      [0, 80],
      [1, 104],
    ],
    ['low', null],
  ],
  [
    'a balance past the recovery margin recovers',
    [
      [0, 80],
      [1, 104],
      [2, 106],
    ],
    ['low', null, 'recovered'],
  ],
  [
    'a balance hovering at the warning threshold does not flap',
    [
      [0, 99],
      [0.25, 101],
      [0.5, 99],
      [0.75, 104],
      [1, 100],
    ],
    ['low', null, null, null, null],
  ],
  [
    'a new low episode after a recovery notifies again',
    [
      [0, 80],
      [1, 200],
      [2, 80],
    ],
    ['low', 'recovered', 'low'],
  ],
  // Failures
  ['an authentication failure notifies on its first occurrence', [[0, 'auth']], ['check-failed']],
  ['a configuration failure notifies on its first occurrence', [[0, 'config']], ['check-failed']],
  [
    'two transient failures in a row are silent and the third notifies',
    [
      [0, 'transient'],
      [0.25, 'transient'],
      [0.5, 'transient'],
    ],
    [null, null, 'check-failed'],
  ],
  [
    'invalid responses count like transient failures',
    [
      [0, 'invalid-response'],
      [0.25, 'invalid-response'],
      [0.5, 'invalid-response'],
    ],
    [null, null, 'check-failed'],
  ],
  [
    'mixed transient kinds count as one streak',
    [
      [0, 'transient'],
      [0.25, 'invalid-response'],
      [0.5, 'transient'],
    ],
    [null, null, 'check-failed'],
  ],
  [
    'a success between transient failures restarts the count',
    [
      [0, 'transient'],
      [0.25, 'transient'],
      [0.5, 200],
      [0.75, 'transient'],
      [1, 'transient'],
    ],
    [null, null, null, null, null],
  ],
  [
    'a failure notice is not repeated before its reminder interval',
    [
      [0, 'auth'],
      [1, 'auth'],
      [5.9, 'auth'],
    ],
    ['check-failed', null, null],
  ],
  [
    'a failure notice is reminded after 6 hours',
    [
      [0, 'auth'],
      [1, 'auth'],
      [6, 'auth'],
    ],
    ['check-failed', null, 'check-failed-reminder'],
  ],
  [
    'a streak turning into an authentication failure notifies at once',
    [
      [0, 'transient'],
      [0.25, 'auth'],
    ],
    [null, 'check-failed'],
  ],
  [
    'a notified transient streak turning into an authentication failure notifies again',
    [
      [0, 'transient'],
      [0.25, 'transient'],
      [0.5, 'transient'],
      [0.75, 'auth'],
    ],
    [null, null, 'check-failed', 'check-failed'],
  ],
  [
    'the first success after a failure notice sends monitor recovered',
    [
      [0, 'auth'],
      [1, 200],
    ],
    ['check-failed', 'monitor-recovered'],
  ],
  [
    'a success after silent failures sends nothing',
    [
      [0, 'transient'],
      [0.25, 'transient'],
      [0.5, 200],
    ],
    [null, null, null],
  ],
  [
    'monitor recovered at a low level stands for the low notice',
    [
      [0, 'auth'],
      [1, 80],
      [2, 80],
    ],
    ['check-failed', 'monitor-recovered', null],
  ],
  [
    'a failure while low does not send a recovery or a new low notice',
    [
      [0, 80],
      [1, 'transient'],
      [2, 80],
    ],
    ['low', null, null],
  ],
  // Forecast
  ['a forecast of running out within 3 days notifies while OK', [[0, withForecast(300, 2)]], ['forecast']],
  ['a forecast beyond 3 days is silent', [[0, withForecast(300, 5)]], [null]],
  [
    'a forecast alert is not repeated before 24 hours',
    [
      [0, withForecast(300, 2.5)],
      [12, withForecast(290, 2)],
    ],
    ['forecast', null],
  ],
  [
    'a forecast alert is reminded after 24 hours',
    [
      [0, withForecast(300, 2.5)],
      [24, withForecast(200, 1.5)],
    ],
    ['forecast', 'forecast-reminder'],
  ],
  [
    'a forecast that clears past the margin sends one cleared notice',
    [
      [0, withForecast(300, 2.9)],
      [1, withForecast(600, 10)],
      [2, withForecast(600, 10)],
    ],
    ['forecast', 'forecast-cleared', null],
  ],
  [
    'a forecast hovering just past the limit does not flap',
    [
      [0, withForecast(300, 2.9)],
      [1, withForecast(300, 3.1)],
      [2, withForecast(300, 2.95)],
    ],
    ['forecast', null, null],
  ],
  [
    'a top-up that leaves no forecast clears the forecast alert',
    [
      [0, withForecast(300, 2)],
      [1, withForecast(900, undefined)],
    ],
    ['forecast', 'forecast-cleared'],
  ],
  [
    'while the balance is low the low notice speaks, not the forecast',
    [
      [0, withForecast(80, 1)],
      [1, withForecast(79, 1)],
    ],
    ['low', null],
  ],
  [
    'a forecast alert followed by a low level sends the low notice',
    [
      [0, withForecast(300, 2)],
      [10, withForecast(90, 1)],
    ],
    ['forecast', 'low'],
  ],
  // Spend spike (normal hour 5 TL; spike at 5 x normal and at least 50 TL; calm under 2 x normal)
  [
    'a burn of 5 x the normal hour above the floor notifies at once, well above the thresholds',
    [
      [0, burning(4000, 4)],
      [1, burning(3700, 300)],
    ],
    [null, 'spend-spike'],
  ],
  ['a burn of 5 x normal below the floor is silent', [[0, burning(4000, 40, 5)]], [null]],
  ['a burn above the floor below 5 x normal is silent', [[0, burning(4000, 90, 20)]], [null]],
  ['a burn exactly at 5 x normal and at the floor notifies', [[0, burning(4000, 50, 10)]], ['spend-spike']],
  ['no spike is called on fewer than 24 hours of baseline', [[0, burning(4000, 300, 5, 23)]], [null]],
  [
    'a spike that lasts is silent until the WARNING reminder interval, then reminded',
    [
      [0, burning(4000, 300)],
      [1, burning(3700, 300)],
      [23.9, burning(1000, 300)],
      [24, burning(700, 300)],
    ],
    ['spend-spike', null, null, 'spend-spike-reminder'],
  ],
  [
    'a spike clears once the burn has stayed under 2 x normal for 2 hours',
    [
      [0, burning(4000, 300)],
      [1, burning(3995, 9)],
      [2, burning(3990, 6)],
      [3, burning(3985, 5)],
      [4, burning(3980, 5)],
    ],
    ['spend-spike', null, null, 'spend-spike-cleared', null],
  ],
  [
    'a burn back above 2 x normal starts the calm stretch again',
    [
      [0, burning(4000, 300)],
      [1, burning(3995, 5)],
      [2, burning(3980, 15)],
      [3, burning(3975, 5)],
      [4, burning(3970, 5)],
      [5, burning(3965, 5)],
    ],
    ['spend-spike', null, null, null, null, 'spend-spike-cleared'],
  ],
  [
    'a new spike after a cleared one notifies again',
    [
      [0, burning(4000, 300)],
      [1, burning(3995, 5)],
      [3, burning(3990, 5)],
      [4, burning(3690, 300)],
    ],
    ['spend-spike', null, 'spend-spike-cleared', 'spend-spike'],
  ],
  [
    'an account with no normal use spikes at the floor and is calm again below it',
    [
      [0, burning(4000, 60, 0)],
      [1, burning(3990, 10, 0)],
      [3, burning(3980, 10, 0)],
    ],
    ['spend-spike', null, 'spend-spike-cleared'],
  ],
  [
    'a low notice goes first and the spike follows on the next run',
    [
      [0, burning(200, 4)],
      [1, burning(80, 120)],
      [1.25, burning(50, 150)],
    ],
    [null, 'low', 'spend-spike'],
  ],
  [
    'a check failure during a spike leaves the spike episode open',
    [
      [0, burning(4000, 300)],
      [1, 'transient'],
      [2, burning(3400, 300)],
    ],
    ['spend-spike', null, null],
  ],
];

describe('alert state machine', () => {
  it.each(rows)('%s', (_name, steps, expected) => {
    expect(play(steps).kinds).toEqual(expected);
  });
});

describe('what the state remembers', () => {
  it('a failed check never changes the balance level', () => {
    const { state } = play([
      [0, 80],
      [1, 'transient'],
      [2, 'transient'],
      [3, 'transient'],
    ]);
    expect(state?.level).toBe('WARNING');
    expect(state?.lastBalance?.amount).toBe(80);
  });

  it('a failed first check never counts as a zero balance', () => {
    const { state, notifications } = play([[0, 'invalid-response']]);
    expect(state?.level).toBe('OK');
    expect(state?.lastBalance).toBeUndefined();
    expect(notifications).toEqual([undefined]);
  });

  it('counts consecutive failures and when the streak began', () => {
    const { state } = play([
      [0, 'transient'],
      [0.25, 'transient'],
    ]);
    expect(state?.failures).toMatchObject({ kind: 'transient', count: 2, since: new Date(T0).toISOString() });
  });

  it('forgets the failure streak after a success', () => {
    expect(
      play([
        [0, 'auth'],
        [1, 200],
      ]).state?.failures,
    ).toBeUndefined();
  });

  it('counts the notices decided per day for the weekly digest, and forgets days older than a week', () => {
    const { state } = play([
      [0, 80],
      [24, 79],
      [24 * 9, 78],
      [24 * 10, 77],
      [24 * 10 + 1, 'auth'],
    ]);
    const day = Math.floor((T0 + 24 * 10 * HOUR) / (24 * HOUR));
    expect(state?.noticesSent).toEqual([
      { day: day - 1, count: 1 },
      { day, count: 2 },
    ]);
    expect(noticesInWeek(state?.noticesSent, new Date(T0 + 24 * 10 * HOUR))).toBe(3);
    expect(noticesInWeek(state?.noticesSent, new Date(T0 + 24 * 17 * HOUR))).toBe(0);
  });

  it('keeps the time the level was entered while the level holds', () => {
    const { state } = play([
      [0, 80],
      [5, 70],
    ]);
    expect(state?.levelSince).toBe(new Date(T0).toISOString());
  });
});

describe('what a notification carries', () => {
  it('a low notice carries the level, the previous level and the balance', () => {
    const [, notice] = play([
      [0, 200],
      [1, 20],
    ]).notifications;
    expect(notice).toMatchObject({
      account: 'main',
      severity: 'CRITICAL',
      level: 'CRITICAL',
      previousLevel: 'OK',
      balance: { amount: 20, sms: 5_000 },
    });
  });

  it('a recovery notice carries the severity of the low notice it closes', () => {
    const [, , recovered] = play([
      [0, 80],
      [1, 20],
      [2, 500],
    ]).notifications;
    expect(recovered).toMatchObject({ kind: 'recovered', severity: 'CRITICAL', level: 'OK' });
  });

  it('a failure notice is CRITICAL and carries the last known balance and the streak', () => {
    const [, notice] = play([
      [0, 80],
      [1, 'auth'],
    ]).notifications;
    expect(notice).toMatchObject({
      kind: 'check-failed',
      severity: 'CRITICAL',
      level: 'WARNING',
      balance: { amount: 80 },
      failure: { kind: 'auth', count: 1 },
    });
  });

  it('monitor recovered is CRITICAL so that whoever heard of the failure hears of the recovery', () => {
    const [, notice] = play([
      [0, 'auth'],
      [1, 200],
    ]).notifications;
    expect(notice).toMatchObject({ kind: 'monitor-recovered', severity: 'CRITICAL', level: 'OK' });
  });

  it('every notice carries the forecast when one is known', () => {
    const [notice] = play([[0, withForecast(80, 4)]]).notifications;
    expect(notice?.forecast?.daysToEmpty).toBe(4);
  });

  it('forecast notices are WARNING', () => {
    const [notice] = play([[0, withForecast(300, 2)]]).notifications;
    expect(notice?.severity).toBe('WARNING');
  });

  it('a forecast alert is never sent when the account turns forecasts off', () => {
    const account = testAccount({ policy: { ...testAccount().policy, forecastDays: 0 } });
    expect(play([[0, withForecast(300, 1)]], account).kinds).toEqual([null]);
  });

  it('per-account reminder intervals are honoured', () => {
    const account = testAccount({
      policy: { ...testAccount().policy, reminderHours: { WARNING: 2, CRITICAL: 1 } },
    });
    expect(
      play(
        [
          [0, 80],
          [2, 80],
        ],
        account,
      ).kinds,
    ).toEqual(['low', 'low-reminder']);
  });

  it('a spike notice carries the burn, its multiple of normal and the days left at that pace', () => {
    const [notice] = play([[0, burning(3600, 300)]]).notifications;
    expect(notice?.spend).toEqual({ burnPerHour: 300, normalPerHour: 5, multiple: 60, daysLeft: 0.5 });
    expect(notice?.severity).toBe('WARNING');
    expect(notice?.level).toBe('OK');
  });

  it('a spike over a week without normal use carries no multiple', () => {
    const [notice] = play([[0, burning(3600, 60, 0)]]).notifications;
    expect(notice?.spend).toEqual({ burnPerHour: 60, normalPerHour: 0, daysLeft: 2.5 });
  });

  it('a spike alert is never sent when the account turns spikes off', () => {
    const account = testAccount({ policy: { ...testAccount().policy, spendSpike: false } });
    expect(play([[0, burning(4000, 300)]], account).kinds).toEqual([null]);
  });

  it('turning spikes off during a spike clears its episode once', () => {
    const on = play([[0, burning(4000, 300)]]);
    const off = testAccount({ policy: { ...testAccount().policy, spendSpike: false } });
    const first = transition(on.state, burning(3700, 300), new Date(T0 + HOUR), off);
    const second = transition(first.next, burning(3400, 300), new Date(T0 + 2 * HOUR), off);
    expect([first.notification?.kind, second.notification?.kind]).toEqual(['spend-spike-cleared', undefined]);
  });

  it('per-account spike multiples and floors are honoured', () => {
    const account = testAccount({
      policy: { ...testAccount().policy, spendSpike: { multiple: 3, floorAmount: 10 } },
    });
    expect(play([[0, burning(4000, 15, 5)]], account).kinds).toEqual(['spend-spike']);
  });

  it('an idle account is never a spike, even under a policy with a floor of 0', () => {
    const account = testAccount({
      policy: { ...testAccount().policy, spendSpike: { multiple: 5, floorAmount: 0 } },
    });
    expect(
      play(
        [
          [0, burning(4000, 0, 0)],
          [1, burning(4000, 0, 0)],
        ],
        account,
      ).kinds,
    ).toEqual([null, null]);
  });

  it('the per-account failure count is honoured', () => {
    const account = testAccount({ policy: { ...testAccount().policy, failuresBeforeAlert: 1 } });
    expect(play([[0, 'transient']], account).kinds).toEqual(['check-failed']);
  });
});

describe('episodes: a notice, its reminders and its resolution share one episode', () => {
  const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();
  const episodes = (steps: readonly Step[], account?: AccountConfig) =>
    play(steps, account)
      .notifications.filter((n) => n !== undefined)
      .map((n) => ({ kind: n.kind, episode: n.episode }));

  it('a low notice opens a balance episode at its own time', () => {
    expect(episodes([[0, 80]])).toEqual([{ kind: 'low', episode: { topic: 'balance', since: at(0) } }]);
  });

  it('reminders, a worse level and the recovery keep the episode of the first low notice', () => {
    const steps: Step[] = [
      [0, 80],
      [24, 80],
      [25, 20],
      [26, 200],
    ];
    expect(episodes(steps)).toEqual([
      { kind: 'low', episode: { topic: 'balance', since: at(0) } },
      { kind: 'low-reminder', episode: { topic: 'balance', since: at(0) } },
      { kind: 'low', episode: { topic: 'balance', since: at(0) } },
      { kind: 'recovered', episode: { topic: 'balance', since: at(0) } },
    ]);
  });

  it('a low episode after a recovery is a new episode', () => {
    const steps: Step[] = [
      [0, 80],
      [1, 200],
      [2, 80],
    ];
    expect(episodes(steps).map((e) => e.episode?.since)).toEqual([at(0), at(0), at(2)]);
  });

  it('a check failure episode begins with the first failure of the streak, and its recovery shares it', () => {
    const steps: Step[] = [
      [0, 'transient'],
      [0.25, 'transient'],
      [0.5, 'transient'],
      [7, 'transient'],
      [7.25, 200],
    ];
    expect(episodes(steps)).toEqual([
      { kind: 'check-failed', episode: { topic: 'check', since: at(0) } },
      { kind: 'check-failed-reminder', episode: { topic: 'check', since: at(0) } },
      { kind: 'monitor-recovered', episode: { topic: 'check', since: at(0) } },
    ]);
  });

  it('a forecast episode begins with its first notice, and its reminder and clearing share it', () => {
    const steps: Step[] = [
      [0, withForecast(300, 2)],
      [24, withForecast(290, 2)],
      [25, withForecast(290, 30)],
    ];
    expect(episodes(steps)).toEqual([
      { kind: 'forecast', episode: { topic: 'forecast', since: at(0) } },
      { kind: 'forecast-reminder', episode: { topic: 'forecast', since: at(0) } },
      { kind: 'forecast-cleared', episode: { topic: 'forecast', since: at(0) } },
    ]);
  });

  it('a spike episode begins with its first notice, and its reminder and clearing share it', () => {
    const steps: Step[] = [
      [0, burning(4000, 300)],
      [24, burning(3000, 300)],
      [25, burning(2995, 5)],
      [27, burning(2990, 5)],
    ];
    expect(episodes(steps)).toEqual([
      { kind: 'spend-spike', episode: { topic: 'spend', since: at(0) } },
      { kind: 'spend-spike-reminder', episode: { topic: 'spend', since: at(0) } },
      { kind: 'spend-spike-cleared', episode: { topic: 'spend', since: at(0) } },
    ]);
  });

  it('a state recorded before episodes falls back to the time its low level was entered', () => {
    const old: AlertState = {
      level: 'WARNING',
      levelSince: at(-30),
      lowNotice: { level: 'WARNING', at: at(-25) },
    };
    const { notification } = transition(old, observe(80), new Date(T0), testAccount());
    expect(notification?.episode).toEqual({ topic: 'balance', since: at(-30) });
  });
});

/**
 * Silences, as a table: the silence is set before the step at `from` hours and ends at `until`
 * hours. Expected per step: the kind delivered, `held: <kind>` for one the silence held, or null.
 */
type SilenceRow = readonly [
  name: string,
  silence: readonly [from: number, until: number],
  steps: readonly Step[],
  expected: readonly (string | null)[],
];

function playSilenced(silence: SilenceRow[1], steps: readonly Step[]) {
  const [from, until] = silence;
  let state: AlertState | undefined;
  const seen: (string | null)[] = [];
  for (const [hours, observed] of steps) {
    if (hours >= from && state && !state.silence) {
      state = {
        ...state,
        silence: {
          until: new Date(T0 + until * HOUR).toISOString(),
          since: new Date(T0 + from * HOUR).toISOString(),
          reason: 'maintenance',
        },
      };
    }
    const result = transition(state, observe(observed), new Date(T0 + hours * HOUR), testAccount());
    state = result.next;
    seen.push(result.notification?.kind ?? (result.held ? `held: ${result.held.kind}` : null));
  }
  return { state, seen };
}

const silenceRows: readonly SilenceRow[] = [
  [
    'a CRITICAL that began while silenced is held, then announced once as a low when the silence ends',
    [0.1, 2],
    [
      [0, 200],
      [0.25, 10],
      [1, 10],
      [2, 10],
      [2.25, 10],
    ],
    [null, 'held: low', 'held: low', 'low', null],
  ],
  [
    'a low that began and recovered while silenced sends nothing when the silence ends',
    [0.1, 2],
    [
      [0, 200],
      [0.25, 80],
      [1, 200],
      [2, 200],
    ],
    [null, 'held: low', null, null],
  ],
  [
    'a low announced before the silence that recovered during it sends its recovery when it ends',
    [0.1, 2],
    [
      [0, 80],
      [0.25, 200],
      [1, 200],
      [2, 200],
      [2.25, 200],
    ],
    ['low', 'held: recovered', 'held: recovered', 'recovered', null],
  ],
  [
    'a WARNING that worsened to CRITICAL while silenced is announced as a low at CRITICAL when it ends',
    [0.1, 2],
    [
      [0, 80],
      [0.25, 10],
      [2, 10],
    ],
    ['low', 'held: low', 'low'],
  ],
  [
    'reminders are held while silenced and one is sent when the silence ends',
    [1, 30],
    [
      [0, 10],
      [6, 10],
      [12, 10],
      [30, 10],
      [31, 10],
    ],
    ['low', 'held: low-reminder', 'held: low-reminder', 'low-reminder', null],
  ],
  [
    'a failure streak is held while silenced and announced once when the silence ends',
    [0.1, 1],
    [
      [0, 200],
      [0.25, 'transient'],
      [0.5, 'transient'],
      [0.75, 'transient'],
      [1, 'transient'],
      [1.25, 'transient'],
    ],
    [null, null, null, 'held: check-failed', 'check-failed', null],
  ],
  [
    'a forecast alert held while silenced is sent when the silence ends',
    [0.1, 2],
    [
      [0, withForecast(200, 10)],
      [0.25, withForecast(200, 2)],
      [2, withForecast(200, 2)],
    ],
    [null, 'held: forecast', 'forecast'],
  ],
  [
    'a silence that ended before the run holds nothing',
    [0.1, 0.2],
    [
      [0, 200],
      [0.25, 10],
    ],
    [null, 'low'],
  ],
];

describe('silences', () => {
  it.each(silenceRows)('%s', (_name, silence, steps, expected) => {
    expect(playSilenced(silence, steps).seen).toEqual(expected);
  });

  it('the state advances while silenced: level, balance and check time', () => {
    const { state } = playSilenced(
      [0.1, 2],
      [
        [0, 200],
        [0.25, 10],
      ],
    );
    expect(state).toMatchObject({
      level: 'CRITICAL',
      lastBalance: { amount: 10 },
      checkedAt: new Date(T0 + 0.25 * HOUR).toISOString(),
    });
    expect(state?.lowNotice).toBeUndefined();
  });

  it('every run carries the silence through, after a success and after a failure', () => {
    const silence = { until: '2026-11-03T09:00:00.000Z', since: '2026-11-02T08:00:00.000Z', reason: 'x' };
    const start: AlertState = { level: 'OK', levelSince: '2026-11-01T00:00:00.000Z', silence };
    const now = new Date(T0);
    expect(transition(start, observe(200), now, testAccount()).next.silence).toEqual(silence);
    expect(transition(start, observe('auth'), now, testAccount()).next.silence).toEqual(silence);
  });

  it('a spend spike held while silenced is not marked as told, and goes out once when the silence ends', () => {
    const { seen, state } = playSilenced(
      [0.1, 2],
      [
        [0, burning(4000, 5)],
        [0.25, burning(4000, 300)],
        [1, burning(4000, 300)],
        [2.25, burning(4000, 300)],
        [3, burning(4000, 300)],
      ],
    );
    expect(seen).toEqual([null, 'held: spend-spike', 'held: spend-spike', 'spend-spike', null]);
    expect(state?.spikeNotice?.since).toBe(new Date(T0 + 2.25 * HOUR).toISOString());
  });

  it('counts a held notice neither as the last notice nor among the notices sent', () => {
    const { state } = playSilenced(
      [0.1, 2],
      [
        [0, 200],
        [0.25, 10],
      ],
    );
    expect(state?.noticesSent).toBeUndefined();
    expect(state?.lastNotice).toBeUndefined();
  });
});
