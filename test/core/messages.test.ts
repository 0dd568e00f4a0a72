import { describe, expect, it } from 'vitest';
import { type AccountConfig, LOCALES, type Locale } from '../../lambda/core/config.js';
import { gsm7Length, isGsm7 } from '../../lambda/core/gsm.js';
import { createRenderer, renderNotification } from '../../lambda/core/messages.js';
import type { Notification, NotificationKind } from '../../lambda/core/notification.js';
import { testAccount } from '../support/accounts.js';
import { ACCOUNT, FORECAST, KINDS, LONG_NAME, notificationOf, ZONE } from '../support/notices.js';

const MATRIX = KINDS.flatMap((kind) => LOCALES.map((locale) => [kind, locale] as const));
const TURKISH_LETTERS = /[şŞıİğĞçÇöÖüÜ]/;

function render(n: Notification, locale: Locale, account: AccountConfig = ACCOUNT, zone = ZONE) {
  return renderNotification(n, account, locale, zone);
}

/** The variants every message must survive: the limits of SNS subjects and one SMS segment. */
function variants(kind: NotificationKind): [string, Notification][] {
  const n = notificationOf(kind);
  return [
    ['as decided', n],
    ['with a 64-character account name', { ...n, account: LONG_NAME }],
    ['with a huge balance', { ...n, balance: { amount: 987_654_321_098.76, sms: 6_172_839_506_867 } }],
    ['with a forecast', { ...n, forecast: FORECAST }],
    [
      'with everything at its longest',
      {
        ...n,
        account: LONG_NAME,
        balance: { amount: 987_654_321_098.76, sms: 6_172_839_506_867 },
        forecast: FORECAST,
      },
    ],
    ['with an absurd balance', { ...n, balance: { amount: Number.MAX_VALUE, sms: Number.MAX_SAFE_INTEGER } }],
    ['without a balance', { ...n, balance: undefined, balanceAt: undefined }],
  ];
}

describe.each(MATRIX)('the %s message in %s', (kind, locale) => {
  it.each(variants(kind))('has an ASCII subject, one line under 100 characters, %s', (_name, n) => {
    const { subject } = render(n, locale);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.length).toBeLessThan(100);
  });

  it.each(variants(kind))('has an SMS of one GSM-7 segment without Turkish letters, %s', (_name, n) => {
    const { sms } = render(n, locale);
    expect(isGsm7(sms)).toBe(true);
    expect(gsm7Length(sms)).toBeLessThanOrEqual(160);
    expect(sms).not.toMatch(TURKISH_LETTERS);
  });

  it('keeps enough of a 64-character account name to tell accounts apart, in the SMS and the subject', () => {
    const { sms, subject } = render(notificationOf(kind, { account: LONG_NAME }), locale);
    expect(sms).toContain(LONG_NAME.slice(0, 16));
    expect(subject).toContain(LONG_NAME.slice(0, 16));
  });

  it('starts the subject with the severity', () => {
    const expected = { en: '[CRITICAL]', tr: '[KRITIK]' }[locale];
    expect(render(notificationOf(kind, { severity: 'CRITICAL' }), locale).subject.startsWith(expected)).toBe(
      true,
    );
  });

  it('names the account, the balance and the thresholds in the email', () => {
    const { email } = render(notificationOf(kind, { balance: { amount: 1234.5, sms: 7716 } }), locale);
    const numbers = {
      en: ['1,234.50 TL', '7,716 SMS', '100.00 TL', '500 SMS', '25.00 TL', '150 SMS'],
      tr: ['1.234,50 TL', '7.716 SMS', '100,00 TL', '500 SMS', '25,00 TL', '150 SMS'],
    }[locale];
    expect(email).toContain('"main"');
    for (const number of numbers) expect(email).toContain(number);
  });

  it('sends the full text to subscribers without a protocol of their own', () => {
    const message = render(notificationOf(kind), locale);
    expect(message.default).toBe(message.email);
  });

  it('carries severity, account and kind as message attributes', () => {
    const n = notificationOf(kind);
    expect(render(n, locale).attributes).toEqual({ severity: n.severity, account: 'main', kind });
  });
});

