// The one write transaction of an ingest: the database and the run's staging folder
// change together or not at all. The first writing task opens it, because that is when
// the warehouse is attached read-write: a reader holding the file at that moment is
// waited out (target.wait), then the run is refused naming it (exit 3).
import type { Engine } from '../engine/duckdb';
import { attachWarehouse, type DatabaseWait, detachWarehouse } from '../warehouse/catalog';
import type { WarehouseLayout } from '../warehouse/layout';
import { type RunMarker, removeStagedRun, stageRun } from '../warehouse/recover';

export interface WriteTarget {
  /** The warehouse is attached read-only as `wh` (validate's view of it), to be swapped. */
  readonly readOnlyAttached: boolean;
  /** The run's .staging/<run_id>: what the transaction's tasks write as files, published after COMMIT. */
  readonly stagingRoot: string;
  /** Written first into stagingRoot, which it creates: recovery's proof that the folder is this run's (warehouse/recover.ts). */
  readonly marker: RunMarker;
  /** Called right before COMMIT, inside the transaction: what it throws (the run lock lost, lock.ts) rolls the run back. */
  readonly beforeCommit?: () => void | Promise<void>;
  /** How long the read-write attach waits for another process holding the database. */
  readonly wait: DatabaseWait;
}

/** Swaps the read-only attachment for a read-write one and opens the transaction (once; later calls do nothing). */
export type BeginWrite = () => Promise<void>;

/**
 * Runs `work`, whose writing tasks call `begin`, then COMMIT. When anything throws before
 * COMMIT succeeds: ROLLBACK, and the run's staged files go with it. After COMMIT the
 * staging folder belongs to the committed run until it is published: recovery's, not ours.
 */
export async function writeInOneTransaction<T>(
  engine: Engine,
  layout: WarehouseLayout,
  target: WriteTarget,
  work: (begin: BeginWrite) => Promise<T>,
): Promise<T> {
  let readOnlyAttached = target.readOnlyAttached;
  let open = false;
  const begin: BeginWrite = async () => {
    if (open) return;
    if (readOnlyAttached) {
      await detachWarehouse(engine);
      readOnlyAttached = false;
    }
    await attachWarehouse(engine, layout, 'read_write', target.wait);
    await engine.run('BEGIN TRANSACTION');
    open = true;
  };
  try {
    stageRun(layout, target.marker);
    const result = await work(begin);
    if (open) {
      await target.beforeCommit?.();
      await engine.run('COMMIT');
    }
    return result;
  } catch (error) {
    if (open) await engine.run('ROLLBACK').catch(() => undefined);
    removeStagedRun(layout, target.marker); // only the folder its marker proves this run's
    throw error;
  }
}
