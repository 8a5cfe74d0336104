// `npm run bench -- [--users N] [--months N] [--series] [--runs N] [--threads N]
//                   [--memory-limit SIZE] [--out DIR]`
//
// Measures `streamflow ingest` (the compiled bin, one child process per run) against the
// DuckDB floors of the same CSVs (floors.ts: read_csv → Parquet, and the cheapest plain-SQL
// way to write what the contract requires; each a child process, same library and
// settings), on generated months and on the real month_000. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { resolveSettings } from '../src/config';
import { FIRST_AS_OF, monthEndAfter, monthFolderName } from '../src/contract/months';
import { type Engine, openEngine, quoteLiteral } from '../src/engine/duckdb';
import { INGEST_TASKS } from '../src/flow/ingest';
import { loadMonth } from '../src/load';
import { measureMonth } from '../src/validate/metrics';
import { attachWarehouse } from '../src/warehouse/catalog';
import { warehouseLayout } from '../src/warehouse/layout';
import { CHURN } from '../tools/churn-contract';
import { DEFAULT_SEED, generateMonths } from '../tools/seeds/generate';
import {
  CONTRACT_FLOOR_TEXT,
  CONTRACT_FLOORS,
  type ContractFloorName,
  type FloorRun,
  type FloorSettings,
  measureContractFloors,
  measureCsvToParquet,
} from './floors';
import { cleanUpMeasuring, measureNode, rssSource } from './measure';
import { measureServing, type ServingSample, servingReport } from './serve';
import { measureSync, type SyncSample, syncReport } from './sync';
import { formatMedianSeconds, formatMiB, formatRatio, formatSeconds, type Row, renderTable, stats } from './table';
import { measureTrainingSets, type TrainingSetSample, trainingSetReport } from './training-set';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TS_NODE = path.join(ROOT, 'node_modules', 'ts-node', 'dist', 'bin.js');
const REAL_SEEDS = path.resolve(ROOT, '..', 'shared', 'data', 'streamflow');
const REAL_MONTH = 'month_000';
const TASKS = INGEST_TASKS;
const SERIES_MONTHS = 12;
/** Sub-second measurements (Node start-up, the real month) get at least this many runs. */
const MIN_SMALL_RUNS = 5;
/** Issues 16 and 28: ingest against the cheapest contract floor (validate's own budget against the CSV floor is retired). */
const TARGETS = {
  ingestVsContractFloor: 1.3,
  month12VsMonth2: 1.2,
  realWallMs: 1000,
  realReplayBeyondStartMs: 500,
  peakRssMiB: 4096,
  /** The README's `npx ts-node src/cli.ts --help` (issue 25), npx's own start aside. */
  tsNodeHelpMs: 1500,
  /** A 10M-user month against the 1M-user month of the newest 1M results (same machine). */
  tenTimesUsersVsOneMillion: 12,
};

interface Options {
  readonly users: number;
  readonly months: number;
  readonly runs: number;
  readonly series: boolean;
  readonly threads?: string;
  readonly memoryLimit?: string;
  readonly out: string;
  /** PostgreSQL server (a role that may create databases) for the sync step; none: no sync step. */
  readonly postgres?: string;
}

interface Month {
  readonly name: string;
  readonly seeds: string;
  readonly asOf: string;
}

/** replay: the same month again (proved from its input hashes); recompute: again, with --recompute. */
type StepKind = 'first' | 'next' | 'replay' | 'recompute';

interface Step {
  readonly kind: StepKind;
  readonly month: Month;
}

interface FloorSample {
  readonly month: string;
  readonly seeds: string;
  readonly run: number;
  /** read_csv → Parquet of every table (steps: the tables). */
  readonly csv: FloorRun;
  /** The contract floors measured (floors.ts): what the SPEC requires written, with no check. */
  readonly contract: Partial<Record<ContractFloorName, FloorRun>>;
}

interface IngestSample {
  readonly sequence: 'generated' | 'real';
  readonly run: number;
  readonly step: StepKind;
  readonly month: string;
  readonly as_of: string;
  readonly status: string;
  /** Exit code 0 and the expected status (succeeded, or unchanged for a replay). */
  readonly ok: boolean;
  readonly exit_code: number;
  /** The end of stderr when not ok. */
  readonly error: string | null;
  readonly wall_ms: number;
  readonly peak_rss_mib: number;
  /** The summary's duration_ms (in-process, from before the engine opens to the record task). */
  readonly duration_ms: number | null;
  readonly tasks: Record<string, number | null>;
}

