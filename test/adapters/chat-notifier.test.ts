import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createChatNotifier } from '../../lambda/adapters/chat-notifier.js';
import { SnsPublishError } from '../../lambda/adapters/sns-notifier.js';
import { renderNotification } from '../../lambda/core/messages.js';
import { createRedactor } from '../../lambda/core/redact.js';
import { ACCOUNT, notificationOf, ZONE } from '../support/notices.js';

const CHAT_TOPIC = 'arn:aws:sns:eu-central-1:123456789012:balance-chat';

const sns = mockClient(SNSClient);
const client = new SNSClient({
  region: 'eu-central-1',
  credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
});
const message = renderNotification(notificationOf('low'), ACCOUNT, 'en', ZONE);

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: '5f0c7a52-8d1e-4c55-9d7e-0b1a2c3d4e5f' });
});

describe('chat notifier', () => {
  it('publishes the custom notification alone, as the whole message, to the chat topic', async () => {
    await createChatNotifier({ topicArn: CHAT_TOPIC, client }).publish(message);

    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      TopicArn: CHAT_TOPIC,
      Message: message.chat,
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'CRITICAL' },
        account: { DataType: 'String', StringValue: 'main' },
        kind: { DataType: 'String', StringValue: 'low' },
      },
    });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.MessageStructure).toBeUndefined();
    expect(JSON.parse(input?.Message ?? '')).toMatchObject({ version: '1.0', source: 'custom' });
  });

  it('masks the secrets the redactor knows in the notification', async () => {
    const key = '5ec12e7a9b3c4d5e6f708192a3b4c5d6';
    const leaky = { ...message, chat: JSON.stringify({ version: '1.0', content: { description: key } }) };
    await createChatNotifier({ topicArn: CHAT_TOPIC, client, redact: createRedactor([key]) }).publish(leaky);

    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.Message).toBe(JSON.stringify({ version: '1.0', content: { description: '***' } }));
  });

  it('rejects with the SNS error code when SNS refuses, so the delivery can be retried', async () => {
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }));
    const publish = createChatNotifier({ topicArn: CHAT_TOPIC, client }).publish(message);

    await expect(publish).rejects.toThrow(SnsPublishError);
    await expect(publish).rejects.toMatchObject({ code: 'ThrottledException' });
  });
});
