import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARM_NOTICE_KINDS } from '../../infra/alarm-notices.js';
import { BalanceMonitor, credentialParametersOutput } from '../../infra/balance-monitor.js';
import { BalanceMonitorStack } from '../../infra/balance-monitor-stack.js';
import { functionMemoryMb, functionTimeoutSeconds } from '../../infra/monitor-function.js';
import { SANDBOX_CREDENTIALS } from '../../lambda/adapters/sandbox-provider.js';
import { ConfigError } from '../../lambda/core/config.js';
import {
  appContext,
  ENV,
  EXAMPLE_CONFIG,
  logicalId,
  onlyResource,
  render,
  type Statement,
  statementsOfRole,
  synthTemplate,
  withConfig,
} from './fixture.js';

const KEY_ARN = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SUBSCRIPTIONS = [
  { email: 'ops@example.com' },
  { sms: '+905551112233', minSeverity: 'CRITICAL' },
  { https: 'https://hooks.example.com/balance', minSeverity: 'WARNING' },
];
const TWO_ACCOUNTS = [
  ...(EXAMPLE_CONFIG.accounts as unknown[]),
  { name: 'backup', keyParameter: 'sms-backup-key', thresholds: { critical: { sms: 50 } } },
];

let template: Template;
let stack: BalanceMonitorStack;
let ids: {
  topic: string;
  table: string;
  fn: string;
  fnRole: string;
  logGroup: string;
  queue: string;
  scheduleRole: string;
  checkAlias: string;
};

beforeAll(() => {
  ({ template, stack } = synthTemplate(withConfig({ subscriptions: SUBSCRIPTIONS })));
  const m = stack.monitor;
  ids = {
    topic: logicalId(m.topic),
    table: logicalId(m.table),
    fn: logicalId(m.fn),
    fnRole: logicalId(m.fn.role ?? m.fn),
    logGroup: logicalId(m.logGroup),
    queue: logicalId(m.deadLetterQueue),
    scheduleRole: logicalId(m.node.findChild('ScheduleRole')),
    checkAlias: logicalId(m.checkAlias),
  };
});

const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('the weekly digest schedule', () => {
  it('invokes the function with the digest action and its scheduled time, Mondays 09:00 in the configured time zone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 9 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/Istanbul',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: arnOf(ids.fn),
        RoleArn: arnOf(ids.scheduleRole),
        Input: '{"action":"digest","scheduledTime":"<aws.scheduler.scheduled-time>"}',
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 86400 },
        DeadLetterConfig: { Arn: arnOf(ids.queue) },
      }),
    });
  });

  it('is left out when the configuration turns the digest off', () => {
    const { template: off } = synthTemplate(withConfig({ digest: false }));
    off.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
  });

  it("lets the schedules' role invoke the check alias and the function, each once, and reach the dead-letter queue, nothing else", () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes(ids.scheduleRole),
    );
    const statements = policies.flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
          .Statement,
    );
    expect(statements).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [arnOf(ids.fn), { Ref: ids.checkAlias }],
      },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(ids.queue) },
    ]);
  });
});

describe('the schedule', () => {
  it('invokes the check alias at the configured rate in the configured time zone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      ScheduleExpressionTimezone: 'Europe/Istanbul',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { Ref: ids.checkAlias }, RoleArn: arnOf(ids.scheduleRole) }),
    });
  });

  it('sends the scheduled time, which is the same in every delivery of one run', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({ Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}' }),
    });
  });

  it('retries twice within an hour, then leaves the invocation in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: arnOf(ids.queue) },
      }),
    });
  });

  it('sends an asynchronous invocation the function failed three times (a check run or a digest) to the dead-letter queue', () => {
    // $LATEST for the digest; the check schedule's alias, named by a selection from its ARN.
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'));
    expect(configs.map((c) => c.Properties?.Qualifier)).toEqual([
      '$LATEST',
      { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: ids.checkAlias }] }] },
    ]);
    for (const config of configs) {
      expect(config.Properties).toMatchObject({
        FunctionName: { Ref: ids.fn },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: arnOf(ids.queue) } },
      });
    }
  });

  it('lets no queue policy statement deny the function its sends to the dead-letter queue over TLS', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter((p) =>
      JSON.stringify(p.Properties?.Queues).includes(ids.queue),
    );
    const denies = policies
      .flatMap(
        (p) => (p.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
      )
      .filter((s) => s.Effect === 'Deny');
    expect(denies.map((s) => s.Condition)).toEqual([{ Bool: { 'aws:SecureTransport': 'false' } }]);
  });

  it('passes a cron expression through with the time zone', () => {
    const { template: cron } = synthTemplate(
      withConfig({
        schedule: 'cron(0/30 8-20 ? * MON-FRI *)',
        timeZone: 'Europe/Berlin',
        // The weekend, Friday 20:30 to Monday 08:00, plus an hour for daylight saving.
        noCheckAlarmMinutes: 3630,
      }),
    );
    cron.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0/30 8-20 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
  });

  it('has a role only the scheduler of this account can assume, to invoke exactly the check alias (and the function, for the digest)', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': ENV.account } },
          },
        ],
      },
    });
    expect(statementsOfRole(template, ids.scheduleRole)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [arnOf(ids.fn), { Ref: ids.checkAlias }],
      },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(ids.queue) },
    ]);
  });

  it('may invoke exactly the check alias when the digest is off', () => {
    const { template: off, stack: offStack } = synthTemplate(withConfig({ digest: false }));
    expect(statementsOfRole(off, logicalId(offStack.monitor.node.findChild('ScheduleRole')))).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: { Ref: logicalId(offStack.monitor.checkAlias) },
      },
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(offStack.monitor.deadLetterQueue), 'Arn'] },
      },
    ]);
  });

  it('points the check alias at the version of the current code, and deletes the version it replaces', () => {
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'check',
      FunctionName: { Ref: ids.fn },
      FunctionVersion: { 'Fn::GetAtt': [Match.stringLikeRegexp('CurrentVersion'), 'Version'] },
    });
    template.hasResource('AWS::Lambda::Version', {
      Properties: { FunctionName: { Ref: ids.fn } },
      DeletionPolicy: 'Delete',
    });
  });

  it('has a dead-letter queue that refuses plain HTTP, is encrypted by SQS and keeps messages 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: arnOf(ids.queue),
          }),
        ]),
      },
    });
  });
});

