import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  ACCOUNT_DIMENSION,
  type BALANCE_METRIC,
  METRIC_NAMESPACE,
  type SMS_METRIC,
} from '../lambda/adapters/telemetry.js';

/** The function's two custom metrics (EMF), per account; a check succeeded when Balance has a sample. */
export type AccountMetricName = typeof BALANCE_METRIC | typeof SMS_METRIC;

export function accountMetric(
  metricName: AccountMetricName,
  account: string,
  statistic: 'Average' | 'Minimum' | 'SampleCount',
  period: Duration,
  label?: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { [ACCOUNT_DIMENSION]: account },
    statistic,
    period,
    ...(label === undefined ? {} : { label }),
  });
}
