import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BalanceFields } from '../lambda/adapters/sandbox-provider.js';
import { AUTH_CAUSES } from '../lambda/core/plugin-output.js';
import { type Cue, type ProviderServer, startProviderServer } from '../support/provider-server.js';

/** The local command as a user runs it: a separate process, exit code and stdout. */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CREDENTIALS = {
  key: '9c4e1f7a2b8d3e6f0a5c9b1d7e3f2a8c',
  hash: '3d7f1e9b5a2c8e4f6b0d9a7c1e5f3b2d4a6c8e0f2b4d6a8c0e2f4b6d8a0c2e4f',
};
const SECRET = new RegExp(`${CREDENTIALS.key}|${CREDENTIALS.hash}`, 'i');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A clean environment: no real credentials, no AWS settings, only what node needs to start. */
function run(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'lambda/entry/cli.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The command with its stdout closed by the reader before anything is written (`… | head -0`). */
function runWithStdoutClosed(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'lambda/entry/cli.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** Closed after all tests: the tests run concurrently, so one must not close another's server. */
const servers: ProviderServer[] = [];

afterAll(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function provider(
  balance: BalanceFields = { amount: 842.35, sms: 5615 },
  ...cues: Cue[]
): Promise<ProviderServer> {
  const server = await startProviderServer({ credentials: CREDENTIALS, balance });
  server.enqueue(...cues);
  servers.push(server);
  return server;
}

function live(server: ProviderServer, ...args: string[]): Promise<Run> {
  return run(['--base-url', server.origin, ...args], {
    ILETIMERKEZI_API_KEY: CREDENTIALS.key,
    ILETIMERKEZI_API_HASH: CREDENTIALS.hash,
  });
}

function firstLine(result: Run): string {
  return result.stdout.split('\n')[0] ?? '';
}

describe.concurrent('the local command', () => {
  it('exits 0 with an OK line above the thresholds', async () => {
    const result = await live(await provider());
    expect([result.code, firstLine(result)]).toEqual([
      0,
      'ILETIMERKEZI OK - balance 842.35 TL, 5615 SMS | amount=842.35;100;20;0 sms=5615;;;0',
    ]);
  });

  it('exits 1 with a WARNING line at the warning threshold', async () => {
    const result = await live(await provider({ amount: 80, sms: 600 }));
    expect([result.code, firstLine(result)]).toEqual([
      1,
      'ILETIMERKEZI WARNING - balance 80 TL, 600 SMS (amount 80 TL <= 100 TL) | amount=80;100;20;0 sms=600;;;0',
    ]);
  });

  it('exits 2 with a CRITICAL line at the critical SMS threshold given by flags', async () => {
    const result = await live(
      await provider({ amount: 500, sms: 40 }),
      '--warning-sms',
      '200',
      '--critical-sms',
      '50',
    );
    expect([result.code, firstLine(result)]).toEqual([
      2,
      'ILETIMERKEZI CRITICAL - balance 500 TL, 40 SMS (sms 40 <= 50) | amount=500;;;0 sms=40;200;50;0',
    ]);
  });

  it('reads the old spec’s decimal strings', async () => {
    const result = await live(await provider({ amount: '100.50', sms: '18343' }), '--json');
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'OK', amount: 100.5, sms: 18343 });
  });

  it.each([
    [400, 'config'],
    [402, 'config'],
    [404, 'config'],
    [422, 'config'],
    [503, 'transient'],
  ] as const)('exits 3 UNKNOWN when the provider answers %i (%s)', async (code, kind) => {
    const server = await provider();
    server.setDefault({ kind: 'status', code });
    const result = await live(server, '--timeout-ms', '2000');
    expect(result.code).toBe(3);
    expect(firstLine(result)).toMatch(
      new RegExp(
        `^ILETIMERKEZI UNKNOWN - balance check failed \\(${kind}\\): HTTP ${code}: .* \\| amount=U;100;20;0 sms=U;;;0$`,
      ),
    );
  });

  it('exits 3 on a 401 and names its three causes', async () => {
    const server = await provider();
    server.setDefault({ kind: 'status', code: 401 });
    const result = await live(server);
    expect(result.code).toBe(3);
    expect(result.stdout.split('\n').slice(1, 5)).toEqual([
      'A 401 has three usual causes:',
      ...AUTH_CAUSES.map((cause, i) => `${i + 1}. ${cause}`),
    ]);
  });

  it('exits 3 on a 401 inside an HTTP 200', async () => {
    const server = await provider();
    server.setDefault({ kind: 'status', code: 401, httpStatus: 200 });
    const result = await live(server, '--json');
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'UNKNOWN',
      error: { kind: 'auth', status: 401 },
    });
  });

  it('exits 3 on a missing balance rather than reporting an empty one', async () => {
    const result = await live(await provider(undefined, { kind: 'missing-balance' }), '--json');
    expect([result.code, JSON.parse(result.stdout)]).toMatchObject([
      3,
      { status: 'UNKNOWN', amount: null, sms: null, error: { kind: 'invalid-response' } },
    ]);
  });

  it('gives up within --timeout-ms on a provider that never answers', async () => {
    const server = await provider();
    server.setDefault({ kind: 'hang' });
    const result = await live(server, '--timeout-ms', '300', '--json');
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'UNKNOWN',
      // The last attempt gets what is left of the 300 ms, which a clock tick can shave.
      error: { kind: 'transient', message: expect.stringMatching(/^timeout after (29\d|300) ms$/) },
    });
  });

  it('prints exactly one JSON object with --json', async () => {
    const result = await live(await provider({ amount: 50, sms: 300 }), '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      status: 'WARNING',
      exitCode: 1,
      sandbox: false,
      summary: 'balance 50 TL, 300 SMS (amount 50 TL <= 100 TL)',
      amount: 50,
      sms: 300,
      thresholds: { warning: { amount: 100 }, critical: { amount: 20 } },
    });
  });

  it('checks the built-in sandbox without credentials and says so on every line', async () => {
    const result = await run([]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ILETIMERKEZI OK - sandbox: balance /);
    for (const line of lines) expect(line).toContain('sandbox');
  });

  it('keeps its exit code, with no EPIPE error, when the reader closed stdout before the answer', async () => {
    const result = await runWithStdoutClosed(['--json']);
    expect(result.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(result.code).toBe(0);
  });

  it('says sandbox in the JSON of a sandbox check', async () => {
    const result = await run(['--json']);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'OK', sandbox: true });
  });

  it('prints exactly one JSON object on stdout through npm start --silent -- --json, as the README shows it', async () => {
    // npm itself, as an operator runs it; without --silent npm puts its banner on stdout first.
    const home = mkdtempSync(join(tmpdir(), 'npm-start-'));
    const result = await new Promise<Run>((resolve) => {
      execFile(
        'npm',
        ['start', '--silent', '--', '--json'],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: home }, timeout: 30_000 },
        (error, stdout, stderr) => {
          const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'OK', exitCode: 0, sandbox: true });
  });

  it('exits 3 with a usage line on an unknown flag', async () => {
    const result = await run(['--verbose']);
    expect([result.code, result.stdout]).toEqual([
      3,
      expect.stringMatching(/^ILETIMERKEZI UNKNOWN - unknown option "--verbose" \| .*\nUsage: npm start -- /),
    ]);
  });

  it('exits 3 naming ILETIMERKEZI_API_KEY when --base-url is given without credentials, and sends nothing', async () => {
    const server = await provider();
    const result = await run(['--base-url', server.origin]);
    expect(result.code).toBe(3);
    expect(firstLine(result)).toContain('ILETIMERKEZI_API_KEY is not set');
    expect(result.stdout).not.toContain('sandbox');
    expect(server.requests).toHaveLength(0);
  });

  it('exits 3 naming ILETIMERKEZI_API_HASH when only the hash is missing', async () => {
    const server = await provider();
    const result = await run(['--base-url', server.origin], { ILETIMERKEZI_API_KEY: CREDENTIALS.key });
    expect([result.code, firstLine(result)]).toEqual([
      3,
      expect.stringContaining('ILETIMERKEZI_API_HASH is not set'),
    ]);
  });

  it('exits 3 when critical is above warning', async () => {
    const result = await run(['--warning-amount', '10', '--critical-amount', '50']);
    expect([result.code, firstLine(result)]).toEqual([
      3,
      expect.stringContaining('--critical-amount: must not be above --warning-amount (50 > 10)'),
    ]);
  });

  it('exits 0 with the help on --help', async () => {
    const result = await run(['--help']);
    expect([result.code, result.stdout]).toEqual([0, expect.stringMatching(/^Usage: npm start -- /)]);
  });

  it('never prints the key or the hash, even when the server echoes them back', async () => {
    const server = await provider();
    server.setDefault({ kind: 'echo-credentials' });
    const text = await live(server);
    const json = await live(server, '--json');
    expect(server.requests.length).toBeGreaterThan(0);
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr])
      expect(output).not.toMatch(SECRET);
  });

  it('never prints the key or the hash when an amount comes back as the key', async () => {
    const server = await provider({ amount: CREDENTIALS.key, sms: CREDENTIALS.hash });
    const result = await live(server, '--json');
    expect(result.code).toBe(3);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(SECRET);
  });

  it('exits 3 naming the variable when the credentials are set but empty, and never checks the sandbox', async () => {
    const result = await run(['--json'], { ILETIMERKEZI_API_KEY: '', ILETIMERKEZI_API_HASH: '' });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'UNKNOWN',
      sandbox: false,
      error: { kind: 'config', message: expect.stringContaining('ILETIMERKEZI_API_KEY is set but empty') },
    });
  });

  it('sends the key and the hash without the whitespace around them', async () => {
    const server = await provider();
    const result = await run(['--base-url', server.origin], {
      ILETIMERKEZI_API_KEY: ` ${CREDENTIALS.key}`,
      ILETIMERKEZI_API_HASH: `${CREDENTIALS.hash}\n`,
    });
    expect([result.code, firstLine(result)]).toEqual([0, expect.stringMatching(/^ILETIMERKEZI OK - /)]);
  });

  it('lengthens one attempt with --timeout-ms: an answer after 6 s within 30 s is OK', async () => {
    const server = await provider();
    server.setDefault({ kind: 'delay', ms: 6_000 });
    const result = await live(server, '--timeout-ms', '30000', '--json');
    expect([result.code, JSON.parse(result.stdout).status]).toEqual([0, 'OK']);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [['--warning-amount', '--json']],
    [['--json', '--base-url']],
    [['--json', '--nope', 'stray']],
    [['--help', '--json']],
    [['--timeout-ms', '5', '--json']],
  ])('prints exactly one JSON object for %j', async (args) => {
    const result = await run(args);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toBeTypeOf('object');
  });

  it('refuses a plain http:// base URL to a public host before sending anything', async () => {
    const result = await run(['--base-url', 'http://api.iletimerkezi.com'], {
      ILETIMERKEZI_API_KEY: CREDENTIALS.key,
      ILETIMERKEZI_API_HASH: CREDENTIALS.hash,
    });
    expect([result.code, firstLine(result)]).toEqual([
      3,
      expect.stringContaining('--base-url: must use https://'),
    ]);
  });

  it('refuses a base URL with a password and never prints it', async () => {
    for (const args of [
      ['--base-url', 'http://ops:hunter22@127.0.0.1:1'],
      ['--base-url', 'https://ops:hunter22@api.iletimerkezi.com', '--json'],
    ]) {
      const result = await run(args, {
        ILETIMERKEZI_API_KEY: CREDENTIALS.key,
        ILETIMERKEZI_API_HASH: CREDENTIALS.hash,
      });
      expect(result.code).toBe(3);
      expect(result.stdout).toContain('must not hold a user name or password');
      expect(`${result.stdout}${result.stderr}`).not.toContain('hunter22');
    }
  });

  it('never prints the key when the server echoes it base64-encoded', async () => {
    const server = await provider();
    const echoed = Buffer.from(`${CREDENTIALS.key}:${CREDENTIALS.hash}`).toString('base64');
    server.setDefault({
      kind: 'raw',
      status: 401,
      body: JSON.stringify({ response: { status: { code: 401, message: `denied ${echoed}` } } }),
    });
    const result = await live(server, '--json');
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('***');
    expect(result.stdout).not.toContain(echoed.slice(4, 30));
  });
});