describe('the forecast in messages', () => {
  it.each([
    ['en', 'Mon 30 Nov'],
    ['tr', '30 Kas Pzt'],
  ] as const)('gives the day it runs out in the configured time zone (%s)', (locale, day) => {
    const { email, sms } = render(notificationOf('low'), locale);
    expect(email).toContain(day);
    expect(sms).toContain(day);
  });

  it('gives the day in another configured time zone when it is another day there', () => {
    const { email } = render(notificationOf('low'), 'en', ACCOUNT, 'UTC');
    expect(email).toContain('Sun 29 Nov');
    expect(email).not.toContain('Mon 30 Nov');
  });

  it.each([
    [
      'en',
      'about 4.10 TL a day',
      'runs out in about 3 days, around Mon 30 Nov',
      'critical threshold in about 10 hours',
    ],
    [
      'tr',
      'günde yaklaşık 4,10 TL',
      'yaklaşık 3 gün içinde, 30 Kas Pzt civarında bitecek',
      'kritik eşiğe yaklaşık 10 saat',
    ],
  ] as const)('states the burn, the days to empty and to critical in the email (%s)', (locale, ...parts) => {
    const { email } = render(notificationOf('low'), locale);
    for (const part of parts) expect(email).toContain(part);
  });

  it.each([
    ['en', 'Runs out ~3d (Mon 30 Nov).'],
    ['tr', '~3 gunde biter (30 Kas Pzt).'],
  ] as const)('shortens the forecast in the SMS (%s)', (locale, short) => {
    expect(render(notificationOf('low'), locale).sms).toContain(short);
  });

  it('counts hours when less than a day is left', () => {
    const n = notificationOf('low', {
      forecast: { ...FORECAST, daysToEmpty: 0.25, daysToCritical: undefined },
    });
    const { email, sms } = render(n, 'en');
    expect(email).toContain('runs out in about 6 hours');
    expect(sms).toContain('Runs out ~6h');
  });

  it('says the balance is used up when nothing is left', () => {
    const n = notificationOf('low', {
      balance: { amount: 0, sms: 0 },
      forecast: { ...FORECAST, daysToEmpty: 0, daysToCritical: undefined },
    });
    const { email, sms } = render(n, 'en');
    expect(email).toContain('Forecast: the balance is used up.');
    expect(sms).toContain('Used up.');
  });

  it('follows an SMS-billed account in SMS a day', () => {
    const n = notificationOf('low', { forecast: { ...FORECAST, measure: 'sms', burnPerDay: 25 } });
    expect(render(n, 'en').email).toContain('about 25 SMS a day');
  });

  it('explains why there is no forecast yet', () => {
    const { email } = render(notificationOf('low', { forecast: undefined }), 'en');
    expect(email).toContain('Forecast: not known yet');
  });

  it('keeps the whole account name and drops the forecast from the SMS when both do not fit', () => {
    const { sms } = render(notificationOf('low-reminder', { account: LONG_NAME }), 'en');
    expect(sms).toContain(LONG_NAME);
    expect(sms).not.toContain('Runs out');
  });

  it('keeps the forecast with a recognisable part of the name when even the whole name alone does not fit', () => {
    const n = notificationOf('forecast-reminder', {
      account: LONG_NAME,
      balance: { amount: 987_654_321_098.76, sms: 6_172_839_506_867 },
    });
    const { sms } = render(n, 'en');
    expect(sms).toContain('Runs out ~3d (Mon 30 Nov).');
    expect(sms).toContain(`${LONG_NAME.slice(0, 40)}`);
    expect(sms).not.toContain(LONG_NAME);
  });

  it('states the configured forecast horizon when the forecast clears', () => {
    const account = testAccount({ policy: { ...ACCOUNT.policy, forecastDays: 5 } });
    const { email, sms } = render(notificationOf('forecast-cleared'), 'en', account);
    expect(email).toContain('no longer expected to run out within 5 days');
    expect(sms).toContain('within 5d');
  });
});

