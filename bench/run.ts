import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BundleResult, bundleHandler } from '../infra/bundle.js';
import { DEFAULT_LOG_RETENTION_DAYS, DEFAULT_SCHEDULE, parseSchedule } from '../infra/config.js';
import { DEFAULT_SAMPLE_TTL_DAYS } from '../lambda/adapters/dynamodb-store.js';
import { BALANCE_METRIC, SMS_METRIC } from '../lambda/adapters/telemetry.js';
import { Checker, DEFAULT_CONCURRENCY } from '../lambda/core/config.js';
import { DEFAULT_FORECAST_WINDOW_DAYS } from '../lambda/core/run-checks.js';
import { artifactSize, largestInputs, largestPackages } from './bundle-report.js';
import { takeCensus } from './census.js';
import { cjsKind, esmKind, floorKind, measureColdStarts } from './cold-init.js';
import {
  dynamoItemBytes,
  FULL_VCPU_MEMORY_MB,
  formatCostLine,
  lambdaDurationUsd,
  monthlyCost,
  PLATFORM_LOG_BYTES_PER_RUN,
  PRICES,
  quietRunUnits,
  runsPerMonth,
} from './cost.js';
import { benchAccounts, credentialParameters, functionEnv, lambdaNodeFlags } from './function-env.js';
import {
  type Invocation,
  invokeCold,
  type LocalServices,
  readStoredItems,
  seedSamples,
  startLocalServices,
} from './invocation.js';
import { buildPeerBundle, type PeerBundle } from './peer-bundle.js';
import { bytes, heading, kb, ms, print, printResults, type ResultName } from './print.js';
import { round1 } from './stats.js';

/**
 * `npm run bench`: cold init against Node's floor and the NodejsFunction-style peer, one full cold
 * invocation, scale over accounts, the artifact's size and the monthly bill, in one run on this
 * machine. Ends with `name: value` lines for tools. Everything listens on 127.0.0.1; servers and
 * files are removed at the end, or when interrupted.
 */

const COLD_START_RUNS = 30;
/** Each timed invocation is repeated in fresh processes: the fastest is reported, and the most memory. */
const INVOCATION_REPEATS = 3;
const SCALE_ACCOUNTS = [1, 10, 50] as const;
const PROVIDER_DELAY_MS = 100;
/** The function's memory size in the construct. */
const MEMORY_MB = 128;
/** An assumption: a warning, a critical notice, a top-up and a reminder in a month. */
const NOTIFICATIONS_PER_MONTH = 4;

type Results = Map<ResultName, number>;

interface Bench {
  readonly workDir: string;
  readonly homeDir: string;
  /** The Lambda runtime's heap limits for MEMORY_MB, given to every measured process. */
  readonly nodeFlags: readonly string[];
  readonly artifact: BundleResult;
  readonly peer: PeerBundle;
  readonly results: Results;
}

/** What the steady-state invocation left for the cost section. */
interface SteadyState {
  readonly run: Invocation;
  readonly samplesRead: number;
  readonly stateBytes: number;
  readonly sampleBytes: number;
}

