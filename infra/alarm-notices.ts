import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { nagFinding } from './nag-finding.js';

/**
 * Tells the topic's subscribers when one of the monitor's own alarms fires and when it clears.
 *
 * Why not alarm actions on the topic: CloudWatch publishes without message attributes, and SNS
 * drops a message without attributes for every subscription with a filter policy, even one
 * written with {"exists": false} ("exists: false only matches if at least one attribute is
 * present", SNS developer guide, Key matching). The SMS subscriber who asked for CRITICAL only
 * would never hear that the monitor stopped. So the alarms' state changes go to EventBridge
 * (free for AWS service events) and a small state machine publishes them with the same
 * attributes the monitor's own notices carry.
 *
 * Which changes are told: entering ALARM, and ALARM → OK. A deploy that updates an alarm in ALARM
 * restarts its warm-up, so it goes ALARM → INSUFFICIENT_DATA → OK; for INSUFFICIENT_DATA → OK the
 * state machine reads the alarm's history and tells RESOLVED only when the state before was ALARM.
 * A new alarm (INSUFFICIENT_DATA → OK from nothing) announces no recovery.
 *
 * The rule matches the alarms by name prefix (`<prefix>-alarm-`), so its pattern has the same
 * size for any number of alarms. The one alarm that watches this relay (`<prefix>-relay-failed`)
 * is outside the prefix: its notice cannot go through the relay it reports broken, so it
 * publishes straight to the topic (no attributes: subscribers with a filter policy do not get it).
 */

/** The `severity` of alarm notices: a monitor that cannot check is as urgent as an empty balance. */
export const ALARM_NOTICE_SEVERITY = 'CRITICAL';
export const ALARM_NOTICE_KINDS = { alarm: 'monitor-alarm', resolved: 'monitor-alarm-resolved' } as const;
/** SMS notices are transactional: delivered first and not refused for opt-out keywords of marketing. */
export const SMS_TYPE_ATTRIBUTE = 'AWS.SNS.SMS.SMSType';

/** The name prefix of every alarm whose state changes are relayed. */
export function monitoredAlarmPrefix(prefix: string): string {
  return `${prefix}-alarm-`;
}

export function monitoredAlarmName(prefix: string, what: string): string {
  return `${monitoredAlarmPrefix(prefix)}${what}`;
}

export interface AlarmNoticesProps {
  readonly topic: sns.ITopic;
  /** The monitor's name prefix: alarms named `<prefix>-alarm-…` are relayed. */
  readonly prefix: string;
  /** Receives the events EventBridge could not deliver to the state machine. */
  readonly deadLetterQueue: sqs.IQueue;
}

/** JSONata over the "CloudWatch Alarm State Change" event. */
const EVENT = '$states.input.detail';
const IS_ALARM = `${EVENT}.state.value = 'ALARM'`;
const NAME = `${EVENT}.alarmName`;
const DESCRIBED = `${NAME} & ' is in ALARM.\\n\\n' & ${EVENT}.configuration.description & '\\n\\nReason: ' & ${EVENT}.state.reason & '\\nSince: ' & $states.input.time`;
const RESOLVED = `'RESOLVED: ' & ${NAME} & ' is OK again: ' & ${EVENT}.state.reason`;
// SNS rejects a subject of 100 characters or more; alarm names are ASCII, built by the construct.
export const SUBJECT_EXPRESSION = `{% $substring((${IS_ALARM} ? 'ALARM: ' : 'RESOLVED: ') & ${NAME}, 0, 99) %}`;
export const MESSAGE_EXPRESSION =
  `{% ( $text := ${IS_ALARM} ? ${DESCRIBED} : ${RESOLVED};` +
  ` $sms := $substring((${IS_ALARM} ? 'ALARM ' : 'OK ') & ${NAME}, 0, 160);` +
  ' $string({ "default": $text, "email": $text, "sms": $sms }) ) %}';
export const KIND_EXPRESSION = `{% ${IS_ALARM} ? '${ALARM_NOTICE_KINDS.alarm}' : '${ALARM_NOTICE_KINDS.resolved}' %}`;
/** An OK that follows INSUFFICIENT_DATA: a recovery only if the alarm was in ALARM before that. */
export const AFTER_RESET_CONDITION = `{% ${EVENT}.previousState.value = 'INSUFFICIENT_DATA' and ${EVENT}.state.value = 'OK' %}`;
/**
 * Over DescribeAlarmHistory (StateUpdate items, newest first): true when the latest change into
 * INSUFFICIENT_DATA came from ALARM. HistoryData is a JSON string with oldState and newState.
 */
export const RESET_FROM_ALARM_EXPRESSION =
  "{% ( $reset := $states.result.AlarmHistoryItems[$eval(HistoryData).newState.stateValue = 'INSUFFICIENT_DATA'][0];" +
  " $exists($reset) and $eval($reset.HistoryData).oldState.stateValue = 'ALARM' ) %}";

