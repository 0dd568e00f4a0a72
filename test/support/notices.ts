import type { Forecast } from '../../lambda/core/forecast-types.js';
import type { Notification, NotificationKind } from '../../lambda/core/notification.js';
import { testAccount } from './accounts.js';

/** A notification of every kind, as the alert rules decide them, for the renderer tests. */

export const KINDS: readonly NotificationKind[] = [
  'low',
  'low-reminder',
  'recovered',
  'check-failed',
  'check-failed-reminder',
  'monitor-recovered',
  'forecast',
  'forecast-reminder',
  'forecast-cleared',
  'spend-spike',
  'spend-spike-reminder',
  'spend-spike-cleared',
];
export const ZONE = 'Europe/Istanbul';
export const NOW = '2026-11-27T11:05:00.000Z';
export const LONG_NAME = `acme-${'x'.repeat(50)}-payments`.slice(0, 64);

/** 22:30 UTC on Sunday the 29th is 01:30 on Monday the 30th in Istanbul. */
export const FORECAST: Forecast = {
  measure: 'amount',
  burnPerDay: 4.1,
  daysToEmpty: 2.6,
  daysToCritical: 0.4,
  emptyAt: '2026-11-29T22:30:00.000Z',
  samples: 96,
  since: '2026-11-20T00:00:00.000Z',
};

export const ACCOUNT = testAccount({
  thresholds: { warning: { amount: 100, sms: 500 }, critical: { amount: 25, sms: 150 } },
});

/** A notification of each kind as the state machine would decide it. */
export function notificationOf(kind: NotificationKind, overrides: Partial<Notification> = {}): Notification {
  const base = { kind, account: 'main', at: NOW, balanceAt: NOW } as const;
  const low = {
    ...base,
    severity: 'CRITICAL',
    level: 'CRITICAL',
    balance: { amount: 12.5, sms: 80 },
  } as const;
  const failing = {
    ...base,
    severity: 'CRITICAL',
    level: 'WARNING',
    balance: { amount: 80, sms: 500 },
    balanceAt: '2026-11-27T08:00:00.000Z',
  } as const;
  const byKind: Record<NotificationKind, Notification> = {
    low: { ...low, previousLevel: 'WARNING', forecast: FORECAST },
    'low-reminder': { ...low, previousLevel: 'CRITICAL', forecast: FORECAST },
    recovered: {
      ...base,
      severity: 'OK',
      level: 'OK',
      previousLevel: 'CRITICAL',
      balance: { amount: 512, sms: 3200 },
    },
    'check-failed': {
      ...failing,
      failure: { kind: 'auth', message: 'Üyelik bilgileri hatalı', status: 401, count: 1, since: NOW },
    },
    'check-failed-reminder': {
      ...failing,
      failure: {
        kind: 'transient',
        message: 'HTTP 503',
        status: 503,
        count: 7,
        since: '2026-11-27T08:15:00.000Z',
      },
    },
    'monitor-recovered': { ...failing, severity: 'OK', balanceAt: NOW },
    forecast: {
      ...base,
      severity: 'WARNING',
      level: 'OK',
      balance: { amount: 180, sms: 1125 },
      forecast: FORECAST,
    },
    'forecast-reminder': {
      ...base,
      severity: 'WARNING',
      level: 'OK',
      balance: { amount: 150, sms: 937 },
      forecast: FORECAST,
    },
    'forecast-cleared': { ...base, severity: 'OK', level: 'OK', balance: { amount: 900, sms: 5625 } },
    'spend-spike': {
      ...base,
      severity: 'WARNING',
      level: 'OK',
      balance: { amount: 4200, sms: 26250 },
      spend: { burnPerHour: 300, normalPerHour: 5, multiple: 60, daysLeft: 4200 / 300 / 24 },
    },
    'spend-spike-reminder': {
      ...base,
      severity: 'WARNING',
      level: 'WARNING',
      balance: { amount: 1234.56, sms: 7716 },
      spend: { burnPerHour: 1234.5, normalPerHour: 12.25, multiple: 100.8, daysLeft: 1234.56 / 1234.5 / 24 },
    },
    'spend-spike-cleared': {
      ...base,
      severity: 'WARNING',
      level: 'OK',
      balance: { amount: 3900, sms: 24375 },
    },
  };
  return { ...byKind[kind], ...overrides };
}
