import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { STACK_NAME } from '../infra/balance-monitor-stack.js';
import { awsErrorMessage, awsErrorName } from '../lambda/adapters/aws-error.js';
import { isOutputKey, OUTPUTS, TEST_NOTICE_ACTION } from '../lambda/core/contract.js';
import type { TestNoticeResult } from '../lambda/core/test-notice.js';
import { type OptionTypes, readOptions } from '../lambda/entry/options.js';
import { PROCESS_OUTPUT, printFailure, printUsage, wantsJson, withClients, withHint } from './cli-output.js';
import { isMainModule, type ToolErrorKind } from './monitor-table.js';

/**
 * `npm run test-notice -- [--stack NAME] [--region R] [--json]`: after a deploy, sends one notice marked
 * TEST through every channel (email, SMS, https, chat) by invoking the deployed function with
 * {"action": "test-notice"}. The function is found from the stack's FunctionName output. A tool,
 * not part of the function: its CloudFormation and Lambda clients are development dependencies.
 */

export const TEST_NOTICE_USAGE = 'Usage: npm run test-notice -- [--stack NAME] [--region R] [--json]';

export interface TestNoticeArgs {
  readonly stack: string;
  readonly region?: string;
  /** One JSON object on stdout: the function's answer with ok and functionName, or the error. */
  readonly json?: boolean;
}

export type ParsedArgs =
  | { readonly ok: true; readonly args: TestNoticeArgs }
  | { readonly ok: false; readonly help: boolean; readonly errors: readonly string[] };

const TEST_NOTICE_OPTIONS: OptionTypes = {
  stack: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export function parseTestNoticeArgs(argv: readonly string[]): ParsedArgs {
  const read = readOptions(argv, TEST_NOTICE_OPTIONS, { allowPositionals: false });
  if (read.switches.has('help')) return { ok: false, help: true, errors: [] };
  const errors = read.problems.map((p) =>
    p.kind === 'needs-value'
      ? `${p.flag} needs a value`
      : `unknown argument ${JSON.stringify(p.kind === 'unknown' ? p.flag : p.argument)}`,
  );
  if (errors.length > 0) return { ok: false, help: false, errors };
  const stack = read.values.get('stack')?.at(-1) ?? STACK_NAME;
  const region = read.values.get('region')?.at(-1);
  const json = read.switches.has('json');
  return {
    ok: true,
    args: { stack, ...(region === undefined ? {} : { region }), ...(json ? { json } : {}) },
  };
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
  const json = args.json === true;
  const fail = (message: string, kind: ToolErrorKind = 'aws'): number =>
    printFailure({ kind, message }, json, output);
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
    const message = withHint(awsErrorMessage(error, 200));
    if (name === 'ValidationError' && /does not exist/.test(message)) {
      return fail(
        `stack ${args.stack} not found${where}: deploy it first (npx cdk deploy), or name it with --stack and its region with --region`,
        'stack',
      );
    }
    if (name === 'AccessDenied' || name === 'AccessDeniedException') {
      return fail(
        `the caller may not describe stack ${args.stack} (cloudformation:DescribeStacks)${where}`,
        'access',
      );
    }
    return fail(`could not describe stack ${args.stack}${where}: ${name}: ${message}`);
  }
  if (!functionName) {
    return fail(
      `stack ${args.stack} has no FunctionName output: is it the balance monitor's stack?`,
      'stack',
    );
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
      return fail(
        `the caller may not invoke function ${functionName} (lambda:InvokeFunction)${where}`,
        'access',
      );
    }
    if (name === 'ResourceNotFoundException') {
      return fail(`function ${functionName} of stack ${args.stack} was not found${where}`, 'stack');
    }
    return fail(`could not invoke ${functionName}: ${name}: ${withHint(awsErrorMessage(error, 200))}`);
  }
  const body = payload ? new TextDecoder().decode(payload) : '';
  if (functionError) {
    return fail(`function ${functionName} failed (${functionError}): ${body.slice(0, 500)}`);
  }
  let result: TestNoticeResult;
  try {
    result = JSON.parse(body) as TestNoticeResult;
  } catch {
    return fail(`function ${functionName} answered with something that is not JSON: ${body.slice(0, 200)}`);
  }
  if (result.action !== TEST_NOTICE_ACTION || !Array.isArray(result.deliveries)) {
    return fail(`function ${functionName} does not know the test notice yet: deploy the current version`);
  }
  if (json) {
    output.out(`${JSON.stringify({ ok: result.problems === 0, functionName, ...result })}\n`);
    return result.problems === 0 ? 0 : 1;
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

/** The command line, wired: parses, runs, prints; the exit code. */
export async function mainTestNotice(
  argv: readonly string[],
  output: ToolOutput,
  makeClients: (region: string | undefined) => TestNoticeClients = testNoticeClients,
): Promise<number> {
  const json = wantsJson(argv);
  const parsed = parseTestNoticeArgs(argv);
  if (!parsed.ok) return printUsage(parsed, TEST_NOTICE_USAGE, json, output);
  const { args } = parsed;
  return withClients(makeClients(args.region), json, output, (clients) =>
    runTestNotice(args, clients, output),
  );
}

function testNoticeClients(region: string | undefined): TestNoticeClients {
  const config = region === undefined ? {} : { region };
  return { cloudFormation: new CloudFormationClient(config), lambda: new LambdaClient(config) };
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await mainTestNotice(process.argv.slice(2), PROCESS_OUTPUT);
}
