// rebuild: recreate a lost streamflow.duckdb from what the files still say. Every
// partition carries its _manifest.json (snapshot/partition-manifest.ts): its manifest
// row, the identity of the warehouse that froze it and the run that froze it (month,
// input file hashes, pipeline). From them the database gets back its identity, its
// manifest (with each _manifest.json's own sha256), one run row per freezing run (with
// that run's validation results when its report is still there), and live tables equal
// to the newest snapshot, each row's audit columns naming the snapshot in which it last
// changed. The database is built beside the warehouse and renamed into place at the
// end, so a rebuild that dies leaves no half database; one that exists is never touched.
//
// Refused, before anything is created: a partition whose files do not agree; partitions
// of more than one warehouse (the identity rebuilt is the one the version-2 manifests
// agree on; nothing from another warehouse is adopted, whatever the flags); and a history
// where some as_of lacks a partition of a contract table, unless
// --allow-missing-partitions says to rebuild without them (the summary lists them).
// Version-1 manifests, written before warehouses had identities, name none: they are
// taken as this warehouse's, and when every manifest is of version 1 the rebuilt
// database gets a new identity.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type PartitionManifest, REBUILD_SUMMARY_VERSION, type RunRecord, type ValidationDocument } from '../artifacts';
import type { Settings } from '../config';
import type { Contract } from '../contract/contract';
import { exportColumns, type TableSpec } from '../contract/tables';
import { type Engine, openEngine, quoteIdent } from '../engine/duckdb';
import { sha256File } from '../engine/files';
import { InvocationError, RefusedError } from '../errors';
import { recordRun } from '../record';
import { snapshotColumnsSql } from '../snapshot';
import { frozenRowsSql } from '../snapshot/frozen';
import { readManifestFile, snapshotEntryOf } from '../snapshot/partition-manifest';
import { attachWarehouse, attachWarehouseCreatingIt, detachWarehouse } from '../warehouse/catalog';
import { startFailures } from '../warehouse/failures';
import { readWarehouseId } from '../warehouse/identity';
import { keyListSql } from '../warehouse/keys';
import { PARTITION_MANIFEST, partitionDir, reportDir, supersededPartitionDir, type WarehouseLayout, warehouseLayout } from '../warehouse/layout';
import { listPartitionDirs, listSupersededDirs, refuseUnsafeStaging } from '../warehouse/recover';
import { acquireRunLock } from './lock';
import type { Logger } from './log';

export interface RebuildSummary {
  readonly schema_version: string;
  readonly database: string;
  /** The rebuilt database's identity: the one its partitions' manifests carry, new when every one is of version 1. */
  readonly warehouse_id: string;
  readonly partitions: number;
  /** The freezing runs restored to meta.runs, oldest first. */
  readonly runs: readonly string[];
  readonly live: readonly { table: string; rows: number; as_of: string }[];
  /** (table, as_of) pairs of a frozen as_of without a partition on disk: rebuilt without them (--allow-missing-partitions). */
  readonly missing_partitions: readonly MissingPartition[];
}

export interface RebuildOptions {
  /** Rebuild a history in which some as_of lacks a contract table's partition (refused otherwise). */
  readonly allowMissingPartitions?: boolean;
}

interface MissingPartition {
  readonly table: string;
  readonly as_of: string;
}

/** A partition version as its folder tells it: its manifest, the sha256 of the manifest file as it is, and where its data file is now. */
interface Partition {
  readonly manifest: PartitionManifest;
  readonly manifestSha256: string;
  /** The data file relative to the warehouse root: manifest.path for the newest version, in its `_versions` folder for a superseded one. */
  readonly file: string;
}

