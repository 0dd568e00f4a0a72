import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { CHAT_LIMITS, type ChatNotice } from '../../lambda/core/chat-notice.js';
import { LOCALES } from '../../lambda/core/config.js';
import { gsm7Length, isGsm7, SMS_SEGMENT, smsPrefix, TOPIC_DISPLAY_NAME } from '../../lambda/core/gsm.js';
import { renderNotification, renderTestNotice } from '../../lambda/core/messages.js';
import type { Notification, NotificationKind } from '../../lambda/core/notification.js';
import type { WebhookNotice } from '../../lambda/core/webhook-notice.js';
import { ACCOUNT, KINDS, LONG_NAME, NOW, notificationOf, ZONE } from '../support/notices.js';

/** Every notice kind in every locale, as a webhook notice and a chat notification, held to their schemas. */

const schema = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true });
const validWebhook = ajv.compile(schema('webhook-notice.v1.schema.json'));
const validChat = ajv.compile(schema('chat-notice.schema.json'));

const MATRIX = KINDS.flatMap((kind) => LOCALES.map((locale) => [kind, locale] as const));
const EPISODE = { topic: 'balance', since: '2026-11-26T09:00:00.000Z' } as const;
const RESOLVING: readonly NotificationKind[] = [
  'recovered',
  'monitor-recovered',
  'forecast-cleared',
  'spend-spike-cleared',
];

function withEpisode(kind: NotificationKind, overrides: Partial<Notification> = {}): Notification {
  return notificationOf(kind, { episode: EPISODE, ...overrides });
}

function rendered(n: Notification, locale: (typeof LOCALES)[number]) {
  const message = renderNotification(n, ACCOUNT, locale, ZONE);
  return {
    message,
    webhook: JSON.parse(message.https) as WebhookNotice,
    chat: JSON.parse(message.chat) as ChatNotice,
  };
}

describe.each(MATRIX)('the %s notice in %s', (kind, locale) => {
  const variants: [string, Notification][] = [
    ['as decided', withEpisode(kind)],
    ['with a 64-character account name', withEpisode(kind, { account: LONG_NAME })],
    ['without a balance', withEpisode(kind, { balance: undefined, balanceAt: undefined })],
  ];

  it.each(variants)('is a webhook notice valid against its schema, %s', (_name, n) => {
    const { webhook } = rendered(n, locale);
    expect(validWebhook(webhook), JSON.stringify(validWebhook.errors)).toBe(true);
  });

  it.each(variants)('is a chat notification valid against its schema, %s', (_name, n) => {
    const { chat } = rendered(n, locale);
    expect(validChat(chat), JSON.stringify(validChat.errors)).toBe(true);
  });

  it('keys the webhook and the chat thread to the account episode', () => {
    const { webhook, chat } = rendered(withEpisode(kind), locale);
    expect(webhook.dedupKey).toBe(`main/balance/${EPISODE.since}`);
    expect(chat.metadata.threadId).toBe(webhook.dedupKey);
  });

  it('says whether it opens or resolves the episode', () => {
    const { webhook } = rendered(withEpisode(kind), locale);
    expect(webhook.status).toBe(RESOLVING.includes(kind) ? 'resolved' : 'firing');
  });

  it('carries the figures, the kind and the human text in the webhook', () => {
    const n = withEpisode(kind);
    const { message, webhook } = rendered(n, locale);
    expect(webhook).toMatchObject({
      kind,
      severity: n.severity,
      account: 'main',
      level: n.level,
      amount: n.balance?.amount ?? null,
      sms: n.balance?.sms ?? null,
      thresholds: { warning: { amount: 100, sms: 500 }, critical: { amount: 25, sms: 150 } },
      decidedAt: NOW,
      episodeSince: EPISODE.since,
      text: message.email,
    });
    expect(webhook.forecast?.daysToEmpty ?? null).toBe(n.forecast?.daysToEmpty ?? null);
  });

  it('names the kind as the chat event type and gives the account facts as context', () => {
    const n = withEpisode(kind);
    const { chat } = rendered(n, locale);
    expect(chat.metadata.eventType).toBe(kind);
    expect(chat.metadata.additionalContext).toMatchObject({ account: 'main', level: n.level });
    if (n.balance) {
      expect(chat.metadata.additionalContext).toMatchObject({
        amount: String(n.balance.amount),
        sms: String(n.balance.sms),
      });
    }
    if (n.forecast) expect(chat.metadata.additionalContext.daysToEmpty).toBeDefined();
  });

  it('delivers an SMS of one GSM-7 segment with a 64-character account name, after what SNS prepends', () => {
    const { message } = rendered(withEpisode(kind, { account: LONG_NAME }), locale);
    const delivered = `${smsPrefix(TOPIC_DISPLAY_NAME)}${message.sms}`;
    expect(isGsm7(delivered)).toBe(true);
    expect(gsm7Length(delivered)).toBeLessThanOrEqual(SMS_SEGMENT);
  });
});

describe('chat notification limits', () => {
  it('cut an overlong title and description to the documented limits', () => {
    const n = withEpisode('check-failed', {
      failure: { kind: 'transient', message: 'x'.repeat(20_000), count: 3, since: NOW },
    });
    const { chat } = rendered(n, 'en');
    expect(chat.content.description.length).toBeLessThanOrEqual(CHAT_LIMITS.description);
    expect(chat.content.description.endsWith('…')).toBe(true);
    expect(validChat(chat), JSON.stringify(validChat.errors)).toBe(true);
  });
});

describe('a notice decided before episodes were recorded', () => {
  it('is an episode of its own, keyed by the time it was decided', () => {
    const { webhook } = rendered(notificationOf('low'), 'en');
    expect(webhook.dedupKey).toBe(`main/balance/${NOW}`);
  });
});

describe('the SMS rule', () => {
  it('counts the display name SNS prepends, upper-cased with "> "', () => {
    expect(smsPrefix('iletiMerkezi balance')).toBe('ILETIMERKEZI BALANCE> ');
    expect(smsPrefix(undefined)).toBe('');
  });
});

describe.each(LOCALES)('the test notice in %s', (locale) => {
  const message = renderTestNotice(new Date(NOW), locale, ZONE);
  const webhook = JSON.parse(message.https) as WebhookNotice;
  const chat = JSON.parse(message.chat) as ChatNotice;

  it('is marked TEST in the subject, every text and the attributes', () => {
    for (const text of [message.subject, message.email, message.sms, chat.content.title]) {
      expect(text).toContain('TEST');
    }
    expect(message.attributes).toEqual({ severity: 'TEST', kind: 'test' });
  });

  it('is a valid webhook notice with the test status and no account', () => {
    expect(validWebhook(webhook), JSON.stringify(validWebhook.errors)).toBe(true);
    expect(webhook).toMatchObject({ status: 'test', kind: 'test', account: null, decidedAt: NOW });
  });

  it('is a valid chat notification', () => {
    expect(validChat(chat), JSON.stringify(validChat.errors)).toBe(true);
    expect(chat.metadata.eventType).toBe('test');
  });

  it('delivers an SMS of one GSM-7 segment', () => {
    const delivered = `${smsPrefix(TOPIC_DISPLAY_NAME)}${message.sms}`;
    expect(isGsm7(delivered)).toBe(true);
    expect(gsm7Length(delivered)).toBeLessThanOrEqual(SMS_SEGMENT);
  });
});
