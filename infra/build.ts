import { chmodSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { bundleHandler, ESM_REQUIRE_BANNER, NODE_BUNDLE_OPTIONS, REPO_ROOT } from './bundle.js';

/**
 * `npm run build`: the Lambda artifact into dist/lambda (what `cdk deploy` ships, but for the
 * monitor-config.json that synth writes beside it from the validated configuration) and the local
 * command into dist/cli.mjs (the package's `bin`).
 */

const dist = path.join(REPO_ROOT, 'dist');
const lambdaDir = path.join(dist, 'lambda');
// Chunk names carry content hashes: stale ones from an earlier build would linger otherwise.
rmSync(lambdaDir, { recursive: true, force: true });
const lambda = bundleHandler(lambdaDir);
console.log(
  `${path.relative(REPO_ROOT, lambda.outfile)}: ${lambda.bytes} bytes in ${lambda.files.length} files`,
);

const cliEntry = path.join(REPO_ROOT, 'lambda', 'entry', 'cli.ts');
const cliFile = path.join(dist, 'cli.mjs');
// esbuild keeps an entry's own #! line on top; a second one would be a syntax error.
const hashbang = readFileSync(cliEntry, 'utf8').startsWith('#!') ? '' : '#!/usr/bin/env node\n';
const cli = esbuild.buildSync({
  ...NODE_BUNDLE_OPTIONS,
  entryPoints: [cliEntry],
  outfile: cliFile,
  banner: { js: `${hashbang}${ESM_REQUIRE_BANNER}` },
  absWorkingDir: REPO_ROOT,
  metafile: true,
});
// Runnable as ./dist/cli.mjs straight from a checkout, not only once npm links the bin.
chmodSync(cliFile, 0o755);
const cliBytes = Object.values(cli.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`${path.relative(REPO_ROOT, cliFile)}: ${cliBytes} bytes`);
