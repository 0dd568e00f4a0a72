import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { credentialParameterNames, type MonitorConfig, orThrow } from '../lambda/core/config.js';
import { OUTPUTS } from '../lambda/core/contract.js';
import { TOPIC_DISPLAY_NAME } from '../lambda/core/gsm.js';
import { AlarmNotices } from './alarm-notices.js';
import { createNoticeTopic, subscribeAll } from './channels.js';
import { ChatChannels } from './chat-channels.js';
import {
  externalParameterNames,
  OWNED_PARAMETER_PATH,
  parseStackConfig,
  type StackConfig,
  type StackConfigInput,
} from './config.js';
import { MonitorDashboard } from './dashboard.js';
import { createMonitorFunction } from './monitor-function.js';
import { createSchedules } from './schedules.js';
import { createStateTable } from './state-table.js';
import { createWatchingAlarms } from './watching-alarms.js';

export interface BalanceMonitorProps extends Omit<StackConfigInput, 'parameterKmsKeyArn'> {
  /** Prefix of the alarm and dashboard names. @default the stack name */
  readonly name?: string;
  /** The customer-managed KMS key of the SecureString parameters, if not the AWS-managed aws/ssm key. */
  readonly parameterKey?: kms.IKey;
  /**
   * A prebuilt artifact (tests); by default the handler is bundled by infra/bundle.ts, with the
   * configuration as monitor-config.json beside it. A prebuilt one must carry that file itself.
   */
  readonly code?: lambda.Code;
}

/** The alias the check schedule invokes. */
export const CHECK_ALIAS = 'check';
const DEAD_LETTER_QUEUE_REASON =
  'This queue is itself the dead-letter queue: of the schedule, of the function, of the alarm rule and of https subscriptions.';

/**
 * The whole balance monitor: the schedule, the function and everything it reads and writes, the
 * topic and its subscriptions, the alarms watching the monitor, and the dashboard.
 */
