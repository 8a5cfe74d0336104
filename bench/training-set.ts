// The training-set step of the bench (issue 12): `streamflow training-set` for one entity
// row per user, event times spread over every frozen month, against the DuckDB floor of
// reading the snapshot columns it needs once (every value of every column it reads, over
// every file of the default views' tables and labels, engine open and close included).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type EngineOptions, openEngine, quoteIdent, quoteLiteral } from '../src/engine/duckdb';
import { CHURN } from '../tools/churn-contract';
import { runPlan } from './floors';
import { measureNode } from './measure';
import { formatMiB, formatRatio, formatSeconds, type Row, renderTable, stats } from './table';

export const TRAINING_TARGETS = { vsFloor: 3.0, peakRssMiB: 2048 };

export interface TrainingSetSample {
  readonly run: number;
  readonly entity_rows: number;
  /** The floor's process wall (floors.ts). */
  readonly floor_ms: number;
  readonly wall_ms: number;
  readonly peak_rss_mib: number;
  readonly ok: boolean;
  readonly error: string | null;
}

/** Snapshot files of a table in the warehouse (all committed: the bench's ingests have finished). */
function snapshotFiles(warehouse: string, table: string): string[] {
  const dir = path.join(warehouse, 'snapshots', table);
  return fs
    .readdirSync(dir)
    .sort()
    .map((partition) => path.join(dir, partition, 'data_0.parquet'));
}

const fileList = (files: readonly string[]) => `[${files.map(quoteLiteral).join(', ')}]`;

/** The columns a default training set reads, per table. */
function columnsRead(): Map<string, string[]> {
  const read = new Map<string, string[]>([[CHURN.label.table, [CHURN.label.column]]]);
  for (const view of CHURN.featureViews.filter((candidate) => candidate.default)) read.set(view.table, [...(read.get(view.table) ?? []), ...view.features]);
  return read;
}

/** One entity row per user of the newest users snapshot (at most `rows`), event time a hashed day between the first and last as_of. */
async function writeEntities(warehouse: string, file: string, rows: number, engineOptions: EngineOptions): Promise<number> {
  const users = snapshotFiles(warehouse, 'users');
  const asOf = (partition: string) => path.basename(path.dirname(partition)).replace('as_of=', '');
  const engine = await openEngine(engineOptions);
  try {
    await engine.run(
      `COPY (SELECT "user_id", DATE '${asOf(users[0])}' + CAST(hash("user_id") % (DATE '${asOf(users.at(-1)!)}' - DATE '${asOf(users[0])}' + 1) AS INTEGER) AS event_timestamp
             FROM read_parquet(${quoteLiteral(users.at(-1)!)}) ORDER BY hash("user_id"), "user_id" LIMIT ${rows})
       TO ${quoteLiteral(file)} (FORMAT parquet)`,
    );
    const [{ n }] = await engine.rows<{ n: number }>(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(file)})`);
    return n;
  } finally {
    engine.close();
  }
}

/**
 * One aggregate per column over every value's hash: no Parquet statistic answers it, so every
 * value is decoded (a `count(column)` of a column without NULLs is one the engine may take
 * from the files' metadata instead). A child process, like the training set it is held to
 * (floors.ts): process wall, of which the report takes what lies beyond Node start-up.
 */
function measureFloor(warehouse: string, scratch: string, engineOptions: EngineOptions, cwd: string): number {
  const statements = [...columnsRead()].map(([table, columns]) => {
    const decoded = ['user_id', ...columns, 'as_of'].map((column) => `bit_xor(hash(${quoteIdent(column)}))`);
    return { step: table, sql: `SELECT ${decoded.join(', ')} FROM read_parquet(${fileList(snapshotFiles(warehouse, table))})` };
  });
  return runPlan({ database: ':memory:', statements }, scratch, engineOptions, cwd).wall_ms;
}

/** Each run: the floor, then the bin's training-set as a child process (Parquet out). */
export async function measureTrainingSets(
  cli: string,
  warehouse: string,
  out: string,
  {
    rows,
    runs,
    engineOptions,
    engineFlags,
    cwd,
    log,
  }: { rows: number; runs: number; engineOptions: EngineOptions; engineFlags: readonly string[]; cwd: string; log: (message: string) => void },
): Promise<TrainingSetSample[]> {
  const entities = path.join(out, 'training-entities.parquet');
  const entityRows = await writeEntities(warehouse, entities, rows, engineOptions);
  const samples: TrainingSetSample[] = [];
  for (let run = 1; run <= runs; run++) {
    const floor = measureFloor(warehouse, path.join(out, 'training-floor'), engineOptions, cwd);
    const target = path.join(out, 'training-set.parquet');
    const measured = measureNode([cli, '--json', '--quiet', '--warehouse', warehouse, ...engineFlags, 'training-set', '--entities', entities, '--out', target]);
    const ok = measured.exitCode === 0;
    if (!ok) log(`training-set exited ${measured.exitCode}:\n${measured.stderr.trim()}`);
    log(
      `  training-set run ${run}: ${entityRows} entity rows, ${(measured.wallMs / 1000).toFixed(3)} s, floor ${(floor / 1000).toFixed(3)} s, ${Math.round(measured.rssMiB)} MiB`,
    );
    samples.push({
      run,
      entity_rows: entityRows,
      floor_ms: floor,
      wall_ms: measured.wallMs,
      peak_rss_mib: measured.rssMiB,
      ok,
      error: ok ? null : measured.stderr.trim().split('\n').slice(-12).join('\n'),
    });
  }
  return samples;
}

/** The section of the report and its target lines; seconds beyond Node start-up, as for ingests. */
export function trainingSetReport(samples: readonly TrainingSetSample[], months: number, startupMs: number): { table: string; checks: string[] } {
  const floor = stats(samples.map((sample) => sample.floor_ms - startupMs));
  const beyond = stats(samples.map((sample) => sample.wall_ms - startupMs));
  const rss = stats(samples.map((sample) => sample.peak_rss_mib));
  const ratio = beyond.median / floor.median;
  const failed = samples.some((sample) => !sample.ok);
  const rows: Row[] = [
    { section: `training set: ${samples[0].entity_rows.toLocaleString('en')} entity rows over ${months} monthly snapshots, default views` },
    ['floor: read the snapshot columns once', '', formatSeconds(floor), formatRatio(1), ''],
    ['training-set --entities … --out .parquet', failed ? 'FAILED' : 'ok', formatSeconds(beyond), formatRatio(ratio), formatMiB(rss)],
  ];
  const check = (label: string, ok: boolean, text: string) => `  ${failed ? 'MISS' : ok ? 'ok  ' : 'MISS'} ${label}: ${failed ? 'a run failed' : text}`;
  return {
    table: renderTable(['step', 'status', 'seconds: median [min–max]', '× floor', 'peak RSS MiB'], rows),
    checks: [
      check('training set / floor', ratio <= TRAINING_TARGETS.vsFloor, `${ratio.toFixed(2)} (target ≤ ${TRAINING_TARGETS.vsFloor.toFixed(2)})`),
      check('training set peak RSS', rss.max < TRAINING_TARGETS.peakRssMiB, `${Math.round(rss.max)} MiB (target < ${TRAINING_TARGETS.peakRssMiB} MiB)`),
    ],
  };
}
