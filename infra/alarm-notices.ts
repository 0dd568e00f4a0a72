import { Duration, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/**
 * Tells the topic's subscribers when one of the monitor's own alarms fires and when it clears.
 *
 * Why not alarm actions on the topic: CloudWatch publishes without message attributes, and SNS
 * drops a message without attributes for every subscription with a filter policy, even one
 * written with {"exists": false} ("exists: false only matches if at least one attribute is
 * present", SNS developer guide, Key matching). The SMS subscriber who asked for CRITICAL only
 * would never hear that the monitor stopped. So the alarms' state changes go to EventBridge
 * (free for AWS service events) and a one-step state machine publishes them with the same
 * attributes the monitor's own notices carry. No OK actions either: a new alarm goes
 * INSUFFICIENT_DATA → OK and would announce a recovery from nothing; only ALARM → OK is a
 * recovery worth a notice.
 */

/** The `severity` of alarm notices: a monitor that cannot check is as urgent as an empty balance. */
export const ALARM_NOTICE_SEVERITY = 'CRITICAL';
export const ALARM_NOTICE_KINDS = { alarm: 'monitor-alarm', resolved: 'monitor-alarm-resolved' } as const;

export interface AlarmNoticesProps {
  readonly topic: sns.ITopic;
  readonly alarms: readonly cloudwatch.IAlarm[];
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

export class AlarmNotices extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: AlarmNoticesProps) {
    super(scope, id);
    const publish = tasks.SnsPublish.jsonata(this, 'Publish', {
      topic: props.topic,
      subject: SUBJECT_EXPRESSION,
      message: sfn.TaskInput.fromText(MESSAGE_EXPRESSION),
      // A short text for SMS, the full one for email and https.
      messagePerSubscriptionType: true,
      messageAttributes: {
        severity: { value: ALARM_NOTICE_SEVERITY },
        kind: { value: KIND_EXPRESSION },
      },
    });
    publish.addRetry({
      errors: ['States.ALL'],
      maxAttempts: 5,
      interval: Duration.seconds(5),
      backoffRate: 2,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Publishes the balance monitor alarm state changes to its topic, with message attributes.',
      definitionBody: sfn.DefinitionBody.fromChainable(publish),
      queryLanguage: sfn.QueryLanguage.JSONATA,
      // Standard: a few executions a month, each kept in the execution history for 90 days at no cost.
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.minutes(5),
    });
    Validations.of(this.stateMachine).acknowledge(
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
      description: 'Balance monitor alarms entering ALARM, or going back from ALARM to OK.',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: props.alarms.map((alarm) => alarm.alarmArn),
        detail: {
          $or: [
            { state: { value: ['ALARM'] } },
            { previousState: { value: ['ALARM'] }, state: { value: ['OK'] } },
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
  }
}
