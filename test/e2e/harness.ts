import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { bundleHandler, writeMonitorConfig } from '../../infra/bundle.js';
import type { BalanceFields } from '../../lambda/adapters/sandbox-provider.js';
import {
  defaultCredentialsParameter,
  defaultHashParameter,
  defaultKeyParameter,
} from '../../lambda/core/config.js';
import {
  ACCOUNT_CHECKED_MESSAGE,
  accountPartitionKey,
  PARTITION_KEY,
  SORT_KEY,
  STATE_SORT_KEY,
} from '../../lambda/core/contract.js';
import type { HandlerResult } from '../../lambda/entry/handler.js';
import { type LocalDynamoDb, startDynalite } from '../../support/dynalite.js';
import { type LocalAws, startLocalAws } from '../../support/local-aws.js';
import { type ProviderServer, startProviderServer } from '../../support/provider-server.js';

/**
 * The end-to-end harness: the artifact `cdk deploy` ships (built by infra/bundle.ts, the one esbuild
 * configuration), run by plain `node` in its own process the way the Lambda runtime runs it, with
 * the real AWS SDK clients sent to local endpoints by the SDK's standard variables only:
 * AWS_ENDPOINT_URL_SSM and _SNS to local-aws, AWS_ENDPOINT_URL_DYNAMODB to local-aws passing
 * through to dynalite (so DynamoDB can fail on cue too), and the account's baseUrl to the fake
 * iletiMerkezi server. Each scenario gets its own copy of the artifact with its monitor-config.json
 * beside it, in a directory that is its LAMBDA_TASK_ROOT, as Lambda unpacks the asset.
 */

/** Distinctive, hex like the panel's: the secret scans look for exactly these. */
export const TEST_KEY = '5ec12e7a9b3c4d5e6f708192a3b4c5d6';
export const TEST_HASH = 'a7f3c9e1b5d2f8a4c6e0b9d3f7a1c5e9d2b6f0a8c4e7b1d5f9a3c7e2b8d4f6a0';
export const TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:balance-alerts';
export const REGION = 'eu-central-1';

/**
 * The function's timeout for runs that are not about the deadline: about what the stack gives
 * these configurations (the deadline plus a 15 s margin).
 */
export const DEFAULT_REMAINING_MS = 20_000;

const RUNNER = path.join(import.meta.dirname, 'lambda-runner.mjs');
const REPORT_KEY = 'lambdaRunner';

export interface RunnerError {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
}

export type RunnerReport =
  | { readonly type: 'ready'; readonly durationMs: number }
  | { readonly type: 'init-error'; readonly error: RunnerError }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly ok: true;
      readonly value: unknown;
      readonly durationMs: number;
    }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly ok: false;
      readonly error: RunnerError;
      readonly durationMs: number;
    }
  | { readonly type: 'timeout'; readonly id: number; readonly durationMs: number }
  /** Not from the runner: the process ended while the invocation was in flight. */
  | { readonly type: 'exited'; readonly id: number; readonly code: number | null }
  | { readonly type: 'unhandled-rejection' | 'uncaught-exception'; readonly error: RunnerError };

/** How one invocation ended: the handler's value, its error, or killed at the function's timeout. */
export type Invocation =
  | { readonly outcome: 'returned'; readonly value: RunSummary; readonly durationMs: number }
  | { readonly outcome: 'threw'; readonly error: RunnerError; readonly durationMs: number }
  | { readonly outcome: 'timed-out'; readonly durationMs: number }
  | { readonly outcome: 'died'; readonly code: number | null; readonly durationMs: 0 }
  | { readonly outcome: 'init-failed'; readonly error: RunnerError; readonly durationMs: 0 };

/** The handler's summary, as it returns it. */
export type RunSummary = HandlerResult;

/** One JSON line the function wrote (a log line, or EMF metrics within one). */
export type LogLine = Readonly<Record<string, unknown>>;

export interface InvokeOptions {
  /** What context.getRemainingTimeInMillis() starts at: the function's timeout. */
  readonly remainingMs?: number;
  readonly event?: unknown;
}

/** One Lambda sandbox: a Node process that loaded the bundle and serves invocations one at a time. */
export class FunctionProcess {
  /** The function's stdout lines that parsed as JSON, in order. */
  readonly logs: LogLine[] = [];
  /** The function's stdout lines that did not (there should be none). */
  readonly strayStdout: string[] = [];
  readonly stderr: string[] = [];
  readonly reports: RunnerReport[] = [];
  /** Resolves once the bundle has loaded, with the init error if it threw at load. */
  readonly ready: Promise<RunnerError | undefined>;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<number, (report: RunnerReport) => void>();
  private nextId = 1;

