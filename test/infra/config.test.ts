import { describe, expect, it } from 'vitest';
import {
  compactMonitorConfig,
  kmsKeyRegion,
  noCheckAlarmShape,
  noCheckWindowMinutes,
  parseStackConfig,
  runPeriodMinutes,
  type StackConfig,
} from '../../infra/config.js';
import { DEFAULT_POLICY, formatIssue, parseMonitorConfig } from '../../lambda/core/config.js';

const ACCOUNT = { name: 'main', thresholds: { warning: { amount: 100 }, critical: { amount: 25 } } };
const base = (overrides: Record<string, unknown> = {}) => ({ accounts: [ACCOUNT], ...overrides });

function valid(input: unknown): StackConfig {
  const result = parseStackConfig(input);
  if (!result.ok)
    throw new Error(
      `expected a valid configuration, got:\n${result.issues.map((i) => formatIssue(i)).join('\n')}`,
    );
  return result.value;
}

function errorsOf(input: unknown): string[] {
  const result = parseStackConfig(input);
  if (result.ok) throw new Error('expected the configuration to be rejected');
  return result.issues.map((issue) => formatIssue(issue));
}

describe('stack configuration defaults', () => {
  it('checks every 15 minutes, keeps logs 90 days, has a dashboard and retains the table', () => {
    const config = valid(base());
    expect(config.schedule).toEqual({ kind: 'rate', expression: 'rate(15 minutes)', intervalMinutes: 15 });
    expect(config.logRetentionDays).toBe(90);
    expect(config.dashboard).toBe(true);
    expect(config.tableRemovalPolicy).toBe('retain');
    expect(config.subscriptions).toEqual([]);
    expect(config.parameterKmsKeyArn).toBeUndefined();
  });

  it('validates the monitor part with the core validator and fills its defaults', () => {
    const config = valid(base({ locale: 'tr' }));
    expect(config.monitor.locale).toBe('tr');
    expect(config.monitor.timeZone).toBe('Europe/Istanbul');
    expect(config.monitor.accounts[0]?.keyParameter).toBe('/iletimerkezi/main/api-key');
    expect(config.monitor.accounts[0]?.policy).toEqual(DEFAULT_POLICY);
  });
});

describe('schedule', () => {
  it.each([
    ['rate(1 minute)', 1],
    ['rate(5 minutes)', 5],
    ['rate(1 hour)', 60],
    ['rate(2 hours)', 120],
    ['rate(1 day)', 1440],
  ])('accepts %s as an interval of %i minutes', (expression, minutes) => {
    expect(valid(base({ schedule: expression })).schedule).toEqual({
      kind: 'rate',
      expression,
      intervalMinutes: minutes,
    });
  });

  it.each([
    ['rate(1 minutes)', 'write "rate(1 minute)"'],
    ['rate(5 minute)', 'write "rate(5 minutes)"'],
  ])('rejects %s, which AWS refuses, and says how to write it', (expression, hint) => {
    expect(errorsOf(base({ schedule: expression }))).toEqual([expect.stringMatching(/^schedule: /)]);
    expect(errorsOf(base({ schedule: expression }))[0]).toContain(hint);
  });

  it('rejects a rate of zero', () => {
    expect(errorsOf(base({ schedule: 'rate(0 minutes)' }))).toEqual([
      expect.stringContaining('schedule: the rate must be at least 1'),
    ]);
  });

  it('accepts a six-field cron expression with one "?" day field', () => {
    const config = valid(base({ schedule: 'cron(0/30 8-20 ? * MON-FRI *)', noCheckAlarmMinutes: 3570 }));
    expect(config.schedule).toEqual({
      kind: 'cron',
      expression: 'cron(0/30 8-20 ? * MON-FRI *)',
      longestGapMinutes: 3570,
      shortestGapMinutes: 30,
    });
  });

  it('rejects a five-field cron expression, naming the six fields', () => {
    expect(errorsOf(base({ schedule: 'cron(0 * * * *)', noCheckAlarmMinutes: 90 }))).toEqual([
      expect.stringContaining(
        'schedule: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year)',
      ),
    ]);
  });

  it('rejects a cron expression with both day fields set', () => {
    expect(errorsOf(base({ schedule: 'cron(0 8 1 * MON *)', noCheckAlarmMinutes: 90 }))).toEqual([
      'schedule: in a cron expression exactly one of day-of-month and day-of-week must be "?"',
    ]);
  });

  it.each(['every 15 minutes', 'rate(15 seconds)', 'at(2030-01-01T00:00:00)', ''])(
    'rejects %j with an example',
    (expression) => {
      expect(errorsOf(base({ schedule: expression }))).toEqual([
        expect.stringMatching(
          /^schedule: must be "rate\(N minutes\|hours\|days\)" or "cron\(6 fields\)", e\.g\. "rate\(15 minutes\)"/,
        ),
      ]);
    },
  );

  it('requires noCheckAlarmMinutes with a cron schedule, naming the least it may be', () => {
    expect(errorsOf(base({ schedule: 'cron(0 9 * * ? *)' }))).toEqual([
      'noCheckAlarmMinutes: is required with a cron schedule: at least its longest gap between two runs ' +
        '(1440 minutes for cron(0 9 * * ? *))',
    ]);
    expect(errorsOf(base({ schedule: 'cron(0 9 * * ? *)', timeZone: 'Europe/Berlin' }))).toEqual([
      'noCheckAlarmMinutes: is required with a cron schedule: at least its longest gap between two runs ' +
        '(1500 minutes for cron(0 9 * * ? *), daylight saving in Europe/Berlin included)',
    ]);
  });
});

