// SQL over a table's key, one column or several (a composite key): joins, the key as
// one text for messages and the failures table, as a STRUCT for samples, and NULL tests
// on one side of an outer join. `alias` qualifies the columns (`staged` → staged."k").
import { quoteIdent, quoteLiteral } from '../engine/duckdb';

type Key = readonly string[];

function qualified(column: string, alias?: string): string {
  return `${alias ? `${alias}.` : ''}${quoteIdent(column)}`;
}

/** `a."k1" = b."k1" AND a."k2" = b."k2"`. */
export function keyJoinSql(key: Key, left: string, right: string): string {
  return key.map((column) => `${qualified(column, left)} = ${qualified(column, right)}`).join(' AND ');
}

/** The key as text: the value itself for a one-column key, the values joined by ", " for a composite one; NULL without a key. */
export function keyTextSql(key: Key, alias?: string): string {
  const columns = key.map((column) => `${qualified(column, alias)}::VARCHAR`);
  if (columns.length === 0) return 'NULL::VARCHAR';
  return columns.length === 1 ? columns[0] : `concat_ws(', ', ${columns.join(', ')})`;
}

/**
 * The key as a STRUCT of texts, one field per key column under its own name (GE's
 * unexpected_index_column_names): the `key` of a sample (errors.ts SampleValue), which
 * validate spreads into a result's index beside the line. NULL without a key.
 */
export function keyStructSql(key: Key, alias?: string): string {
  return key.length === 0 ? 'NULL' : `{${key.map((column) => `${quoteLiteral(column)}: ${qualified(column, alias)}::VARCHAR`).join(', ')}}`;
}

/** True when the row of `alias` is missing from an outer join (key columns are never NULL in a validated table). */
export function keyMissingSql(key: Key, alias: string): string {
  return `${qualified(key[0], alias)} IS NULL`;
}

/** The key columns, quoted and comma-separated: for ORDER BY, GROUP BY and PRIMARY KEY. */
export function keyListSql(key: Key, alias?: string): string {
  return key.map((column) => qualified(column, alias)).join(', ');
}
