import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ArnFormat,
  AssetHashType,
  Aws,
  CfnOutput,
  CfnRule,
  DockerImage,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  TimeZone,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError, credentialParameterNames, type MonitorConfig, orThrow } from '../lambda/core/config.js';
import {
  DIGEST_ACTION,
  ENV,
  OUTPUTS,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from '../lambda/core/contract.js';
import { TOPIC_DISPLAY_NAME } from '../lambda/core/gsm.js';
import { INFO_SEVERITY, TEST_SEVERITY } from '../lambda/core/notification.js';
import { AlarmNotices, monitoredAlarmName } from './alarm-notices.js';
import { bundleHandler, HANDLER_NAME, REPO_ROOT, writeMonitorConfig } from './bundle.js';
import { ChatChannels } from './chat-channels.js';
import {
  compactMonitorConfig,
  externalParameterNames,
  kmsKeyRegion,
  MAX_LAMBDA_TIMEOUT_SECONDS,
  type MinSeverity,
  noCheckAlarmShape,
  noCheckWindowMinutes,
  OWNED_PARAMETER_PATH,
  parseStackConfig,
  runPeriodMinutes,
  runSecondsNeeded,
  type StackConfig,
  type StackConfigInput,
  type SubscriptionConfig,
} from './config.js';
import { MonitorDashboard } from './dashboard.js';
import { nagFinding } from './nag-finding.js';

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

/** Lambda allows 4 KB for all environment variables of a function together. */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;
const DEAD_LETTER_QUEUE_REASON =
  'This queue is itself the dead-letter queue: of the schedule, of the alarm rule and of https subscriptions.';
/**
 * Accounts are checked `concurrency` at a time, each within `deadlineMs`, so the run's worst case
 * is one deadline per wave, plus a margin (see runSecondsNeeded; synth refuses more than Lambda's
 * 15 minutes).
 */
export function functionTimeoutSeconds(monitor: MonitorConfig): number {
  return Math.min(MAX_LAMBDA_TIMEOUT_SECONDS, runSecondsNeeded(monitor));
}

/** Up to this many accounts the smallest memory Lambda offers is enough. */
export const SMALL_MEMORY_ACCOUNTS = 100;
/**
 * The function's memory for this configuration: the peak RSS of a run grows by about 0.09 MB an
 * account (npm run bench: 65 MB for one, 110 MB for 500, 86 % of 128 MB). Above 100 accounts the
 * function gets 160 MB, where 500 accounts peak at 107 MB (67 %); the extra 32 MB cost about
 * 0.006 USD a month at 500 accounts. More memory only costs more.
 */
export function functionMemoryMb(monitor: MonitorConfig): number {
  return monitor.accounts.length <= SMALL_MEMORY_ACCOUNTS ? 128 : 160;
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

/**
 * Hash of everything that shapes the artifact, the configuration included, so an unchanged
 * handler is not re-uploaded and a changed configuration is a new asset (and a new deployment).
 */
function artifactHash(configJson: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(path.join(REPO_ROOT, 'lambda'), { recursive: true, encoding: 'utf8' })
    .map((file) => path.join('lambda', file))
    .filter((file) => file.endsWith('.ts'))
    .sort();
  for (const file of [...files, 'package-lock.json', path.join('infra', 'bundle.ts')]) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(REPO_ROOT, file)))
      .update('\0');
  }
  hash.update('monitor-config\0').update(configJson);
  return hash.digest('hex');
}

function handlerCode(configJson: string): lambda.Code {
  return lambda.Code.fromAsset(path.join(REPO_ROOT, 'lambda'), {
    assetHash: artifactHash(configJson),
    assetHashType: AssetHashType.CUSTOM,
    bundling: {
      // Required by the API, never pulled: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('node:24'),
      local: {
        tryBundle(outputDir: string): boolean {
          bundleHandler(outputDir);
          writeMonitorConfig(outputDir, configJson);
          return true;
        },
      },
    },
  });
}

/**
 * Invokes the function with exactly lambda:InvokeFunction on its ARN; the stock target also grants
 * every version and alias (`<arn>:*`), which the schedule never calls.
 */
const invokeGranted = new WeakMap<iam.IRole, Set<lambda.IFunction>>();

class InvokeFunction extends schedulerTargets.LambdaInvoke {
  constructor(
    private readonly fn: lambda.IFunction,
    props: schedulerTargets.ScheduleTargetBaseProps,
  ) {
    super(fn, props);
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    // Both schedules share the role: one statement is enough.
    const functions = invokeGranted.get(role) ?? new Set<lambda.IFunction>();
    if (functions.has(this.fn)) return;
    invokeGranted.set(role, functions.add(this.fn));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.fn.functionArn] }),
    );
  }
}

/**
 * The whole balance monitor: the schedule, the function and everything it reads and writes, the
 * topic and its subscriptions, the alarms watching the monitor, and the dashboard.
 */
export class BalanceMonitor extends Construct {
  readonly config: StackConfig;
  readonly fn: lambda.Function;
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

    const monitorConfigJson = JSON.stringify(compactMonitorConfig(monitor));
    checkKeyRegion(this, parameterKey);