describe('the function', () => {
  it('runs on nodejs24.x, ARM64, with 128 MB and the bundled ESM handler', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 128,
      Handler: 'index.handler',
      Role: arnOf(ids.fnRole),
    });
  });

  it('has a timeout beyond the HTTP deadline by a margin for credentials, state and publishing', () => {
    const timeout = new Capture();
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: timeout });
    const deadlineSeconds = stack.monitor.config.monitor.deadlineMs / 1000;
    expect(timeout.asNumber()).toBe(30);
    expect(timeout.asNumber()).toBeGreaterThanOrEqual(deadlineSeconds + 10);
  });

  it('allows one deadline per wave of concurrently checked accounts', () => {
    const monitor = { ...stack.monitor.config.monitor, concurrency: 5, deadlineMs: 15_000 };
    const accounts = Array.from({ length: 11 }, () => monitor.accounts[0]).filter((a) => a !== undefined);
    expect(functionTimeoutSeconds({ ...monitor, accounts })).toBe(3 * 15 + 15);
  });

  it('receives exactly TOPIC_ARN and TABLE_NAME: the configuration rides in its code, not its environment', () => {
    const variables = new Capture();
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: variables } });
    expect(Object.keys(variables.asObject()).sort()).toEqual(['TABLE_NAME', 'TOPIC_ARN']);
    expect(variables.asObject().TOPIC_ARN).toEqual({ Ref: ids.topic });
    expect(variables.asObject().TABLE_NAME).toEqual({ Ref: ids.table });
  });

  it('gets a new asset when the configuration changes, and the same one when it does not', () => {
    const s3Key = (config: Record<string, unknown>) => {
      const code = new Capture();
      synthTemplate(config).template.hasResourceProperties('AWS::Lambda::Function', { Code: code });
      return (code.asObject() as { S3Key: unknown }).S3Key;
    };
    const lower = withConfig({
      accounts: [{ name: 'main', thresholds: { warning: { amount: 90 }, critical: { amount: 25 } } }],
    });
    expect(s3Key(EXAMPLE_CONFIG)).toBe(s3Key(EXAMPLE_CONFIG));
    expect(s3Key(lower)).not.toBe(s3Key(EXAMPLE_CONFIG));
  });

  it('gives 128 MB up to 100 accounts and 160 MB above, and a timeout of one deadline per wave of 50', () => {
    const monitor = stack.monitor.config.monitor;
    const account = monitor.accounts[0];
    if (!account) throw new Error('no account');
    const withAccounts = (count: number) => ({
      ...monitor,
      accounts: Array.from({ length: count }, (_, i) => ({ ...account, name: `a-${i}` })),
    });
    expect(functionMemoryMb(withAccounts(1))).toBe(128);
    expect(functionMemoryMb(withAccounts(100))).toBe(128);
    expect(functionMemoryMb(withAccounts(101))).toBe(160);
    expect(functionMemoryMb(withAccounts(500))).toBe(160);
    expect(functionTimeoutSeconds(withAccounts(500))).toBe(10 * 15 + 15);
  });

  it('logs to its own log group, kept 90 days', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: ids.logGroup } },
    });
  });

  it('keeps logs as long as configured', () => {
    const { template: short } = synthTemplate(withConfig({ logRetentionDays: 30 }));
    short.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe("the function's permissions", () => {
  it('come from its own role, which only Lambda assumes and which has no managed policy', () => {
    const role = template.findResources('AWS::IAM::Role')[ids.fnRole];
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });

  it('are exactly: its log streams, the credential parameters, four table actions, publishing to the topic and sending to the dead-letter queue', () => {
    expect(statementsOfRole(template, ids.fnRole)).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(ids.logGroup),
      },
      {
        Sid: 'ReadCredentialParameters',
        Action: 'ssm:GetParameters',
        Effect: 'Allow',
        Resource: 'arn:aws:ssm:eu-central-1:123456789012:parameter/iletimerkezi/*',
      },
      {
        Sid: 'KeepAlertStateAndHistory',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        Effect: 'Allow',
        Resource: arnOf(ids.table),
      },
      { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: ids.topic } },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(ids.queue) },
    ]);
  });

  it('cover the path the monitor owns and the exact name of every parameter kept elsewhere', () => {
    const { template: two, stack: twoStack } = synthTemplate(withConfig({ accounts: TWO_ACCOUNTS }));
    const ssm = statementsOfRole(two, logicalId(twoStack.monitor.fn.role ?? twoStack.monitor.fn)).find(
      (s) => s.Sid === 'ReadCredentialParameters',
    );
    expect(ssm?.Resource).toEqual([
      'arn:aws:ssm:eu-central-1:123456789012:parameter/iletimerkezi/*',
      'arn:aws:ssm:eu-central-1:123456789012:parameter/sms-backup-key',
    ]);
  });

  it('refuse a customer-managed key of another region at synth, naming the field', () => {
    const app = new App({
      context: appContext(
        withConfig({
          parameterKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        }),
      ),
    });
    expect(() => new BalanceMonitorStack(app, 'OtherRegionKey', { env: ENV })).toThrow(
      /parameterKmsKeyArn: the key is in us-east-1, the stack in eu-central-1; Parameter Store decrypts only with a key of its own region/,
    );
  });

  it('include kms:Decrypt on the customer-managed key only, and only through SSM, when one is configured', () => {
    const { template: withKey, stack: keyStack } = synthTemplate(withConfig({ parameterKmsKeyArn: KEY_ARN }));
    const statements = statementsOfRole(withKey, logicalId(keyStack.monitor.fn.role ?? keyStack.monitor.fn));
    expect(statements.filter((s) => String(s.Action).startsWith('kms:'))).toEqual([
      {
        Sid: 'DecryptCredentialParameters',
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': 'ssm.eu-central-1.amazonaws.com' } },
      },
    ]);
  });

  it("refuse, in a stack without a region, to deploy anywhere but the key's region", () => {
    const app = new App({ context: appContext(withConfig({ parameterKmsKeyArn: KEY_ARN })) });
    const agnostic = Template.fromStack(new BalanceMonitorStack(app, 'Agnostic'));
    const rules = Object.entries(agnostic.toJSON().Rules ?? {})
      .filter(([id]) => id.includes('ParameterKeyInStackRegion'))
      .map(([, rule]) => rule);
    expect(rules).toEqual([
      {
        Assertions: [
          {
            Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-central-1'] },
            AssertDescription: expect.stringMatching(/^parameterKmsKeyArn: the key is in eu-central-1/),
          },
        ],
      },
    ]);
  });

  it('include no KMS permission under the AWS-managed aws/ssm key', () => {
    expect(
      statementsOfRole(template, ids.fnRole).some((s) => JSON.stringify(s.Action).includes('kms:')),
    ).toBe(false);
  });
});

