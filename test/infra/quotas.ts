import type { Template } from 'aws-cdk-lib/assertions';
import { STACK_NAME } from '../../infra/balance-monitor-stack.js';
import { ENV } from './fixture.js';

/**
 * The template as AWS will see it, tokens resolved to realistic values (physical names as
 * CloudFormation generates them: stack name, logical id, 12 random characters), and the sizes and
 * counts CloudFormation, IAM, EventBridge, Lambda and CloudWatch check at deploy time, which synth
 * does not.
 */

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Resources = Record<string, Resource>;

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': ENV.region,
  'AWS::AccountId': ENV.account,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': STACK_NAME,
};

/** A generated physical name as long as CloudFormation makes them. */
function physicalName(id: string, max = 64): string {
  return `${STACK_NAME}-${id}-A1B2C3D4E5F6`.slice(0, max);
}

function arnOf(id: string, resource: Resource): string {
  const { region, account } = ENV;
  const p = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${region}:${account}:${physicalName(id, 256)}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${region}:${account}:function:${physicalName(id)}`;
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${region}:${account}:table/${physicalName(id, 255)}`;
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${region}:${account}:${physicalName(id, 80)}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${region}:${account}:log-group:${physicalName(id, 512)}:*`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${region}:${account}:stateMachine:${physicalName(id, 80)}`;
    case 'AWS::CloudWatch::Alarm':
      return `arn:aws:cloudwatch:${region}:${account}:alarm:${String(p.AlarmName ?? physicalName(id, 255))}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${account}:role/${physicalName(id)}`;
    default:
      return `arn:aws:${resource.Type.split('::')[1]?.toLowerCase()}:${region}:${account}:${physicalName(id)}`;
  }
}

function refOf(id: string, resource: Resource): string {
  switch (resource.Type) {
    case 'AWS::SNS::Topic':
    case 'AWS::StepFunctions::StateMachine':
      return arnOf(id, resource);
    case 'AWS::SQS::Queue':
      return `https://sqs.${ENV.region}.amazonaws.com/${ENV.account}/${physicalName(id, 80)}`;
    default:
      return physicalName(id);
  }
}

/** Every Ref, Fn::GetAtt and Fn::Join of `value` replaced by what AWS would put there. */
export function resolveTokens(value: unknown, resources: Resources): unknown {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== 'object' || node === null) return node;
    const v = node as Record<string, unknown>;
    if (typeof v.Ref === 'string') {
      const pseudo = PSEUDO[v.Ref];
      if (pseudo !== undefined) return pseudo;
      const resource = resources[v.Ref];
      if (!resource) throw new Error(`unknown Ref ${v.Ref}`);
      return refOf(v.Ref, resource);
    }
    if (Array.isArray(v['Fn::GetAtt'])) {
      const [id, attribute] = v['Fn::GetAtt'] as [string, string];
      const resource = resources[id];
      if (!resource) throw new Error(`unknown GetAtt ${id}`);
      if (attribute === 'Arn') return arnOf(id, resource);
      return physicalName(id, 80);
    }
    if (Array.isArray(v['Fn::Join'])) {
      const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => String(visit(part))).join(separator);
    }
    return Object.fromEntries(Object.entries(v).map(([key, inner]) => [key, visit(inner)]));
  };
  return visit(value);
}

export interface QuotaFigures {
  readonly resources: number;
  /** As CDK writes it to the cloud assembly (indented by one space) and CloudFormation receives it. */
  readonly templateBytes: number;
  readonly eventPatternChars: readonly number[];
  readonly eventPatternEntries: number;
  /** Per role: all its inline policies together, whitespace-free. */
  readonly inlinePolicyChars: Readonly<Record<string, number>>;
  readonly managedPolicyChars: readonly number[];
  readonly policyStatements: number;
  readonly environmentBytes: readonly number[];
  readonly alarms: number;
  readonly alarmLookBackSeconds: readonly number[];
  readonly alarmPeriodsSeconds: readonly number[];
  readonly warmUpMinutes: readonly number[];
  /** Metrics in the monitor's own namespace that the template declares or draws: billed monthly. */
  readonly customMetricReferences: number;
  readonly dashboardWidgets: number;
}

function leaves(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + leaves(v), 0);
  if (typeof value === 'object' && value !== null)
    return Object.values(value).reduce((s: number, v) => s + leaves(v), 0);
  return 1;
}

const compact = (value: unknown): number => JSON.stringify(value).length;

export function quotaFigures(template: Template, customNamespace: string): QuotaFigures {
  const json = template.toJSON() as { Resources: Resources };
  const resources = json.Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const resolve = (v: unknown) => resolveTokens(v, resources);

  const patterns = ofType('AWS::Events::Rule').map(([, r]) => resolve(r.Properties?.EventPattern));
  const inline: Record<string, number> = {};
  let statements = 0;
  for (const [roleId, role] of ofType('AWS::IAM::Role')) {
    let chars = 0;
    for (const policy of (role.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) {
      chars += compact(resolve(policy.PolicyDocument));
    }
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      const roles = JSON.stringify(policy.Properties?.Roles ?? []);
      if (!roles.includes(`"${roleId}"`)) continue;
      const document = resolve(policy.Properties?.PolicyDocument) as { Statement: unknown[] };
      chars += compact(document);
      statements += document.Statement.length;
    }
    inline[roleId] = chars;
  }
  const managed = ofType('AWS::IAM::ManagedPolicy').map(([, r]) => {
    const document = resolve(r.Properties?.PolicyDocument) as { Statement: unknown[] };
    statements += document.Statement.length;
    return compact(document);
  });
  const environmentBytes = ofType('AWS::Lambda::Function').map(([, r]) => {
    const variables = resolve(
      (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
    ) as Record<string, string>;
    return Object.entries(variables).reduce(
      (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(String(value)),
      0,
    );
  });
  const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties ?? {});
  const periodOf = (alarm: Record<string, unknown>): number => {
    if (typeof alarm.Period === 'number') return alarm.Period;
    const stats = ((alarm.Metrics as { MetricStat?: { Period: number } }[] | undefined) ?? [])
      .map((m) => m.MetricStat?.Period)
      .filter((p): p is number => p !== undefined);
    return Math.max(...stats);
  };
  const dashboards = ofType('AWS::CloudWatch::Dashboard').map(
    ([, r]) => JSON.parse(String(resolve(r.Properties?.DashboardBody))) as { widgets: unknown[] },
  );
  const text = JSON.stringify(resolve(json.Resources));
  return {
    resources: Object.keys(resources).length,
    templateBytes: Buffer.byteLength(JSON.stringify(json, undefined, 1)),
    eventPatternChars: patterns.map(compact),
    eventPatternEntries: patterns.reduce((sum: number, p) => sum + leaves(p), 0),
    inlinePolicyChars: inline,
    managedPolicyChars: managed,
    policyStatements: statements,
    environmentBytes,
    alarms: alarms.length,
    alarmPeriodsSeconds: alarms.map(periodOf),
    alarmLookBackSeconds: alarms.map((a) => periodOf(a) * Number(a.EvaluationPeriods)),
    warmUpMinutes: alarms
      .map(
        (a) =>
          (a.WarmUpConfiguration as { WarmUpPeriodDurationInMinutes?: number } | undefined)
            ?.WarmUpPeriodDurationInMinutes,
      )
      .filter((m): m is number => m !== undefined),
    customMetricReferences: text.split(customNamespace).length - 1,
    dashboardWidgets: dashboards.reduce((sum, d) => sum + d.widgets.length, 0),
  };
}