  constructor(bundleFile: string, env: Readonly<Record<string, string>>) {
    this.child = spawn(process.execPath, [RUNNER, bundleFile], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let signalReady: (error: RunnerError | undefined) => void = () => undefined;
    this.ready = new Promise((resolve) => {
      signalReady = resolve;
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const parsed = parseLine(line);
      if (parsed === undefined) {
        this.strayStdout.push(line);
        return;
      }
      const report = parsed[REPORT_KEY];
      if (report === undefined) {
        this.logs.push(parsed);
        return;
      }
      const r = report as RunnerReport;
      this.reports.push(r);
      if (r.type === 'ready') signalReady(undefined);
      if (r.type === 'init-error') signalReady(r.error);
      if (r.type === 'result' || r.type === 'timeout') this.waiting.get(r.id)?.(r);
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => this.stderr.push(line));
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': every line the process wrote has been read by then.
      this.child.on('close', (code) => {
        signalReady({ name: 'Exit', message: `the process exited with ${code}`, stack: '' });
        for (const [id, settle] of this.waiting) settle({ type: 'exited', id, code });
        resolve(code);
      });
    });
  }

  /** Invokes the handler once and waits for how it ended. */
  async invoke(options: InvokeOptions = {}): Promise<Invocation> {
    const initError = await this.ready;
    if (initError) return { outcome: 'init-failed', error: initError, durationMs: 0 };
    const id = this.nextId++;
    const report = new Promise<RunnerReport>((resolve) => this.waiting.set(id, resolve));
    const command = {
      invoke: {
        id,
        remainingMs: options.remainingMs ?? DEFAULT_REMAINING_MS,
        event: options.event ?? SCHEDULER_EVENT,
      },
    };
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    const r = await report;
    this.waiting.delete(id);
    if (r.type === 'result' && r.ok) {
      return { outcome: 'returned', value: r.value as RunSummary, durationMs: r.durationMs };
    }
    if (r.type === 'result') return { outcome: 'threw', error: r.error, durationMs: r.durationMs };
    if (r.type === 'timeout') return { outcome: 'timed-out', durationMs: r.durationMs };
    return { outcome: 'died', code: r.type === 'exited' ? r.code : null, durationMs: 0 };
  }

