import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { MONITOR_CONFIG_FILE } from '../lambda/core/contract.js';

/**
 * The one esbuild configuration for the Lambda artifact. The CDK asset (local bundling), the
 * tests and the bench all build through here, so the artifact deployed is the artifact measured.
 */

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
export const HANDLER_ENTRY = path.join(REPO_ROOT, 'lambda', 'entry', 'handler.ts');
/** The credential provider the Lambda artifact uses in place of the SDK's default chain. */
const LAMBDA_CREDENTIALS = path.join(REPO_ROOT, 'lambda', 'adapters', 'lambda-credentials.ts');
/** The Lambda handler setting for the artifact: `index.mjs`, export `handler`. */
export const HANDLER_NAME = 'index.handler';

/** Bundling the AWS SDK as ESM needs `require` for the few CommonJS modules inside it. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** Options shared by the Lambda artifact and the CLI. */
export const NODE_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Also loads on Node 20, where the tests and the CLI run; Lambda runs nodejs24.x.
  target: 'node20',
  // The SDK's ESM builds: smaller (about 391 KB against 676 KB) and about 40 % faster to load.
  mainFields: ['module', 'main'],
  // Measured: 793 KB minifying whitespace and syntax only, 580 KB keeping names, 538 KB fully minified;
  // load time is the bill on a 15-minute schedule, and failures are logged as typed values, not traces.
  minify: true,
  legalComments: 'none',
  logLevel: 'error',
} as const satisfies esbuild.BuildOptions;

export interface BundleResult {
  /** The entry file (`<outdir>/index.mjs`). */
  readonly outfile: string;
  /** Bytes of every output file: the entry and its lazily loaded chunks. */
  readonly bytes: number;
  /** Bytes Node loads at a cold start: the entry and the chunks it imports statically. */
  readonly initialBytes: number;
  /** Every output file, absolute. */
  readonly files: readonly string[];
  readonly metafile: esbuild.Metafile;
}

/** Builds the Lambda artifact into `outdir` (index.mjs plus chunks/), synchronously. */
export function bundleHandler(outdir: string): BundleResult {
  const result = esbuild.buildSync({
    ...NODE_BUNDLE_OPTIONS,
    entryPoints: [{ in: HANDLER_ENTRY, out: 'index' }],
    outdir,
    // The dynamic import of the SNS client becomes its own chunk, loaded only by a run that notifies.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // Lambda treats .mjs as ESM without a package.json next to it.
    outExtension: { '.js': '.mjs' },
    banner: { js: ESM_REQUIRE_BANNER },
    // Lambda passes the role's credentials in the environment: the default chain's other providers
    // (SSO, INI files, STS, IMDS) cannot run there and cost about 115 KB of every cold start.
    alias: { '@aws-sdk/credential-provider-node': LAMBDA_CREDENTIALS },
    // Only the SDK's browser user-agent code imports it, and never on Node.
    external: ['bowser'],
    absWorkingDir: REPO_ROOT,
    metafile: true,
  });
  const metafile = result.metafile;
  const outputs = Object.entries(metafile.outputs);
  const outfile = path.join(outdir, 'index.mjs');
  const entry = outputs.find(([file]) => path.resolve(REPO_ROOT, file) === path.resolve(outfile))?.[0];
  return {
    outfile,
    bytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0),
    initialBytes: entry === undefined ? 0 : staticClosureBytes(metafile, entry),
    files: outputs.map(([file]) => path.resolve(REPO_ROOT, file)),
    metafile,
  };
}

/**
 * Writes the monitor configuration next to the artifact's index.mjs, where the handler reads it at
 * cold start (LAMBDA_TASK_ROOT). The asset, the end-to-end tests and the bench all write it here.
 */
export function writeMonitorConfig(outdir: string, configJson: string): string {
  const file = path.join(outdir, MONITOR_CONFIG_FILE);
  writeFileSync(file, configJson);
  return file;
}

function staticClosureBytes(metafile: esbuild.Metafile, entry: string): number {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    const output = metafile.outputs[file];
    if (seen.has(file) || output === undefined) return;
    seen.add(file);
    for (const imported of output.imports) if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(entry);
  return [...seen].reduce((sum, file) => sum + (metafile.outputs[file]?.bytes ?? 0), 0);
}
