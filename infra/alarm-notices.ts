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
import { CHAT_LIMITS } from '../lambda/core/chat-notice.js';
import type { Locale } from '../lambda/core/config.js';
import { foldToAscii, foldToGsm7, SMS_BUDGET } from '../lambda/core/gsm.js';
import { ALARM_WORDING } from '../lambda/core/locales/index.js';
import { SUBJECT_MAX_LENGTH } from '../lambda/core/messages.js';
import { WEBHOOK_SCHEMA_ID } from '../lambda/core/webhook-notice.js';
import { nagFinding } from './nag-finding.js';

/**
 * Tells the topic's subscribers when one of the monitor's own alarms fires and when it clears.
 *
 * Why not alarm actions on the topic: CloudWatch publishes without message attributes, and SNS
 * drops a message without attributes for every subscription with a filter policy, even one
 * written with {"exists": false} ("exists: false only matches if at least one attribute is
 * present", SNS developer guide, Key matching). The SMS subscriber who asked for CRITICAL only
 * would never hear that the monitor stopped. So the alarms' state changes go to EventBridge
 * (free for AWS service events) and a small state machine publishes them with the attributes
 * the monitor's own notices carry, severity and kind. It sends no `account`: the relayed alarms
 * watch the whole deployment (the function, its schedule, the dead-letter queue), none is about
 * one account, so a subscription that filters on an account is not sent them, as it should not be.
 *
 * Every channel gets its own form, as the function's notices do, in the configured locale: email
 * and the default the text, SMS one GSM-7 segment, https the webhook notice of the function's
 * schema (kinds monitor-alarm / monitor-alarm-resolved), and, with chat channels, the chat topic
 * an Amazon Q Developer custom notification. A firing and its resolution share one dedupKey (and
 * chat thread): the alarm and the time it entered ALARM.
 *
 * Which changes are told: entering ALARM, and ALARM → OK. A deploy that updates an alarm in ALARM
 * restarts its warm-up, so it goes ALARM → INSUFFICIENT_DATA → OK; for INSUFFICIENT_DATA → OK the
 * state machine reads the alarm's history and tells RESOLVED only when the state before was ALARM.
 * A new alarm (INSUFFICIENT_DATA → OK from nothing) announces no recovery.
 *
 * The rule matches the alarms by name prefix (`<prefix>-alarm-`), so its pattern has the same
 * size for any number of alarms. The one alarm that watches this relay (`<prefix>-relay-failed`)
 * is outside the prefix: its notice cannot go through the relay it reports broken, so it
 * publishes straight to the topic (no attributes: subscribers with a filter policy do not get it),
 * to the chat topic, and to `relayFailedTopics`, where SMS subscribers without minSeverity have an
 * unfiltered subscription: on the topic their filter keeps the digest (INFO) out, and no filter
 * can both refuse INFO and pass a message without attributes.
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
  /** The topic only chat channels subscribe to: each notice is published there too, as a custom notification. */
  readonly chatTopic?: sns.ITopic;
  /** The language of the notices. @default 'en' */
  readonly locale?: Locale;
  /**
   * Topics the relay-failed alarm publishes to besides `topic` and `chatTopic`: subscribers who
   * would get it unfiltered but whose subscription to `topic` needs a filter policy (SMS without
   * minSeverity, which must not get the digest).
   */
  readonly relayFailedTopics?: readonly sns.ITopic[];
}

/** JSONata over the "CloudWatch Alarm State Change" event. */
const EVENT = '$states.input.detail';
const IS_ALARM = `${EVENT}.state.value = 'ALARM'`;
const NAME = `${EVENT}.alarmName`;

/** A JSONata string literal (JSON escapes; double quotes when the text has an apostrophe). */
function lit(text: string): string {
  const json = JSON.stringify(text);
  return text.includes("'") ? json : `'${json.slice(1, -1)}'`;
}

/** JSONata: `text` cut to `max` characters, marking the cut as chat-notice.ts's clip does. */
function clipped(text: string, max: number): string {
  return `($length(${text}) <= ${max} ? ${text} : $substring(${text}, 0, ${max - 1}) & '…')`;
}

