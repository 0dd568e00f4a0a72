import path from 'node:path';
import { writeMonitorConfig } from '../infra/bundle.js';
import { SANDBOX_CREDENTIALS } from '../lambda/adapters/sandbox-provider.js';
import { defaultCredentialsParameter } from '../lambda/core/config.js';
import { ENV } from '../lambda/core/contract.js';

/**
 * The environment of a measured Node process: what the Lambda function gets from the stack, plus
 * local endpoints and fake credentials. Built from scratch, so nothing of the bench's own process
 * (NODE_OPTIONS, tsx's loader, a developer's AWS profile) leaks into the figures.
 */

export const TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:balance-alerts';
export const TABLE_NAME = 'balance-monitor-bench';
export const REGION = 'eu-central-1';

export interface LocalEndpoints {
  readonly ssm: string;
  readonly sns: string;
  readonly dynamodb: string;
}

export interface AccountsOptions {
  readonly prefix: string;
  readonly count: number;
  /** Omitted: the default base URL (enough for a process that only loads the module). */
  readonly baseUrl?: string;
}

/** Account names in config order; thresholds well below the sandbox balance, so runs stay quiet. */
export function benchAccounts(options: AccountsOptions): Array<Record<string, unknown>> {
  return Array.from({ length: options.count }, (_, i) => ({
    name: `${options.prefix}-${String(i + 1).padStart(2, '0')}`,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    thresholds: { warning: { amount: 100, sms: 500 }, critical: { amount: 25 } },
  }));
}

/**
 * The SSM parameters the accounts read, as the credentials command writes them: one SecureString
 * each, holding the sandbox provider's key and hash.
 */
export function credentialParameters(accounts: ReadonlyArray<Record<string, unknown>>): Map<string, string> {
  const parameters = new Map<string, string>();
  const value = JSON.stringify({ key: SANDBOX_CREDENTIALS.key, hash: SANDBOX_CREDENTIALS.hash });
  for (const account of accounts) parameters.set(defaultCredentialsParameter(String(account.name)), value);
  return parameters;
}

/**
 * The heap limits the Lambda Node.js runtime's bootstrap passes to node for a memory size: a tenth
 * for the young generation (half of it per semi-space), the rest for the old one. Small semi-spaces
 * mean frequent scavenges, so peak RSS here resembles what Lambda reports.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

export interface FunctionEnvOptions {
  readonly monitorConfig: Record<string, unknown>;
  /** The artifact's directory: monitor-config.json is written there, as the stack writes it into the asset. */
  readonly taskRoot: string;
  readonly endpoints?: LocalEndpoints;
  /** A directory without AWS config files: Lambda has none either. */
  readonly homeDir: string;
}

export function functionEnv(options: FunctionEnvOptions): NodeJS.ProcessEnv {
  const { endpoints } = options;
  writeMonitorConfig(options.taskRoot, JSON.stringify(options.monitorConfig));
  return {
    PATH: process.env.PATH ?? '',
    HOME: options.homeDir,
    AWS_CONFIG_FILE: path.join(options.homeDir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(options.homeDir, 'aws-credentials'),
    [ENV.taskRoot]: options.taskRoot,
    [ENV.topicArn]: TOPIC_ARN,
    [ENV.tableName]: TABLE_NAME,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALBENCH',
    AWS_SECRET_ACCESS_KEY: 'local-bench-secret',
    // Node 20 here; Lambda runs nodejs24.x, where the SDK prints no such notice.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
    ...(endpoints
      ? {
          AWS_ENDPOINT_URL_SSM: endpoints.ssm,
          AWS_ENDPOINT_URL_SNS: endpoints.sns,
          AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
        }
      : {}),
  };
}
