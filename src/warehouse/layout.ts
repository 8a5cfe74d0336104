// Where everything lives on disk (SPEC §3). Every path the tool writes is derived here.
import * as path from 'node:path';

export interface WarehouseLayout {
  readonly root: string;
  readonly database: string;
  readonly snapshots: string;
  readonly reports: string;
  /** Work in progress of a run: published by rename, removed on recovery. */
  readonly staging: string;
  readonly lock: string;
  readonly spill: string;
}

export function warehouseLayout(root: string): WarehouseLayout {
  const absolute = path.resolve(root);
  return {
    root: absolute,
    database: path.join(absolute, 'streamflow.duckdb'),
    snapshots: path.join(absolute, 'snapshots'),
    reports: path.join(absolute, 'reports'),
    staging: path.join(absolute, '.staging'),
    lock: path.join(absolute, '.lock'),
    spill: path.join(absolute, '.staging', 'spill'),
  };
}

export const SNAPSHOT_FILE = 'data_0.parquet';
/**
 * Each partition's own record of what it holds and which run froze it, so the database
 * can be rebuilt from the files. The leading underscore keeps it out of `*.parquet`
 * globs and out of pyarrow's and polars' dataset discovery.
 */
export const PARTITION_MANIFEST = '_manifest.json';

/** `snapshots/<table>/as_of=YYYY-MM-DD`, relative to the warehouse root (as the manifest stores it). */
export function partitionDir(table: string, asOf: string): string {
  return path.join('snapshots', table, `as_of=${asOf}`);
}

export function snapshotFile(table: string, asOf: string): string {
  return path.join(partitionDir(table, asOf), SNAPSHOT_FILE);
}

/** The folder of a table's superseded versions, beside its partition folders. */
export const VERSIONS_DIR = '_versions';

/**
 * Where a superseded version of a partition lives: when a correction of an as_of commits,
 * the version it replaces moves here unchanged, folder and all (`<table>/_versions/as_of=D/version=N`).
 * The leading underscore keeps it out of pyarrow's and polars' dataset discovery, and the
 * README's globs (a star per folder level below snapshots/) do not reach that deep, so a
 * direct reader sees one version per as_of: the newest, in partitionDir.
 */
export function supersededPartitionDir(table: string, asOf: string, version: number): string {
  return path.join('snapshots', table, VERSIONS_DIR, `as_of=${asOf}`, `version=${version}`);
}

export function partitionManifestFile(table: string, asOf: string): string {
  return path.join(partitionDir(table, asOf), PARTITION_MANIFEST);
}

/**
 * The first file a run creates in its `.staging/<run_id>/`: the run id and the warehouse
 * identity, recovery's proof that the folder is a staged run of this warehouse (recover.ts).
 */
export const RUN_MARKER = '.streamflow-run';

/** A run id (flow/ingest.ts newRunId): `YYYYMMDDTHHMMSSZ-` and six hex digits. */
export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export function reportDir(runId: string): string {
  return path.join('reports', runId);
}