describe('low-balance messages', () => {
  it('reads like the example SMS', () => {
    expect(render(notificationOf('low'), 'en').sms).toBe(
      'iletiMerkezi main CRITICAL: 12.50 TL (~80 SMS). Runs out ~3d (Mon 30 Nov). Top up now.',
    );
  });

  it('reads like the example subject', () => {
    expect(render(notificationOf('low'), 'en').subject).toBe(
      '[CRITICAL] iletiMerkezi balance low: main 12.50 TL',
    );
  });

  it('states the level and the level before', () => {
    expect(render(notificationOf('low'), 'en').email).toContain('Level: CRITICAL (was WARNING)');
    expect(render(notificationOf('low'), 'tr').email).toContain('Seviye: KRİTİK (önceki: UYARI)');
  });

  it('says where to top up', () => {
    expect(render(notificationOf('low'), 'en').email).toContain(
      'Top up the balance at https://panel.iletimerkezi.com',
    );
  });

  it('says when the next reminder comes, from the policy of the level', () => {
    expect(render(notificationOf('low'), 'en').email).toContain('reminded every 6 hours');
    expect(render(notificationOf('low', { severity: 'WARNING', level: 'WARNING' }), 'en').email).toContain(
      'reminded every 24 hours',
    );
  });

  it('writes proper Turkish in the email and folds it in the SMS and subject', () => {
    const { email, sms, subject } = render(notificationOf('low'), 'tr');
    expect(email).toContain('"main" hesabının iletiMerkezi bakiyesi KRİTİK seviyesine düştü.');
    expect(sms).toBe(
      'iletiMerkezi main KRITIK: 12,50 TL (~80 SMS). ~3 gunde biter (30 Kas Pzt). Hemen yukleyin.',
    );
    expect(subject).toBe('[KRITIK] iletiMerkezi bakiyesi dusuk: main 12,50 TL');
  });
});

describe('recovery messages', () => {
  it('says the balance is back above the thresholds, with the new balance', () => {
    const { email, sms, subject } = render(notificationOf('recovered'), 'en');
    expect(email).toContain('is back above the thresholds');
    expect(email).toContain('Balance: 512.00 TL, about 3,200 SMS');
    expect(sms).toBe('iletiMerkezi main recovered: 512.00 TL (~3,200 SMS).');
    expect(subject).toBe('[OK] iletiMerkezi balance recovered: main 512.00 TL');
  });

  it('says the monitor can check again and gives the balance status now', () => {
    const { email, sms } = render(notificationOf('monitor-recovered'), 'en');
    expect(email).toContain(
      'can check the iletiMerkezi balance of account "main" again. The balance is WARNING.',
    );
    expect(email).toContain('Balance: 80.00 TL, about 500 SMS');
    expect(sms).toBe('iletiMerkezi main: balance check works again. WARNING: 80.00 TL (~500 SMS).');
  });

  it('asks for a top-up when the monitor recovers to a low balance', () => {
    expect(render(notificationOf('monitor-recovered'), 'en').email).toContain('Top up the balance');
  });

  it('has nothing to ask when the monitor recovers to an OK balance', () => {
    const { email } = render(notificationOf('monitor-recovered', { level: 'OK' }), 'en');
    expect(email).toContain('Nothing to do.');
    expect(email).not.toContain('Top up');
  });
});