async function main(): Promise<void> {
  // The bench's own clients (table setup, seeding) run on Node 20 here; their notice is noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'balance-monitor-bench-'));
  let peer: PeerBundle | undefined;
  let services: LocalServices | undefined;
  // Interrupted: the servers end with this process, but the files would stay behind.
  const interrupted = (): void => {
    peer?.remove();
    rmSync(workDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted).once('SIGHUP', interrupted);
  try {
    const homeDir = path.join(workDir, 'home');
    mkdirSync(homeDir);
    const nodeFlags = lambdaNodeFlags(MEMORY_MB);
    describeMachine(nodeFlags);
    const artifact = bundleHandler(path.join(workDir, 'artifact'));
    peer = buildPeerBundle();
    const bench: Bench = { workDir, homeDir, nodeFlags, artifact, peer, results: new Map() };

    coldInit(bench);
    services = await startLocalServices();
    const steady = await coldInvocation(bench, services);
    await scale(bench, services);
    bundle(bench);
    cost(bench, steady);
    printResults(bench.results);
  } finally {
    await services?.close();
    peer?.remove();
    rmSync(workDir, { recursive: true, force: true });
  }
}

function describeMachine(nodeFlags: readonly string[]): void {
  heading('Machine');
  const cpus = os.cpus();
  print(
    `${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length}, ${Math.round(os.totalmem() / 1024 ** 3)} GB RAM`,
  );
  print(`Node ${process.version} ${process.platform}/${process.arch} (Lambda runs nodejs24.x on arm64)`);
  print(
    `every measured process runs with the runtime's heap limits for ${MEMORY_MB} MB: ${nodeFlags.join(' ')}`,
  );
}

function coldInit(bench: Bench): void {
  heading(`Cold init (${COLD_START_RUNS} fresh processes each, interleaved; spawn to exit)`);
  const env = functionEnv({
    monitorConfig: { accounts: benchAccounts({ prefix: 'main', count: 1 }) },
    taskRoot: path.dirname(bench.artifact.outfile),
    homeDir: bench.homeDir,
  });
  const floor = floorKind();
  const shipped = esmKind('shipped bundle (ESM import)', bench.artifact.outfile);
  const peer = cjsKind('peer: NodejsFunction default (CJS require)', bench.peer.outfile);
  const starts = measureColdStarts([floor, shipped, peer], {
    runs: COLD_START_RUNS,
    env,
    cwd: bench.workDir,
    nodeFlags: bench.nodeFlags,
  });
  const floorTime = required(starts.get(floor.label));
  const shippedTime = required(starts.get(shipped.label));
  const peerTime = required(starts.get(peer.label));
  print(`${floor.label.padEnd(44)} min ${ms(floorTime.min)}  median ${ms(floorTime.median)}`);
  for (const [label, time] of [
    [shipped.label, shippedTime],
    [peer.label, peerTime],
  ] as const) {
    print(
      `${label.padEnd(44)} min ${ms(time.min)}  median ${ms(time.median)}   ` +
        `overhead min ${ms(time.min - floorTime.min)}, median ${ms(time.median - floorTime.median)}`,
    );
  }
  const overheadMin = shippedTime.min - floorTime.min;
  const peerOverheadMin = peerTime.min - floorTime.min;
  print(`shipped overhead / peer overhead (min): ${(overheadMin / peerOverheadMin).toFixed(2)}`);
  bench.results.set('init_overhead_ms_min', round1(overheadMin));
  bench.results.set('init_overhead_ms_median', round1(shippedTime.median - floorTime.median));
  bench.results.set('peer_init_overhead_ms_min', round1(peerOverheadMin));
}

/** Runs the artifact once in a fresh process for these accounts, and checks that every one was checked. */
async function invoke(
  bench: Bench,
  local: LocalServices,
  accounts: Array<Record<string, unknown>>,
  extra: Record<string, unknown> = {},
): Promise<Invocation> {
  for (const [name, value] of credentialParameters(accounts)) local.aws.parameters.set(name, value);
  const env = functionEnv({
    monitorConfig: { accounts, ...extra },
    taskRoot: path.dirname(bench.artifact.outfile),
    endpoints: local.endpoints,
    homeDir: bench.homeDir,
  });
  const run = await invokeCold(bench.artifact.outfile, env, bench.nodeFlags);
  assertAllChecked(run, accounts.length);
  return run;
}

/**
 * The run every scheduled invocation is after the first month: the state item exists and the
 * forecast query returns a full sample history.
 */
async function coldInvocation(bench: Bench, local: LocalServices): Promise<SteadyState> {
  heading('One full cold invocation (provider answers at once; steady state)');
  local.provider.setDefault({ kind: 'contract' });
  const account = benchAccounts({ prefix: 'main', count: 1, baseUrl: local.provider.origin });
  const accountName = String(account[0]?.name);
  const first = await invoke(bench, local, account);
  print(
    `first run (empty table): init + handler ${ms(first.totalMs)}, peak RSS ${first.peakRssMb.toFixed(1)} MB`,
  );
  const seeded = await seedSamples(local.dynamo, accountName, {
    days: DEFAULT_SAMPLE_TTL_DAYS,
    intervalMinutes: scheduleMinutes(),
    now: Date.now(),
  });
  print(
    `table holds the state item and ${seeded} samples (${DEFAULT_SAMPLE_TTL_DAYS} days at ${DEFAULT_SCHEDULE})`,
  );

  const runs: Invocation[] = [];
  for (let i = 0; i < INVOCATION_REPEATS; i++) runs.push(await invoke(bench, local, account));
  const run = runs.reduce((best, next) => (next.totalMs < best.totalMs ? next : best));
  const peakRssMb = Math.max(...runs.map((r) => r.peakRssMb));
  const logLines = run.stdout.split('\n').filter((line) => line.length > 0).length;
  print(`fastest of ${INVOCATION_REPEATS} fresh processes:`);
  print(`  init (process start to handler loaded)   ${ms(run.initMs)}`);
  print(`  handler                                  ${ms(run.handlerMs)}`);
  print(`  init + handler                           ${ms(run.totalMs)}   (spawn to exit: ${ms(run.wallMs)})`);
  print(`  CPU time (user + system)                 ${ms(run.cpuMs)}`);
  print(`  peak RSS (highest of ${INVOCATION_REPEATS})                   ${peakRssMb.toFixed(1)} MB`);
  print(
    `  log output                               ${Buffer.byteLength(run.stdout)} bytes in ${logLines} lines`,
  );
  bench.results.set('peak_rss_mb', round1(peakRssMb));
  bench.results.set('cold_invocation_ms', round1(run.totalMs));

  const stored = await readStoredItems(local.dynamo, accountName);
  const stateBytes = dynamoItemBytes(stored.state);
  const sampleBytes = dynamoItemBytes(stored.latestSample);
  print(`  stored items: state ${stateBytes} bytes, sample ${sampleBytes} bytes`);
  // A steady-state query returns the forecast window of the seeded history, and the run's own sample.
  const windowShare = Math.min(1, DEFAULT_FORECAST_WINDOW_DAYS / DEFAULT_SAMPLE_TTL_DAYS);
  return { run, samplesRead: Math.round(seeded * windowShare) + 1, stateBytes, sampleBytes };
}

async function scale(bench: Bench, local: LocalServices): Promise<void> {
  heading(`Scale (provider delays each answer by ${PROVIDER_DELAY_MS} ms; handler time, fresh process each)`);
  local.provider.setDefault({ kind: 'delay', ms: PROVIDER_DELAY_MS });
  // Fresh account names every time, so each run is the same first run of its accounts.
  const fastestRun = async (count: number, concurrency?: number): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < INVOCATION_REPEATS; i++) {
      const accounts = benchAccounts({
        prefix: `scale${count}c${concurrency ?? 'd'}r${i}`,
        count,
        baseUrl: local.provider.origin,
      });
      const run = await invoke(bench, local, accounts, concurrency === undefined ? {} : { concurrency });
      times.push(run.handlerMs);
    }
    return Math.min(...times);
  };
  const times = new Map<number, number>();
  for (const count of SCALE_ACCOUNTS) {
    times.set(count, await fastestRun(count));
    print(
      `${String(count).padStart(2)} account(s), concurrency ${DEFAULT_CONCURRENCY} (default): ${ms(required(times.get(count)))}`,
    );
  }
  const one = required(times.get(1));
  const fifty = required(times.get(50));
  print(`scale_50_over_1 at the default concurrency: ${(fifty / one).toFixed(2)}`);
  const wide = await fastestRun(50, 50);
  print(
    `50 accounts, concurrency 50 (for comparison): ${ms(wide)}, ${(wide / one).toFixed(2)} × one account`,
  );
  bench.results.set('scale_1_ms', round1(one));
  bench.results.set('scale_10_ms', round1(required(times.get(10))));
  bench.results.set('scale_50_ms', round1(fifty));
  bench.results.set('scale_50_over_1', Math.round((fifty / one) * 100) / 100);
}