// ---------------------------------------------------------------------------------------
// Options

function count(min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    return Number(value);
  };
}

function parseOptions(argv: readonly string[]): Options {
  const program = new Command('bench')
    .option('--users <n>', 'users in month_000', count(1), 1_000_000)
    .option('--months <n>', 'months to generate and ingest in order (default 3; 12 with --series)', count(1))
    .option('--series', `ingest ${SERIES_MONTHS} months into one warehouse and compare month 12 with month 2`)
    .option('--runs <n>', 'runs of every measurement; medians are reported', count(1), 3)
    .option('--threads <n>', 'DuckDB threads, for the floor and every ingest')
    .option('--memory-limit <size>', 'DuckDB memory_limit, e.g. 3GB')
    .option('--out <dir>', 'generated months, warehouses and results (default under the OS temp dir)')
    .option('--postgres <url>', 'PostgreSQL for the sync step (env STREAMFLOW_BENCH_PG_URL); without it the step is left out')
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  program.parse(argv as string[], { from: 'user' });
  const flags = program.opts<{
    users: number;
    months?: number;
    series?: boolean;
    runs: number;
    threads?: string;
    memoryLimit?: string;
    out?: string;
    postgres?: string;
  }>();
  const series = Boolean(flags.series) || (flags.months ?? 0) >= SERIES_MONTHS;
  const months = Math.max(flags.months ?? 3, flags.series ? SERIES_MONTHS : 1);
  const out = path.resolve(flags.out ?? path.join(os.tmpdir(), 'streamflow-bench', `users-${flags.users}`));
  const postgres = flags.postgres ?? process.env.STREAMFLOW_BENCH_PG_URL;
  return { users: flags.users, months, runs: flags.runs, series, threads: flags.threads, memoryLimit: flags.memoryLimit, out, postgres };
}

// ---------------------------------------------------------------------------------------
// Preparation: the compiled bin and the generated months

function newestMtime(dir: string): number {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((newest, entry) => Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs), 0);
}

/** Runs `npm run build` when any source is newer than dist/cli.js. */
function ensureBuilt(): void {
  const built = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'src')),
    fs.statSync(path.join(ROOT, 'package.json')).mtimeMs, // the build command itself
  );
  if (sources <= built) return;
  log('dist/ is stale: npm run build');
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run build failed; fix the build or benchmark an older dist/');
}

interface DataMarker {
  readonly users: number;
  readonly months: number;
  readonly seed: number;
  /** sha256 of tools/seeds/generate.ts: a changed generator may write different months. */
  readonly generator: string;
}

/** The generated months under <out>/seeds, generated unless a marker says they already are. */
async function ensureMonths(options: Options): Promise<Month[]> {
  const seeds = path.join(options.out, 'seeds');
  const markerFile = path.join(options.out, 'bench-data.json');
  const wanted: DataMarker = {
    users: options.users,
    months: options.months,
    seed: DEFAULT_SEED,
    generator: createHash('sha256')
      .update(fs.readFileSync(path.join(ROOT, 'tools', 'seeds', 'generate.ts')))
      .digest('hex'),
  };
  const marker: DataMarker | undefined = fs.existsSync(markerFile) ? JSON.parse(fs.readFileSync(markerFile, 'utf8')) : undefined;
  const reusable =
    marker && marker.users === wanted.users && marker.seed === wanted.seed && marker.generator === wanted.generator && marker.months >= wanted.months;
  if (reusable) log(`reusing ${marker.months} generated month(s) in ${seeds}`);
  else {
    log(`generating ${wanted.months} month(s) of ${wanted.users} users into ${seeds}`);
    fs.rmSync(markerFile, { force: true });
    await generateMonths({
      users: wanted.users,
      months: wanted.months,
      out: seeds,
      seed: wanted.seed,
      onMonthWritten: (month) => log(`  ${month.name}: ${month.rows} rows per table in ${(month.elapsedMs / 1000).toFixed(1)} s`),
    });
    fs.writeFileSync(markerFile, `${JSON.stringify(wanted, null, 2)}\n`);
  }
  return Array.from({ length: options.months }, (_, index) => ({ name: monthFolderName(index), seeds, asOf: monthEndAfter(FIRST_AS_OF, index) }));
}

