// The files that start a project: `streamflow init` writes a working skeleton (a project
// file, a contract, a month that passes it), and `streamflow contract infer` drafts an ODCS
// contract from one month's CSV files, profiled with DuckDB over every row read as text.
//
// Inference follows the loader's own parse rules (load/parse-rules.ts): a column gets the
// first type, in the order BOOLEAN, INTEGER, BIGINT, DECIMAL(p,s), DOUBLE, DATE, TIMESTAMP,
// TIMESTAMPTZ, of which every non-empty value is a valid value, else VARCHAR; so the month
// the draft was made from always loads under it. DECIMAL when every value is a plain number
// with at most MAX_DECIMAL_SCALE decimals (scale: the most seen; precision: 18, or more when
// the digits need it), DOUBLE past that or with an exponent. Whole numbers or decimals
// with a leading zero (00123) stay text: they are codes, and a number would lose the zero.
// A column with no empty value is required. The key is the first column whose values are
// all present and distinct, a name ending in `id` first, skipping BOOLEAN and fractional
// types; else the first such pair of columns. A column named like another table's
// single-column key (the same name, or `<table>_id` for a key named `id`) whose values all
// exist in that key references it: one relationship per column, to the table with the most
// keys (a table named after the key, then file order, on a tie), never from a key back to a
// table already referencing it, so that parents come first and nothing points in a circle.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ColumnSpec, ColumnType } from '../contract/columns';
import { type DraftContract, type DraftProperty, type DraftTable, isPlainName, plainName } from '../contract/draft';
import { MONTH_FOLDER } from '../contract/months';
import { skeletonFiles } from '../contract/skeleton';
import { type Engine, openEngine, quoteIdent, quoteLiteral } from '../engine/duckdb';
import { writeBeside } from '../engine/files';
import { InvocationError, RefusedError } from '../errors';
import { formatCount, formatPercent } from '../format';
import { readHeader } from '../load';
import { unparseableSql } from '../load/parse-rules';

// ---------------------------------------------------------------------------------------
// init

export interface InitResult {
  /** The project's folder, absolute. */
  readonly dir: string;
  readonly name: string;
  /** Every file written, absolute, in the order written. */
  readonly written: readonly string[];
}

/** The last day of the month before `today`'s (UTC): month_000's as_of, never in the future. */
function previousMonthEnd(today: Date): string {
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 0)).toISOString().slice(0, 10);
}

/**
 * Writes a new project into `dir` (made when missing): streamflow.yaml, its contract and
 * seeds/month_000. Refuses (exit 3), writing nothing, when any of those files exists.
 */
