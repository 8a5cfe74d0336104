// A content checksum of a set of rows that DuckDB and PostgreSQL compute identically:
// every row as one canonical text (columns in contract order, `|` between them, `\N`
// for NULL), its md5, the first 15 hex digits of that as a 60-bit integer, summed.
// The sum does not depend on row order (the engines collate text differently), and
// with the row count beside it a changed, added or lost row changes the pair.
import type { ColumnSpec } from '../contract/columns';
import type { TableSpec } from '../contract/tables';
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
 * A DOUBLE as its exact binary value, `<sign><m>p<e>` with x = m · 2^(e−52) and m an
 * integer in [2^52, 2^53). Decimal text will not do: both engines print a shortest
 * round-trip form, but where several exist they pick different ones (DuckDB
 * 4.255877640775042e+16, PostgreSQL 4.2558776407750416e+16, the same double). Scaling by
 * powers of two is exact in both, so this form is the same wherever the value is.
 */
function doubleText(dialect: Dialect, value: string): string {
  const textType = dialect === 'duckdb' ? 'VARCHAR' : 'TEXT';
  // Every operand a double: PostgreSQL would otherwise compute in NUMERIC, which rounds.
  const double = (expression: string) => `CAST(${expression} AS ${dialect === 'duckdb' ? 'DOUBLE' : 'DOUBLE PRECISION'})`;
  const text = `CAST(${value} AS ${textType})`;
  const magnitude = `abs(${value})`;
  const two = double('2');
  // In two factors, so that neither over- nor underflows, even for subnormals.
  const scaled = (exponent: string) => {
    const half = double(`floor((52 - ${exponent}) / 2.0)`);
    return `(${magnitude} * power(${two}, ${half}) * power(${two}, ${double(`52 - ${exponent}`)} - ${half}))`;
  };
  // log2 may land one off near a power of two; the scaled value shows which way.
  const estimate = `CAST(floor(ln(${magnitude}) / ln(${two})) AS INTEGER)`;
  const exponent = `(CASE WHEN ${scaled(estimate)} >= ${double('9007199254740992')} THEN ${estimate} + 1
    WHEN ${scaled(estimate)} < ${double('4503599627370496')} THEN ${estimate} - 1 ELSE ${estimate} END)`;
  return `CASE WHEN lower(${text}) = 'nan' THEN 'NaN'
    WHEN lower(${text}) IN ('inf', 'infinity') THEN 'Infinity'
    WHEN lower(${text}) IN ('-inf', '-infinity') THEN '-Infinity'
    WHEN ${value} = 0 THEN '0'
    ELSE (CASE WHEN ${value} < 0 THEN '-' ELSE '' END) || CAST(CAST(${scaled(exponent)} AS BIGINT) AS ${textType}) || 'p' || CAST(${exponent} AS ${textType}) END`;
}

/** The canonical text of one column value (NULL stays NULL here). */
export function columnText(dialect: Dialect, column: ColumnSpec, value: string): string {
  const textType = dialect === 'duckdb' ? 'VARCHAR' : 'TEXT';
  switch (column.type) {
    case 'VARCHAR':
      return value;
    case 'DATE':
      return dialect === 'duckdb' ? `strftime(${value}, '%Y-%m-%d')` : `to_char(${value}, 'YYYY-MM-DD')`;
    // Microseconds always printed; a moment with a zone as its UTC wall time, whatever either session's zone.
    case 'TIMESTAMP':
      return dialect === 'duckdb' ? `strftime(${value}, '%Y-%m-%d %H:%M:%S.%f')` : `to_char(${value}, 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'TIMESTAMPTZ':
      return dialect === 'duckdb'
        ? `strftime(${value} AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f')`
        : `to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'DOUBLE':
      return doubleText(dialect, value);
    default:
      // BOOLEAN (true/false), INTEGER, BIGINT and DECIMAL(p,s) (all s digits kept) print alike in both.
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
