import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS, type LocalDynamoDb, startDynalite } from '../../support/dynalite.js';
import { type LocalAws, startLocalAws } from '../../support/local-aws.js';

/** The real SDK v3 clients, pointed at the local endpoint, round-trip through it. */

let dynalite: LocalDynamoDb;
let aws: LocalAws;
let ssm: SSMClient;
let sns: SNSClient;
let dynamodb: DynamoDBClient;

const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:balance-alerts';
const TABLE = 'local-aws-state';

beforeAll(async () => {
  dynalite = await startDynalite();
  await dynalite.createTable(TABLE);
  aws = await startLocalAws({ dynamoDbUpstream: dynalite.endpoint });
  // One attempt: each fault below is seen by the caller as it is, not retried away.
  const options = { endpoint: aws.endpoint, maxAttempts: 1, ...LOCAL_AWS };
  ssm = new SSMClient(options);
  sns = new SNSClient(options);
  dynamodb = new DynamoDBClient(options);
});

afterEach(() => {
  aws.clearFaults();
});

afterAll(async () => {
  ssm.destroy();
  sns.destroy();
  dynamodb.destroy();
  await aws.close();
  await dynalite.close();
});

function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => {
      if (!(error instanceof Error)) throw error;
      return { name: error.name, message: error.message };
    },
  );
}

describe('SSM GetParameters', () => {
  it('returns stored values decrypted and lists names it does not hold as InvalidParameters', async () => {
    aws.parameters.set('/iletimerkezi/main/api-key', 'key-value');
    aws.parameters.set('/iletimerkezi/main/api-hash', 'hash-value');

    const response = await ssm.send(
      new GetParametersCommand({
        Names: ['/iletimerkezi/main/api-key', '/iletimerkezi/main/api-hash', '/iletimerkezi/other/api-key'],
        WithDecryption: true,
      }),
    );

    expect(response.Parameters?.map((p) => [p.Name, p.Type, p.Value])).toEqual([
      ['/iletimerkezi/main/api-key', 'SecureString', 'key-value'],
      ['/iletimerkezi/main/api-hash', 'SecureString', 'hash-value'],
    ]);
    expect(response.InvalidParameters).toEqual(['/iletimerkezi/other/api-key']);
  });

  it('counts a decrypt for each value it hands out decrypted, none for names not found or ciphertext', async () => {
    aws.parameters.set('/count/one', 'one');
    aws.parameters.set('/count/two', 'two');
    const before = aws.decrypts();

    await ssm.send(
      new GetParametersCommand({ Names: ['/count/one', '/count/two', '/count/none'], WithDecryption: true }),
    );
    await ssm.send(new GetParametersCommand({ Names: ['/count/one'], WithDecryption: false }));

    expect(aws.decrypts() - before).toBe(2);
  });

  it('records the names asked for and whether decryption was requested', async () => {
    const before = aws.getParameters.length;

    await ssm.send(new GetParametersCommand({ Names: ['/a'], WithDecryption: false }));

    expect(aws.getParameters.slice(before)).toEqual([{ names: ['/a'], withDecryption: false }]);
  });

  it.each([
    ['access-denied', 'AccessDeniedException', /ssm:GetParameters/],
    ['throttling', 'ThrottlingException', /Rate exceeded/],
    ['kms-access-denied', 'AccessDeniedException', /kms:Decrypt.*AWSKMS/],
    ['kms-invalid-key', 'InvalidKeyId', /key ID/],
    ['server-error', 'InternalServerError', /server side/],
  ] as const)('fails on cue with %s as the SDK error %s', async (fault, name, message) => {
    aws.fail('GetParameters', fault);

    const error = await errorOf(ssm.send(new GetParametersCommand({ Names: ['/a'], WithDecryption: true })));

    expect(error.name).toBe(name);
    expect(error.message).toMatch(message);
  });
});