export function initProject(dir: string, options: { readonly name?: string; readonly today?: Date } = {}): InitResult {
  const root = path.resolve(dir);
  const stat = fs.statSync(root, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) throw new InvocationError(`init ${dir}: ${root} is a file; name a folder for the project (it is made when missing)`);
  if (options.name !== undefined && !isPlainName(options.name)) {
    throw new InvocationError(`--name ${JSON.stringify(options.name)} is not a plain name; expected letters, digits and _, not starting with a digit`);
  }
  const name = options.name ?? plainName(path.basename(root), 'project');
  const files = skeletonFiles(name, previousMonthEnd(options.today ?? new Date())).map((file) => ({ ...file, target: path.join(root, file.path) }));
  const existing = files.filter((file) => fs.existsSync(file.target));
  if (existing.length > 0) {
    throw new RefusedError(
      `init: ${existing.map((file) => file.target).join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written (init never overwrites a file: remove ${existing.length === 1 ? 'it' : 'them'}, or init another folder)`,
    );
  }
  const written: string[] = [];
  for (const file of files) {
    fs.mkdirSync(path.dirname(file.target), { recursive: true });
    try {
      fs.writeFileSync(file.target, file.text, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new RefusedError(`init: ${file.target} appeared while writing; it was left as it is`);
      throw error;
    }
    written.push(file.target);
  }
  return { dir: root, name, written };
}

// ---------------------------------------------------------------------------------------
// contract infer

/** More decimals than this is a measurement, not an amount: DOUBLE. */
const MAX_DECIMAL_SCALE = 4;
/** A VARCHAR column with at most this many distinct values lists them in a comment. */
const LISTED_VALUES = 12;
/** Pairs of columns tried as a composite key: among the first this many candidate columns. */
const PAIR_CANDIDATES = 8;

/** The types tried, in order; DECIMAL's precision and scale are settled after. */
const TRIED: readonly ColumnType[] = [
  'BOOLEAN',
  'INTEGER',
  'BIGINT',
  `DECIMAL(38,${MAX_DECIMAL_SCALE})`,
  'DOUBLE',
  'DATE',
  'TIMESTAMP',
  'TIMESTAMPTZ',
  'VARCHAR',
];

/** Spellings of true and false besides true / false: a column of only these is BOOLEAN, declared with trueValues / falseValues. */
const SPELLED_BOOLEANS = [
  { true: 'Yes', false: 'No' },
  { true: 'Y', false: 'N' },
  { true: 'T', false: 'F' },
] as const;

const PLAIN_NUMBER = '-?[0-9]+(\\.[0-9]+)?';
const LEADING_ZERO = '-?0[0-9]+(\\.[0-9]+)?';

interface ColumnProfile {
  readonly name: string;
  readonly nonNull: number;
  readonly distinct: number;
  /** Per type of TRIED: how many non-empty values are not a valid value of it. */
  readonly invalid: readonly number[];
  /** Per spelling of SPELLED_BOOLEANS: how many non-empty values are neither of its two words. */
  readonly misspelled: readonly number[];
  readonly leadingZeros: number;
  /** The most decimals and digits before the point of the plain numbers. */
  readonly scale: number;
  readonly digits: number;
}

interface ProfiledTable {
  readonly name: string;
  readonly file: string;
  /** The temporary table holding the file, all text. */
  readonly staged: string;
  readonly order: number;
  readonly rows: number;
  readonly columns: readonly (ColumnProfile & ReturnType<typeof chooseType>)[];
  key: string[];
  /** Distinct values of a single-column key. */
  keyCount: number;
}

function columnSpec(name: string, type: ColumnType): ColumnSpec {
  return { name, type, nullable: true, inExport: true, description: '' };
}

/** How the loader reads a CSV (load/index.ts): the header's own columns, all text, strict. */
function csvSource(file: string, header: readonly string[]): string {
  const columns = `{${header.map((name) => `${quoteLiteral(name)}: 'VARCHAR'`).join(', ')}}`;
  return `read_csv(${quoteLiteral(file)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = ${columns}, strict_mode = true)`;
}

/** The CSV files of the folder, by name, with the table name each becomes. */
function csvFiles(folder: string): { file: string; name: string; header: string[] }[] {
  const files = fs
    .readdirSync(folder, { withFileTypes: true })
    .filter(
      (entry) =>
        /\.csv$/i.test(entry.name) &&
        (entry.isFile() || (entry.isSymbolicLink() && fs.statSync(path.join(folder, entry.name), { throwIfNoEntry: false })?.isFile() === true)),
    )
    .map((entry) => entry.name)
    .sort();
  if (files.length === 0) throw new InvocationError(`contract infer: ${folder} holds no .csv file; expected a month folder of CSV exports, one file per table`);
  const taken = new Set<string>();
  return files.map((file) => {
    const header = readHeader(path.join(folder, file));
    if (header.length === 0)
      throw new InvocationError(`contract infer: ${path.join(folder, file)} has no header line; expected the column names on the first line`);
    const odd = header.find((column) => !isPlainName(column));
    if (odd !== undefined) {
      throw new InvocationError(
        `contract infer: column ${JSON.stringify(odd)} of ${file} is not a plain name; streamflow maps a CSV's columns to the contract by name, and a name is letters, digits and _, not starting with a digit: rename it in the export`,
      );
    }
    const twice = header.find((column, index) => header.indexOf(column) !== index);
    if (twice !== undefined) throw new InvocationError(`contract infer: the header of ${file} names ${twice} twice; expected each column once`);
    const base = plainName(file.replace(/\.csv$/i, ''), 'table');
    let name = base;
    for (let suffix = 2; taken.has(name); suffix += 1) name = `${base}_${suffix}`;
    taken.add(name);
    return { file, name, header };
  });
}

async function profileColumns(engine: Engine, staged: string, header: readonly string[]): Promise<{ rows: number; columns: ColumnProfile[] }> {
  const figures = header.flatMap((name, index) => {
    const column = quoteIdent(name);
    const plain = `regexp_full_match(${column}, ${quoteLiteral(PLAIN_NUMBER)})`;
    const sign = `CASE WHEN starts_with(${column}, '-') THEN 1 ELSE 0 END`;
    return [
      `count(${column}) AS c${index}_non_null`,
      `count(DISTINCT ${column}) AS c${index}_distinct`,
      ...TRIED.map((type, tried) => `count(*) FILTER (WHERE ${unparseableSql(columnSpec(name, type))}) AS c${index}_invalid${tried}`),
      ...SPELLED_BOOLEANS.map(
        (spelling, tried) =>
          `count(*) FILTER (WHERE lower(${column}) NOT IN (${quoteLiteral(spelling.true.toLowerCase())}, ${quoteLiteral(spelling.false.toLowerCase())})) AS c${index}_misspelled${tried}`,
      ),
      `count(*) FILTER (WHERE regexp_full_match(${column}, ${quoteLiteral(LEADING_ZERO)})) AS c${index}_zeros`,
      `coalesce(max(CASE WHEN ${plain} THEN CASE WHEN contains(${column}, '.') THEN length(${column}) - strpos(${column}, '.') ELSE 0 END END), 0) AS c${index}_scale`,
      `coalesce(max(CASE WHEN ${plain} THEN CASE WHEN contains(${column}, '.') THEN strpos(${column}, '.') - 1 ELSE length(${column}) END - ${sign} END), 0) AS c${index}_digits`,
    ];
  });
  const [row] = await engine.rows<Record<string, number>>(`SELECT count(*) AS row_count, ${figures.join(', ')} FROM ${staged}`);
  return {
    rows: row.row_count,
    columns: header.map((name, index) => ({
      name,
      nonNull: row[`c${index}_non_null`],
      distinct: row[`c${index}_distinct`],
      invalid: TRIED.map((_, tried) => row[`c${index}_invalid${tried}`]),
      misspelled: SPELLED_BOOLEANS.map((_, tried) => row[`c${index}_misspelled${tried}`]),
      leadingZeros: row[`c${index}_zeros`],
      scale: row[`c${index}_scale`],
      digits: row[`c${index}_digits`],
    })),
  };
}

/** The column's type and why, as comment lines. */
function chooseType(profile: ColumnProfile): { type: ColumnType; notes: string[]; booleans?: { true: string; false: string } } {
  if (profile.nonNull === 0) return { type: 'VARCHAR', notes: ['no value to tell the type by: a guess'] };
  const valid = (type: ColumnType) => profile.invalid[TRIED.indexOf(type)] === 0;
  if (valid('BOOLEAN')) return { type: 'BOOLEAN', notes: [] };
  const spelled = SPELLED_BOOLEANS.find((_, index) => profile.misspelled[index] === 0);
  if (spelled) return { type: 'BOOLEAN', notes: [`${spelled.true} / ${spelled.false} (in any case) read as true / false`], booleans: spelled };
  const numeric = valid('INTEGER') || valid('BIGINT') || valid(`DECIMAL(38,${MAX_DECIMAL_SCALE})`);
  if (numeric && profile.leadingZeros > 0) return { type: 'VARCHAR', notes: ['numbers with leading zeros (e.g. 007): kept as text, as a code is'] };
  if (valid('INTEGER')) return { type: 'INTEGER', notes: [] };
  if (valid('BIGINT')) return { type: 'BIGINT', notes: [] };
  if (valid(`DECIMAL(38,${MAX_DECIMAL_SCALE})`)) {
    const precision = Math.min(38, Math.max(18, profile.digits + profile.scale));
    return { type: `DECIMAL(${precision},${profile.scale})`, notes: [] };
  }
  for (const type of ['DOUBLE', 'DATE', 'TIMESTAMP', 'TIMESTAMPTZ'] as const) if (valid(type)) return { type, notes: [] };
  return { type: 'VARCHAR', notes: valid('VARCHAR') ? [] : ["some values span lines, which streamflow's loader refuses"] };
}

const isDecimal = (type: ColumnType) => type.startsWith('DECIMAL(');
const isFractional = (type: ColumnType) => type === 'DOUBLE' || (isDecimal(type) && !type.endsWith(',0)'));
const isIdName = (name: string) => /(^|_)id$/i.test(name) || /[a-z0-9]Id$/.test(name);

/** A number's text a YAML reader turns into a double equal to the value: at most 15 significant digits. */
function exactAsDouble(text: string): boolean {
  return text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length <= 15;
}

/** A decimal's text without trailing zeros: 8684.80 → 8684.8, 0.00 → 0. */
function plainNumber(text: string): string {
  return text.includes('.') && !/e/i.test(text) ? text.replace(/\.?0+$/, '') : text;
}

/** Observed ranges, listed values, empty shares: the comments and bounds of each column. */
async function describeColumns(
  engine: Engine,
  table: ProfiledTable,
  source: string,
  ranges: boolean,
): Promise<Map<string, Pick<DraftProperty, 'minimum' | 'maximum' | 'notes'>>> {
  const ranged = table.columns.filter((column) => column.nonNull > 0 && column.type !== 'VARCHAR' && column.type !== 'BOOLEAN');
  const figures = ranged.flatMap((column, index) => {
    const typed = `TRY_CAST(${quoteIdent(column.name)} AS ${column.type})`;
    // A DOUBLE as a number (its shortest exact text is JavaScript's), the rest as DuckDB's exact text.
    const shown = (value: string) => (column.type === 'DOUBLE' ? value : `${value}::VARCHAR`);
    return [`${shown(`min(${typed})`)} AS min${index}`, `${shown(`max(${typed})`)} AS max${index}`];
  });
  const [range] = figures.length === 0 ? [{}] : await engine.rows<Record<string, string | number>>(`SELECT ${figures.join(', ')} FROM ${table.staged}`);
  const described = new Map<string, Pick<DraftProperty, 'minimum' | 'maximum' | 'notes'>>();
  for (const column of table.columns) {
    const notes = [...column.notes];
    let bounds: Pick<DraftProperty, 'minimum' | 'maximum'> = {};
    const index = ranged.indexOf(column);
    if (index >= 0) {
      const [min, max] = [String(range[`min${index}`]), String(range[`max${index}`])];
      if (column.type === 'DATE' || column.type === 'TIMESTAMP' || column.type === 'TIMESTAMPTZ') {
        notes.push(`from ${min} to ${max} in ${source} (no bound: dates move on with every month)`);
      } else if (!ranges) {
        notes.push(`from ${min} to ${max} in ${source}`);
      } else if (column.type === 'DOUBLE' || (exactAsDouble(min) && exactAsDouble(max))) {
        bounds = { minimum: plainNumber(min), maximum: plainNumber(max) };
        notes.push(`the range seen in ${source}: widen it to what the column may hold`);
      } else notes.push(`from ${min} to ${max} in ${source} (no bound: too many digits to state exactly)`);
    }
    if (column.type === 'VARCHAR' && column.nonNull > 0 && column.distinct <= LISTED_VALUES && column.distinct < table.rows) {
      const values = await engine.rows<{ value: string }>(
        `SELECT DISTINCT ${quoteIdent(column.name)} AS value FROM ${table.staged} WHERE ${quoteIdent(column.name)} IS NOT NULL ORDER BY value`,
      );
      notes.push(`values seen: ${values.map((row) => JSON.stringify(row.value)).join(', ')}`);
    }
    const empty = table.rows - column.nonNull;
    if (empty > 0 && column.nonNull > 0)
      notes.push(`${formatCount(empty)} of ${formatCount(table.rows)} values empty (${formatPercent((100 * empty) / table.rows)}): not required`);
    described.set(column.name, { ...bounds, notes });
  }
  return described;
}

const isTemporal = (type: ColumnType) => type === 'DATE' || type === 'TIMESTAMP' || type === 'TIMESTAMPTZ';

/**
 * The table's key, the first that holds in this order: a column named like an id; another
 * column, not a moment in time; a pair of columns, one of them named like an id; a moment
 * in time; any other pair. Every column of it present in every row; empty when none holds.
 */
async function chooseKey(engine: Engine, table: ProfiledTable): Promise<string[]> {
  // No rows to tell by: a guess, which the table's notes say.
  if (table.rows === 0) return [(table.columns.find((column) => isIdName(column.name)) ?? table.columns[0]).name];
  const candidates = table.columns.filter((column) => column.nonNull === table.rows && column.type !== 'BOOLEAN' && !isFractional(column.type));
  const distinct = candidates.filter((column) => column.distinct === table.rows);
  const single = (holds: (column: (typeof candidates)[number]) => boolean) => distinct.find(holds)?.name;
  const idFirst = [...candidates].sort((a, b) => Number(isIdName(b.name)) - Number(isIdName(a.name))).slice(0, PAIR_CANDIDATES);
  const pairs = idFirst
    .flatMap((first, index) => idFirst.slice(index + 1).map((second) => [first, second]))
    .map((pair) => pair.sort((a, b) => table.columns.indexOf(a) - table.columns.indexOf(b)));
  const counts =
    pairs.length === 0
      ? {}
      : (
          await engine.rows<Record<string, number>>(
            `SELECT ${pairs.map((pair, index) => `count(DISTINCT (${pair.map((column) => quoteIdent(column.name)).join(', ')})) AS p${index}`).join(', ')} FROM ${table.staged}`,
          )
        )[0];
  const pair = (holds: (pair: (typeof candidates)[number][]) => boolean) =>
    pairs.find((candidate, index) => counts[`p${index}`] === table.rows && holds(candidate))?.map((column) => column.name);
  const byId = single((column) => isIdName(column.name));
  if (byId) return [byId];
  const plain = single((column) => !isTemporal(column.type));
  if (plain) return [plain];
  const withId = pair((candidate) => candidate.some((column) => isIdName(column.name)));
  if (withId) return withId;
  const moment = single(() => true);
  if (moment) return [moment];
  return pair(() => true) ?? [];
}

/** Whether `column` is named like `target`'s single-column key: the same name, or `<table>_id` for a key named id. */
function namedLike(column: string, target: ProfiledTable): boolean {
  const key = target.key[0];
  if (key.toLowerCase() !== 'id') return column === key;
  const stem = target.name.replace(/s$/, '');
  return [`${stem}_id`, `${target.name}_id`].includes(column.toLowerCase());
}

/** Tables keyed by one column, best referenced first: the most keys, then named after the key (customers for customer_id), then file order. */
function referenceRank(tables: readonly ProfiledTable[]): ProfiledTable[] {
  const namedAfterKey = (table: ProfiledTable) => table.name.replace(/s$/, '') === table.key[0].replace(/_?id$/i, '');
  return tables
    .filter((table) => table.key.length === 1)
    .sort((a, b) => b.keyCount - a.keyCount || Number(namedAfterKey(b)) - Number(namedAfterKey(a)) || a.order - b.order);
}

/** Per table, per column, the `table.column` its values all exist in. */
async function findReferences(engine: Engine, tables: readonly ProfiledTable[]): Promise<Map<ProfiledTable, Map<string, ProfiledTable>>> {
  const ranked = referenceRank(tables);
  const references = new Map<ProfiledTable, Map<string, ProfiledTable>>();
  for (const table of tables) {
    const found = new Map<string, ProfiledTable>();
    for (const column of table.columns) {
      if (column.nonNull === 0) continue;
      const isWholeKey = table.key.length === 1 && table.key[0] === column.name;
      for (const target of ranked) {
        if (target === table || !namedLike(column.name, target)) continue;
        // A key refers only to a table ranked before its own: parents first, no circle.
        if (isWholeKey && ranked.indexOf(table) >= 0 && ranked.indexOf(target) > ranked.indexOf(table)) continue;
        if (target.columns.find((other) => other.name === target.key[0])!.type !== column.type) continue;
        const [{ missing }] = await engine.rows<{ missing: number }>(
          `SELECT count(*) AS missing FROM (SELECT ${quoteIdent(column.name)} FROM ${table.staged} WHERE ${quoteIdent(column.name)} IS NOT NULL EXCEPT SELECT ${quoteIdent(target.key[0])} FROM ${target.staged})`,
        );
        if (missing === 0) {
          found.set(column.name, target);
          break;
        }
      }
    }
    references.set(table, found);
  }
  return references;
}

/** The tables with every table a key of theirs refers to before them; the rest in file order. */
function parentsFirst(tables: readonly ProfiledTable[], references: Map<ProfiledTable, Map<string, ProfiledTable>>): ProfiledTable[] {
  const ordered: ProfiledTable[] = [];
  const place = (table: ProfiledTable) => {
    if (ordered.includes(table)) return;
    for (const column of table.key) {
      const parent = references.get(table)!.get(column);
      if (parent) place(parent);
    }
    ordered.push(table);
  };
  tables.forEach(place);
  return ordered;
}

/** How a folder is named in the draft's id: a month folder (month_000) by the folder above it. */
function draftId(folder: string): string {
  const name = path.basename(folder);
  return plainName(MONTH_FOLDER.test(name) ? path.basename(path.dirname(folder)) : name, 'contract');
}

/** DuckDB's reader error without its advice and settings: "CSV Error on Line: 2; Original Line: 1,2,3; Expected Number of Columns: 2 Found: 3". */
function csvProblem(message: string): string {
  const lines = message.split('\n');
  const end = lines.findIndex((line) => line === '' || line.startsWith('Possible fixes'));
  return lines
    .slice(0, end < 0 ? 3 : end)
    .map((line) => line.replace(/^Invalid Input Error: /, ''))
    .map((line) => (line.length > 120 ? `${line.slice(0, 120)}…` : line))
    .join('; ');
}

/** The draft of a contract for the CSV files of `folder`. */
export async function inferContract(folder: string, options: { readonly id?: string; readonly ranges?: boolean } = {}): Promise<DraftContract> {
  const root = path.resolve(folder);
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new InvocationError(`contract infer: ${folder} is not a folder; expected a month folder of CSV exports, e.g. seeds/month_000`);
  }
  if (options.id !== undefined && options.id.trim() === '') throw new InvocationError('--name: expected a name for the contract');
  const files = csvFiles(root);
  const source = path.basename(root);
  const engine = await openEngine();
  try {
    const tables: ProfiledTable[] = [];
    for (const [order, { file, name, header }] of files.entries()) {
      const staged = quoteIdent(`csv_${order}`);
      try {
        await engine.run(`CREATE TABLE ${staged} AS SELECT * FROM ${csvSource(path.join(root, file), header)}`);
      } catch (error) {
        throw new InvocationError(`contract infer: ${path.join(root, file)} cannot be read as CSV: ${csvProblem((error as Error).message)}`);
      }
      const { rows, columns } = await profileColumns(engine, staged, header);
      const table: ProfiledTable = {
        name,
        file,
        staged,
        order,
        rows,
        columns: columns.map((column) => ({ ...column, ...chooseType(column) })),
        key: [],
        keyCount: 0,
      };
      table.key = await chooseKey(engine, table);
      table.keyCount = table.key.length === 1 ? table.rows : 0;
      tables.push(table);
    }
    const references = await findReferences(engine, tables);
    const drafted: DraftTable[] = [];
    for (const table of parentsFirst(tables, references)) {
      const described = await describeColumns(engine, table, source, options.ranges ?? true);
      const tableNotes = [
        `${table.file}: ${formatCount(table.rows)} row${table.rows === 1 ? '' : 's'}`,
        table.key.length === 0
          ? 'no column nor pair of columns is present and distinct in every row: declare the key (primaryKey) before use'
          : table.rows === 0
            ? `key: ${table.key[0]}, a guess: the file has no rows`
            : `key: ${table.key.join(', ')}: present in every row and ${table.key.length === 1 ? 'distinct' : 'distinct together'}`,
      ];
      drafted.push({
        name: table.name,
        file: table.file,
        rows: table.rows,
        notes: tableNotes,
        properties: table.columns.map((column) => {
          const target = references.get(table)!.get(column.name);
          const position = table.key.indexOf(column.name);
          const { notes, ...bounds } = described.get(column.name)!;
          return {
            name: column.name,
            type: column.type,
            required: table.rows > 0 && column.nonNull === table.rows,
            ...(position >= 0 ? { keyPosition: position + 1 } : {}),
            ...bounds,
            ...(target ? { references: `${target.name}.${target.key[0]}` } : {}),
            ...(column.booleans ? { booleans: column.booleans } : {}),
            notes: target ? [...notes, `every value is a ${target.key[0]} of ${target.name}`] : notes,
          };
        }),
      });
    }
    return { id: options.id ?? draftId(root), source: root, tables: drafted };
  } finally {
    engine.close();
  }
}

/** Writes a drafted contract to `out` (its folder made when missing); an existing file only with `force`, else refused (exit 3). */
export async function writeDraft(out: string, text: string, force: boolean): Promise<string> {
  const target = path.resolve(out);
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw new InvocationError(`--out ${out} is a folder; expected a file name, e.g. ${path.join(out, 'contract.odcs.yaml')}`);
  if (stat && !force) throw new RefusedError(`--out ${out} already exists; nothing was written (give --force to replace it)`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (force) await writeBeside(target, (temporary) => fs.writeFileSync(temporary, text));
  else {
    try {
      fs.writeFileSync(target, text, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw new RefusedError(`--out ${out} already exists; nothing was written (give --force to replace it)`);
      throw error;
    }
  }
  return target;
}
