// load: read a month's six CSVs into typed staging tables, with the declared schema
// and no type guessing. Produces `staging.<table>` (typed, plus `_line`, the CSV line).
// May import: base, contract, artifacts, config, engine, warehouse (the layer rule, .dependency-cruiser.cjs).

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { LoadedTable } from '../artifacts';
import type { Contract } from '../contract/contract';
import { expectationId } from '../contract/expectations';
import { columnValuesToBeOfType } from '../contract/expectations/column-values-to-be-of-type';
import { tableColumnsToMatchSet } from '../contract/expectations/table-columns-to-match-set';
import { exportColumns, type TableSpec } from '../contract/tables';
import { type Engine, quoteIdent, quoteLiteral } from '../engine/duckdb';
import { DataRejectedError, type Problem, type SampleValue } from '../errors';
import { stageFailures, startFailures } from '../warehouse/failures';
import { keyStructSql, keyTextSql } from '../warehouse/keys';
import { stageHeader, startHeaders } from './headers';
import { expectedText, typedValueSql, unparseableSql } from './parse-rules';

export const SAMPLE_LIMIT = 5;

/**
 * Up to this many bytes of CSV in a month, two files load side by side. A small file's
 * read keeps one thread busy and a run pays mostly per statement (the real 7,043-user
 * month: ~0.2 s of load one file at a time); a big file's read already uses every thread,
 * and two at once would only hold more in memory.
 */
const SMALL_MONTH_BYTES = 64 * 1024 * 1024;

/**
 * The CSV line of a raw row: the header is line 1, and every record is one line, since
 * empty lines and values spanning lines are rejected before any line number is used.
 */
const LINE_OF_RAW_ROW = '(rowid + 2)';

/** The load stage's checks, named as expectations so that one report shape covers load and validate. */
export const LOAD_CHECKS = {
  fileExists: 'expect_table_file_to_exist',
  columns: tableColumnsToMatchSet.type,
  wellFormed: 'expect_file_to_be_well_formed_csv',
  parses: columnValuesToBeOfType.type,
} as const;

export interface MonthInput {
  readonly name: string;
  readonly dir: string;
}

/** A problem found while loading, with the SQL selecting all its rows (row_key, line, value) when it has rows. */
interface LoadFinding {
  readonly problem: Problem;
  readonly rowsSql?: string;
}

/**
 * Loads every table of the month; throws DataRejectedError listing every problem found.
 * Every unexpected row is staged in the run's failure list (warehouse/failures.ts).
 */
export async function loadMonth(
  engine: Engine,
  contract: Contract,
  month: MonthInput,
  onProgress: (bytesDone: number, bytesTotal: number, table: string) => void = () => undefined,
): Promise<LoadedTable[]> {
  await startFailures(engine);
  await startHeaders(engine);
  const problems: Problem[] = [];
  const loaded: LoadedTable[] = [];
  const sizes = contract.tables.map((table) => fileSize(path.join(month.dir, table.file)));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  let done = 0;
  // A table's failing rows are staged in contract order (each table waits for the one
  // before it), so the run's list comes out the same whichever file loads first.
  const staged = contract.tables.map(() => {
    let resolve = () => {};
    return { promise: new Promise<void>((settle) => (resolve = settle)), resolve: () => resolve() };
  });
  const results = await engine.concurrently(
    contract.tables.map((table, position) => ({ table, position })),
    async (connection, { table, position }) => {
      try {
        onProgress(done, total, table.file);
        const result = await loadTable(connection, table, path.join(month.dir, table.file));
        done += sizes[position];
        await staged[position - 1]?.promise;
        // On the connection that loaded the file: a problem's rows may be in its temp reject tables.
        for (const [index, { problem, rowsSql }] of ('findings' in result ? result.findings : []).entries()) {
          if (!rowsSql) continue;
          const failure = { expectationId: expectationId(table.name, index, problem.rule, 'load'), table: table.name, column: problem.column };
          await stageFailures(connection, failure, rowsSql);
        }
        return result;
      } finally {
        staged[position].resolve();
      }
    },
    total <= SMALL_MONTH_BYTES ? 2 : 1,
  );
  for (const result of results) {
    if ('findings' in result) problems.push(...result.findings.map(({ problem }) => problem));
    else loaded.push(result);
  }
  onProgress(done, total, '');
  if (problems.length > 0) throw new MonthRejectedAtLoad(problems, loaded);
  return loaded;
}

/** A month rejected by load, with the tables that did load: the run's record and report list what was read. */
export class MonthRejectedAtLoad extends DataRejectedError {
  constructor(
    problems: readonly Problem[],
    readonly loaded: readonly LoadedTable[],
  ) {
    super(problems);
  }
}

