// A SELECT's result in each output format, every value's text DuckDB's own: each column is
// cast to VARCHAR (table, CSV) or turned into JSON by to_json (JSON) in SQL, around the
// statement, so that no value is formatted by hand here. TypeScript only lays the texts
// out: aligns a table, quotes CSV fields, indents JSON. Arrow keeps the engine's typed
// values (engine/arrow.ts); Parquet is DuckDB's own COPY.
import { arrowIpc } from '../engine/arrow';
import { type Engine, quoteIdent, quoteLiteral } from '../engine/duckdb';
import { textTable } from './table';

export interface RenderOptions {
  /** JSON only: DECIMAL values as exact strings ("29.85") instead of exact numbers (29.85). */
  readonly decimalsAsStrings?: boolean;
}

/** A result as text, and how many rows it holds. */
export interface RenderedText {
  readonly text: string;
  readonly rows: number;
}

/** A result column as DuckDB describes it: its name and its SQL type (`DECIMAL(38,10)`, `TIMESTAMP WITH TIME ZONE`, …). */
interface DescribedColumn {
  readonly name: string;
  readonly type: string;
}

/** The largest integer a JSON reader's double holds exactly (2^53 − 1): beyond it an integer is printed as a string. */
const EXACT_DOUBLE_INTEGER = '9007199254740991';

/**
 * One SELECT statement as a subquery: without a final semicolon, which a statement may end
 * with, on lines of its own, so that a trailing comment stays inside the parentheses.
 */
function subquery(sql: string): string {
  return `(\n${sql.replace(/;\s*$/, '')}\n)`;
}

/** The result's columns, in order, found by binding the statement (it is not run). */
async function describeResult(engine: Engine, sql: string): Promise<DescribedColumn[]> {
  const rows = await engine.rows<{ column_name: string; column_type: string }>(`DESCRIBE ${subquery(sql)}`);
  return rows.map((row) => ({ name: row.column_name, type: row.column_type }));
}

/**
 * `sql` with each column replaced by `cell(column reference, its type)`, a VARCHAR. The
 * columns are reached by position (`AS result(c0, c1, …)`), so two columns of one name stay two.
 */
function cellsSql(sql: string, columns: readonly DescribedColumn[], cell: (reference: string, type: string) => string): string {
  const positions = columns.map((_, index) => quoteIdent(`c${index}`));
  const cells = columns.map((column, index) => `(${cell(`result.${positions[index]}`, column.type)})::VARCHAR AS ${positions[index]}`);
  return `SELECT ${cells.join(', ')} FROM ${subquery(sql)} AS result(${positions.join(', ')})`;
}

/**
 * A value's text as DuckDB casts it to VARCHAR. A TIMESTAMPTZ's cast would follow the
 * session's TimeZone, the machine's own; it is printed in UTC, as DuckDB casts it under
 * TimeZone 'UTC' (`1969-12-31 23:59:59.9995+00`), so that the same result prints the same anywhere.
 */
function textCell(reference: string, type: string): string {
  return type === 'TIMESTAMP WITH TIME ZONE' ? `timezone('UTC', ${reference})::VARCHAR || '+00'` : `${reference}::VARCHAR`;
}

/** A DECIMAL or an integer type wider than a double holds, which the engine reads as a DECIMAL (engine/duckdb.ts). */
function isExactNumber(type: string): boolean {
  return type.startsWith('DECIMAL(') || type === 'HUGEINT' || type === 'UBIGINT';
}

function isWholeNumber(type: string): boolean {
  return type === 'BIGINT' || type === 'HUGEINT' || type === 'UBIGINT' || type === 'UHUGEINT' || /^DECIMAL\(\d+,0\)$/.test(type);
}

/**
 * A value's JSON text, DuckDB's to_json's or its cast's: numbers stay numbers, a DECIMAL an
 * exact number (or its exact text with `decimalsAsStrings`), nested values arrays and
 * objects. A whole number beyond 2^53 and a non-finite double are strings, which every JSON
 * reader keeps. A number is written without the `.0` or trailing zeros to_json and the cast
 * add (87.00 → 87, 1.50 → 1.5): the shortest text of the same exact number, as JavaScript prints it.
 */
function jsonCell(reference: string, type: string, options: RenderOptions): string {
  if (isExactNumber(type) && options.decimalsAsStrings) return `to_json(${textCell(reference, type)})`;
  if (isWholeNumber(type)) {
    return `CASE WHEN ${reference} BETWEEN -${EXACT_DOUBLE_INTEGER} AND ${EXACT_DOUBLE_INTEGER} THEN ${reference}::VARCHAR ELSE to_json(${reference}::VARCHAR) END`;
  }
  // A DECIMAL of scale > 0: its cast always has a decimal point, so only fraction zeros go.
  if (type.startsWith('DECIMAL(')) return `rtrim(rtrim(${reference}::VARCHAR, '0'), '.')`;
  if (type === 'DOUBLE' || type === 'FLOAT') {
    return `CASE WHEN isfinite(${reference}) THEN regexp_replace(to_json(${reference})::VARCHAR, '\\.0$', '') ELSE to_json(${reference}::VARCHAR) END`;
  }
  if (type === 'TIMESTAMP WITH TIME ZONE') return `to_json(${textCell(reference, type)})`;
  return `to_json(${reference})`;
}

