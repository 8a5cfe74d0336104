// `query --as-of DATE`: each table name answers with its snapshot at the newest as_of at or
// before DATE, so the same SQL runs against any month. Views over the one partition file
// the manifest names; `snapshots.<table>` keeps serving every as_of.
import * as path from 'node:path';
import { CONTRACT } from '../contract/tables';
import { quoteIdent, quoteLiteral, type Engine } from '../engine/duckdb';
import { InvocationError } from '../errors';
import { snapshotColumnsSql, type SnapshotEntry } from '../snapshot';
import type { WarehouseLayout } from '../warehouse/layout';

/** The schema the bound views live in; put it first on the search path instead of the live tables. */
export const AS_OF_SCHEMA = 'memory.as_of';

/** Creates `memory.as_of.<table>` for every table; refuses a date before the first snapshot. */
export async function bindTablesAsOf(engine: Engine, layout: WarehouseLayout, manifest: readonly SnapshotEntry[], asOf: string): Promise<string> {
  const first = manifest.map((entry) => entry.as_of).sort()[0];
  if (first === undefined || asOf < first) {
    throw new InvocationError(`--as-of ${asOf}: no snapshot at or before that date (${first === undefined ? 'nothing is frozen yet' : `the first is ${first}`})`);
  }
  await engine.run(`CREATE SCHEMA ${AS_OF_SCHEMA}`);
  for (const table of CONTRACT) {
    const entry = manifest.filter((candidate) => candidate.table_name === table.name && candidate.as_of <= asOf).at(-1);
    const columns = snapshotColumnsSql(table);
    const source = entry
      ? `SELECT ${columns}, "as_of" FROM read_parquet(${quoteLiteral(path.join(layout.root, entry.path))})`
      : `SELECT ${columns}, NULL::DATE AS "as_of" FROM wh.main.${quoteIdent(table.name)} WHERE false`;
    await engine.run(`CREATE VIEW ${AS_OF_SCHEMA}.${quoteIdent(table.name)} AS ${source}`);
  }
  return AS_OF_SCHEMA;
}
