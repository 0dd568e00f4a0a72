import { describe, expect, it } from 'vitest';
import type { RenderedMessage } from '../../lambda/core/notification.js';
import type { Notifier } from '../../lambda/core/ports.js';
import { isTestNoticeRequest, sendTestNotice } from '../../lambda/core/test-notice.js';

const NOW = new Date('2026-11-27T11:05:00.000Z');
const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:balance-alerts';
const CHAT = 'arn:aws:sns:eu-central-1:123456789012:balance-chat';

function recording(fail?: string): Notifier & { sent: RenderedMessage[] } {
  const sent: RenderedMessage[] = [];
  return {
    sent,
    async publish(message) {
      if (fail) throw new Error(fail);
      sent.push(message);
    },
  };
}

describe('the test notice request', () => {
  it('is the event {"action": "test-notice"} and nothing else', () => {
    expect(isTestNoticeRequest({ action: 'test-notice' })).toBe(true);
    expect(isTestNoticeRequest({ action: 'check' })).toBe(false);
    expect(isTestNoticeRequest({ scheduledTime: '2026-11-27T11:00:00Z' })).toBe(false);
    expect(isTestNoticeRequest('test-notice')).toBe(false);
    expect(isTestNoticeRequest(null)).toBe(false);
  });
});

describe('sending the test notice', () => {
  it('publishes the same TEST notice to the main topic and the chat topic and says where', async () => {
    const topic = recording();
    const chat = recording();
    const result = await sendTestNotice({
      topic: { notifier: topic, topicArn: TOPIC },
      chat: { notifier: chat, topicArn: CHAT },
      clock: () => NOW,
      locale: 'en',
      timeZone: 'Europe/Istanbul',
    });

    expect(result).toEqual({
      action: 'test-notice',
      at: NOW.toISOString(),
      subject: '[TEST] iletiMerkezi balance monitor: test notice',
      deliveries: [
        { channel: 'topic', topicArn: TOPIC, protocols: ['email', 'sms', 'https'], published: true },
        { channel: 'chat', topicArn: CHAT, protocols: ['chat'], published: true },
      ],
      problems: 0,
    });
    expect(topic.sent).toHaveLength(1);
    expect(chat.sent).toEqual(topic.sent);
    expect(topic.sent[0]?.attributes).toEqual({ severity: 'TEST', kind: 'test' });
  });

  it('publishes to the main topic alone when no chat channel is configured', async () => {
    const result = await sendTestNotice({
      topic: { notifier: recording(), topicArn: TOPIC },
      clock: () => NOW,
      locale: 'tr',
      timeZone: 'Europe/Istanbul',
    });
    expect(result.deliveries.map((d) => d.channel)).toEqual(['topic']);
  });

  it('reports a refused publish with its error, and still publishes to the other topic', async () => {
    const chat = recording();
    const result = await sendTestNotice({
      topic: { notifier: recording('SNS Publish failed: AuthorizationError'), topicArn: TOPIC },
      chat: { notifier: chat, topicArn: CHAT },
      clock: () => NOW,
      locale: 'en',
      timeZone: 'UTC',
    });
    expect(result.problems).toBe(1);
    expect(result.deliveries[0]).toMatchObject({
      published: false,
      error: 'SNS Publish failed: AuthorizationError',
    });
    expect(chat.sent).toHaveLength(1);
  });
});
