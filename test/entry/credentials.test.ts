import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkSecret, parseCredentialsArgs, storeCredentials } from '../../lambda/entry/credentials.js';

const KEY = '7e3a9c1f5b2d8e4a6c0f9b3d1e7a5c2f';
const HASH = 'c4f8a2e6b0d3f7a1c5e9b2d6f0a4c8e3b7d1f5a9c3e7b0d4f8a2c6e0b3d7f1a5';

describe('storeCredentials', () => {
  const ssm = mockClient(SSMClient);
  const client = new SSMClient({ region: 'eu-central-1' });

  beforeEach(() => {
    ssm.reset();
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
  });

  it('writes the key and the hash as one overwritten SecureString under the default name', async () => {
    await storeCredentials(client, 'main', KEY, HASH);
    expect(ssm).toHaveReceivedCommandExactlyOnceWith(PutParameterCommand, {
      Name: '/iletimerkezi/main/credentials',
      Value: JSON.stringify({ key: KEY, hash: HASH }),
      Type: 'SecureString',
      Overwrite: true,
    });
  });

  it('uses the given combined parameter name and KMS key', async () => {
    await storeCredentials(client, 'main', KEY, HASH, {
      credentialsParameter: '/sms/credentials',
      kmsKeyId: 'alias/iletimerkezi',
    });
    expect(ssm).toHaveReceivedCommandExactlyOnceWith(PutParameterCommand, {
      Name: '/sms/credentials',
      Value: JSON.stringify({ key: KEY, hash: HASH }),
      Type: 'SecureString',
      Overwrite: true,
      KeyId: 'alias/iletimerkezi',
    });
  });

  it('writes the two-parameter layout of earlier releases when asked to', async () => {
    await storeCredentials(client, 'main', KEY, HASH, { pair: true });
    expect(ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: '/iletimerkezi/main/api-key', Value: KEY, Type: 'SecureString', Overwrite: true },
      { Name: '/iletimerkezi/main/api-hash', Value: HASH, Type: 'SecureString', Overwrite: true },
    ]);
  });

  it('uses the given key and hash parameter names and KMS key for the two-parameter layout', async () => {
    await storeCredentials(client, 'main', KEY, HASH, {
      keyParameter: '/sms/key',
      hashParameter: '/sms/hash',
      kmsKeyId: 'alias/iletimerkezi',
    });
    expect(ssm).toHaveReceivedNthCommandWith(PutParameterCommand, 1, {
      Name: '/sms/key',
      Value: KEY,
      Type: 'SecureString',
      Overwrite: true,
      KeyId: 'alias/iletimerkezi',
    });
    expect(ssm).toHaveReceivedNthCommandWith(PutParameterCommand, 2, {
      Name: '/sms/hash',
      Value: HASH,
      Type: 'SecureString',
      Overwrite: true,
      KeyId: 'alias/iletimerkezi',
    });
  });

  it('resolves with the names written, never the values', async () => {
    expect(await storeCredentials(client, 'backup', KEY, HASH)).toEqual({
      layout: 'combined',
      parameters: ['/iletimerkezi/backup/credentials'],
    });
    expect(await storeCredentials(client, 'backup', KEY, HASH, { pair: true })).toEqual({
      layout: 'pair',
      parameters: ['/iletimerkezi/backup/api-key', '/iletimerkezi/backup/api-hash'],
    });
  });

  it('does not write the hash when the key could not be written', async () => {
    ssm.on(PutParameterCommand).rejects(new Error('AccessDeniedException'));
    await expect(storeCredentials(client, 'main', KEY, HASH, { pair: true })).rejects.toThrow();
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
  });
});

describe('parseCredentialsArgs', () => {
  it('takes the account name and the optional flags', () => {
    const args = [
      'main',
      '--key-parameter',
      '/a/key',
      '--hash-parameter=/a/hash',
      '--kms-key-id',
      'alias/x',
      '--region',
      'eu-west-1',
    ];
    expect(parseCredentialsArgs(args)).toEqual({
      ok: true,
      command: {
        account: 'main',
        options: { keyParameter: '/a/key', hashParameter: '/a/hash', kmsKeyId: 'alias/x' },
        region: 'eu-west-1',
      },
    });
  });

  it('takes the combined parameter name', () => {
    expect(parseCredentialsArgs(['main', '--credentials-parameter', '/a/credentials'])).toEqual({
      ok: true,
      command: { account: 'main', options: { credentialsParameter: '/a/credentials' } },
    });
  });

  it('takes --pair for the two-parameter layout', () => {
    expect(parseCredentialsArgs(['main', '--pair'])).toEqual({
      ok: true,
      command: { account: 'main', options: { pair: true } },
    });
  });

  it('refuses the combined parameter name together with the two-parameter layout', () => {
    expect(parseCredentialsArgs(['main', '--credentials-parameter', '/a/c', '--pair'])).toMatchObject({
      ok: false,
      errors: [expect.stringContaining('choose one')],
    });
  });

  it('checks the combined parameter name with the configuration’s rule', () => {
    expect(parseCredentialsArgs(['main', '--credentials-parameter', 'has spaces'])).toEqual({
      ok: false,
      help: false,
      errors: ['--credentials-parameter: must be an SSM parameter name like /iletimerkezi/main/credentials'],
    });
  });

  it('refuses a second argument, so the secrets never land in shell history', () => {
    expect(parseCredentialsArgs(['main', KEY])).toEqual({
      ok: false,
      help: false,
      errors: [
        'only the account name is an argument: the key and hash are asked for, never taken from the command line',
      ],
    });
  });

  it('needs an account name', () => {
    expect(parseCredentialsArgs([])).toEqual({
      ok: false,
      help: false,
      errors: ['the account name is missing'],
    });
  });

  it('checks the account name with the configuration’s rule', () => {
    expect(parseCredentialsArgs(['main account'])).toEqual({
      ok: false,
      help: false,
      errors: ['account: must be 1-64 letters, digits, "_", "-" or "." and start with a letter or digit'],
    });
  });

  it('checks a parameter name with the configuration’s rule', () => {
    const result = parseCredentialsArgs(['main', '--key-parameter', 'has spaces']);
    expect(result).toEqual({
      ok: false,
      help: false,
      errors: ['--key-parameter: must be an SSM parameter name like /iletimerkezi/main/api-key'],
    });
  });

  it('refuses the same parameter for the key and the hash, naming both flags', () => {
    expect(
      parseCredentialsArgs(['main', '--key-parameter', '/x/both', '--hash-parameter', '/x/both']),
    ).toEqual({
      ok: false,
      help: false,
      errors: ['--hash-parameter: must not be the same SSM parameter as --key-parameter ("/x/both")'],
    });
  });

  it('refuses an unknown option', () => {
    expect(parseCredentialsArgs(['main', '--verbose'])).toMatchObject({
      ok: false,
      errors: ['unknown option "--verbose"'],
    });
  });
});

