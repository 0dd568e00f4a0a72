import {
  AccessDeniedException,
  GetParametersCommand,
  type GetParametersCommandInput,
  InvalidKeyId,
  SSMClient,
  ThrottlingException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createSsmCredentialSource, SSM_CONCURRENCY } from '../../lambda/adapters/ssm-credentials.js';
import type { AccountConfig } from '../../lambda/core/config.js';
import type { Credentials, Outcome } from '../../lambda/core/types.js';
import { testAccount } from '../support/accounts.js';

const ssm = mockClient(SSMClient);
const client = new SSMClient({
  region: 'eu-central-1',
  credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
});

function account(name: string): AccountConfig {
  return testAccount({
    name,
    credentialsParameter: `/iletimerkezi/${name}/credentials`,
    keyParameter: `/iletimerkezi/${name}/api-key`,
    hashParameter: `/iletimerkezi/${name}/api-hash`,
  });
}

function keyOf(name: string): string {
  return `key-value-of-${name}-7f3a`;
}

function hashOf(name: string): string {
  return `hash-value-of-${name}-91cd`;
}

/** Parameter Store as SSM answers GetParameters: stored names come back decrypted, others as invalid. */
function storeParameters(
  values: Record<string, string>,
  type: 'SecureString' | 'String' = 'SecureString',
): void {
  ssm.on(GetParametersCommand).callsFake((input: GetParametersCommandInput) => {
    const names = input.Names ?? [];
    return {
      Parameters: names
        .filter((name) => values[name] !== undefined)
        .map((name) => ({ Name: name, Type: type, Value: values[name], Version: 1 })),
      InvalidParameters: names.filter((name) => values[name] === undefined),
    };
  });
}

/** Accounts stored the way the credentials command writes them: one combined SecureString each. */
function storeCombined(...names: string[]): void {
  const values: Record<string, string> = {};
  for (const name of names)
    values[combinedOf(name)] = JSON.stringify({ key: keyOf(name), hash: hashOf(name) });
  storeParameters(values);
}

function combinedOf(name: string): string {
  return `/iletimerkezi/${name}/credentials`;
}

/** Accounts stored in the two-parameter layout of earlier releases. */
function storeAccounts(...names: string[]): void {
  const values: Record<string, string> = {};
  for (const name of names) {
    values[`/iletimerkezi/${name}/api-key`] = keyOf(name);
    values[`/iletimerkezi/${name}/api-hash`] = hashOf(name);
  }
  storeParameters(values);
}

/** SSM's exceptions as the SDK deserialises them: `message` and the modelled `Message` alike. */
function ssmError<E>(
  Exception: new (options: { message: string; Message: string; $metadata: object }) => E,
  message: string,
): E {
  return new Exception({ message, Message: message, $metadata: { httpStatusCode: 400 } });
}

function failureOf(result: ReadonlyMap<string, Outcome<Credentials>>, name: string) {
  const outcome = result.get(name);
  if (!outcome || outcome.ok)
    throw new Error(`expected a failure for ${name}, got ${JSON.stringify(outcome)}`);
  return outcome.failure;
}

beforeEach(() => {
  ssm.reset();
});

