import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbDigestLedger } from '../../lambda/adapters/digest-ledger.js';
import { expectClean, expectReturned, expectThrew } from './expect-run.js';
import { type E2eSuite, startE2eSuite, TOPIC_ARN } from './harness.js';

/**
 * The weekly digest through the shipped bundle, with the real SDK against local SNS and DynamoDB:
 * one INFO notice for the deployment, published once per scheduled time, retried when refused.
 */

const CHAT_TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:balance-chat';
const DIGEST_EVENT = { action: 'digest', scheduledTime: '2026-11-30T06:00:00Z' };

let suite: E2eSuite;

beforeAll(async () => {
  suite = await startE2eSuite();
});

afterAll(async () => {
  await suite?.close();
});

describe('the weekly digest', () => {
  it('publishes one INFO digest to the main topic and the chat topic, and changes no account state', async () => {
    const s = await suite.scenario({ balance: { amount: 800, sms: 5000 } });
    await s.run();
    const state = await suite.storedState(s);
    const calls = s.aws.publishes.length;
    const { invocation, fn } = await s.run({ event: DIGEST_EVENT, env: { CHAT_TOPIC_ARN } });

    expect(expectReturned(invocation)).toMatchObject({
      action: 'digest',
      outcome: 'sent',
      published: ['topic', 'chat'],
      problems: 0,
    });
    const digests = s.aws.publishes.slice(calls);
    expect(digests.map((p) => p.topicArn)).toEqual([TOPIC_ARN, CHAT_TOPIC_ARN]);
    const [main, chat] = digests;
    expect(main?.subject).toMatch(/^\[INFO\] iletiMerkezi weekly digest: 1 account/);
    expect(main?.messageAttributes.severity?.value).toBe('INFO');
    expect(main?.messageAttributes.kind?.value).toBe('digest');
    const bodies = JSON.parse(main?.message ?? '{}') as Record<string, string>;
    expect(bodies.email).toContain('main: now 800.00 TL');
    expect(JSON.parse(bodies.https ?? '{}')).toMatchObject({
      kind: 'digest',
      status: 'info',
      severity: 'INFO',
    });
    expect(JSON.parse(chat?.message ?? '{}')).toMatchObject({ metadata: { eventType: 'digest' } });
    expect(await suite.storedState(s)).toEqual(state);
    expectClean(fn, s.aws.publishes);
  });

  it('is published once when the scheduler delivers its event twice', async () => {
    const s = await suite.scenario();
    await s.run();
    const first = await s.run({ event: DIGEST_EVENT });
    const second = await s.run({ event: DIGEST_EVENT });
    expect(expectReturned(first.invocation)).toMatchObject({ outcome: 'sent' });
    expect(expectReturned(second.invocation)).toMatchObject({ outcome: 'duplicate' });
    expect(s.publishedKinds().filter((k) => k === 'digest')).toHaveLength(1);
  });

  it('reports the week as of the event’s scheduled time, not the time it was invoked', async () => {
    const s = await suite.scenario();
    await s.run();
    const calls = s.aws.publishes.length;
    await s.run({ event: DIGEST_EVENT });
    const bodies = JSON.parse(s.aws.publishes[calls]?.message ?? '{}') as Record<string, string>;
    const { digest } = JSON.parse(bodies.https ?? '{}') as { digest?: { weekOf?: string } };
    expect(digest?.weekOf).toBe('2026-11-30T06:00:00.000Z');
  });

  it('fails the invocation that finds the digest claimed by a live invocation, so that Lambda retries it', async () => {
    const s = await suite.scenario();
    await s.run();
    const ledger = createDynamoDbDigestLedger({ tableName: s.tableName, client: suite.dynalite.client });
    await ledger.save(
      DIGEST_EVENT.scheduledTime,
      { status: 'claimed', claimId: 'live', claimedAt: Date.now() - 5_000, sent: [] },
      0,
    );
    const busy = await s.run({ event: DIGEST_EVENT });
    expect(expectThrew(busy.invocation)).toContain('claimed by another invocation');
    expect(s.publishedKinds().filter((k) => k === 'digest')).toHaveLength(0);
  });

  it('takes over, on the retry a minute later, the claim of an invocation that died, and delivers the digest', async () => {
    const s = await suite.scenario();
    await s.run();
    const ledger = createDynamoDbDigestLedger({ tableName: s.tableName, client: suite.dynalite.client });
    // The claim lasts the function's timeout (20 s here) and a margin: a minute is past it.
    await ledger.save(
      DIGEST_EVENT.scheduledTime,
      { status: 'claimed', claimId: 'died', claimedAt: Date.now() - 60_000, sent: [] },
      0,
    );
    const retry = await s.run({ event: DIGEST_EVENT });
    expect(expectReturned(retry.invocation)).toMatchObject({ outcome: 'sent', published: ['topic'] });
    expect(s.publishedKinds().filter((k) => k === 'digest')).toHaveLength(1);
  });

  it('fails the invocation when SNS refuses it, so that the retry of the same event delivers it', async () => {
    const s = await suite.scenario();
    await s.run();
    s.aws.fail('Publish', 'access-denied', 1);
    const refused = await s.run({ event: DIGEST_EVENT });
    expect(expectThrew(refused.invocation)).toContain('the weekly digest could not be delivered');
    const retry = await s.run({ event: DIGEST_EVENT });
    expect(expectReturned(retry.invocation)).toMatchObject({ outcome: 'sent', published: ['topic'] });
    expect(s.publishedKinds().filter((k) => k === 'digest')).toHaveLength(1);
  });
});
