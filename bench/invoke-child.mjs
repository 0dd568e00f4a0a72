// One cold invocation in a fresh Node process: load the artifact, call its handler once as Lambda
// would, and report the timings and resource usage on file descriptor 3 (stdout stays the function's
// log output, stderr its errors). Plain JavaScript: a TypeScript loader would add its own start-up
// time and memory to the figures.
import { writeSync } from 'node:fs';
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
writeSync(
  3,
  JSON.stringify({
    initMs,
    handlerMs: endMs - initMs,
    totalMs: endMs,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    maxRssKb: usage.maxRSS,
    ...(error === undefined ? {} : { error }),
  }),
);
// Keep-alive sockets of the SDK clients would hold the process open; Lambda freezes it instead.
process.exit(0);
