// warehouse/catalog.duckdb: for people who open the warehouse with DuckDB itself (its CLI,
// its node or Python client) rather than streamflow. A small database of views, rewritten
// after every commit beside its target and renamed over it, so a reader never sees half of
// one, and one that holds the old file open keeps its consistent old views:
//   snapshots.<table>  every committed as_of of the table, over its Parquet files (newest
//                      version per as_of), the same view `query` gives; it needs no lock on
//                      streamflow.duckdb, so reading it never makes a run wait;
//   live.<table>       the live table, read through `wh`: they answer once the warehouse is
//                      attached, `ATTACH '…/streamflow.duckdb' AS wh (READ_ONLY)`, and like any
//                      open connection on that file, make a run wait (then refuse) while open.
import * as fs from 'node:fs';
import type { Contract } from '../contract/contract';
import { type Engine, quoteIdent, quoteLiteral } from '../engine/duckdb';
import { readManifest } from '../snapshot';
import type { WarehouseLayout } from '../warehouse/layout';
import { snapshotViewSql } from './index';

/** Rewrites catalog.duckdb from the committed manifest; `engine` has the warehouse attached as `wh`. */
export async function writeCatalog(engine: Engine, contract: Contract, layout: WarehouseLayout): Promise<void> {
  const manifest = await readManifest(engine);
  const temporary = `${layout.catalog}.tmp`;
  fs.rmSync(temporary, { force: true });
  await engine.run(`ATTACH ${quoteLiteral(temporary)} AS catalog`);
  try {
    await engine.run('CREATE SCHEMA catalog.snapshots');
    await engine.run('CREATE SCHEMA catalog.live');
    for (const table of contract.tables) {
      const name = quoteIdent(table.name);
      const entries = manifest.filter((entry) => entry.table_name === table.name);
      await engine.run(`CREATE VIEW catalog.snapshots.${name} AS ${await snapshotViewSql(engine, layout, table, entries)}`);
      await engine.run(`CREATE VIEW catalog.live.${name} AS SELECT * FROM wh.main.${name}`);
    }
  } finally {
    await engine.run('DETACH catalog');
  }
  fs.renameSync(temporary, layout.catalog);
}
