import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Metafile } from 'esbuild';

/** What the shipped artifact weighs, and what weighs most in it. */

export interface ArtifactSize {
  readonly files: number;
  readonly bytes: number;
  /** Each file gzipped on its own, as a deployment zip deflates each entry. */
  readonly gzipBytes: number;
}

export function artifactSize(files: readonly string[]): ArtifactSize {
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const content = readFileSync(file);
    bytes += content.length;
    gzipBytes += gzipSync(content).length;
  }
  return { files: files.length, bytes, gzipBytes };
}

export interface InputWeight {
  readonly name: string;
  /** Bytes this input contributes to the output, over every output file. */
  readonly bytes: number;
}

/** The inputs (source modules) that put the most bytes into the output. */
export function largestInputs(metafile: Metafile, count: number): InputWeight[] {
  return heaviest(
    weighInputs(metafile, (input) => input),
    count,
  );
}

/** The same, summed per npm package (`@scope/name`), or per project folder for our own code. */
export function largestPackages(metafile: Metafile, count: number): InputWeight[] {
  return heaviest(weighInputs(metafile, packageOf), count);
}

export function packageOf(input: string): string {
  // The innermost node_modules names the package the file belongs to.
  const installed = [...input.matchAll(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)?.[1];
  if (installed) return installed;
  const folders = input.split('/');
  return folders.length > 2 ? folders.slice(0, 2).join('/') : input;
}

function weighInputs(metafile: Metafile, keyOf: (input: string) => string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const key = keyOf(input);
      weights.set(key, (weights.get(key) ?? 0) + bytesInOutput);
    }
  }
  return weights;
}

function heaviest(weights: Map<string, number>, count: number): InputWeight[] {
  return [...weights]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name))
    .slice(0, count);
}
