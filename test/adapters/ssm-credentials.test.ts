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
import { createSsmCredentialSource } from '../../lambda/adapters/ssm-credentials.js';
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

describe('SSM credential source', () => {
  it('fetches an account key and hash with one decrypting GetParameters call', async () => {
    storeAccounts('main');
    const result = await createSsmCredentialSource({ client }).load([account('main')]);

    expect(result.get('main')).toEqual({ ok: true, value: { key: keyOf('main'), hash: hashOf('main') } });
    expect(ssm).toHaveReceivedCommandExactlyOnceWith(GetParametersCommand, {
      Names: ['/iletimerkezi/main/api-key', '/iletimerkezi/main/api-hash'],
      WithDecryption: true,
    });
  });

  it('fetches the twelve parameters of six accounts in two calls of at most ten names', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    storeAccounts(...names);
    const result = await createSsmCredentialSource({ client }).load(names.map(account));

    const all = names.flatMap((n) => [`/iletimerkezi/${n}/api-key`, `/iletimerkezi/${n}/api-hash`]);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 1, {
      Names: all.slice(0, 10),
      WithDecryption: true,
    });
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 2, {
      Names: all.slice(10),
      WithDecryption: true,
    });
    expect([...result.values()].every((outcome) => outcome.ok)).toBe(true);
  });

  it('asks for a parameter shared by two accounts only once', async () => {
    storeParameters({ '/shared/key': 'k', '/shared/hash': 'h' });
    const shared = { keyParameter: '/shared/key', hashParameter: '/shared/hash' };
    const result = await createSsmCredentialSource({ client }).load([
      testAccount({ name: 'one', ...shared }),
      testAccount({ name: 'two', ...shared }),
    ]);

    expect(ssm).toHaveReceivedCommandExactlyOnceWith(GetParametersCommand, {
      Names: ['/shared/key', '/shared/hash'],
      WithDecryption: true,
    });
    expect(result.get('two')).toEqual({ ok: true, value: { key: 'k', hash: 'h' } });
  });

  it('serves a second load within the TTL from the cache without calling SSM', async () => {
    storeAccounts('main');
    let now = 1_000_000;
    const source = createSsmCredentialSource({ client, ttlMs: 300_000, now: () => now });
    await source.load([account('main')]);
    now += 299_999;
    const second = await source.load([account('main')]);

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
    expect(second.get('main')).toEqual({ ok: true, value: { key: keyOf('main'), hash: hashOf('main') } });
  });

  it('fetches the parameters again once the TTL has passed', async () => {
    storeAccounts('main');
    let now = 1_000_000;
    const source = createSsmCredentialSource({ client, ttlMs: 300_000, now: () => now });
    await source.load([account('main')]);
    now += 300_000;
    await source.load([account('main')]);

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('caches for five minutes by default', async () => {
    storeAccounts('main');
    let now = 0;
    const source = createSsmCredentialSource({ client, now: () => now });
    await source.load([account('main')]);
    now = 4 * 60_000;
    await source.load([account('main')]);
    now = 5 * 60_000;
    await source.load([account('main')]);

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('fetches only the parameters missing from the cache', async () => {
    storeAccounts('main', 'backup');
    const source = createSsmCredentialSource({ client });
    await source.load([account('main')]);
    await source.load([account('main'), account('backup')]);

    expect(ssm).toHaveReceivedLastCommandWith(GetParametersCommand, {
      Names: ['/iletimerkezi/backup/api-key', '/iletimerkezi/backup/api-hash'],
      WithDecryption: true,
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

  it('names both parameters when an account has neither', async () => {
    storeParameters({});
    const result = await createSsmCredentialSource({ client }).load([account('main')]);

    expect(failureOf(result, 'main').message).toBe(
      'SSM parameters /iletimerkezi/main/api-key, /iletimerkezi/main/api-hash not found',
    );
  });

  it('does not cache a failed lookup: the next load asks SSM again', async () => {
    storeParameters({});
    const source = createSsmCredentialSource({ client });
    await source.load([account('main')]);
    storeAccounts('main');
    const second = await source.load([account('main')]);

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
    expect(second.get('main')?.ok).toBe(true);
  });

  it('reports access denied as a config failure naming the parameters and the missing permissions', async () => {
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
    expect(failure.message).toContain('/iletimerkezi/main/api-key, /iletimerkezi/main/api-hash');
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
        "SSM could not decrypt /iletimerkezi/main/api-key, /iletimerkezi/main/api-hash (InvalidKeyId): the parameters' KMS key is disabled, deleted or not usable",
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
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    storeAccounts(...names);
    ssm
      .on(GetParametersCommand, { Names: ['/iletimerkezi/f/api-key', '/iletimerkezi/f/api-hash'] })
      .rejects(ssmError(ThrottlingException, 'Rate exceeded'));
    const result = await createSsmCredentialSource({ client }).load(names.map(account));

    expect(failureOf(result, 'f').kind).toBe('transient');
    expect(names.slice(0, 5).every((n) => result.get(n)?.ok)).toBe(true);
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
    const accounts = [account('main'), account('backup')];
    storeParameters({ '/iletimerkezi/main/api-key': keyOf('main') });
    const missing = await createSsmCredentialSource({ client }).load(accounts);
    ssm.reset();
    ssm
      .on(GetParametersCommand)
      .rejects(
        ssmError(AccessDeniedException, `denied while reading ${keyOf('backup')} ${hashOf('backup')}`),
      );
    const denied = await createSsmCredentialSource({ client }).load(accounts);

    const messages = [...missing.values(), ...denied.values()].map((o) => (o.ok ? '' : o.failure.message));
    expect(messages.filter(Boolean)).toHaveLength(4);
    for (const secret of ['main', 'backup'].flatMap((n) => [keyOf(n), hashOf(n)])) {
      for (const message of messages) expect(message).not.toContain(secret);
    }
  });
});
