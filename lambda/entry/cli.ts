#!/usr/bin/env node
import { getBalance } from '../adapters/iletimerkezi.js';
import { SANDBOX_CREDENTIALS, startProviderServer } from '../adapters/sandbox-provider.js';
import { DEFAULT_ATTEMPT_TIMEOUT_MS } from '../core/config.js';
import { checkOutput, type PluginOutput, usageOutput } from '../core/plugin-output.js';
import { fail, failure } from '../core/types.js';
import { type CheckRequest, HELP, parseCommand, USAGE } from './cli-args.js';

/**
 * `npm start -- [flags]`: one balance check now, as a monitoring plugin. Wiring only: the rules
 * live in cli-args.ts (flags, environment) and core/plugin-output.ts (verdict, exit code).
 */

async function check(request: CheckRequest): Promise<PluginOutput> {
  const options = {
    attemptTimeoutMs: Math.min(DEFAULT_ATTEMPT_TIMEOUT_MS, request.timeoutMs),
    deadlineMs: request.timeoutMs,
  };
  if (!request.sandbox && request.credentials) {
    const outcome = await getBalance(request.baseUrl, request.credentials, options);
    return checkOutput({ sandbox: false, thresholds: request.thresholds, outcome }, request.json);
  }
  const provider = await startProviderServer({ credentials: SANDBOX_CREDENTIALS });
  try {
    const outcome = await getBalance(provider.origin, SANDBOX_CREDENTIALS, options);
    return checkOutput({ sandbox: true, thresholds: request.thresholds, outcome }, request.json);
  } finally {
    await provider.close();
  }
}

async function main(argv: readonly string[]): Promise<PluginOutput> {
  const command = parseCommand(argv, process.env);
  if (command.kind === 'help') return { exitCode: 0, text: `${HELP}\n` };
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

const output = await main(process.argv.slice(2));
process.stdout.write(output.text);
process.exitCode = output.exitCode;
