import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DIGEST_ACTION } from '../lambda/core/contract.js';
import type { StackConfig } from './config.js';

/**
 * The schedules that invoke the function: the balance check and the weekly digest, with the one
 * role they share, granted exactly the invocation of the function.
 */

/**
 * Invokes the function (or alias) with exactly lambda:InvokeFunction on its ARN; the stock target
 * also grants every version and alias (`<arn>:*`), which the schedule never calls.
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
    // Both schedules share the role: one statement for each function or alias invoked.
    const functions = invokeGranted.get(role) ?? new Set<lambda.IFunction>();
    if (functions.has(this.fn)) return;
    invokeGranted.set(role, functions.add(this.fn));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.fn.functionArn] }),
    );
  }
}

export interface MonitorSchedules {
  readonly schedule: scheduler.Schedule;
  /** Unless the configuration turns the digest off. */
  readonly digestSchedule?: scheduler.Schedule;
}

/** The schedules, in `scope`; what the scheduler gives up on lands in the dead-letter queue. */
export function createSchedules(
  scope: Construct,
  config: StackConfig,
  targets: {
    /** The check schedule's target: the alias whose metrics the alarms watch. */
    readonly check: lambda.IFunction;
    /** The digest's: the function itself, unqualified, so the check alarms do not count it. */
    readonly digest: lambda.IFunction;
  },
  deadLetterQueue: sqs.IQueue,
): MonitorSchedules {
  const { monitor } = config;
  const stack = Stack.of(scope);
  const scheduleRole = new iam.Role(scope, 'ScheduleRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
    description: 'iletiMerkezi balance monitor schedule: invokes the function.',
  });
  // Each delivery carries the scheduled time: the function recognises a duplicate run by it, and
  // it names the digest (a second delivery of it, or a retry, finds it sent). The digest shares
  // the narrow role: it may invoke only the function.
  const invokeOn = (
    fn: lambda.IFunction,
    id: string,
    description: string,
    expression: string,
    maxEventAge: Duration,
    action?: string,
  ) =>
    new scheduler.Schedule(scope, id, {
      description: `${description} ${expression} (${monitor.timeZone})`,
      schedule: scheduler.ScheduleExpression.expression(expression, TimeZone.of(monitor.timeZone)),
      target: new InvokeFunction(fn, {
        role: scheduleRole,
        input: scheduler.ScheduleTargetInput.fromObject({
          ...(action === undefined ? {} : { action }),
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        deadLetterQueue,
        retryAttempts: 2,
        maxEventAge,
      }),
    });
  // A check an hour late is worth nothing: the next run has happened by then.
  const schedule = invokeOn(
    targets.check,
    'Schedule',
    'Balance check',
    config.schedule.expression,
    Duration.hours(1),
  );
  // A digest a day late still says what the week did.
  const digestSchedule = config.digest
    ? invokeOn(
        targets.digest,
        'DigestSchedule',
        'Weekly digest',
        config.digest.expression,
        Duration.hours(24),
        DIGEST_ACTION,
      )
    : undefined;

  return digestSchedule ? { schedule, digestSchedule } : { schedule };
}
