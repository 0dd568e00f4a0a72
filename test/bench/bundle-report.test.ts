import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { largestInputs, largestPackages, packageOf } from '../../bench/bundle-report.js';

function output(inputs: Record<string, number>): Metafile['outputs'][string] {
  return {
    bytes: 0,
    imports: [],
    exports: [],
    inputs: Object.fromEntries(
      Object.entries(inputs).map(([name, bytesInOutput]) => [name, { bytesInOutput }]),
    ),
  };
}

const metafile: Metafile = {
  inputs: {},
  outputs: {
    'index.mjs': output({
      'node_modules/@aws-sdk/client-ssm/dist-es/models/errors.js': 300,
      'lambda/core/messages.ts': 200,
      'node_modules/bowser/bowser.mjs': 50,
    }),
    'chunks/shared.mjs': output({ 'node_modules/@aws-sdk/client-ssm/dist-es/schemas/schemas_0.js': 100 }),
    'chunks/sns.mjs': output({ 'lambda/core/messages.ts': 150 }),
  },
};

describe('bundle report', () => {
  it('names a scoped npm package by its scope and name', () => {
    expect(packageOf('node_modules/@smithy/core/dist-es/index.js')).toBe('@smithy/core');
  });

  it('names the innermost package of a nested node_modules path', () => {
    expect(packageOf('node_modules/a/node_modules/b/index.js')).toBe('b');
  });

  it('names project code by its top two folders', () => {
    expect(packageOf('lambda/core/messages.ts')).toBe('lambda/core');
  });

  it('sums an input over every output file it lands in', () => {
    expect(largestInputs(metafile, 1)).toEqual([{ name: 'lambda/core/messages.ts', bytes: 350 }]);
  });

  it('sums the inputs of a package', () => {
    expect(largestPackages(metafile, 1)).toEqual([{ name: '@aws-sdk/client-ssm', bytes: 400 }]);
  });
});
