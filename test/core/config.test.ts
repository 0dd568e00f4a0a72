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
        accountMetrics: false,
      },
    });
  });

  it('spike alerts are on by default at 5 x normal and 50 TL an hour', () => {
    const result = parseMonitorConfig({ accounts: [account] });
    expect(result.ok && result.value.accounts[0]?.policy.spendSpike).toEqual({
      multiple: 5,
      floorAmount: 50,
    });
  });

  it('turns spike alerts off globally, and an account sets its own over that', () => {
    const result = parseMonitorConfig({
      policy: { spendSpike: false },
      accounts: [account, { ...account, name: 'second', policy: { spendSpike: { floorAmount: 20 } } }],
    });
    expect(result.ok && result.value.accounts.map((a) => a.policy.spendSpike)).toEqual([
      false,
      { multiple: 5, floorAmount: 20 },
    ]);
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
    [
      'a spike setting that is neither false nor an object',
      { accounts: [account], policy: { spendSpike: true } },
      'policy.spendSpike: must be false or an object like { "multiple": 5, "floorAmount": 50 }',
    ],
    [
      'a spike multiple below the calm multiple',
      { accounts: [{ ...account, policy: { spendSpike: { multiple: 1.5 } } }] },
      'accounts[0].policy.spendSpike.multiple: must be at least 2',
    ],
    [
      'a negative spike floor',
      { accounts: [account], policy: { spendSpike: { floorAmount: -1 } } },
      'policy.spendSpike.floorAmount: must be at least 0.01',
    ],
    [
      'a spike floor of 0 (an idle account would spike for ever)',
      { accounts: [account], policy: { spendSpike: { floorAmount: 0 } } },
      'policy.spendSpike.floorAmount: must be at least 0.01',
    ],
    [
      'a misspelled spike field',
      { accounts: [account], policy: { spendSpike: { multipel: 4 } } },
      'policy.spendSpike.multipel: unknown field',
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

describe('base URL', () => {
  it.each([
    'http://api.iletimerkezi.com',
    'http://10.0.0.5:8080',
    'http://example.com',
    'http://localhost.example.com',
    'http://[2001:db8::1]',
  ])('refuses plain http:// to %s, where the key and hash would travel in clear', (baseUrl) => {
    expect(errorsOf({ accounts: [{ ...account, baseUrl }] })).toEqual([
      'accounts[0].baseUrl: must use https:// (http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])',
    ]);
  });

  it.each(['http://127.0.0.1:8080', 'http://127.1.2.3', 'http://localhost:3000', 'http://[::1]:9000'])(
    'allows plain http:// to the loopback host %s, for tests and the sandbox',
    (baseUrl) => {
      expect(errorsOf({ accounts: [{ ...account, baseUrl }] })).toEqual([]);
    },
  );

  it.each([
    'https://user:s3cretPass@api.iletimerkezi.com',
    'https://user:s3cretPass@api.iletimerkezi.com/v1/get-balance/json',
    'http://user:s3cretPass@127.0.0.1:8080',
    'https://:s3cretPass@api.iletimerkezi.com',
    'https://s3cretPass@api.iletimerkezi.com',
    'https://user:s3cretPass@exa mple.com',
  ])('refuses a user name or password in %s without repeating it', (baseUrl) => {
    const errors = errorsOf({ accounts: [{ ...account, baseUrl }] });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toContain('accounts[0].baseUrl:');
    expect(errors.join('\n')).not.toContain('s3cretPass');
  });
});

describe('credential parameters', () => {
  it('refuses an account whose key and hash are the same parameter, naming both fields', () => {
    expect(
      errorsOf({ accounts: [{ ...account, keyParameter: '/x/secret', hashParameter: '/x/secret' }] }),
    ).toEqual([
      'accounts[0].hashParameter: must not be the same SSM parameter as accounts[0].keyParameter ("/x/secret")',
    ]);
  });

  it('refuses two accounts reading the same parameter, naming both fields', () => {
    const second = { ...account, name: 'second', keyParameter: '/iletimerkezi/main/api-key' };
    expect(errorsOf({ accounts: [account, second] })).toEqual([
      'accounts[1].keyParameter: must not be the same SSM parameter as accounts[0].keyParameter ("/iletimerkezi/main/api-key")',
    ]);
  });

  it("refuses one account's hash parameter as another's key parameter", () => {
    const second = { ...account, name: 'second', keyParameter: '/iletimerkezi/main/api-hash' };
    expect(errorsOf({ accounts: [account, second] })).toEqual([
      'accounts[1].keyParameter: must not be the same SSM parameter as accounts[0].hashParameter ("/iletimerkezi/main/api-hash")',
    ]);
  });

  it('accepts accounts that each have their own parameters', () => {
    expect(errorsOf({ accounts: [account, { ...account, name: 'second' }] })).toEqual([]);
  });

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
