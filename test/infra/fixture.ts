import { readFileSync } from 'node:fs';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { addNagChecks, BalanceMonitorStack, STACK_NAME } from '../../infra/balance-monitor-stack.js';

/** Template tests: the stack built from cdk.json's own context, without bundling the handler. */

export const ENV = { account: '123456789012', region: 'eu-central-1' } as const;

interface CdkJson {
  readonly app: string;
  readonly context: Record<string, unknown> & { readonly balanceMonitor: Record<string, unknown> };
}

export const CDK_JSON: CdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
export const EXAMPLE_CONFIG = CDK_JSON.context.balanceMonitor;

/** One subscription of each protocol, two with a minimum severity. */
export const EVERY_SUBSCRIPTION = [
  { email: 'ops@example.com' },
  { sms: '+905551112233', minSeverity: 'CRITICAL' },
  { https: 'https://hooks.example.com/balance', minSeverity: 'WARNING' },
];

/** One chat channel of each kind. */
export const EVERY_CHAT = [
  { slack: { workspaceId: 'T012ABCDEFG', channelId: 'C0123456789' } },
  {
    teams: {
      teamId: '74361522-da01-538d-aa2e-ac7918c6bb92',
      channelId: '19:0a1b2c3d4e5f@thread.tacv2',
      tenantId: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
    },
  },
];

export const KMS_KEY_ARN = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

export function withConfig(overrides: Record<string, unknown>): Record<string, unknown> {
  return { ...EXAMPLE_CONFIG, ...overrides };
}

/**
 * `count` accounts as a large customer names them, with the README's threshold shape (amount and
 * SMS at both levels); every tenth keeps its parameters outside /iletimerkezi/, up to five.
 */
export function scaleAccounts(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `customer-${String(i + 1).padStart(3, '0')}-production-sms-acct`;
    const elsewhere = i % 10 === 9 && i < 50;
    return {
      name,
      ...(elsewhere
        ? {
            keyParameter: `/company/sms-provider/${name}/api-key`,
            hashParameter: `/company/sms-provider/${name}/api-hash`,
          }
        : {}),
      thresholds: { warning: { amount: 1000, sms: 5000 }, critical: { amount: 250, sms: 1500 } },
    };
  });
}

/** cdk.json's context (feature flags included) with `balanceMonitor` replaced, and bundling skipped. */
export function appContext(config: unknown): Record<string, unknown> {
  const context: Record<string, unknown> = { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [] };
  if (config === undefined) delete context.balanceMonitor;
  else context.balanceMonitor = config;
  return context;
}

export function buildStack(config: unknown = EXAMPLE_CONFIG) {
  const app = new App({ context: appContext(config) });
  const packs = addNagChecks(app);
  const stack = new BalanceMonitorStack(app, STACK_NAME, { env: ENV });
  return { app, stack, packs };
}

/** Synthesizes (running the cdk-nag packs, which fail on any unacknowledged finding). */
export function synthTemplate(config: unknown = EXAMPLE_CONFIG) {
  const built = buildStack(config);
  return { ...built, template: Template.fromStack(built.stack) };
}

export function logicalId(construct: IConstruct): string {
  const stack = Stack.of(construct);
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return stack.resolve(stack.getLogicalId(element)) as string;
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Every statement of the inline policies attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy') as Resources;
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(
      (p) => (p.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [],
    );
}

/** The one resource of a type with its logical id, failing if there is not exactly one. */
export function onlyResource(
  template: Template,
  type: string,
): { id: string; properties: Record<string, unknown> } {
  const found = Object.entries(template.findResources(type) as Resources);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [id, resource] = found[0] ?? ['', { Type: type }];
  return { id, properties: resource.Properties ?? {} };
}

/**
 * A CloudFormation string value with its references written as ${Ref} / ${Id.Attr}, so a
 * Fn::Join (dashboard body, state machine definition) reads as the text AWS will see.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
    if (typeof v.Ref === 'string') return `\${${v.Ref}}`;
    if (Array.isArray(v['Fn::GetAtt'])) return `\${${(v['Fn::GetAtt'] as string[]).join('.')}}`;
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}
