// Puts the files back in line with the database after a run that died: the database
// commit is the moment a run happens, so anything a dead run left on disk that the
// database does not know (staging work, published partitions or reports of a run that
// never committed) is removed. Runs under the run lock, before any new work.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../engine/duckdb';
import { partitionDir, reportDir, type WarehouseLayout } from './layout';

export interface Recovered {
  readonly removed: readonly string[];
}

export async function recoverWarehouse(engine: Engine, layout: WarehouseLayout): Promise<Recovered> {
  const removed: string[] = [];
  const remove = (target: string) => {
    fs.rmSync(target, { recursive: true, force: true });
    removed.push(path.relative(layout.root, target));
  };
  if (fs.existsSync(layout.staging)) {
    for (const entry of fs.readdirSync(layout.staging)) remove(path.join(layout.staging, entry));
  }

  const frozen = new Set(
    (await engine.rows<{ table_name: string; as_of: string }>(`SELECT DISTINCT table_name, strftime(as_of, '%Y-%m-%d') AS as_of FROM wh.meta.snapshots`)).map(
      (row) => partitionDir(row.table_name, row.as_of),
    ),
  );
  for (const dir of listPartitionDirs(layout)) {
    if (!frozen.has(dir)) remove(path.join(layout.root, dir));
  }

  const runs = new Set((await engine.rows<{ run_id: string }>('SELECT run_id FROM wh.meta.runs')).map((row) => reportDir(row.run_id)));
  if (fs.existsSync(layout.reports)) {
    for (const entry of fs.readdirSync(layout.reports)) {
      const dir = path.join('reports', entry);
      if (!runs.has(dir)) remove(path.join(layout.root, dir));
    }
  }
  return { removed };
}

/** `snapshots/<table>/as_of=…` folders present on disk, relative to the root. */
export function listPartitionDirs(layout: WarehouseLayout): string[] {
  if (!fs.existsSync(layout.snapshots)) return [];
  return fs
    .readdirSync(layout.snapshots)
    .flatMap((table) =>
      fs.statSync(path.join(layout.snapshots, table)).isDirectory()
        ? fs.readdirSync(path.join(layout.snapshots, table)).map((partition) => path.join('snapshots', table, partition))
        : [],
    )
    .sort();
}