/** JSONata: an ISO time from CloudWatch (`…+0000`) or Step Functions, as `YYYY-MM-DDTHH:mm:ss.sssZ`. */
function isoTime(time: string): string {
  return `($type(${time}) = 'number' ? $fromMillis(${time}) : $fromMillis($toMillis(${time})))`;
}

/**
 * The execution input's key under which the history step passes on when the alarm entered ALARM
 * (INSUFFICIENT_DATA → OK: the event itself only knows when INSUFFICIENT_DATA began).
 */
export const ALARM_BEGAN_KEY = 'alarmBegan';

/** dedupKey: `<alarm name>/alarm/<when ALARM began, to the second>`, at most the schema's 128 characters. */
export const DEDUP_KEY_MAX = 128;
const KEY_TIME = 'YYYY-MM-DDTHH:mm:ssZ'.length;
const KEY_NAME_MAX = DEDUP_KEY_MAX - '/alarm/'.length - KEY_TIME;
const KEY_NAME_HALF = Math.floor((KEY_NAME_MAX - 1) / 2);

/**
 * SNS takes an ASCII subject under 100 characters: the words are folded at synth, and the alarm
 * name, the construct's own, is still held to ASCII rather than trusted.
 */
function subject(locale: Locale): string {
  const w = ALARM_WORDING[locale];
  const word = `(${IS_ALARM} ? ${lit(foldToAscii(w.subjectAlarm))} : ${lit(foldToAscii(w.subjectResolved))})`;
  return `$substring($replace(${word} & ${NAME}, /[^ -~]/, '?'), 0, ${SUBJECT_MAX_LENGTH})`;
}

/**
 * The bindings every notice expression starts with: the kind, the episode key, subject and text.
 *
 * The episode (dedupKey, chat threadId) is the alarm and the time it entered ALARM: the firing
 * event has it as state.timestamp, ALARM → OK as previousState.timestamp (the state it leaves
 * began then), and INSUFFICIENT_DATA → OK after a reset from the history (ALARM_BEGAN_KEY). The
 * history records its own timestamp of that change, which may differ from the state's by
 * milliseconds, so the key keeps the time to the second. A name too long for the key keeps its
 * start and its end (the stack and the alarm), joined by '~'.
 */
function bindings(locale: Locale): string[] {
  const w = ALARM_WORDING[locale];
  const began = `$states.input.${ALARM_BEGAN_KEY}`;
  return [
    `$firing := ${IS_ALARM}`,
    `$name := ${NAME}`,
    `$kind := $firing ? '${ALARM_NOTICE_KINDS.alarm}' : '${ALARM_NOTICE_KINDS.resolved}'`,
    `$changedAt := ${isoTime(`($exists(${EVENT}.state.timestamp) ? ${EVENT}.state.timestamp : $states.input.time)`)}`,
    `$began := $exists(${began}) ? ${began} : ($firing ? ${EVENT}.state.timestamp : ${EVENT}.previousState.timestamp)`,
    `$since := $exists($began) ? ${isoTime('$began')} : $changedAt`,
    `$keyName := $length($name) <= ${KEY_NAME_MAX} ? $name : $substring($name, 0, ${KEY_NAME_HALF}) & '~' & $substring($name, -${KEY_NAME_HALF})`,
    `$dedupKey := $keyName & '/alarm/' & $substring($since, 0, 19) & 'Z'`,
    `$subject := ${subject(locale)}`,
    `$text := ${IS_ALARM} ? ${NAME} & ${lit(`${w.isInAlarm}\n\n`)} & ${EVENT}.configuration.description & ${lit(`\n\n${w.reason}`)} & ${EVENT}.state.reason & ${lit(`\n${w.since}`)} & $states.input.time : ${lit(w.resolved)} & ${NAME} & ${lit(w.okAgain)} & ${EVENT}.state.reason`,
  ];
}

/** The subject, as SNS takes it. */
export function subjectExpression(locale: Locale): string {
  return `{% ${subject(locale)} %}`;
}

/**
 * The main topic's message (MessageStructure json): the text for email and the rest, one GSM-7
 * segment for SMS, and for https the webhook notice of core/webhook-notice.ts's schema. An alarm
 * concerns the deployment, not an account: the account, balance, thresholds and forecast are null.
 */
