// Read access for people: live tables as they are, and every snapshot table as a view
// `snapshots.<table>` over the files the manifest names (orphans of a dead run never show).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTRACT } from '../contract/tables';
import { openEngine, quoteIdent, quoteLiteral, type Engine } from '../engine/duckdb';
import { InvocationError } from '../errors';
import { readManifest, snapshotColumnsSql } from '../snapshot';
import { attachWarehouse } from '../warehouse/catalog';
import { bindTablesAsOf } from './time-travel';
import type { WarehouseLayout } from '../warehouse/layout';

/** An engine with the warehouse attached read-only as `wh`. */
export async function openReader(layout: WarehouseLayout): Promise<Engine> {
  if (!fs.existsSync(layout.database)) {
    throw new InvocationError(`no warehouse at ${layout.root}: run \`streamflow ingest\` first (or set --warehouse / WAREHOUSE_DIR)`);
  }
  const engine = await openEngine();
  try {
    await attachWarehouse(engine, layout, 'read_only');
    return engine;
  } catch (error) {
    engine.close();
    throw error;
  }
}

/**
 * A reader whose search path resolves live tables, meta.* and snapshots.<table> views;
 * with `asOf`, table names resolve to their snapshots at that date instead of live tables.
 */
export async function openQueryEngine(layout: WarehouseLayout, { asOf }: { asOf?: string } = {}): Promise<Engine> {
  const engine = await openReader(layout);
  try {
    await engine.run('CREATE SCHEMA memory.snapshots');
    const manifest = await readManifest(engine);
    for (const table of CONTRACT) {
      const files = manifest.filter((entry) => entry.table_name === table.name).map((entry) => quoteLiteral(path.join(layout.root, entry.path)));
      const columns = snapshotColumnsSql(table);
      const source =
        files.length > 0
          ? `SELECT ${columns}, "as_of" FROM read_parquet([${files.join(', ')}])`
          : `SELECT ${columns}, NULL::DATE AS "as_of" FROM wh.main.${quoteIdent(table.name)} WHERE false`;
      await engine.run(`CREATE VIEW memory.snapshots.${quoteIdent(table.name)} AS ${source}`);
    }
    const tables = asOf === undefined ? 'wh.main' : await bindTablesAsOf(engine, layout, manifest, asOf);
    await engine.run(`SET search_path = '${tables},wh.meta,memory.snapshots'`);
    return engine;
  } catch (error) {
    engine.close();
    throw error;
  }
}
