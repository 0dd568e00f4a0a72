import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BalanceMonitorStack, STACK_NAME } from '../../infra/balance-monitor-stack.js';
import { parseMonitorConfig } from '../../lambda/core/config.js';
import { MONITOR_CONFIG_FILE } from '../../lambda/core/contract.js';
import { CDK_JSON, ENV, withConfig } from '../infra/fixture.js';
import { expectThrew } from './expect-run.js';
import { type E2eSuite, leakedSecrets, startE2eSuite, TEST_HASH, TEST_KEY } from './harness.js';

/**
 * The secret scan: the key and the hash must not appear, in plain text or base64, in anything the
 * monitor writes or sends: every log line, runner report and error of the runs below (chosen to
 * touch every place a secret could slip out: a server echoing the credentials back, auth and
 * transport failures, a refused publish, an init error), every published message, and the
 * synthesized template, synthesized while the key and hash sit in the environment (as they do for
 * someone who just ran `npm start` with their own credentials).
 */

let suite: E2eSuite;

beforeAll(async () => {
  suite = await startE2eSuite();
});

afterAll(async () => {
  await suite?.close();
});

describe('the scanner', () => {
  it.each([
    ['plain', `key=${TEST_KEY}`],
    ['upper case', `HASH ${TEST_HASH.toUpperCase()}`],
    ['base64 at offset 0', Buffer.from(TEST_KEY).toString('base64')],
    ['base64 at offset 1', Buffer.from(`{${TEST_HASH}}`).toString('base64')],
    ['base64 at offset 2', Buffer.from(`k=${TEST_KEY}`).toString('base64')],
    ['base64url inside JSON', Buffer.from(JSON.stringify({ hash: TEST_HASH })).toString('base64url')],
    ['with every byte URL-encoded', [...Buffer.from(TEST_KEY)].map((b) => `%${b.toString(16)}`).join('')],
  ])('finds a secret written %s', (_form, text) => {
    expect(leakedSecrets([`some text ${text} more text`])).not.toEqual([]);
  });

  it('passes text that holds neither', () => {
    expect(leakedSecrets([TEST_KEY.slice(0, 16), Buffer.from(TEST_HASH.slice(8)).toString('hex')])).toEqual(
      [],
    );
  });
});

describe('runs that touch every way out', () => {
  it('a provider that echoes the key and hash back in its 401 message: redacted everywhere', async () => {
    const s = await suite.scenario();
    s.provider.setDefault({ kind: 'echo-credentials' });

    const run = await s.run();

    // The server really did send them back: the scan below is not vacuous.
    expect(s.provider.requests[0]?.rawBody).toContain(TEST_KEY);
    expect(leakedSecrets([...run.fn.transcript(), ...s.aws.publishes.map((p) => JSON.stringify(p))])).toEqual(
      [],
    );
    expect(s.publishedKinds()).toEqual(['check-failed']);
  });

  it('a provider that echoes them base64- and URL-encoded: masked in every log line and notice of the bundle', async () => {
    const s = await suite.scenario();
    const echoed = [
      Buffer.from(TEST_KEY).toString('base64'),
      Buffer.from(`${TEST_KEY}:${TEST_HASH}`).toString('base64url'),
      [...Buffer.from(TEST_HASH)].map((b) => `%${b.toString(16).toUpperCase()}`).join(''),
    ];
    s.provider.setDefault({
      kind: 'raw',
      status: 401,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ response: { status: { code: 401, message: echoed.join(' ') } } }),
    });

    const run = await s.run();

    // The echo is in the provider's answer, and the scan below knows its forms: it is not vacuous.
    for (const form of echoed) expect(leakedSecrets([form])).not.toEqual([]);
    expect(s.publishedKinds()).toEqual(['check-failed']);
    expect(run.fn.accountLines()[0]?.failureMessage).toContain('***');
    expect(leakedSecrets([...run.fn.transcript(), ...s.aws.publishes.map((p) => JSON.stringify(p))])).toEqual(
      [],
    );
  });

  it('an echo inside an HTTP 200, then a transport failure, then a low balance: nothing leaks', async () => {
    const s = await suite.scenario({ balance: { amount: 3, sms: 20 }, policy: { failuresBeforeAlert: 1 } });
    s.provider.enqueue({ kind: 'echo-credentials', status: 200 });
    const fn = await s.start();
    await fn.invoke();
    s.provider.setDefault({ kind: 'reset-mid-body' });
    await fn.invoke();
    s.provider.setDefault({ kind: 'contract' });
    await fn.invoke();
    await fn.stop();

    expect(s.publishedKinds()).toEqual(['check-failed', 'monitor-recovered']);
    expect(leakedSecrets([...fn.transcript(), ...s.aws.publishes.map((p) => JSON.stringify(p))])).toEqual([]);
  });

  it('a refused publish and a failed store: the errors thrown and logged hold no secret', async () => {
    const s = await suite.scenario({ balance: { amount: 3, sms: 20 } });
    s.aws.fail('Publish', 'access-denied', 'always');

    const run = await s.run();

    expectThrew(run.invocation);
    expect(leakedSecrets(run.fn.transcript())).toEqual([]);
  });

  // Declared last, so it runs after the runs above (tests of a file run in order).
  it('every line, report and message of the whole suite is free of the key and hash', () => {
    const everything = suite.transcript();

    expect(everything.length).toBeGreaterThan(10);
    expect(leakedSecrets(everything)).toEqual([]);
  });
});

