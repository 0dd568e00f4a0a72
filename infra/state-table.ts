import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ENV, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../lambda/core/contract.js';
import type { StackConfig } from './config.js';

/** The state table: its layout is the contract's (lambda/core/contract.ts), created in `scope`. */
export function createStateTable(scope: Construct, config: StackConfig): dynamodb.Table {
  return new dynamodb.Table(scope, 'StateTable', {
    partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
    sortKey: { name: SORT_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: TTL_ATTRIBUTE,
    // A few KB of alert state and balance history: recovery costs next to nothing.
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // Retain by default: alert state and balance history survive deleting the stack.
    removalPolicy: config.tableRemovalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  });
}

/**
 * Exactly the calls the function makes on the table (no scan, no delete), granted together with
 * the variable that names the table.
 */
export function bindStateTable(role: iam.IRole, table: dynamodb.ITable): Record<string, string> {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'KeepAlertStateAndHistory',
      actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      resources: [table.tableArn],
    }),
  );
  return { [ENV.tableName]: table.tableName };
}
