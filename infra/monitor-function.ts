import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ArnFormat,
  AssetHashType,
  Aws,
  CfnRule,
  DockerImage,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ConfigError, credentialParameterNames, type MonitorConfig } from '../lambda/core/config.js';
import { ENV } from '../lambda/core/contract.js';
import { bundleHandler, HANDLER_NAME, REPO_ROOT, writeMonitorConfig } from './bundle.js';
import {
  compactMonitorConfig,
  externalParameterNames,
  kmsKeyRegion,
  MAX_LAMBDA_TIMEOUT_SECONDS,
  OWNED_PARAMETER_PATH,
  runSecondsNeeded,
  type StackConfig,
} from './config.js';
import { nagFinding } from './nag-finding.js';
import { bindStateTable } from './state-table.js';

/**
 * The function with its log group, its role and its environment: each thing it reads or writes is
 * granted where the variable naming it is set (bindStateTable, bindTopic), so the two cannot drift.
 */

/** Lambda allows 4 KB for all environment variables of a function together. */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;
/**
 * Accounts are checked `concurrency` at a time, each within `deadlineMs`, so the run's worst case
 * is one deadline per wave, plus a margin (see runSecondsNeeded; synth refuses more than Lambda's
 * 15 minutes).
 */
export function functionTimeoutSeconds(monitor: MonitorConfig): number {
  return Math.min(MAX_LAMBDA_TIMEOUT_SECONDS, runSecondsNeeded(monitor));
}

/** Up to this many accounts the smallest memory Lambda offers is enough. */
export const SMALL_MEMORY_ACCOUNTS = 100;
/**
 * The function's memory for this configuration: the peak RSS of a run grows by about 0.09 MB an
 * account (npm run bench: 65 MB for one, 110 MB for 500, 86 % of 128 MB). Above 100 accounts the
 * function gets 160 MB, where 500 accounts peak at 107 MB (67 %); the extra 32 MB cost about
 * 0.006 USD a month at 500 accounts. More memory only costs more.
 */
export function functionMemoryMb(monitor: MonitorConfig): number {
  return monitor.accounts.length <= SMALL_MEMORY_ACCOUNTS ? 128 : 160;
}

export interface MonitorFunctionProps {
  readonly config: StackConfig;
  /** A prebuilt artifact (tests); by default the handler is bundled with the configuration beside it. */
  readonly code?: lambda.Code;
  /** The customer-managed KMS key of the SecureString parameters, if not the AWS-managed aws/ssm key. */
  readonly parameterKey?: kms.IKey;
  readonly topic: sns.ITopic;
  /** The chat channels' topic, when any are configured. */
  readonly chatTopic?: sns.ITopic;
  readonly table: dynamodb.ITable;
}