function fileSize(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

async function loadTable(engine: Engine, table: TableSpec, file: string): Promise<LoadedTable | { findings: LoadFinding[] }> {
  const unusable = unusableFile(file);
  if (unusable) return { findings: [{ problem: { table: table.name, rule: LOAD_CHECKS.fileExists, detail: `${file} ${unusable}` } }] };
  const header = readHeader(file);
  await stageHeader(engine, table.name, header);
  const drift = headerDrift(table, header);
  if (drift.length > 0) return { findings: drift.map((problem) => ({ problem })) };

  // Hashing and counting lines in JavaScript overlaps the read in DuckDB's threads.
  const scanning = scanBytes(file);
  scanning.catch(() => undefined); // awaited below; until then its failure must not count as unhandled

  // store_rejects keeps each malformed row (ragged, unterminated quote, bad UTF-8) with its
  // line and column instead of stopping at the first; any of them rejects the file. Its
  // tables live in the temp catalog and are made afresh for every file.
  const rejects = { table: `rejects_${table.name}`, scans: `reject_scans_${table.name}` };
  const staged = `staging.${quoteIdent(table.name)}`;
  const rows = `staging.${quoteIdent(`rows_${table.name}`)}`;
  const exported = exportColumns(table);
  try {
    await engine.run(`DROP TABLE IF EXISTS temp.${quoteIdent(rejects.table)}; DROP TABLE IF EXISTS temp.${quoteIdent(rejects.scans)}`);
    // One pass: each value is checked and typed as it is read, which costs less than keeping
    // the text (measured: 0.3 s against 0.7 s for a 1M-row table of nine columns). The text is read
    // again only to explain a problem. Rows are stored in file order, so the CSV line is
    // the rowid (LINE_OF_RAW_ROW), exposed as _line by a view: a row_number() window cost
    // another 0.4 s per 1M rows.
    await engine.run(
      `CREATE OR REPLACE TABLE ${rows} AS
       SELECT ${[
         ...table.columns.map((column) =>
           column.inExport ? `${typedValueSql(column)} AS ${quoteIdent(column.name)}` : `NULL::${column.type} AS ${quoteIdent(column.name)}`,
         ),
         `(${exported.map((column) => unparseableSql(column)).join(' OR ')}) AS _unparseable`,
       ].join(', ')}
       FROM ${csvSource(file, header, `, store_rejects = true, rejects_table = ${quoteLiteral(rejects.table)}, rejects_scan = ${quoteLiteral(rejects.scans)}`)}`,
    );
    await engine.run(`CREATE OR REPLACE VIEW ${staged} AS SELECT ${LINE_OF_RAW_ROW}::BIGINT AS _line, * FROM ${rows}`);
  } catch (error) {
    await scanning;
    // What store_rejects cannot pin to a row, e.g. line ends that change style mid-file.
    const mixed = await firstMixedLineEnd(file);
    const detail = mixed
      ? `line ${mixed.line} ends with ${mixed.style}, the lines before it with ${mixed.expected}: line ends change style mid-file`
      : (error as Error).message.split('\n')[0];
    return { findings: [{ problem: { table: table.name, rule: LOAD_CHECKS.wellFormed, detail } }] };
  }
  const lines = await scanning;

  const malformed = await findMalformedRows(engine, table, `temp.${quoteIdent(rejects.table)}`, lines.data);
  if (malformed.length > 0) return { findings: malformed };

  // Line numbers hold only while every record is one non-empty line. The reader skips
  // empty lines, so when records and lines disagree the file is scanned for empty lines
  // in the middle, which are rejected; a value holding a line break is rejected as
  // unparseable (parse-rules.ts).
  const [{ records, unparseable }] = await engine.rows<{ records: number; unparseable: number }>(
    `SELECT count(*) AS records, count(*) FILTER (WHERE _unparseable) AS unparseable FROM ${staged}`,
  );
  if (records !== lines.data) {
    const layout = await scanLines(file);
    if (layout.interiorEmptyLines.length > 0) return { findings: [{ problem: emptyLinesProblem(table, layout) }] };
  }
  if (unparseable > 0) {
    const raw = `staging.${quoteIdent(`raw_${table.name}`)}`;
    await engine.run(`CREATE OR REPLACE TABLE ${raw} AS SELECT * FROM ${csvSource(file, header, '')}`);
    return { findings: await findUnparseable(engine, table, raw) };
  }

  return { table: table.name, file, sha256: lines.sha256, bytes: lines.bytes, rows: records };
}

/** Why the table's path cannot be read as its file (missing, a folder, no permission); null when it can. */
function unusableFile(file: string): string | null {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return 'is missing';
  if (!stat.isFile()) return 'is a directory or special file, not a CSV file';
  try {
    fs.closeSync(fs.openSync(file, 'r'));
    return null;
  } catch (error) {
    return `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
}

/** read_csv of the file with the header's own columns, all text: no type is guessed. */
function csvSource(file: string, header: readonly string[], options: string): string {
  const columns = `{${header.map((name) => `${quoteLiteral(name)}: 'VARCHAR'`).join(', ')}}`;
  return `read_csv(${quoteLiteral(file)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                   columns = ${columns}, strict_mode = true${options})`;
}

/** The header line, split on commas; a UTF-8 BOM, CRLF or CR line ends and quoted names are accepted. */
export function readHeader(file: string): string[] {
  const head = Buffer.alloc(64 * 1024);
  const fd = fs.openSync(file, 'r');
  const length = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const text = head
    .subarray(0, length)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const line = text.split(/\r\n|\n|\r/, 1)[0] ?? '';
  if (line === '') return [];
  return line.split(',').map((name) => name.trim().replace(/^"(.*)"$/, '$1'));
}

function headerDrift(table: TableSpec, header: readonly string[]): Problem[] {
  const expected = exportColumns(table).map((column) => column.name);
  const drift = (column: string, detail: string): Problem => ({ table: table.name, column, rule: LOAD_CHECKS.columns, detail: `schema drift: ${detail}` });
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) problems.push(drift(name, 'the header names this column twice'));
    seen.add(name);
  }
  for (const name of header.filter((name) => !expected.includes(name))) {
    problems.push(drift(name || '(empty)', `unexpected column; the contract has ${expected.join(',')}`));
  }
  for (const name of expected.filter((name) => !header.includes(name))) {
    problems.push(drift(name, `missing column; the header is ${header.join(',') || '(empty)'}`));
  }
  return problems;
}

interface LineLayout {
  /** Lines after the header, up to the last non-empty one. */
  readonly dataLines: number;
  /** Empty lines with a non-empty line after them. */
  readonly interiorEmptyLines: readonly number[];
}

/**
 * One streaming pass over the file's bytes (no line is decoded): its sha256, its size, and
 * its lines after the header up to the last non-empty one (LF or CRLF ends, or CR alone
 * in a file without LF).
 */
async function scanBytes(file: string): Promise<{ data: number; sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let lineFeeds = 0;
  let carriageReturns = 0;
  let tail = Buffer.alloc(0);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lineFeeds += 1;
    if (lineFeeds === 0) for (let at = chunk.indexOf(13); at !== -1; at = chunk.indexOf(13, at + 1)) carriageReturns += 1;
    tail = Buffer.concat([tail, chunk]).subarray(-4096);
  }
  const end = lineFeeds > 0 ? 10 : 13;
  const breaks = lineFeeds > 0 ? lineFeeds : carriageReturns;
  // Line ends after the last non-empty line: the first ends that line, the rest are empty lines.
  let trailingBreaks = 0;
  for (let at = tail.length - 1; at >= 0 && (tail[at] === 10 || tail[at] === 13); at -= 1) if (tail[at] === end) trailingBreaks += 1;
  const nonEmptyLines = breaks - trailingBreaks + 1;
  return { data: Math.max(0, nonEmptyLines - 1), sha256: hash.digest('hex'), bytes };
}

type LineEnd = 'LF' | 'CRLF' | 'CR';

/** The first line whose end differs in style from the first line's; null when every line ends alike. Only on a file DuckDB could not read. */
async function firstMixedLineEnd(file: string): Promise<{ line: number; style: LineEnd; expected: LineEnd } | null> {
  let line = 1;
  let expected: LineEnd | undefined;
  let afterCarriageReturn = false;
  const differs = (style: LineEnd): boolean => {
    expected ??= style;
    if (style !== expected) return true;
    line += 1;
    return false;
  };
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    for (const byte of chunk) {
      if (afterCarriageReturn) {
        afterCarriageReturn = false;
        if (byte === 10) {
          if (differs('CRLF')) return { line, style: 'CRLF', expected: expected! };
          continue;
        }
        if (differs('CR')) return { line, style: 'CR', expected: expected! };
      }
      if (byte === 13) afterCarriageReturn = true;
      else if (byte === 10 && differs('LF')) return { line, style: 'LF', expected: expected! };
    }
  }
  return afterCarriageReturn && differs('CR') ? { line, style: 'CR', expected: expected! } : null;
}

/** One streaming pass over the file's physical lines (LF, CRLF or CR ends); only for a file whose records and lines disagree. */
async function scanLines(file: string): Promise<LineLayout> {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  const interiorEmptyLines: number[] = [];
  let pending: number[] = [];
  let lastNonEmpty = 0;
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line === '') pending.push(number);
    else {
      interiorEmptyLines.push(...pending);
      pending = [];
      lastNonEmpty = number;
    }
  }
  return { dataLines: Math.max(0, lastNonEmpty - 1), interiorEmptyLines };
}

/**
 * The CSV reader skips empty lines silently, which would shift the line number of every
 * row below one; an empty line in the middle of an export is no row of any table, so
 * it is rejected. Empty lines at the end are harmless and ignored.
 */
function emptyLinesProblem(table: TableSpec, layout: LineLayout): Problem {
  const count = layout.interiorEmptyLines.length;
  return {
    table: table.name,
    rule: LOAD_CHECKS.wellFormed,
    count,
    percent: (100 * count) / layout.dataLines,
    samples: layout.interiorEmptyLines.slice(0, SAMPLE_LIMIT).map((line) => ({ line, value: '' })),
    detail: 'empty line in the middle of the file',
  };
}

/** A rejected row as the file has it, cut short: after an unterminated quote it runs to the end of the file. */
const REJECTED_LINE_CHARS = 1000;

/**
 * Rows the CSV reader rejected (store_rejects), one problem per kind of error, all rows
 * staged. Shares are of the file's lines: after an unterminated quote the reader sees
 * far fewer rows than the file has.
 */
async function findMalformedRows(engine: Engine, table: TableSpec, rejects: string, dataLines: number): Promise<LoadFinding[]> {
  const rejectedLine = `left(trim(csv_line, E'\\r\\n'), ${REJECTED_LINE_CHARS})`;
  const kinds = await engine.rows<{ error_type: string; count: number; samples: { line: number; value: string; column: string | null; message: string }[] }>(
    `SELECT error_type, count(*) AS count,
            list({'line': line, 'value': ${rejectedLine}, 'column': column_name, 'message': error_message} ORDER BY line)[1:${SAMPLE_LIMIT}] AS samples
     FROM ${rejects} GROUP BY error_type ORDER BY min(line)`,
  );
  return kinds.map((kind) => ({
    problem: {
      table: table.name,
      column: kind.samples[0].column ?? undefined,
      rule: LOAD_CHECKS.wellFormed,
      count: Number(kind.count),
      percent: (100 * Number(kind.count)) / Math.max(1, dataLines),
      samples: kind.samples.map((sample) => ({ line: Number(sample.line), value: sample.value })),
      detail: `${kind.error_type.toLowerCase()}: ${kind.samples[0].message}`,
    },
    rowsSql: `SELECT NULL AS row_key, line, ${rejectedLine} AS value FROM ${rejects} WHERE error_type = ${quoteLiteral(kind.error_type)}`,
  }));
}

/** One scan per table: for every column, how many texts fail to parse and the first few; all of them are staged. */
async function findUnparseable(engine: Engine, table: TableSpec, raw: string): Promise<LoadFinding[]> {
  const checks = exportColumns(table).map((column) => ({ column, predicate: unparseableSql(column) }));
  const selects = checks.flatMap(({ column, predicate }, index) => [
    `count(*) FILTER (WHERE ${predicate}) AS c${index}`,
    `list({'line': ${LINE_OF_RAW_ROW}, 'value': ${quoteIdent(column.name)}, 'key': ${keyStructSql(table.key)}} ORDER BY rowid) FILTER (WHERE ${predicate})[1:${SAMPLE_LIMIT}] AS s${index}`,
  ]);
  const [row] = await engine.rows(`SELECT count(*) AS total, ${selects.join(', ')} FROM ${raw}`);
  const findings: LoadFinding[] = [];
  checks.forEach(({ column, predicate }, index) => {
    const count = Number(row[`c${index}`]);
    if (count === 0) return;
    findings.push({
      problem: {
        table: table.name,
        column: column.name,
        rule: LOAD_CHECKS.parses,
        count,
        percent: (100 * count) / Number(row.total),
        samples: (row[`s${index}`] as SampleValue[]).map((sample) => ({ ...sample, line: Number(sample.line) })),
        detail: `not a valid ${column.type}: expected ${expectedText(column)}`,
      },
      rowsSql: `SELECT ${keyTextSql(table.key)} AS row_key, ${LINE_OF_RAW_ROW} AS line, ${quoteIdent(column.name)} AS value FROM ${raw} WHERE ${predicate}`,
    });
  });
  return findings;
}