describe('every IAM policy in the stack', () => {
  it('names its resources without wildcards, but for the two paths the monitor owns', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    expect(statements.length).toBeGreaterThan(0);
    const wildcards = statements
      .flatMap((statement) => [statement.Resource].flat())
      .filter((resource) => JSON.stringify(resource).includes('*'));
    expect(wildcards).toEqual([
      'arn:aws:ssm:eu-central-1:123456789012:parameter/iletimerkezi/*',
      'arn:aws:cloudwatch:eu-central-1:123456789012:alarm:IletiMerkeziBalanceMonitor-alarm-*',
    ]);
  });

  it('belongs to a role without managed policies', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('the topic', () => {
  it('refuses publishing without TLS, and lets only the relay-failed alarm of this account publish as CloudWatch', () => {
    const relayFailed = logicalId(stack.monitor.alarmNotices.relayFailedAlarm);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'AllowPublishThroughSSLOnly',
            Action: 'sns:Publish',
            Effect: 'Deny',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: { Ref: ids.topic },
          },
          {
            Sid: 'RelayFailedAlarmPublishes',
            Action: 'sns:Publish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: {
              ArnEquals: { 'aws:SourceArn': arnOf(relayFailed) },
              StringEquals: { 'aws:SourceAccount': ENV.account },
            },
            Resource: { Ref: ids.topic },
          },
        ],
      },
      Topics: [{ Ref: ids.topic }],
    });
  });

  it('sends everything to a subscription without a minimum severity', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: ids.topic },
      FilterPolicy: Match.absent(),
    });
  });

  it('sends only CRITICAL notices (and the test notice) to a subscription with minimum severity CRITICAL', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sms',
      Endpoint: '+905551112233',
      FilterPolicy: { severity: ['CRITICAL', 'TEST'] },
    });
  });

  it('sends WARNING and CRITICAL notices (and the test notice and the digest) to an https subscription with minimum severity WARNING', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://hooks.example.com/balance',
      FilterPolicy: { severity: ['WARNING', 'CRITICAL', 'TEST', 'INFO'] },
    });
  });

  it('never sends the weekly digest (INFO) by SMS, with or without a minimum severity', () => {
    const { template: t } = synthTemplate(
      withConfig({
        subscriptions: [
          { sms: '+905551112233' },
          { sms: '+905551112244', minSeverity: 'WARNING' },
          { email: 'ops@example.com', minSeverity: 'CRITICAL' },
        ],
      }),
    );
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sms',
      Endpoint: '+905551112233',
      FilterPolicy: { severity: [{ 'anything-but': ['INFO'] }] },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sms',
      Endpoint: '+905551112244',
      FilterPolicy: { severity: ['WARNING', 'CRITICAL', 'TEST'] },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      FilterPolicy: { severity: ['CRITICAL', 'TEST', 'INFO'] },
    });
  });

  it('sends the relay-failed alarm, which CloudWatch publishes without attributes, to SMS subscribers without a minimum severity on an unfiltered topic of its own', () => {
    const { template: t, stack: s } = synthTemplate(
      withConfig({
        subscriptions: [
          { sms: '+905551112233' },
          { sms: '+905551112244', minSeverity: 'WARNING' },
          { email: 'ops@example.com' },
        ],
      }),
    );
    const smsTopic = s.monitor.relayFailedSmsTopic;
    if (!smsTopic) throw new Error('no relay-failed SMS topic');
    const smsTopicId = logicalId(smsTopic);
    const onSmsTopic = Object.values(t.findResources('AWS::SNS::Subscription')).filter(
      (sub) => JSON.stringify(sub.Properties.TopicArn) === JSON.stringify({ Ref: smsTopicId }),
    );
    expect(onSmsTopic.map((sub) => sub.Properties)).toEqual([
      { Protocol: 'sms', Endpoint: '+905551112233', TopicArn: { Ref: smsTopicId } },
    ]);
    const relayFailed = s.monitor.alarmNotices.relayFailedAlarm;
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'IletiMerkeziBalanceMonitor-relay-failed',
      AlarmActions: [{ Ref: logicalId(s.monitor.topic) }, { Ref: smsTopicId }],
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: smsTopicId }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Sid: 'RelayFailedAlarmPublishes',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: {
              ArnEquals: { 'aws:SourceArn': arnOf(logicalId(relayFailed)) },
              StringEquals: { 'aws:SourceAccount': ENV.account },
            },
          }),
        ],
      },
    });
  });

  it('has no relay-failed SMS topic when every SMS subscriber has a minimum severity', () => {
    expect(stack.monitor.relayFailedSmsTopic).toBeUndefined();
    template.resourceCountIs('AWS::SNS::Topic', 1);
  });

  it('has no display name, which SNS would prepend to every SMS', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: Match.absent() });
    expect(
      Object.values(template.findResources('AWS::SNS::Topic')).filter(
        (t) => (t as { Properties?: { DisplayName?: string } }).Properties?.DisplayName !== undefined,
      ),
    ).toEqual([]);
  });

  it('parks notices an https subscriber could not take in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      RedrivePolicy: { deadLetterTargetArn: arnOf(ids.queue) },
    });
  });
});

