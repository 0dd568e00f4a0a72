import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { BalanceMonitorStack, CONTEXT_KEY, STACK_NAME } from '../infra/balance-monitor-stack.js';
import { REPO_ROOT } from '../infra/bundle.js';

/**
 * What the stack puts on the monthly bill by existing, counted from the synthesized template of
 * cdk.json's own configuration (one account), so the cost figures follow the construct.
 */

export interface Census {
  readonly accounts: number;
  readonly alarms: number;
  readonly dashboards: number;
}

interface CdkJson {
  readonly context: Record<string, unknown>;
}

/** `outdir` receives the cloud assembly; the caller removes it. */
export function takeCensus(outdir: string): Census {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as CdkJson;
  const example = cdkJson.context[CONTEXT_KEY] as Record<string, unknown> & { accounts?: unknown[] };
  // A deployed monitor has a subscriber (its delivery fees are left out); the example has none yet.
  const monitor = { ...example, subscriptions: [{ email: 'alerts@example.com' }] };
  // No bundling: the template is all that is counted here, and the bench builds the artifact itself.
  const app = new App({
    outdir,
    context: { ...cdkJson.context, [CONTEXT_KEY]: monitor, 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new BalanceMonitorStack(app, STACK_NAME, {
    env: { account: '123456789012', region: 'eu-central-1' },
  });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string }>;
  };
  const count = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type).length;
  return {
    accounts: example.accounts?.length ?? 0,
    alarms: count('AWS::CloudWatch::Alarm'),
    dashboards: count('AWS::CloudWatch::Dashboard'),
  };
}
