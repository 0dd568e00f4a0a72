import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BundleResult,
  bundleHandler,
  ESM_REQUIRE_BANNER,
  writeMonitorConfig,
} from '../../infra/bundle.js';
import { compactMonitorConfig, parseStackConfig } from '../../infra/config.js';
import { formatIssue } from '../../lambda/core/config.js';
import { EXAMPLE_CONFIG } from './fixture.js';

let outdir: string;
let bundle: BundleResult;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'balance-monitor-bundle-'));
  bundle = bundleHandler(outdir);
  const config = parseStackConfig(EXAMPLE_CONFIG);
  if (!config.ok) throw new Error(config.issues.map((i) => formatIssue(i)).join('\n'));
  writeMonitorConfig(outdir, JSON.stringify(compactMonitorConfig(config.value.monitor)));
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function environment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-central-1',
    AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
    LAMBDA_TASK_ROOT: outdir,
    TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:balance',
    TABLE_NAME: 'balance-state',
  };
}

/** The static import closure of the entry, by input module, as Node loads it at a cold start. */
function coldStartInputs(): string[] {
  const { outputs } = bundle.metafile;
  const entry = Object.keys(outputs).find((file) => file.endsWith('index.mjs')) ?? '';
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of outputs[file]?.imports ?? [])
      if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(entry);
  return [...seen].flatMap((file) => Object.keys(outputs[file]?.inputs ?? {}));
}

describe('the Lambda artifact', () => {
  it('is index.mjs with its chunks, and bytes counts all of them', () => {
    expect(bundle.outfile).toBe(path.join(outdir, 'index.mjs'));
    expect(bundle.files).toContain(bundle.outfile);
    const onDisk = bundle.files.reduce((sum, file) => sum + statSync(file).size, 0);
    expect(bundle.bytes).toBe(onDisk);
    expect(bundle.initialBytes).toBeLessThanOrEqual(bundle.bytes);
  });

  it('starts with the banner that gives the bundled SDK its require', () => {
    expect(readFileSync(bundle.outfile, 'utf8').startsWith(ESM_REQUIRE_BANNER)).toBe(true);
  });

  it('loads on this Node and exports the handler', () => {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(bundle.outfile).href)}); console.log(typeof m.handler);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: environment(),
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('function');
  });

  it('bundles the AWS SDK in, importing nothing from node_modules at run time', () => {
    for (const output of Object.values(bundle.metafile.outputs)) {
      for (const imported of output.imports) {
        if (imported.external) expect(imported.path, 'an external import').toMatch(/^node:|^[a-z_]+$/);
      }
    }
  });

  it('leaves the SNS client out of the cold start: a run that notifies loads it on demand', () => {
    const inputs = Object.values(bundle.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    expect(inputs.some((input) => input.includes('@aws-sdk/client-sns'))).toBe(true);
    expect(coldStartInputs().some((input) => input.includes('@aws-sdk/client-sns'))).toBe(false);
  });

  it('uses the ESM builds of the SDK', () => {
    const sdkInputs = coldStartInputs().filter((input) =>
      /node_modules\/@aws-sdk\/client-ssm\/.*\.js$/.test(input),
    );
    expect(sdkInputs.length).toBeGreaterThan(0);
    for (const input of sdkInputs) expect(input).toContain('/dist-es/');
  });
});
