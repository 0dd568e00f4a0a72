import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createChatNotifier } from '../adapters/chat-notifier.js';
import { createDynamoDbDigestLedger } from '../adapters/digest-ledger.js';
import { createDynamoDbStateStore } from '../adapters/dynamodb-store.js';
import { createBalanceReader } from '../adapters/iletimerkezi.js';
import { createSnsNotifier } from '../adapters/sns-notifier.js';
import { createSsmCredentialSource } from '../adapters/ssm-credentials.js';
import { createTelemetry } from '../adapters/telemetry.js';
import { isDigestRequest } from '../core/digest.js';
import { type DigestChannel, type DigestResult, sendDigest } from '../core/digest-run.js';
import { createRenderer } from '../core/messages.js';
import { createSecretRegistry, registeringSecrets } from '../core/redact.js';
import { type RunDeps, type RunSummary, runChecks } from '../core/run-checks.js';
import { isTestNoticeRequest, sendTestNotice, type TestNoticeResult } from '../core/test-notice.js';
import { readEnvironment } from './environment.js';
import { runIdOf } from './scheduled-event.js';

/**
 * The Lambda entry point: reads its configuration once per cold start (monitor-config.json in the
 * function's code and its variables; a bad one fails the init, naming the file, field or variable), wires the AWS adapters into the core run, and reports.
 */

const environment = readEnvironment(process.env);
const { config } = environment;

// Bounded SDK calls: a hanging AWS endpoint must not eat the run's deadline. Without
// throwOnRequestTimeout the SDK only logs (to a no-op logger) when requestTimeout passes, and a
// hung request stays open into the next warm invocation.
const sdkOptions = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
};

// Every credential read is remembered, so no log line or notice of this process can carry one.
const secrets = createSecretRegistry();
const telemetry = createTelemetry({ redact: secrets.redact, accountMetrics: config.accountMetrics });
const warn = (message: string, fields: Record<string, unknown>): void =>
  telemetry.log('warn', message, fields);
// Loaded on the first run that notifies: most runs notify nobody and skip its load time.
const snsClient = async () => new (await import('@aws-sdk/client-sns')).SNSClient(sdkOptions);
const notifier = createSnsNotifier({
  topicArn: environment.topicArn,
  redact: secrets.redact,
  client: snsClient,
});
const chatTopicArn = environment.chatTopicArn;
const chatNotifier =
  chatTopicArn === undefined
    ? undefined
    : createChatNotifier({ topicArn: chatTopicArn, redact: secrets.redact, client: snsClient });
const dynamoDb = new DynamoDBClient(sdkOptions);
const deps: RunDeps = {
  credentials: registeringSecrets(
    createSsmCredentialSource({ client: new SSMClient(sdkOptions), warn }),
    secrets,
  ),
  reader: createBalanceReader({ attemptTimeoutMs: config.attemptTimeoutMs, deadlineMs: config.deadlineMs }),
  store: createDynamoDbStateStore({
    tableName: environment.tableName,
    client: dynamoDb,
    warn,
  }),
  notifier,
  // Every notice also goes to chat when it is configured, each channel delivered once on its own.
  ...(chatNotifier ? { chatNotifier } : {}),
  renderer: createRenderer(config.locale, config.timeZone),
  telemetry,
  clock: () => new Date(),
  // The clock the handler sets the run's deadline on.
  deadlineClock: Date.now,
  newClaimId: randomUUID,
};

const digestChannels: DigestChannel[] = [
  { name: 'topic', notifier },
  ...(chatNotifier ? [{ name: 'chat' as const, notifier: chatNotifier }] : []),
];

/**
 * Beyond the function's timeout before a digest claim counts as left by a dead invocation: room for
 * the clocks of two invocations to differ. With the default timeout (30 s) the claim ends before
 * Lambda's first retry of a failed asynchronous invocation (1 minute, then 2 more minutes), so the
 * retry takes over; a longer timeout leaves it to the second retry, or to the on-failure destination.
 */
