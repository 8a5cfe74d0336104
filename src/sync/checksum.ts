// A content checksum of a set of rows that DuckDB and PostgreSQL compute identically:
// every row as one canonical text (columns in contract order, `|` between them, `\N`
// for NULL), its md5, the first 15 hex digits of that as a 60-bit integer, summed.
// The sum does not depend on row order (the engines collate text differently), and
// with the row count beside it a changed, added or lost row changes the pair.
import type { ColumnSpec, TableSpec } from '../contract/tables';
import { quoteIdent } from '../engine/duckdb';

export type Dialect = 'duckdb' | 'postgres';

export interface PartitionChecksum {
  readonly rows: number;
  /** The sum of the row hashes, as decimal text (beyond 64 bits). */
  readonly checksum: string;
}

const NULL_TEXT = '\\N';

/** `7043 rows, checksum 4055…`, or `absent`. */
export function describeChecksum(checksum: PartitionChecksum | null | undefined): string {
  return checksum ? `${checksum.rows} rows, checksum ${checksum.checksum}` : 'absent';
}

/**
 * A finite DOUBLE as a plain decimal (no exponent, no trailing `.0`, -0 as 0), built
 * from the engine's shortest round-trip text, which both engines print, in different
 * notations: DuckDB `12.0`, `1000000000000000.0`, `1e-07`; PostgreSQL `12`, `1e+15`,
 * `1e-07`. The digits are the same, so expanding the exponent gives the same text.
 */
function doubleText(dialect: Dialect, value: string): string {
  const text = `CAST(${value} AS ${dialect === 'duckdb' ? 'VARCHAR' : 'TEXT'})`;
  const magnitude = `CAST(abs(${value}) AS ${dialect === 'duckdb' ? 'VARCHAR' : 'TEXT'})`;
  const digits = `replace(split_part(${magnitude}, 'e', 1), '.', '')`;
  // The mantissa of the exponent notation has one digit before the point in both engines.
  const point = `(1 + CAST(split_part(${magnitude}, 'e', 2) AS INTEGER))`;
  const expanded = `CASE WHEN ${point} <= 0 THEN '0.' || repeat('0', -${point}) || ${digits}
    WHEN ${point} >= length(${digits}) THEN ${digits} || repeat('0', ${point} - length(${digits}))
    ELSE substr(${digits}, 1, ${point}) || '.' || substr(${digits}, ${point} + 1) END`;
  return `CASE WHEN lower(${text}) = 'nan' THEN 'NaN'
    WHEN lower(${text}) IN ('inf', 'infinity') THEN 'Infinity'
    WHEN lower(${text}) IN ('-inf', '-infinity') THEN '-Infinity'
    WHEN ${value} = 0 THEN '0'
    ELSE (CASE WHEN ${value} < 0 THEN '-' ELSE '' END)
      || (CASE WHEN strpos(${magnitude}, 'e') = 0 THEN regexp_replace(${magnitude}, '\\.0$', '') ELSE ${expanded} END) END`;
}

/** The canonical text of one column value (NULL stays NULL here). */
export function columnText(dialect: Dialect, column: ColumnSpec, value: string): string {
  const textType = dialect === 'duckdb' ? 'VARCHAR' : 'TEXT';
  switch (column.type) {
    case 'VARCHAR':
      return value;
    case 'DATE':
      return dialect === 'duckdb' ? `strftime(${value}, '%Y-%m-%d')` : `to_char(${value}, 'YYYY-MM-DD')`;
    case 'DOUBLE':
      return doubleText(dialect, value);
    default:
      // BOOLEAN (true/false), INTEGER and DECIMAL(p,s) (all s digits kept) print alike in both.
      return `CAST(${value} AS ${textType})`;
  }
}

/** The 60-bit hash of a row of `table` (columns read from the relation aliased `alias`). */
export function rowHashSql(dialect: Dialect, table: TableSpec, alias: string): string {
  const texts = table.columns.map((column) => `coalesce(${columnText(dialect, column, `${alias}.${quoteIdent(column.name)}`)}, '${NULL_TEXT}')`);
  const digest = `substr(md5(${texts.join(` || '|' || `)}), 1, 15)`;
  return dialect === 'duckdb' ? `CAST('0x' || ${digest} AS BIGINT)` : `CAST(CAST('x' || ${digest} AS bit(60)) AS BIGINT)`;
}

/** The `rows` and `checksum` aggregates over the rows of the FROM item aliased `alias`. */
export function checksumSelect(dialect: Dialect, table: TableSpec, alias: string): string {
  const textType = dialect === 'duckdb' ? 'VARCHAR' : 'TEXT';
  return `count(*) AS rows, CAST(coalesce(sum(${rowHashSql(dialect, table, alias)}), 0) AS ${textType}) AS checksum`;
}
