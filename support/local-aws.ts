import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { listenOnLoopback, readRequestBody } from '../lambda/adapters/sandbox-provider.js';
import { isObject, parseJson } from '../lambda/core/json.js';

/**
 * SSM and SNS as the AWS SDK v3 clients speak them, on 127.0.0.1, for tests that run the real
 * clients through `AWS_ENDPOINT_URL_SSM` / `AWS_ENDPOINT_URL_SNS`:
 *  - SSM is awsJson1_1: `POST /` with `X-Amz-Target: AmazonSSM.GetParameters` and a JSON body;
 *  - SNS is awsQuery: `POST /` with a form body `Action=Publish&…` and an XML answer.
 * DynamoDB (awsJson1_0, `X-Amz-Target: DynamoDB_20120810.*`) is passed through to an upstream
 * (dynalite) when one is given, so its calls can fail on cue as well.
 * Signatures are not checked: the SDK signs with whatever fake credentials the test hands it.
 */

export type SsmOperation = 'GetParameters';
export type SnsOperation = 'Publish';
export type DynamoDbOperation = 'BatchGetItem' | 'GetItem' | 'PutItem' | 'Query';
export type AwsOperation = SsmOperation | SnsOperation | DynamoDbOperation;

export type AwsFault =
  /** The role lacks the action: AccessDeniedException (SSM, DynamoDB), AuthorizationError (SNS). */
  | 'access-denied'
  /** `ThrottlingException` (SSM), `Throttled` → ThrottledException (SNS), `ProvisionedThroughputExceededException` (DynamoDB). */
  | 'throttling'
  /** SSM could not decrypt a SecureString: KMS's AccessDeniedException, relayed as SSM returns it. */
  | 'kms-access-denied'
  /** SSM's `InvalidKeyId`: the parameter's KMS key is disabled or gone. */
  | 'kms-invalid-key'
  /** SNS `NotFound` (the topic does not exist), DynamoDB `ResourceNotFoundException` (no table). */
  | 'not-found'
  /** DynamoDB `ConditionalCheckFailedException`: another writer changed the item first. */
  | 'conditional-check'
  /** HTTP 500 with the service's internal error. */
  | 'server-error'
  /** Never answer; the connection stays open until the client gives up or the server closes. */
  | 'hang'
  /** Close the connection without an answer. */
  | 'reset';

export interface MessageAttribute {
  readonly dataType: string;
  readonly value: string;
}

/** One Publish that SNS accepted, decoded from the wire. */
export interface Publish {
  readonly topicArn: string;
  readonly subject?: string;
  /** The raw `Message`; with `MessageStructure: json` a JSON object of per-protocol texts. */
  readonly message: string;
  readonly messageStructure?: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttribute>>;
}

export interface GetParametersCall {
  readonly names: readonly string[];
  readonly withDecryption: boolean;
}

export interface AwsCall {
  readonly operation: AwsOperation;
  /** The fault answered instead of the operation, if any. */
  readonly fault?: AwsFault;
  /** For a call passed through to DynamoDB: the upstream's HTTP status and error name, once answered. */
  status?: number;
  error?: string;
}

export interface LocalAws {
  /** http://127.0.0.1:<port>: the value for AWS_ENDPOINT_URL_SSM, _SNS (and _DYNAMODB with an upstream). */
  readonly endpoint: string;
  /** Stored SecureString values by parameter name; names not in it come back as InvalidParameters. */
  readonly parameters: Map<string, string>;
  /** Every Publish SNS accepted, in order (a faulted one is not in it). */
  readonly publishes: Publish[];
  readonly getParameters: GetParametersCall[];
  /**
   * SecureString values handed out decrypted: each one is a KMS Decrypt that SSM makes, and
   * bills, on the caller's behalf (names not found and reads without decryption cost none).
   */
  decrypts(): number;
  /** Every call received, faulted or not, in order. */
  readonly calls: AwsCall[];
  /** The next `times` calls of `operation` answer with `fault` instead ('always' until cleared). */
  fail(operation: AwsOperation, fault: AwsFault, times?: number | 'always'): void;
  /** The next `times` Publish calls to this topic answer with `fault`, before any fault of fail(). */
  failPublishTo(topicArn: string, fault: AwsFault, times?: number): void;
  clearFaults(): void;
  /**
   * Holds the next `count` calls of `operation` until all of them have arrived, then lets them go
   * together: concurrent runs are made to collide at that step instead of by luck.
   */
  gate(operation: AwsOperation, count: number): void;
  /** Stops listening and ends every open connection, hanging ones included. */
  close(): Promise<void>;
}

