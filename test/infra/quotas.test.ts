import { describe, expect, it } from 'vitest';
import { parseStackConfig } from '../../infra/config.js';
import { LAMBDA_ENVIRONMENT_BYTES } from '../../infra/monitor-function.js';
import { METRIC_NAMESPACE } from '../../lambda/core/contract.js';
import { scaleAccounts, synthTemplate, withConfig } from './fixture.js';
import { type QuotaFigures, quotaFigures } from './quotas.js';

/**
 * Synth is not deploy: the sizes and counts AWS checks at deploy time, for 1, 50 and 500 accounts
 * (MAX_ACCOUNTS) and the slowest schedules the README describes, with tokens resolved to realistic
 * ARNs and names.
 */

const EVENT_PATTERN_MAX_CHARS = 2048;
const MANAGED_POLICY_MAX_CHARS = 6144;
const ROLE_INLINE_POLICIES_MAX_CHARS = 10_240;
const STACK_MAX_RESOURCES = 500;
const TEMPLATE_MAX_BYTES = 1_000_000;
const ALARM_MAX_LOOK_BACK_SECONDS = 7 * 86_400;
const SHORT_PERIOD_MAX_LOOK_BACK_SECONDS = 86_400;
const ALARM_MAX_PERIOD_SECONDS = 86_400;
const WARM_UP_MAX_MINUTES = 2880;
const DASHBOARD_MAX_WIDGETS = 500;

const SUBSCRIPTIONS = [
  { email: 'ops@example.com' },
  { sms: '+905551112233', minSeverity: 'CRITICAL' },
  { https: 'https://hooks.example.com/balance', minSeverity: 'WARNING' },
];

it('accepts a fair number of accounts with parameters elsewhere before refusing more', () => {
  expect(ELSEWHERE).toBeGreaterThanOrEqual(20);
  expect(ELSEWHERE).toBeLessThan(500);
});

function figures(count: number, overrides: Record<string, unknown> = {}): QuotaFigures {
  const config = withConfig({ accounts: scaleAccounts(count), subscriptions: SUBSCRIPTIONS, ...overrides });
  return quotaFigures(synthTemplate(config).template, METRIC_NAMESPACE);
}

/** 500 accounts, the first `elsewhere` of them with both parameters outside /iletimerkezi/. */
function withParametersElsewhere(elsewhere: number): Record<string, unknown>[] {
  return scaleAccounts(500).map((account, i) =>
    i < elsewhere
      ? {
          ...account,
          keyParameter: `/company/sms-provider/${String(account.name)}/api-key`,
          hashParameter: `/company/sms-provider/${String(account.name)}/api-hash`,
        }
      : { name: account.name, thresholds: account.thresholds },
  );
}

/** The most accounts with parameters elsewhere that synth accepts. */
function mostParametersElsewhere(): number {
  let count = 0;
  while (parseStackConfig(withConfig({ accounts: withParametersElsewhere(count + 1) })).ok) count++;
  return count;
}

const ELSEWHERE = mostParametersElsewhere();

const CASES: ReadonlyArray<[string, number, Record<string, unknown>]> = [
  ['1 account, every 15 minutes', 1, {}],
  ['50 accounts, every 15 minutes', 50, {}],
  ['500 accounts, every 15 minutes', 500, {}],
  ['500 accounts with accountMetrics', 500, { accountMetrics: true }],
  [
    '500 accounts, rate(4 days) watched over 7 days',
    500,
    { schedule: 'rate(4 days)', noCheckAlarmMinutes: 10080 },
  ],
  ['500 accounts, a daily cron', 500, { schedule: 'cron(0 6 * * ? *)', noCheckAlarmMinutes: 1500 }],
  [
    `500 accounts, ${ELSEWHERE} of them (the most synth accepts) with parameters elsewhere`,
    500,
    { accounts: withParametersElsewhere(ELSEWHERE) },
  ],
];

