// Read access to the warehouse for every consumer (history, training sets, sync, query):
// the database attached read-only, after the checks that it is there and is this warehouse's.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Engine, type EngineOptions, openEngine } from '../engine/duckdb';
import { InvocationError } from '../errors';
import { attachWarehouse } from './catalog';
import type { WarehouseLayout } from './layout';
import { refuseLostDatabase } from './recover';

/**
 * An engine with the warehouse attached read-only as `wh`; `engine` carries the run's
 * threads and memory limit for consumers that join a month's worth of rows, such as
 * training sets.
 */
export async function openReader(layout: WarehouseLayout, engine: Pick<EngineOptions, 'threads' | 'memoryLimit'> = {}): Promise<Engine> {
  refuseLostDatabase(layout);
  if (!fs.existsSync(layout.database)) {
    throw new InvocationError(`no warehouse at ${layout.root}: run \`streamflow ingest\` first (or set --warehouse / WAREHOUSE_DIR)`);
  }
  // Spills go to a folder of this process's own: the warehouse's is a writer's.
  const spill = engine.memoryLimit === undefined ? {} : { tempDirectory: path.join(os.tmpdir(), `streamflow-spill-${process.pid}`) };
  const reader = await openEngine({ ...engine, ...spill });
  try {
    await attachWarehouse(reader, layout, 'read_only');
    return reader;
  } catch (error) {
    reader.close();
    throw error;
  }
}
