import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { addNagChecks, BalanceMonitorStack } from '../../infra/balance-monitor-stack.js';
import {
  appContext,
  buildStack,
  EVERY_CHAT,
  EVERY_SUBSCRIPTION,
  EXAMPLE_CONFIG,
  KMS_KEY_ARN,
  scaleAccounts,
  withConfig,
} from './fixture.js';

/** cdk-nag v3 runs as a validation plugin; a pack also reports directly through validateScope. */

const EVERY_OPTION = withConfig({
  accounts: [
    ...(EXAMPLE_CONFIG.accounts as unknown[]),
    { name: 'backup', keyParameter: '/sms/backup/key', thresholds: { critical: { sms: 50 } } },
  ],
  schedule: 'cron(0/15 * * * ? *)',
  noCheckAlarmMinutes: 45,
  subscriptions: EVERY_SUBSCRIPTION,
  chat: EVERY_CHAT,
  parameterKmsKeyArn: KMS_KEY_ARN,
  tableRemovalPolicy: 'destroy',
  dashboard: false,
  logRetentionDays: 30,
});

function findings(config: unknown) {
  const { app, packs } = buildStack(config);
  return packs.flatMap((pack) =>
    pack.validateScope(app).violations.map((v) => ({
      rule: v.ruleName,
      resources: v.violatingResources.map((r) => r.constructPath),
    })),
  );
}

/** Every acknowledgement recorded in the tree, with the construct it is attached to. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions and Serverless packs', () => {
  it('find nothing unacknowledged in the example configuration of cdk.json', () => {
    expect(findings(EXAMPLE_CONFIG)).toEqual([]);
  });

  it('find nothing unacknowledged with every option in use', () => {
    expect(findings(EVERY_OPTION)).toEqual([]);
  });

  it.each([1, 50, 500])('find nothing unacknowledged with %i accounts', (count) => {
    expect(findings(withConfig({ accounts: scaleAccounts(count) }))).toEqual([]);
  });

  it.each([
    ['rate(4 days)', 10080],
    ['cron(0 6 * * ? *)', 1500],
  ])('find nothing unacknowledged with %s and noCheckAlarmMinutes %i', (schedule, noCheckAlarmMinutes) => {
    expect(findings(withConfig({ schedule, noCheckAlarmMinutes }))).toEqual([]);
  });

  it('find nothing unacknowledged with an SMS subscriber without minSeverity, who has the relay-failed topic too', () => {
    expect(findings(withConfig({ subscriptions: [{ sms: '+905551112233' }] }))).toEqual([]);
  });

  it('find nothing unacknowledged in a stack without account or region, whose ARNs are tokens', () => {
    const app = new App({ context: appContext(EVERY_OPTION) });
    const packs = addNagChecks(app);
    new BalanceMonitorStack(app, 'Agnostic');
    expect(packs.flatMap((pack) => pack.validateScope(app).violations.map((v) => v.ruleName))).toEqual([]);
  });

  it('do report a finding nobody acknowledged, so the two tests above are not vacuous', () => {
    const { app, stack, packs } = buildStack(EXAMPLE_CONFIG);
    new sqs.Queue(stack, 'UnguardedQueue');
    const rules = packs.flatMap((pack) => pack.validateScope(app).violations.map((v) => v.ruleName));
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });

  it('let synthesis through and write a validation report without errors', () => {
    const { app } = buildStack(EVERY_OPTION);
    const assembly = app.synth();
    const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    const violations = report.pluginReports.flatMap(
      (r: { violations: { severity: string; ruleName: string }[] }) => r.violations,
    );
    expect(violations.filter((v: { severity: string }) => v.severity === 'error')).toEqual([]);
  });
});

interface RuleParams {
  readonly ruleSuffixOverride?: string;
  readonly rule: { readonly name: string };
}

describe('acknowledgements', () => {
  const all = acknowledgements(buildStack(EVERY_OPTION).app);

  it('are exactly these, each next to the resource it concerns', () => {
    const ids = all.map(
      (a) => `${a.path.replace(/^IletiMerkeziBalanceMonitor\/BalanceMonitor\//, '')}: ${a.id}`,
    );
    expect(ids.sort()).toEqual(
      [
        'AlarmNotices/StateMachine: AwsSolutions-IAM5[Resource::arn:aws:cloudwatch:eu-central-1:123456789012:alarm:IletiMerkeziBalanceMonitor-alarm-*]',
        'AlarmNotices/StateMachine: AwsSolutions-SF1',
        'AlarmNotices/StateMachine: AwsSolutions-SF2',
        'AlarmNotices/StateMachine: Serverless-StepFunctionStateMachineXray',
        'DeadLetterQueue: AwsSolutions-SQS3',
        'DeadLetterQueue: Serverless-SQSRedrivePolicy',
        'FunctionRole: AwsSolutions-IAM5[Resource::arn:aws:ssm:eu-central-1:123456789012:parameter/iletimerkezi/*]',
        'Function: Serverless-LambdaDLQ',
        'Function: Serverless-LambdaTracing',
        'Topic/ops@example.com: Serverless-SNSRedrivePolicy',
        'Topic/+905551112233: Serverless-SNSRedrivePolicy',
      ].sort(),
    );
  });

  it('each name a rule that exists in the packs run, so none is stale', () => {
    const { app, packs } = buildStack(EVERY_OPTION);
    const known = new Set<string>();
    for (const pack of packs) {
      // Every rule of a pack is applied to every resource (the rule itself says "not applicable"):
      // recording the ids applied over the whole stack lists the pack's rules.
      const withRules = pack as unknown as { applyRule(params: RuleParams): void };
      const apply = withRules.applyRule.bind(pack);
      withRules.applyRule = (params) => {
        known.add(`${pack.readPackName}-${params.ruleSuffixOverride ?? params.rule.name}`);
        apply(params);
      };
      pack.validateScope(app);
    }

    expect(known.size).toBeGreaterThan(50);
    expect(known).toContain('AwsSolutions-SNS3');
    const stale = all.map((a) => a.id.replace(/\[.*\]$/, '')).filter((id) => !known.has(id));
    expect(stale).toEqual([]);
  });

  it('each give a reason of at least one real sentence', () => {
    expect(all.length).toBeGreaterThan(0);
    for (const { id, reason } of all) {
      expect(reason, id).toMatch(/^[A-Z].{30,}\.$/);
    }
  });
});