export interface LocalAwsOptions {
  /** Where DynamoDB calls go when no fault is queued, e.g. dynalite's endpoint. */
  readonly dynamoDbUpstream?: string;
}

const ACCOUNT_ID = '123456789012';
const REGION = 'eu-central-1';
const ROLE = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/balance-monitor-role/balance-monitor`;
const SNS_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
const SSM_TARGET = 'AmazonSSM.';
const DYNAMODB_TARGET = 'DynamoDB_20120810.';
const MAX_REQUEST_BYTES = 1024 * 1024;

interface QueuedFault {
  readonly fault: AwsFault;
  remaining: number;
}

type Service = 'ssm' | 'sns' | 'dynamodb';

/** An error as each protocol puts it on the wire. */
interface WireError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

function faultError(service: Service, fault: AwsFault, operation: AwsOperation): WireError | undefined {
  switch (`${service}:${fault}`) {
    case 'ssm:access-denied':
      return {
        status: 400,
        code: 'AccessDeniedException',
        message: `User: ${ROLE} is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/iletimerkezi because no identity-based policy allows the ssm:GetParameters action`,
      };
    case 'ssm:throttling':
      return { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' };
    case 'ssm:kms-access-denied':
      // SSM relays the KMS refusal under its own AccessDeniedException, the KMS details in the text.
      return {
        status: 400,
        code: 'AccessDeniedException',
        message: `User: ${ROLE} is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the kms:Decrypt action (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)`,
      };
    case 'ssm:kms-invalid-key':
      return { status: 400, code: 'InvalidKeyId', message: 'The query key ID is not valid.' };
    case 'ssm:server-error':
      return { status: 500, code: 'InternalServerError', message: 'An error occurred on the server side.' };
    case 'sns:access-denied':
      return {
        status: 403,
        code: 'AuthorizationError',
        message: `User: ${ROLE} is not authorized to perform: SNS:Publish`,
      };
    case 'sns:throttling':
      return { status: 429, code: 'Throttled', message: 'Rate exceeded' };
    case 'sns:not-found':
      return { status: 404, code: 'NotFound', message: 'Topic does not exist' };
    case 'sns:server-error':
      return { status: 500, code: 'InternalError', message: 'Internal Error' };
    case 'dynamodb:access-denied':
      return {
        status: 400,
        code: 'com.amazon.coral.service#AccessDeniedException',
        message: `User: ${ROLE} is not authorized to perform: dynamodb:${operation}`,
      };
    case 'dynamodb:throttling':
      return {
        status: 400,
        code: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message: 'The level of configured provisioned throughput for the table was exceeded.',
      };
    case 'dynamodb:not-found':
      return {
        status: 400,
        code: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
        message: 'Requested resource not found',
      };
    case 'dynamodb:conditional-check':
      return {
        status: 400,
        code: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
      };
    case 'dynamodb:server-error':
      return {
        status: 500,
        code: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: 'Internal server error',
      };
    default:
      return undefined;
  }
}

function serviceOf(operation: AwsOperation): Service {
  if (operation === 'GetParameters') return 'ssm';
  if (operation === 'Publish') return 'sns';
  return 'dynamodb';
}

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const parameters = new Map<string, string>();
  const publishes: Publish[] = [];
  const getParameters: GetParametersCall[] = [];
  let decrypted = 0;
  const calls: AwsCall[] = [];
  const faults = new Map<AwsOperation, QueuedFault[]>();
  const upstream = options.dynamoDbUpstream === undefined ? undefined : new URL(options.dynamoDbUpstream);
  const gates = new Map<AwsOperation, { count: number; held: Array<() => void> }>();

  const topicFaults = new Map<string, QueuedFault[]>();
  const nextFault = (operation: AwsOperation, topicArn?: string): AwsFault | undefined => {
    const byTopic = topicArn === undefined ? undefined : topicFaults.get(topicArn);
    const queue = byTopic && byTopic.length > 0 ? byTopic : faults.get(operation);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  };

  const handle = (req: IncomingMessage, body: Buffer, res: ServerResponse): void => {
    const target = headerOf(req, 'x-amz-target');
    const form = target === undefined ? new URLSearchParams(body.toString('utf8')) : undefined;
    let service: Service;
    let operation: string;
    if (target?.startsWith(SSM_TARGET)) {
      service = 'ssm';
      operation = target.slice(SSM_TARGET.length);
    } else if (target?.startsWith(DYNAMODB_TARGET)) {
      service = 'dynamodb';
      operation = target.slice(DYNAMODB_TARGET.length);
    } else {
      service = 'sns';
      operation = form?.get('Action') ?? '';
    }
    if (!isKnown(service, operation)) {
      sendError(res, service, { status: 400, code: 'UnknownOperationException', message: operation });
      return;
    }
    const gate = gates.get(operation);
    if (gate) {
      gate.held.push(() => answer(service, operation, req, body, form, res));
      if (gate.held.length >= gate.count) {
        gates.delete(operation);
        for (const release of gate.held) release();
      }
      return;
    }
    answer(service, operation, req, body, form, res);
  };

  const answer = (
    service: Service,
    operation: AwsOperation,
    req: IncomingMessage,
    body: Buffer,
    form: URLSearchParams | undefined,
    res: ServerResponse,
  ): void => {
    const fault = nextFault(operation, service === 'sns' ? (form?.get('TopicArn') ?? undefined) : undefined);
    const call: AwsCall = fault === undefined ? { operation } : { operation, fault };
    calls.push(call);
    if (fault === 'hang') return;
    if (fault === 'reset') {
      res.socket?.destroy();
      return;
    }
    if (fault !== undefined) {
      const error = faultError(service, fault, operation);
      if (error) sendError(res, service, error);
      else res.socket?.destroy();
      return;
    }
    if (service === 'ssm') answerGetParameters(body, res);
    else if (service === 'sns' && form) answerPublish(form, res);
    else forward(req, body, res, call);
  };

  const answerGetParameters = (body: Buffer, res: ServerResponse): void => {
    const input = parseJson(body.toString('utf8'));
    const names = isObject(input) && Array.isArray(input.Names) ? input.Names.filter(isString) : [];
    const withDecryption = isObject(input) && input.WithDecryption === true;
    getParameters.push({ names, withDecryption });
    const found = names.filter((name) => parameters.has(name));
    if (withDecryption) decrypted += found.length;
    send(res, 200, 'application/x-amz-json-1.1', {
      Parameters: found.map((name, i) => ({
        Name: name,
        Type: 'SecureString',
        // Without decryption SSM hands out the ciphertext, never the value.
        Value: withDecryption ? parameters.get(name) : `AQICAHfake${Buffer.from(name).toString('base64')}`,
        Version: 1,
        LastModifiedDate: 1_767_225_600 + i,
        ARN: `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
        DataType: 'text',
      })),
      InvalidParameters: names.filter((name) => !parameters.has(name)),
    });
  };

  const answerPublish = (form: URLSearchParams, res: ServerResponse): void => {
    const topicArn = form.get('TopicArn') ?? '';
    const message = form.get('Message');
    if (message === null) {
      sendError(res, 'sns', { status: 400, code: 'ValidationError', message: 'Message is required' });
      return;
    }
    const subject = form.get('Subject');
    const messageStructure = form.get('MessageStructure');
    publishes.push({
      topicArn,
      ...(subject === null ? {} : { subject }),
      message,
      ...(messageStructure === null ? {} : { messageStructure }),
      messageAttributes: decodeAttributes(form),
    });
    const xml = `<PublishResponse xmlns="${SNS_NAMESPACE}"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`;
    res.writeHead(200, {
      'Content-Type': 'text/xml',
      'Content-Length': String(Buffer.byteLength(xml)),
      'x-amzn-RequestId': randomUUID(),
    });
    res.end(xml);
  };

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, call: AwsCall): void => {
    if (!upstream) {
      sendError(res, 'dynamodb', { status: 500, code: 'InternalServerError', message: 'no upstream' });
      return;
    }
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (upstreamResponse) => {
        const chunks: Buffer[] = [];
        upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamResponse.on('end', () => {
          const text = Buffer.concat(chunks);
          call.status = upstreamResponse.statusCode ?? 500;
          if (call.status >= 400) {
            const error = parseJson(text.toString('utf8'));
            const type = isObject(error) && isString(error.__type) ? error.__type : 'unknown';
            call.error = type.slice(type.lastIndexOf('#') + 1);
          }
          res.writeHead(call.status, upstreamResponse.headers);
          res.end(text);
        });
      },
    );
    outgoing.on('error', () => res.socket?.destroy());
    outgoing.end(body);
  };

  const server = createServer((req, res) => {
    readRequestBody(req, MAX_REQUEST_BYTES).then(
      (body) => handle(req, body, res),
      () => res.socket?.destroy(),
    );
  });
  const endpoint = await listenOnLoopback(server);

  return {
    endpoint,
    parameters,
    publishes,
    getParameters,
    decrypts: () => decrypted,
    calls,
    fail(operation, fault, times = 1) {
      if (fault !== 'hang' && fault !== 'reset' && !faultError(serviceOf(operation), fault, operation)) {
        throw new Error(`${operation} has no fault "${fault}" here`);
      }
      const queue = faults.get(operation) ?? [];
      queue.push({ fault, remaining: times === 'always' ? Number.POSITIVE_INFINITY : times });
      faults.set(operation, queue);
    },
    failPublishTo(topicArn, fault, times = 1) {
      if (fault !== 'hang' && fault !== 'reset' && !faultError('sns', fault, 'Publish')) {
        throw new Error(`Publish has no fault "${fault}" here`);
      }
      const queue = topicFaults.get(topicArn) ?? [];
      queue.push({ fault, remaining: times });
      topicFaults.set(topicArn, queue);
    },
    clearFaults() {
      faults.clear();
      topicFaults.clear();
    },
    gate(operation, count) {
      gates.set(operation, { count, held: [] });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const KNOWN: Readonly<Record<Service, readonly string[]>> = {
  ssm: ['GetParameters'],
  sns: ['Publish'],
  dynamodb: ['BatchGetItem', 'GetItem', 'PutItem', 'Query'],
};

function isKnown(service: Service, operation: string): operation is AwsOperation {
  return KNOWN[service].includes(operation);
}

/** `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`, as awsQuery flattens a map. */
function decodeAttributes(form: URLSearchParams): Record<string, MessageAttribute> {
  const attributes: Record<string, MessageAttribute> = {};
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    const name = form.get(`${prefix}.Name`) ?? '';
    attributes[name] = {
      dataType: form.get(`${prefix}.Value.DataType`) ?? '',
      value: form.get(`${prefix}.Value.StringValue`) ?? '',
    };
  }
  return attributes;
}

function sendError(res: ServerResponse, service: Service, error: WireError): void {
  if (service === 'sns') {
    const type = error.status >= 500 ? 'Receiver' : 'Sender';
    const xml = `<ErrorResponse xmlns="${SNS_NAMESPACE}"><Error><Type>${type}</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
    res.writeHead(error.status, {
      'Content-Type': 'text/xml',
      'Content-Length': String(Buffer.byteLength(xml)),
      'x-amzn-RequestId': randomUUID(),
    });
    res.end(xml);
    return;
  }
  const contentType = service === 'ssm' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0';
  send(res, error.status, contentType, { __type: error.code, message: error.message });
}

function send(res: ServerResponse, status: number, contentType: string, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(text)),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(text);
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}