export class BalanceMonitor extends Construct {
  readonly config: StackConfig;
  readonly fn: lambda.Function;
  /**
   * What the check schedule invokes: its metrics (dimension Resource = function:check) count the
   * scheduled checks alone, not the digest or a test notice, which invoke the function itself.
   */
  readonly checkAlias: lambda.Alias;
  /** Only the relay-failed alarm publishes here, to the SMS subscribers without minSeverity. */
  readonly relayFailedSmsTopic?: sns.Topic;
  readonly logGroup: logs.LogGroup;
  readonly topic: sns.Topic;
  readonly table: dynamodb.Table;
  readonly deadLetterQueue: sqs.Queue;
  readonly schedule: scheduler.Schedule;
  /** The weekly digest's schedule, unless the configuration turns the digest off. */
  readonly digestSchedule?: scheduler.Schedule;
  /** The dead-man's switch: the function was not invoked within the window. */
  readonly notRunningAlarm: cloudwatch.Alarm;
  /** The latest run failed, after Lambda's retries. */
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly alarmNotices: AlarmNotices;
  /** The chat channels and their topic, when any are configured. */
  readonly chat?: ChatChannels;
  readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: BalanceMonitorProps) {
    super(scope, id);
    const { name, parameterKey, code, ...input } = props;
    const config = orThrow(parseStackConfig(input), 'BalanceMonitor props');
    this.config = config;
    const { monitor } = config;
    const stack = Stack.of(this);
    const prefix = name ?? stack.stackName;

    // Each part creates its resources in this construct's scope, so their logical ids stay the
    // ones deployed stacks have (test/infra/logical-ids.test.ts).
    this.topic = createNoticeTopic(this);
    if (config.chat.length > 0) {
      this.chat = new ChatChannels(this, 'Chat', { channels: config.chat, prefix });
    }
    this.table = createStateTable(this, config);
    const { fn, role, logGroup } = createMonitorFunction(this, {
      config,
      ...(code ? { code } : {}),
      ...(parameterKey ? { parameterKey } : {}),
      topic: this.topic,
      ...(this.chat ? { chatTopic: this.chat.topic } : {}),
      table: this.table,
    });
    this.fn = fn;
    this.logGroup = logGroup;
    this.checkAlias = new lambda.Alias(this, 'CheckAlias', {
      aliasName: CHECK_ALIAS,
      version: this.fn.currentVersion,
      description: 'The scheduled balance checks: the alarms watch its invocations and errors alone.',
    });

    this.deadLetterQueue = createDeadLetterQueue(this);
    // An invocation Lambda gave up on (the attempt and its 2 retries, 1 and then 2 minutes apart,
    // failed) is otherwise dropped: a weekly digest refused three times would be lost with no trace.
    // The destination is written by the function's role, which needs sqs:SendMessage and nothing more.
    // The setting is per qualifier: the check schedule invokes the `check` alias, the digest $LATEST.
    const failedInvocations = this.deadLetterQueue;
    for (const target of [this.fn, this.checkAlias]) {
      target.configureAsyncInvoke({
        retryAttempts: 2,
        onFailure: { bind: () => ({ destination: failedInvocations.queueArn }) },
      });
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [failedInvocations.queueArn] }),
    );
    subscribeAll(this.topic, config.subscriptions, this.deadLetterQueue);

    // SNS delivers to a filtered subscription only when every key of its filter matches, and
    // {"exists": false} matches only a message with at least one attribute (SNS developer guide,
    // Key matching): the attribute-less relay-failed alarm never passes the SMS filter that keeps
    // out the digest. Those subscribers get it on a topic of its own, unfiltered.
    const unfilteredSms = config.subscriptions.filter((s) => s.protocol === 'sms' && !s.minSeverity);
    if (unfilteredSms.length > 0) {
      this.relayFailedSmsTopic = new sns.Topic(this, 'RelayFailedSmsTopic', {
        ...(TOPIC_DISPLAY_NAME === undefined ? {} : { displayName: TOPIC_DISPLAY_NAME }),
        enforceSSL: true,
      });
      for (const subscription of unfilteredSms) {
        const created = this.relayFailedSmsTopic.addSubscription(
          new subscriptions.SmsSubscription(subscription.endpoint),
        );
        Validations.of(created).acknowledge({
          id: 'Serverless-SNSRedrivePolicy',
          reason: 'SNS hands SMS to carriers, which report failures in the SMS delivery logs.',
        });
      }
    }

    const schedules = createSchedules(
      this,
      config,
      { check: this.checkAlias, digest: this.fn },
      this.deadLetterQueue,
    );
    this.schedule = schedules.schedule;
    if (schedules.digestSchedule) this.digestSchedule = schedules.digestSchedule;

    const alarms = createWatchingAlarms(this, config, {
      prefix,
      fn: this.checkAlias,
      logGroup: this.logGroup,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.notRunningAlarm = alarms.notRunningAlarm;
    this.errorsAlarm = alarms.errorsAlarm;
    this.deadLetterAlarm = alarms.deadLetterAlarm;

    this.alarmNotices = new AlarmNotices(this, 'AlarmNotices', {
      topic: this.topic,
      prefix,
      deadLetterQueue: this.deadLetterQueue,
      ...(this.chat ? { chatTopic: this.chat.topic } : {}),
      ...(this.relayFailedSmsTopic ? { relayFailedTopics: [this.relayFailedSmsTopic] } : {}),
      locale: monitor.locale,
    });

    if (config.dashboard) {
      this.dashboard = new MonitorDashboard(this, 'Dashboard', {
        dashboardName: prefix,
        accounts: monitor.accounts,
        accountMetrics: monitor.accountMetrics,
        fn: this.fn,
        logGroup: this.logGroup,
      }).dashboard;
      new CfnOutput(this, OUTPUTS.dashboardUrl, {
        description:
          'The CloudWatch dashboard (about 3 USD a month beyond the first three dashboards of the account).',
        value: `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards:name=${prefix}`,
      });
    }

    new CfnOutput(this, OUTPUTS.topicArn, {
      description: 'Subscribe more recipients here; notices carry the attributes severity, account and kind.',
      value: this.topic.topicArn,
    });
    if (this.chat) {
      new CfnOutput(this, OUTPUTS.chatTopicArn, {
        description:
          'Only the chat channels subscribe here: publish Amazon Q Developer custom notifications only.',
        value: this.chat.topic.topicArn,
      });
    }
    new CfnOutput(this, OUTPUTS.tableName, {
      description: 'Alert state and balance history, one item an account.',
      value: this.table.tableName,
    });
    new CfnOutput(this, OUTPUTS.functionName, {
      description: 'Run one check now: aws lambda invoke --function-name <this> out.json',
      value: this.fn.functionName,
    });
    new CfnOutput(this, OUTPUTS.maxSilenceHours, {
      description: 'The longest silence npm run silence accepts (maxSilenceHours in the configuration).',
      value: String(config.maxSilenceHours),
    });
    new CfnOutput(this, OUTPUTS.credentialParameters, {
      description:
        "Store each account's key and hash as SecureStrings before the first run: npm run credentials -- <account> " +
        '(or aws ssm put-parameter --type SecureString --overwrite --name <name> --value <from a file, not the shell>).',
      value: credentialParametersOutput(monitor),
    });
  }
}

/** The dead-letter queue of the schedules, the alarm relay and the https subscriptions. */
function createDeadLetterQueue(scope: Construct): sqs.Queue {
  const queue = new sqs.Queue(scope, 'DeadLetterQueue', {
    enforceSSL: true,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge(
    { id: 'AwsSolutions-SQS3', reason: DEAD_LETTER_QUEUE_REASON },
    { id: 'Serverless-SQSRedrivePolicy', reason: DEAD_LETTER_QUEUE_REASON },
  );
  return queue;
}

/** Kept well inside what a stack output may hold. */
const MAX_OUTPUT_CHARS = 1024;

/** Every parameter name when they fit in an output, else their shape and those kept elsewhere. */
export function credentialParametersOutput(monitor: MonitorConfig): string {
  const all = [...new Set(monitor.accounts.flatMap(credentialParameterNames))].join(' ');
  if (all.length <= MAX_OUTPUT_CHARS) return all;
  const external = externalParameterNames(monitor.accounts.flatMap(credentialParameterNames));
  const summary =
    `${monitor.accounts.length} accounts under ${OWNED_PARAMETER_PATH}<account>/` +
    (external.length > 0 ? `, and ${external.length} parameters elsewhere: ${external.join(' ')}` : '');
  return summary.length <= MAX_OUTPUT_CHARS ? summary : `${summary.slice(0, MAX_OUTPUT_CHARS - 1)}…`;
}