describe('the synthesized template', () => {
  let outdir: string;
  let template: Record<string, unknown>;
  let stack: BalanceMonitorStack;
  let saved: Record<string, string | undefined>;

  beforeAll(() => {
    saved = {
      ILETIMERKEZI_API_KEY: process.env.ILETIMERKEZI_API_KEY,
      ILETIMERKEZI_API_HASH: process.env.ILETIMERKEZI_API_HASH,
    };
    process.env.ILETIMERKEZI_API_KEY = TEST_KEY;
    process.env.ILETIMERKEZI_API_HASH = TEST_HASH;
    outdir = mkdtempSync(path.join(tmpdir(), 'balance-monitor-synth-'));
    // cdk.json's own context and bundling on: the asset is built exactly as `cdk synth` builds it.
    const context = {
      ...CDK_JSON.context,
      balanceMonitor: withConfig({ subscriptions: [{ email: 'ops@example.com' }] }),
    };
    const app = new App({ outdir, context });
    stack = new BalanceMonitorStack(app, STACK_NAME, { env: ENV });
    template = Template.fromStack(stack).toJSON();
  });

  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(outdir, { recursive: true, force: true });
  });

  it('holds neither the key nor the hash, though both were in the environment at synth', () => {
    expect(leakedSecrets([JSON.stringify(template)])).toEqual([]);
  });

  it("ships the artifact these tests run: the asset's handler is byte for byte the bundle tested", () => {
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    const shipped = assets.map((asset) => path.join(outdir, asset, 'index.mjs'));

    expect(shipped).toHaveLength(1);
    expect(readFileSync(shipped[0] ?? '', 'utf8')).toBe(readFileSync(suite.bundleFile, 'utf8'));
  });

  it('ships every file of the bundle tested, byte for byte, and the configuration beside them', () => {
    const [asset = ''] = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    const assetDir = path.join(outdir, asset);
    const bundleDir = path.dirname(suite.bundleFile);
    const files = (dir: string) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((file) => statSync(path.join(dir, file)).isFile())
        .sort();

    expect(files(assetDir)).toEqual([...files(bundleDir), MONITOR_CONFIG_FILE].sort());
    for (const file of files(bundleDir)) {
      expect(
        readFileSync(path.join(assetDir, file)).equals(readFileSync(path.join(bundleDir, file))),
        file,
      ).toBe(true);
    }
    const shippedConfig = JSON.parse(readFileSync(path.join(assetDir, MONITOR_CONFIG_FILE), 'utf8'));
    expect(parseMonitorConfig(shippedConfig)).toEqual({ ok: true, value: stack.monitor.config.monitor });
  });

  it('loads, configuration included, from the asset directory as Lambda unpacks it', () => {
    const [asset = ''] = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    const assetDir = path.join(outdir, asset);
    const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(assetDir, 'index.mjs')).href)}); console.log(typeof m.handler);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        LAMBDA_TASK_ROOT: assetDir,
        AWS_REGION: ENV.region,
        TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:balance',
        TABLE_NAME: 'balance-state',
        AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('function');
  });
});
