// The warehouse database: attached to an in-memory engine as `wh`, read-only for
// everything but the short commit of a run, so readers can share the file.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { WAREHOUSE_SCHEMA_VERSION } from '../artifacts';
import { type ColumnType, contractSpelling } from '../contract/columns';
import type { Contract } from '../contract/contract';
import type { TableSpec } from '../contract/tables';
import { type Engine, quoteIdent, quoteLiteral, sqlFile } from '../engine/duckdb';
import { WarehouseHeldError } from '../errors';
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
 * How long an attach waits for another process to let go of the database file (DuckDB
 * allows one writer, or readers, per file, across processes), and who hears why it waits.
 * Past `timeoutMs` it refuses with WarehouseHeldError (exit 3) naming the holder's PID.
 */
export interface DatabaseWait {
  readonly timeoutMs: number;
  /** Told once, when the wait starts: the holder as DuckDB names it. */
  readonly onWait?: (holder: string) => void;
}

/** A reader's wait: a run holds the file read-write only for its commit, well within it. */
const READER_WAIT: DatabaseWait = { timeoutMs: 10_000 };

/** Attaches the warehouse as `wh`, waiting out another process that holds the file (DatabaseWait). */
export async function attachWarehouse(
  engine: Engine,
  layout: WarehouseLayout,
  mode: 'read_only' | 'read_write',
  wait: DatabaseWait = READER_WAIT,
): Promise<void> {
  const options = mode === 'read_only' ? ' (READ_ONLY)' : '';
  // A file that is there but is no database (empty, truncated, overwritten) is refused, never attached or created over (damaged.ts).
  refuseDamagedDatabase(layout.database);
  const attach = () => engine.run(`ATTACH ${quoteLiteral(layout.database)} AS wh${options}`);
  await waitingOutHolder(layout.database, attach, wait).catch((error: unknown) => {
    throw damagedDatabase(error, layout.database) ?? error;
  });
}

/** `work` (an attach) again, with backoff, while another process holds `database`; then WarehouseHeldError. */
async function waitingOutHolder<T>(database: string, work: () => Promise<T>, wait: DatabaseWait): Promise<T> {
  const started = performance.now();
  let delayMs = 25;
  for (let told = false; ; told = true) {
    try {
      return await work();
    } catch (error) {
      if (!isLockConflict(error)) throw error;
      const holder = lockHolder(error);
      const waitedMs = performance.now() - started;
      if (waitedMs >= wait.timeoutMs) throw new WarehouseHeldError(database, holder.pid, holder.program, waitedMs);
      if (!told) wait.onWait?.(describeHolder(holder));
      await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, wait.timeoutMs - waitedMs)));
      delayMs = Math.min(delayMs * 2, 500);
    }
  }
}

/** DuckDB's "Conflicting lock is held in /usr/bin/node (PID 1234)": the holder's program and PID, null where it says neither. */
function lockHolder(error: unknown): { readonly pid: number | null; readonly program: string | null } {
  const found = /Conflicting lock is held in (.+?) \(PID (\d+)\)/.exec(String((error as Error)?.message ?? error));
  return found ? { pid: Number(found[2]), program: found[1] } : { pid: null, program: null };
}

function describeHolder({ pid, program }: ReturnType<typeof lockHolder>): string {
  return pid === null ? 'another process' : `PID ${pid} (${program})`;
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
  { warehouseId = newWarehouseId(), wait }: { warehouseId?: string; wait?: DatabaseWait } = {},
): Promise<void> {
  if (fs.existsSync(layout.database)) {
    await attachWarehouse(engine, layout, 'read_only', wait);
    if ((await schemaVersion(engine)) === WAREHOUSE_SCHEMA_VERSION) return;
    await detachWarehouse(engine);
  }
  fs.mkdirSync(layout.root, { recursive: true });
  await attachWarehouse(engine, layout, 'read_write', wait);
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
  await attachWarehouse(engine, layout, 'read_only', wait);
}

/** The attached warehouse's metadata version; null when it has no metadata yet. */
async function schemaVersion(engine: Engine): Promise<string | null> {
  const [hasInfo] = await engine.rows(sqlFile('catalog/has-schema-info'));
  if (!hasInfo) return null;
  const [row] = await engine.rows<{ value: string }>(sqlFile('catalog/schema-version'));
  return row?.value ?? null;
}

function isLockConflict(error: unknown): boolean {
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
export async function addToLiveTables(engine: Engine, contract: Contract, layout: WarehouseLayout, wait?: DatabaseWait): Promise<void> {
  const additions = liveAdditionsDdl(contract, await liveColumns(engine));
  if (additions.length === 0) return;
  await detachWarehouse(engine);
  await attachWarehouse(engine, layout, 'read_write', wait);
  try {
    await engine.transaction(async () => {
      for (const statement of additions) await engine.run(statement);
    });
  } finally {
    await detachWarehouse(engine);
  }
  await attachWarehouse(engine, layout, 'read_only', wait);
}
