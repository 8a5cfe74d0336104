// The warehouse database: attached to an in-memory engine as `wh`, read-only for
// everything but the short commit of a run, so readers can share the file.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { WAREHOUSE_SCHEMA_VERSION } from '../artifacts';
import { type ColumnType, contractSpelling } from '../contract/columns';
import type { Contract } from '../contract/contract';
import type { TableSpec } from '../contract/tables';
import { type Engine, quoteIdent, quoteLiteral, sqlFile } from '../engine/duckdb';
import { withRetry } from '../engine/retry';
import { damagedDatabase, refuseDamagedDatabase } from './damaged';
import type { WarehouseLayout } from './layout';

/**
 * How a live column is stored, chosen per type instead of DuckDB trying every method at
 * each checkpoint. The live tables hold one month's state (history is in the snapshots),
 * so the write matters more than the size. Measured at 1M users, six tables written and
 * checkpointed on one thread: DuckDB's own choice 4.5 s of CPU for 75 MB; these 2.0 s for
 * 123 MB; everything uncompressed 2.0 s for 204 MB. Keys and doubles are near-unique
 * (nothing to gain), as are doubles and timestamps; text columns are categories (a
 * dictionary), the rest small integers.
 */
function liveCompression(type: ColumnType, isKey: boolean): string {
  if (isKey || type === 'DOUBLE' || type === 'TIMESTAMP' || type === 'TIMESTAMPTZ') return 'uncompressed';
  return type === 'VARCHAR' ? 'dictionary' : 'bitpacking';
}

/** The columns a live table has besides the contract's: which as_of and run last changed the row. */
export const AUDIT_COLUMNS: readonly string[] = ['_changed_as_of', '_changed_run_id'];

/**
 * A live table: the contract's columns plus audit columns saying which as_of and run
 * last changed the row (never in snapshots). No PRIMARY KEY: its index costs more on
 * large loads than the uniqueness check validate already makes.
 */
export function liveTableDdl(table: TableSpec): string {
  const column = (name: string, type: ColumnType) => `${quoteIdent(name)} ${type} USING COMPRESSION ${liveCompression(type, table.key.includes(name))}`;
  const columns = [...table.columns.map((spec) => column(spec.name, spec.type)), column(AUDIT_COLUMNS[0], 'DATE'), column(AUDIT_COLUMNS[1], 'VARCHAR')];
  return `CREATE TABLE IF NOT EXISTS wh.main.${quoteIdent(table.name)} (${columns.join(', ')})`;
}

/**
 * Attaches the warehouse as `wh`. Another process holding a conflicting file lock is a
 * transient fault: by default this waits it out with backoff; `retry: false` leaves the
 * retrying to the caller (a flow task, which records its attempts).
 */
export async function attachWarehouse(
  engine: Engine,
  layout: WarehouseLayout,
  mode: 'read_only' | 'read_write',
  { retry = true }: { retry?: boolean } = {},
): Promise<void> {
  const options = mode === 'read_only' ? ' (READ_ONLY)' : '';
  // A file that is there but is no database (empty, truncated, overwritten) is refused, never attached or created over (damaged.ts).
  refuseDamagedDatabase(layout.database);
  const attach = () => engine.run(`ATTACH ${quoteLiteral(layout.database)} AS wh${options}`);
  await (retry ? withRetry(attach, { isTransient: isLockConflict }) : attach()).catch((error: unknown) => {
    throw damagedDatabase(error, layout.database) ?? error;
  });
}

export async function detachWarehouse(engine: Engine): Promise<void> {
  await engine.run('DETACH wh');
}

/** A new warehouse's identity: random, so two warehouses fed the same months never share one. */
function newWarehouseId(): string {
  return randomUUID();
}