function bundle(bench: Bench): void {
  heading('Bundle (the shipped artifact: entry and chunks)');
  const { artifact, peer } = bench;
  const size = artifactSize(artifact.files);
  print(`${size.files} files, ${bytes(size.bytes)} bytes, ${bytes(size.gzipBytes)} gzipped`);
  print(`loaded at cold start (entry + static chunks): ${bytes(artifact.initialBytes)} bytes`);
  print(`peer (NodejsFunction default, SDK not included): ${bytes(peer.bytes)} bytes`);
  print('largest input modules (bytes in output):');
  for (const input of largestInputs(artifact.metafile, 10)) print(`  ${kb(input.bytes)}  ${input.name}`);
  print('largest packages:');
  for (const pkg of largestPackages(artifact.metafile, 8)) print(`  ${kb(pkg.bytes)}  ${pkg.name}`);
  bench.results.set('bundle_bytes', size.bytes);
  bench.results.set('bundle_gzip_bytes', size.gzipBytes);
}

function cost(bench: Bench, steady: SteadyState): void {
  heading(`Monthly cost: ${DEFAULT_SCHEDULE}, one account, ${PRICES.region} list prices`);
  const census = takeCensus(path.join(bench.workDir, 'cdk.out'));
  const runs = runsPerMonth(scheduleMinutes());
  const { run, samplesRead, stateBytes, sampleBytes } = steady;
  const monthly = monthlyCost({
    runsPerMonth: runs,
    memoryMb: MEMORY_MB,
    billedMsPerRun: Math.ceil(run.totalMs),
    accounts: census.accounts,
    runUnits: quietRunUnits({ stateBytes, sampleBytes, samplesRead }),
    notificationsPerMonth: NOTIFICATIONS_PER_MONTH,
    tableBytes: samplesRead * sampleBytes + stateBytes,
    // The key and the hash of each account.
    parametersPerRun: 2 * census.accounts,
    customMetrics: [BALANCE_METRIC, SMS_METRIC].length * census.accounts,
    alarms: census.alarms,
    logBytesPerRun: Buffer.byteLength(run.stdout) + PLATFORM_LOG_BYTES_PER_RUN,
    logRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
    dashboards: census.dashboards,
  });
  print(
    `${bytes(runs)} runs in 30 days, each a cold start at ${MEMORY_MB} MB; ${census.alarms} alarms and ` +
      `${census.dashboards} dashboard counted in the synthesized template; ${NOTIFICATIONS_PER_MONTH} notices a month assumed.`,
  );
  print('Free tiers and email/SMS delivery fees are excluded.');
  for (const line of monthly.lines) print(formatCostLine(line));
  print(
    `${'total without the dashboard'.padEnd(38)} ${' '.repeat(57)}= ${monthly.totalUsd.toFixed(4).padStart(8)} USD`,
  );
  print(formatCostLine(monthly.dashboard));
  // At 128 MB Lambda gives the function a fraction of a vCPU: local wall time may understate the bill.
  const throttledMs = run.cpuMs * (FULL_VCPU_MEMORY_MB / MEMORY_MB);
  print(
    `sensitivity: were all ${ms(run.cpuMs)} of CPU run at ${MEMORY_MB} MB's share of a vCPU ` +
      `(${MEMORY_MB}/${FULL_VCPU_MEMORY_MB}), a run would last ${(throttledMs / 1000).toFixed(1)} s and ` +
      `Lambda duration would cost ${lambdaDurationUsd(runs, MEMORY_MB, throttledMs).toFixed(4)} USD a month`,
  );
  bench.results.set('monthly_cost_usd', Math.round(monthly.totalUsd * 10_000) / 10_000);
  bench.results.set('dashboard_monthly_usd', Math.round(monthly.dashboard.usd * 100) / 100);
}

/** The default schedule's interval; the cost and the seeded history both follow it. */
function scheduleMinutes(): number {
  const checker = new Checker();
  const schedule = parseSchedule(checker, 'schedule', DEFAULT_SCHEDULE);
  if (schedule.kind !== 'rate' || checker.errors.length > 0) {
    throw new Error(`the bench needs a rate() default schedule, got ${DEFAULT_SCHEDULE}`);
  }
  return schedule.intervalMinutes;
}

/** A run that did not check every account would look fast for the wrong reason. */
function assertAllChecked(run: Invocation, accounts: number): void {
  const finished = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((record) => record.message === 'run finished');
  if (finished?.checked !== accounts || finished.ok !== accounts) {
    throw new Error(`expected ${accounts} successful checks, the run reported: ${JSON.stringify(finished)}`);
  }
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('a measurement is missing');
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