export interface MonitorFunction {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/** May publish to the topic, and finds it in the variable `name`. */
export function bindTopic(role: iam.IRole, name: string, topic: sns.ITopic): Record<string, string> {
  topic.grantPublish(role);
  return { [name]: topic.topicArn };
}

/** The function, in `scope` (its logical ids are the construct's own). */
export function createMonitorFunction(scope: Construct, props: MonitorFunctionProps): MonitorFunction {
  const { config, parameterKey } = props;
  const { monitor } = config;
  checkKeyRegion(scope, parameterKey);

  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: config.logRetentionDays as logs.RetentionDays,
  });

  const role = new iam.Role(scope, 'FunctionRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'iletiMerkezi balance monitor: its logs, the credential parameters, its table and topic.',
  });
  // The log group's ARN ends in ":*", which covers its log streams.
  logGroup.grantWrite(role);
  const ownedParameters = grantCredentialParameters(role, monitor, parameterKey);
  const table = bindStateTable(role, props.table);
  const topic = bindTopic(role, ENV.topicArn, props.topic);
  const chat = props.chatTopic ? bindTopic(role, ENV.chatTopicArn, props.chatTopic) : {};

  const fn = new lambda.Function(scope, 'Function', {
    description: 'Checks the iletiMerkezi balances and notifies the topic.',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: functionMemoryMb(monitor),
    timeout: Duration.seconds(functionTimeoutSeconds(monitor)),
    handler: HANDLER_NAME,
    // The configuration rides in the asset (monitor-config.json): the environment stays two
    // names, whatever the number of accounts.
    code: props.code ?? handlerCode(JSON.stringify(compactMonitorConfig(monitor))),
    role,
    logGroup,
    // Each deploy of new code publishes a version for the check alias; the one it replaces goes.
    currentVersionOptions: { removalPolicy: RemovalPolicy.DESTROY },
    environment: { ...topic, ...chat, ...table },
  });
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagFinding(scope, ownedParameters)}]`,
    reason:
      `The path ${OWNED_PARAMETER_PATH} holds the credentials of the accounts this monitor checks, so one ARN ` +
      'covers any number of accounts; parameters elsewhere are granted one exact ARN each.',
  });
  Validations.of(fn).acknowledge(
    {
      id: 'Serverless-LambdaDLQ',
      reason:
        'The rule looks only for the older dead-letter setting: an asynchronous invocation the function fails ' +
        'three times (a check run or a weekly digest) goes to the dead-letter queue through an on-failure ' +
        'destination, which also records the error, and the dead-letters alarm tells the subscribers.',
    },
    {
      id: 'Serverless-LambdaTracing',
      reason:
        'One short run per interval, described by its structured log lines and metrics; X-Ray would add cost.',
    },
  );
  return { fn, role, logGroup };
}

/**
 * Everything below the path this monitor owns, and exactly the parameters kept elsewhere: one
 * statement whose size does not grow with the accounts that use the default names. Returns the
 * owned path's ARN (its wildcard is acknowledged to cdk-nag).
 */
function grantCredentialParameters(
  role: iam.IRole,
  monitor: MonitorConfig,
  parameterKey: kms.IKey | undefined,
): string {
  const stack = Stack.of(role);
  const external = externalParameterNames(monitor.accounts.flatMap(credentialParameterNames));
  const ownedParameters = parameterArn(stack, `${OWNED_PARAMETER_PATH}*`);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadCredentialParameters',
      actions: ['ssm:GetParameters'],
      resources: [ownedParameters, ...external.map((p) => parameterArn(stack, p))],
    }),
  );
  if (parameterKey) {
    // Under the AWS-managed aws/ssm key no grant is needed: "The AWS managed key for Parameter Store
    // (aws/ssm) grants Decrypt permission to all IAM principals in the AWS account" (Systems Manager
    // user guide, Restricting decryption of SecureString parameter values).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptCredentialParameters',
        actions: ['kms:Decrypt'],
        resources: [parameterKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` } },
      }),
    );
  }
  return ownedParameters;
}

/**
 * Hash of everything that shapes the artifact, the configuration included, so an unchanged
 * handler is not re-uploaded and a changed configuration is a new asset (and a new deployment).
 */
function artifactHash(configJson: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(path.join(REPO_ROOT, 'lambda'), { recursive: true, encoding: 'utf8' })
    .map((file) => path.join('lambda', file))
    .filter((file) => file.endsWith('.ts'))
    .sort();
  for (const file of [...files, 'package-lock.json', path.join('infra', 'bundle.ts')]) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(REPO_ROOT, file)))
      .update('\0');
  }
  hash.update('monitor-config\0').update(configJson);
  return hash.digest('hex');
}

function handlerCode(configJson: string): lambda.Code {
  return lambda.Code.fromAsset(path.join(REPO_ROOT, 'lambda'), {
    assetHash: artifactHash(configJson),
    assetHashType: AssetHashType.CUSTOM,
    bundling: {
      // Required by the API, never pulled: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('node:24'),
      local: {
        tryBundle(outputDir: string): boolean {
          bundleHandler(outputDir);
          writeMonitorConfig(outputDir, configJson);
          return true;
        },
      },
    },
  });
}

/**
 * Parameter Store decrypts with a key of its own region: a key of another region synthesizes,
 * deploys, and fails every run. Refused at synth when both regions are known; for a stack without
 * a region, a template rule refuses the deployment before any resource is created.
 */
function checkKeyRegion(scope: Construct, key: kms.IKey | undefined): void {
  const stack = Stack.of(scope);
  if (!key || Token.isUnresolved(key.keyArn)) return;
  const region = kmsKeyRegion(key.keyArn);
  if (region === undefined) return;
  if (Token.isUnresolved(stack.region)) {
    new CfnRule(scope, 'ParameterKeyInStackRegion', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, region),
          assertDescription: `parameterKmsKeyArn: the key is in ${region}; deploy the stack there, or use a key of the stack's region`,
        },
      ],
    });
    return;
  }
  if (region !== stack.region) {
    throw new ConfigError('BalanceMonitor props', [
      {
        path: 'parameterKmsKeyArn',
        message:
          `the key is in ${region}, the stack in ${stack.region}; Parameter Store decrypts only with a key ` +
          "of its own region: use a key (or a multi-Region replica) in the stack's region",
      },
    ]);
  }
}

function parameterArn(stack: Stack, parameterName: string): string {
  return stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: parameterName.replace(/^\//, ''),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