    // No display name by default: SNS would prepend it to every SMS (see TOPIC_DISPLAY_NAME).
    this.topic = new sns.Topic(this, 'Topic', {
      ...(TOPIC_DISPLAY_NAME === undefined ? {} : { displayName: TOPIC_DISPLAY_NAME }),
      enforceSSL: true,
    });
    if (config.chat.length > 0) {
      this.chat = new ChatChannels(this, 'Chat', { channels: config.chat, prefix });
    }
    this.table = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // A few KB of state and samples: recovery costs next to nothing.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Retain by default: alert state and balance history survive deleting the stack.
      removalPolicy: config.tableRemovalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: config.logRetentionDays as logs.RetentionDays,
    });

    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'iletiMerkezi balance monitor: its logs, the credential parameters, its table and topic.',
    });
    // The log group's ARN ends in ":*", which covers its log streams.
    this.logGroup.grantWrite(role);
    // Everything below the path this monitor owns, and exactly the parameters kept elsewhere: one
    // statement whose size does not grow with the accounts that use the default names.
    const external = externalParameterNames(monitor.accounts.flatMap(credentialParameterNames));
    const ownedParameters = parameterArn(stack, `${OWNED_PARAMETER_PATH}*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadCredentialParameters',
        actions: ['ssm:GetParameters'],
        resources: [ownedParameters, ...external.map((p) => parameterArn(stack, p))],
      }),
    );
    if (parameterKey) {
      // Under the AWS-managed aws/ssm key no grant is needed: "The AWS managed key for Parameter Store
      // (aws/ssm) grants Decrypt permission to all IAM principals in the AWS account" (Systems Manager
      // user guide, Restricting decryption of SecureString parameter values).
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptCredentialParameters',
          actions: ['kms:Decrypt'],
          resources: [parameterKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'KeepAlertStateAndSamples',
        actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        resources: [this.table.tableArn],
      }),
    );
    this.topic.grantPublish(role);
    this.chat?.topic.grantPublish(role);

    this.fn = new lambda.Function(this, 'Function', {
      description: 'Checks the iletiMerkezi balances and notifies the topic.',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: functionMemoryMb(monitor),
      timeout: Duration.seconds(functionTimeoutSeconds(monitor)),
      handler: HANDLER_NAME,
      // The configuration rides in the asset (monitor-config.json): the environment stays two
      // names, whatever the number of accounts.
      code: code ?? handlerCode(monitorConfigJson),
      role,
      logGroup: this.logGroup,
      environment: {
        [ENV.topicArn]: this.topic.topicArn,
        ...(this.chat ? { [ENV.chatTopicArn]: this.chat.topic.topicArn } : {}),
        [ENV.tableName]: this.table.tableName,
      },
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagFinding(this, ownedParameters)}]`,
      reason:
        `The path ${OWNED_PARAMETER_PATH} holds the credentials of the accounts this monitor checks, so one ARN ` +
        'covers any number of accounts; parameters elsewhere are granted one exact ARN each.',
    });
    Validations.of(this.fn).acknowledge(
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'A scheduled run carries no data to replay: Lambda retries it twice, the next run supersedes it, ' +
          'and the function-errors alarm tells the subscribers.',
      },
      {
        id: 'Serverless-LambdaTracing',
        reason:
          'One short run per interval, described by its structured log lines and metrics; X-Ray would add cost.',
      },
    );

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: DEAD_LETTER_QUEUE_REASON },
      { id: 'Serverless-SQSRedrivePolicy', reason: DEAD_LETTER_QUEUE_REASON },
    );

    for (const subscription of config.subscriptions) {
      const created = this.topic.addSubscription(subscriptionFor(subscription, this.deadLetterQueue));
      if (subscription.protocol !== 'https') {
        Validations.of(created).acknowledge({
          id: 'Serverless-SNSRedrivePolicy',
          reason:
            'SNS hands email and SMS to mail servers and carriers, which report failures elsewhere (bounces, SMS ' +
            'delivery logs); https subscriptions, which SNS itself retries, have the dead-letter queue.',
        });
      }
    }

    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'iletiMerkezi balance monitor schedule: invokes the function.',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Balance check ${config.schedule.expression} (${monitor.timeZone})`,
      schedule: scheduler.ScheduleExpression.expression(
        config.schedule.expression,
        TimeZone.of(monitor.timeZone),
      ),
      target: new InvokeFunction(this.fn, {
        role: scheduleRole,
        // Every delivery of one scheduled run carries the same time: the function recognises duplicates by it.
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        // A check an hour late is worth nothing: the next run has happened by then.
        maxEventAge: Duration.hours(1),
      }),
    });

    if (config.digest) {
      // The weekly digest: the same function, the same narrow role (it may invoke only the function).
      this.digestSchedule = new scheduler.Schedule(this, 'DigestSchedule', {
        description: `Weekly digest ${config.digest.expression} (${monitor.timeZone})`,
        schedule: scheduler.ScheduleExpression.expression(
          config.digest.expression,
          TimeZone.of(monitor.timeZone),
        ),
        target: new InvokeFunction(this.fn, {
          role: scheduleRole,
          // The scheduled time names the digest: a second delivery of it, or a retry, finds it sent.
          input: scheduler.ScheduleTargetInput.fromObject({
            action: DIGEST_ACTION,
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
          }),
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 2,
          // A digest a day late still says what the week did.
          maxEventAge: Duration.hours(24),
        }),
      });
    }

    const window = noCheckWindowMinutes(config);
    const shape = noCheckAlarmShape(config.schedule, window);
    this.notRunningAlarm = new cloudwatch.Alarm(this, 'NotRunningAlarm', {
      alarmName: monitoredAlarmName(prefix, 'not-running'),
      alarmDescription:
        `The balance check function was not invoked in ${window} minutes: the schedule is disabled or deleted, ` +
        'or cannot invoke the function. Failures of single accounts are told by the monitor itself. What to do: ' +
        `check that the schedule ${config.schedule.expression} is enabled, and read the dead-letter queue ` +
        `${this.deadLetterQueue.queueName} for invocations the scheduler gave up on.`,
      metric: this.fn.metricInvocations({ statistic: 'Sum', period: Duration.minutes(shape.periodMinutes) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: shape.evaluationPeriods,
      datapointsToAlarm: shape.evaluationPeriods,
      // No data at all is exactly what this alarm is for.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    // A new alarm has no data yet and would fire before the first run: wait one window first
    // (CloudWatch allows at most 2,880 minutes; a longer window is covered by invoking once after deploying).
    (this.notRunningAlarm.node.defaultChild as cloudwatch.CfnAlarm).warmUpConfiguration = {
      warmUpPeriodDurationInMinutes: Math.min(MAX_WARM_UP_MINUTES, window),
    };

    const runPeriod = Duration.minutes(runPeriodMinutes(config.schedule));
    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmName: monitoredAlarmName(prefix, 'function-errors'),
      alarmDescription:
        'The latest balance check run failed (threw, ran out of time or memory), its retries included. ' +
        `What to do: read the latest lines of the log group ${this.logGroup.logGroupName}; a bad configuration ` +
        'fails at start with a message naming the file, field or variable. Clears when a later run succeeds.',
      // 1 for a period whose invocations all failed (Lambda retried and none got through), 0 for a
      // period with a successful one, nothing for a period without a run.
      metric: new cloudwatch.MathExpression({
        expression: 'IF(invocations - FILL(errors, 0) < 1, 1, 0)',
        usingMetrics: {
          invocations: this.fn.metricInvocations({ statistic: 'Sum', period: runPeriod }),
          errors: this.fn.metricErrors({ statistic: 'Sum', period: runPeriod }),
        },
        label: 'failed runs',
        period: runPeriod,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // Between runs there is nothing to judge: the state holds until the next run reports, so a
      // failed daily run stays in ALARM until a later run succeeds (never a RESOLVED from silence).
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmName: monitoredAlarmName(prefix, 'dead-letters'),
      alarmDescription:
        'Something could not be delivered even after retries and was left in the queue ' +
        `${this.deadLetterQueue.queueName}: a scheduled balance check (function deleted, or no permission to invoke it), ` +
        'an alarm notice, or a notice to an https subscriber. What to do: read the messages and their error ' +
        'attributes, fix the cause, then purge the queue; the alarm clears when the queue is empty.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.alarmNotices = new AlarmNotices(this, 'AlarmNotices', {
      topic: this.topic,
      prefix,
      deadLetterQueue: this.deadLetterQueue,
      ...(this.chat ? { chatTopic: this.chat.topic } : {}),
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
      description: 'Alert state and balance samples.',
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

/** CloudWatch's longest warm-up (WarmUpConfiguration.WarmUpPeriodDurationInMinutes). */
export const MAX_WARM_UP_MINUTES = 2880;
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

/**
 * Parameter Store decrypts with a key of its own region: a key of another region synthesizes,
 * deploys, and fails every run. Refused at synth when both regions are known; for a stack without
 * a region, a template rule refuses the deployment before any resource is created.
 */
function checkKeyRegion(scope: Construct, key: kms.IKey | undefined): void {
  const stack = Stack.of(scope);
  if (!key || Token.isUnresolved(key.keyArn)) return;
  const region = kmsKeyRegion(key.keyArn);
  if (region === undefined) return;
  if (Token.isUnresolved(stack.region)) {
    new CfnRule(scope, 'ParameterKeyInStackRegion', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, region),
          assertDescription: `parameterKmsKeyArn: the key is in ${region}; deploy the stack there, or use a key of the stack's region`,
        },
      ],
    });
    return;
  }
  if (region !== stack.region) {
    throw new ConfigError('BalanceMonitor props', [
      `parameterKmsKeyArn: the key is in ${region}, the stack in ${stack.region}; Parameter Store ` +
        "decrypts only with a key of its own region: use a key (or a multi-Region replica) in the stack's region",
    ]);
  }
}

function parameterArn(stack: Stack, parameterName: string): string {
  return stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: parameterName.replace(/^\//, ''),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
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
