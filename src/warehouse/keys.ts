// SQL over a table's key, one column or several (a composite key): joins, the key as
// one text for messages and samples, and NULL tests on one side of an outer join.
import type { TableSpec } from '../contract/tables';
import { quoteIdent, quoteLiteral } from '../engine/duckdb';

/** `a."k1" = b."k1" AND a."k2" = b."k2"`. */
export function keyJoinSql(table: TableSpec, left: string, right: string): string {
  return table.key.map((column) => `${left}.${quoteIdent(column)} = ${right}.${quoteIdent(column)}`).join(' AND ');
}

/** The key as text: the value itself for a one-column key, the values joined by ", " for a composite one. */
export function keyTextSql(table: TableSpec, alias?: string): string {
  const columns = table.key.map((column) => `${alias ? `${alias}.` : ''}${quoteIdent(column)}::VARCHAR`);
  return columns.length === 1 ? columns[0] : `concat_ws(', ', ${columns.join(', ')})`;
}

/** The key as a STRUCT of texts, one field per key column: the `key` of a sample (errors.ts SampleValue). */
export function keyStructSql(key: readonly string[], alias?: string): string {
  return `{${key.map((column) => `${quoteLiteral(column)}: ${alias ? `${alias}.` : ''}${quoteIdent(column)}::VARCHAR`).join(', ')}}`;
}

/** True when the row of `alias` is missing from an outer join (key columns are never NULL in a validated table). */
export function keyMissingSql(table: TableSpec, alias: string): string {
  return `${alias}.${quoteIdent(table.key[0])} IS NULL`;
}

/** The key columns, quoted and comma-separated: for ORDER BY, GROUP BY and PRIMARY KEY. */
export function keyListSql(table: TableSpec, alias?: string): string {
  return table.key.map((column) => `${alias ? `${alias}.` : ''}${quoteIdent(column)}`).join(', ');
}
