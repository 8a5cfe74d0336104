// load: read a month's six CSVs into typed staging tables, with the declared schema
// and no type guessing. Produces `staging.<table>` (typed, plus `_line`, the CSV line).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTRACT, exportColumns, type TableSpec } from '../contract/tables';
import { quoteIdent, quoteLiteral, type Engine } from '../engine/duckdb';
import { DataRejectedError, type Problem, type SampleValue } from '../errors';
import { sha256File } from '../engine/files';
import { expectedText, typedValueSql, unparseableSql } from './parse-rules';

export const SAMPLE_LIMIT = 5;

export interface LoadedTable {
  readonly table: string;
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly rows: number;
  /** Header names in file order. */
  readonly header: readonly string[];
}

export interface MonthInput {
  readonly name: string;
  readonly dir: string;
}

/** Loads every table of the month; throws DataRejectedError listing every problem found. */
export async function loadMonth(engine: Engine, month: MonthInput): Promise<LoadedTable[]> {
  await engine.run('CREATE SCHEMA IF NOT EXISTS staging');
  const problems: Problem[] = [];
  const loaded: LoadedTable[] = [];
  for (const table of CONTRACT) {
    const result = await loadTable(engine, table, path.join(month.dir, table.file));
    if ('problems' in result) problems.push(...result.problems);
    else loaded.push(result);
  }
  if (problems.length > 0) throw new DataRejectedError(problems);
  return loaded;
}

async function loadTable(engine: Engine, table: TableSpec, file: string): Promise<LoadedTable | { problems: Problem[] }> {
  if (!fs.existsSync(file)) {
    return { problems: [{ table: table.name, rule: 'table file present', detail: `${file} is missing` }] };
  }
  const header = readHeader(file);
  const drift = headerDrift(table, header);
  if (drift.length > 0) return { problems: drift };

  const raw = quoteIdent(`raw_${table.name}`);
  const columnsStruct = `{${header.map((name) => `${quoteLiteral(name)}: 'VARCHAR'`).join(', ')}}`;
  try {
    await engine.run(
      `CREATE OR REPLACE TABLE staging.${raw} AS
       SELECT * FROM read_csv(${quoteLiteral(file)}, header = true, auto_detect = false, delim = ',', quote = '"',
                              escape = '"', columns = ${columnsStruct}, strict_mode = true)`,
    );
  } catch (error) {
    return { problems: [{ table: table.name, rule: 'well-formed CSV', detail: firstLines((error as Error).message, 3) }] };
  }

  const parseProblems = await findUnparseable(engine, table, raw);
  if (parseProblems.length > 0) return { problems: parseProblems };

  await engine.run(
    `CREATE OR REPLACE TABLE staging.${quoteIdent(table.name)} AS
     SELECT ${[
       '(rowid + 2)::BIGINT AS _line',
       ...table.columns.map((column) =>
         column.inExport
           ? `${typedValueSql(column.name, column.type)} AS ${quoteIdent(column.name)}`
           : `NULL::${column.type} AS ${quoteIdent(column.name)}`,
       ),
     ].join(', ')}
     FROM staging.${raw}`,
  );
  const [{ rows }] = await engine.rows<{ rows: string }>(`SELECT count(*) AS rows FROM staging.${quoteIdent(table.name)}`);
  return { table: table.name, file, sha256: await sha256File(file), bytes: fs.statSync(file).size, rows: Number(rows), header };
}

/** The header line, split on commas; a UTF-8 BOM, CRLF and quoted names are accepted. */
export function readHeader(file: string): string[] {
  const head = Buffer.alloc(64 * 1024);
  const fd = fs.openSync(file, 'r');
  const length = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const text = head.subarray(0, length).toString('utf8').replace(/^\uFEFF/, '');
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (line === '') return [];
  return line.split(',').map((name) => name.trim().replace(/^"(.*)"$/, '$1'));
}

function headerDrift(table: TableSpec, header: readonly string[]): Problem[] {
  const expected = exportColumns(table).map((column) => column.name);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) problems.push({ table: table.name, column: name, rule: 'schema drift: duplicate column' });
    seen.add(name);
  }
  for (const name of header.filter((name) => !expected.includes(name))) {
    problems.push({ table: table.name, column: name || '(empty)', rule: 'schema drift: unexpected column', detail: `expected ${expected.join(',')}` });
  }
  for (const name of expected.filter((name) => !header.includes(name))) {
    problems.push({ table: table.name, column: name, rule: 'schema drift: missing column', detail: `header is ${header.join(',') || '(empty)'}` });
  }
  return problems;
}

/** One scan per table: for every typed column, how many texts fail to parse and the first few. */
async function findUnparseable(engine: Engine, table: TableSpec, raw: string): Promise<Problem[]> {
  const checks = exportColumns(table)
    .map((column) => ({ column, predicate: unparseableSql(column.name, column.type) }))
    .filter((check): check is { column: (typeof check)['column']; predicate: string } => check.predicate !== undefined);
  if (checks.length === 0) return [];
  const selects = checks.flatMap(({ column, predicate }, index) => [
    `count(*) FILTER (WHERE ${predicate}) AS c${index}`,
    `list({'line': rowid + 2, 'value': ${quoteIdent(column.name)}, 'user_id': "user_id"} ORDER BY rowid) FILTER (WHERE ${predicate})[1:${SAMPLE_LIMIT}] AS s${index}`,
  ]);
  const [row] = await engine.rows(`SELECT count(*) AS total, ${selects.join(', ')} FROM staging.${raw}`);
  const problems: Problem[] = [];
  checks.forEach(({ column }, index) => {
    const count = Number(row[`c${index}`]);
    if (count === 0) return;
    problems.push({
      table: table.name,
      column: column.name,
      rule: `parse as ${column.type}`,
      count,
      percent: (100 * count) / Number(row.total),
      samples: (row[`s${index}`] as SampleValue[]).map((sample) => ({ ...sample, line: Number(sample.line) })),
      detail: `expected ${expectedText(column.type)}`,
    });
  });
  return problems;
}

function firstLines(text: string, count: number): string {
  return text.split('\n').slice(0, count).join(' ').trim();
}