describe('the state table', () => {
  it('is on demand, keyed by pk and sk, expires samples by expiresAt and has point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('survives deleting the stack by default', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('is deleted with the stack when tableRemovalPolicy is destroy', () => {
    const { template: destroy } = synthTemplate(withConfig({ tableRemovalPolicy: 'destroy' }));
    destroy.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });
});

describe('the alarms', () => {
  it('include the dead-man alarm: the check alias not invoked for two 15-minute periods, missing data breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'IletiMerkeziBalanceMonitor-alarm-not-running',
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      // Resource = function:check: a digest or a test notice, which invoke the function itself, does not count.
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: ids.fn } },
        { Name: 'Resource', Value: { 'Fn::Join': ['', [{ Ref: ids.fn }, ':check']] } },
      ],
      Statistic: 'Sum',
      Period: 900,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('let a new dead-man alarm warm up for one window, so it does not fire before the first run', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'IletiMerkeziBalanceMonitor-alarm-not-running',
      WarmUpConfiguration: { WarmUpPeriodDurationInMinutes: 30 },
    });
  });

  it('follow noCheckAlarmMinutes for the dead-man window', () => {
    const { template: short } = synthTemplate(withConfig({ noCheckAlarmMinutes: 60 }));
    short.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocations',
      Period: 900,
      EvaluationPeriods: 4,
      DatapointsToAlarm: 4,
    });
  });

  it('watch rate(4 days) over exactly the 7 days CloudWatch allows, with the longest warm-up it allows', () => {
    const { template: slow } = synthTemplate(
      withConfig({ schedule: 'rate(4 days)', noCheckAlarmMinutes: 10080 }),
    );
    slow.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocations',
      Period: 86_400,
      EvaluationPeriods: 7,
      WarmUpConfiguration: { WarmUpPeriodDurationInMinutes: 2880 },
    });
  });

  it('are the same four for one account or two: none per account', () => {
    const { template: two } = synthTemplate(withConfig({ accounts: TWO_ACCOUNTS }));
    two.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    expect(JSON.stringify(two.findResources('AWS::CloudWatch::Alarm'))).not.toContain('backup');
  });

  it('include function errors: the latest run failed with its retries, judged per run and held between runs', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'IletiMerkeziBalanceMonitor-alarm-function-errors',
      Metrics: [
        Match.objectLike({ Expression: 'IF(invocations - FILL(errors, 0) < 1, 1, 0)', ReturnData: true }),
        Match.objectLike({
          Id: 'invocations',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'Invocations',
              Dimensions: [
                { Name: 'FunctionName', Value: { Ref: ids.fn } },
                { Name: 'Resource', Value: { 'Fn::Join': ['', [{ Ref: ids.fn }, ':check']] } },
              ],
            },
            Period: 900,
            Stat: 'Sum',
          }),
          ReturnData: false,
        }),
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'Errors',
              // The check alias only: a good digest in the period of a failed check does not hide it.
              Dimensions: [
                { Name: 'FunctionName', Value: { Ref: ids.fn } },
                { Name: 'Resource', Value: { 'Fn::Join': ['', [{ Ref: ids.fn }, ':check']] } },
              ],
            },
            Period: 900,
            Stat: 'Sum',
          }),
          ReturnData: false,
        }),
      ],
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'ignore',
    });
  });

  it('with a daily cron, keep the errors alarm in ALARM through the silent hours after a failed run', () => {
    // Before: a 3,600 s period over two periods with missing data not breaching, so the hours without
    // a run after a failed one turned it OK (a spurious RESOLVED). Now the hours without data change nothing.
    const { template: daily } = synthTemplate(
      withConfig({ schedule: 'cron(0 6 * * ? *)', noCheckAlarmMinutes: 1500 }),
    );
    const errors = Object.values(daily.findResources('AWS::CloudWatch::Alarm')).find((a) =>
      String(a.Properties.AlarmName).endsWith('-function-errors'),
    );
    expect(errors?.Properties.TreatMissingData).toBe('ignore');
    expect(errors?.Properties.EvaluationPeriods).toBe(1);
    expect(errors?.Properties.Metrics[1].MetricStat.Period).toBe(3600);
  });

  it('with a cron every 10 minutes, judge each run in a 10-minute period, so one good run in an hour hides no failed one', () => {
    const { template: often } = synthTemplate(
      withConfig({ schedule: 'cron(0/10 * * * ? *)', noCheckAlarmMinutes: 30 }),
    );
    const errors = Object.values(often.findResources('AWS::CloudWatch::Alarm')).find((a) =>
      String(a.Properties.AlarmName).endsWith('-function-errors'),
    );
    expect(errors?.Properties.Metrics[1].MetricStat.Period).toBe(600);
    expect(errors?.Properties.Metrics[2].MetricStat.Period).toBe(600);
  });

  it('include a message waiting in the dead-letter queue, missing data not breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'IletiMerkeziBalanceMonitor-alarm-dead-letters',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('say what to do', () => {
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(render(alarm.Properties.AlarmDescription)).toContain('What to do:');
    }
  });

  it('have no actions of their own but the relay-failed alarm: their notices go through the alarm notice rule', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      const relayFailed = alarm.Properties.AlarmName === 'IletiMerkeziBalanceMonitor-relay-failed';
      expect(alarm.Properties.AlarmActions).toEqual(relayFailed ? [{ Ref: ids.topic }] : undefined);
      expect(alarm.Properties.OKActions).toBeUndefined();
      expect(alarm.Properties.InsufficientDataActions).toBeUndefined();
    }
  });

  it('include relay-failed: an alarm notice execution failed or timed out, published straight to the topic', () => {
    const machine = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'IletiMerkeziBalanceMonitor-relay-failed',
      Metrics: [
        Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0)', ReturnData: true }),
        Match.objectLike({
          Id: 'failed',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/States',
              MetricName: 'ExecutionsFailed',
              Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machine.id } }],
            },
            Period: 300,
            Stat: 'Sum',
          }),
        }),
        Match.objectLike({
          Id: 'timedOut',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'AWS/States', MetricName: 'ExecutionsTimedOut' }),
          }),
        }),
      ],
      EvaluationPeriods: 1,
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: ids.topic }],
    });
  });
});

