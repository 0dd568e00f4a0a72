import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ArnFormat,
  AssetHashType,
  CfnOutput,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  TimeZone,
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
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../lambda/adapters/dynamodb-store.js';
import { BALANCE_METRIC } from '../lambda/adapters/telemetry.js';
import { ConfigError, credentialParameterNames, type MonitorConfig, orThrow } from '../lambda/core/config.js';
import { AlarmNotices } from './alarm-notices.js';
import { bundleHandler, HANDLER_NAME, REPO_ROOT } from './bundle.js';
import {
  compactMonitorConfig,
  type MinSeverity,
  noCheckAlarmShape,
  noCheckWindowMinutes,
  parseStackConfig,
  type StackConfig,
  type StackConfigInput,
  type SubscriptionConfig,
} from './config.js';
import { MonitorDashboard } from './dashboard.js';
import { accountMetric } from './metrics.js';

export interface BalanceMonitorProps extends Omit<StackConfigInput, 'parameterKmsKeyArn'> {
  /** Prefix of the alarm and dashboard names. @default the stack name */
  readonly name?: string;
  /** The customer-managed KMS key of the SecureString parameters, if not the AWS-managed aws/ssm key. */
  readonly parameterKey?: kms.IKey;
  /** A prebuilt artifact (tests); by default the handler is bundled by infra/bundle.ts. */
  readonly code?: lambda.Code;
}

/** Lambda allows 4 KB for all environment variables of a function together. */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;
/** Kept for the other variables: names, the topic ARN (up to ~330 bytes), the table name. */
const OTHER_VARIABLES_BYTES = 640;
export const MAX_MONITOR_CONFIG_BYTES = LAMBDA_ENVIRONMENT_BYTES - OTHER_VARIABLES_BYTES;
const DEAD_LETTER_QUEUE_REASON =
  'This queue is itself the dead-letter queue: of the schedule, of the alarm rule and of https subscriptions.';
/** Time the function keeps beyond the HTTP deadlines: credentials, state, publishing, logs. */
export const TIMEOUT_MARGIN_SECONDS = 15;

/**
 * Accounts are checked `concurrency` at a time, each within `deadlineMs`, so the run's worst case
 * is one deadline per wave, plus the margin.
 */
export function functionTimeoutSeconds(monitor: MonitorConfig): number {
  const waves = Math.ceil(monitor.accounts.length / monitor.concurrency);
  return Math.min(900, waves * Math.ceil(monitor.deadlineMs / 1000) + TIMEOUT_MARGIN_SECONDS);
}

/** The severities a subscription with a minimum severity receives. */
export function severitiesFrom(minSeverity: MinSeverity): string[] {
  return minSeverity === 'WARNING' ? ['WARNING', 'CRITICAL'] : ['CRITICAL'];
}

/** Hash of everything that shapes the artifact, so an unchanged handler is not re-uploaded. */
function artifactHash(): string {
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
  return hash.digest('hex');
}

