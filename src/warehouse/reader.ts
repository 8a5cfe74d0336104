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

/** A fresh folder under os.tmpdir(); a TMPDIR that is no writable folder is named (exit 2), not met as a raw error. */
function temporaryFolder(prefix: string): string {
  try {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  } catch (error) {
    throw new InvocationError(
      `cannot make a temporary folder in TMPDIR ${os.tmpdir()} (${(error as NodeJS.ErrnoException).code}): set TMPDIR to a folder you can write`,
    );
  }
}

/**
 * An engine with the warehouse attached read-only as `wh`; `limits` carries the run's
 * threads and memory limit for consumers that join a month's worth of rows, such as
 * training sets.
 */
export async function openReader(layout: WarehouseLayout, limits: Pick<EngineOptions, 'threads' | 'memoryLimit'> = {}): Promise<Engine> {
  refuseLostDatabase(layout);
  if (!fs.existsSync(layout.database)) {
    throw new InvocationError(`no warehouse at ${layout.root}: run \`streamflow ingest\` first (or set --warehouse / WAREHOUSE_DIR)`);
  }
  // Under a memory limit, spills go to a folder of the reader's own (the warehouse's is a
  // writer's), removed when the reader closes.
  const spill = limits.memoryLimit === undefined ? undefined : temporaryFolder('streamflow-spill-');
  const opened = await openEngine({ ...limits, tempDirectory: spill });
  const reader: Engine =
    spill === undefined
      ? opened
      : {
          ...opened,
          close: () => {
            opened.close();
            fs.rmSync(spill, { recursive: true, force: true });
          },
        };
  try {
    await attachWarehouse(reader, layout, 'read_only');
    return reader;
  } catch (error) {
    reader.close();
    throw error;
  }
}
