import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { BalanceMonitorStack, CONTEXT_KEY, STACK_NAME } from '../infra/balance-monitor-stack.js';
import { HANDLER_NAME, REPO_ROOT } from '../infra/bundle.js';

/**
 * What the stack puts on the monthly bill by existing, counted from the synthesized template of
 * cdk.json's own configuration (one account), so the cost figures follow the construct.
 */

export interface Census {
  readonly accounts: number;
  readonly alarms: number;
  readonly dashboards: number;
  /** The monitor function's memory size. */
  readonly memoryMb: number;
  /** Set when synth refused this many accounts and the counts were extrapolated from 1 and 2. */
  readonly extrapolated?: string;
}

interface CdkJson {
  readonly context: Record<string, unknown>;
}

/**
 * `outdir` receives the cloud assembly; the caller removes it. With `accounts`, the example's
 * accounts are replaced by that many, named as a customer would (`customer-001-production-sms-acct`).
 */
export function takeCensus(outdir: string, accounts?: number): Census {
  if (accounts === undefined) return synthCensus(outdir, undefined);
  try {
    return synthCensus(outdir, accounts);
  } catch (error) {
    // Refused at synth: the counts a template would have, by the growth per account of 1 and 2.
    const one = synthCensus(path.join(outdir, 'one'), 1);
    const two = synthCensus(path.join(outdir, 'two'), 2);
    const grow = (a: number, b: number) => a + (b - a) * (accounts - 1);
    const reason =
      error instanceof Error ? (error.message.split('\n')[1] ?? error.message).trim() : String(error);
    return {
      accounts,
      alarms: grow(one.alarms, two.alarms),
      dashboards: grow(one.dashboards, two.dashboards),
      memoryMb: two.memoryMb,
      extrapolated: reason.slice(0, 160),
    };
  }
}

function synthCensus(outdir: string, accounts: number | undefined): Census {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as CdkJson;
  const example = cdkJson.context[CONTEXT_KEY] as Record<string, unknown> & {
    accounts?: Array<Record<string, unknown>>;
  };
  const template0 = example.accounts?.[0] ?? {};
  const generated =
    accounts === undefined
      ? example.accounts
      : Array.from({ length: accounts }, (_, i) => ({
          ...template0,
          name: `customer-${String(i + 1).padStart(3, '0')}-production-sms-acct`,
        }));
  // A deployed monitor has a subscriber (its delivery fees are left out); the example has none yet.
  const monitor = { ...example, accounts: generated, subscriptions: [{ email: 'alerts@example.com' }] };
  // No bundling: the template is all that is counted here, and the bench builds the artifact itself.
  const app = new App({
    outdir,
    context: { ...cdkJson.context, [CONTEXT_KEY]: monitor, 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new BalanceMonitorStack(app, STACK_NAME, {
    env: { account: '123456789012', region: 'eu-central-1' },
  });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties?: { Handler?: unknown; MemorySize?: unknown } }>;
  };
  const monitorFunction = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Handler === HANDLER_NAME,
  );
  const memoryMb = monitorFunction?.Properties?.MemorySize;
  if (typeof memoryMb !== 'number')
    throw new Error('the template has no monitor function with a memory size');
  const count = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type).length;
  return {
    accounts: generated?.length ?? 0,
    alarms: count('AWS::CloudWatch::Alarm'),
    dashboards: count('AWS::CloudWatch::Dashboard'),
    memoryMb,
  };
}