function handlerCode(): lambda.Code {
  return lambda.Code.fromAsset(path.join(REPO_ROOT, 'lambda'), {
    assetHash: artifactHash(),
    assetHashType: AssetHashType.CUSTOM,
    bundling: {
      // Required by the API, never pulled: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('node:24'),
      local: {
        tryBundle(outputDir: string): boolean {
          bundleHandler(outputDir);
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
class InvokeFunction extends schedulerTargets.LambdaInvoke {
  constructor(
    private readonly fn: lambda.IFunction,
    props: schedulerTargets.ScheduleTargetBaseProps,
  ) {
    super(fn, props);
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
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
  /** One dead-man alarm per account, by account name. */
  readonly noCheckAlarms: ReadonlyMap<string, cloudwatch.Alarm>;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly alarmNotices: AlarmNotices;
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
    const configBytes = Buffer.byteLength(monitorConfigJson);
    if (configBytes > MAX_MONITOR_CONFIG_BYTES) {
      throw new ConfigError('BalanceMonitor props', [
        `accounts: the monitor configuration takes ${configBytes} bytes in the function's MONITOR_CONFIG variable, ` +
          `over the ${MAX_MONITOR_CONFIG_BYTES} bytes left of Lambda's 4 KB for environment variables: ` +
          'split the accounts over two stacks, or use the default parameter names, base URL and policy',
      ]);
    }

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'iletiMerkezi balance',
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Notices carry balances, never credentials; a customer-managed key costs 1 USD/month and ' +
        'the AWS-managed key would lock out CloudWatch and EventBridge should anyone route alarms here.',
    });
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
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadCredentialParameters',
        actions: ['ssm:GetParameters'],
        resources: monitor.accounts.flatMap(credentialParameterNames).map((p) => parameterArn(stack, p)),
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

    this.fn = new lambda.Function(this, 'Function', {
      description: 'Checks the iletiMerkezi balances and notifies the topic.',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      // Peak RSS of a run stays far below it (see npm run bench); more memory only costs more.
      memorySize: 128,
      timeout: Duration.seconds(functionTimeoutSeconds(monitor)),
      handler: HANDLER_NAME,
      code: code ?? handlerCode(),
      role,
      logGroup: this.logGroup,
      environment: {
        MONITOR_CONFIG: monitorConfigJson,
        TOPIC_ARN: this.topic.topicArn,
        TABLE_NAME: this.table.tableName,
      },
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

    const interval = Duration.minutes(config.schedule.kind === 'rate' ? config.schedule.intervalMinutes : 60);
    const noCheckAlarms = new Map<string, cloudwatch.Alarm>();
    for (const account of monitor.accounts) {
      const windowMinutes = noCheckWindowMinutes(config, account);
      const shape = noCheckAlarmShape(config.schedule, windowMinutes);
      const alarm = new cloudwatch.Alarm(this, `NoCheckAlarm-${account.name}`, {
        alarmName: `${prefix}-no-successful-check-${account.name}`,
        alarmDescription:
          `No successful balance check for account "${account.name}" in ${windowMinutes} minutes: the monitor ` +
          'is not running, fails before it can check, or cannot reach iletiMerkezi. What to do: open the dashboard ' +
          `or the log group ${this.logGroup.logGroupName} ("account checked" lines with outcome "failed", or errors), ` +
          'and check that the schedule is enabled.',
        metric: accountMetric(
          BALANCE_METRIC,
          account.name,
          'SampleCount',
          Duration.minutes(shape.periodMinutes),
        ),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: shape.evaluationPeriods,
        datapointsToAlarm: shape.evaluationPeriods,
        // No data at all is exactly what this alarm is for.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      // A new alarm has no data yet and would fire before the first run: wait one window first.
      (alarm.node.defaultChild as cloudwatch.CfnAlarm).warmUpConfiguration = {
        warmUpPeriodDurationInMinutes: Math.min(2880, windowMinutes),
      };
      noCheckAlarms.set(account.name, alarm);
    }
    this.noCheckAlarms = noCheckAlarms;

    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmName: `${prefix}-function-errors`,
      alarmDescription:
        'The balance check function failed (threw, ran out of time or memory) in the last two schedule intervals. ' +
        `What to do: read the latest lines of the log group ${this.logGroup.logGroupName}; a bad configuration ` +
        'fails at start with a message naming the variable. Clears after two intervals without errors.',
      metric: this.fn.metricErrors({ statistic: 'Sum', period: interval }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Any error in the last two intervals: one clean run between two failing ones does not flap.
      evaluationPeriods: 2,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmName: `${prefix}-dead-letters`,
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
      alarms: [...noCheckAlarms.values(), this.errorsAlarm, this.deadLetterAlarm],
      deadLetterQueue: this.deadLetterQueue,
    });

    if (config.dashboard) {
      this.dashboard = new MonitorDashboard(this, 'Dashboard', {
        dashboardName: prefix,
        accounts: monitor.accounts,
        fn: this.fn,
        logGroup: this.logGroup,
        period: interval,
      }).dashboard;
      new CfnOutput(this, 'DashboardUrl', {
        description:
          'The CloudWatch dashboard (about 3 USD a month beyond the first three dashboards of the account).',
        value: `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards:name=${prefix}`,
      });
    }

    new CfnOutput(this, 'TopicArn', {
      description: 'Subscribe more recipients here; notices carry the attributes severity, account and kind.',
      value: this.topic.topicArn,
    });
    new CfnOutput(this, 'TableName', {
      description: 'Alert state and balance samples.',
      value: this.table.tableName,
    });
    new CfnOutput(this, 'FunctionName', {
      description: 'Run one check now: aws lambda invoke --function-name <this> out.json',
      value: this.fn.functionName,
    });
    new CfnOutput(this, 'CredentialParameters', {
      description:
        "Store each account's key and hash as SecureStrings before the first run: npm run credentials -- <account> " +
        '(or aws ssm put-parameter --type SecureString --overwrite --name <name> --value <from a file, not the shell>).',
      value: monitor.accounts.flatMap(credentialParameterNames).join(' '),
    });
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
  const options = subscription.minSeverity
    ? {
        filterPolicy: {
          severity: sns.SubscriptionFilter.stringFilter({
            allowlist: severitiesFrom(subscription.minSeverity),
          }),
        },
      }
    : {};
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
