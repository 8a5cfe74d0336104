// upsert: merge the staged month into the live tables on their key. Rows absent from
// the month stay as they are; a row whose values are all equal is not touched, so a
// replay changes nothing, not even the audit columns.
// May import: base, contract, artifacts, config, engine, warehouse, load, validate (the layer rule, .dependency-cruiser.cjs).
import type { TableChanges } from '../artifacts';
import type { ColumnSpec } from '../contract/columns';
import type { Contract } from '../contract/contract';
import { exportColumns, type TableSpec } from '../contract/tables';
import { type Engine, quoteIdent } from '../engine/duckdb';
import { AUDIT_COLUMNS, liveColumns } from '../warehouse/catalog';
import { keyJoinSql, keyListSql } from '../warehouse/keys';

/**
 * What a new major version of the contract removes or retypes, done to the live tables in
 * the transaction of the run that applies a month (the additions were made as the run
 * started: warehouse/catalog.ts liveAdditionsDdl). A removed column goes; a retyped one is
 * cast, a value the new type cannot hold becoming NULL (its old value stays in the
 * snapshots, which are never changed).
 */
function liveRemovalsDdl(contract: Contract, live: ReadonlyMap<string, ReadonlyMap<string, string>>): string[] {
  return contract.tables.flatMap((table) => {
    const name = `wh.main.${quoteIdent(table.name)}`;
    const columns = [...(live.get(table.name) ?? new Map<string, string>())];
    const declared = new Map(table.columns.map((column) => [column.name, column.type]));
    return columns.flatMap(([column, type]) => {
      const wanted = declared.get(column);
      if (AUDIT_COLUMNS.includes(column) || wanted === type) return [];
      return wanted === undefined
        ? [`ALTER TABLE ${name} DROP COLUMN ${quoteIdent(column)}`]
        : [`ALTER TABLE ${name} ALTER COLUMN ${quoteIdent(column)} TYPE ${wanted} USING TRY_CAST(${quoteIdent(column)} AS ${wanted})`];
    });
  });
}

/** How many rows a table holds; free in DuckDB (table metadata). */
async function rowCount(engine: Engine, relation: string): Promise<number> {
  const [{ rows }] = await engine.rows<{ rows: number }>(`SELECT count(*) AS rows FROM ${relation}`);
  return rows;
}

type Progress = (tablesDone: number, tablesTotal: number, table: string) => void;

/**
 * MERGE every staged table into its live table (the caller owns the transaction) and
 * count what changed. Rows absent from the month stay; only the exported columns are
 * compared and written (a column the export lacks keeps its value).
 */
export async function upsertMonth(
  engine: Engine,
  contract: Contract,
  audit: { asOf: string; runId: string },
  onProgress: Progress = () => undefined,
): Promise<TableChanges[]> {
  return eachLiveTable(engine, contract, onProgress, (table) => mergeIntoLive(engine, table, `staging.${quoteIdent(table.name)}`, exportColumns(table), audit));
}

/**
 * A correction of the newest frozen as_of: each live table becomes `stateOf(table)`, the
 * corrected state (the corrected month merged over the as_of before it, not over the live
 * tables, so that a key the correction drops goes and a value it reverts reverts). Rows the
 * state lacks are deleted, rows whose values differ are updated and new ones inserted, those
 * naming the corrected as_of and the correcting run in their audit columns; rows equal in
 * both keep theirs. Counts as upsertMonth does (a deleted row counts in none).
 */
export async function replaceLiveTables(
  engine: Engine,
  contract: Contract,
  audit: { asOf: string; runId: string },
  stateOf: (table: TableSpec) => Promise<string>,
  onProgress: Progress = () => undefined,
): Promise<TableChanges[]> {
  return eachLiveTable(engine, contract, onProgress, async (table) => {
    const state = await stateOf(table);
    await engine.run(
      `DELETE FROM wh.main.${quoteIdent(table.name)} AS live WHERE NOT EXISTS (SELECT 1 FROM (${state}) AS src WHERE ${keyJoinSql(table.key, 'live', 'src')})`,
    );
    return mergeIntoLive(engine, table, `(${state})`, table.columns, audit);
  });
}

