import {
  type AccountConfig,
  DEFAULT_POLICY,
  formatIssue,
  type MonitorConfig,
  parseMonitorConfig,
} from '../../lambda/core/config.js';

/** An account as the validator produces it: warning at 100 TL / 500 SMS, critical at 25 TL. */
export function testAccount(overrides: Partial<AccountConfig> = {}): AccountConfig {
  return {
    name: 'main',
    credentialsParameter: '/iletimerkezi/main/credentials',
    keyParameter: '/iletimerkezi/main/api-key',
    hashParameter: '/iletimerkezi/main/api-hash',
    baseUrl: 'https://api.iletimerkezi.com',
    thresholds: { warning: { amount: 100, sms: 500 }, critical: { amount: 25 } },
    policy: DEFAULT_POLICY,
    ...overrides,
  };
}

/** A validated monitor configuration for the given raw input; throws on invalid input. */
export function testConfig(input: Record<string, unknown>): MonitorConfig {
  const result = parseMonitorConfig(input);
  if (!result.ok) throw new Error(result.issues.map((i) => formatIssue(i)).join('\n'));
  return result.value;
}