describe('subscriptions', () => {
  it('reads email, sms and https subscriptions with their minimum severities', () => {
    const config = valid(
      base({
        subscriptions: [
          { email: 'ops@example.com' },
          { sms: '+905551112233', minSeverity: 'CRITICAL' },
          { https: 'https://hooks.example.com/balance', minSeverity: 'WARNING' },
        ],
      }),
    );
    expect(config.subscriptions).toEqual([
      { protocol: 'email', endpoint: 'ops@example.com' },
      { protocol: 'sms', endpoint: '+905551112233', minSeverity: 'CRITICAL' },
      { protocol: 'https', endpoint: 'https://hooks.example.com/balance', minSeverity: 'WARNING' },
    ]);
  });

  it('rejects a bad email address, naming its index', () => {
    expect(
      errorsOf(base({ subscriptions: [{ email: 'ops@example.com' }, { email: 'ops.example.com' }] })),
    ).toEqual([
      'subscriptions[1].email: must be an email address like ops@example.com, got "ops.example.com"',
    ]);
  });

  it.each(['05551112233', '+90 555 111 22 33', '+0905551112233', '+9055'])(
    'rejects the phone number %j as not E.164',
    (sms) => {
      expect(errorsOf(base({ subscriptions: [{ sms }] }))).toEqual([
        `subscriptions[0].sms: must be E.164 like +905551112233, got ${JSON.stringify(sms)}`,
      ]);
    },
  );

  it('rejects a plain http endpoint', () => {
    expect(errorsOf(base({ subscriptions: [{ https: 'http://hooks.example.com' }] }))).toEqual([
      'subscriptions[0].https: must be an https:// URL, got "http://hooks.example.com"',
    ]);
  });

  it('rejects credentials in an https endpoint, which would land in the template', () => {
    expect(errorsOf(base({ subscriptions: [{ https: 'https://user:pass@hooks.example.com' }] }))).toEqual([
      'subscriptions[0].https: must not contain credentials: they would be stored in the template',
    ]);
  });

  it('rejects a subscription with two protocols or none', () => {
    expect(
      errorsOf(base({ subscriptions: [{ email: 'ops@example.com', sms: '+905551112233' }, {}] })),
    ).toEqual([
      'subscriptions[0]: needs exactly one of "email", "sms" or "https"',
      'subscriptions[1]: needs exactly one of "email", "sms" or "https"',
    ]);
  });

  it('rejects an unknown minimum severity', () => {
    expect(errorsOf(base({ subscriptions: [{ email: 'ops@example.com', minSeverity: 'OK' }] }))).toEqual([
      'subscriptions[0].minSeverity: must be "WARNING" or "CRITICAL", got "OK"',
    ]);
  });

  it('rejects an unknown field in a subscription', () => {
    expect(errorsOf(base({ subscriptions: [{ email: 'ops@example.com', protocol: 'email' }] }))).toEqual([
      'subscriptions[0].protocol: unknown field (allowed: email, sms, https, minSeverity)',
    ]);
  });

  it('rejects the same endpoint twice', () => {
    expect(
      errorsOf(base({ subscriptions: [{ email: 'ops@example.com' }, { email: 'ops@example.com' }] })),
    ).toEqual(['subscriptions[1]: duplicate subscription email ops@example.com']);
  });
});