/** A step that freezes a month (not one of the replays): these are held to the floor ratio and form the series. */
function ingestsNewMonth(step: Step): boolean {
  return step.kind === 'first' || step.kind === 'next';
}

/** Every month in order into one warehouse, with the replays of the second month (or the only one) right after it. */
function ingestPlan(months: readonly Month[]): Step[] {
  const steps: Step[] = months.map((month, index) => ({ kind: index === 0 ? 'first' : 'next', month }));
  const replayed = Math.min(1, months.length - 1);
  steps.splice(replayed + 1, 0, { kind: 'replay', month: months[replayed] }, { kind: 'recompute', month: months[replayed] });
  return steps;
}

// ---------------------------------------------------------------------------------------
// Measurements

/** An engine with the bench's threads and memory limit (the same for floors, metrics and every ingest), spilling under `spill`. */
async function benchEngine(options: Options, spill: string): Promise<Engine> {
  return openEngine({ ...(await floorSettings(options)), tempDirectory: spill });
}

/** The bench's --threads and --memory-limit as the bin resolves them (flags, then environment). */
async function floorSettings(options: Options): Promise<FloorSettings> {
  const settings = await resolveSettings({ threads: options.threads, memoryLimit: options.memoryLimit });
  return { threads: settings.threads, memoryLimit: settings.memoryLimit };
}

/**
 * A month's floors, each a child process: the CSV → Parquet floor, then the contract
 * floors — all of them on a month some target is about (the first two months and the real
 * one), the first of CONTRACT_FLOORS alone on the later months of a series.
 */
async function measureFloor(options: Options, month: Month, run: number, allContractFloors: boolean): Promise<FloorSample> {
  const settings = await floorSettings(options);
  const folder = path.join(month.seeds, month.name);
  const scratch = path.join(options.out, 'floor');
  const csv = measureCsvToParquet(CHURN, folder, scratch, settings, ROOT);
  const contract = measureContractFloors(CHURN, folder, scratch, settings, ROOT, allContractFloors ? CONTRACT_FLOORS : CONTRACT_FLOORS.slice(0, 1));
  return { month: month.name, seeds: month.seeds, run, csv, contract };
}

function engineFlags(options: Options): string[] {
  return [...(options.threads ? ['--threads', options.threads] : []), ...(options.memoryLimit ? ['--memory-limit', options.memoryLimit] : [])];
}

const EXPECTED_STATUS: Record<StepKind, string> = { first: 'succeeded', next: 'succeeded', replay: 'unchanged', recompute: 'unchanged' };

interface Summary {
  readonly status: string;
  readonly duration_ms: number;
  readonly tasks: readonly { task: string; duration_ms: number | null }[];
}

/** The --json summary on stdout; a run that died of an internal error prints none. */
function parseSummary(stdout: string): Summary | undefined {
  try {
    return JSON.parse(stdout) as Summary;
  } catch {
    return undefined;
  }
}

/** One ingest as a child process; a failure is recorded (and logged), not thrown, so the table still prints. */
function measureIngest(options: Options, warehouse: string, step: Step, run: number, sequence: IngestSample['sequence']): IngestSample {
  const { month } = step;
  const args = [
    CLI,
    '--json',
    '--quiet',
    '--seeds',
    month.seeds,
    '--warehouse',
    warehouse,
    ...engineFlags(options),
    'ingest',
    ...(step.kind === 'recompute' ? ['--recompute'] : []),
    month.name,
    month.asOf,
  ];
  const measured = measureNode(args, { cwd: ROOT });
  const summary = parseSummary(measured.stdout);
  const ok = measured.exitCode === 0 && summary?.status === EXPECTED_STATUS[step.kind];
  if (!ok)
    log(
      `ingest ${month.name} (${step.kind}) exited ${measured.exitCode} with status ${summary?.status ?? 'none'}, expected ${EXPECTED_STATUS[step.kind]}:\n${measured.stderr.trim()}`,
    );
  return {
    sequence,
    run,
    step: step.kind,
    month: month.name,
    as_of: month.asOf,
    status: summary?.status ?? `exit ${measured.exitCode}`,
    ok,
    exit_code: measured.exitCode,
    error: ok ? null : measured.stderr.trim().split('\n').slice(-12).join('\n'),
    wall_ms: measured.wallMs,
    peak_rss_mib: measured.rssMiB,
    duration_ms: summary?.duration_ms ?? null,
    tasks: Object.fromEntries((summary?.tasks ?? []).map((task) => [task.task, task.duration_ms])),
  };
}

