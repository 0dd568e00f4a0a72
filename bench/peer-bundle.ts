import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { HANDLER_ENTRY, REPO_ROOT } from '../infra/bundle.js';

/**
 * The peer: this project's own handler bundled as CDK's NodejsFunction bundles by default — CommonJS,
 * platform node, not minified, and `@aws-sdk/*` left external, to be required from node_modules at
 * load time (on Lambda, from the runtime's copy of the SDK).
 */

/** Inside node_modules, so `require('@aws-sdk/...')` resolves as it would next to the runtime's SDK. */
export const PEER_CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'bench');

export interface PeerBundle {
  readonly outfile: string;
  readonly bytes: number;
  remove(): void;
}

export function buildPeerBundle(): PeerBundle {
  const outdir = path.join(PEER_CACHE_DIR, `peer-${process.pid}`);
  mkdirSync(outdir, { recursive: true });
  // .cjs: NodejsFunction writes index.js into a directory without package.json, which Node reads as CommonJS.
  const outfile = path.join(outdir, 'index.cjs');
  const result = esbuild.buildSync({
    entryPoints: [HANDLER_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@aws-sdk/*'],
    minify: false,
    logLevel: 'error',
    absWorkingDir: REPO_ROOT,
    metafile: true,
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  return { outfile, bytes, remove: () => rmSync(outdir, { recursive: true, force: true }) };
}
