import type { RenderedMessage } from '../core/notification.js';
import type { Notifier } from '../core/ports.js';
import { createSnsPublisher, filterAttributes, type SnsNotifierOptions } from './sns-notifier.js';

/**
 * Publishes the Amazon Q Developer custom notification to the chat topic, which only the chat
 * channel configurations subscribe to: a plain message (no per-protocol structure), since
 * Amazon Q Developer reads the whole Message as the notification. Rejects with SnsPublishError.
 */
export function createChatNotifier(options: SnsNotifierOptions): Notifier {
  const redact = options.redact ?? ((text: string) => text);
  const publish = createSnsPublisher(options);
  return {
    async publish(message: RenderedMessage): Promise<void> {
      await publish({
        TopicArn: options.topicArn,
        Message: redact(message.chat),
        MessageAttributes: filterAttributes(message),
      });
    },
  };
}