describe('SSM credential source: one combined parameter per account', () => {
  it('fetches an account’s key and hash from its one SecureString with one decrypting call', async () => {
    storeCombined('main');
    const result = await createSsmCredentialSource({ client }).load([account('main')]);

    expect(result.get('main')).toEqual({ ok: true, value: { key: keyOf('main'), hash: hashOf('main') } });
    expect(ssm).toHaveReceivedCommandExactlyOnceWith(GetParametersCommand, {
      Names: [combinedOf('main')],
      WithDecryption: true,
    });
  });

  it('fetches the parameters of 25 accounts in three calls of at most ten names', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `acct-${i}`);
    storeCombined(...names);
    const result = await createSsmCredentialSource({ client }).load(names.map(account));

    const all = names.map(combinedOf);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 3);
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 1, {
      Names: all.slice(0, 10),
      WithDecryption: true,
    });
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 2, {
      Names: all.slice(10, 20),
      WithDecryption: true,
    });
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 3, {
      Names: all.slice(20),
      WithDecryption: true,
    });
    expect([...result.values()].every((outcome) => outcome.ok)).toBe(true);
  });

  it(`keeps at most ${SSM_CONCURRENCY} calls in flight for 500 accounts`, async () => {
    const names = Array.from({ length: 500 }, (_, i) => `acct-${i}`);
    let inFlight = 0;
    let most = 0;
    ssm.on(GetParametersCommand).callsFake(async (input: GetParametersCommandInput) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return {
        Parameters: (input.Names ?? []).map((name) => ({
          Name: name,
          Type: 'SecureString',
          Value: '{"key":"k","hash":"h"}',
        })),
        InvalidParameters: [],
      };
    });
    const result = await createSsmCredentialSource({ client }).load(names.map(account));

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 50);
    expect(most).toBe(SSM_CONCURRENCY);
    expect([...result.values()].filter((outcome) => outcome.ok)).toHaveLength(500);
  });

  it('trims whitespace around the key and the hash', async () => {
    storeParameters({
      [combinedOf('main')]: ` {"key":" ${keyOf('main')}\\n","hash":"${hashOf('main')} "}\n`,
    });
    const result = await createSsmCredentialSource({ client }).load([account('main')]);

    expect(result.get('main')).toEqual({ ok: true, value: { key: keyOf('main'), hash: hashOf('main') } });
  });

  it('reports a key that is only whitespace as a config failure naming the parameter', async () => {
    storeParameters({ [combinedOf('main')]: JSON.stringify({ key: ' \n', hash: hashOf('main') }) });
    const failure = failureOf(await createSsmCredentialSource({ client }).load([account('main')]), 'main');

    expect(failure).toEqual({
      kind: 'config',
      message: `SSM parameter ${combinedOf('main')} must hold {"key":"…","hash":"…"}; "key" is empty (or only whitespace)`,
    });
  });

  it.each([
    ['not JSON', `${keyOf('main')}:${hashOf('main')}`, 'it is not JSON'],
    ['not an object', JSON.stringify([keyOf('main'), hashOf('main')]), 'it is not an object'],
    ['without the hash', JSON.stringify({ key: keyOf('main') }), '"hash" is missing'],
    ['with a number for the key', JSON.stringify({ key: 42, hash: hashOf('main') }), '"key" is not a string'],
    [
      'with other fields',
      JSON.stringify({ key: keyOf('main'), hash: hashOf('main'), [keyOf('x')]: 1 }),
      'it has 1 other field(s)',
    ],
  ])(
    'reports a combined value %s as a config failure naming the parameter, never the value',
    async (_, value, why) => {
      storeParameters({ [combinedOf('main')]: value });
      const failure = failureOf(await createSsmCredentialSource({ client }).load([account('main')]), 'main');

      expect(failure).toEqual({
        kind: 'config',
        message: `SSM parameter ${combinedOf('main')} must hold {"key":"…","hash":"…"}; ${why}`,
      });
      for (const secret of [keyOf('main'), hashOf('main'), keyOf('x')])
        expect(failure.message).not.toContain(secret);
    },
  );

  it('reports an empty combined parameter as a config failure naming it', async () => {
    storeParameters({ [combinedOf('main')]: '  \n' });
    const failure = failureOf(await createSsmCredentialSource({ client }).load([account('main')]), 'main');

    expect(failure).toEqual({
      kind: 'config',
      message: `SSM parameter ${combinedOf('main')} is empty (or only whitespace)`,
    });
  });

  it('does not read the two-parameter layout of an account that has the combined parameter', async () => {
    storeParameters({
      [combinedOf('main')]: JSON.stringify({ key: keyOf('main'), hash: hashOf('main') }),
      '/iletimerkezi/main/api-key': 'old-key',
      '/iletimerkezi/main/api-hash': 'old-hash',
    });
    const result = await createSsmCredentialSource({ client }).load([account('main')]);

    expect(result.get('main')).toEqual({ ok: true, value: { key: keyOf('main'), hash: hashOf('main') } });
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
  });
});

