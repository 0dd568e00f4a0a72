import { Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TOPIC_DISPLAY_NAME } from '../lambda/core/gsm.js';
import { INFO_SEVERITY, TEST_SEVERITY } from '../lambda/core/notification.js';
import type { MinSeverity, SubscriptionConfig } from './config.js';

/**
 * The notice topic and its subscriptions (email, SMS, https), each with the filter policy of its
 * minimum severity. The chat channels have a topic of their own (chat-channels.ts).
 */

/** The topic, in `scope`. */
export function createNoticeTopic(scope: Construct): sns.Topic {
  // No display name by default: SNS would prepend it to every SMS (see TOPIC_DISPLAY_NAME).
  return new sns.Topic(scope, 'Topic', {
    ...(TOPIC_DISPLAY_NAME === undefined ? {} : { displayName: TOPIC_DISPLAY_NAME }),
    enforceSSL: true,
  });
}

/** Every configured subscription; undelivered https notices land in the dead-letter queue. */
export function subscribeAll(
  topic: sns.Topic,
  configured: readonly SubscriptionConfig[],
  deadLetterQueue: sqs.IQueue,
): void {
  for (const subscription of configured) {
    const created = topic.addSubscription(subscriptionFor(subscription, deadLetterQueue));
    if (subscription.protocol !== 'https') {
      Validations.of(created).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'SNS hands email and SMS to mail servers and carriers, which report failures elsewhere (bounces, SMS ' +
          'delivery logs); https subscriptions, which SNS itself retries, have the dead-letter queue.',
      });
    }
  }
}

/**
 * The severities a subscription with a minimum severity receives; the test notice reaches every
 * one, the weekly digest (INFO) every one but SMS.
 */
export function severitiesFrom(minSeverity: MinSeverity, protocol: SubscriptionConfig['protocol']): string[] {
  return [
    ...(minSeverity === 'WARNING' ? ['WARNING', 'CRITICAL'] : ['CRITICAL']),
    TEST_SEVERITY,
    ...(protocol === 'sms' ? [] : [INFO_SEVERITY]),
  ];
}

/** The filter policy of a subscription: its minimum severity, and never the digest by SMS. */
function filterPolicyOf(
  subscription: SubscriptionConfig,
): Record<string, sns.SubscriptionFilter> | undefined {
  if (subscription.minSeverity) {
    return {
      severity: sns.SubscriptionFilter.stringFilter({
        allowlist: severitiesFrom(subscription.minSeverity, subscription.protocol),
      }),
    };
  }
  if (subscription.protocol === 'sms') {
    return { severity: sns.SubscriptionFilter.stringFilter({ denylist: [INFO_SEVERITY] }) };
  }
  return undefined;
}

function subscriptionFor(
  subscription: SubscriptionConfig,
  deadLetterQueue: sqs.IQueue,
): sns.ITopicSubscription {
  const filterPolicy = filterPolicyOf(subscription);
  const options = filterPolicy ? { filterPolicy } : {};
  switch (subscription.protocol) {
    case 'email':
      return new subscriptions.EmailSubscription(subscription.endpoint, options);
    case 'sms':
      return new subscriptions.SmsSubscription(subscription.endpoint, options);
    case 'https':
      // After SNS's delivery retries an undelivered notice lands in the queue, and its alarm tells the others.
      return new subscriptions.UrlSubscription(subscription.endpoint, {
        ...options,
        protocol: sns.SubscriptionProtocol.HTTPS,
        deadLetterQueue,
      });
  }
}