interface Measurements {
  readonly floors: FloorSample[];
  readonly ingests: IngestSample[];
}

/**
 * The month-over-month metrics alone (issue 14), as the validate task computes them:
 * measureMonth on the staged month against the previous frozen month's metrics in the
 * warehouse the ingests left (the month itself is loaded first, outside the time).
 */
async function measureMetrics(options: Options, warehouse: string, month: Month): Promise<number> {
  const engine = await benchEngine(options, path.join(options.out, 'floor', 'spill'));
  try {
    await attachWarehouse(engine, warehouseLayout(warehouse), 'read_only');
    await loadMonth(engine, CHURN, { name: month.name, dir: path.join(month.seeds, month.name) });
    const started = performance.now();
    await measureMonth(engine, CHURN, { asOf: month.asOf, liveAttached: true });
    return performance.now() - started;
  } finally {
    engine.close();
  }
}

/**
 * Each run: the floor of every month, then a fresh warehouse and every step of the plan
 * in order. Floor and ingests of a run follow each other, so both see the same machine load.
 */
async function measureRuns(options: Options, months: readonly Month[], runs: number, sequence: IngestSample['sequence']): Promise<Measurements> {
  const warehouse = path.join(options.out, `warehouse-${sequence}`);
  const measured: Measurements = { floors: [], ingests: [] };
  for (let run = 1; run <= runs; run++) {
    for (const [index, month] of months.entries()) measured.floors.push(await measureFloor(options, month, run, index < 2));
    fs.rmSync(warehouse, { recursive: true, force: true });
    for (const step of ingestPlan(months)) {
      const sample = measureIngest(options, warehouse, step, run, sequence);
      log(`  ${sequence} run ${run}: ${step.kind} ${step.month.name} ${(sample.wall_ms / 1000).toFixed(3)} s, ${Math.round(sample.peak_rss_mib)} MiB`);
      measured.ingests.push(sample);
    }
  }
  return measured;
}

// ---------------------------------------------------------------------------------------
// Report

interface Results {
  readonly meta: Record<string, unknown> & { readonly load_average_at_start: readonly number[] };
  readonly node_startup_ms: readonly number[];
  /** `node dist/cli.js --help`: Node start-up plus loading the bin's modules. */
  readonly cli_startup_ms: readonly number[];
  /** `ts-node src/cli.ts --help`, the README's quick-start path (transpiled by swc), without npx's own start. */
  readonly ts_node_startup_ms: readonly number[];
  readonly floors: readonly FloorSample[];
  readonly ingests: readonly IngestSample[];
  readonly training_sets: readonly TrainingSetSample[];
  /** `serve` on the generated warehouse, beside a do-nothing server. */
  readonly serving: ServingSample;
  /** measureMonth on the second month (or the only one), per run. */
  readonly metrics_ms: readonly number[];
  readonly sync: readonly SyncSample[];
}