export class AlarmNotices extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  /** Executions that failed after their retries: the relay could not tell anyone. */
  readonly relayFailedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmNoticesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const alarmPrefix = monitoredAlarmPrefix(props.prefix);
    const publish = tasks.SnsPublish.jsonata(this, 'Publish', {
      topic: props.topic,
      subject: SUBJECT_EXPRESSION,
      message: sfn.TaskInput.fromText(MESSAGE_EXPRESSION),
      // A short text for SMS, the full one for email and https.
      messagePerSubscriptionType: true,
      messageAttributes: {
        severity: { value: ALARM_NOTICE_SEVERITY },
        kind: { value: KIND_EXPRESSION },
        [SMS_TYPE_ATTRIBUTE]: { value: 'Transactional' },
      },
    });
    publish.addRetry({
      errors: ['States.ALL'],
      maxAttempts: 5,
      interval: Duration.seconds(5),
      backoffRate: 2,
    });

    const monitoredAlarms = stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: `${alarmPrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const history = tasks.CallAwsService.jsonata(this, 'ReadAlarmHistory', {
      service: 'cloudwatch',
      action: 'describeAlarmHistory',
      parameters: {
        AlarmName: `{% ${NAME} %}`,
        HistoryItemType: 'StateUpdate',
        ScanBy: 'TimestampDescending',
        MaxRecords: 10,
      },
      iamAction: 'cloudwatch:DescribeAlarmHistory',
      iamResources: [monitoredAlarms],
      assign: { resetFromAlarm: RESET_FROM_ALARM_EXPRESSION },
      // The event goes on to the publish step unchanged.
      outputs: '{% $states.input %}',
    });
    history.addRetry({
      errors: ['States.ALL'],
      maxAttempts: 3,
      interval: Duration.seconds(5),
      backoffRate: 2,
    });
    const nothingToResolve = sfn.Succeed.jsonata(this, 'NothingToResolve', {
      comment: 'INSUFFICIENT_DATA → OK of an alarm that was not in ALARM before: nothing recovered.',
    });
    history.next(
      sfn.Choice.jsonata(this, 'WasInAlarm')
        .when(sfn.Condition.jsonata('{% $resetFromAlarm %}'), publish)
        .otherwise(nothingToResolve),
    );
    const definition = sfn.Choice.jsonata(this, 'AfterReset')
      .when(sfn.Condition.jsonata(AFTER_RESET_CONDITION), history)
      .otherwise(publish);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Publishes the balance monitor alarm state changes to its topic, with message attributes.',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      queryLanguage: sfn.QueryLanguage.JSONATA,
      // Standard: a few executions a month, each kept in the execution history for 90 days at no cost.
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.minutes(5),
    });
    Validations.of(this.stateMachine).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${nagFinding(this, monitoredAlarms)}]`,
        reason:
          'The history of the alarms it relays, which are named by this prefix, is read to tell a recovery after ' +
          'a deploy restarted an alarm from one after nothing.',
      },
      {
        id: 'AwsSolutions-SF1',
        reason:
          'A standard workflow keeps every execution with its input and error for 90 days; logs would add cost.',
      },
      {
        id: 'AwsSolutions-SF2',
        reason: 'One SNS publish per alarm state change: there is nothing to trace.',
      },
      {
        id: 'Serverless-StepFunctionStateMachineXray',
        reason: 'One SNS publish per alarm state change: there is nothing to trace.',
      },
    );

    this.rule = new events.Rule(this, 'AlarmStateChanges', {
      description: 'Balance monitor alarms entering ALARM, or going back to OK.',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: events.Match.prefix(alarmPrefix),
          $or: [
            { state: { value: ['ALARM'] } },
            { previousState: { value: ['ALARM', 'INSUFFICIENT_DATA'] }, state: { value: ['OK'] } },
          ],
        },
      },
      targets: [
        new eventsTargets.SfnStateMachine(this.stateMachine, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    const period = Duration.minutes(5);
    this.relayFailedAlarm = new cloudwatch.Alarm(this, 'RelayFailedAlarm', {
      alarmName: `${props.prefix}-relay-failed`,
      alarmDescription:
        'An alarm notice of the balance monitor could not be published, even after retries: the subscribers ' +
        'may not know that one of its alarms changed state. What to do: open the failed execution of the state ' +
        `machine ${this.stateMachine.stateMachineName} (its input is the alarm change, its error the cause), ` +
        'fix the cause, and look at the monitor alarms in the CloudWatch console.',
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ statistic: 'Sum', period }),
          timedOut: this.stateMachine.metricTimedOut({ statistic: 'Sum', period }),
        },
        label: 'failed alarm notices',
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Straight to the topic, around the relay it reports broken.
    this.relayFailedAlarm.addAlarmAction(new cloudwatchActions.SnsAction(props.topic));
    props.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'RelayFailedAlarmPublishes',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
        conditions: {
          ArnEquals: { 'aws:SourceArn': this.relayFailedAlarm.alarmArn },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
  }
}