describe('SNS Publish', () => {
  it('records the topic, subject, message, structure and decoded message attributes', async () => {
    const before = aws.publishes.length;

    const response = await sns.send(
      new PublishCommand({
        TopicArn: TOPIC,
        Subject: 'Balance low: main',
        Message: JSON.stringify({ default: 'low & falling', email: 'e', sms: 's' }),
        MessageStructure: 'json',
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: 'CRITICAL' },
          account: { DataType: 'String', StringValue: 'main' },
        },
      }),
    );

    expect(response.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(aws.publishes.slice(before)).toEqual([
      {
        topicArn: TOPIC,
        subject: 'Balance low: main',
        message: '{"default":"low & falling","email":"e","sms":"s"}',
        messageStructure: 'json',
        messageAttributes: {
          severity: { dataType: 'String', value: 'CRITICAL' },
          account: { dataType: 'String', value: 'main' },
        },
      },
    ]);
  });

  it.each([
    ['throttling', 'ThrottledException'],
    ['not-found', 'NotFoundException'],
    ['access-denied', 'AuthorizationErrorException'],
    ['server-error', 'InternalErrorException'],
  ] as const)('fails on cue with %s as the SDK error %s and records nothing', async (fault, name) => {
    const before = aws.publishes.length;
    aws.fail('Publish', fault);

    const error = await errorOf(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm' })));

    expect(error.name).toBe(name);
    expect(aws.publishes.length).toBe(before);
  });

  it('answers a queued fault for the given number of calls only, then publishes again', async () => {
    const before = aws.publishes.length;
    aws.fail('Publish', 'throttling', 2);

    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await sns.send(new PublishCommand({ TopicArn: TOPIC, Message: `m${i}` })).then(
          () => 'accepted',
          (error: Error) => error.name,
        ),
      );
    }

    expect(outcomes).toEqual(['ThrottledException', 'ThrottledException', 'accepted']);
    expect(aws.publishes.slice(before).map((p) => p.message)).toEqual(['m2']);
  });

  it('answers a fault queued for one topic on that topic only', async () => {
    const before = aws.publishes.length;
    const other = `${TOPIC}-chat`;
    aws.failPublishTo(other, 'access-denied');

    const outcomes = [];
    for (const topicArn of [TOPIC, other, other]) {
      outcomes.push(
        await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'm' })).then(
          () => 'accepted',
          (error: Error) => error.name,
        ),
      );
    }

    expect(outcomes).toEqual(['accepted', 'AuthorizationErrorException', 'accepted']);
    expect(aws.publishes.slice(before).map((p) => p.topicArn)).toEqual([TOPIC, other]);
  });
});

describe('connection faults', () => {
  it('hangs without answering until the client gives up', async () => {
    aws.fail('Publish', 'hang');
    const impatient = new SNSClient({
      endpoint: aws.endpoint,
      maxAttempts: 1,
      // Without throwOnRequestTimeout the SDK only warns when requestTimeout passes.
      requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true },
      ...LOCAL_AWS,
    });

    const error = await errorOf(impatient.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm' })));
    impatient.destroy();

    expect(error.name).toBe('TimeoutError');
  });

  it('resets the connection without an answer', async () => {
    aws.fail('GetParameters', 'reset');

    const error = await errorOf(ssm.send(new GetParametersCommand({ Names: ['/a'] })));

    expect(error.message).toMatch(/socket hang up|ECONNRESET/);
  });

  it('refuses a fault the operation cannot have', () => {
    expect(() => aws.fail('GetParameters', 'not-found')).toThrow(/GetParameters has no fault "not-found"/);
  });
});

describe('DynamoDB pass-through', () => {
  const key = { pk: { S: 'ACCOUNT#main' }, sk: { S: 'STATE' } };

  it('forwards calls to the upstream DynamoDB', async () => {
    await dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { ...key, version: { N: '1' } } }));

    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: key }));

    expect(Item?.version).toEqual({ N: '1' });
  });

  it("records the upstream's status and error name of a forwarded call", async () => {
    const before = aws.calls.length;

    const error = await errorOf(
      dynamodb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...key, version: { N: '9' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );

    expect(error.name).toBe('ConditionalCheckFailedException');
    expect(aws.calls.slice(before)).toEqual([
      { operation: 'PutItem', status: 400, error: 'ConditionalCheckFailedException' },
    ]);
  });

  it('holds gated calls until all of them have arrived, then answers them together', async () => {
    aws.gate('GetItem', 2);
    const answered: number[] = [];

    const first = dynamodb
      .send(new GetItemCommand({ TableName: TABLE, Key: key }))
      .then(() => answered.push(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const heldAlone = answered.length;
    const second = dynamodb
      .send(new GetItemCommand({ TableName: TABLE, Key: key }))
      .then(() => answered.push(2));
    await Promise.all([first, second]);

    expect(heldAlone).toBe(0);
    expect(answered.sort()).toEqual([1, 2]);
  });

  it.each([
    ['conditional-check', 'ConditionalCheckFailedException'],
    ['throttling', 'ProvisionedThroughputExceededException'],
    ['not-found', 'ResourceNotFoundException'],
  ] as const)('fails on cue with %s as the SDK error %s', async (fault, name) => {
    aws.fail('PutItem', fault);

    const error = await errorOf(
      dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { ...key, version: { N: '2' } } })),
    );

    expect(error.name).toBe(name);
  });
});