function report(results: Results, options: Options, months: readonly Month[], real: Month | undefined): string {
  const startup = stats(results.node_startup_ms).median;
  const moduleLoad = stats(results.cli_startup_ms).median - startup;
  const floorsOf = (month: Month) => results.floors.filter((floor) => floor.month === month.name && floor.seeds === month.seeds);
  // Floors are child processes too: their seconds are beyond Node start-up, like an ingest's.
  const floorMs = (month: Month) => stats(floorsOf(month).map((floor) => floor.csv.wall_ms - startup));
  const contractFloorStats = (month: Month, name: ContractFloorName) =>
    stats(floorsOf(month).flatMap((floor) => (floor.contract[name] ? [floor.contract[name].wall_ms - startup] : [])));
  /** The contract floor ingests are held to: the cheapest (lowest median) of those measured on the month. */
  const usedContractFloor = (month: Month): ContractFloorName =>
    CONTRACT_FLOORS.filter((name) => contractFloorStats(month, name).n > 0).reduce((best, name) =>
      contractFloorStats(month, name).median < contractFloorStats(month, best).median ? name : best,
    );
  const contractFloorMs = (month: Month) => contractFloorStats(month, usedContractFloor(month));
  const samplesOf = (sequence: IngestSample['sequence'], step: Step) =>
    results.ingests.filter((sample) => sample.sequence === sequence && sample.step === step.kind && sample.month === step.month.name);
  const beyond = (samples: readonly IngestSample[]) => stats(samples.map((sample) => sample.wall_ms - startup));
  const ratio = (samples: readonly IngestSample[], month: Month) => beyond(samples).median / floorMs(month).median;
  const contractRatio = (samples: readonly IngestSample[], month: Month) => beyond(samples).median / contractFloorMs(month).median;

  const statusOf = (samples: readonly IngestSample[]) =>
    [...new Set(samples.map((sample) => (sample.ok ? sample.status : `${sample.status} FAILED`)))].join(', ');
  const failed = (samples: readonly IngestSample[]) => samples.some((sample) => !sample.ok);

  const rows: Row[] = [];
  const checks: string[] = [];
  const check = (label: string, value: number, limit: number, unit: (value: number) => string, samples: readonly IngestSample[] = []) =>
    checks.push(failed(samples) ? `  MISS ${label}: a run failed` : `  ${value <= limit ? 'ok  ' : 'MISS'} ${label}: ${unit(value)} (target ≤ ${unit(limit)})`);

  const ingestRows = (sequence: IngestSample['sequence'], step: Step, label: string) => {
    const samples = samplesOf(sequence, step);
    const total = beyond(samples);
    rows.push(
      [
        `${label}: ${step.kind} ${step.month.name}`,
        statusOf(samples),
        formatSeconds(total),
        formatRatio(ratio(samples, step.month)),
        formatRatio(contractRatio(samples, step.month)),
        formatMiB(stats(samples.map((s) => s.peak_rss_mib))),
      ],
      ['  process wall (Node start-up included)', '', formatSeconds(stats(samples.map((s) => s.wall_ms))), '', '', ''],
    );
    for (const task of TASKS) {
      const times = samples.map((sample) => sample.tasks[task]).filter((ms): ms is number => ms !== null && ms !== undefined);
      if (times.length > 0)
        rows.push([
          `  ${task}`,
          '',
          formatSeconds(stats(times)),
          formatRatio(stats(times).median / floorMs(step.month).median),
          formatRatio(stats(times).median / contractFloorMs(step.month).median),
          '',
        ]);
    }
    // A run that died without a summary has no task times to subtract.
    const outside = samples.filter((s) => s.duration_ms !== null).map((s) => s.wall_ms - startup - TASKS.reduce((sum, task) => sum + (s.tasks[task] ?? 0), 0));
    if (outside.length > 0)
      rows.push([`  outside tasks (module load ≈ ${(moduleLoad / 1000).toFixed(3)}, open, COMMIT, exit)`, '', formatSeconds(stats(outside)), '', '', '']);
    return samples;
  };

  const plan = ingestPlan(months);
  rows.push({ section: `generated months, ${options.users.toLocaleString('en')} users` });
  const floorRows = (month: Month) => {
    const used = usedContractFloor(month);
    const step = (name: string) => stats(floorsOf(month).map((floor) => floor.contract[used]?.steps[name] ?? 0));
    rows.push([`floor: read_csv → Parquet ${month.name}`, '', formatSeconds(floorMs(month)), formatRatio(1), '', '']);
    const contractRow = (label: string, name: ContractFloorName) => {
      const measured = contractFloorStats(month, name);
      return [
        label,
        '',
        formatSeconds(measured),
        formatRatio(measured.median / floorMs(month).median),
        formatRatio(measured.median / contractFloorMs(month).median),
        '',
      ];
    };
    rows.push(
      contractRow(`contract floor ${month.name} (the cheapest): ${used}`, used),
      ...(['load', 'checkpoint', 'parquet'] as const).map((name) => [`    ${name}`, '', formatSeconds(step(name)), '', '', '']),
      ...CONTRACT_FLOORS.filter((name) => name !== used && contractFloorStats(month, name).n > 0).map((name) => contractRow(`  beside it: ${name}`, name)),
    );
  };
  floorRows(months[0]);
  for (const step of plan.slice(0, 4)) {
    if (step.kind === 'next') floorRows(step.month);
    const samples = ingestRows('generated', step, 'ingest');
    if (ingestsNewMonth(step)) {
      check(
        `ingest ${step.kind} ${step.month.name} / contract floor`,
        contractRatio(samples, step.month),
        TARGETS.ingestVsContractFloor,
        (x) => x.toFixed(2),
        samples,
      );
    }
  }
  const compared = months[Math.min(1, months.length - 1)];
  rows.push([
    `metrics of ${compared.name} vs the previous month, in scans of their own (validate fuses them into its own)`,
    '',
    formatSeconds(stats(results.metrics_ms)),
    formatRatio(stats(results.metrics_ms).median / floorMs(compared).median),
    '',
    '',
  ]);

  if (real) {
    const realSteps = ingestPlan([real]);
    rows.push({ section: `real export ${path.relative(ROOT, path.join(REAL_SEEDS, REAL_MONTH))}` });
    rows.push(['node -e 0 (Node start-up baseline), process wall', '', formatSeconds(stats(results.node_startup_ms)), '', '', '']);
    rows.push(['node dist/cli.js --help (+ module load), process wall', '', formatSeconds(stats(results.cli_startup_ms)), '', '', '']);
    floorRows(real);
    for (const step of realSteps) ingestRows('real', step, 'ingest (real)');
    const [first, replay] = realSteps.map((step) => samplesOf('real', step));
    const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
    check('real month first, process wall', stats(first.map((s) => s.wall_ms)).median, TARGETS.realWallMs, seconds, first);
    check('real month replay, beyond Node start-up', beyond(replay).median, TARGETS.realReplayBeyondStartMs, seconds, replay);
  }

  const oneMillion = oneMillionFirstMonth(options);
  if (oneMillion) {
    const first = samplesOf('generated', plan[0]);
    const factor = options.users / 1_000_000;
    rows.push({ section: `against the 1M-user bench of ${oneMillion.date} (${oneMillion.file})` });
    rows.push([`ingest first month_000, ${factor} × the users`, '', formatSeconds(beyond(first)), '', '', '']);
    rows.push(['ingest first month_000, 1,000,000 users', '', formatSeconds(stats([oneMillion.ms])), '', '', '']);
    check(
      `${options.users.toLocaleString('en')}-user month / 1M-user month`,
      beyond(first).median / oneMillion.ms,
      TARGETS.tenTimesUsersVsOneMillion,
      (x) => x.toFixed(2),
      first,
    );
  }
  const header = ['step', 'status', 'seconds: median [min–max]', '× floor', '× contract floor', 'peak RSS MiB'];
  const sections = [renderTable(header, rows)];

  if (options.months > 2) {
    const series = plan.filter(ingestsNewMonth);
    const second = beyond(samplesOf('generated', series[1])).median;
    const seriesRows = series.map((step) => {
      const samples = samplesOf('generated', step);
      const taskMedians = TASKS.map((task) => formatMedianSeconds(stats(samples.map((s) => s.tasks[task] ?? 0))));
      return [
        step.month.name,
        formatSeconds(beyond(samples)),
        formatRatio(ratio(samples, step.month)),
        formatRatio(contractRatio(samples, step.month)),
        formatRatio(beyond(samples).median / second),
        ...taskMedians,
        formatMiB(stats(samples.map((s) => s.peak_rss_mib))),
      ];
    });
    sections.push(
      `months in order into one warehouse (medians of ${options.runs} run(s); seconds beyond Node start-up)`,
      renderTable(['month', 'total', '× floor', '× contract floor', '× month_001', ...TASKS, 'peak RSS MiB'], seriesRows),
    );
    if (options.series) {
      const last = series[series.length - 1];
      const lastSamples = samplesOf('generated', last);
      check(`${last.month.name} / month_001 (series)`, beyond(lastSamples).median / second, TARGETS.month12VsMonth2, (x) => x.toFixed(2), [
        ...lastSamples,
        ...samplesOf('generated', series[1]),
      ]);
    }
  }
  if (results.training_sets.length > 0) {
    const training = trainingSetReport(results.training_sets, options.months, startup);
    sections.push(training.table);
    checks.push(...training.checks);
  }
  const serving = servingReport(results.serving);
  sections.push(serving.table);
  checks.push(...serving.checks);
  const peak = Math.max(...results.ingests.map((sample) => sample.peak_rss_mib));
  check(`peak RSS of any ingest (memory_limit ${options.memoryLimit ?? 'DuckDB default'})`, peak, TARGETS.peakRssMiB, (mib) => `${Math.round(mib)} MiB`);
  check('ts-node src/cli.ts --help, process wall', stats(results.ts_node_startup_ms).median, TARGETS.tsNodeHelpMs, (ms) => `${(ms / 1000).toFixed(3)} s`);

  const settings = `threads ${options.threads ?? 'default'}, memory_limit ${options.memoryLimit ?? 'default'}`;
  return [
    `streamflow bench — ${options.users.toLocaleString('en')} users, ${options.months} month(s), ${options.runs} run(s), ${settings}, ${os.cpus().length} cores, load average at start ${results.meta.load_average_at_start.map((load) => load.toFixed(2)).join(' ')}`,
    `seconds are beyond Node start-up (process wall − median of node -e 0 = ${(startup / 1000).toFixed(3)} s) unless marked, floors included (each a child process: node, @duckdb/node-api, its SQL); × floor = median / median floor of the same month; peak RSS via ${rssSource}`,
    'contract floors (plain SQL, no checks, what the SPEC requires written; the cheapest one measured on a month is used):',
    ...CONTRACT_FLOORS.map((name) => `  ${name}: ${CONTRACT_FLOOR_TEXT[name]}`),
    '',
    sections.join('\n\n'),
    '',
    'targets',
    ...checks,
  ].join('\n');
}