describe('other infrastructure fields', () => {
  it('accepts a log retention CloudWatch offers and rejects any other', () => {
    expect(valid(base({ logRetentionDays: 30 })).logRetentionDays).toBe(30);
    expect(errorsOf(base({ logRetentionDays: 45 }))).toEqual([
      expect.stringMatching(/^logRetentionDays: must be one of 1, 3, 5, 7, 14, 30, 60, 90,.* got 45$/),
    ]);
  });

  it('turns the dashboard off, and rejects a non-boolean', () => {
    expect(valid(base({ dashboard: false })).dashboard).toBe(false);
    expect(errorsOf(base({ dashboard: 'no' }))).toEqual(['dashboard: must be true or false, got "no"']);
  });

  it('accepts a KMS key ARN for the parameters and rejects an alias', () => {
    const arn = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(valid(base({ parameterKmsKeyArn: arn })).parameterKmsKeyArn).toBe(arn);
    expect(errorsOf(base({ parameterKmsKeyArn: 'alias/iletimerkezi' }))).toEqual([
      expect.stringMatching(/^parameterKmsKeyArn: must be a KMS key ARN like arn:aws:kms:/),
    ]);
  });

  it('destroys the table only when asked in so many words', () => {
    expect(valid(base({ tableRemovalPolicy: 'destroy' })).tableRemovalPolicy).toBe('destroy');
    expect(errorsOf(base({ tableRemovalPolicy: 'delete' }))).toEqual([
      'tableRemovalPolicy: must be "retain" or "destroy", got "delete"',
    ]);
  });

  it('allows silences of seven days unless maxSilenceHours says otherwise, within a year', () => {
    expect(valid(base()).maxSilenceHours).toBe(168);
    expect(valid(base({ maxSilenceHours: 24 })).maxSilenceHours).toBe(24);
    expect(errorsOf(base({ maxSilenceHours: 0 }))).toEqual(['maxSilenceHours: must be at least 1, got 0']);
    expect(errorsOf(base({ maxSilenceHours: 9000 }))).toEqual([
      'maxSilenceHours: must be at most 8760, got 9000',
    ]);
    expect(errorsOf(base({ maxSilenceHours: 1.5 }))).toEqual([
      'maxSilenceHours: must be a whole number, got 1.5',
    ]);
  });

  it('rejects a no-check window shorter than the schedule interval', () => {
    expect(errorsOf(base({ schedule: 'rate(1 hour)', noCheckAlarmMinutes: 30 }))).toEqual([
      'noCheckAlarmMinutes: must be at least the schedule interval (60 minutes), or the alarm fires between runs',
    ]);
  });

  it('rejects a default not-running window beyond the 7 days CloudWatch looks back, naming the field to set', () => {
    expect(errorsOf(base({ schedule: 'rate(4 days)' }))).toEqual([
      'noCheckAlarmMinutes: the default (two schedule intervals) gives a not-running alarm window of 11520 minutes ' +
        '(8 periods of 1440); CloudWatch alarms look back at most 10080 minutes (7 days): set noCheckAlarmMinutes ' +
        'between the schedule interval and 10080',
    ]);
  });

  it('rejects a daily cron watched for 60 minutes, naming the field, the gap and the schedule', () => {
    expect(errorsOf(base({ schedule: 'cron(0 6 * * ? *)', noCheckAlarmMinutes: 60 }))).toEqual([
      'noCheckAlarmMinutes: is 60, but cron(0 6 * * ? *) leaves up to 1440 minutes between two runs: set at ' +
        'least 1440, or the not-running alarm fires between runs',
    ]);
  });

  it('accepts a daily cron watched for 1500 minutes', () => {
    expect(
      noCheckWindowMinutes(valid(base({ schedule: 'cron(0 6 * * ? *)', noCheckAlarmMinutes: 1500 }))),
    ).toBe(1500);
  });

  it('requires the weekend gap of a weekdays-only business-hours cron', () => {
    expect(errorsOf(base({ schedule: 'cron(0/30 8-20 ? * MON-FRI *)', noCheckAlarmMinutes: 90 }))).toEqual([
      'noCheckAlarmMinutes: is 90, but cron(0/30 8-20 ? * MON-FRI *) leaves up to 3570 minutes between two runs: ' +
        'set at least 3570, or the not-running alarm fires between runs',
    ]);
  });

  it('adds an hour for daylight saving in a time zone that has it', () => {
    const berlin = { schedule: 'cron(0 6 * * ? *)', timeZone: 'Europe/Berlin' };
    expect(errorsOf(base({ ...berlin, noCheckAlarmMinutes: 1440 }))).toEqual([
      'noCheckAlarmMinutes: is 1440, but cron(0 6 * * ? *) leaves up to 1440 minutes between two runs plus 60 for ' +
        'daylight saving in Europe/Berlin: set at least 1500, or the not-running alarm fires between runs',
    ]);
    expect(noCheckWindowMinutes(valid(base({ ...berlin, noCheckAlarmMinutes: 1500 })))).toBe(1500);
  });

  it('rejects a monthly cron, naming the schedule: no alarm looks back a month', () => {
    expect(errorsOf(base({ schedule: 'cron(0 6 1 * ? *)', noCheckAlarmMinutes: 10080 }))).toEqual([
      'schedule: cron(0 6 1 * ? *) leaves up to 44640 minutes between two runs; CloudWatch alarms look back at ' +
        'most 10080 minutes (7 days), so no alarm could tell a missing run: schedule at least weekly',
    ]);
  });

  it('rejects a monthly cron for its schedule alone when noCheckAlarmMinutes is missing too', () => {
    expect(errorsOf(base({ schedule: 'cron(0 6 1 * ? *)' }))).toEqual([
      expect.stringMatching(/^schedule: cron\(0 6 1 \* \? \*\) leaves up to 44640 minutes between two runs/),
    ]);
  });

  it('rejects a cron expression it cannot read, naming the field', () => {
    expect(errorsOf(base({ schedule: 'cron(0 6 L-3 * ? *)', noCheckAlarmMinutes: 10080 }))).toEqual([
      'schedule: day-of-month "L-3" is not supported in "cron(0 6 L-3 * ? *)"',
    ]);
  });

  it('accepts rate(4 days) watched over the full 7 days', () => {
    const config = valid(base({ schedule: 'rate(4 days)', noCheckAlarmMinutes: 10080 }));
    expect(noCheckAlarmShape(config.schedule, noCheckWindowMinutes(config))).toEqual({
      periodMinutes: 1440,
      evaluationPeriods: 7,
    });
  });

  it('refuses a schedule less often than weekly, which no alarm can watch, naming the schedule', () => {
    expect(errorsOf(base({ schedule: 'rate(8 days)' }))).toEqual([
      expect.stringMatching(
        /^schedule: runs every 11520 minutes; CloudWatch alarms look back at most 10080 minutes/,
      ),
    ]);
  });

  it('accepts a KMS key ARN and reads its region', () => {
    expect(kmsKeyRegion('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab')).toBe(
      'us-east-1',
    );
    expect(kmsKeyRegion('alias/iletimerkezi')).toBeUndefined();
  });

  it('accepts accountMetrics as a boolean, off by default, and rejects anything else', () => {
    expect(valid(base()).monitor.accountMetrics).toBe(false);
    expect(valid(base({ accountMetrics: true })).monitor.accountMetrics).toBe(true);
    expect(errorsOf(base({ accountMetrics: 'yes' }))).toEqual([
      'accountMetrics: must be true or false, got "yes"',
    ]);
  });
});

