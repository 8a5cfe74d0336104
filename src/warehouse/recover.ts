// Puts the files back in line with the database after a run that died. The database
// COMMIT is the moment a run happens; its files are staged under .staging/<run_id>
// before it and published by rename after it. So a staged run the database lists is
// rolled forward (its folders published), one it does not list is rolled back (its
// staging removed), and nothing outside .staging is ever removed. Runs under the run
// lock, before any new work, after the checks that the database is this warehouse's.
//
// Recovery touches only what it can prove a run of this warehouse created: an entry of
// .staging that is a real directory (never a symlink), named like a run id, holding the
// marker its run wrote there before anything else (RUN_MARKER: that run id and this
// warehouse's identity). Anything else in .staging is left as it is and named. A .staging
// or spill folder that is a symlink, or not a directory, refuses the run before anything
// is written: nothing is written or deleted through a link, so everything stays inside
// the warehouse folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Engine, sqlFile } from '../engine/duckdb';
import { publish } from '../engine/files';
import { RefusedError } from '../errors';
import { faultPoint } from '../faults';
import { PARTITION_MANIFEST, partitionDir, RUN_ID_PATTERN, RUN_MARKER, supersededPartitionDir, VERSIONS_DIR, type WarehouseLayout } from './layout';

/** What a run writes first into its .staging/<run_id>: who staged the folder. */
export interface RunMarker {
  readonly run_id: string;
  readonly warehouse_id: string;
}

export interface Recovered {
  /** Staged runs the database never committed, removed. */
  readonly rolledBack: readonly string[];
  /** Folders of committed runs published from staging. */
  readonly rolledForward: readonly string[];
  /** Entries of .staging not provably a staged run of this warehouse: left as they are, each with the reason. */
  readonly leftAlone: readonly { readonly entry: string; readonly reason: string }[];
}

export async function recoverWarehouse(engine: Engine, layout: WarehouseLayout, warehouseId: string): Promise<Recovered> {
  refuseUnsafeStaging(layout);
  const rolledBack: string[] = [];
  const rolledForward: string[] = [];
  const leftAlone: { entry: string; reason: string }[] = [];
  const committed = new Set((await engine.rows<{ run_id: string }>(sqlFile('recover/committed-runs'))).map((row) => row.run_id));
  for (const name of listChildren(layout.staging)) {
    if (path.join(layout.staging, name) === layout.spill) continue; // DuckDB's spill folder: no run
    const entry = path.relative(layout.root, path.join(layout.staging, name));
    const marker: RunMarker = { run_id: name, warehouse_id: warehouseId };
    const unproven = unprovenStaging(layout, marker);
    if (unproven !== null) leftAlone.push({ entry, reason: unproven });
    else if (committed.has(name)) rolledForward.push(...(await publishStaged(layout, marker)));
    else if (removeStagedRun(layout, marker)) rolledBack.push(entry);
  }
  return { rolledBack, rolledForward, leftAlone };
}

/**
 * A .staging or spill folder that is a symlink (or not a directory) would have the run
 * write, and recovery delete, outside the warehouse folder: refused (exit 3) before any
 * of it is touched. Absent is fine: the run creates them.
 */
export function refuseUnsafeStaging(layout: WarehouseLayout): void {
  for (const dir of [layout.staging, layout.spill]) {
    const stat = lstatOrNull(dir);
    if (stat === null) return; // the spill folder is inside .staging: nothing below a missing one
    if (stat.isSymbolicLink()) {
      throw new RefusedError(
        `${dir} is a symlink to ${fs.readlinkSync(dir)}: streamflow never writes or deletes through it; remove the link (the run creates a real folder in its place)`,
      );
    }
    if (!stat.isDirectory()) {
      throw new RefusedError(
        `${dir} is not a directory: streamflow stages its runs there and never writes over or deletes what it did not create; move it away`,
      );
    }
  }
}

/** Creates the run's .staging/<run_id>/ with its marker as the first thing in it; returns the folder. */
export function stageRun(layout: WarehouseLayout, marker: RunMarker): string {
  refuseUnsafeStaging(layout);
  fs.mkdirSync(layout.staging, { recursive: true });
  const stagingRoot = path.join(layout.staging, marker.run_id);
  fs.mkdirSync(stagingRoot); // a new run's folder: never one that exists
  fs.writeFileSync(path.join(stagingRoot, RUN_MARKER), `${JSON.stringify(marker)}\n`, { flag: 'wx' });
  return stagingRoot;
}