/**
 * For a run at another size than 1M users: the first month's ingest of the newest 1M-user
 * results beside this run's out folder (seconds beyond that run's Node start-up), so that
 * a 10M month can be held to ≤ 12 × it (issue 16).
 */
function oneMillionFirstMonth(options: Options): { file: string; date: string; ms: number } | undefined {
  if (options.users === 1_000_000) return undefined;
  const file = path.join(path.dirname(options.out), 'users-1000000', 'results', 'latest.json');
  if (!fs.existsSync(file)) return undefined;
  const other = JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
  const startup = stats(other.node_startup_ms).median;
  const first = other.ingests.filter((sample) => sample.sequence === 'generated' && sample.step === 'first').map((sample) => sample.wall_ms - startup);
  return first.length > 0 ? { file, date: String(other.meta.date), ms: stats(first).median } : undefined;
}

/** Seconds each serving load runs. */
const SERVING_SECONDS = 10;

/** 10,000 users of the newest users snapshot, in a hashed order: the entities the serving loads ask for. */
async function sampleUsers(warehouse: string, asOf: string): Promise<string[]> {
  const engine = await openEngine();
  try {
    const file = path.join(warehouse, 'snapshots', 'users', `as_of=${asOf}`, 'data_0.parquet');
    const rows = await engine.rows<{ user_id: string }>(`SELECT "user_id" FROM read_parquet(${quoteLiteral(file)}) ORDER BY hash("user_id") LIMIT 10000`);
    return rows.map((row) => row.user_id);
  } finally {
    engine.close();
  }
}