describe('check-failure messages', () => {
  const auth = notificationOf('check-failed');

  it.each([
    [
      'en',
      [
        'Wrong API key or hash',
        '"Allow API access" at Settings → Security → Access Permissions',
        'fixed-IP allow-list',
        'outgoing IP address is not fixed',
      ],
    ],
    [
      'tr',
      [
        'API anahtarı veya hash yanlış',
        'Ayarlar → Güvenlik → Erişim İzinleri',
        '"Allow API access"',
        'sabit IP izin listesi',
        'çıkış IP adresi sabit değildir',
      ],
    ],
  ] as const)('an authentication failure names its three causes (%s)', (locale, causes) => {
    const { email } = render(auth, locale);
    for (const cause of causes) expect(email).toContain(cause);
  });

  it('an authentication failure says how to store the credentials again, for this account', () => {
    expect(render(auth, 'en').email).toContain('npm run credentials -- main');
  });

  it('an authentication failure points at the causes in the SMS', () => {
    expect(render(auth, 'en').sms).toBe(
      'iletiMerkezi main: balance check failing (login rejected), 1x since 27 Nov, 14:05. Check key/hash, API access, IP allow-list.',
    );
  });

  it('a failure email gives the problem, its details and the last known balance', () => {
    const { email } = render(auth, 'en');
    expect(email).toContain('Problem: iletiMerkezi rejected the API key and hash (status 401)');
    expect(email).toContain('Details: Üyelik bilgileri hatalı');
    expect(email).toContain('Last known balance: 80.00 TL, about 500 SMS (checked Fri 27 Nov, 11:00)');
  });

  it.each([
    ['transient', 'could not be reached', 'tries again on every run'],
    ['invalid-response', 'not a balance', 'never takes an unreadable answer for a zero balance'],
    ['config', 'configuration is incomplete', 'npm run credentials -- main'],
  ] as const)('a %s failure gives the count, since when, the message and advice', (kind, problem, advice) => {
    const n = notificationOf('check-failed', {
      failure: { kind, message: 'the provider said no', count: 3, since: '2026-11-27T08:15:00.000Z' },
    });
    const { email, sms } = render(n, 'en');
    expect(email).toContain(problem);
    expect(email).toContain('Failed checks: 3 in a row, the first at Fri 27 Nov, 11:15');
    expect(email).toContain('Details: the provider said no');
    expect(email).toContain(advice);
    expect(sms).toContain('3x since 27 Nov, 11:15');
  });

  it('gives the count and the start of the streak in Turkish', () => {
    const { email, sms } = render(notificationOf('check-failed-reminder'), 'tr');
    expect(email).toContain('Başarısız kontroller: art arda 7 kez, ilki 27 Kas Cum 11:15');
    expect(sms).toContain('ilki 27 Kas 11:15');
  });

  it('says when the next failure reminder comes', () => {
    expect(render(auth, 'en').email).toContain('reminded every 6 hours, and told once when it works again');
  });

  it('says so when the last balance is unknown', () => {
    const { email } = render(
      notificationOf('check-failed', { balance: undefined, balanceAt: undefined }),
      'en',
    );
    expect(email).toContain('Last known balance: unknown');
  });
});

describe('createRenderer', () => {
  it('renders with the locale and time zone chosen at cold start', () => {
    const n = notificationOf('low');
    expect(createRenderer('tr', 'UTC').render(n, ACCOUNT)).toEqual(
      renderNotification(n, ACCOUNT, 'tr', 'UTC'),
    );
  });
});

describe('spend-spike messages', () => {
  const spike = notificationOf('spend-spike');

  it('say the burn, its multiple of normal and how long the balance lasts at that pace, in English', () => {
    const { subject, sms, email } = render(spike, 'en');
    expect(subject).toBe('[WARNING] iletiMerkezi spend spike: main 300.00 TL/h, 60x normal');
    expect(sms).toBe(
      'iletiMerkezi main SPEND SPIKE: 300.00 TL/h, 60x normal. 4,200.00 TL (~26,250 SMS), lasts ~14h. Check for abuse.',
    );
    expect(email).toContain(
      "Spend: 300.00 TL in the newest hour, 60x the week's median hour (5.00 TL); at this pace the balance lasts about 14 hours.",
    );
  });

  it('say the same in Turkish', () => {
    const { subject, sms, email } = render(spike, 'tr');
    expect(subject).toBe('[UYARI] iletiMerkezi harcama artisi: main 300,00 TL/saat (normalin 60x)');
    expect(sms).toContain('300,00 TL/saat (normalin 60x)');
    expect(sms).toContain('~14 saatte biter');
    expect(email).toContain('Harcama: son saatte 300,00 TL');
  });

  it('tell the spike is over without figures to act on', () => {
    const { sms } = render(notificationOf('spend-spike-cleared'), 'en');
    expect(sms).toBe('iletiMerkezi main: spend back to normal. 3,900.00 TL (~24,375 SMS).');
  });
});
