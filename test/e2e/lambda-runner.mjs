/**
 * Runs a built Lambda bundle the way the Node.js runtime does: import the module once (the INIT
 * phase: a throw here is an init error), then call its exported `handler(event, context)` for each
 * invocation asked for on stdin, with a context whose getRemainingTimeInMillis counts down to the
 * function's timeout. A handler still running at that timeout is killed, as Lambda kills it.
 *
 * Plain JavaScript, run with `node`: nothing between the test and the artifact but this file.
 * stdin:  one JSON command per line, {"invoke":{"id":1,"remainingMs":8000,"event":{…}}}; EOF ends.
 * stdout: the handler's own lines, and this runner's reports, each {"lambdaRunner":{…}}.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const REPORT_KEY = 'lambdaRunner';

function report(record) {
  // Synchronous on a pipe on Linux, so nothing is lost when the process exits right after.
  process.stdout.write(`${JSON.stringify({ [REPORT_KEY]: record })}\n`);
}

function describeError(error) {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack ?? '' };
  }
  return { name: typeof error, message: String(error), stack: '' };
}

// The Node.js runtime crashes the sandbox on either; here they are reported so a test can fail on them.
process.on('unhandledRejection', (reason) =>
  report({ type: 'unhandled-rejection', error: describeError(reason) }),
);
process.on('uncaughtException', (error) =>
  report({ type: 'uncaught-exception', error: describeError(error) }),
);

async function invoke(handler, { id, remainingMs, event }) {
  const started = Date.now();
  const deadline = started + remainingMs;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'balance-monitor',
    awsRequestId: randomUUID(),
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const killer = setTimeout(() => {
    report({ type: 'timeout', id, durationMs: Date.now() - started });
    process.exit(124);
  }, remainingMs);
  try {
    const value = await handler(event, context);
    report({ type: 'result', id, ok: true, value, durationMs: Date.now() - started });
  } catch (error) {
    report({ type: 'result', id, ok: false, error: describeError(error), durationMs: Date.now() - started });
  } finally {
    clearTimeout(killer);
  }
}

async function main() {
  const [bundle] = process.argv.slice(2);
  if (!bundle) {
    report({ type: 'init-error', error: { name: 'UsageError', message: 'usage: lambda-runner <bundle>' } });
    process.exitCode = 2;
    return;
  }
  const initStarted = Date.now();
  let handler;
  try {
    const module = await import(pathToFileURL(bundle).href);
    handler = module.handler;
    if (typeof handler !== 'function') throw new TypeError('the bundle exports no handler function');
  } catch (error) {
    report({ type: 'init-error', error: describeError(error), durationMs: Date.now() - initStarted });
    process.exitCode = 1;
    return;
  }
  report({ type: 'ready', durationMs: Date.now() - initStarted });

  // One invocation at a time, as one Lambda sandbox serves them.
  let queue = Promise.resolve();
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = JSON.parse(line);
    if (command.invoke) queue = queue.then(() => invoke(handler, command.invoke));
  });
  // Lambda freezes the sandbox once the last response is out; open sockets do not keep it alive.
  lines.on('close', () => queue.then(() => process.exit(0)));
}

await main();
