// Frozen partitions read under the current contract. A partition keeps the columns of the
// contract version it was frozen under (a snapshot never changes): a column a later
// version added is NULL in it, one a later major version removed is not read, one it
// retyped is cast (TRY_CAST: a value the new type cannot hold reads as NULL). Every
// reader of frozen files goes through here: query and time travel, the replay check,
// training sets and `serve`, the PostgreSQL mirror, rebuild.
import { contractSpelling } from '../contract/columns';
import type { TableSpec } from '../contract/tables';
import { type Engine, quoteIdent, quoteLiteral } from '../engine/duckdb';

/** The columns `files` hold between them (name → type), read from their Parquet footers only; empty for no file. */
export async function frozenColumns(engine: Engine, files: readonly string[]): Promise<Map<string, string>> {
  if (files.length === 0) return new Map();
  const described = await engine.rows<{ column_name: string; column_type: string }>(
    `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${parquetSql(files)})`,
  );
  return new Map(described.map((row) => [row.column_name, contractSpelling(row.column_type)]));
}

/** read_parquet over `files`, columns matched by name (files of different contract versions differ in their columns). */
function parquetSql(files: readonly string[]): string {
  return `read_parquet([${files.map(quoteLiteral).join(', ')}], union_by_name = true)`;
}

/** The table's columns, in contract order, as `held` (frozenColumns) lets the files give them. */
function frozenColumnsSql(table: TableSpec, held: ReadonlyMap<string, string>): string {
  return table.columns
    .map((column) => {
      const name = quoteIdent(column.name);
      const type = held.get(column.name);
      if (type === undefined) return `NULL::${column.type} AS ${name}`;
      return type === column.type ? name : `TRY_CAST(${name} AS ${column.type}) AS ${name}`;
    })
    .join(', ');
}

/**
 * `SELECT <the table's columns>, "as_of"` from frozen `files` (at least one), each read
 * under the current contract as above.
 */
export async function frozenRowsSql(engine: Engine, table: TableSpec, files: readonly string[]): Promise<string> {
  const held = await frozenColumns(engine, files);
  return `SELECT ${frozenColumnsSql(table, held)}, "as_of" FROM ${parquetSql(files)}`;
}

/**
 * One frozen file as a relation of the table's columns and "as_of": the file itself when
 * it holds every column with its contract type (DuckDB then pushes filters into its scan
 * untouched), else the projection above.
 */
export function frozenFileSql(table: TableSpec, file: string, held: ReadonlyMap<string, string>): string {
  const asFrozen = table.columns.every((column) => held.get(column.name) === column.type);
  return asFrozen ? parquetSql([file]) : `(SELECT ${frozenColumnsSql(table, held)}, "as_of" FROM ${parquetSql([file])})`;
}