describe('accounts at scale', () => {
  const many = (count: number, extra: (i: number) => Record<string, unknown> = () => ({})) =>
    Array.from({ length: count }, (_, i) => ({
      name: `customer-${String(i + 1).padStart(3, '0')}-production-sms-acct`,
      thresholds: { warning: { amount: 1000, sms: 5000 }, critical: { amount: 250, sms: 1500 } },
      ...extra(i),
    }));

  it('accepts 500 accounts', () => {
    expect(valid({ accounts: many(500) }).monitor.accounts).toHaveLength(500);
  });

  it('refuses 501 accounts, naming the limit', () => {
    expect(errorsOf({ accounts: many(501) })).toEqual(['accounts: at most 500 accounts per monitor']);
  });

  it("refuses a deadline that 500 accounts in waves could not keep within Lambda's 15 minutes, naming it", () => {
    expect(errorsOf({ accounts: many(500), deadlineMs: 120_000 })).toEqual([
      "deadlineMs: 500 accounts, 50 at a time, are 10 waves of up to 120000 ms: 1215 s with the margin, over Lambda's 900 s timeout: lower deadlineMs or raise concurrency",
    ]);
    expect(valid({ accounts: many(500), deadlineMs: 60_000 }).monitor.deadlineMs).toBe(60_000);
  });

  it('accepts parameters outside /iletimerkezi/ while their exact ARNs fit the policy', () => {
    const accounts = many(20, (i) => ({
      keyParameter: `/company/sms-provider/acct-${i}/api-key`,
      hashParameter: `/company/sms-provider/acct-${i}/api-hash`,
    }));
    expect(valid({ accounts }).monitor.accounts).toHaveLength(20);
  });

  it('refuses more parameters outside /iletimerkezi/ than the policy can list, naming the first that does not fit', () => {
    const accounts = many(100, (i) => ({
      keyParameter: `/company/sms-provider/acct-${i}/api-key`,
      hashParameter: `/company/sms-provider/acct-${i}/api-hash`,
    }));
    const errors = errorsOf({ accounts });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^accounts\[\d+\]\.(keyParameter|hashParameter): parameters outside \/iletimerkezi\/ each need their own ARN .* over 6000 of the 10,240 characters/,
    );
  });
});