export function messageExpression(locale: Locale): string {
  const w = ALARM_WORDING[locale];
  // GSM-7 and one septet a character: folded words, and a name held to letters, digits and . _ -
  const sms =
    `$substring((${IS_ALARM} ? ${lit(foldToGsm7(w.smsAlarm))} : ${lit(foldToGsm7(w.smsResolved))}) & ` +
    `$replace(${NAME}, /[^A-Za-z0-9 ._-]/, '?'), 0, ${SMS_BUDGET})`;
  const webhook =
    `{ "schema": '${WEBHOOK_SCHEMA_ID}', "dedupKey": $dedupKey, "status": $firing ? 'firing' : 'resolved',` +
    ` "kind": $kind, "severity": '${ALARM_NOTICE_SEVERITY}', "account": null, "level": null, "previousLevel": null,` +
    ' "amount": null, "sms": null, "balanceAt": null, "thresholds": { "warning": null, "critical": null },' +
    ' "forecast": null, "failure": null, "episodeSince": $since, "decidedAt": $changedAt,' +
    ' "subject": $subject, "text": $text }';
  return (
    `{% ( ${bindings(locale).join('; ')}; $sms := ${sms};` +
    ` $string({ "default": $text, "email": $text, "sms": $sms, "https": $string(${webhook}) }) ) %}`
  );
}

/** The chat topic's message: an Amazon Q Developer custom notification, as core/chat-notice.ts shapes one. */
export function chatMessageExpression(locale: Locale): string {
  const w = ALARM_WORDING[locale];
  const region = '$states.input.region';
  const console =
    `'https://' & ${region} & '.console.aws.amazon.com/cloudwatch/home?region=' & ${region} & ` +
    `'#alarmsV2:alarm/' & $encodeUrlComponent($name)`;
  const nextSteps = `$firing ? [${lit(w.followDescription)}, ${lit(w.inConsole)} & ${console}] : [${lit(w.nothingToDo)}]`;
  const notice =
    `{ "version": '1.0', "source": 'custom', "content": { "textType": 'client-markdown',` +
    ` "title": ${clipped(`(($firing ? ':rotating_light: ' : ':white_check_mark: ') & $subject)`, CHAT_LIMITS.title)},` +
    ` "description": ${clipped('$text', CHAT_LIMITS.description)}, "nextSteps": ${nextSteps},` +
    ` "keywords": [${clipped('$name', CHAT_LIMITS.keyword)}, '${ALARM_NOTICE_SEVERITY}', $kind] },` +
    ` "metadata": { "threadId": $dedupKey, "summary": ${clipped('$subject', CHAT_LIMITS.summary)}, "eventType": $kind,` +
    ` "additionalContext": { "alarm": ${clipped('$name', CHAT_LIMITS.contextValue)}, "state": ${EVENT}.state.value, "since": $since } } }`;
  return `{% ( ${bindings(locale).join('; ')}; $string(${notice}) ) %}`;
}

export const SUBJECT_EXPRESSION = subjectExpression('en');
export const MESSAGE_EXPRESSION = messageExpression('en');
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
/**
 * The event on to the publish, with when the alarm entered ALARM: the newest change into ALARM,
 * the one before the reset (a later one would have been followed by its own reset). Absent when
 * the history does not reach back that far; the notice then keys on the reset.
 */
export const WITH_ALARM_BEGAN_EXPRESSION = `{% $merge([$states.input, { '${ALARM_BEGAN_KEY}': $states.result.AlarmHistoryItems[$eval(HistoryData).newState.stateValue = 'ALARM'][0].Timestamp }]) %}`;

const PUBLISH_RETRY: sfn.RetryProps = {
  errors: ['States.ALL'],
  maxAttempts: 5,
  interval: Duration.seconds(5),
  backoffRate: 2,
};
/** Marks a publish refused after its retries, in the parallel state's output. */
const REFUSED_KEY = 'refused';

