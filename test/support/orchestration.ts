import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createChatNotifier } from '../../lambda/adapters/chat-notifier.js';
import { createBalanceReader } from '../../lambda/adapters/iletimerkezi.js';
import { createSnsNotifier } from '../../lambda/adapters/sns-notifier.js';
import { createSsmCredentialSource } from '../../lambda/adapters/ssm-credentials.js';
import { createTelemetry } from '../../lambda/adapters/telemetry.js';
import { renderNotification } from '../../lambda/core/messages.js';
import type { StateStore } from '../../lambda/core/ports.js';
import type { RunDeps } from '../../lambda/core/run-checks.js';

/**
 * The real orchestration's ports as the integration tests wire them: the iletiMerkezi client, SSM
 * and SNS through the real adapters (their SDK clients mocked by the test), the given store, and
 * the account lines collected in `lines`.
 */

export const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:balance-alerts';
export const CHAT_TOPIC = 'arn:aws:sns:eu-central-1:123456789012:balance-chat';

export function orchestrationDeps(options: {
  readonly store: StateStore;
  readonly lines: string[];
  /** The run's clock, in epoch ms. */
  readonly now: () => number;
  /** Also deliver to the chat topic. */
  readonly chat?: boolean;
}): RunDeps {
  let claims = 0;
  return {
    credentials: createSsmCredentialSource({ client: new SSMClient({ region: 'eu-central-1' }) }),
    reader: createBalanceReader({ backoffBaseMs: 5 }),
    store: options.store,
    notifier: createSnsNotifier({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-central-1' }) }),
    ...(options.chat
      ? {
          chatNotifier: createChatNotifier({
            topicArn: CHAT_TOPIC,
            client: new SNSClient({ region: 'eu-central-1' }),
          }),
        }
      : {}),
    renderer: { render: (n, a) => renderNotification(n, a, 'en', 'Europe/Istanbul') },
    telemetry: createTelemetry({ write: (line) => options.lines.push(line) }),
    clock: () => new Date(options.now()),
    newClaimId: () => `claim-${++claims}`,
  };
}
