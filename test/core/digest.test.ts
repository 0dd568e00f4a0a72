import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { ChatNotice } from '../../lambda/core/chat-notice.js';
import { type AccountConfig, LOCALES } from '../../lambda/core/config.js';
import { DIGEST_LISTED, digestFigures, isDigestRequest, renderDigest } from '../../lambda/core/digest.js';
import type { Sample } from '../../lambda/core/forecast-types.js';
import { historyFromSamples } from '../../lambda/core/history.js';
import type { StoredState } from '../../lambda/core/ports.js';
import type { WebhookNotice } from '../../lambda/core/webhook-notice.js';
import { testAccount } from '../support/accounts.js';
import { LONG_NAME, ZONE } from '../support/notices.js';

const schema = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true });
const validWebhook = ajv.compile(schema('webhook-notice.v1.schema.json'));
const validChat = ajv.compile(schema('chat-notice.schema.json'));

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-30T06:00:00Z');

/** Hourly readings for the week before NOW: `perHour` TL used an hour, 6.25 SMS per TL. */
function week(start: number, perHour: number, topUpAtHour?: number, topUp = 0): Sample[] {
  const samples: Sample[] = [];
  let amount = start;
  for (let h = 167; h >= 0; h--) {
    if (h !== 167) amount -= perHour;
    if (h === topUpAtHour) amount += topUp;
    samples.push({ at: new Date(NOW - h * HOUR).toISOString(), amount, sms: Math.round(amount * 6.25) });
  }
  return samples;
}

function stored(samples: Sample[], extra: Partial<StoredState['state']> = {}): StoredState {
  return {
    state: { level: 'OK', levelSince: new Date(NOW - 200 * HOUR).toISOString(), ...extra },
    version: 3,
    history: historyFromSamples(samples),
  };
}

describe('weekly digest figures', () => {
  it('says what the week did from the history: spend without top-ups, top-ups, lowest and current', () => {
    const account = testAccount();
    // 5 TL an hour for a week from 2000 TL, a 500 TL top-up 100 hours ago.
    const figures = digestFigures(
      [account],
      new Map([['main', stored(week(2000, 5, 100, 500))]]),
      new Date(NOW),
    );
    const [main] = figures.accounts;
    expect(main).toMatchObject({
      account: 'main',
      // The hour of the top-up shows its net rise (500 less that hour's 5 TL of use).
      spent: 166 * 5,
      topUps: 1,
      toppedUp: 495,
      current: 2000 - 167 * 5 + 500,
      lowest: 2000 - 67 * 5,
      silenced: false,
    });
    expect(main?.spentSms).toBeCloseTo(166 * 5 * 6.25, -1);
    expect(main?.daysToEmpty).toBeGreaterThan(0);
  });

  it('counts the notices of the last 7 days and tells a live silence from an expired one', () => {
    const day = Math.floor(NOW / (24 * HOUR));
    const states = new Map([
      [
        'a',
        stored(week(1000, 1), {
          noticesSent: [
            { day: day - 9, count: 5 },
            { day: day - 3, count: 2 },
            { day, count: 1 },
          ],
          silence: {
            since: new Date(NOW - HOUR).toISOString(),
            until: new Date(NOW + HOUR).toISOString(),
            reason: 'maintenance',
          },
        }),
      ],
      [
        'b',
        stored(week(1000, 1), {
          silence: {
            since: new Date(NOW - 3 * HOUR).toISOString(),
            until: new Date(NOW - HOUR).toISOString(),
            reason: 'over',
          },
        }),
      ],
    ]);
    const figures = digestFigures(
      [testAccount({ name: 'a' }), testAccount({ name: 'b' })],
      states,
      new Date(NOW),
    );
    expect(figures.accounts.map((f) => [f.account, f.notices, f.silenced])).toEqual([
      ['a', 3, true],
      ['b', 0, false],
    ]);
    expect(figures.totals).toMatchObject({ notices: 3, silenced: 1 });
  });

  it('lists the ten accounts closest to empty first and totals over all of them', () => {
    const accounts: AccountConfig[] = [];
    const states = new Map<string, StoredState>();
    for (let i = 0; i < 25; i++) {
      const name = `acct-${i}`;
      accounts.push(testAccount({ name }));
      // Account i lasts longer the larger i is; one SMS per account sent 2 TL an hour.
      states.set(name, stored(week(2000 + 400 * i, 2)));
    }
    const figures = digestFigures(accounts, states, new Date(NOW));
    expect(figures.accounts).toHaveLength(DIGEST_LISTED);
    expect(figures.accounts.map((f) => f.account)).toEqual(accounts.slice(0, 10).map((a) => a.name));
    expect(figures.totals.accounts).toBe(25);
    expect(figures.totals.spent).toBe(25 * 167 * 2);
  });

  it('shows an account without any reading as unknown, not as zero', () => {
    const figures = digestFigures([testAccount()], new Map(), new Date(NOW));
    expect(figures.accounts[0]).toMatchObject({
      spent: null,
      current: null,
      notices: null,
      daysToEmpty: null,
    });
  });
});

describe.each(LOCALES)('the weekly digest in %s', (locale) => {
  const accounts = Array.from({ length: 12 }, (_, i) =>
    testAccount({ name: i === 0 ? LONG_NAME : `acct-${i}` }),
  );
  const states = new Map(accounts.map((a, i) => [a.name, stored(week(3000 + 100 * i, 3, 50, 200))]));
  const message = renderDigest(digestFigures(accounts, states, new Date(NOW)), locale, ZONE);

  it('has an ASCII subject under 100 characters', () => {
    expect(message.subject).toMatch(/^[\x20-\x7e]{1,99}$/);
    expect(message.subject.startsWith('[INFO]')).toBe(true);
  });

  it('is short enough to read in ten seconds: a headline, ten account lines, the rest in the totals', () => {
    const lines = message.email.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeLessThanOrEqual(1 + DIGEST_LISTED + 2 + 1);
    expect(message.email).toContain(LONG_NAME);
    expect(message.email).not.toContain('acct-11:');
  });

  it('is published as INFO, the severity SMS subscriptions filter out', () => {
    expect(message.attributes).toEqual({ severity: 'INFO', kind: 'digest' });
  });

  it('is a webhook notice valid against its schema, with the figures', () => {
    const webhook = JSON.parse(message.https) as WebhookNotice;
    expect(validWebhook(webhook), JSON.stringify(validWebhook.errors)).toBe(true);
    expect(webhook).toMatchObject({ kind: 'digest', status: 'info', account: null });
    expect(webhook.digest?.totals.accounts).toBe(12);
  });

  it('is a chat notification valid against its schema', () => {
    const chat = JSON.parse(message.chat) as ChatNotice;
    expect(validChat(chat), JSON.stringify(validChat.errors)).toBe(true);
    expect(chat.metadata.eventType).toBe('digest');
  });
});

describe('the digest request', () => {
  it('is the event {"action":"digest"}, with or without the scheduled time', () => {
    expect(isDigestRequest({ action: 'digest' })).toBe(true);
    expect(isDigestRequest({ action: 'digest', scheduledTime: '2026-11-30T06:00:00Z' })).toBe(true);
    expect(isDigestRequest({ scheduledTime: '2026-11-30T06:00:00Z' })).toBe(false);
  });
});
