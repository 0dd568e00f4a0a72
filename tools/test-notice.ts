import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { STACK_NAME } from '../infra/balance-monitor-stack.js';
import { awsErrorMessage, awsErrorName } from '../lambda/adapters/aws-error.js';
import { isOutputKey, OUTPUTS, TEST_NOTICE_ACTION } from '../lambda/core/contract.js';
import type { TestNoticeResult } from '../lambda/core/test-notice.js';

/**
 * `npm run test-notice -- [--stack NAME] [--region R]`: after a deploy, sends one notice marked
 * TEST through every channel (email, SMS, https, chat) by invoking the deployed function with
 * {"action": "test-notice"}. The function is found from the stack's FunctionName output. A tool,
 * not part of the function: its CloudFormation and Lambda clients are development dependencies.
 */

export const TEST_NOTICE_USAGE = 'Usage: npm run test-notice -- [--stack NAME] [--region R]';

export interface TestNoticeArgs {
  readonly stack: string;
  readonly region?: string;
}

export type ParsedArgs =
  | { readonly ok: true; readonly args: TestNoticeArgs }
  | { readonly ok: false; readonly help: boolean; readonly errors: readonly string[] };

export function parseTestNoticeArgs(argv: readonly string[]): ParsedArgs {
  const errors: string[] = [];
  let stack = STACK_NAME;
  let region: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { ok: false, help: true, errors: [] };
    if (arg === '--stack' || arg === '--region') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        errors.push(`${arg} needs a value`);
        continue;
      }
      i++;
      if (arg === '--stack') stack = value;
      else region = value;
      continue;
    }
    errors.push(`unknown argument ${JSON.stringify(arg)}`);
  }
  if (errors.length > 0) return { ok: false, help: false, errors };
  return { ok: true, args: region === undefined ? { stack } : { stack, region } };
}

export interface TestNoticeClients {
  readonly cloudFormation: CloudFormationClient;
  readonly lambda: LambdaClient;
}

export interface ToolOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Finds the function, invokes it, prints what was published where; the exit code. */
export async function runTestNotice(
  args: TestNoticeArgs,
  clients: TestNoticeClients,
  output: ToolOutput,
): Promise<number> {
  const where = args.region ? ` in ${args.region}` : '';
  let functionName: string | undefined;
  try {
    const { Stacks } = await clients.cloudFormation.send(
      new DescribeStacksCommand({ StackName: args.stack }),
    );
    functionName = Stacks?.[0]?.Outputs?.find((o) =>
      isOutputKey(o.OutputKey ?? '', OUTPUTS.functionName),
    )?.OutputValue;
  } catch (error) {
    const name = awsErrorName(error);
    const message = awsErrorMessage(error, 200);
    if (name === 'ValidationError' && /does not exist/.test(message)) {
      output.err(
        `error: stack ${args.stack} not found${where}: deploy it first (npx cdk deploy), or name it with --stack and its region with --region\n`,
      );
    } else if (name === 'AccessDenied' || name === 'AccessDeniedException') {
      output.err(
        `error: the caller may not describe stack ${args.stack} (cloudformation:DescribeStacks)${where}\n`,
      );
    } else {
      output.err(`error: could not describe stack ${args.stack}${where}: ${name}: ${message}\n`);
    }
    return 1;
  }
  if (!functionName) {
    output.err(`error: stack ${args.stack} has no FunctionName output: is it the balance monitor's stack?\n`);
    return 1;
  }

  let payload: Uint8Array | undefined;
  let functionError: string | undefined;
  try {
    const response = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify({ action: TEST_NOTICE_ACTION })),
      }),
    );
    payload = response.Payload;
    functionError = response.FunctionError;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'AccessDeniedException') {
      output.err(
        `error: the caller may not invoke function ${functionName} (lambda:InvokeFunction)${where}\n`,
      );
    } else if (name === 'ResourceNotFoundException') {
      output.err(`error: function ${functionName} of stack ${args.stack} was not found${where}\n`);
    } else {
      output.err(`error: could not invoke ${functionName}: ${name}: ${awsErrorMessage(error, 200)}\n`);
    }
    return 1;
  }
  const body = payload ? new TextDecoder().decode(payload) : '';
  if (functionError) {
    output.err(`error: function ${functionName} failed (${functionError}): ${body.slice(0, 500)}\n`);
    return 1;
  }
  let result: TestNoticeResult;
  try {
    result = JSON.parse(body) as TestNoticeResult;
  } catch {
    output.err(
      `error: function ${functionName} answered with something that is not JSON: ${body.slice(0, 200)}\n`,
    );
    return 1;
  }
  if (result.action !== TEST_NOTICE_ACTION || !Array.isArray(result.deliveries)) {
    output.err(
      `error: function ${functionName} does not know the test notice yet: deploy the current version\n`,
    );
    return 1;
  }
  output.out(`Test notice "${result.subject}" (${result.at}) from ${functionName}:\n`);
  for (const d of result.deliveries) {
    const state = d.published ? 'published' : `REFUSED: ${d.error ?? 'unknown error'}`;
    output.out(`  ${d.channel} ${d.topicArn} (${d.protocols.join(', ')}): ${state}\n`);
  }
  output.out(
    result.problems === 0
      ? 'Check that every subscriber got it; an email or https subscription still pending confirmation gets nothing.\n'
      : `${result.problems} topic(s) refused the notice: see the function's log.\n`,
  );
  return result.problems === 0 ? 0 : 1;
}

function isMainModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  const parsed = parseTestNoticeArgs(process.argv.slice(2));
  if (!parsed.ok) {
    if (parsed.help) process.stdout.write(`${TEST_NOTICE_USAGE}\n`);
    else
      process.stderr.write(`${parsed.errors.map((e) => `error: ${e}`).join('\n')}\n${TEST_NOTICE_USAGE}\n`);
    process.exitCode = parsed.help ? 0 : 2;
  } else {
    const config = parsed.args.region === undefined ? {} : { region: parsed.args.region };
    const clients = { cloudFormation: new CloudFormationClient(config), lambda: new LambdaClient(config) };
    process.exitCode = await runTestNotice(parsed.args, clients, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
    clients.cloudFormation.destroy();
    clients.lambda.destroy();
  }
}
