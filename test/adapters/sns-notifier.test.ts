import { NotFoundException, PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createSnsNotifier, SnsPublishError } from '../../lambda/adapters/sns-notifier.js';
import type { RenderedMessage } from '../../lambda/core/notification.js';
import { createRedactor } from '../../lambda/core/redact.js';

const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:balance-alerts';

const sns = mockClient(SNSClient);
const client = new SNSClient({
  region: 'eu-central-1',
  credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
});

const message: RenderedMessage = {
  subject: 'WARNING: iletiMerkezi balance of main is low (10.58 TL)',
  default: 'iletiMerkezi account main: balance 10.58 TL (67 SMS), WARNING.',
  email: 'The iletiMerkezi account main is at WARNING.\n\nBalance: 10.58 TL (about 67 SMS).',
  sms: 'iletiMerkezi main WARNING: 10.58 TL, 67 SMS',
  https:
    '{"schema":"iletimerkezi-balance-monitor/notice/v1","dedupKey":"main/balance/2026-11-02T09:00:00.000Z"}',
  chat: '{"version":"1.0","source":"custom"}',
  attributes: { severity: 'WARNING', account: 'main', kind: 'low' },
};

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'b1946ac9-2f46-4d6c-a3b1-5a7f1d3e9c20' });
});

describe('SNS notifier', () => {
  it('publishes one JSON-structured message with the subject and the filter attributes', async () => {
    await createSnsNotifier({ topicArn: TOPIC, client }).publish(message);

    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: message.subject,
      Message: JSON.stringify({
        default: message.default,
        email: message.email,
        sms: message.sms,
        https: message.https,
      }),
      MessageStructure: 'json',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'WARNING' },
        account: { DataType: 'String', StringValue: 'main' },
        kind: { DataType: 'String', StringValue: 'low' },
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
      },
    });
  });

  it('masks the secrets the redactor knows in every text it publishes and in its errors', async () => {
    const key = '5ec12e7a9b3c4d5e6f708192a3b4c5d6';
    const echoed = Buffer.from(key).toString('base64');
    const leaky: RenderedMessage = {
      ...message,
      subject: `check failed ${key}`,
      default: `HTTP 401 (${echoed})`,
      email: `HTTP 401 (${key.toUpperCase()})`,
      sms: `401 ${key}`,
      https: JSON.stringify({ text: `HTTP 401 (${key})` }),
    };
    const redact = createRedactor([key]);
    await createSnsNotifier({ topicArn: TOPIC, client, redact }).publish(leaky);

    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.Subject).toBe('check failed ***');
    expect(JSON.parse(input?.Message ?? '')).toEqual({
      default: 'HTTP 401 (***)',
      email: 'HTTP 401 (***)',
      sms: '401 ***',
      https: JSON.stringify({ text: 'HTTP 401 (***)' }),
    });

    sns.on(PublishCommand).rejects(new NotFoundException({ message: `Topic ${echoed} gone`, $metadata: {} }));
    const failed = createSnsNotifier({ topicArn: TOPIC, client, redact }).publish(message);
    await expect(failed).rejects.toThrow('SNS Publish failed: NotFoundException (Topic *** gone)');
  });

  it('sends a message body that SNS can split per protocol, the chat payload never among them', async () => {
    await createSnsNotifier({ topicArn: TOPIC, client }).publish(message);

    const body = JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '');
    expect(body).toEqual({
      default: message.default,
      email: message.email,
      sms: message.sms,
      https: message.https,
    });
  });

  it('leaves the account attribute out for a notice that concerns no account', async () => {
    const test: RenderedMessage = { ...message, attributes: { severity: 'TEST', kind: 'test' } };
    await createSnsNotifier({ topicArn: TOPIC, client }).publish(test);

    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'TEST' },
      kind: { DataType: 'String', StringValue: 'test' },
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    });
  });

  it('rejects with an error naming the SNS error code when SNS refuses the message', async () => {
    sns
      .on(PublishCommand)
      .rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    const publish = createSnsNotifier({ topicArn: TOPIC, client }).publish(message);

    await expect(publish).rejects.toThrow(SnsPublishError);
    await expect(publish).rejects.toMatchObject({
      code: 'ThrottledException',
      message: 'SNS Publish failed: ThrottledException (Rate exceeded)',
    });
  });

  it('rejects when the topic does not exist', async () => {
    sns
      .on(PublishCommand)
      .rejects(
        new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } }),
      );

    await expect(createSnsNotifier({ topicArn: TOPIC, client }).publish(message)).rejects.toThrow(
      /NotFoundException/,
    );
  });

  it('rejects when SNS answers without a MessageId', async () => {
    sns.on(PublishCommand).resolves({});

    await expect(createSnsNotifier({ topicArn: TOPIC, client }).publish(message)).rejects.toMatchObject({
      code: 'NoMessageId',
    });
  });

  it('creates the client from a factory on the first publish only', async () => {
    const factory = vi.fn(async () => client);
    const notifier = createSnsNotifier({ topicArn: TOPIC, client: factory });
    expect(factory).not.toHaveBeenCalled();

    await notifier.publish(message);
    await notifier.publish(message);

    expect(factory).toHaveBeenCalledTimes(1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
  });

  it('asks the factory again after it failed', async () => {
    const factory = vi
      .fn<() => Promise<SNSClient>>()
      .mockRejectedValueOnce(new Error('no region'))
      .mockResolvedValue(client);
    const notifier = createSnsNotifier({ topicArn: TOPIC, client: factory });

    await expect(notifier.publish(message)).rejects.toMatchObject({ code: 'ClientUnavailable' });
    await notifier.publish(message);

    expect(factory).toHaveBeenCalledTimes(2);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('makes its own client when none is given', async () => {
    await createSnsNotifier({ topicArn: TOPIC }).publish(message);

    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC, MessageStructure: 'json' });
  });
});
