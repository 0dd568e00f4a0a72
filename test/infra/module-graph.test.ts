import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * What synth loads, read from esbuild's metafile of the CDK app (packages left external, so each
 * package import is listed as written): every module infra reaches and every package it imports.
 */
let modules: string[];
let packages: Set<string>;

beforeAll(async () => {
  const { metafile } = await build({
    entryPoints: ['infra/app.ts'],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  modules = Object.keys(metafile.inputs);
  packages = new Set(
    Object.values(metafile.inputs).flatMap((input) =>
      input.imports.filter((i) => i.external).map((i) => i.path),
    ),
  );
});

describe('the module graph of synth', () => {
  it('reaches the CDK app and its parts', () => {
    expect(packages).toContain('aws-cdk-lib');
    expect(modules).toContain('infra/balance-monitor.ts');
    expect(modules).toContain('lambda/core/contract.ts');
  });

  it('loads no AWS SDK client: the names it shares with the function come from the contract', () => {
    expect([...packages].filter((name) => name.startsWith('@aws-sdk/'))).toEqual([]);
  });

  it('reaches no adapter or entry point of the function, only its pure core', () => {
    expect(modules.filter((file) => file.startsWith('lambda/') && !file.startsWith('lambda/core/'))).toEqual(
      [],
    );
  });
});