describe('alarm notices', () => {
  it('are triggered by the alarms named with the monitor prefix entering ALARM or turning OK, whatever their number', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: [{ prefix: 'IletiMerkeziBalanceMonitor-alarm-' }],
          $or: [
            { state: { value: ['ALARM'] } },
            { previousState: { value: ['ALARM', 'INSUFFICIENT_DATA'] }, state: { value: ['OK'] } },
          ],
        },
      },
    });
  });

  it('cover every alarm but relay-failed, whose notice cannot go through the relay it reports', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) =>
      String(a.Properties.AlarmName),
    );
    expect(names.filter((n) => n.startsWith('IletiMerkeziBalanceMonitor-alarm-')).sort()).toEqual([
      'IletiMerkeziBalanceMonitor-alarm-dead-letters',
      'IletiMerkeziBalanceMonitor-alarm-function-errors',
      'IletiMerkeziBalanceMonitor-alarm-not-running',
    ]);
    expect(names.filter((n) => !n.startsWith('IletiMerkeziBalanceMonitor-alarm-'))).toEqual([
      'IletiMerkeziBalanceMonitor-relay-failed',
    ]);
  });

  it('after INSUFFICIENT_DATA → OK read the alarm history before publishing, and publish otherwise at once', () => {
    const machine = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    const definition = JSON.parse(render(machine.properties.DefinitionString));
    expect(definition.StartAt).toBe('AfterReset');
    expect(definition.States.AfterReset.Choices).toEqual([
      {
        Condition:
          "{% $states.input.detail.previousState.value = 'INSUFFICIENT_DATA' and $states.input.detail.state.value = 'OK' %}",
        Next: 'ReadAlarmHistory',
      },
    ]);
    expect(definition.States.AfterReset.Default).toBe('Publish');
    const history = definition.States.ReadAlarmHistory;
    expect(history.Resource).toBe(`arn:\${AWS::Partition}:states:::aws-sdk:cloudwatch:describeAlarmHistory`);
    expect(history.Arguments).toEqual({
      AlarmName: '{% $states.input.detail.alarmName %}',
      HistoryItemType: 'StateUpdate',
      ScanBy: 'TimestampDescending',
      MaxRecords: 10,
    });
    // The event goes on with when the alarm entered ALARM, the resolution's episode key.
    expect(history.Output).toBe(
      "{% $merge([$states.input, { 'alarmBegan': $states.result.AlarmHistoryItems[$eval(HistoryData).newState.stateValue = 'ALARM'][0].Timestamp }]) %}",
    );
    expect(definition.States.WasInAlarm.Choices).toEqual([
      { Condition: '{% $resetFromAlarm %}', Next: 'Publish' },
    ]);
    expect(definition.States.WasInAlarm.Default).toBe('NothingToResolve');
  });

  it('are sent to SMS subscribers as transactional messages', () => {
    const machine = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    const publish = JSON.parse(render(machine.properties.DefinitionString)).States.Publish;
    expect(publish.Arguments.MessageAttributes['AWS.SNS.SMS.SMSType']).toEqual({
      DataType: 'String',
      StringValue: 'Transactional',
    });
  });

  it('start the publishing state machine, with retries and the dead-letter queue', () => {
    const machine = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          Arn: { Ref: machine.id },
          DeadLetterConfig: { Arn: arnOf(ids.queue) },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
  });

  it('are published to the topic with the severity and kind attributes that subscriptions filter on', () => {
    const machine = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    const definition = JSON.parse(render(machine.properties.DefinitionString));
    expect(definition.QueryLanguage).toBe('JSONata');
    const publish = definition.States.Publish;
    expect(publish.Resource).toBe(`arn:\${AWS::Partition}:states:::sns:publish`);
    expect(publish.Arguments.TopicArn).toBe(`\${${ids.topic}}`);
    expect(publish.Arguments.MessageStructure).toBe('json');
    expect(publish.Arguments.MessageAttributes.severity).toEqual({
      DataType: 'String',
      StringValue: 'CRITICAL',
    });
    expect(publish.Arguments.MessageAttributes.kind.StringValue).toContain(ALARM_NOTICE_KINDS.alarm);
    expect(publish.Arguments.MessageAttributes.kind.StringValue).toContain(ALARM_NOTICE_KINDS.resolved);
  });

  it('have a subject SNS accepts and a text that says RESOLVED when an alarm clears', () => {
    const machine = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    const publish = JSON.parse(render(machine.properties.DefinitionString)).States.Publish;
    expect(publish.Arguments.Subject).toMatch(/^\{% \$substring\(.*'ALARM: '.*'RESOLVED: '.*, 0, 99\) %\}$/);
    expect(publish.Arguments.Message).toContain(
      "'RESOLVED: ' & $states.input.detail.alarmName & ' is OK again: '",
    );
    expect(publish.Arguments.Message).toContain('$states.input.detail.configuration.description');
  });

  it("come from a state machine that may only publish to the topic and read its own alarms' history", () => {
    const roleId = logicalId(stack.monitor.alarmNotices.stateMachine.role);
    expect(statementsOfRole(template, roleId)).toEqual([
      { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: ids.topic } },
      {
        Action: 'cloudwatch:DescribeAlarmHistory',
        Effect: 'Allow',
        Resource: 'arn:aws:cloudwatch:eu-central-1:123456789012:alarm:IletiMerkeziBalanceMonitor-alarm-*',
      },
    ]);
  });
});

