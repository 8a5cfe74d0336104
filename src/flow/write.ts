// The one write transaction of an ingest. The first writing task opens it, because that
// is when the warehouse is attached read-write, and a reader holding the file at that
// moment is a transient fault the task retries; so it cannot open before the tasks run.
// `within` commits what the tasks wrote, or rolls it back when any of them throws.
import type { Engine } from '../engine/duckdb';
import { attachWarehouse, detachWarehouse } from '../warehouse/catalog';
import type { WarehouseLayout } from '../warehouse/layout';

export class WriteTransaction {
  private open = false;

  constructor(
    private readonly engine: Engine,
    private readonly layout: WarehouseLayout,
    /** The warehouse is attached read-only as `wh` (validate's view of it), to be swapped. */
    private readOnlyAttached: boolean,
  ) {}

  /** Swaps the read-only attachment for a read-write one and opens the transaction (once; later calls do nothing). */
  async begin(): Promise<void> {
    if (this.open) return;
    if (this.readOnlyAttached) {
      await detachWarehouse(this.engine);
      this.readOnlyAttached = false;
    }
    await attachWarehouse(this.engine, this.layout, 'read_write', { retry: false });
    await this.engine.run('BEGIN TRANSACTION');
    this.open = true;
  }

  /** Runs `work`, whose writing tasks call begin(), then COMMIT; ROLLBACK when it throws. */
  async within<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      if (this.open) await this.engine.run('COMMIT');
      this.open = false;
      return result;
    } catch (error) {
      if (this.open) await this.engine.run('ROLLBACK').catch(() => undefined);
      this.open = false;
      throw error;
    }
  }
}
