import { EVERY_CHAT, EVERY_SUBSCRIPTION, KMS_KEY_ARN, synthTemplate, withConfig } from './fixture.js';

/**
 * The configurations whose templates are held to their logical ids: the example of cdk.json, and
 * one with every optional part (subscriptions of each protocol, chat channels, a customer-managed
 * key, the dashboard with account metrics, the digest).
 */
export const LOGICAL_ID_CONFIGS: Record<string, Record<string, unknown>> = {
  example: withConfig({}),
  everyPart: withConfig({
    subscriptions: EVERY_SUBSCRIPTION,
    chat: EVERY_CHAT,
    parameterKmsKeyArn: KMS_KEY_ARN,
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
    // A function version's id ends in a hash of the code: a new version on each code change is
    // how the check alias moves, not a replaced resource.
    ...Object.entries(Resources).map(
      ([id, resource]) =>
        `${id.replace(/(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}$/, '$1<code hash>')} ${resource.Type}`,
    ),
    ...Object.keys(Outputs).map((id) => `${id} Output`),
  ].sort();
}
