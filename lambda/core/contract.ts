/**
 * The names the function and the stack must agree on, in one module both import: the function's
 * environment and configuration file, the table layout, the metrics and log fields the dashboard
 * reads, the event actions the schedules send, and the stack outputs the operator tools read. It
 * imports nothing, so synth loads no SDK for a constant.
 */

/** The function's environment variables: the stack sets the first three, Lambda the last. */
export const ENV = {
  topicArn: 'TOPIC_ARN',
  chatTopicArn: 'CHAT_TOPIC_ARN',
  tableName: 'TABLE_NAME',
  taskRoot: 'LAMBDA_TASK_ROOT',
} as const;

/**
 * The monitor configuration travels in the function's asset, next to index.mjs: Lambda's 4 KB of
 * environment variables hold about 30 accounts, the asset any number. The stack writes it at
 * synth (infra/bundle.ts), so a changed configuration is a changed asset and a new deployment.
 */
export const MONITOR_CONFIG_FILE = 'monitor-config.json';

/**
 * The table layout. One partition per account holding one item: its alert state and its balance
 * history. Releases before the history kept one SAMPLE# item per reading beside it; they are read
 * once, to build the history of a state item that has none, and expire by their TTL.
 */
export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
/** The table's TTL attribute: the old samples and the digest marks carry it, the state item never does. */
export const TTL_ATTRIBUTE = 'expiresAt';
export const STATE_SORT_KEY = 'STATE';
export const SAMPLE_SORT_KEY_PREFIX = 'SAMPLE#';
/** The attribute of the state item that holds the encoded history (lambda/core/history.ts). */
export const HISTORY_ATTRIBUTE = 'history';
/** The partition of the digest marks, beside the accounts' items: one item per digest id. */
export const DIGEST_PARTITION = 'DIGEST';

export function accountPartitionKey(account: string): string {
  return `ACCOUNT#${account}`;
}

export function sampleSortKey(at: string): string {
  return `${SAMPLE_SORT_KEY_PREFIX}${at}`;
}

/**
 * The metrics, written by the function (EMF) and drawn by the dashboard.
 * Per-account metrics are opt-in (`accountMetrics`): each account would add two custom metrics at
 * about 0.30 USD a month each. The dashboard reads balances, failures and days to empty from the
 * log fields below with Logs Insights, which costs per GB scanned, not per account.
 */
export const METRIC_NAMESPACE = 'IletiMerkezi/BalanceMonitor';
export const BALANCE_METRIC = 'Balance';
export const SMS_METRIC = 'SmsBalance';
export const ACCOUNT_DIMENSION = 'Account';

/** The `message` of the one line written per account per run. */
export const ACCOUNT_CHECKED_MESSAGE = 'account checked';

/** Field names of the account-checked line that Logs Insights queries read. */
export const REPORT_FIELDS = {
  account: 'account',
  outcome: 'outcome',
  balanceLevel: 'balanceLevel',
  amount: 'amount',
  sms: 'sms',
  daysToEmpty: 'daysToEmpty',
  burnPerDay: 'burnPerDay',
  notified: 'notified',
  held: 'held',
  publishError: 'publishError',
  failedChannels: 'failedChannels',
  storeError: 'storeError',
  failureKind: 'failureKind',
  failureMessage: 'failureMessage',
  durationMs: 'durationMs',
} as const;

/** The `action` of an invocation that is not a scheduled check: `{"action": "test-notice"}`. */
export const TEST_NOTICE_ACTION = 'test-notice';
/** The `action` the digest's schedule sends. */
export const DIGEST_ACTION = 'digest';

/** The ids of the stack's outputs; the operator tools find the stack's by them. */
export const OUTPUTS = {
  topicArn: 'TopicArn',
  chatTopicArn: 'ChatTopicArn',
  tableName: 'TableName',
  functionName: 'FunctionName',
  maxSilenceHours: 'MaxSilenceHours',
  credentialParameters: 'CredentialParameters',
  dashboardUrl: 'DashboardUrl',
} as const;

/** Whether a deployed output key is the output with this id (CDK appends a hash of the path). */
export function isOutputKey(outputKey: string, id: (typeof OUTPUTS)[keyof typeof OUTPUTS]): boolean {
  return new RegExp(`${id}([0-9A-F]{8})?$`).test(outputKey);
}
