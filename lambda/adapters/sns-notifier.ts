import type { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { RenderedMessage } from '../core/notification.js';
import type { Notifier } from '../core/ports.js';
import type { Redact } from '../core/redact.js';
import { awsErrorMessage, awsErrorName } from './aws-error.js';

export interface SnsNotifierOptions {
  readonly topicArn: string;
  /** A ready client, or a factory for one; by default a client is made on the first publish. */
  readonly client?: SNSClient | (() => Promise<SNSClient>);
  /** Applied to every text published and to SNS's own error messages. */
  readonly redact?: Redact;
}

/** SNS did not accept a message; `code` is SNS's error name (e.g. ThrottlingException, NotFoundException). */
export class SnsPublishError extends Error {
  override readonly name = 'SnsPublishError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface Connection {
  readonly client: SNSClient;
  readonly Publish: typeof PublishCommand;
}

type PublishInput = ConstructorParameters<typeof PublishCommand>[0];
type MessageAttributes = NonNullable<PublishInput['MessageAttributes']>;

/** The attributes subscription filter policies match: `severity`, `account` (absent on the test notice), `kind`. */
export function filterAttributes(message: RenderedMessage): MessageAttributes {
  return {
    severity: { DataType: 'String', StringValue: message.attributes.severity },
    ...(message.attributes.account === undefined
      ? {}
      : { account: { DataType: 'String', StringValue: message.attributes.account } }),
    kind: { DataType: 'String', StringValue: message.attributes.kind },
  };
}

/**
 * One publish to SNS, with the client loaded on first use and every failure turned into an
 * SnsPublishError whose message is redacted. Shared by the topic notifier and the chat notifier.
 */
export function createSnsPublisher(
  options: Pick<SnsNotifierOptions, 'client' | 'redact'>,
): (input: PublishInput) => Promise<string> {
  const redact = options.redact ?? ((text: string) => text);
  let connection: Promise<Connection> | undefined;

  const connect = (): Promise<Connection> => {
    if (!connection) {
      connection = (async () => {
        // Loaded on the first publish only: most runs notify nobody, and loading the SNS client costs cold-start time.
        const sns = await import('@aws-sdk/client-sns');
        const given = options.client;
        const client =
          given === undefined ? new sns.SNSClient({}) : typeof given === 'function' ? await given() : given;
        return { client, Publish: sns.PublishCommand };
      })();
      // A failed load is not kept: the next publish tries again.
      connection.catch(() => {
        connection = undefined;
      });
    }
    return connection;
  };

  return async (input) => {
    let sns: Connection;
    try {
      sns = await connect();
    } catch (error) {
      throw new SnsPublishError(
        'ClientUnavailable',
        `SNS client could not be loaded: ${awsErrorName(error)}`,
        {
          cause: error,
        },
      );
    }
    let messageId: string | undefined;
    try {
      messageId = (await sns.client.send(new sns.Publish(input))).MessageId;
    } catch (error) {
      const code = awsErrorName(error);
      const detail = awsErrorMessage(error, 120, redact);
      throw new SnsPublishError(code, `SNS Publish failed: ${code}${detail ? ` (${detail})` : ''}`, {
        cause: error,
      });
    }
    if (!messageId) throw new SnsPublishError('NoMessageId', 'SNS Publish returned no MessageId');
    return messageId;
  };
}

/**
 * Publishes each notification as one SNS message with a per-protocol body (`MessageStructure:
 * json`: email, sms, https and the default for the rest) and the `severity`, `account` and `kind`
 * attributes that subscription filter policies use.
 */
export function createSnsNotifier(options: SnsNotifierOptions): Notifier {
  const redact = options.redact ?? ((text: string) => text);
  const publish = createSnsPublisher(options);
  return {
    async publish(message: RenderedMessage): Promise<void> {
      await publish({
        TopicArn: options.topicArn,
        Subject: redact(message.subject),
        Message: JSON.stringify({
          default: redact(message.default),
          email: redact(message.email),
          sms: redact(message.sms),
          // https subscribers (webhooks) get the versioned JSON notice, one per publish.
          https: redact(message.https),
        }),
        MessageStructure: 'json',
        MessageAttributes: {
          ...filterAttributes(message),
          // A balance notice is time-critical: Transactional SMS is routed for delivery, not lowest cost.
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        },
      });
    },
  };
}