/** The contract's removals and retypes done to the live tables first, then `apply` to each table in contract order, with progress. */
async function eachLiveTable(
  engine: Engine,
  contract: Contract,
  onProgress: Progress,
  apply: (table: TableSpec) => Promise<TableChanges>,
): Promise<TableChanges[]> {
  const changes: TableChanges[] = [];
  for (const statement of liveRemovalsDdl(contract, await liveColumns(engine))) await engine.run(statement);
  for (const [position, table] of contract.tables.entries()) {
    onProgress(position, contract.tables.length, table.name);
    changes.push(await apply(table));
  }
  onProgress(contract.tables.length, contract.tables.length, '');
  return changes;
}

/**
 * MERGE `source` into the table's live table on its key: a row whose `compared` columns
 * all equal (NULL-safe) is not touched, so a replay changes nothing, not even the audit
 * columns. MERGE reports the rows it inserted or updated, and since it deletes nothing the
 * inserted ones are the growth of the live table — no second join needed.
 */
async function mergeIntoLive(
  engine: Engine,
  table: TableSpec,
  source: string,
  compared: readonly ColumnSpec[],
  audit: { asOf: string; runId: string },
): Promise<TableChanges> {
  const name = quoteIdent(table.name);
  const rowsIn = await rowCount(engine, `staging.${name}`);
  const before = await rowCount(engine, `wh.main.${name}`);
  const updated = compared.filter((column) => !table.key.includes(column.name)).map((column) => quoteIdent(column.name));
  const inserted = table.columns.map((column) => quoteIdent(column.name));
  const differs = updated.map((column) => `live.${column} IS DISTINCT FROM src.${column}`).join(' OR ') || 'false';
  const [{ Count: merged }] = (await engine.rows(
    `MERGE INTO wh.main.${name} AS live
     USING ${source} AS src
     ON ${keyJoinSql(table.key, 'live', 'src')}
     WHEN MATCHED AND (${differs}) THEN UPDATE SET
       ${[...updated.map((column) => `${column} = src.${column}`), '"_changed_as_of" = $as_of::DATE', '"_changed_run_id" = $run_id'].join(', ')}
     WHEN NOT MATCHED THEN INSERT (${[...inserted, '"_changed_as_of"', '"_changed_run_id"'].join(', ')})
       VALUES (${[...inserted.map((column) => `src.${column}`), '$as_of::DATE', '$run_id'].join(', ')})`,
    { as_of: audit.asOf, run_id: audit.runId },
  )) as [{ Count: number }];
  const insertedRows = (await rowCount(engine, `wh.main.${name}`)) - before;
  const updatedRows = merged - insertedRows;
  return { table: table.name, rows_in: rowsIn, inserted: insertedRows, updated: updatedRows, unchanged: rowsIn - insertedRows - updatedRows };
}

/**
 * The table as it stands after merging the staged month into `base` (a live table or a
 * frozen snapshot): staged rows win on their key, other rows of `base` stay. This is
 * what upsertMonth leaves in the live table, so a snapshot is written from it and a
 * replay is checked against it.
 */
export function mergedStateSql(table: TableSpec, base: string): string {
  const key = keyListSql(table.key);
  const columns = table.columns.map((column) => (column.inExport ? `src.${quoteIdent(column.name)}` : `base.${quoteIdent(column.name)}`));
  const name = quoteIdent(table.name);
  return `SELECT ${columns.join(', ')} FROM staging.${name} AS src LEFT JOIN (${base}) AS base USING (${key})
          UNION ALL
          SELECT ${table.columns.map((column) => `base.${quoteIdent(column.name)}`).join(', ')}
          FROM (${base}) AS base ANTI JOIN staging.${name} AS src USING (${key})`;
}