describe.each(CASES)('the template with %s', (_name, count, overrides) => {
  const f = figures(count, overrides);

  it('has every event pattern within EventBridge 2,048 characters', () => {
    expect(f.eventPatternChars.length).toBeGreaterThan(0);
    for (const chars of f.eventPatternChars) expect(chars).toBeLessThanOrEqual(EVENT_PATTERN_MAX_CHARS);
  });

  it("keeps each role's inline policies within 10,240 characters and needs no managed policy", () => {
    expect(Object.keys(f.inlinePolicyChars).length).toBeGreaterThan(0);
    for (const chars of Object.values(f.inlinePolicyChars)) {
      expect(chars).toBeLessThanOrEqual(ROLE_INLINE_POLICIES_MAX_CHARS);
    }
    for (const chars of f.managedPolicyChars) expect(chars).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
    expect(f.managedPolicyChars).toEqual([]);
  });

  it("keeps the function's environment far under Lambda's 4 KB", () => {
    for (const bytes of f.environmentBytes) expect(bytes).toBeLessThanOrEqual(LAMBDA_ENVIRONMENT_BYTES / 4);
  });

  it('stays within 500 resources and a 1 MB template', () => {
    expect(f.resources).toBeLessThanOrEqual(STACK_MAX_RESOURCES);
    expect(f.templateBytes).toBeLessThanOrEqual(TEMPLATE_MAX_BYTES);
  });

  it('has alarms CloudWatch accepts: periods of at most a day, look-backs of at most 7 days (1 day under an hour)', () => {
    expect(f.alarms).toBe(4);
    f.alarmPeriodsSeconds.forEach((period, i) => {
      expect(period).toBeLessThanOrEqual(ALARM_MAX_PERIOD_SECONDS);
      expect(period % 60 === 0 || [10, 20, 30].includes(period)).toBe(true);
      const lookBack = f.alarmLookBackSeconds[i] ?? Number.POSITIVE_INFINITY;
      expect(lookBack).toBeLessThanOrEqual(ALARM_MAX_LOOK_BACK_SECONDS);
      if (period < 3600) expect(lookBack).toBeLessThanOrEqual(SHORT_PERIOD_MAX_LOOK_BACK_SECONDS);
    });
    for (const minutes of f.warmUpMinutes) {
      expect(minutes).toBeGreaterThanOrEqual(1);
      expect(minutes).toBeLessThanOrEqual(WARM_UP_MAX_MINUTES);
    }
  });

  it('has a dashboard within 500 widgets', () => {
    expect(f.dashboardWidgets).toBeLessThanOrEqual(DASHBOARD_MAX_WIDGETS);
  });
});

describe('what grows with the accounts', () => {
  const [one, fifty, many] = [1, 50, 500].map((count) => figures(count));

  it('is not the alarms, the policy statements, the event-pattern entries or the dashboard', () => {
    for (const f of [fifty, many]) {
      expect(f?.alarms).toBe(one?.alarms);
      expect(f?.policyStatements).toBe(one?.policyStatements);
      expect(f?.eventPatternEntries).toBe(one?.eventPatternEntries);
      expect(f?.eventPatternChars).toEqual(one?.eventPatternChars);
      expect(f?.dashboardWidgets).toBe(one?.dashboardWidgets);
      expect(f?.resources).toBe(one?.resources);
    }
  });

  it('is no custom metric at all by default, and one dashboard search with accountMetrics', () => {
    for (const f of [one, fifty, many]) expect(f?.customMetricReferences).toBe(0);
    expect(figures(500, { accountMetrics: true }).customMetricReferences).toBe(
      figures(1, { accountMetrics: true }).customMetricReferences,
    );
  });

  it('is only the exact ARNs of the parameters kept outside /iletimerkezi/, which stop at five here', () => {
    const roleChars = (f: QuotaFigures | undefined) => Math.max(...Object.values(f?.inlinePolicyChars ?? {}));
    expect(roleChars(fifty)).toBeGreaterThan(roleChars(one));
    expect(roleChars(many)).toBe(roleChars(fifty));
  });
});