const DIGEST_CLAIM_MARGIN_MS = 10_000;

/**
 * The weekly digest, named by the schedule's scheduled time and as of that time (a retry reports
 * the same week); a manual invocation is a digest of its own, as of its invocation.
 */
async function digest(event: unknown, context?: LambdaContext): Promise<DigestResult> {
  const now = new Date();
  const scheduled = runIdOf(event);
  const remaining = context?.getRemainingTimeInMillis();
  const result = await sendDigest(
    config,
    {
      store: deps.store,
      ledger: createDynamoDbDigestLedger({ tableName: environment.tableName, client: dynamoDb }),
      channels: digestChannels,
      clock: () => new Date(),
      ...(scheduled ? { asOf: new Date(scheduled) } : {}),
      newClaimId: randomUUID,
      // Lasts while this invocation can run (its remaining time at the start is the function's timeout).
      ...(remaining === undefined ? {} : { claimTtlMs: remaining + DIGEST_CLAIM_MARGIN_MS }),
    },
    scheduled ?? `manual-${now.toISOString()}`,
  );
  telemetry.log(result.problems > 0 ? 'error' : 'info', 'digest finished', { ...result });
  // Failing the invocation is what retries it: Lambda's asynchronous retry sends the same event,
  // which publishes only the channels still missing, or takes over the claim of an invocation that
  // died; refused three times, the event goes to the on-failure destination (the dead-letter queue).
  if (result.problems > 0)
    throw new Error(`the weekly digest could not be delivered: ${result.error ?? 'unknown'}`);
  return result;
}

/** Time kept back from the function's timeout to save state and write the logs. */
const RESERVE_MS = 3_000;

export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export type HandlerResult = Omit<RunSummary, 'accounts'> & {
  readonly accounts: ReadonlyArray<{ account: string; outcome: string; level?: string; notified?: string }>;
};

export async function handler(
  event: unknown,
  context?: LambdaContext,
): Promise<HandlerResult | TestNoticeResult | DigestResult> {
  if (isDigestRequest(event)) return digest(event, context);
  if (isTestNoticeRequest(event)) {
    const result = await sendTestNotice({
      topic: { notifier, topicArn: environment.topicArn },
      ...(chatNotifier && chatTopicArn ? { chat: { notifier: chatNotifier, topicArn: chatTopicArn } } : {}),
      clock: () => new Date(),
      locale: config.locale,
      timeZone: config.timeZone,
    });
    telemetry.log(result.problems > 0 ? 'error' : 'info', 'test notice sent', { ...result });
    return result;
  }
  const remaining = context?.getRemainingTimeInMillis() ?? config.deadlineMs + RESERVE_MS * 2;
  const deadlineAt = Date.now() + Math.max(1_000, remaining - RESERVE_MS);
  const runId = runIdOf(event);
  const summary = await runChecks(config, deps, runId ? { deadlineAt, runId } : { deadlineAt });
  const result: HandlerResult = {
    ...summary,
    accounts: summary.accounts.map((r) => ({
      account: r.account,
      outcome: r.outcome,
      ...(r.level ? { level: r.level } : {}),
      ...(r.notified ? { notified: r.notified } : {}),
    })),
  };
  const { accounts: _perAccount, ...totals } = result;
  telemetry.log(summary.problems > 0 ? 'error' : 'info', 'run finished', totals);
  // A state or delivery problem would otherwise be silent: failing the invocation raises the
  // function-errors alarm, and Lambda's asynchronous retry (2 by default; the scheduler only
  // retries a failed delivery, never a function error) gets the notice out sooner. A retry carries
  // the same scheduled time, so it cannot notify twice (test/integration/alerts.test.ts).
  if (summary.problems > 0) {
    throw new Error(
      `${summary.problems} account(s) could not record state or deliver a notification; see the log`,
    );
  }
  return result;
}
