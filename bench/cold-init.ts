import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { type Summary, summarize } from './stats.js';

/**
 * Cold init: fresh Node processes that load a module and exit, timed from spawn to exit. The kinds
 * are interleaved round by round (with a rotating order), so a burst of load on the machine hits
 * them all alike; one unrecorded round first warms the file cache.
 */

export interface ColdStartKind {
  readonly label: string;
  readonly args: readonly string[];
}

/** The floor: Node itself, doing nothing. */
export function floorKind(): ColdStartKind {
  return { label: 'node -e 0', args: ['-e', '0'] };
}

/** An ES module loaded the way Lambda loads an .mjs handler: a dynamic import. */
export function esmKind(label: string, file: string): ColdStartKind {
  const url = JSON.stringify(pathToFileURL(file).href);
  return { label, args: ['--input-type=module', '-e', `await import(${url});`] };
}

/** A CommonJS bundle, required as Lambda's runtime requires a .js handler. */
export function cjsKind(label: string, file: string): ColdStartKind {
  return { label, args: ['-e', `require(${JSON.stringify(file)});`] };
}

export interface ColdStartOptions {
  readonly runs: number;
  /** Given to every kind alike, e.g. the Lambda runtime's heap limits. */
  readonly nodeFlags: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

const RUN_TIMEOUT_MS = 30_000;

/** Spawn-to-exit milliseconds of each kind, `runs` times; a process that fails stops the bench. */
export function measureColdStarts(
  kinds: readonly ColdStartKind[],
  options: ColdStartOptions,
): Map<string, Summary> {
  const samples = new Map<string, number[]>(kinds.map((kind) => [kind.label, []]));
  for (let round = -1; round < options.runs; round++) {
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[(i + Math.max(0, round)) % kinds.length] as ColdStartKind;
      const ms = timeProcess(kind, options);
      if (round >= 0) samples.get(kind.label)?.push(ms);
    }
  }
  return new Map([...samples].map(([label, values]) => [label, summarize(values)]));
}

function timeProcess(kind: ColdStartKind, options: ColdStartOptions): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [...options.nodeFlags, ...kind.args], {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: RUN_TIMEOUT_MS,
  });
  const ms = performance.now() - started;
  if (result.status !== 0) {
    const why =
      result.error?.message ?? result.stderr.toString('utf8').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`cold start of "${kind.label}" exited with ${result.status ?? result.signal}: ${why}`);
  }
  return ms;
}
