import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  ACCOUNT_CHECKED_MESSAGE,
  BALANCE_METRIC,
  REPORT_FIELDS,
  SMS_METRIC,
} from '../lambda/adapters/telemetry.js';
import type { AccountConfig, LevelThreshold } from '../lambda/core/config.js';
import { accountMetric } from './metrics.js';

/**
 * One dashboard: the balance and SMS estimate per account against their thresholds, successful
 * checks, failed checks and days to empty (from the log lines, since they are not metrics on
 * purpose), and the function's own free metrics.
 */

export interface MonitorDashboardProps {
  readonly dashboardName: string;
  readonly accounts: readonly AccountConfig[];
  readonly fn: lambda.IFunction;
  readonly logGroup: logs.ILogGroup;
  /** The schedule interval: one point per run on the balance graphs. */
  readonly period: Duration;
}

const WARNING_COLOR = '#ff7f0e';
const CRITICAL_COLOR = '#d62728';
const F = REPORT_FIELDS;
const CHECKED = `filter message = "${ACCOUNT_CHECKED_MESSAGE}"`;
// Each array is one Logs Insights query; CDK joins the lines with "| ".

export const FAILED_CHECKS_QUERY = [
  `fields @timestamp, ${F.account}, ${F.failureKind}, ${F.failureMessage}, ${F.notified}`,
  `${CHECKED} and ${F.outcome} = "failed"`,
  'sort @timestamp desc',
  'limit 50',
];

export const FAILURES_PER_HOUR_QUERY = [
  `${CHECKED} and ${F.outcome} = "failed"`,
  'stats count(*) as failedChecks by bin(1h)',
];

export const DAYS_TO_EMPTY_QUERY = [
  `${CHECKED} and ${F.outcome} = "ok"`,
  `stats latest(${F.daysToEmpty}) as daysToEmpty, latest(${F.amount}) as amount, latest(${F.sms}) as sms,` +
    ` latest(${F.balanceLevel}) as level, latest(@timestamp) as checkedAt by ${F.account}`,
  `sort ${F.account}`,
];

function thresholdLines(
  measure: keyof LevelThreshold,
  warning: LevelThreshold | undefined,
  critical: LevelThreshold | undefined,
): cloudwatch.HorizontalAnnotation[] {
  const lines: cloudwatch.HorizontalAnnotation[] = [];
  const w = warning?.[measure];
  const c = critical?.[measure];
  if (w !== undefined) lines.push({ value: w, label: 'warning', color: WARNING_COLOR });
  if (c !== undefined) lines.push({ value: c, label: 'critical', color: CRITICAL_COLOR });
  return lines;
}

export class MonitorDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitorDashboardProps) {
    super(scope, id);
    const { accounts, fn, logGroup, period } = props;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(7),
    });
    for (const account of accounts) {
      const { warning, critical } = account.thresholds;
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `Balance (TL): ${account.name}`,
          left: [accountMetric(BALANCE_METRIC, account.name, 'Average', period, account.name)],
          leftAnnotations: thresholdLines('amount', warning, critical),
          leftYAxis: { min: 0, showUnits: false },
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: `SMS left (estimate): ${account.name}`,
          left: [accountMetric(SMS_METRIC, account.name, 'Average', period, account.name)],
          leftAnnotations: thresholdLines('sms', warning, critical),
          leftYAxis: { min: 0, showUnits: false },
          width: 12,
        }),
      );
    }
    const logGroupNames = [logGroup.logGroupName];
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Successful checks per hour',
        left: accounts.map((a) =>
          accountMetric(BALANCE_METRIC, a.name, 'SampleCount', Duration.hours(1), a.name),
        ),
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Failed checks per hour',
        logGroupNames,
        queryLines: FAILURES_PER_HOUR_QUERY,
        view: cloudwatch.LogQueryVisualizationType.LINE,
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Latest reading and days to empty (forecast)',
        logGroupNames,
        queryLines: DAYS_TO_EMPTY_QUERY,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 12,
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Latest failed checks',
        logGroupNames,
        queryLines: FAILED_CHECKS_QUERY,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function runs and errors',
        left: [
          fn.metricInvocations({ statistic: 'Sum', period: Duration.hours(1) }),
          fn.metricErrors({ statistic: 'Sum', period: Duration.hours(1) }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration (ms)',
        left: [
          fn.metricDuration({ statistic: 'Maximum', period: Duration.hours(1) }),
          fn.metricDuration({ statistic: 'Average', period: Duration.hours(1) }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
    );
  }
}