export class AlarmNotices extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  /** Executions that failed after their retries: the relay could not tell anyone. */
  readonly relayFailedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmNoticesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const alarmPrefix = monitoredAlarmPrefix(props.prefix);
    const locale = props.locale ?? 'en';
    const publish = tasks.SnsPublish.jsonata(this, 'Publish', {
      topic: props.topic,
      subject: subjectExpression(locale),
      message: sfn.TaskInput.fromText(messageExpression(locale)),
      // A short text for SMS, the full one for email, the webhook notice for https.
      messagePerSubscriptionType: true,
      // No `account`: the relay's alarms watch the whole deployment, none is about one account, so
      // a subscription filtering on an account does not get them, and one without such a filter does.
      messageAttributes: {
        severity: { value: ALARM_NOTICE_SEVERITY },
        kind: { value: KIND_EXPRESSION },
        [SMS_TYPE_ATTRIBUTE]: { value: 'Transactional' },
      },
    });
    publish.addRetry(PUBLISH_RETRY);
    const deliver = props.chatTopic ? this.deliverEverywhere(publish, props.chatTopic, locale) : publish;

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
      // The event goes on to the publish step, with when the alarm entered ALARM.
      outputs: WITH_ALARM_BEGAN_EXPRESSION,
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
        .when(sfn.Condition.jsonata('{% $resetFromAlarm %}'), deliver)
        .otherwise(nothingToResolve),
    );
    const definition = sfn.Choice.jsonata(this, 'AfterReset')
      .when(sfn.Condition.jsonata(AFTER_RESET_CONDITION), history)
      .otherwise(deliver);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: props.chatTopic
        ? 'Publishes the balance monitor alarm state changes to its topic, with message attributes, and to its chat topic.'
        : 'Publishes the balance monitor alarm state changes to its topic, with message attributes.',
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
    // Straight to the topics, around the relay it reports broken: the chat topic too, where Amazon Q
    // Developer renders a CloudWatch alarm notification as it is (at most 5 actions a state).
    const topics = [
      props.topic,
      ...(props.relayFailedTopics ?? []),
      ...(props.chatTopic ? [props.chatTopic] : []),
    ];
    for (const topic of topics) {
      this.relayFailedAlarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'RelayFailedAlarmPublishes',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            ArnEquals: { 'aws:SourceArn': this.relayFailedAlarm.alarmArn },
            StringEquals: { 'aws:SourceAccount': stack.account },
          },
        }),
      );
    }
  }

  /**
   * Both topics, each publish with its own retries: a refused chat publish does not keep the
   * notice from email, SMS and https, nor the other way round. A refusal that outlasts its
   * retries is caught so the other publish goes on, then fails the execution, which the
   * relay-failed alarm reports.
   */
  private deliverEverywhere(
    publish: tasks.SnsPublish,
    chatTopic: sns.ITopic,
    locale: Locale,
  ): sfn.IChainable {
    const publishChat = tasks.SnsPublish.jsonata(this, 'PublishChat', {
      topic: chatTopic,
      // Amazon Q Developer reads the whole Message as the notification: no per-protocol structure.
      message: sfn.TaskInput.fromText(chatMessageExpression(locale)),
      messageAttributes: {
        severity: { value: ALARM_NOTICE_SEVERITY },
        kind: { value: KIND_EXPRESSION },
      },
    });
    publishChat.addRetry(PUBLISH_RETRY);
    const refused = (id: string, topic: string) =>
      sfn.Pass.jsonata(this, id, {
        outputs: `{% $merge([{ '${REFUSED_KEY}': '${topic}' }, $states.input]) %}`,
      });
    publish.addCatch(refused('TopicRefused', 'topic'), {
      errors: ['States.ALL'],
      outputs: '{% $states.errorOutput %}',
    });
    publishChat.addCatch(refused('ChatRefused', 'chat'), {
      errors: ['States.ALL'],
      outputs: '{% $states.errorOutput %}',
    });
    const notDelivered = sfn.Fail.jsonata(this, 'NotDelivered', {
      error: 'AlarmNoticeRefused',
      cause: `{% $string($states.input[$exists(${REFUSED_KEY})]) %}`,
    });
    return sfn.Parallel.jsonata(this, 'PublishEverywhere', {
      comment: 'The main topic (email, SMS, https) and the chat topic, independently.',
    })
      .branch(publish)
      .branch(publishChat)
      .next(
        sfn.Choice.jsonata(this, 'AllPublished')
          .when(
            sfn.Condition.jsonata(`{% $count($states.input[$exists(${REFUSED_KEY})]) > 0 %}`),
            notDelivered,
          )
          .otherwise(sfn.Succeed.jsonata(this, 'Published')),
      );
  }
}
