import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { AccountConfig } from '../lambda/core/config.js';
import {
  ACCOUNT_CHECKED_MESSAGE,
  ACCOUNT_DIMENSION,
  BALANCE_METRIC,
  METRIC_NAMESPACE,
  REPORT_FIELDS,
} from '../lambda/core/contract.js';

/**
 * One dashboard of the same size for 1 or 500 accounts: the balance and SMS trend of the account
 * chosen in the dashboard's Account box, a table of every account's latest reading and days to
 * empty, checks and failures per hour (all from the "account checked" log lines, by Logs Insights,
 * billed per GB scanned and not per account), and the free metrics of the function and the
 * scheduler. With accountMetrics, one more graph draws every account's Balance metric.
 */

export interface MonitorDashboardProps {
  readonly dashboardName: string;
  readonly accounts: readonly AccountConfig[];
  readonly accountMetrics: boolean;
  readonly fn: lambda.IFunction;
  readonly logGroup: logs.ILogGroup;
}

const F = REPORT_FIELDS;
const CHECKED = `filter message = "${ACCOUNT_CHECKED_MESSAGE}"`;
/** Replaced across the dashboard by the account typed into its Account box (a pattern variable). */
export const ACCOUNT_VARIABLE = '__ACCOUNT__';
// Each array is one Logs Insights query; CDK joins the lines with "| ".

export const BALANCE_TREND_QUERY = [
  `${CHECKED} and ${F.outcome} = "ok" and ${F.account} = "${ACCOUNT_VARIABLE}"`,
  `stats min(${F.amount}) as balance by bin(1h)`,
];

export const SMS_TREND_QUERY = [
  `${CHECKED} and ${F.outcome} = "ok" and ${F.account} = "${ACCOUNT_VARIABLE}"`,
  `stats min(${F.sms}) as smsLeft by bin(1h)`,
];

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

export const CHECKS_PER_HOUR_QUERY = [
  `${CHECKED} and ${F.outcome} = "ok"`,
  'stats count(*) as successfulChecks by bin(1h)',
];

export const DAYS_TO_EMPTY_QUERY = [
  `${CHECKED} and ${F.outcome} = "ok"`,
  `stats latest(${F.daysToEmpty}) as daysToEmpty, latest(${F.amount}) as amount, latest(${F.sms}) as sms,` +
    ` latest(${F.balanceLevel}) as level, latest(@timestamp) as checkedAt by ${F.account}`,
  'sort daysToEmpty asc',
  // Logs Insights returns at most 10,000 rows; MAX_ACCOUNTS is 500.
  'limit 1000',
];

export class MonitorDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitorDashboardProps) {
    super(scope, id);
    const { fn, logGroup } = props;
    const logGroupNames = [logGroup.logGroupName];
    const hour = Duration.hours(1);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(7),
      variables: [
        new cloudwatch.DashboardVariable({
          id: 'account',
          label: 'Account',
          type: cloudwatch.VariableType.PATTERN,
          inputType: cloudwatch.VariableInputType.INPUT,
          value: ACCOUNT_VARIABLE,
          defaultValue: cloudwatch.DefaultValue.value(props.accounts[0]?.name ?? ''),
          visible: true,
        }),
      ],
    });
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: `Balance (TL): ${ACCOUNT_VARIABLE}`,
        logGroupNames,
        queryLines: BALANCE_TREND_QUERY,
        view: cloudwatch.LogQueryVisualizationType.LINE,
        width: 12,
      }),
      new cloudwatch.LogQueryWidget({
        title: `SMS left (estimate): ${ACCOUNT_VARIABLE}`,
        logGroupNames,
        queryLines: SMS_TREND_QUERY,
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
      new cloudwatch.LogQueryWidget({
        title: 'Successful checks per hour',
        logGroupNames,
        queryLines: CHECKS_PER_HOUR_QUERY,
        view: cloudwatch.LogQueryVisualizationType.LINE,
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
      new cloudwatch.GraphWidget({
        title: 'Function runs and errors',
        left: [
          fn.metricInvocations({ statistic: 'Sum', period: hour }),
          fn.metricErrors({ statistic: 'Sum', period: hour }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration (ms)',
        left: [
          fn.metricDuration({ statistic: 'Maximum', period: hour }),
          fn.metricDuration({ statistic: 'Average', period: hour }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Scheduler, all schedules of the account: attempts, target errors, dropped',
        left: [
          scheduler.Schedule.metricAllAttempts({ period: hour }),
          scheduler.Schedule.metricAllErrors({ period: hour }),
          scheduler.Schedule.metricAllDropped({ period: hour }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: props.accountMetrics ? 12 : 24,
      }),
      ...(props.accountMetrics
        ? [
            new cloudwatch.GraphWidget({
              title: 'Balance (TL), every account (accountMetrics)',
              left: [
                new cloudwatch.MathExpression({
                  expression: `SEARCH('{${METRIC_NAMESPACE},${ACCOUNT_DIMENSION}} MetricName="${BALANCE_METRIC}"', 'Minimum', 3600)`,
                  label: '',
                  period: hour,
                }),
              ],
              leftYAxis: { min: 0, showUnits: false },
              width: 12,
            }),
          ]
        : []),
    );
  }
}
