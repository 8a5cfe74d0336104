// Read access to the warehouse for every consumer (history, training sets, sync, query):
// the database attached read-only, after the checks that it is there and is this warehouse's.
import * as fs from 'node:fs';
import { type Engine, openEngine } from '../engine/duckdb';
import { InvocationError } from '../errors';
import { attachWarehouse } from './catalog';
import type { WarehouseLayout } from './layout';
import { refuseLostDatabase } from './recover';

/** An engine with the warehouse attached read-only as `wh`. */
export async function openReader(layout: WarehouseLayout): Promise<Engine> {
  refuseLostDatabase(layout);
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
