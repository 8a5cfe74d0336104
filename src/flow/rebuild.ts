// rebuild: recreate a lost streamflow.duckdb from what the files still say. Every
// partition carries its _manifest.json (snapshot/partition-manifest.ts): its manifest
// row and the run that froze it (month, input file hashes, pipeline). From them the
// database gets back its manifest, one run row per freezing run (with that run's
// validation results when its report is still there), and live tables equal to the
// newest snapshot, each row's audit columns naming the snapshot in which it last
// changed. The database is built beside the warehouse and renamed into place at the
// end, so a rebuild that dies leaves no half database; one that exists is never touched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type PartitionManifest, REBUILD_SUMMARY_VERSION, type RunRecord, type ValidationDocument } from '../artifacts';
import type { Settings } from '../config';
import { CONTRACT, exportColumns, type TableSpec } from '../contract/tables';
import { type Engine, openEngine, quoteIdent, quoteLiteral } from '../engine/duckdb';
import { sha256File } from '../engine/files';
import { InvocationError, RefusedError } from '../errors';
import { recordRun } from '../record';
import { snapshotColumnsSql } from '../snapshot';
import { readPartitionManifest } from '../snapshot/partition-manifest';
import { attachWarehouse, attachWarehouseCreatingIt, detachWarehouse } from '../warehouse/catalog';
import { startFailures } from '../warehouse/failures';
import { PARTITION_MANIFEST, reportDir, type WarehouseLayout, warehouseLayout } from '../warehouse/layout';
import { listPartitionDirs } from '../warehouse/recover';
import { acquireRunLock } from './lock';
import type { Logger } from './log';

export interface RebuildSummary {
  readonly schema_version: string;
  readonly database: string;
  readonly partitions: number;
  /** The freezing runs restored to meta.runs, oldest first. */
  readonly runs: readonly string[];
  readonly live: readonly { table: string; rows: number; as_of: string }[];
}

export async function rebuildWarehouse(settings: Settings, logger: Logger): Promise<RebuildSummary> {
  const layout = warehouseLayout(settings.warehouseDir);
  if (!fs.existsSync(layout.snapshots)) throw new InvocationError(`${layout.root} holds no snapshots/ folder: nothing to rebuild from`);
  const release = await acquireRunLock(layout, settings.lockTimeoutMs);
  const building = path.join(layout.root, '.streamflow.duckdb.rebuilding');
  try {
    if (fs.existsSync(layout.database)) {
      throw new RefusedError(
        `${layout.database} exists: rebuild only recreates a lost database and never replaces one (move it aside first if it is the wrong one)`,
      );
    }
    const partitions = await readPartitions(layout);
    fs.rmSync(building, { force: true });
    fs.rmSync(`${building}.wal`, { force: true });
    const engine = await openEngine({ threads: settings.threads, memoryLimit: settings.memoryLimit, tempDirectory: layout.spill });
    const target: WarehouseLayout = { ...layout, database: building };
    let summary: RebuildSummary;
    try {
      await attachWarehouseCreatingIt(engine, target);
      await detachWarehouse(engine);
      await attachWarehouse(engine, target, 'read_write');
      await startFailures(engine); // empty, outside the transaction (one transaction writes one database): no failure rows are known
      summary = await engine.transaction(async () => {
        const runs = await restoreRuns(engine, layout, partitions);
        const live = [];
        for (const table of CONTRACT) live.push(await restoreLiveTable(engine, layout, table, partitions));
        return { schema_version: REBUILD_SUMMARY_VERSION, database: layout.database, partitions: partitions.length, runs, live };
      });
      await detachWarehouse(engine);
    } finally {
      engine.close();
    }
    fs.renameSync(building, layout.database);
    logger.info(`rebuild: ${layout.database} recreated from ${partitions.length} partitions of ${summary.runs.length} runs`);
    return summary;
  } finally {
    fs.rmSync(building, { force: true });
    await release();
  }
}

/** Every partition's manifest, each checked against its data file; a partition that cannot tell its story stops the rebuild. */
async function readPartitions(layout: WarehouseLayout): Promise<PartitionManifest[]> {
  const partitions: PartitionManifest[] = [];
  for (const dir of listPartitionDirs(layout.snapshots)) {
    const manifest = readPartitionManifest(path.join(layout.root, dir, PARTITION_MANIFEST));
    if (!manifest) throw new RefusedError(`${dir} has no readable ${PARTITION_MANIFEST}: it cannot be rebuilt from (frozen by a release before manifests?)`);
    const file = path.join(layout.root, manifest.path);
    const sha256 = fs.existsSync(file) ? await sha256File(file) : 'missing';
    if (sha256 !== manifest.sha256) {
      throw new RefusedError(
        `${manifest.path} does not match its ${PARTITION_MANIFEST} (sha256 ${sha256}, manifest ${manifest.sha256}): restore it from a backup before rebuilding`,
      );
    }
    partitions.push(manifest);
  }
  if (partitions.length === 0) throw new RefusedError(`${layout.snapshots} holds no snapshot partitions: nothing to rebuild from`);
  return partitions.sort((a, b) => a.as_of.localeCompare(b.as_of) || a.table_name.localeCompare(b.table_name));
}

