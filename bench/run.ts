import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BundleResult, bundleHandler } from '../infra/bundle.js';
import { DEFAULT_LOG_RETENTION_DAYS, DEFAULT_SCHEDULE, parseSchedule } from '../infra/config.js';
import { Checker, DEFAULT_CONCURRENCY } from '../lambda/core/config.js';
import { HISTORY_HOURS } from '../lambda/core/history.js';
import { artifactSize, largestInputs, largestPackages } from './bundle-report.js';
import { type Census, takeCensus } from './census.js';
import { cjsKind, esmKind, floorKind, measureColdStarts } from './cold-init.js';
import {
  dynamoItemBytes,
  emfMetrics,
  FULL_VCPU_MEMORY_MB,
  formatCostLine,
  itemRunUnits,
  lambdaDurationUsd,
  type MonthlyCost,
  monthlyCost,
  PLATFORM_LOG_BYTES_PER_RUN,
  PRICES,
  quietRunUnits,
  type RunUnits,
  runsPerMonth,
  strongReadUnits,
} from './cost.js';
import { benchAccounts, credentialParameters, functionEnv, lambdaNodeFlags } from './function-env.js';
import {
  type Invocation,
  invokeCold,
  type LocalServices,
  readStateItem,
  seedHistory,
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
const SCALE_ACCOUNTS = [1, 10, 50, 500] as const;
/** The bills printed beside the one-account bill. */
const BILL_ACCOUNTS = [50, 500] as const;
const PROVIDER_DELAY_MS = 100;
/** The function's memory size in the construct for one account (the template's own figure is used per count). */
const MEMORY_MB = 128;
/** Memory sizes tried, smallest first, when a run's peak RSS is above 80 % of the construct's. */
const MEMORY_STEPS_MB = [160, 192, 256, 512] as const;
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

/** What a measured invocation asked of SSM and DynamoDB, per account. */
interface Calls {
  readonly decryptsPerAccount: number;
  readonly dynamoRequestsPerAccount: number;
}

/** What the steady-state invocation left for the cost section. */
interface SteadyState {
  readonly run: Invocation;
  readonly calls: Calls;
  /** The account's one item, state and a week's history. */
  readonly itemBytes: number;
}

/** The fastest of the repeated runs at one account count, and what they used. */
interface ScaleRun {
  readonly run: Invocation;
  readonly peakRssMb: number;
  readonly calls: Calls;
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
    const censuses = new Map<number, Census>(
      [1, ...BILL_ACCOUNTS].map((accounts) => [
        accounts,
        takeCensus(path.join(workDir, `cdk.out-${accounts}`), accounts === 1 ? undefined : accounts),
      ]),
    );
    const steady = await coldInvocation(bench, services);
    const scaled = await scale(bench, services, censuses);
    bundle(bench);
    cost(bench, steady, scaled, censuses);
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
  nodeFlags: readonly string[] = bench.nodeFlags,
): Promise<{ run: Invocation; calls: Calls }> {
  for (const [name, value] of credentialParameters(accounts)) local.aws.parameters.set(name, value);
  const env = functionEnv({
    monitorConfig: { accounts, ...extra },
    taskRoot: path.dirname(bench.artifact.outfile),
    endpoints: local.endpoints,
    homeDir: bench.homeDir,
  });
  const decryptsBefore = local.aws.decrypts();
  const callsBefore = local.aws.calls.length;
  const run = await invokeCold(bench.artifact.outfile, env, nodeFlags);
  assertAllChecked(run, accounts.length);
  const dynamoRequests = local.aws.calls
    .slice(callsBefore)
    .filter((c) => ['BatchGetItem', 'GetItem', 'PutItem', 'Query'].includes(c.operation)).length;
  return {
    run,
    calls: {
      decryptsPerAccount: (local.aws.decrypts() - decryptsBefore) / accounts.length,
      dynamoRequestsPerAccount: dynamoRequests / accounts.length,
    },
  };
}

/**
 * The run every scheduled invocation is after the first week: the state item exists and holds a
 * full week of hourly history.
 */
async function coldInvocation(bench: Bench, local: LocalServices): Promise<SteadyState> {
  heading('One full cold invocation (provider answers at once; steady state)');
  local.provider.setDefault({ kind: 'contract' });
  const account = benchAccounts({ prefix: 'main', count: 1, baseUrl: local.provider.origin });
  const accountName = String(account[0]?.name);
  const first = (await invoke(bench, local, account)).run;
  print(
    `first run (empty table): init + handler ${ms(first.totalMs)}, peak RSS ${first.peakRssMb.toFixed(1)} MB`,
  );
  const days = HISTORY_HOURS / 24;
  const seeded = await seedHistory(local.dynamo, accountName, {
    days,
    intervalMinutes: scheduleMinutes(),
    now: Date.now(),
  });
  print(
    `state item holds the history of ${seeded} readings (${days} days at ${DEFAULT_SCHEDULE}, one bucket an hour)`,
  );

  const runs: Array<{ run: Invocation; calls: Calls }> = [];
  for (let i = 0; i < INVOCATION_REPEATS; i++) runs.push(await invoke(bench, local, account));
  const { run, calls } = runs.reduce((best, next) => (next.run.totalMs < best.run.totalMs ? next : best));
  const peakRssMb = Math.max(...runs.map((r) => r.run.peakRssMb));
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

  const itemBytes = dynamoItemBytes(await readStateItem(local.dynamo, accountName));
  const units = itemRunUnits(itemBytes);
  print(
    `  stored item: state and history ${itemBytes} bytes: ${units.readUnits} RRU (batched GetItem, strongly consistent) + ` +
      `${units.writeUnits} WRU (conditional PutItem) a run`,
  );
  print(
    `  DynamoDB requests a run: ${calls.dynamoRequestsPerAccount}; KMS decrypts a run (counted by the local SSM): ${calls.decryptsPerAccount}`,
  );
  // For comparison: a week of samples queried beside the state, as releases that kept samples did.
  const before = quietRunUnits({ stateBytes: 400, sampleBytes: 90, samplesRead: seeded + 1 });
  print(
    `  (releases that kept samples: 3 requests, ${before.readUnits} RRU + ${before.writeUnits} WRU a run for the same week)`,
  );
  bench.results.set('dynamodb_requests_per_account_run', calls.dynamoRequestsPerAccount);
  bench.results.set('read_units_per_account_run', units.readUnits);
  return { run, calls, itemBytes };
}

async function scale(
  bench: Bench,
  local: LocalServices,
  censuses: ReadonlyMap<number, Census>,
): Promise<Map<number, ScaleRun>> {
  heading(`Scale (provider delays each answer by ${PROVIDER_DELAY_MS} ms; handler time, fresh process each)`);
  local.provider.setDefault({ kind: 'delay', ms: PROVIDER_DELAY_MS });
  // Fresh account names every time, so each run is the same first run of its accounts.
  const fastestRun = async (count: number, concurrency?: number, memoryMb = MEMORY_MB): Promise<ScaleRun> => {
    const runs: Array<{ run: Invocation; calls: Calls }> = [];
    for (let i = 0; i < INVOCATION_REPEATS; i++) {
      const accounts = benchAccounts({
        prefix: `scale${count}c${concurrency ?? 'd'}m${memoryMb}r${i}`,
        count,
        baseUrl: local.provider.origin,
      });
      runs.push(
        await invoke(
          bench,
          local,
          accounts,
          concurrency === undefined ? {} : { concurrency },
          lambdaNodeFlags(memoryMb),
        ),
      );
    }
    const fastest = runs.reduce((best, next) => (next.run.handlerMs < best.run.handlerMs ? next : best));
    return { ...fastest, peakRssMb: Math.max(...runs.map((r) => r.run.peakRssMb)) };
  };
  const memoryOf = (count: number): number => censuses.get(count)?.memoryMb ?? MEMORY_MB;
  const runs = new Map<number, ScaleRun>();
  const time = (count: number): number => required(runs.get(count)).run.handlerMs;
  for (const count of SCALE_ACCOUNTS) {
    runs.set(count, await fastestRun(count, undefined, memoryOf(count)));
    print(
      `${String(count).padStart(2)} account(s), concurrency ${DEFAULT_CONCURRENCY} (default): ${ms(time(count))}`,
    );
  }
  const one = time(1);
  const fifty = time(50);
  const fiveHundred = required(runs.get(500));
  print(`scale_50_over_1 at the default concurrency: ${(fifty / one).toFixed(2)}`);
  const wide = (await fastestRun(50, 50)).run.handlerMs;
  print(
    `50 accounts, concurrency 50 (for comparison): ${ms(wide)}, ${(wide / one).toFixed(2)} × one account`,
  );
  const memory500 = memoryOf(500);
  print(
    `500 accounts: ${ms(fiveHundred.run.handlerMs)} (${(fiveHundred.run.handlerMs / one).toFixed(1)} × one account), ` +
      `init + handler ${ms(fiveHundred.run.totalMs)}, CPU ${ms(fiveHundred.run.cpuMs)}, peak RSS ${fiveHundred.peakRssMb.toFixed(1)} MB ` +
      `of the construct's ${memory500} MB (${Math.round((fiveHundred.peakRssMb / memory500) * 100)} %); ` +
      `${fiveHundred.calls.dynamoRequestsPerAccount} DynamoDB requests and ${fiveHundred.calls.decryptsPerAccount} decrypts per account`,
  );
  if (fiveHundred.peakRssMb > 0.8 * memory500) {
    // Over the 80 % line: the smallest memory size that keeps it under, with that size's heap limits.
    for (const memoryMb of MEMORY_STEPS_MB.filter((m) => m > memory500)) {
      const peak = (await fastestRun(500, undefined, memoryMb)).peakRssMb;
      print(
        `  at ${memoryMb} MB (its heap limits): peak RSS ${peak.toFixed(1)} MB (${Math.round((peak / memoryMb) * 100)} %)`,
      );
      if (peak <= 0.8 * memoryMb) {
        print(`  500 accounts need ${memoryMb} MB to stay under 80 % of the function's memory`);
        break;
      }
    }
  }
  bench.results.set('scale_1_ms', round1(one));
  bench.results.set('scale_10_ms', round1(time(10)));
  bench.results.set('scale_50_ms', round1(fifty));
  bench.results.set('scale_50_over_1', Math.round((fifty / one) * 100) / 100);
  bench.results.set('scale_500_ms', round1(fiveHundred.run.handlerMs));
  bench.results.set('scale_500_over_1', Math.round((fiveHundred.run.handlerMs / one) * 100) / 100);
  bench.results.set('peak_rss_mb_500', round1(fiveHundred.peakRssMb));
  return runs;
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

interface Bill {
  readonly accounts: number;
  readonly monthly: MonthlyCost;
  readonly note: string;
}

/**
 * One month of runs for `accounts` accounts: Lambda time, log bytes and custom metrics from the
 * measured run, DynamoDB units from the steady-state item, decrypts as the local SSM counted them,
 * alarms and dashboards from the synthesized template.
 */
function bill(
  census: Census,
  accounts: number,
  run: Invocation,
  calls: Calls,
  runUnits: RunUnits,
  itemBytes: number,
): Bill {
  const runs = runsPerMonth(scheduleMinutes());
  const monthly = monthlyCost({
    runsPerMonth: runs,
    memoryMb: census.memoryMb,
    billedMsPerRun: Math.ceil(run.totalMs),
    accounts,
    runUnits,
    notificationsPerMonth: NOTIFICATIONS_PER_MONTH * accounts,
    tableBytes: accounts * itemBytes,
    parametersPerRun: calls.decryptsPerAccount * accounts,
    customMetrics: emfMetrics(run.stdout),
    alarms: census.alarms,
    logBytesPerRun: Buffer.byteLength(run.stdout) + PLATFORM_LOG_BYTES_PER_RUN,
    logRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
    dashboards: census.dashboards,
  });
  const alarms = census.extrapolated
    ? `${census.alarms} alarms extrapolated from the 1- and 2-account templates (synth refuses ${accounts}: ${census.extrapolated})`
    : `${census.alarms} alarms and ${census.dashboards} dashboard counted in the synthesized template`;
  return {
    accounts,
    monthly,
    note: `${bytes(runs)} runs in 30 days, each a cold start at ${census.memoryMb} MB; ${alarms}; ${NOTIFICATIONS_PER_MONTH} notices a month per account assumed.`,
  };
}

function printBill(title: string, b: Bill): void {
  heading(title);
  print(b.note);
  print('Free tiers and email/SMS delivery fees are excluded.');
  for (const line of b.monthly.lines) print(formatCostLine(line));
  print(
    `${'total without the dashboard'.padEnd(38)} ${' '.repeat(57)}= ${b.monthly.totalUsd.toFixed(4).padStart(8)} USD`,
  );
  print(formatCostLine(b.monthly.dashboard));
}

function cost(
  bench: Bench,
  steady: SteadyState,
  scaled: ReadonlyMap<number, ScaleRun>,
  censuses: ReadonlyMap<number, Census>,
): void {
  const runUnits = itemRunUnits(steady.itemBytes);
  const one = bill(required(censuses.get(1)), 1, steady.run, steady.calls, runUnits, steady.itemBytes);
  printBill(`Monthly cost: ${DEFAULT_SCHEDULE}, one account, ${PRICES.region} list prices`, one);
  const runs = runsPerMonth(scheduleMinutes());
  const { run } = steady;
  // At 128 MB Lambda gives the function a fraction of a vCPU: local wall time may understate the bill.
  const throttledMs = run.cpuMs * (FULL_VCPU_MEMORY_MB / MEMORY_MB);
  print(
    `sensitivity: were all ${ms(run.cpuMs)} of CPU run at ${MEMORY_MB} MB's share of a vCPU ` +
      `(${MEMORY_MB}/${FULL_VCPU_MEMORY_MB}), a run would last ${(throttledMs / 1000).toFixed(1)} s and ` +
      `Lambda duration would cost ${lambdaDurationUsd(runs, MEMORY_MB, throttledMs).toFixed(4)} USD a month`,
  );
  bench.results.set('monthly_cost_usd', Math.round(one.monthly.totalUsd * 10_000) / 10_000);
  bench.results.set('dashboard_monthly_usd', Math.round(one.monthly.dashboard.usd * 100) / 100);

  const bills = new Map<number, Bill>();
  for (const accounts of BILL_ACCOUNTS) {
    const measured = required(scaled.get(accounts));
    const b = bill(
      required(censuses.get(accounts)),
      accounts,
      measured.run,
      measured.calls,
      runUnits,
      steady.itemBytes,
    );
    bills.set(accounts, b);
    printBill(
      `Monthly cost: ${DEFAULT_SCHEDULE}, ${accounts} accounts (the scale run's time, provider at ${PROVIDER_DELAY_MS} ms)`,
      b,
    );
  }
  const fiveHundred = required(bills.get(500));
  const marginal = (fiveHundred.monthly.totalUsd - one.monthly.totalUsd) / 499;
  print(
    `what one more account adds a month, (500-account bill − 1-account bill) / 499: ${marginal.toFixed(4)} USD ` +
      `(read units a run ${strongReadUnits(steady.itemBytes)}, write units ${runUnits.writeUnits}, decrypts ${steady.calls.decryptsPerAccount})`,
  );
  bench.results.set(
    'monthly_cost_usd_50',
    Math.round(required(bills.get(50)).monthly.totalUsd * 10_000) / 10_000,
  );
  bench.results.set('monthly_cost_usd_500', Math.round(fiveHundred.monthly.totalUsd * 10_000) / 10_000);
  bench.results.set('marginal_account_usd', Math.round(marginal * 10_000) / 10_000);
}

/** The default schedule's interval; the cost and the seeded history both follow it. */
function scheduleMinutes(): number {
  const checker = new Checker();
  const schedule = parseSchedule(checker, 'schedule', DEFAULT_SCHEDULE);
  if (schedule.kind !== 'rate' || !checker.ok) {
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