/** Every cell of `cellsSql`'s result, row by row; null for NULL. */
async function cellRows(engine: Engine, sql: string, width: number): Promise<(string | null)[][]> {
  const held = await engine.hold(sql);
  const rows: (string | null)[][] = [];
  for (const chunk of held.chunks) {
    for (let row = 0; row < chunk.rowCount; row += 1) rows.push(Array.from({ length: width }, (_, column) => chunk.text(column, row)));
  }
  return rows;
}

/** The result's column names and each value's text as DuckDB casts it. */
async function textCells(engine: Engine, sql: string): Promise<{ names: string[]; rows: (string | null)[][] }> {
  const columns = await describeResult(engine, sql);
  return { names: columns.map((column) => column.name), rows: await cellRows(engine, cellsSql(sql, columns, textCell), columns.length) };
}

/** An aligned text table for people: NULL printed as NULL, apart from an empty string. */
export async function tableText(engine: Engine, sql: string): Promise<string> {
  const { names, rows } = await textCells(engine, sql);
  return textTable(
    names,
    rows.map((row) => row.map((text) => text ?? 'NULL')),
  );
}

/** A CSV field as DuckDB's CSV writer writes it: NULL an empty field, an empty string quoted, quotes doubled. */
function csvField(text: string | null): string {
  if (text === null) return '';
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV with a header line, the same bytes DuckDB's `COPY … (FORMAT csv, HEADER true)` writes. */
export async function csvText(engine: Engine, sql: string): Promise<RenderedText> {
  const { names, rows } = await textCells(engine, sql);
  return { text: [names, ...rows].map((row) => `${row.map(csvField).join(',')}\n`).join(''), rows: rows.length };
}

/**
 * Compact JSON text (to_json's) laid out as JSON.stringify(value, null, 2) lays it out,
 * starting at `depth`: the numbers' own digits are kept, which parsing and printing again would not.
 */
function indentJson(compact: string, depth: number): string {
  const indent = (level: number) => `\n${'  '.repeat(level)}`;
  let text = '';
  let level = depth;
  let inString = false;
  for (let index = 0; index < compact.length; index += 1) {
    const char = compact[index];
    if (inString) {
      text += char;
      if (char === '\\') text += compact[++index];
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      text += char;
    } else if ((char === '{' || char === '[') && (compact[index + 1] === '}' || compact[index + 1] === ']')) {
      text += char + compact[++index];
    } else if (char === '{' || char === '[') {
      level += 1;
      text += char + indent(level);
    } else if (char === '}' || char === ']') {
      level -= 1;
      text += indent(level) + char;
    } else if (char === ',') {
      text += char + indent(level);
    } else if (char === ':') {
      text += ': ';
    } else {
      text += char;
    }
  }
  return text;
}

/**
 * A JSON array of one object per row, laid out two spaces deep. Of two columns of one name
 * the object keeps one key, at the first one's place, with the last one's value (as a JSON
 * object built in JavaScript does).
 */
export async function jsonText(engine: Engine, sql: string, options: RenderOptions = {}): Promise<RenderedText> {
  const columns = await describeResult(engine, sql);
  const rows = await cellRows(
    engine,
    cellsSql(sql, columns, (reference, type) => jsonCell(reference, type, options)),
    columns.length,
  );
  if (rows.length === 0) return { text: '[]\n', rows: 0 };
  const lastOfName = new Map(columns.map((column, index) => [column.name, index]));
  const keys = [...lastOfName].map(([name, index]) => ({ key: JSON.stringify(name), index }));
  const objects = rows.map((row) => {
    const members = keys.map(({ key, index }) => `    ${key}: ${row[index] === null ? 'null' : indentJson(row[index], 2)}`);
    return `  {\n${members.join(',\n')}\n  }`;
  });
  return { text: `[\n${objects.join(',\n')}\n]\n`, rows: rows.length };
}

/** An Arrow IPC stream whose columns keep the engine's types and exact values (engine/arrow.ts). */
export async function arrowBytes(engine: Engine, sql: string): Promise<{ bytes: Uint8Array; rows: number }> {
  const columns = await engine.columns(sql);
  return { bytes: await arrowIpc(columns), rows: columns[0]?.values.length ?? 0 };
}

export interface ParquetOptions {
  /** DuckDB's Parquet codec; undefined keeps DuckDB's default (snappy). */
  readonly compression?: 'zstd';
}

/** Writes Parquet with DuckDB's own COPY straight into `file` (DuckDB must be allowed to write it); returns the row count. */
export async function writeParquet(engine: Engine, sql: string, file: string, options: ParquetOptions = {}): Promise<number> {
  const codec = options.compression === undefined ? '' : `, COMPRESSION ${options.compression}`;
  // USE_TMP_FILE false: the caller's file is the temporary one already (warehouse/output.ts), and DuckDB makes no second one beside it.
  const [{ Count }] = await engine.rows<{ Count: number }>(`COPY ${subquery(sql)} TO ${quoteLiteral(file)} (FORMAT parquet${codec}, USE_TMP_FILE false)`);
  return Number(Count);
}
