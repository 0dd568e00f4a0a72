import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { monitoredAlarmName } from './alarm-notices.js';
import { noCheckAlarmShape, noCheckWindowMinutes, runPeriodMinutes, type StackConfig } from './config.js';

/**
 * The alarms that watch the monitor itself (the relay in alarm-notices.ts tells the subscribers):
 * the function is not invoked, its runs fail, something lies in the dead-letter queue.
 */

/** CloudWatch's longest warm-up (WarmUpConfiguration.WarmUpPeriodDurationInMinutes). */
export const MAX_WARM_UP_MINUTES = 2880;
export interface WatchedParts {
  /** Prefix of the alarm names. */
  readonly prefix: string;
  readonly fn: lambda.IFunction;
  readonly logGroup: logs.ILogGroup;
  readonly deadLetterQueue: sqs.IQueue;
}

export interface WatchingAlarms {
  /** The dead-man's switch: the function was not invoked within the window. */
  readonly notRunningAlarm: cloudwatch.Alarm;
  /** The latest run failed, after Lambda's retries. */
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
}

/** The alarms, in `scope`. */
export function createWatchingAlarms(
  scope: Construct,
  config: StackConfig,
  parts: WatchedParts,
): WatchingAlarms {
  const { prefix, fn, logGroup, deadLetterQueue } = parts;
  const window = noCheckWindowMinutes(config);
  const shape = noCheckAlarmShape(config.schedule, window);
  const notRunningAlarm = new cloudwatch.Alarm(scope, 'NotRunningAlarm', {
    alarmName: monitoredAlarmName(prefix, 'not-running'),
    alarmDescription:
      `The balance check function was not invoked in ${window} minutes: the schedule is disabled or deleted, ` +
      'or cannot invoke the function. Failures of single accounts are told by the monitor itself. What to do: ' +
      `check that the schedule ${config.schedule.expression} is enabled, and read the dead-letter queue ` +
      `${deadLetterQueue.queueName} for invocations the scheduler gave up on.`,
    // The check alias only: a digest or a test notice says nothing of the check schedule.
    metric: fn.metricInvocations({ statistic: 'Sum', period: Duration.minutes(shape.periodMinutes) }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: shape.evaluationPeriods,
    datapointsToAlarm: shape.evaluationPeriods,
    // No data at all is exactly what this alarm is for.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
  // A new alarm has no data yet and would fire before the first run: wait one window first
  // (CloudWatch allows at most 2,880 minutes; a longer window is covered by invoking once after deploying).
  (notRunningAlarm.node.defaultChild as cloudwatch.CfnAlarm).warmUpConfiguration = {
    warmUpPeriodDurationInMinutes: Math.min(MAX_WARM_UP_MINUTES, window),
  };

  const runPeriod = Duration.minutes(runPeriodMinutes(config.schedule));
  const errorsAlarm = new cloudwatch.Alarm(scope, 'ErrorsAlarm', {
    alarmName: monitoredAlarmName(prefix, 'function-errors'),
    alarmDescription:
      'The latest balance check run failed (threw, ran out of time or memory), its retries included. ' +
      `What to do: read the latest lines of the log group ${logGroup.logGroupName}; a bad configuration ` +
      'fails at start with a message naming the file, field or variable. Clears when a later run succeeds.',
    // 1 for a period whose invocations all failed (Lambda retried and none got through), 0 for a
    // period with a successful one, nothing for a period without a run.
    metric: new cloudwatch.MathExpression({
      expression: 'IF(invocations - FILL(errors, 0) < 1, 1, 0)',
      usingMetrics: {
        // The check alias only: a good digest in a failed check's period would hide it.
        invocations: fn.metricInvocations({ statistic: 'Sum', period: runPeriod }),
        errors: fn.metricErrors({ statistic: 'Sum', period: runPeriod }),
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

  const deadLetterAlarm = new cloudwatch.Alarm(scope, 'DeadLetterAlarm', {
    alarmName: monitoredAlarmName(prefix, 'dead-letters'),
    alarmDescription:
      'Something could not be delivered even after retries and was left in the queue ' +
      `${deadLetterQueue.queueName}: a scheduled balance check (function deleted, or no permission to invoke it), ` +
      'a check run or weekly digest the function failed three times, an alarm notice, or a notice to an https subscriber. What to do: read the messages and their error ' +
      'attributes, fix the cause, then purge the queue; the alarm clears when the queue is empty.',
    metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      period: Duration.minutes(5),
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });

  return { notRunningAlarm, errorsAlarm, deadLetterAlarm };
}
