import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClean, expectReturned } from './expect-run.js';
import { type E2eSuite, startE2eSuite, TOPIC_ARN } from './harness.js';

/**
 * The test notice through the shipped bundle, with the real SNS client against the local SNS: one
 * publish per topic, marked TEST, regardless of any account's state, which it leaves untouched.
 */

const CHAT_TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:balance-chat';
const TEST_EVENT = { action: 'test-notice' };

let suite: E2eSuite;

beforeAll(async () => {
  suite = await startE2eSuite();
});

afterAll(async () => {
  await suite?.close();
});

describe('the test notice', () => {
  it('publishes one TEST notice to the main topic (email, SMS, https) and one to the chat topic, and says so', async () => {
    const s = await suite.scenario({ balance: { amount: 10, sms: 60 } });
    const { invocation, fn } = await s.run({ event: TEST_EVENT, env: { CHAT_TOPIC_ARN } });

    expect(expectReturned(invocation)).toMatchObject({
      action: 'test-notice',
      problems: 0,
      deliveries: [
        { channel: 'topic', topicArn: TOPIC_ARN, protocols: ['email', 'sms', 'https'], published: true },
        { channel: 'chat', topicArn: CHAT_TOPIC_ARN, protocols: ['chat'], published: true },
      ],
    });
    expect(s.aws.publishes.map((p) => p.topicArn)).toEqual([TOPIC_ARN, CHAT_TOPIC_ARN]);

    const [main, chat] = s.aws.publishes;
    expect(main?.messageStructure).toBe('json');
    expect(main?.subject).toContain('[TEST]');
    expect(main?.messageAttributes.severity?.value).toBe('TEST');
    expect(main?.messageAttributes.kind?.value).toBe('test');
    const bodies = JSON.parse(main?.message ?? '{}') as Record<string, string>;
    expect(Object.keys(bodies).sort()).toEqual(['default', 'email', 'https', 'sms']);
    expect(bodies.sms).toContain('TEST');
    expect(JSON.parse(bodies.https ?? '{}')).toMatchObject({ status: 'test', kind: 'test', account: null });

    expect(chat?.messageStructure).toBeUndefined();
    expect(JSON.parse(chat?.message ?? '{}')).toMatchObject({
      version: '1.0',
      source: 'custom',
      metadata: { eventType: 'test' },
    });
    expectClean(fn, s.aws.publishes);
  });

  it('checks no balance and changes no account state, though the balance is low', async () => {
    const s = await suite.scenario({ balance: { amount: 10, sms: 60 } });
    await s.run({ event: TEST_EVENT });

    expect(s.provider.requests).toEqual([]);
    expect(s.aws.getParameters).toEqual([]);
    expect(await suite.storedState(s)).toBeUndefined();
    expect(s.publishedKinds()).toEqual(['test']);
  });

  it('reports a refused publish and still delivers to the other topic', async () => {
    const s = await suite.scenario();
    s.aws.fail('Publish', 'access-denied', 1);
    const { invocation } = await s.run({ event: TEST_EVENT, env: { CHAT_TOPIC_ARN } });

    const result = expectReturned(invocation) as unknown as {
      problems: number;
      deliveries: { published: boolean; error?: string }[];
    };
    expect(result.problems).toBe(1);
    expect(result.deliveries.filter((d) => d.published)).toHaveLength(1);
    expect(result.deliveries.find((d) => !d.published)?.error).toContain('AuthorizationError');
    expect(s.aws.publishes).toHaveLength(1);
  });
});
