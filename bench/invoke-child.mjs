// One cold invocation in a fresh Node process: load the artifact, call its handler once as Lambda
// would, and report the timings and resource usage on file descriptor 3 (stdout stays the function's
// log output, stderr its errors). Plain JavaScript: a TypeScript loader would add its own start-up
// time and memory to the figures.
import { readFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [artifact] = process.argv.slice(2);
if (!artifact) throw new Error('usage: node invoke-child.mjs <artifact.mjs>');

// performance.now() counts from the start of this process, so `initMs` includes Node's own boot.
const { handler } = await import(pathToFileURL(artifact).href);
const initMs = performance.now();
let error;
try {
  await handler({}, { getRemainingTimeInMillis: () => 30_000 });
} catch (thrown) {
  error = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}
const endMs = performance.now();
const usage = process.resourceUsage();
/**
 * Peak RSS of this process image. getrusage's maxRSS is no use on Linux: the kernel carries the
 * high-water mark of the forked parent's memory across exec, so a child of a large bench process
 * would report the parent's size. /proc's VmHWM starts afresh with the new image.
 */
function peakRssKb() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // Not Linux: maxRSS is the best there is.
  }
  return usage.maxRSS;
}
writeSync(
  3,
  JSON.stringify({
    initMs,
    handlerMs: endMs - initMs,
    totalMs: endMs,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    maxRssKb: peakRssKb(),
    ...(error === undefined ? {} : { error }),
  }),
);
// The function's log lines may still be queued on the pipe (hundreds of accounts write faster
// than the reader drains): Lambda keeps them, so exiting must not drop them.
await new Promise((resolve) => process.stdout.write('', resolve));
// Keep-alive sockets of the SDK clients would hold the process open; Lambda freezes it instead.
process.exit(0);