export async function rebuildWarehouse(settings: Settings, logger: Logger, options: RebuildOptions = {}): Promise<RebuildSummary> {
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
    const partitions = await readPartitions(settings.contract, layout);
    const warehouseId = identityOf(layout, partitions, logger);
    refuseMixedAsOf(partitions);
    const missing = missingPartitions(settings.contract, partitions);
    if (missing.length > 0 && !options.allowMissingPartitions) {
      throw new RefusedError(
        `the history under ${layout.snapshots} lacks ${counted(missing.length, 'partition')} of a frozen as_of (table as_of): ` +
          `${missing.map(({ table, as_of }) => `${table} ${as_of}`).join(', ')}. Rebuilt without them, the database would not hold the history its runs froze. ` +
          'Nothing was created. Restore those partition folders from a backup, or run `streamflow rebuild --allow-missing-partitions` to rebuild from what is there.',
      );
    }
    for (const { table, as_of } of missing)
      logger.warn(`rebuild: no partition of ${table} for as_of ${as_of} (--allow-missing-partitions): rebuilt without it`);
    refuseUnsafeStaging(layout); // the engine spills into .staging
    fs.rmSync(building, { force: true });
    fs.rmSync(`${building}.wal`, { force: true });
    const engine = await openEngine({ threads: settings.threads, memoryLimit: settings.memoryLimit, tempDirectory: layout.spill });
    const target: WarehouseLayout = { ...layout, database: building };
    let summary: RebuildSummary;
    try {
      await attachWarehouseCreatingIt(engine, settings.contract, target, warehouseId === null ? {} : { warehouseId });
      const rebuiltId = await readWarehouseId(engine);
      await detachWarehouse(engine);
      await attachWarehouse(engine, target, 'read_write');
      await startFailures(engine); // empty, outside the transaction (one transaction writes one database): no failure rows are known
      summary = await engine.transaction(async () => {
        const runs = await restoreRuns(engine, layout, partitions);
        // The live tables are the newest version of each as_of, read where its file is now.
        const manifests = newestVersions(partitions).map((partition) => ({ ...partition.manifest, path: partition.file }));
        const live = [];
        for (const table of settings.contract.tables) live.push(await restoreLiveTable(engine, layout, table, manifests));
        return {
          schema_version: REBUILD_SUMMARY_VERSION,
          database: layout.database,
          warehouse_id: rebuiltId,
          partitions: partitions.length,
          runs,
          live,
          missing_partitions: missing,
        };
      });
      await detachWarehouse(engine);
    } finally {
      engine.close();
    }
    fs.renameSync(building, layout.database);
    logger.info(
      `rebuild: ${layout.database} recreated from ${partitions.length} partitions of ${summary.runs.length} runs, warehouse ${summary.warehouse_id}` +
        (missing.length > 0 ? `, without ${counted(missing.length, 'missing partition')}` : ''),
    );
    return summary;
  } finally {
    fs.rmSync(building, { force: true });
    await release();
  }
}

/**
 * Every partition version's manifest, each checked against its folder and its data file; a
 * partition that cannot tell its story stops the rebuild. The newest version of an as_of is in
 * its partition folder, each version a correction superseded in its `_versions` folder
 * (warehouse/layout.ts), its manifest naming the path where it was frozen.
 */