/** One run row per freezing run, with its manifest rows and, when its report is still on disk, its validation results. */
async function restoreRuns(engine: Engine, layout: WarehouseLayout, partitions: readonly PartitionManifest[]): Promise<string[]> {
  const runIds = [...new Set(partitions.map((partition) => partition.run_id))];
  for (const runId of runIds) {
    const entries = partitions.filter((partition) => partition.run_id === runId);
    const [first] = entries;
    const report = path.join(layout.root, reportDir(runId));
    const document = readDocument(path.join(report, 'validation.json'));
    const startedAt = document?.meta.validation_time ?? runIdTime(runId);
    const record: RunRecord = {
      run_id: runId,
      command: 'ingest',
      month: first.month,
      month_path: first.month_path,
      as_of: first.as_of,
      started_at: startedAt,
      ended_at: startedAt,
      status: 'succeeded',
      exit_code: 0,
      input_files: first.input_files,
      table_counts: [],
      error: null,
      report_path: fs.existsSync(report) ? reportDir(runId) : null,
      pipeline_fingerprint: first.pipeline_fingerprint,
    };
    const manifestRows = entries.map(({ table_name, as_of, path: file, rows, bytes, sha256, run_id }) => ({
      table_name,
      as_of,
      path: file,
      rows,
      bytes,
      sha256,
      run_id,
    }));
    await recordRun(engine, record, document?.results ?? [], manifestRows);
  }
  return runIds;
}

/**
 * The live table as the newest snapshot holds it. A row last changed in the first
 * snapshot where it differs (on the exported columns, as upsert compares) from the one
 * before, which is when upsert last wrote it.
 */
async function restoreLiveTable(
  engine: Engine,
  layout: WarehouseLayout,
  table: TableSpec,
  partitions: readonly PartitionManifest[],
): Promise<{ table: string; rows: number; as_of: string }> {
  const own = partitions.filter((partition) => partition.table_name === table.name);
  if (own.length === 0) return { table: table.name, rows: 0, as_of: '' };
  const files = own.map((partition) => quoteLiteral(path.join(layout.root, partition.path))).join(', ');
  const key = table.key.map(quoteIdent).join(', ');
  const compared = exportColumns(table)
    .filter((column) => !table.key.includes(column.name))
    .map((column) => quoteIdent(column.name))
    .join(', ');
  const newest = own.at(-1)!;
  await engine.run(
    `INSERT INTO wh.main.${quoteIdent(table.name)} BY NAME
     WITH history AS (
       SELECT snapshot.*, frozen.run_id,
              struct_pack(${compared}) IS DISTINCT FROM lag(struct_pack(${compared})) OVER (PARTITION BY ${key} ORDER BY snapshot.as_of) AS changed
       FROM read_parquet([${files}]) AS snapshot
       JOIN (SELECT unnest(from_json($frozen, '[{"as_of":"DATE","run_id":"VARCHAR"}]'), recursive := true)) AS frozen USING (as_of)
     ),
     last_change AS (
       SELECT ${key}, max(as_of) AS as_of, arg_max(run_id, as_of) AS run_id FROM history WHERE changed GROUP BY ${key}
     )
     SELECT ${snapshotColumnsSql(table)}, last_change.as_of AS _changed_as_of, last_change.run_id AS _changed_run_id
     FROM history JOIN last_change USING (${key})
     WHERE history.as_of = $newest::DATE
     ORDER BY ${key}`,
    { frozen: JSON.stringify(own.map((partition) => ({ as_of: partition.as_of, run_id: partition.run_id }))), newest: newest.as_of },
  );
  return { table: table.name, rows: newest.rows, as_of: newest.as_of };
}

function readDocument(file: string): ValidationDocument | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ValidationDocument;
  } catch {
    return null;
  }
}

/** When a run started, from its id (`YYYYMMDDTHHMMSSZ-…`, flow/ingest.ts newRunId). */
function runIdTime(runId: string): string {
  const stamp = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(runId);
  if (!stamp) throw new RefusedError(`run id ${runId} in a partition manifest is not of the form YYYYMMDDTHHMMSSZ-…`);
  const [, year, month, day, hour, minute, second] = stamp;
  return `${year}-${month}-${day}T${hour}:${minute}:${second}Z`;
}