describe('SSM credential source: the two-parameter layout of deployed monitors', () => {
  it('reads the key and hash parameters when the combined parameter does not exist', async () => {
    storeAccounts('main');
    const result = await createSsmCredentialSource({ client }).load([account('main')]);

    expect(result.get('main')).toEqual({ ok: true, value: { key: keyOf('main'), hash: hashOf('main') } });
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 1, {
      Names: [combinedOf('main')],
      WithDecryption: true,
    });
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 2, {
      Names: ['/iletimerkezi/main/api-key', '/iletimerkezi/main/api-hash'],
      WithDecryption: true,
    });
  });

  it('fetches the twelve parameters of six accounts in two calls of at most ten names', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    storeAccounts(...names);
    const result = await createSsmCredentialSource({ client }).load(names.map(account));

    const all = names.flatMap((n) => [`/iletimerkezi/${n}/api-key`, `/iletimerkezi/${n}/api-hash`]);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 3);
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 2, {
      Names: all.slice(0, 10),
      WithDecryption: true,
    });
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 3, {
      Names: all.slice(10),
      WithDecryption: true,
    });
    expect([...result.values()].every((outcome) => outcome.ok)).toBe(true);
  });

  it('reads both layouts in one run, each account its own', async () => {
    storeParameters({
      [combinedOf('new')]: JSON.stringify({ key: keyOf('new'), hash: hashOf('new') }),
      '/iletimerkezi/old/api-key': keyOf('old'),
      '/iletimerkezi/old/api-hash': hashOf('old'),
    });
    const result = await createSsmCredentialSource({ client }).load([account('new'), account('old')]);

    expect(result.get('new')).toEqual({ ok: true, value: { key: keyOf('new'), hash: hashOf('new') } });
    expect(result.get('old')).toEqual({ ok: true, value: { key: keyOf('old'), hash: hashOf('old') } });
    expect(ssm).toHaveReceivedLastCommandWith(GetParametersCommand, {
      Names: ['/iletimerkezi/old/api-key', '/iletimerkezi/old/api-hash'],
      WithDecryption: true,
    });
  });

  it('asks for a parameter shared by two accounts only once', async () => {
    storeParameters({ '/shared/key': 'k', '/shared/hash': 'h' });
    const shared = {
      credentialsParameter: '/shared/credentials',
      keyParameter: '/shared/key',
      hashParameter: '/shared/hash',
    };
    const result = await createSsmCredentialSource({ client }).load([
      testAccount({ name: 'one', ...shared }),
      testAccount({ name: 'two', ...shared }),
    ]);

    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 1, {
      Names: ['/shared/credentials'],
      WithDecryption: true,
    });
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 2, {
      Names: ['/shared/key', '/shared/hash'],
      WithDecryption: true,
    });
    expect(result.get('two')).toEqual({ ok: true, value: { key: 'k', hash: 'h' } });
  });

  it('trims whitespace around a key or hash parameter', async () => {
    storeParameters({
      '/iletimerkezi/main/api-key': `${keyOf('main')}\n`,
      '/iletimerkezi/main/api-hash': ` ${hashOf('main')}`,
    });
    const result = await createSsmCredentialSource({ client }).load([account('main')]);

    expect(result.get('main')).toEqual({ ok: true, value: { key: keyOf('main'), hash: hashOf('main') } });
  });

  it('reports a hash parameter that is only whitespace as a config failure naming it', async () => {
    storeParameters({ '/iletimerkezi/main/api-key': keyOf('main'), '/iletimerkezi/main/api-hash': '\n' });
    const failure = failureOf(await createSsmCredentialSource({ client }).load([account('main')]), 'main');

    expect(failure).toEqual({
      kind: 'config',
      message: 'SSM parameter /iletimerkezi/main/api-hash is empty (or only whitespace)',
    });
  });

  it('reports a missing parameter as a config failure naming it while other accounts get credentials', async () => {
    storeParameters({
      '/iletimerkezi/main/api-key': keyOf('main'),
      '/iletimerkezi/backup/api-key': keyOf('backup'),
      '/iletimerkezi/backup/api-hash': hashOf('backup'),
    });
    const result = await createSsmCredentialSource({ client }).load([account('main'), account('backup')]);

    expect(failureOf(result, 'main')).toEqual({
      kind: 'config',
      message: 'SSM parameter /iletimerkezi/main/api-hash not found',
    });
    expect(result.get('backup')).toEqual({
      ok: true,
      value: { key: keyOf('backup'), hash: hashOf('backup') },
    });
  });

  it('names the combined parameter, the old pair and the command when an account has neither layout', async () => {
    storeParameters({});
    const result = await createSsmCredentialSource({ client }).load([account('main')]);

    expect(failureOf(result, 'main')).toEqual({
      kind: 'config',
      message:
        'SSM parameter /iletimerkezi/main/credentials not found (nor the two-parameter layout /iletimerkezi/main/api-key, /iletimerkezi/main/api-hash); run npm run credentials -- main',
    });
  });
});

