// Puts the files back in line with the database after a run that died. The database
// COMMIT is the moment a run happens; its files are staged under .staging/<run_id>
// before it and published by rename after it. So a staged run the database lists is
// rolled forward (its folders published), one it does not list is rolled back (its
// staging removed), and nothing outside .staging is ever removed. Runs under the run
// lock, before any new work, after the checks that the database is this warehouse's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Engine, sqlFile } from '../engine/duckdb';
import { publish } from '../engine/files';
import { RefusedError } from '../errors';
import { faultPoint } from '../faults';
import { partitionDir, type WarehouseLayout } from './layout';

export interface Recovered {
  /** Staged runs the database never committed, removed. */
  readonly rolledBack: readonly string[];
  /** Folders of committed runs published from staging. */
  readonly rolledForward: readonly string[];
}

/** The spill folder of DuckDB lives in .staging too; it is no run. */
const SPILL = 'spill';

export async function recoverWarehouse(engine: Engine, layout: WarehouseLayout): Promise<Recovered> {
  const rolledBack: string[] = [];
  const rolledForward: string[] = [];
  const committed = new Set((await engine.rows<{ run_id: string }>(sqlFile('recover/committed-runs'))).map((row) => row.run_id));
  for (const runId of stagedRuns(layout)) {
    const stagingRoot = path.join(layout.staging, runId);
    if (committed.has(runId)) rolledForward.push(...(await publishStaged(layout, stagingRoot)));
    else {
      fs.rmSync(stagingRoot, { recursive: true, force: true });
      rolledBack.push(path.relative(layout.root, stagingRoot));
    }
  }
  return { rolledBack, rolledForward };
}

/**
 * Publishes a committed run's staged folders (snapshot partitions, then its report) by
 * rename, skipping any already in place, then removes its staging folder. Used right
 * after COMMIT and, for a run killed in between, by recovery.
 */
export async function publishStaged(layout: WarehouseLayout, stagingRoot: string): Promise<string[]> {
  const published: string[] = [];
  const staged = [
    ...listPartitionDirs(path.join(stagingRoot, 'snapshots')),
    ...listChildren(path.join(stagingRoot, 'reports')).map((name) => path.join('reports', name)),
  ];
  for (const relative of staged) {
    const target = path.join(layout.root, relative);
    if (fs.existsSync(target)) continue;
    publish(path.join(stagingRoot, relative), target);
    published.push(relative);
    if (published.length === 1) await faultPoint('publish-partial');
  }
  fs.rmSync(stagingRoot, { recursive: true, force: true });
  return published;
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

function stagedRuns(layout: WarehouseLayout): string[] {
  return listChildren(layout.staging).filter((name) => name !== SPILL);
}

function listChildren(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** `snapshots/<table>/as_of=…` folders under `snapshotsDir`, relative to its parent. */
export function listPartitionDirs(snapshotsDir: string): string[] {
  return listChildren(snapshotsDir)
    .filter((table) => fs.statSync(path.join(snapshotsDir, table)).isDirectory())
    .flatMap((table) => listChildren(path.join(snapshotsDir, table)).map((partition) => path.join('snapshots', table, partition)));
}
