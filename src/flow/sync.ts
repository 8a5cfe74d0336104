// The sync task: the warehouse mirrored into PostgreSQL, on its own (`sync-postgres`)
// or as the last task of an ingest. A transient fault (server down, restarting, a
// dropped connection) is retried from the start, which is safe because each attempt is
// one PostgreSQL transaction; a refused login or a conflict fails at once.
//
// The warehouse's manifest and identity are read first and the database detached before
// PostgreSQL is waited on (the sync then reads only the partitions' Parquet files), so a
// sync that waits, however long its bounds allow, never holds the warehouse file.

import type { SnapshotVersion } from '../artifacts';
import { SYNC_SUMMARY_VERSION, type TaskRun } from '../artifacts';
import type { Settings } from '../config';
import type { Contract } from '../contract/contract';
import type { Engine } from '../engine/duckdb';
import { InvocationError } from '../errors';
import { recordTaskRuns } from '../record';
import { readManifest, readManifestVersions } from '../snapshot';
import { locateVersions } from '../snapshot/versions';
import { postgresTimeouts, SyncError, type SyncResult, type SyncTarget, syncToPostgres, type WarehouseSource } from '../sync';
import { attachWarehouse, detachWarehouse } from '../warehouse/catalog';
import { readWarehouseId } from '../warehouse/identity';
import { type WarehouseLayout, warehouseLayout } from '../warehouse/layout';
import { openReader } from '../warehouse/reader';
import { acquireRunLock } from './lock';
import type { Logger } from './log';
import { FlowTasks, type TaskPolicy } from './tasks';

const SYNC_POLICY: TaskPolicy = { attempts: 6, isTransient: (error) => error instanceof SyncError && error.transient, startingDelayMs: 250 };

export interface SyncSummary extends SyncResult {
  readonly schema_version: string;
  readonly tasks: readonly TaskRun[];
}

export function syncTarget(settings: Settings): SyncTarget {
  if (!settings.databaseUrl) throw new InvocationError('no PostgreSQL to sync to: pass --url postgres://… or set DATABASE_URL');
  return { url: settings.databaseUrl, schema: settings.postgresSchema, timeouts: postgresTimeouts() };
}

/** Every version of every partition of the warehouse attached to `engine` as `wh`, each where its file is now: what the mirror holds. */
export async function mirroredVersions(engine: Engine): Promise<SnapshotVersion[]> {
  return locateVersions(await readManifestVersions(engine));
}

/** What the sync needs of the warehouse attached to `engine` as `wh`, read before it is detached. */
async function readSource(engine: Engine, contract: Contract, layout: WarehouseLayout): Promise<WarehouseSource> {
  return { layout, contract, id: await readWarehouseId(engine), manifest: await readManifest(engine), versions: await mirroredVersions(engine) };
}

/** Runs the sync as the task `sync` of `tasks`; `engine` reads the partitions' Parquet files. */
async function runSyncTask(engine: Engine, source: WarehouseSource, target: SyncTarget, tasks: FlowTasks, logger: Logger): Promise<SyncResult> {
  return tasks.run(
    'sync',
    async () => {
      const result = await syncToPostgres(engine, source, target, (message) => logger.info(`sync: ${message}`));
      logger.info(
        result.rows_written === 0
          ? `sync: PostgreSQL at ${result.server} (schema ${result.schema}) was already up to date: 0 rows written`
          : `sync: ${result.rows_written} rows written to PostgreSQL at ${result.server} (schema ${result.schema})`,
      );
      return { value: result, rows: result.rows_written };
    },
    SYNC_POLICY,
  );
}

/** `streamflow sync-postgres`: under the run lock, so the warehouse does not move during the sync. */
export async function syncWarehouse(settings: Settings, logger: Logger): Promise<SyncSummary> {
  const target = syncTarget(settings);
  const layout = warehouseLayout(settings.warehouseDir);
  const engine = await openReader(layout);
  let release: (() => Promise<void>) | undefined;
  try {
    release = await acquireRunLock(layout, settings.lockTimeoutMs);
    const source = await readSource(engine, settings.contract, layout);
    await detachWarehouse(engine);
    const tasks = new FlowTasks(['sync'], logger);
    const result = await runSyncTask(engine, source, target, tasks, logger);
    return { schema_version: SYNC_SUMMARY_VERSION, ...result, tasks: tasks.runs };
  } finally {
    engine.close();
    await release?.();
  }
}

/**
 * The sync as the last task of a committed run (still holding its lock and engine); the
 * task's outcome is added to the run's recorded tasks. Throws the sync's error after
 * recording it: the run itself stays committed.
 */
export async function syncAfterRun(engine: Engine, settings: Settings, tasks: FlowTasks, runId: string, logger: Logger): Promise<SyncResult> {
  const target = syncTarget(settings);
  const layout = warehouseLayout(settings.warehouseDir);
  const position = tasks.append('sync');
  const source = await readSource(engine, settings.contract, layout);
  // Detached while PostgreSQL works, so readers of the warehouse are not shut out meanwhile.
  await detachWarehouse(engine);
  try {
    return await runSyncTask(engine, source, target, tasks, logger);
  } finally {
    await attachWarehouse(engine, layout, 'read_write');
    await engine.transaction(() => recordTaskRuns(engine, runId, tasks.runs.slice(position), position));
  }
}