async function readPartitions(contract: Contract, layout: WarehouseLayout): Promise<Partition[]> {
  const partitions: Partition[] = [];
  const tables = new Set<string>(contract.tables.map((table) => table.name));
  const folders = [
    ...listPartitionDirs(layout.snapshots).map((dir) => ({ dir, superseded: false })),
    ...listSupersededDirs(layout.snapshots).map((dir) => ({ dir, superseded: true })),
  ];
  for (const { dir, superseded } of folders) {
    const file = readManifestFile(path.join(layout.root, dir, PARTITION_MANIFEST));
    const manifest = file?.manifest;
    if (!file || !manifest)
      throw new RefusedError(`${dir} has no readable ${PARTITION_MANIFEST}: it cannot be rebuilt from (frozen by a release before manifests?)`);
    const version = manifest.version ?? 1;
    const described =
      typeof manifest.table_name === 'string' && typeof manifest.as_of === 'string'
        ? superseded
          ? supersededPartitionDir(manifest.table_name, manifest.as_of, version)
          : partitionDir(manifest.table_name, manifest.as_of)
        : undefined;
    if (described !== dir) {
      throw new RefusedError(
        `${path.join(dir, PARTITION_MANIFEST)} describes ${manifest.table_name} as_of ${manifest.as_of}${superseded ? ` version ${version}` : ''}, not the partition of its folder: ` +
          'a manifest moved or copied between partitions cannot be rebuilt from; put it back, or move the folder out',
      );
    }
    if (!tables.has(manifest.table_name))
      throw new RefusedError(`${dir}: ${manifest.table_name} is not a table of the contract; move the folder out of ${layout.snapshots}`);
    if (typeof manifest.path !== 'string' || path.dirname(manifest.path) !== partitionDir(manifest.table_name, manifest.as_of)) {
      throw new RefusedError(`${path.join(dir, PARTITION_MANIFEST)} names the data file ${manifest.path}, outside its folder: it cannot be rebuilt from`);
    }
    if (manifest.schema_version !== '1' && typeof manifest.warehouse_id !== 'string') {
      throw new RefusedError(
        `${path.join(dir, PARTITION_MANIFEST)} (version ${JSON.stringify(manifest.schema_version)}) names no warehouse_id: it cannot be told whose history it is`,
      );
    }
    const located = path.join(dir, path.basename(manifest.path));
    const data = path.join(layout.root, located);
    const sha256 = fs.existsSync(data) ? await sha256File(data) : 'missing';
    if (sha256 !== manifest.sha256) {
      throw new RefusedError(
        `${located} does not match its ${PARTITION_MANIFEST} (sha256 ${sha256}, manifest ${manifest.sha256}): restore it from a backup before rebuilding`,
      );
    }
    partitions.push({ manifest, manifestSha256: file.sha256, file: located });
  }
  if (partitions.length === 0) throw new RefusedError(`${layout.snapshots} holds no snapshot partitions: nothing to rebuild from`);
  return partitions.sort(
    (a, b) =>
      a.manifest.as_of.localeCompare(b.manifest.as_of) ||
      a.manifest.table_name.localeCompare(b.manifest.table_name) ||
      (a.manifest.version ?? 1) - (b.manifest.version ?? 1),
  );
}

/**
 * The identity to rebuild: the one every version-2 manifest names. Partitions naming
 * different warehouses are refused, each identity named with its partitions: which of
 * them is this warehouse is the person's to say, by moving the others' folders out.
 * Version-1 manifests name none (frozen before identities) and are taken as this
 * warehouse's; null when every manifest is of version 1 (the database gets a new one).
 */
function identityOf(layout: WarehouseLayout, partitions: readonly Partition[], logger: Logger): string | null {
  const byId = new Map<string, string[]>();
  const unnamed: string[] = [];
  for (const { manifest } of partitions) {
    const dir = path.dirname(manifest.path);
    if (manifest.warehouse_id === undefined) unnamed.push(dir);
    else byId.set(manifest.warehouse_id, [...(byId.get(manifest.warehouse_id) ?? []), dir]);
  }
  if (byId.size > 1) {
    const lines = [...byId.entries()]
      .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
      .map(([id, dirs]) => `  warehouse ${id}: ${counted(dirs.length, 'partition')} (${dirs.slice(0, 3).join(', ')}${dirs.length > 3 ? ', …' : ''})`);
    throw new RefusedError(
      `the partitions under ${layout.snapshots} were frozen by ${byId.size} different warehouses; rebuild restores one warehouse's history and adopts nothing from another:\n` +
        `${lines.join('\n')}\n` +
        'Nothing was created. Move the partition folders of the other warehouse(s) out of snapshots/ (each folder with its _manifest.json), then run rebuild again.',
    );
  }
  if (unnamed.length > 0) {
    logger.info(
      `rebuild: ${counted(unnamed.length, 'partition')} carry version-1 manifests, frozen before warehouses had identities: taken as this warehouse's (e.g. ${unnamed[0]})`,
    );
  }
  return byId.size === 1 ? [...byId.keys()][0] : null;
}