function gitDescription(): Record<string, string> {
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }).stdout?.trim() ?? '';
  return { commit: git('rev-parse', 'HEAD'), changed_files: git('status', '--porcelain', '--untracked-files=no') };
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const loadAverage = os.loadavg();
  const started = new Date().toISOString();
  ensureBuilt();
  // The source measured: read right after the build, as other commits may land while the bench runs.
  const source = gitDescription();
  const months = await ensureMonths(options);
  const smallRuns = Math.max(options.runs, MIN_SMALL_RUNS);
  const real: Month | undefined = fs.existsSync(path.join(REAL_SEEDS, REAL_MONTH)) ? { name: REAL_MONTH, seeds: REAL_SEEDS, asOf: FIRST_AS_OF } : undefined;

  log('Node start-up (node -e 0)');
  const nodeStartup = Array.from({ length: 2 * smallRuns }, () => measureNode(['-e', '0']).wallMs);
  const cliStartup = Array.from({ length: 2 * smallRuns }, () => measureNode([CLI, '--help'], { cwd: ROOT }).wallMs);
  log('ts-node src/cli.ts --help (the quick start)');
  const tsNodeStartup = Array.from({ length: smallRuns }, () => measureNode([TS_NODE, 'src/cli.ts', '--help'], { cwd: ROOT }).wallMs);
  log('floor and ingest (generated months)');
  const generated = await measureRuns(options, months, options.runs, 'generated');
  log(`training set over the ${months.length} generated months`);
  const engineSettings = await resolveSettings({ threads: options.threads, memoryLimit: options.memoryLimit });
  const trainingSets = await measureTrainingSets(CLI, path.join(options.out, 'warehouse-generated'), options.out, {
    rows: options.users,
    runs: options.runs,
    engineOptions: { threads: engineSettings.threads, memoryLimit: engineSettings.memoryLimit },
    engineFlags: engineFlags(options),
    cwd: ROOT,
    log,
  });
  log(`serving the newest of the ${months.length} generated months`);
  const serving = await measureServing(CLI, path.join(options.out, 'warehouse-generated'), {
    users: await sampleUsers(path.join(options.out, 'warehouse-generated'), months.at(-1)!.asOf),
    asOf: months.at(-1)!.asOf,
    seconds: SERVING_SECONDS,
    log,
  });
  log('month-over-month metrics (measureMonth)');
  const metricsMs: number[] = [];
  for (let run = 1; run <= options.runs; run++)
    metricsMs.push(await measureMetrics(options, path.join(options.out, 'warehouse-generated'), months[Math.min(1, months.length - 1)]));
  log(real ? 'floor and ingest (real month)' : `${path.join(REAL_SEEDS, REAL_MONTH)} not found: no real-month line`);
  const measuredReal = real ? await measureRuns(options, [real], smallRuns, 'real') : { floors: [], ingests: [] };
  log(options.postgres ? 'PostgreSQL sync of month_000' : 'no --postgres (or STREAMFLOW_BENCH_PG_URL): no sync step');
  const sync = options.postgres
    ? await measureSync({ out: options.out, server: options.postgres, cli: CLI, root: ROOT, runs: options.runs }, months[0], log)
    : [];

  const results: Results = {
    meta: {
      date: started,
      ...source,
      node: process.version,
      cores: os.cpus().length,
      total_memory_mib: Math.round(os.totalmem() / 2 ** 20),
      rss_source: rssSource,
      load_average_at_start: loadAverage,
      options,
    },
    node_startup_ms: nodeStartup,
    cli_startup_ms: cliStartup,
    ts_node_startup_ms: tsNodeStartup,
    floors: [...generated.floors, ...measuredReal.floors],
    ingests: [...generated.ingests, ...measuredReal.ingests],
    training_sets: trainingSets,
    serving,
    metrics_ms: metricsMs,
    sync,
  };
  const resultsDir = path.join(options.out, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  fs.writeFileSync(path.join(resultsDir, `${String(results.meta.date).replace(/[:.]/g, '-')}.json`), json);
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), json);
  const syncSection = sync.length > 0 ? syncReport(sync, months[0]) : undefined;
  const syncText = syncSection
    ? `\n\n${renderTable(['step', 'status', 'seconds: median [min–max]', '× psql \\copy', ''], syncSection.rows)}\n\nsync targets\n${syncSection.checks.join('\n')}`
    : '';
  process.stdout.write(`${report(results, options, months, real)}${syncText}\n\nraw measurements: ${path.join(resultsDir, 'latest.json')}\n`);
  if ([...results.ingests, ...results.training_sets, results.serving, ...sync].some((sample) => !sample.ok)) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(cleanUpMeasuring);
