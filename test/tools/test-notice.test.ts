import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseTestNoticeArgs, runTestNotice } from '../../tools/test-notice.js';
import { synthTemplate } from '../infra/fixture.js';

const cloudFormationMock = mockClient(CloudFormationClient);
const lambdaMock = mockClient(LambdaClient);
const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };
const clients = {
  cloudFormation: new CloudFormationClient({ region: 'eu-central-1', credentials }),
  lambda: new LambdaClient({ region: 'eu-central-1', credentials }),
};
const ARGS = { stack: 'IletiMerkeziBalanceMonitor', region: 'eu-central-1' };
const FUNCTION = 'IletiMerkeziBalanceMonitor-BalanceMonitorFunction1A2B3C4D-abcdefgh';
const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:IletiMerkeziBalanceMonitor-Topic';

/** The output keys the stack really has: the tool must find the function among them. */
const { template } = synthTemplate();
const OUTPUT_KEYS = Object.keys(template.toJSON().Outputs as Record<string, unknown>);

const RESULT = {
  action: 'test-notice',
  at: '2026-11-27T11:05:00.000Z',
  subject: '[TEST] iletiMerkezi balance monitor: test notice',
  deliveries: [{ channel: 'topic', topicArn: TOPIC, protocols: ['email', 'sms', 'https'], published: true }],
  problems: 0,
};

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

function stackWithOutputs() {
  cloudFormationMock.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: ARGS.stack,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date('2026-11-01T00:00:00Z'),
        Outputs: OUTPUT_KEYS.map((key) => ({
          OutputKey: key,
          OutputValue: /FunctionName/.test(key) ? FUNCTION : 'other',
        })),
      },
    ],
  });
}

const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

beforeEach(() => {
  cloudFormationMock.reset();
  lambdaMock.reset();
});

describe('npm run test-notice', () => {
  it('finds the function from the stack outputs and invokes it with the test-notice event', async () => {
    stackWithOutputs();
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(RESULT) as never });
    const { out, output } = capture();

    expect(await runTestNotice(ARGS, clients, output)).toBe(0);
    expect(OUTPUT_KEYS.filter((key) => /FunctionName/.test(key))).toHaveLength(1);
    expect(cloudFormationMock).toHaveReceivedCommandExactlyOnceWith(DescribeStacksCommand, {
      StackName: ARGS.stack,
    });
    expect(lambdaMock).toHaveReceivedCommandExactlyOnceWith(InvokeCommand, {
      FunctionName: FUNCTION,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode('{"action":"test-notice"}'),
    });
    expect(out.join('')).toContain(`topic ${TOPIC} (email, sms, https): published`);
  });

  it('says so when the stack does not exist, naming it and the region', async () => {
    cloudFormationMock
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    const { err, output } = capture();

    expect(await runTestNotice({ ...ARGS, stack: 'Nope' }, clients, output)).toBe(1);
    expect(err.join('')).toMatch(/^error: stack Nope not found in eu-central-1: deploy it first/);
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
  });

  it('says so when the caller may not invoke the function', async () => {
    stackWithOutputs();
    lambdaMock.on(InvokeCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), {
        name: 'AccessDeniedException',
      }),
    );
    const { err, output } = capture();

    expect(await runTestNotice(ARGS, clients, output)).toBe(1);
    expect(err.join('')).toBe(
      `error: the caller may not invoke function ${FUNCTION} (lambda:InvokeFunction) in eu-central-1\n`,
    );
  });

  it('says so when the caller may not describe the stack', async () => {
    cloudFormationMock
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const { err, output } = capture();

    expect(await runTestNotice(ARGS, clients, output)).toBe(1);
    expect(err.join('')).toContain('may not describe stack IletiMerkeziBalanceMonitor');
  });

  it('fails, listing each topic, when a topic refused the notice', async () => {
    stackWithOutputs();
    const refused = {
      ...RESULT,
      deliveries: [
        { ...RESULT.deliveries[0], published: false, error: 'SNS Publish failed: AuthorizationError' },
      ],
      problems: 1,
    };
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(refused) as never });
    const { out, output } = capture();

    expect(await runTestNotice(ARGS, clients, output)).toBe(1);
    expect(out.join('')).toContain('REFUSED: SNS Publish failed: AuthorizationError');
  });

  it('reports a function error with its payload', async () => {
    stackWithOutputs();
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorMessage: 'boom' }) as never,
    });
    const { err, output } = capture();

    expect(await runTestNotice(ARGS, clients, output)).toBe(1);
    expect(err.join('')).toContain('failed (Unhandled): {"errorMessage":"boom"}');
  });

  it('tells an older deployment that does not know the test notice from a working one', async () => {
    stackWithOutputs();
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ checked: 1 }) as never });
    const { err, output } = capture();

    expect(await runTestNotice(ARGS, clients, output)).toBe(1);
    expect(err.join('')).toContain('does not know the test notice yet');
  });
});

describe('npm run test-notice --json', () => {
  it('prints the function answer as one JSON object with ok and the function name', async () => {
    stackWithOutputs();
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(RESULT) as never });
    const { out, err, output } = capture();

    expect(await runTestNotice({ ...ARGS, json: true }, clients, output)).toBe(0);
    expect(err).toEqual([]);
    expect(JSON.parse(out.join(''))).toEqual({ ok: true, functionName: FUNCTION, ...RESULT });
  });

  it('prints one JSON object with the error, naming the region to pass, when no region is set', async () => {
    cloudFormationMock.on(DescribeStacksCommand).rejects(new Error('Region is missing'));
    const { out, err, output } = capture();

    expect(await runTestNotice({ stack: ARGS.stack, json: true }, clients, output)).toBe(1);
    expect(err).toEqual([]);
    expect(JSON.parse(out.join(''))).toEqual({
      ok: false,
      error: {
        kind: 'aws',
        message:
          'could not describe stack IletiMerkeziBalanceMonitor: Error: Region is missing: pass --region R (e.g. --region eu-central-1) or set AWS_REGION',
      },
    });
  });
});

describe('test-notice arguments', () => {
  it('take --json', () => {
    expect(parseTestNoticeArgs(['--json'])).toEqual({
      ok: true,
      args: { stack: 'IletiMerkeziBalanceMonitor', json: true },
    });
  });

  it('default to the stack of cdk.json and the SDK region', () => {
    expect(parseTestNoticeArgs([])).toEqual({ ok: true, args: { stack: 'IletiMerkeziBalanceMonitor' } });
  });

  it('take --stack and --region', () => {
    expect(parseTestNoticeArgs(['--stack', 'Other', '--region', 'eu-west-1'])).toEqual({
      ok: true,
      args: { stack: 'Other', region: 'eu-west-1' },
    });
  });

  it('refuse unknown arguments and a flag without its value', () => {
    expect(parseTestNoticeArgs(['--stak', 'x', '--region'])).toEqual({
      ok: false,
      help: false,
      errors: ['unknown argument "--stak"', 'unknown argument "x"', '--region needs a value'],
    });
  });
});
