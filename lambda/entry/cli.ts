#!/usr/bin/env node
import { getBalance } from '../adapters/iletimerkezi.js';
import { SANDBOX_CREDENTIALS, startSandboxProvider } from '../adapters/sandbox-provider.js';
import { checkOutput, helpOutput, type PluginOutput, usageOutput } from '../core/plugin-output.js';
import { createRedactor, redactOutcome } from '../core/redact.js';
import { fail, failure } from '../core/types.js';
import { type CheckRequest, HELP, parseCommand, USAGE } from './cli-args.js';

/**
 * `npm start -- [flags]`: one balance check now, as a monitoring plugin. Wiring only: the rules
 * live in cli-args.ts (flags, environment) and core/plugin-output.ts (verdict, exit code).
 */

async function check(request: CheckRequest): Promise<PluginOutput> {
  const options = { attemptTimeoutMs: request.attemptTimeoutMs, deadlineMs: request.timeoutMs };
  if (!request.sandbox && request.credentials) {
    const { key, hash } = request.credentials;
    const outcome = redactOutcome(
      await getBalance(request.baseUrl, request.credentials, options),
      createRedactor([key, hash]),
    );
    return checkOutput({ sandbox: false, thresholds: request.thresholds, outcome }, request.json);
  }
  const provider = await startSandboxProvider({ credentials: SANDBOX_CREDENTIALS });
  try {
    const outcome = await getBalance(provider.origin, SANDBOX_CREDENTIALS, options);
    return checkOutput({ sandbox: true, thresholds: request.thresholds, outcome }, request.json);
  } finally {
    await provider.close();
  }
}

async function main(argv: readonly string[]): Promise<PluginOutput> {
  const command = parseCommand(argv, process.env);
  if (command.kind === 'help') return helpOutput(HELP, command.json);
  if (command.kind === 'usage-error') return usageOutput(command.message, USAGE, command.json);
  try {
    return await check(command.request);
  } catch {
    // The client never throws; only the sandbox server failing to start can land here.
    const outcome = fail(failure('config', 'could not start the local sandbox provider on 127.0.0.1'));
    return checkOutput(
      { sandbox: true, thresholds: command.request.thresholds, outcome },
      command.request.json,
    );
  }
}

/** Whatever happens, a monitoring host gets a status line (or, with --json, one JSON object). */
async function safely(argv: readonly string[]): Promise<PluginOutput> {
  try {
    return await main(argv);
  } catch {
    const json = argv.some((arg) => arg === '--json' || arg.startsWith('--json='));
    const outcome = fail(failure('config', 'the local command failed unexpectedly'));
    return checkOutput({ sandbox: false, thresholds: {}, outcome }, json);
  }
}

const output = await safely(process.argv.slice(2));
// A reader that closed its end early (`| head`) has taken what it wanted: the exit code still tells
// the check's status, instead of an unhandled EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});
process.stdout.write(output.text);
process.exitCode = output.exitCode;