/** Removes the run's .staging/<run_id> when it is provably the one the run staged; false (nothing removed) otherwise. */
export function removeStagedRun(layout: WarehouseLayout, marker: RunMarker): boolean {
  if (unprovenStaging(layout, marker) !== null) return false;
  fs.rmSync(path.join(layout.staging, marker.run_id), { recursive: true, force: true });
  return true;
}

/**
 * Publishes a committed run's staged folders (snapshot partitions, then its report) by
 * rename, skipping any already in place, then removes its staging folder. A staged
 * partition that is a correction's new version first moves the version it supersedes,
 * folder and all, unchanged, to its `_versions` folder (supersedeVersion). Used right
 * after COMMIT and, for a run killed in between, by recovery, which this makes roll the
 * whole step forward; only on a folder the run's marker proves its own.
 */
export async function publishStaged(layout: WarehouseLayout, marker: RunMarker): Promise<string[]> {
  const stagingRoot = path.join(layout.staging, marker.run_id);
  const unproven = unprovenStaging(layout, marker);
  if (unproven !== null) throw new RefusedError(`${stagingRoot} is not the staging of run ${marker.run_id} (${unproven}): nothing was published from it`);
  const published: string[] = [];
  const staged = [
    ...listPartitionDirs(path.join(stagingRoot, 'snapshots')),
    ...listChildren(path.join(stagingRoot, 'reports')).map((name) => path.join('reports', name)),
  ];
  for (const relative of staged) {
    const target = path.join(layout.root, relative);
    await supersedeVersion(layout, relative, partitionVersion(path.join(stagingRoot, relative)));
    if (fs.existsSync(target)) continue;
    publish(path.join(stagingRoot, relative), target);
    published.push(relative);
    if (published.length === 1) await faultPoint('publish-partial');
  }
  removeStagedRun(layout, marker);
  return published;
}

/**
 * Before a partition's version `staged` is published to `relative` (a partition folder):
 * an older version in its place moves to its `_versions` folder. The folder in place is
 * the older version when its own _manifest.json says so; one of the same version (or
 * unreadable, or not a partition) is left where it is, and publishing skips it.
 */
async function supersedeVersion(layout: WarehouseLayout, relative: string, staged: number | null): Promise<void> {
  if (staged === null || !relative.startsWith(`snapshots${path.sep}`)) return;
  const current = path.join(layout.root, relative);
  const version = partitionVersion(current);
  if (version === null || version >= staged) return;
  const [, table, partition] = relative.split(path.sep);
  const superseded = path.join(layout.root, supersededPartitionDir(table, partition.replace(/^as_of=/, ''), version));
  if (fs.existsSync(superseded)) {
    throw new RefusedError(
      `${relative} holds version ${version}, but ${path.relative(layout.root, superseded)} exists too: nothing was moved; run \`streamflow verify\``,
    );
  }
  fs.mkdirSync(path.dirname(superseded), { recursive: true });
  publish(current, superseded);
  await faultPoint('superseded');
}

/** The version a partition folder's _manifest.json names (1 in one written before versions); null when there is none readable. */
function partitionVersion(dir: string): number | null {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, PARTITION_MANIFEST), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'number' ? manifest.version : 1;
  } catch {
    return null;
  }
}

/**
 * Why .staging/<run_id> is not provably the folder that run of this warehouse staged;
 * null when it is: .staging and it real directories (lstat: never a symlink), its name a
 * run id, its marker a file naming that run and this warehouse.
 */
function unprovenStaging(layout: WarehouseLayout, marker: RunMarker): string | null {
  if (!lstatOrNull(layout.staging)?.isDirectory()) return `${layout.staging} is not a real directory`;
  const dir = path.join(layout.staging, marker.run_id);
  const stat = lstatOrNull(dir);
  if (stat === null) return 'it is gone';
  if (stat.isSymbolicLink()) return `a symlink to ${fs.readlinkSync(dir)}`;
  if (!stat.isDirectory()) return 'not a directory';
  if (!RUN_ID_PATTERN.test(marker.run_id)) return 'not named like a run id (YYYYMMDDTHHMMSSZ-xxxxxx)';
  const found = readMarker(path.join(dir, RUN_MARKER));
  if (found === null) return `no readable ${RUN_MARKER} marker in it (not staged by streamflow, or by a release before markers)`;
  if (found.run_id !== marker.run_id) return `its ${RUN_MARKER} names run ${found.run_id}`;
  if (found.warehouse_id !== marker.warehouse_id) return `its ${RUN_MARKER} names warehouse ${found.warehouse_id}, not this one (${marker.warehouse_id})`;
  return null;
}