describe('checkSecret', () => {
  it('accepts hex, as the panel issues it', () => {
    expect(checkSecret('API key', KEY)).toEqual({});
  });

  it('refuses an empty value', () => {
    expect(checkSecret('API key', '')).toEqual({ error: 'the API key is empty' });
  });

  it('refuses a value with spaces', () => {
    expect(checkSecret('API hash', 'ab cd')).toEqual({
      error: 'the API hash contains spaces or line breaks',
    });
  });

  it('warns about, but accepts, a value that is not hex', () => {
    expect(checkSecret('API hash', 'not-hex')).toEqual({
      warning: 'the API hash is not hexadecimal, as the panel shows it',
    });
  });
});

describe('the credentials command, run as a process against a local SSM endpoint', () => {
  const ROOT = fileURLToPath(new URL('../..', import.meta.url));
  const received: { target: string | undefined; body: unknown }[] = [];
  let ssmEndpoint: Server;
  let origin: string;
  /** When set, SSM refuses the next writes with this error message. */
  let refusal: string | undefined;

  beforeAll(async () => {
    ssmEndpoint = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        const target = req.headers['x-amz-target'];
        received.push({ target: typeof target === 'string' ? target : undefined, body: JSON.parse(body) });
        if (refusal !== undefined) {
          res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'ValidationException', message: refusal }));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end('{"Version":1,"Tier":"Standard"}');
      });
    });
    await new Promise<void>((resolve) => ssmEndpoint.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(ssmEndpoint.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => ssmEndpoint.close(resolve));
  });

  function runWithInput(
    args: string[],
    input: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'lambda/entry/credentials.ts', ...args], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          AWS_ENDPOINT_URL_SSM: origin,
          AWS_REGION: 'eu-central-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  beforeEach(() => {
    received.length = 0;
    refusal = undefined;
  });

  it('reads the key and the hash as two piped lines and stores them in one parameter', async () => {
    const result = await runWithInput(['main'], `${KEY}\n${HASH}\n`);
    expect(result.code).toBe(0);
    expect(received).toEqual([
      {
        target: 'AmazonSSM.PutParameter',
        body: {
          Name: '/iletimerkezi/main/credentials',
          Value: JSON.stringify({ key: KEY, hash: HASH }),
          Type: 'SecureString',
          Overwrite: true,
        },
      },
    ]);
  });

  it('stores the two-parameter layout with --pair', async () => {
    const result = await runWithInput(['main', '--pair'], `${KEY}\n${HASH}\n`);
    expect(result.code).toBe(0);
    expect(received).toEqual([
      {
        target: 'AmazonSSM.PutParameter',
        body: { Name: '/iletimerkezi/main/api-key', Value: KEY, Type: 'SecureString', Overwrite: true },
      },
      {
        target: 'AmazonSSM.PutParameter',
        body: { Name: '/iletimerkezi/main/api-hash', Value: HASH, Type: 'SecureString', Overwrite: true },
      },
    ]);
  });

  it('prints the parameter name and never the values', async () => {
    const result = await runWithInput(['main'], `${KEY}\r\n${HASH}\r\n`);
    expect(result.stdout).toContain('/iletimerkezi/main/credentials');
    expect(`${result.stdout}${result.stderr}`).not.toMatch(new RegExp(`${KEY}|${HASH}`));
  });

  it('stores nothing when the hash line is missing', async () => {
    const result = await runWithInput(['main'], `${KEY}\n`);
    expect([result.code, received]).toEqual([1, []]);
    expect(result.stderr).toContain('error: the API hash is empty');
  });

  it('never prints the values when SSM echoes them back in its error, in upper case or base64', async () => {
    const echoed = [KEY.toUpperCase(), Buffer.from(HASH).toString('base64')];
    refusal = `Parameter value ${echoed[0]} / ${echoed[1]} failed to satisfy constraint`;
    const result = await runWithInput(['main'], `${KEY}\n${HASH}\n`);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: could not store the credentials: ValidationException');
    for (const form of echoed) expect(result.stderr).not.toContain(form);
  });
});