interface Widget {
  type: string;
  properties: {
    title: string;
    metrics?: unknown[][];
    annotations?: { horizontal: { value: number; label: string }[] };
    query?: string;
    view?: string;
  };
}

function dashboardWidgets(t: Template): Widget[] {
  const dashboard = onlyResource(t, 'AWS::CloudWatch::Dashboard');
  return JSON.parse(render(dashboard.properties.DashboardBody)).widgets;
}

function widget(widgets: Widget[], title: string): Widget['properties'] {
  const found = widgets.find((w) => w.properties.title === title);
  if (!found) throw new Error(`no widget "${title}" in ${widgets.map((w) => w.properties.title).join(', ')}`);
  return found.properties;
}

describe('the dashboard', () => {
  it("draws the chosen account's balance and SMS trend from the log lines, the account typed into the Account box", () => {
    const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.parse(render(dashboard.properties.DashboardBody));
    expect(body.variables).toEqual([
      {
        type: 'pattern',
        pattern: '__ACCOUNT__',
        inputType: 'input',
        id: 'account',
        label: 'Account',
        defaultValue: 'main',
        visible: true,
      },
    ]);
    const source = `SOURCE '\${${ids.logGroup}}'`;
    const balance = widget(body.widgets, 'Balance (TL): __ACCOUNT__');
    expect(balance.query).toBe(
      `${source} | filter message = "account checked" and outcome = "ok" and account = "__ACCOUNT__"\n| stats min(amount) as balance by bin(1h)`,
    );
    expect(balance.view).toBe('timeSeries');
    expect(widget(body.widgets, 'SMS left (estimate): __ACCOUNT__').query).toContain(
      'stats min(sms) as smsLeft by bin(1h)',
    );
  });

  it('uses no custom metric unless accountMetrics is on, and then one search over every account', () => {
    expect(JSON.stringify(dashboardWidgets(template))).not.toContain('IletiMerkezi/BalanceMonitor');
    const { template: metered } = synthTemplate(withConfig({ accountMetrics: true }));
    const graph = widget(dashboardWidgets(metered), 'Balance (TL), every account (accountMetrics)');
    expect(graph.metrics).toEqual([
      [
        expect.objectContaining({
          expression: `SEARCH('{IletiMerkezi/BalanceMonitor,Account} MetricName="Balance"', 'Minimum', 3600)`,
        }),
      ],
    ]);
  });

  it('has the same widgets for 1 and 2 accounts', () => {
    const { template: two } = synthTemplate(withConfig({ accounts: TWO_ACCOUNTS }));
    const titles = (t: Template) => dashboardWidgets(t).map((w) => w.properties.title);
    expect(titles(two)).toEqual(titles(template));
  });

  it('counts successful checks per hour from the log lines', () => {
    const checks = widget(dashboardWidgets(template), 'Successful checks per hour');
    expect(checks.query).toContain(
      'filter message = "account checked" and outcome = "ok"\n| stats count(*) as successfulChecks by bin(1h)',
    );
  });

  it("reads failed checks and days to empty from the function's log lines", () => {
    const widgets = dashboardWidgets(template);
    const source = `SOURCE '\${${ids.logGroup}}'`;
    const perHour = widget(widgets, 'Failed checks per hour');
    expect(perHour.query).toBe(
      `${source} | filter message = "account checked" and outcome = "failed"\n| stats count(*) as failedChecks by bin(1h)`,
    );
    expect(widget(widgets, 'Latest failed checks').query).toContain('failureKind');
    const daysToEmpty = widget(widgets, 'Latest reading and days to empty (forecast)');
    expect(daysToEmpty.query).toMatch(
      /^SOURCE '.*' \| filter message = "account checked" and outcome = "ok"\n\| stats latest\(daysToEmpty\)/,
    );
    expect(daysToEmpty.view).toBe('table');
  });

  it("shows the scheduler's free metrics: attempts, target errors and dropped invocations", () => {
    const scheduler = widget(
      dashboardWidgets(template),
      'Scheduler, all schedules of the account: attempts, target errors, dropped',
    );
    expect(scheduler.metrics?.map((m) => [m[0], m[1]])).toEqual([
      ['AWS/Scheduler', 'InvocationAttemptCount'],
      ['AWS/Scheduler', 'TargetErrorCount'],
      ['AWS/Scheduler', 'InvocationDroppedCount'],
    ]);
  });

  it("shows the function's free metrics: runs, errors and duration", () => {
    const widgets = dashboardWidgets(template);
    const fnRef = `\${${ids.fn}}`;
    expect(widget(widgets, 'Function runs and errors').metrics).toEqual([
      ['AWS/Lambda', 'Invocations', 'FunctionName', fnRef, expect.anything()],
      ['AWS/Lambda', 'Errors', 'FunctionName', fnRef, expect.anything()],
    ]);
    expect(widget(widgets, 'Function duration (ms)').metrics?.map((m) => m[1])).toEqual([
      'Duration',
      'Duration',
    ]);
  });

  it('is left out, with its URL output, when dashboard is false', () => {
    const { template: none } = synthTemplate(withConfig({ dashboard: false }));
    none.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(Object.keys(none.findOutputs('*')).some((k) => k.includes('DashboardUrl'))).toBe(false);
  });
});