function readMarker(file: string): RunMarker | null {
  if (!lstatOrNull(file)?.isFile()) return null;
  try {
    const marker = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<RunMarker>;
    return typeof marker.run_id === 'string' && typeof marker.warehouse_id === 'string' ? { run_id: marker.run_id, warehouse_id: marker.warehouse_id } : null;
  } catch {
    return null;
  }
}

function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}

/**
 * A warehouse folder whose database is gone but whose history is not: creating a fresh
 * database over it would make every frozen month unknown to the tool. Refused (by
 * writers and readers alike), with what was found and the way back.
 */
export function refuseLostDatabase(layout: WarehouseLayout): void {
  if (fs.existsSync(layout.database)) return;
  const found = [
    counted(listPartitionDirs(layout.snapshots).length, 'snapshot partition'),
    counted(listChildren(layout.reports).filter((name) => isRunReport(path.join(layout.reports, name))).length, 'run report'),
    counted(stagedRuns(layout).length, 'staged run'),
  ].filter((text): text is string => text !== null);
  if (found.length === 0) return;
  throw new RefusedError(
    `${layout.root} holds ${found.join(', ')} but no streamflow.duckdb: its history is there, its database is lost, and no command ` +
      `creates an empty one over it. Restore the database, or run \`streamflow rebuild\` to recreate it from the snapshot files and their manifests.`,
  );
}

/** Partition folders on disk that the attached database's manifest does not list: the database is not the one that froze them. */
export async function refuseForeignHistory(engine: Engine, layout: WarehouseLayout): Promise<void> {
  const listed = new Set(
    (await engine.rows<{ table_name: string; as_of: string }>(sqlFile('recover/listed-partitions'))).map((row) => partitionDir(row.table_name, row.as_of)),
  );
  const unknown = listPartitionDirs(layout.snapshots).filter((dir) => !listed.has(dir));
  if (unknown.length === 0) return;
  throw new RefusedError(
    `${unknown.length} snapshot partition(s) on disk are not in the manifest of ${layout.database} (e.g. ${unknown.slice(0, 3).join(', ')}): ` +
      `the database is not the one that froze them (an older backup?). Nothing was changed. Move that database aside and run \`streamflow rebuild\`.`,
  );
}

function counted(count: number, noun: string): string | null {
  return count === 0 ? null : `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A report folder of a run that was recorded in the database; `validate` writes reports of its own that no database lists. */
function isRunReport(dir: string): boolean {
  try {
    const document = JSON.parse(fs.readFileSync(path.join(dir, 'validation.json'), 'utf8')) as { meta?: { command?: string } };
    return document.meta?.command !== 'validate';
  } catch {
    return fs.statSync(dir).isDirectory();
  }
}

/** Entries of .staging named like runs (counted, never opened, for the lost-database refusal). */
function stagedRuns(layout: WarehouseLayout): string[] {
  return lstatOrNull(layout.staging)?.isDirectory() ? listChildren(layout.staging).filter((name) => RUN_ID_PATTERN.test(name)) : [];
}

function listChildren(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** `snapshots/<table>/as_of=…` folders under `snapshotsDir`, relative to its parent (a table's `_versions` folder aside). */
export function listPartitionDirs(snapshotsDir: string): string[] {
  return tableDirs(snapshotsDir).flatMap((table) =>
    listChildren(path.join(snapshotsDir, table))
      .filter((partition) => partition !== VERSIONS_DIR)
      .map((partition) => path.join('snapshots', table, partition)),
  );
}

/** `snapshots/<table>/_versions/as_of=…/version=…` folders under `snapshotsDir`: the versions corrections superseded, relative to its parent. */
export function listSupersededDirs(snapshotsDir: string): string[] {
  return tableDirs(snapshotsDir).flatMap((table) => {
    const versions = path.join(snapshotsDir, table, VERSIONS_DIR);
    return listChildren(versions).flatMap((partition) =>
      listChildren(path.join(versions, partition)).map((version) => path.join('snapshots', table, VERSIONS_DIR, partition, version)),
    );
  });
}

function tableDirs(snapshotsDir: string): string[] {
  return listChildren(snapshotsDir).filter((table) => fs.statSync(path.join(snapshotsDir, table)).isDirectory());
}