  /** Ends the sandbox (stdin closed: the runner exits once the invocation in flight is done). */
  async stop(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Unhandled rejections and uncaught exceptions the process reported. */
  crashes(): RunnerReport[] {
    return this.reports.filter((r) => r.type === 'unhandled-rejection' || r.type === 'uncaught-exception');
  }

  /** The one "account checked" line per account, of every invocation so far. */
  accountLines(account?: string): LogLine[] {
    return this.logs.filter(
      (line) =>
        line.message === ACCOUNT_CHECKED_MESSAGE && (account === undefined || line.account === account),
    );
  }

  /** Everything this process said, for the secret scans. */
  transcript(): string[] {
    return [
      ...this.logs.map((line) => JSON.stringify(line)),
      ...this.strayStdout,
      ...this.stderr,
      ...this.reports.map((r) => JSON.stringify(r)),
    ];
  }
}

/** What EventBridge Scheduler sends the target (the handler ignores it; it is the realistic shape). */
export const SCHEDULER_EVENT = {
  version: '0',
  id: '7f2c0a1e-6a1e-4a43-9b4b-2f6f3c1a9d10',
  'detail-type': 'Scheduled Event',
  source: 'aws.scheduler',
  account: '123456789012',
  time: '2026-11-27T06:00:00Z',
  region: REGION,
  resources: ['arn:aws:scheduler:eu-central-1:123456789012:schedule/default/balance-monitor'],
  detail: '{}',
};

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export interface AccountOptions {
  readonly name: string;
  /** The account's own iletiMerkezi (from suite.provider()); default: the scenario's. */
  readonly provider?: ProviderServer;
  readonly thresholds?: Record<string, unknown>;
  readonly policy?: Record<string, unknown>;
}

export interface ScenarioOptions {
  /** Default: one account "main", warning at 100 TL, critical at 25 TL. */
  readonly accounts?: readonly AccountOptions[];
  /** The monitor-wide alert policy (per-account policies go on the accounts). */
  readonly policy?: Record<string, unknown>;
  /** What the provider answers with a valid request. Default 500 TL: OK. */
  readonly balance?: BalanceFields;
  /** Store the accounts' key and hash in SSM. Default true. */
  readonly storeCredentials?: boolean;
  /**
   * How they are stored: one combined SecureString, as the credentials command writes it
   * (default), or the key and hash pair of monitors deployed before it.
   */
  readonly credentialsLayout?: 'combined' | 'pair';
  /** Short by default (1 s per attempt, 2.5 s per account), so a fault costs the suite little time. */
  readonly attemptTimeoutMs?: number;
  readonly deadlineMs?: number;
  /** Accounts checked at the same time (default 5, as deployed). */
  readonly concurrency?: number;
  /** Per-account EMF metrics (default off, as deployed). */
  readonly accountMetrics?: boolean;
}

export interface StartOptions {
  /** Variables to set (a string) or remove (undefined) for this process only. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** This text as monitor-config.json instead of the scenario's, or null for no file at all. */
  readonly monitorConfig?: string | null;
}

export interface RunOptions extends InvokeOptions, StartOptions {}

/** One cold start, one invocation, the sandbox ended. */
export interface Run {
  readonly invocation: Invocation;
  readonly fn: FunctionProcess;
  readonly exitCode: number | null;
}

export interface Scenario {
  readonly provider: ProviderServer;
  readonly aws: LocalAws;
  readonly tableName: string;
  readonly accounts: readonly string[];
  /** The function's environment, as the stack would set it (endpoints aside). */
  readonly env: Readonly<Record<string, string>>;
  /** Starts a sandbox; invoke it as often as wanted, then stop it. */
  start(options?: StartOptions): Promise<FunctionProcess>;
  /** A cold start and one invocation. */
  run(options?: RunOptions): Promise<Run>;
  /** The `kind` attribute of every accepted publish, in order. */
  publishedKinds(): string[];
  close(): Promise<void>;
}

export interface E2eSuite {
  readonly bundleFile: string;
  readonly dynalite: LocalDynamoDb;
  /** Every process, publish and invocation of the suite, for the secret scan. */
  transcript(): string[];
  scenario(options?: ScenarioOptions): Promise<Scenario>;
  /** Another fake iletiMerkezi that knows the test credentials, for an account of its own. */
  provider(): Promise<ProviderServer>;
  /** The account's alert state as the function left it in DynamoDB, read straight from dynalite. */
  storedState(scenario: Scenario, account?: string): Promise<StoredAlertState | undefined>;
  close(): Promise<void>;
}

export interface StoredAlertState {
  readonly version: number;
  readonly state: {
    readonly level: string;
    readonly lastBalance?: { readonly amount: number; readonly sms: number };
    readonly failures?: { readonly kind: string; readonly count: number; readonly noticeAt?: string };
    readonly pending?: {
      readonly notification: { readonly kind: string };
      readonly attempts: number;
      readonly channels?: Readonly<Record<string, { readonly status: string; readonly attempts: number }>>;
    };
  };
}

/** Builds the artifact into a fresh temporary directory and starts dynalite; one per test file. */
export async function startE2eSuite(): Promise<E2eSuite> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'balance-monitor-e2e-'));
  const bundleDir = path.join(workDir, 'lambda');
  const bundle = bundleHandler(bundleDir);
  let taskRoots = 0;
  /** A fresh copy of the artifact with this configuration file (or none) beside it. */
  const taskRoot = (configJson: string | null): string => {
    const dir = path.join(workDir, `task-${++taskRoots}`);
    cpSync(bundleDir, dir, { recursive: true });
    if (configJson !== null) writeMonitorConfig(dir, configJson);
    return dir;
  };
  const dynalite = await startDynalite();
  const scenarios: Scenario[] = [];
  const processes: FunctionProcess[] = [];
  const providers: ProviderServer[] = [];
  const startProvider = async (balance?: BalanceFields): Promise<ProviderServer> => {
    const provider = await startProviderServer({
      credentials: { key: TEST_KEY, hash: TEST_HASH },
      balance: balance ?? { amount: 500, sms: 3300 },
    });
    providers.push(provider);
    return provider;
  };
  let tableNumber = 0;

  const scenario = async (options: ScenarioOptions = {}): Promise<Scenario> => {
    const tableName = `balance-monitor-e2e-${++tableNumber}`;
    await dynalite.createTable(tableName);
    const provider = await startProvider(options.balance);
    const aws = await startLocalAws({ dynamoDbUpstream: dynalite.endpoint });
    const accounts = options.accounts ?? [{ name: 'main' }];
    if (options.storeCredentials ?? true) {
      for (const account of accounts) {
        if (options.credentialsLayout === 'pair') {
          aws.parameters.set(defaultKeyParameter(account.name), TEST_KEY);
          aws.parameters.set(defaultHashParameter(account.name), TEST_HASH);
        } else {
          aws.parameters.set(
            defaultCredentialsParameter(account.name),
            JSON.stringify({ key: TEST_KEY, hash: TEST_HASH }),
          );
        }
      }
    }
    const config = {
      accounts: accounts.map((account) => ({
        name: account.name,
        baseUrl: (account.provider ?? provider).origin,
        thresholds: account.thresholds ?? { warning: { amount: 100 }, critical: { amount: 25 } },
        ...(account.policy ? { policy: account.policy } : {}),
      })),
      // The forecast needs hours of history; these runs are seconds apart, so it stays out of the way.
      policy: { forecastDays: 0, ...options.policy },
      attemptTimeoutMs: options.attemptTimeoutMs ?? 1_000,
      deadlineMs: options.deadlineMs ?? 2_500,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.accountMetrics === undefined ? {} : { accountMetrics: options.accountMetrics }),
    };
    const scenarioRoot = taskRoot(JSON.stringify(config));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      LAMBDA_TASK_ROOT: scenarioRoot,
      TOPIC_ARN,
      TABLE_NAME: tableName,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: 'balance-monitor',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      // What the Lambda role's session looks like to the SDK; local endpoints ignore the signature.
      AWS_ACCESS_KEY_ID: 'ASIAE2ETESTFAKEKEY00',
      AWS_SECRET_ACCESS_KEY: 'e2e-fake-secret-access-key-not-a-real-one',
      AWS_SESSION_TOKEN: 'e2e-fake-session-token',
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ENDPOINT_URL_SNS: aws.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: aws.endpoint,
      // No shared config or credentials file of this machine may steer the SDK.
      AWS_CONFIG_FILE: path.join(workDir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, 'no-aws-credentials'),
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };

    const start = async (runOptions: StartOptions = {}): Promise<FunctionProcess> => {
      const root = runOptions.monitorConfig === undefined ? scenarioRoot : taskRoot(runOptions.monitorConfig);
      const merged: Record<string, string> = { ...env, LAMBDA_TASK_ROOT: root };
      for (const [name, value] of Object.entries(runOptions.env ?? {})) {
        if (value === undefined) delete merged[name];
        else merged[name] = value;
      }
      const fn = new FunctionProcess(path.join(root, path.basename(bundle.outfile)), merged);
      processes.push(fn);
      await fn.ready;
      return fn;
    };

    const created: Scenario = {
      provider,
      aws,
      tableName,
      accounts: accounts.map((a) => a.name),
      env,
      start,
      async run(runOptions: RunOptions = {}): Promise<Run> {
        const fn = await start(runOptions);
        const invocation = await fn.invoke(runOptions);
        const exitCode = await fn.stop();
        return { invocation, fn, exitCode };
      },
      publishedKinds: () => aws.publishes.map((p) => p.messageAttributes.kind?.value ?? '?'),
      close: () => aws.close(),
    };
    scenarios.push(created);
    return created;
  };

  return {
    bundleFile: bundle.outfile,
    dynalite,
    scenario,
    provider: () => startProvider(),
    async storedState(target: Scenario, account = 'main'): Promise<StoredAlertState | undefined> {
      const { Item } = await dynalite.client.send(
        new GetItemCommand({
          TableName: target.tableName,
          Key: {
            [PARTITION_KEY]: { S: accountPartitionKey(account) },
            [SORT_KEY]: { S: STATE_SORT_KEY },
          },
          ConsistentRead: true,
        }),
      );
      if (!Item?.state?.S) return undefined;
      return { version: Number(Item.version?.N), state: JSON.parse(Item.state.S) };
    },
    transcript: () => [
      ...processes.flatMap((fn) => fn.transcript()),
      ...scenarios.flatMap((s) => s.aws.publishes.map((p) => JSON.stringify(p))),
    ],
    async close(): Promise<void> {
      for (const fn of processes) fn.kill();
      await Promise.all([...scenarios.map((s) => s.close()), ...providers.map((p) => p.close())]);
      await dynalite.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on: an endpoint that refuses every connection. */
export async function closedPortEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * The secret as it would appear in text: plain (any case), URL-encoded (every byte as %XX, either
 * hex case, besides encodeURIComponent's own form), and inside base64 at any byte offset.
 */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const percent = [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  const forms = [secret, secret.toUpperCase(), encodeURIComponent(secret), percent, percent.toUpperCase()];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // Only the characters that encode the secret's bytes alone, whatever surrounds it.
    const from = Math.ceil((offset * 8) / 6);
    const to = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = encoded.slice(from, to);
    forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...new Set(forms)];
}

const SECRET_FORMS = [...secretForms(TEST_KEY), ...secretForms(TEST_HASH)];

/** The texts that hold the test key or hash in any form, each cut to a short excerpt around it. */
export function leakedSecrets(texts: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const text of texts) {
    for (const form of SECRET_FORMS) {
      const at = text.indexOf(form);
      if (at >= 0) leaks.push(`…${text.slice(Math.max(0, at - 60), at + form.length + 20)}…`);
    }
  }
  return leaks;
}
