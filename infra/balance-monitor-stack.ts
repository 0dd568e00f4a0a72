import { Annotations, type App, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { orThrow } from '../lambda/core/config.js';
import { BalanceMonitor } from './balance-monitor.js';
import { parseStackConfig, type StackConfigInput } from './config.js';

/** The cdk.json context key holding the monitor's configuration. */
export const CONTEXT_KEY = 'balanceMonitor';
export const STACK_NAME = 'IletiMerkeziBalanceMonitor';

/**
 * The cdk-nag AwsSolutions and Serverless packs as validation plugins: synth fails on any finding
 * not acknowledged in code, next to its resource, with a reason. Returns the packs for tests.
 */
export function addNagChecks(app: App): NagPack[] {
  const packs = [new AwsSolutionsChecks(app), new ServerlessChecks(app)];
  Validations.of(app).addPlugins(...packs);
  return packs;
}

/** The deployable stack: the BalanceMonitor construct, configured from cdk.json context. */
export class BalanceMonitorStack extends Stack {
  readonly monitor: BalanceMonitor;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const input: unknown = this.node.tryGetContext(CONTEXT_KEY);
    if (input === undefined) {
      throw new Error(
        `cdk.json has no "context": { "${CONTEXT_KEY}": { ... } }; see the README's configuration table`,
      );
    }
    // All errors at once, naming where the configuration came from.
    const config = orThrow(parseStackConfig(input), `cdk.json context "${CONTEXT_KEY}"`);
    if (config.subscriptions.length === 0) {
      Annotations.of(this).addWarningV2(
        'balance-monitor:no-subscriptions',
        `No subscriptions in cdk.json context "${CONTEXT_KEY}": nobody is notified until someone subscribes to the topic.`,
      );
    }
    // The same object just passed validation, so it has the input's shape.
    const { parameterKmsKeyArn, ...monitorProps } = input as StackConfigInput;
    this.monitor = new BalanceMonitor(this, 'BalanceMonitor', {
      ...monitorProps,
      ...(parameterKmsKeyArn === undefined
        ? {}
        : { parameterKey: kms.Key.fromKeyArn(this, 'ParameterKey', parameterKmsKeyArn) }),
    });
  }
}
