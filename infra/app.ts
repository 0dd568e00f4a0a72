import { App } from 'aws-cdk-lib';
import { addNagChecks, BalanceMonitorStack, STACK_NAME } from './balance-monitor-stack.js';

/** The CDK app (cdk.json "app"): one stack, configured by cdk.json context, checked by cdk-nag. */
const app = new App();
addNagChecks(app);
new BalanceMonitorStack(app, STACK_NAME, {
  description: 'iletiMerkezi SMS balance monitor: schedule, function, state table, topic, alarms, dashboard.',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