describe('errors of the monitor part and the infrastructure part come together', () => {
  it('reports thresholds out of order, a bad schedule and a bad phone number at once', () => {
    const errors = errorsOf({
      accounts: [{ name: 'main', thresholds: { warning: { amount: 10 }, critical: { amount: 50 } } }],
      schedule: 'rate(15 minute)',
      subscriptions: [{ sms: '5551112233' }],
    });
    expect(errors).toEqual([
      'accounts[0].thresholds.critical.amount: must not be above warning.amount (50 > 10)',
      expect.stringMatching(/^schedule: write "rate\(15 minutes\)"/),
      'subscriptions[0].sms: must be E.164 like +905551112233, got "5551112233"',
    ]);
  });

  it('rejects a configuration without accounts', () => {
    expect(errorsOf({ accounts: [] })).toEqual([
      expect.stringMatching(/^accounts: at least one account is needed/),
    ]);
  });

  it('schedules the weekly digest on Mondays at 09:00 unless told otherwise, and false turns it off', () => {
    const weekly = { longestGapMinutes: 10080, shortestGapMinutes: 10080 };
    expect(valid(base()).digest).toEqual({ kind: 'cron', expression: 'cron(0 9 ? * MON *)', ...weekly });
    expect(valid(base({ digest: 'cron(0 8 ? * FRI *)' })).digest).toEqual({
      kind: 'cron',
      expression: 'cron(0 8 ? * FRI *)',
      ...weekly,
    });
    expect(valid(base({ digest: false })).digest).toBe(false);
  });

  it('rejects a digest schedule that is not an expression, naming the field', () => {
    expect(errorsOf(base({ digest: 'weekly' })).join('\n')).toContain(
      'digest: must be "rate(N minutes|hours|days)"',
    );
    expect(errorsOf(base({ digest: true })).join('\n')).toContain('digest:');
  });

  it('rejects an unknown top-level field, listing the known ones including the infrastructure fields', () => {
    expect(errorsOf(base({ schedules: 'rate(5 minutes)' }))).toEqual([
      expect.stringMatching(
        /^config\.schedules: unknown field \(allowed: .*schedule, subscriptions, chat, logRetentionDays/,
      ),
    ]);
  });

  it('rejects a configuration that is not an object', () => {
    expect(errorsOf('main')).toEqual(['must be a JSON object, got "main"']);
  });
});

describe('the not-running alarm window', () => {
  it('is two schedule intervals by default: one late run is no alarm, two missing runs are', () => {
    expect(noCheckWindowMinutes(valid(base()))).toBe(30);
    expect(noCheckWindowMinutes(valid(base({ schedule: 'rate(1 hour)' })))).toBe(120);
  });

  it('does not depend on the accounts or their failure policy', () => {
    const config = valid({ accounts: [{ ...ACCOUNT, policy: { failuresBeforeAlert: 1 } }] });
    expect(noCheckWindowMinutes(config)).toBe(30);
  });

  it('is noCheckAlarmMinutes when given', () => {
    expect(noCheckWindowMinutes(valid(base({ noCheckAlarmMinutes: 45 })))).toBe(45);
  });

  it.each([
    ['rate(15 minutes)', 60, { periodMinutes: 15, evaluationPeriods: 4 }],
    ['rate(15 minutes)', 50, { periodMinutes: 15, evaluationPeriods: 4 }],
    ['rate(1 minute)', 5, { periodMinutes: 1, evaluationPeriods: 5 }],
    ['rate(30 minutes)', 3000, { periodMinutes: 60, evaluationPeriods: 50 }],
    ['rate(1 day)', 5760, { periodMinutes: 1440, evaluationPeriods: 4 }],
  ])('with %s over %i minutes is evaluated as %o', (schedule, window, shape) => {
    expect(noCheckAlarmShape(valid(base({ schedule })).schedule, window)).toEqual(shape);
  });

  it('with a cron schedule splits the window into two periods', () => {
    const config = valid(base({ schedule: 'cron(0 * * * ? *)', noCheckAlarmMinutes: 130 }));
    expect(noCheckAlarmShape(config.schedule, 130)).toEqual({ periodMinutes: 65, evaluationPeriods: 2 });
  });
});

describe('the errors alarm period', () => {
  it.each([
    ['rate(15 minutes)', 15],
    ['rate(1 day)', 1440],
    ['rate(4 days)', 1440],
  ])('with %s is %i minutes: one run per period, never over a day', (schedule, minutes) => {
    const extra = schedule === 'rate(4 days)' ? { noCheckAlarmMinutes: 10080 } : {};
    expect(runPeriodMinutes(valid(base({ schedule, ...extra })).schedule)).toBe(minutes);
  });

  it('with a cron schedule running an hour apart or more is an hour', () => {
    const config = valid(base({ schedule: 'cron(0 6 * * ? *)', noCheckAlarmMinutes: 1500 }));
    expect(runPeriodMinutes(config.schedule)).toBe(60);
  });

  it('with a sub-hourly cron schedule is its shortest gap, so one good run does not hide failed ones', () => {
    const config = valid(base({ schedule: 'cron(0/10 * * * ? *)', noCheckAlarmMinutes: 30 }));
    expect(runPeriodMinutes(config.schedule)).toBe(10);
    const uneven = valid(base({ schedule: 'cron(0,5 * * * ? *)', noCheckAlarmMinutes: 60 }));
    expect(runPeriodMinutes(uneven.schedule)).toBe(5);
  });
});

describe('monitor-config.json', () => {
  it('leaves out every default and parses back to the same configuration', () => {
    const config = valid(base()).monitor;
    const compact = compactMonitorConfig(config);
    expect(compact).toEqual({ accounts: [{ name: 'main', thresholds: ACCOUNT.thresholds }] });
    expect(parseMonitorConfig(JSON.parse(JSON.stringify(compact)))).toEqual({ ok: true, value: config });
  });

  it('keeps only the policy fields that differ, and a spike alert turned off parses back off', () => {
    const config = valid({
      accounts: [
        { name: 'main', thresholds: ACCOUNT.thresholds, policy: { spendSpike: false, forecastDays: 2 } },
      ],
    }).monitor;
    const compact = JSON.parse(JSON.stringify(compactMonitorConfig(config)));
    expect(compact.accounts[0].policy).toEqual({ forecastDays: 2, spendSpike: false });
    expect(parseMonitorConfig(compact)).toEqual({ ok: true, value: config });
  });

  it('keeps every value that differs from its default', () => {
    const config = valid({
      accounts: [
        {
          name: 'second',
          credentialsParameter: '/sms/credentials',
          keyParameter: '/sms/key',
          hashParameter: '/sms/hash',
          baseUrl: 'https://sandbox.example.com',
          thresholds: { warning: { sms: 400 } },
          policy: { failuresBeforeAlert: 5 },
        },
      ],
      locale: 'tr',
      timeZone: 'Europe/Berlin',
      concurrency: 2,
      attemptTimeoutMs: 3000,
      deadlineMs: 9000,
      accountMetrics: true,
    }).monitor;
    const compact = JSON.parse(JSON.stringify(compactMonitorConfig(config)));
    expect(compact).toMatchObject({
      locale: 'tr',
      timeZone: 'Europe/Berlin',
      concurrency: 2,
      attemptTimeoutMs: 3000,
      accountMetrics: true,
    });
    expect(compact.accounts[0]).toMatchObject({
      credentialsParameter: '/sms/credentials',
      keyParameter: '/sms/key',
      baseUrl: 'https://sandbox.example.com',
    });
    expect(parseMonitorConfig(compact)).toEqual({ ok: true, value: config });
  });
});

describe('stack configuration refused at synth for the credentials’ sake', () => {
  it('refuses a plain http:// base URL to a public host, naming the field', () => {
    expect(errorsOf(base({ accounts: [{ ...ACCOUNT, baseUrl: 'http://api.iletimerkezi.com' }] }))).toEqual([
      'accounts[0].baseUrl: must use https:// (http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])',
    ]);
  });

  it('refuses a base URL with a password without repeating it', () => {
    const errors = errorsOf(
      base({ accounts: [{ ...ACCOUNT, baseUrl: 'https://ops:hunter22@api.iletimerkezi.com' }] }),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^accounts\[0\]\.baseUrl: must not hold a user name or password/);
    expect(errors[0]).not.toContain('hunter22');
  });

  it('refuses two accounts sharing a key parameter, naming both fields', () => {
    const second = { ...ACCOUNT, name: 'second', keyParameter: '/iletimerkezi/main/api-key' };
    expect(errorsOf(base({ accounts: [ACCOUNT, second] }))).toEqual([
      'accounts[1].keyParameter: must not be the same SSM parameter as accounts[0].keyParameter ("/iletimerkezi/main/api-key")',
    ]);
  });
});