describe('the outputs', () => {
  it('publishes the configured maxSilenceHours as the MaxSilenceHours output', () => {
    const { template: short } = synthTemplate(withConfig({ maxSilenceHours: 24 }));
    const outputs = Object.entries(short.findOutputs('*'));
    expect(outputs.find(([k]) => k.includes('MaxSilenceHours'))?.[1].Value).toBe('24');
  });

  it('give the topic ARN, table name, function name, dashboard URL and the parameters to store', () => {
    const outputs = template.findOutputs('*');
    const byName = (name: string) => Object.entries(outputs).find(([k]) => k.includes(name))?.[1];
    expect(byName('TopicArn')?.Value).toEqual({ Ref: ids.topic });
    expect(byName('TableName')?.Value).toEqual({ Ref: ids.table });
    expect(byName('FunctionName')?.Value).toEqual({ Ref: ids.fn });
    // npm run silence reads the longest silence allowed from here.
    expect(byName('MaxSilenceHours')?.Value).toBe('168');
    expect(byName('DashboardUrl')?.Value).toBe(
      'https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#dashboards:name=IletiMerkeziBalanceMonitor',
    );
    // The combined parameter first, then the two-parameter layout still read where it is missing.
    expect(byName('CredentialParameters')?.Value).toBe(
      '/iletimerkezi/main/credentials /iletimerkezi/main/api-key /iletimerkezi/main/api-hash',
    );
    expect(byName('CredentialParameters')?.Description).toContain('npm run credentials -- <account>');
  });

  it('summarise the parameters to store when their names would not fit in an output', () => {
    const config = stack.monitor.config.monitor;
    const account = config.accounts[0];
    if (!account) throw new Error('no account');
    const accounts = Array.from({ length: 500 }, (_, i) => ({
      ...account,
      name: `customer-${i}`,
      keyParameter: i === 7 ? '/company/key-7' : `/iletimerkezi/customer-${i}/api-key`,
      hashParameter: `/iletimerkezi/customer-${i}/api-hash`,
    }));
    expect(credentialParametersOutput({ ...config, accounts })).toBe(
      '500 accounts under /iletimerkezi/<account>/, and 1 parameters elsewhere: /company/key-7',
    );
  });
});