/**
 * A warehouse freezes each version of an as_of in one run (its six partitions together), so
 * partitions of one as_of and version frozen by different runs were put together from
 * different histories: refused, whether or not their manifests could name their warehouse
 * (version 1 cannot).
 */
function refuseMixedAsOf(partitions: readonly Partition[]): void {
  const runsByAsOf = new Map<string, Map<string, string[]>>();
  for (const { manifest } of partitions) {
    const version = manifest.version ?? 1;
    const asOf = version === 1 ? manifest.as_of : `${manifest.as_of} version ${version}`;
    const runs = runsByAsOf.get(asOf) ?? new Map<string, string[]>();
    runs.set(manifest.run_id, [...(runs.get(manifest.run_id) ?? []), manifest.table_name]);
    runsByAsOf.set(asOf, runs);
  }
  const mixed = [...runsByAsOf.entries()].filter(([, runs]) => runs.size > 1);
  if (mixed.length === 0) return;
  const lines = mixed.map(
    ([asOf, runs]) => `  as_of ${asOf}: ${[...runs.entries()].map(([runId, tables]) => `run ${runId} (${tables.join(', ')})`).join('; ')}`,
  );
  throw new RefusedError(
    `the partitions of ${counted(mixed.length, 'as_of')} were frozen by different runs, but a warehouse freezes an as_of in one run: ` +
      `they come from different histories, and rebuild adopts nothing from another:\n${lines.join('\n')}\n` +
      "Nothing was created. Move the partition folders that are not this warehouse's out of snapshots/, then run rebuild again.",
  );
}

/** Every (table, as_of) of a frozen as_of (one any partition is of) that lacks a contract table's partition. */
function missingPartitions(contract: Contract, partitions: readonly Partition[]): MissingPartition[] {
  const present = new Set(partitions.map(({ manifest }) => `${manifest.table_name}\u0000${manifest.as_of}`));
  const asOfs = [...new Set(partitions.map(({ manifest }) => manifest.as_of))].sort();
  return asOfs.flatMap((as_of) =>
    contract.tables.filter((table) => !present.has(`${table.name}\u0000${as_of}`)).map((table) => ({ table: table.name, as_of })),
  );
}

/** Per table and as_of the partition of its newest version, in the order given. */
function newestVersions(partitions: readonly Partition[]): Partition[] {
  const newest = new Map<string, number>();
  const key = ({ manifest }: Partition) => `${manifest.table_name}\u0000${manifest.as_of}`;
  for (const partition of partitions) newest.set(key(partition), Math.max(newest.get(key(partition)) ?? 0, partition.manifest.version ?? 1));
  return partitions.filter((partition) => (partition.manifest.version ?? 1) === newest.get(key(partition)));
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** One run row per freezing run, with its manifest rows and, when its report is still on disk, its validation results. */
async function restoreRuns(engine: Engine, layout: WarehouseLayout, partitions: readonly Partition[]): Promise<string[]> {
  const runIds = [...new Set(partitions.map((partition) => partition.manifest.run_id))];
  for (const runId of runIds) {
    const own = partitions.filter((partition) => partition.manifest.run_id === runId);
    const entries = own.map((partition) => partition.manifest);
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
      contract_version: first.contract_version ?? null,
      run_by: first.run_by ?? null,
      // Its timings and counts are not in the manifests: started_at = ended_at and no table_counts stand for "not measured".
      rebuilt: true,
    };
    // When each version was recorded and why, as its manifest says (version 4; before, when its run ended, and no reason).
    const manifestRows = own.map(({ manifest, manifestSha256 }) => ({
      ...snapshotEntryOf(manifest),
      manifest_sha256: manifestSha256,
      recorded_at: manifest.recorded_at,
      reason: manifest.reason ?? null,
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
  // Under the current contract: a partition frozen before a column was added has it NULL (snapshot/frozen.ts).
  const frozen = await frozenRowsSql(
    engine,
    table,
    own.map((partition) => path.join(layout.root, partition.path)),
  );
  const key = keyListSql(table.key);
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
       FROM (${frozen}) AS snapshot
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