describe('SSM credential source: cache', () => {
  it('serves a second load within the TTL from the cache without calling SSM', async () => {
    storeCombined('main');
    let now = 1_000_000;
    const source = createSsmCredentialSource({ client, ttlMs: 300_000, now: () => now });
    await source.load([account('main')]);
    now += 299_999;
    const second = await source.load([account('main')]);

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
    expect(second.get('main')).toEqual({ ok: true, value: { key: keyOf('main'), hash: hashOf('main') } });
  });

  it('fetches the parameters again once the TTL has passed', async () => {
    storeCombined('main');
    let now = 1_000_000;
    const source = createSsmCredentialSource({ client, ttlMs: 300_000, now: () => now });
    await source.load([account('main')]);
    now += 300_000;
    await source.load([account('main')]);

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('caches for an hour by default: four runs of a 15-minute schedule decrypt once', async () => {
    storeCombined('main');
    let now = 0;
    const source = createSsmCredentialSource({ client, now: () => now });
    for (const minutes of [0, 15, 30, 45, 60]) {
      now = minutes * 60_000;
      await source.load([account('main')]);
    }

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('fetches only the accounts missing from the cache', async () => {
    storeCombined('main', 'backup');
    const source = createSsmCredentialSource({ client });
    await source.load([account('main')]);
    await source.load([account('main'), account('backup')]);

    expect(ssm).toHaveReceivedLastCommandWith(GetParametersCommand, {
      Names: [combinedOf('backup')],
      WithDecryption: true,
    });
  });

  it('does not cache a failed lookup: the next load asks SSM again', async () => {
    storeParameters({});
    const source = createSsmCredentialSource({ client });
    await source.load([account('main')]);
    storeCombined('main');
    const second = await source.load([account('main')]);

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 3);
    expect(second.get('main')?.ok).toBe(true);
  });

  it('reloads credentials served from the cache from SSM', async () => {
    storeCombined('main');
    let now = 0;
    const source = createSsmCredentialSource({ client, now: () => now });
    await source.load([account('main')]);
    now = 15 * 60_000;
    await source.load([account('main')]);
    storeParameters({ [combinedOf('main')]: JSON.stringify({ key: 'rotated-key', hash: 'rotated-hash' }) });

    expect(await source.reload?.(account('main'))).toEqual({
      ok: true,
      value: { key: 'rotated-key', hash: 'rotated-hash' },
    });
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('does not reload credentials the latest load fetched from SSM', async () => {
    storeCombined('main');
    const source = createSsmCredentialSource({ client });
    await source.load([account('main')]);

    expect(await source.reload?.(account('main'))).toEqual({
      ok: true,
      value: { key: keyOf('main'), hash: hashOf('main') },
    });
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
  });
});

describe('SSM credential source: failures', () => {
  it('reports access denied as a config failure naming the parameter and the missing permissions', async () => {
    ssm
      .on(GetParametersCommand)
      .rejects(
        ssmError(
          AccessDeniedException,
          'User: arn:aws:sts::123456789012:assumed-role/monitor is not authorized to perform: ssm:GetParameters',
        ),
      );
    const result = await createSsmCredentialSource({ client }).load([account('main')]);
    const failure = failureOf(result, 'main');

    expect(failure.kind).toBe('config');
    expect(failure.message).toContain(combinedOf('main'));
    expect(failure.message).toContain('ssm:GetParameters');
    expect(failure.message).toContain('kms:Decrypt');
  });

  it('reports a KMS access denial as a config failure saying the role cannot decrypt', async () => {
    ssm
      .on(GetParametersCommand)
      .rejects(
        ssmError(
          AccessDeniedException,
          'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access. (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)',
        ),
      );
    const failure = failureOf(await createSsmCredentialSource({ client }).load([account('main')]), 'main');

    expect(failure.kind).toBe('config');
    expect(failure.message).toMatch(/could not decrypt .*kms:Decrypt/);
  });

  it('reports an unusable KMS key as a config failure', async () => {
    ssm.on(GetParametersCommand).rejects(ssmError(InvalidKeyId, 'The key is disabled.'));
    const failure = failureOf(await createSsmCredentialSource({ client }).load([account('main')]), 'main');

    expect(failure).toEqual({
      kind: 'config',
      message:
        "SSM could not decrypt /iletimerkezi/main/credentials (InvalidKeyId): the parameters' KMS key is disabled, deleted or not usable",
    });
  });

  it('reports throttling as a transient failure', async () => {
    ssm.on(GetParametersCommand).rejects(ssmError(ThrottlingException, 'Rate exceeded'));
    const failure = failureOf(await createSsmCredentialSource({ client }).load([account('main')]), 'main');

    expect(failure.kind).toBe('transient');
    expect(failure.message).toContain('ThrottlingException');
  });

  it('reports a network error as a transient failure', async () => {
    ssm
      .on(GetParametersCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const failure = failureOf(await createSsmCredentialSource({ client }).load([account('main')]), 'main');

    expect(failure.kind).toBe('transient');
  });

  it('fails only the accounts whose parameters were in the failed call', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `acct-${i}`);
    storeCombined(...names);
    ssm
      .on(GetParametersCommand, { Names: [combinedOf('acct-10')] })
      .rejects(ssmError(ThrottlingException, 'Rate exceeded'));
    const result = await createSsmCredentialSource({ client }).load(names.map(account));

    expect(failureOf(result, 'acct-10').kind).toBe('transient');
    expect(names.slice(0, 10).every((n) => result.get(n)?.ok)).toBe(true);
  });

  it('accepts a plain String parameter and reports it by name and type, never by value', async () => {
    storeParameters(
      { '/iletimerkezi/main/api-key': keyOf('main'), '/iletimerkezi/main/api-hash': hashOf('main') },
      'String',
    );
    const warn = vi.fn();
    const result = await createSsmCredentialSource({ client, warn }).load([account('main')]);

    expect(result.get('main')?.ok).toBe(true);
    expect(warn).toHaveBeenCalledWith('credential parameter is not a SecureString', {
      parameter: '/iletimerkezi/main/api-key',
      type: 'String',
    });
    expect(JSON.stringify(warn.mock.calls)).not.toContain(keyOf('main'));
  });

  it('never puts a secret value into a failure message', async () => {
    const accounts = [account('main'), account('backup'), account('odd')];
    storeParameters({
      '/iletimerkezi/main/api-key': keyOf('main'),
      [combinedOf('odd')]: `{"key":"${keyOf('odd')}","hash":${hashOf('odd')}}`,
    });
    const missing = await createSsmCredentialSource({ client }).load(accounts);
    ssm.reset();
    ssm
      .on(GetParametersCommand)
      .rejects(
        ssmError(AccessDeniedException, `denied while reading ${keyOf('backup')} ${hashOf('backup')}`),
      );
    const denied = await createSsmCredentialSource({ client }).load(accounts);

    const messages = [...missing.values(), ...denied.values()].map((o) => (o.ok ? '' : o.failure.message));
    expect(messages.filter(Boolean)).toHaveLength(6);
    for (const secret of ['main', 'backup', 'odd'].flatMap((n) => [keyOf(n), hashOf(n)])) {
      for (const message of messages) expect(message).not.toContain(secret);
    }
  });
});
