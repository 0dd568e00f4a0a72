import type { Locale } from './config.js';
import { TEST_NOTICE_ACTION } from './contract.js';
import { renderTestNotice } from './messages.js';
import type { Notifier } from './ports.js';

/**
 * The test notice: on request (the event {"action": "test-notice"}), one notice marked TEST through
 * every channel. It reads and changes no account state: no balance is checked, nothing is saved.
 */

export function isTestNoticeRequest(event: unknown): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    (event as { action?: unknown }).action === TEST_NOTICE_ACTION
  );
}

export interface TestNoticeChannel {
  readonly notifier: Notifier;
  readonly topicArn: string;
}

export interface TestNoticeDeps {
  /** The main topic: email, SMS and https subscribers, each filter policy lets the TEST severity through. */
  readonly topic: TestNoticeChannel;
  /** The chat topic, when chat channels are configured. */
  readonly chat?: TestNoticeChannel;
  readonly clock: () => Date;
  readonly locale: Locale;
  readonly timeZone: string;
}

export interface TestNoticeDelivery {
  readonly channel: 'topic' | 'chat';
  readonly topicArn: string;
  /** What the subscribers of this topic receive it as. */
  readonly protocols: readonly string[];
  readonly published: boolean;
  readonly error?: string;
}

export interface TestNoticeResult {
  readonly action: typeof TEST_NOTICE_ACTION;
  readonly at: string;
  readonly subject: string;
  readonly deliveries: readonly TestNoticeDelivery[];
  /** Deliveries SNS refused. */
  readonly problems: number;
}

/** Publishes the test notice to every topic, each independently of the other's outcome. */
export async function sendTestNotice(deps: TestNoticeDeps): Promise<TestNoticeResult> {
  const now = deps.clock();
  const message = renderTestNotice(now, deps.locale, deps.timeZone);
  type Target = readonly [TestNoticeDelivery['channel'], TestNoticeChannel, readonly string[]];
  const targets: Target[] = [['topic', deps.topic, ['email', 'sms', 'https']]];
  if (deps.chat) targets.push(['chat', deps.chat, ['chat']]);
  const deliveries = await Promise.all(
    targets.map(async ([channel, target, protocols]): Promise<TestNoticeDelivery> => {
      const base = { channel, topicArn: target.topicArn, protocols };
      try {
        await target.notifier.publish(message);
        return { ...base, published: true };
      } catch (error) {
        return { ...base, published: false, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  return {
    action: TEST_NOTICE_ACTION,
    at: now.toISOString(),
    subject: message.subject,
    deliveries,
    problems: deliveries.filter((d) => !d.published).length,
  };
}
