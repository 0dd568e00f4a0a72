import { describe, expect, it } from 'vitest';
import { credentialParameterNames, DEFAULT_POLICY, parseMonitorConfig } from '../../lambda/core/config.js';

const account = { name: 'main', thresholds: { warning: { amount: 100 }, critical: { amount: 25 } } };

function errorsOf(input: unknown): string[] {
  const result = parseMonitorConfig(input);
  return result.ok ? [] : result.errors;
}

describe('parseMonitorConfig', () => {
  it('fills in the defaults for a minimal account', () => {
    const result = parseMonitorConfig({ accounts: [account] });
    expect(result).toEqual({
      ok: true,
      value: {
        accounts: [
          {
            name: 'main',
            credentialsParameter: '/iletimerkezi/main/credentials',
            keyParameter: '/iletimerkezi/main/api-key',
            hashParameter: '/iletimerkezi/main/api-hash',
            baseUrl: 'https://api.iletimerkezi.com',
            thresholds: account.thresholds,
            policy: DEFAULT_POLICY,
          },
        ],
        locale: 'en',
        timeZone: 'Europe/Istanbul',
        concurrency: 50,
        attemptTimeoutMs: 5_000,
        deadlineMs: 15_000,
      },
    });
  });

  it('applies a top-level policy to every account and lets an account override it', () => {
    const result = parseMonitorConfig({
      policy: { failuresBeforeAlert: 5 },
      accounts: [account, { ...account, name: 'second', policy: { failuresBeforeAlert: 2 } }],
    });
    expect(result.ok && result.value.accounts.map((a) => a.policy.failuresBeforeAlert)).toEqual([5, 2]);
  });

  it('keeps only the origin of a base URL with a trailing slash', () => {
    const result = parseMonitorConfig({ accounts: [{ ...account, baseUrl: 'http://127.0.0.1:8080/' }] });
    expect(result.ok && result.value.accounts[0]?.baseUrl).toBe('http://127.0.0.1:8080');
  });

  it.each([
    ['no account at all', {}, 'accounts: at least one account is needed'],
    ['an empty account list', { accounts: [] }, 'accounts: at least one account is needed'],
    [
      'an account without thresholds',
      { accounts: [{ name: 'main', thresholds: {} }] },
      'accounts[0].thresholds: at least one threshold',
    ],
    [
      'critical above warning',
      { accounts: [{ name: 'main', thresholds: { warning: { amount: 10 }, critical: { amount: 20 } } }] },
      'accounts[0].thresholds.critical.amount: must not be above warning.amount (20 > 10)',
    ],
    [
      'a negative threshold',
      { accounts: [{ name: 'main', thresholds: { warning: { sms: -1 } } }] },
      'accounts[0].thresholds.warning.sms: must be at least 0',
    ],
    [
      'a fractional SMS threshold',
      { accounts: [{ name: 'main', thresholds: { warning: { sms: 1.5 } } }] },
      'accounts[0].thresholds.warning.sms: must be a whole number',
    ],
    [
      'a threshold given as a string',
      { accounts: [{ name: 'main', thresholds: { warning: { amount: '100' } } }] },
      'accounts[0].thresholds.warning.amount: must be a number, got "100"',
    ],
    [
      'a bad account name',
      { accounts: [{ ...account, name: 'a b' }] },
      'accounts[0].name: must be 1-64 letters',
    ],
    [
      'a missing account name',
      { accounts: [{ thresholds: account.thresholds }] },
      'accounts[0].name: is required',
    ],
    [
      'duplicate account names',
      { accounts: [account, account] },
      'accounts[1].name: duplicate account name "main"',
    ],
    [
      'a base URL with a path',
      { accounts: [{ ...account, baseUrl: 'https://api.iletimerkezi.com/v1' }] },
      'accounts[0].baseUrl: must be an origin only',
    ],
    [
      'a base URL that is not a URL',
      { accounts: [{ ...account, baseUrl: 'api.iletimerkezi.com' }] },
      'accounts[0].baseUrl: must be a URL origin',
    ],
    ['an unknown locale', { accounts: [account], locale: 'de' }, 'locale: must be one of en, tr'],
    [
      'an unknown time zone',
      { accounts: [account], timeZone: 'Mars/Olympus' },
      'timeZone: unknown IANA time zone',
    ],
    ['a misspelled field', { accounts: [account], concurency: 3 }, 'config.concurency: unknown field'],
    [
      'a misspelled account field',
      { accounts: [{ ...account, treshold: 1 }] },
      'accounts[0].treshold: unknown field',
    ],
    [
      'a deadline below one attempt',
      { accounts: [account], attemptTimeoutMs: 5000, deadlineMs: 1000 },
      'deadlineMs: must not be below attemptTimeoutMs',
    ],
    [
      'a reminder of zero hours',
      { accounts: [account], policy: { reminderHours: { WARNING: 0 } } },
      'policy.reminderHours.WARNING: must be at least 0.25',
    ],
    ['a configuration that is not an object', 'accounts', 'must be a JSON object'],
  ])('rejects %s, naming the field', (_name, input, message) => {
    expect(errorsOf(input).join('\n')).toContain(message);
  });

  it('reports every error at once', () => {
    const errors = errorsOf({ accounts: [{ name: '', thresholds: {} }], locale: 'xx' });
    expect(errors.length).toBeGreaterThanOrEqual(3);
  });
});

describe('credential parameters', () => {
  it('takes the combined credentials parameter an account names', () => {
    const result = parseMonitorConfig({
      accounts: [{ ...account, credentialsParameter: '/sms/main/creds' }],
    });

    expect(result.ok && result.value.accounts[0]?.credentialsParameter).toBe('/sms/main/creds');
  });

  it('refuses a credentials parameter that is no SSM name, naming the field', () => {
    expect(errorsOf({ accounts: [{ ...account, credentialsParameter: 'aws/reserved' }] })).toEqual([
      'accounts[0].credentialsParameter: must be an SSM parameter name like /iletimerkezi/main/credentials',
    ]);
  });

  it('names the combined parameter and the two-parameter layout for the grant', () => {
    const result = parseMonitorConfig({ accounts: [account] });
    const parsed = result.ok ? result.value.accounts[0] : undefined;

    expect(parsed && credentialParameterNames(parsed)).toEqual([
      '/iletimerkezi/main/credentials',
      '/iletimerkezi/main/api-key',
      '/iletimerkezi/main/api-hash',
    ]);
  });
});