/**
 * Attaches the warehouse read-only, first creating (or upgrading) its live and metadata
 * tables in one transaction when they are not at this version (checked read-only, so a
 * run that needs nothing new never blocks readers, and the attachment it checked with is
 * the one it keeps). A warehouse without an identity gets one then: `warehouseId`, new
 * unless given (rebuild restores the one its partitions' manifests carry).
 */
export async function attachWarehouseCreatingIt(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  { warehouseId = newWarehouseId() }: { warehouseId?: string } = {},
): Promise<void> {
  if (fs.existsSync(layout.database)) {
    await attachWarehouse(engine, layout, 'read_only');
    if ((await schemaVersion(engine)) === WAREHOUSE_SCHEMA_VERSION) return;
    await detachWarehouse(engine);
  }
  fs.mkdirSync(layout.root, { recursive: true });
  await attachWarehouse(engine, layout, 'read_write');
  try {
    await engine.transaction(async () => {
      await engine.run(sqlFile('metadata'));
      for (const table of contract.tables) await engine.run(liveTableDdl(table));
      await engine.run(sqlFile('catalog/delete-schema-version'));
      await engine.run(sqlFile('catalog/insert-schema-version'), { version: WAREHOUSE_SCHEMA_VERSION });
      await engine.run(sqlFile('catalog/insert-warehouse-id'), { warehouse_id: warehouseId });
    });
  } finally {
    await detachWarehouse(engine);
  }
  await attachWarehouse(engine, layout, 'read_only');
}

/** The attached warehouse's metadata version; null when it has no metadata yet. */
async function schemaVersion(engine: Engine): Promise<string | null> {
  const [hasInfo] = await engine.rows(sqlFile('catalog/has-schema-info'));
  if (!hasInfo) return null;
  const [row] = await engine.rows<{ value: string }>(sqlFile('catalog/schema-version'));
  return row?.value ?? null;
}

export function isLockConflict(error: unknown): boolean {
  return /Could not set lock on file|Conflicting lock is held/i.test(String((error as Error)?.message ?? error));
}

/** The columns of the live tables as they stand (table → column → type). */
export async function liveColumns(engine: Engine): Promise<Map<string, Map<string, string>>> {
  const rows = await engine.rows<{ table_name: string; column_name: string; data_type: string }>(sqlFile('catalog/live-columns'));
  const tables = new Map<string, Map<string, string>>();
  for (const row of rows) tables.set(row.table_name, (tables.get(row.table_name) ?? new Map()).set(row.column_name, contractSpelling(row.data_type)));
  return tables;
}

/**
 * What a later contract version adds to the live tables: a new table (empty), a new column
 * (NULL in every row until a month fills it). Only additions: they change no value, so
 * they are made as the run starts, in a transaction of their own, and every stage then
 * reads live tables of the contract's shape. What a major version removes or retypes is
 * changed by the run that applies a month (upsert/index.ts), in its own transaction.
 */
export function liveAdditionsDdl(contract: Contract, live: ReadonlyMap<string, ReadonlyMap<string, string>>): string[] {
  return contract.tables.flatMap((table) => {
    const columns = live.get(table.name);
    if (!columns) return [liveTableDdl(table)];
    return table.columns
      .filter((column) => !columns.has(column.name))
      .map((column) => `ALTER TABLE wh.main.${quoteIdent(table.name)} ADD COLUMN ${quoteIdent(column.name)} ${column.type}`);
  });
}

/** Attaches the warehouse read-only after making the live tables' additions (liveAdditionsDdl) when there are any. */
export async function addToLiveTables(engine: Engine, contract: Contract, layout: WarehouseLayout): Promise<void> {
  const additions = liveAdditionsDdl(contract, await liveColumns(engine));
  if (additions.length === 0) return;
  await detachWarehouse(engine);
  await attachWarehouse(engine, layout, 'read_write');
  try {
    await engine.transaction(async () => {
      for (const statement of additions) await engine.run(statement);
    });
  } finally {
    await detachWarehouse(engine);
  }
  await attachWarehouse(engine, layout, 'read_only');
}