describe('the template', () => {
  it('holds parameter names but no credential: nothing like a key or hash value', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toContain(SANDBOX_CREDENTIALS.key);
    expect(text).not.toContain(SANDBOX_CREDENTIALS.hash);
    const strings: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string') strings.push(value);
      // Statement ids are names CDK derives from construct paths, like logical ids.
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) if (key !== 'Sid') collect(inner);
      }
    };
    collect(template.toJSON());
    const logicalIds = new Set(Object.keys(template.toJSON().Resources));
    // A key or hash is a long unbroken run of letters and digits; here only logical ids look like one.
    const secretLike = /^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9+=]{20,}$/;
    expect(strings.filter((s) => secretLike.test(s) && !logicalIds.has(s))).toEqual([]);
  });
});

describe('configuration errors at synth', () => {
  it('list every error of the cdk.json context at once, each naming its field', () => {
    const app = new App({
      context: appContext({
        accounts: [{ name: 'main', thresholds: { warning: { amount: 10 }, critical: { amount: 50 } } }],
        schedule: 'every 15 minutes',
        subscriptions: [{ email: 'ops-at-example.com' }, { sms: '05551112233' }],
      }),
    });
    let error: unknown;
    try {
      new BalanceMonitorStack(app, 'Bad', { env: ENV });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/^Invalid cdk\.json context "balanceMonitor":/);
    expect((error as ConfigError).errors).toEqual([
      'accounts[0].thresholds.critical.amount: must not be above warning.amount (50 > 10)',
      expect.stringMatching(/^schedule: must be "rate\(N minutes\|hours\|days\)"/),
      'subscriptions[0].email: must be an email address like ops@example.com, got "ops-at-example.com"',
      'subscriptions[1].sms: must be E.164 like +905551112233, got "05551112233"',
    ]);
  });

  it('say where the configuration belongs when cdk.json has none', () => {
    const app = new App({ context: appContext(undefined) });
    expect(() => new BalanceMonitorStack(app, 'Empty', { env: ENV })).toThrow(
      /cdk\.json has no "context": \{ "balanceMonitor"/,
    );
  });

  it('are raised by the construct itself for props that skip the stack', () => {
    const scope = new Stack(new App(), 'Direct', { env: ENV });
    expect(
      () =>
        new BalanceMonitor(scope, 'Monitor', {
          accounts: [{ name: 'main', thresholds: {} }],
          subscriptions: [{ sms: '+90' }],
          code: lambda.Code.fromInline('export const handler = async () => ({})'),
        }),
    ).toThrow(
      new ConfigError('BalanceMonitor props', [
        {
          path: 'accounts[0].thresholds',
          message: 'at least one threshold is needed (warning or critical, amount or sms)',
        },
        { path: 'subscriptions[0].sms', message: 'must be E.164 like +905551112233, got "+90"' },
      ]),
    );
  });

  it('accept 30 accounts with parameters elsewhere, which no longer fit in 4 KB of environment', () => {
    // Before, the configuration travelled in an environment variable and 30 such accounts were refused.
    const accounts = Array.from({ length: 30 }, (_, i) => ({
      name: `account-${i}`,
      keyParameter: `/company/sms-provider/account-${i}/api-key`,
      hashParameter: `/company/sms-provider/account-${i}/api-hash`,
      thresholds: { warning: { amount: 1000, sms: 5000 }, critical: { amount: 250, sms: 1500 } },
    }));
    const scope = new Stack(new App(), 'Large', { env: ENV });
    const monitor = new BalanceMonitor(scope, 'Monitor', { accounts, code: lambda.Code.fromInline('x') });
    expect(monitor.config.monitor.accounts).toHaveLength(30);
  });

  it('warn at synth when nobody is subscribed', () => {
    const { stack: lonely } = synthTemplate(EXAMPLE_CONFIG);
    Annotations.fromStack(lonely).hasWarning(
      '*',
      Match.stringLikeRegexp('No subscriptions in cdk.json context'),
    );
  });
});
