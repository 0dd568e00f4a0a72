import { synthTemplate, withConfig } from './fixture.js';

/**
 * The configurations whose templates are held to their logical ids: the example of cdk.json, and
 * one with every optional part (subscriptions of each protocol, chat channels, a customer-managed
 * key, the dashboard with account metrics, the digest).
 */
export const LOGICAL_ID_CONFIGS: Record<string, Record<string, unknown>> = {
  example: withConfig({}),
  everyPart: withConfig({
    subscriptions: [
      { email: 'ops@example.com' },
      { sms: '+905551112233', minSeverity: 'CRITICAL' },
      { https: 'https://hooks.example.com/balance', minSeverity: 'WARNING' },
    ],
    chat: [
      { slack: { workspaceId: 'T012ABCDEFG', channelId: 'C0123456789' } },
      {
        teams: {
          teamId: '74361522-da01-538d-aa2e-ac7918c6bb92',
          channelId: '19:0a1b2c3d4e5f@thread.tacv2',
          tenantId: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
        },
      },
    ],
    parameterKmsKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    accountMetrics: true,
  }),
};

/**
 * Every resource of the synthesized template as "LogicalId Type", and every output as
 * "LogicalId Output" (operator tools find the outputs by their ids), sorted.
 */
export function logicalIdsOf(config: Record<string, unknown>): string[] {
  const { template } = synthTemplate(config);
  const { Resources = {}, Outputs = {} } = template.toJSON() as {
    Resources?: Record<string, { Type: string }>;
    Outputs?: Record<string, unknown>;
  };
  return [
    ...Object.entries(Resources).map(([id, resource]) => `${id} ${resource.Type}`),
    ...Object.keys(Outputs).map((id) => `${id} Output`),
  ].sort();
}
