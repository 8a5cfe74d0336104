// Validation that catches every silent corruption (SPEC §2, §4 "No silent coercion").
// Every corruption is built here, in a few lines, from the clean CSV text of month_001;
// month_000 is ingested cleanly first, so there is state to protect. Each one must end
// with exit 1, a message naming table, column, rule (and line for row problems), and
// live tables plus snapshot files exactly as before.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { severityOf } from '../src/contract/expectations';
import { openEngine } from '../src/engine/duckdb';
import { DataRejectedError } from '../src/errors';
import { LOAD_CHECKS, loadMonth } from '../src/load';
import { FAILURES_TABLE } from '../src/warehouse/failures';
import { CHURN } from '../tools/churn-contract';
import { Csv } from './csv';
import {
  cli,
  contractExpectationIds,
  copyMonths,
  query,
  REAL,
  REAL_EXPORTS,
  requirePrerequisite,
  SEEDS,
  snapshotFiles,
  tempDir,
  warehouseState,
} from './helpers';

/** The months corrupted here: the committed seeds. (REAL, the real exports, has the same shape.) */
const SOURCE = SEEDS;
const CLEAN = { month: 'month_000', asOf: '2024-01-31' };
const TARGET = { month: 'month_001', asOf: '2024-02-29' };

type Mutation = (text: string) => string | Buffer | null;

/** A mutation that edits the parsed file. */
const edit =
  (change: (csv: Csv) => void): Mutation =>
  (text) => {
    const csv = Csv.parse(text);
    change(csv);
    return csv.toString();
  };
/** A mutation that edits the file's lines (header first). */
const editLines =
  (change: (lines: string[]) => void): Mutation =>
  (text) => {
    const lines = text.replace(/\n$/, '').split('\n');
    change(lines);
    return `${lines.join('\n')}\n`;
  };

const cleanCsv = (table: string) => Csv.parse(fs.readFileSync(path.join(SOURCE, TARGET.month, `${table}.csv`), 'utf8'));

interface Corruption {
  readonly name: string;
  /** The file changed. */
  readonly table: string;
  readonly mutate: Mutation;
  /** What the message must name: the table (default: the file changed), the column, the rule, a line. */
  readonly expected: {
    readonly table?: string;
    readonly column?: string;
    readonly rule: string;
    readonly line?: number;
    /** How many rows the message must count. */
    readonly rows?: number;
    /** Text the message line must also hold, e.g. the key of a missing row. */
    readonly mentions?: string;
  };
}

const ROW = 10;
const LINE = Csv.line(ROW);
const users = cleanCsv('users');
const subscriptions = cleanCsv('subscriptions');
const noInternet = subscriptions.find((row) => subscriptions.get(row, 'net_service') === 'No');
const dsl = subscriptions.find((row) => subscriptions.get(row, 'net_service') === 'DSL');

const RULES = {
  between: 'expect_column_values_to_be_between',
  notNull: 'expect_column_values_to_not_be_null',
  beNull: 'expect_column_values_to_be_null',
  unique: 'expect_column_values_to_be_unique',
  inSet: 'expect_column_values_to_be_in_set',
  inOtherTable: 'expect_column_values_to_be_in_other_table',
  regex: 'expect_column_values_to_match_regex',
  mean: 'expect_column_mean_to_be_between',
  rowCount: 'expect_table_row_count_to_be_between',
  rowCountEqual: 'expect_table_row_count_to_equal_other_table',
  nullShareIncrease: 'expect_column_null_fraction_to_not_increase_by_more_than',
  nonNullShare: 'expect_column_proportion_of_non_null_values_to_be_between',
  // Load checks (load/index.ts LOAD_CHECKS).
  fileExists: 'expect_table_file_to_exist',
  columns: 'expect_table_columns_to_match_set',
  wellFormed: 'expect_file_to_be_well_formed_csv',
  parses: 'expect_column_values_to_be_of_type',
} as const;

/** One value of one row replaced: the commonest corruption. */
function cell(table: string, column: string, value: string, rule: string, row = ROW): Pick<Corruption, 'table' | 'mutate' | 'expected'> {
  return { table, mutate: edit((csv) => csv.set(row, column, value)), expected: { column, rule, line: Csv.line(row), rows: 1 } };
}

/** plan_stream_* NULL (net_service = 'No') for every other user with internet until `share` of all users have none. */
function withoutInternet(share: number): Mutation {
  return edit((csv) => {
    let missing = csv.rows.filter((_, row) => csv.get(row, 'net_service') === 'No').length;
    for (let row = 0; row < csv.rows.length && missing < share * csv.rows.length; row += 2) {
      if (csv.get(row, 'net_service') === 'No') continue;
      csv.set(row, 'net_service', 'No');
      csv.set(row, 'plan_stream_tv', '');
      csv.set(row, 'plan_stream_movies', '');
      missing += 1;
    }
  });
}

const CORRUPTIONS: readonly Corruption[] = [
  { name: 'a negative count', ...cell('usage_agg_30d', 'skips_7d', '-3', RULES.between) },
  { name: 'text in a number column', ...cell('payments_agg_90d', 'failed_payments_90d', 'abc', RULES.parses) },
  { name: 'a fractional value in an integer column', ...cell('usage_agg_30d', 'unique_devices_30d', '2.5', RULES.parses) },
  { name: 'an integer overflow', ...cell('usage_agg_30d', 'skips_7d', '3000000000', RULES.parses) },
  { name: 'an unparseable boolean', ...cell('users', 'has_family', 'maybe', RULES.parses) },
  { name: "'Yes' in a boolean column", ...cell('users', 'user_is_senior', 'Yes', RULES.parses) },
  { name: "'1' in a boolean column", ...cell('labels', 'churn_label', '1', RULES.parses) },
  { name: 'an impossible date', ...cell('users', 'signup_date', '2023-02-30', RULES.parses) },
  { name: 'a date in another format', ...cell('users', 'signup_date', '01/31/2024', RULES.parses) },
  { name: 'a signup date after as_of', ...cell('users', 'signup_date', '2024-03-15', RULES.between) },
  { name: 'an unknown category value', ...cell('subscriptions', 'contract_type', 'Three year', RULES.inSet) },
  { name: 'a category with a trailing space', ...cell('users', 'user_gender', 'Female ', RULES.inSet) },
  { name: 'money with three decimals', ...cell('subscriptions', 'monthly_fee', '29.855', RULES.parses) },
  { name: 'money beyond its precision', ...cell('subscriptions', 'total_paid', '12345678901', RULES.parses) },
  { name: 'a negative price', ...cell('subscriptions', 'monthly_fee', '-5.00', RULES.between) },
  { name: "'nan' in a double column", ...cell('usage_agg_30d', 'avg_session_mins_7d', 'nan', RULES.parses) },
  { name: "'inf' in a double column", ...cell('support_agg_90d', 'ticket_avg_resolution_hrs_90d', 'inf', RULES.parses) },
  { name: 'a double beyond its range (1e400 would read as inf)', ...cell('usage_agg_30d', 'watch_hours_30d', '1e400', RULES.parses) },
  { name: 'a value out of domain bounds (800 watch hours in 30 days)', ...cell('usage_agg_30d', 'watch_hours_30d', '800', RULES.between) },
  { name: 'tenure beyond any real customer', ...cell('subscriptions', 'months_active', '700', RULES.between) },
  { name: 'a NULL key', ...cell('labels', 'user_id', '', RULES.notNull) },
  { name: 'a malformed key', ...cell('users', 'user_id', '7590-vhveg', RULES.regex) },
  { name: 'a key unknown to users', ...cell('labels', 'user_id', '0000-ZZZZZ', RULES.inOtherTable) },
  { name: 'a NULL label', ...cell('labels', 'churn_label', '', RULES.notNull) },
  { name: 'a NULL in a column that is never NULL', ...cell('support_agg_90d', 'support_tickets_90d', '', RULES.notNull) },
  {
    name: "plan_stream_tv True where net_service = 'No'",
    ...cell('subscriptions', 'plan_stream_tv', 'True', RULES.beNull, noInternet),
  },
  {
    name: "plan_stream_tv empty where net_service = 'DSL'",
    ...cell('subscriptions', 'plan_stream_tv', '', RULES.notNull, dsl),
  },
  {
    name: 'a value spanning two lines',
    ...cell('users', 'user_gender', '"Fe\nmale"', RULES.parses),
  },
  {
    name: 'a column suddenly 30 % NULL',
    table: 'usage_agg_30d',
    mutate: edit((csv) => csv.rows.forEach((_, row) => row % 10 < 3 && csv.set(row, 'watch_hours_30d', ''))),
    expected: { column: 'watch_hours_30d', rule: RULES.notNull, line: Csv.line(0), rows: users.rows.filter((_, row) => row % 10 < 3).length },
  },
  {
    name: 'plan_stream_tv from 20 % to 40 % NULL, net_service changed to match',
    table: 'subscriptions',
    mutate: withoutInternet(0.4),
    // The first row withoutInternet changes: the first even row with internet.
    expected: {
      column: 'plan_stream_tv',
      rule: RULES.nullShareIncrease,
      line: Csv.line(subscriptions.find((row) => row % 2 === 0 && subscriptions.get(row, 'net_service') !== 'No')),
    },
  },
  {
    // The null-share rise fails too; the static bound says more: fewer than half the users have a plan.
    name: 'plan_stream_tv NULL for 55 % of users, net_service changed to match',
    table: 'subscriptions',
    mutate: withoutInternet(0.55),
    expected: { column: 'plan_stream_tv', rule: RULES.nonNullShare },
  },
  {
    name: 'a duplicate key with different values',
    table: 'support_agg_90d',
    mutate: edit((csv) => csv.set(ROW + 1, 'user_id', csv.get(ROW, 'user_id'))),
    expected: { column: 'user_id', rule: RULES.unique, line: LINE, rows: 2 },
  },
  {
    name: 'a row repeated exactly',
    table: 'labels',
    mutate: edit((csv) => csv.rows.splice(ROW + 1, 0, [...csv.rows[ROW]])),
    expected: { column: 'user_id', rule: RULES.unique, line: LINE, rows: 2 },
  },
  {
    name: 'a users row missing, so the other tables hold a key unknown to users',
    table: 'users',
    mutate: edit((csv) => csv.rows.splice(ROW, 1)),
    expected: { table: 'subscriptions', column: 'user_id', rule: RULES.inOtherTable, line: LINE, rows: 1 },
  },
  {
    name: 'labels all True (a churn rate of 100 %)',
    table: 'labels',
    mutate: edit((csv) => csv.rows.forEach((_, row) => csv.set(row, 'churn_label', 'True'))),
    expected: { column: 'churn_label', rule: RULES.mean },
  },
  {
    name: 'a new column',
    table: 'subscriptions',
    mutate: edit((csv) => {
      csv.header.push('referral_code');
      csv.rows.forEach((fields) => fields.push('SPRING24'));
    }),
    expected: { column: 'referral_code', rule: RULES.columns },
  },
  {
    name: 'a column of the live table not in the export contract',
    table: 'subscriptions',
    mutate: edit((csv) => {
      csv.header.push('add_on_security');
      csv.rows.forEach((fields) => fields.push('False'));
    }),
    expected: { column: 'add_on_security', rule: RULES.columns },
  },
  {
    name: 'a missing column',
    table: 'usage_agg_30d',
    mutate: edit((csv) => {
      const index = csv.index('skips_7d');
      [csv.header, ...csv.rows].forEach((fields) => fields.splice(index, 1));
    }),
    expected: { column: 'skips_7d', rule: RULES.columns },
  },
  {
    name: 'a renamed column',
    table: 'users',
    mutate: edit((csv) => (csv.header[csv.index('user_gender')] = 'gender')),
    expected: { column: 'user_gender', rule: RULES.columns },
  },
  {
    name: 'a duplicated header column',
    table: 'payments_agg_90d',
    mutate: edit((csv) => [csv.header, ...csv.rows].forEach((fields) => fields.push(fields[1]))),
    expected: { column: 'failed_payments_90d', rule: RULES.columns },
  },
  {
    name: 'a ragged row with an extra field',
    table: 'subscriptions',
    mutate: editLines((lines) => (lines[LINE - 1] += ',extra')),
    expected: { rule: RULES.wellFormed, line: LINE, rows: 1 },
  },
  {
    name: 'a short row',
    table: 'payments_agg_90d',
    mutate: editLines((lines) => (lines[LINE - 1] = lines[LINE - 1].split(',')[0])),
    expected: { column: 'failed_payments_90d', rule: RULES.wellFormed, line: LINE, rows: 1 },
  },
  {
    name: 'an unterminated quote',
    table: 'users',
    mutate: edit((csv) => csv.set(ROW, 'user_gender', '"Female')),
    expected: { column: 'user_gender', rule: RULES.wellFormed, line: LINE },
  },
  {
    name: 'line ends that change style mid-file',
    table: 'subscriptions',
    mutate: editLines((lines) => (lines[LINE - 1] += '\r')),
    expected: { rule: RULES.wellFormed },
  },
  {
    name: 'an empty line in the middle',
    table: 'labels',
    mutate: editLines((lines) => lines.splice(LINE, 0, '')),
    expected: { rule: RULES.wellFormed, line: LINE + 1, rows: 1 },
  },
  {
    name: 'bytes that are not UTF-8',
    table: 'users',
    mutate: (text) => Buffer.from(text.replace('Female', 'F\u00e9male'), 'latin1'),
    expected: { column: 'user_gender', rule: RULES.wellFormed, line: Csv.line(users.find((row) => users.get(row, 'user_gender') === 'Female')) },
  },
  {
    name: 'a table with fewer rows than users',
    table: 'labels',
    mutate: edit((csv) => csv.rows.splice(ROW, 1)),
    expected: { rule: RULES.rowCountEqual, mentions: `"missing_keys":["${users.get(ROW, 'user_id')}"]` },
  },
  { name: 'a header-only file', table: 'labels', mutate: (text) => `${text.split('\n')[0]}\n`, expected: { rule: RULES.rowCount } },
  { name: 'an empty file', table: 'support_agg_90d', mutate: () => '', expected: { column: 'user_id', rule: RULES.columns } },
  { name: 'a missing file', table: 'payments_agg_90d', mutate: () => null, expected: { rule: RULES.fileExists } },
];

/** Load's own checks: a month failing one is rejected by the load stage, before validate. */
const LOAD_RULES = new Set<string>(Object.values(LOAD_CHECKS));

/**
 * The corruptions run through a whole ingest: every one that validate rejects, and the first
 * of each load check, which shows that a load rejection too ends the run with exit 1 and the
 * warehouse as it was. The other load rejections run the load stage alone, in this process:
 * the same message, rule, count and lines, at a third of the time.
 */
const THROUGH_INGEST = new Set(
  CORRUPTIONS.filter(
    (corruption) => !LOAD_RULES.has(corruption.expected.rule) || CORRUPTIONS.find((first) => first.expected.rule === corruption.expected.rule) === corruption,
  ),
);

/** Writes month_001 with one corruption applied into a fresh seeds dir. */
function corruptedSeeds(corruption: Pick<Corruption, 'table' | 'mutate'>): string {
  const seeds = copyMonths(SOURCE, [TARGET.month], tempDir('streamflow-seeds-'));
  const file = path.join(seeds, TARGET.month, `${corruption.table}.csv`);
  const changed = corruption.mutate(fs.readFileSync(file, 'utf8'));
  if (changed === null) fs.rmSync(file);
  else fs.writeFileSync(file, changed);
  return seeds;
}

/** The message line about `table.column` failing `rule`, and what it must carry. */
function expectMessage(stderr: string, expected: Corruption['expected'] & { table: string }): void {
  const where = expected.column ? `${expected.table}.${expected.column}` : expected.table;
  const line = stderr.split('\n').find((text) => text.includes(`${where} failed ${expected.rule}`));
  expect(line, `no message line "${where} failed ${expected.rule}" in:\n${stderr}`).toBeDefined();
  if (expected.line !== undefined) {
    expect(line).toMatch(new RegExp(`\\bline ${expected.line}\\b`));
    // Row-level problems give how many rows, their share, and sample lines.
    expect(line).toMatch(/: \d+ rows? \(\d+\.\d\d %\); e\.g\. line \d+/);
  }
  if (expected.rows !== undefined) expect(line).toMatch(new RegExp(`: ${expected.rows} rows? \\(`));
  if (expected.mentions !== undefined) expect(line).toContain(expected.mentions);
}

describe('the validation catalogue', () => {
  /** month_000 ingested cleanly: every scenario starts from a copy of it. */
  const january = tempDir('streamflow-january-');
  let januaryState: Awaited<ReturnType<typeof warehouseState>>;
  const fromJanuary = () => {
    const warehouse = tempDir('streamflow-wh-');
    fs.cpSync(january, warehouse, { recursive: true });
    return warehouse;
  };

  beforeAll(async () => {
    const result = await cli('--seeds', SOURCE, '--warehouse', january, 'ingest', CLEAN.month, CLEAN.asOf);
    expect(result.code, result.stderr).toBe(0);
    januaryState = await warehouseState(january);
  });

  it('covers every rule that can reject a month, in at least 25 distinct cases', () => {
    // The rules are the contract's error-severity expectations and load's own checks: a rule
    // that no corruption here sets off is one nothing shows to work.
    const rejecting = new Set<string>([
      ...CHURN.tables.flatMap((table) => table.expectations.filter((config) => severityOf(config) === 'error').map((config) => config.type)),
      ...Object.values(LOAD_CHECKS),
    ]);
    expect([...new Set(CORRUPTIONS.map((corruption) => corruption.expected.rule))].sort()).toEqual([...rejecting].sort());
    // A floor, so that cases are not lost unnoticed; every one a case of its own.
    expect(CORRUPTIONS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(CORRUPTIONS.map((corruption) => corruption.name)).size).toBe(CORRUPTIONS.length);
  });

  describe.each(CORRUPTIONS)('$name in $table', (corruption) => {
    if (THROUGH_INGEST.has(corruption)) {
      it('is rejected with exit 1, named in the message, and changes no live table or snapshot', async () => {
        const warehouse = fromJanuary();
        const seeds = corruptedSeeds(corruption);
        const result = await cli('--seeds', seeds, '--warehouse', warehouse, 'ingest', TARGET.month, TARGET.asOf);
        expect(result.code, result.stderr).toBe(1);
        expectMessage(result.stderr, { ...corruption.expected, table: corruption.expected.table ?? corruption.table });
        expect(await warehouseState(warehouse)).toEqual(januaryState);
      });
    } else {
      it('is rejected by the load stage with exit 1 (DataRejectedError), named in the message', async () => {
        const seeds = corruptedSeeds(corruption);
        const engine = await openEngine();
        try {
          const rejected: unknown = await loadMonth(engine, CHURN, { name: TARGET.month, dir: path.join(seeds, TARGET.month) }).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(rejected).toBeInstanceOf(DataRejectedError);
          expect((rejected as DataRejectedError).exitCode).toBe(1);
          expectMessage((rejected as DataRejectedError).message, { ...corruption.expected, table: corruption.expected.table ?? corruption.table });
        } finally {
          engine.close();
        }
      });
    }
  });

  it('the null-rate guard fires on its own: plan_stream_* going from 20 % to 40 % NULL fails nothing else', async () => {
    const warehouse = fromJanuary();
    const seeds = corruptedSeeds({ table: 'subscriptions', mutate: withoutInternet(0.4) });
    const result = await cli('--seeds', seeds, '--warehouse', warehouse, '--json', 'ingest', TARGET.month, TARGET.asOf);
    expect(result.code).toBe(1);
    const failed = await query<{ expectation_id: string; observed_value: { staged: number; live: number } }>(
      warehouse,
      `SELECT expectation_id, observed_value FROM meta.validation_results WHERE run_id = '${result.json.run_id}' AND NOT success ORDER BY 1`,
    );
    expect(failed.map((row) => row.expectation_id.replace(/\.\d+\./, '.'))).toEqual([
      `subscriptions.${RULES.nullShareIncrease}`,
      `subscriptions.${RULES.nullShareIncrease}`,
    ]);
    const [tv] = failed;
    const januarySubscriptions = Csv.parse(fs.readFileSync(path.join(SOURCE, CLEAN.month, 'subscriptions.csv'), 'utf8'));
    const januaryShare =
      januarySubscriptions.rows.filter((_, row) => januarySubscriptions.get(row, 'plan_stream_tv') === '').length / januarySubscriptions.rows.length;
    expect(tv.observed_value.live).toBeCloseTo(januaryShare, 6);
    expect(tv.observed_value.staged).toBeGreaterThanOrEqual(0.4);
    // Its unexpected rows are the users whose plan became NULL.
    const [became] = await query<{ n: number }>(
      warehouse,
      `SELECT count(*)::INTEGER AS n FROM meta.validation_failures WHERE run_id = '${result.json.run_id}' AND column_name = 'plan_stream_tv'`,
    );
    const changed = Csv.parse(withoutInternet(0.4)(subscriptions.toString()) as string);
    const becameNull = changed.rows.filter((_, row) => changed.get(row, 'plan_stream_tv') === '' && subscriptions.get(row, 'plan_stream_tv') !== '');
    expect(became.n).toBe(becameNull.length);
  });

  it('keeps every failing row of a run in meta.validation_failures, not only the five samples of the message', async () => {
    const warehouse = fromJanuary();
    const seeds = corruptedSeeds({ table: 'usage_agg_30d', mutate: edit((csv) => csv.rows.slice(0, 40).forEach((_, row) => csv.set(row, 'skips_7d', '-1'))) });
    const result = await cli('--seeds', seeds, '--warehouse', warehouse, '--json', 'ingest', TARGET.month, TARGET.asOf);
    expect(result.code).toBe(1);
    const percent = ((100 * 40) / users.rows.length).toFixed(2);
    expect(result.stderr).toContain(
      `usage_agg_30d.skips_7d failed expect_column_values_to_be_between: 40 rows (${percent} %); e.g. line 2 (${users.get(0, 'user_id')}): "-1", line 3`,
    );
    expect(result.stderr.match(/line \d+ \(/g)).toHaveLength(5);
    const rows = await query<{ row_key: string; line: number; value: string }>(
      warehouse,
      `SELECT row_key, line, value FROM meta.validation_failures WHERE run_id = '${result.json.run_id}' AND table_name = 'usage_agg_30d' ORDER BY line`,
    );
    expect(rows).toHaveLength(40);
    const clean = cleanCsv('usage_agg_30d');
    expect(rows).toEqual(clean.rows.slice(0, 40).map((_, row) => ({ row_key: clean.get(row, 'user_id'), line: Csv.line(row), value: '-1' })));
    // Per run: the next rejected run adds its own rows and leaves these alone.
    const again = await cli('--seeds', seeds, '--warehouse', warehouse, '--json', 'ingest', TARGET.month, TARGET.asOf);
    const counts = await query<{ run_id: string; n: number }>(
      warehouse,
      `SELECT run_id, count(*)::INTEGER AS n FROM meta.validation_failures GROUP BY run_id ORDER BY run_id`,
    );
    expect(counts).toEqual([result.json.run_id, again.json.run_id].sort().map((runId: string) => ({ run_id: runId, n: 40 })));
  });

  it('load stages every unparseable row in the run failure list, not only the samples', async () => {
    const seeds = corruptedSeeds({
      table: 'payments_agg_90d',
      mutate: edit((csv) => csv.rows.slice(0, 40).forEach((_, row) => csv.set(row, 'failed_payments_90d', 'n/a'))),
    });
    const engine = await openEngine({ threads: 2 });
    try {
      await expect(loadMonth(engine, CHURN, { name: TARGET.month, dir: path.join(seeds, TARGET.month) })).rejects.toThrow(
        /payments_agg_90d\.failed_payments_90d failed expect_column_values_to_be_of_type: 40 rows/,
      );
      const [staged] = await engine.rows(
        `SELECT count(*)::INTEGER AS n, min(line) AS first, max(line) AS last, any_value(expectation_id) AS id FROM ${FAILURES_TABLE}`,
      );
      expect(staged).toEqual({ n: 40, first: 2, last: 41, id: 'payments_agg_90d.load00.expect_column_values_to_be_of_type' });
    } finally {
      engine.close();
    }
  });

  describe('harmless variants of month_001 give the same live tables and byte-identical snapshots', () => {
    let reference: { live: Record<string, string>; files: Record<string, string> };

    beforeAll(async () => {
      const warehouse = fromJanuary();
      const result = await cli('--seeds', SOURCE, '--warehouse', warehouse, 'ingest', TARGET.month, TARGET.asOf);
      expect(result.code, result.stderr).toBe(0);
      reference = await warehouseState(warehouse);
      expect(Object.keys(reference.files)).toHaveLength(12);
    });

    const bom: Mutation = (text) => `\uFEFF${text}`;
    const crlf: Mutation = (text) => text.replace(/\n/g, '\r\n');
    const quoteEveryField: Mutation = editLines((lines) =>
      lines.forEach(
        (line, index) =>
          (lines[index] = line
            .split(',')
            .map((field) => `"${field}"`)
            .join(',')),
      ),
    );
    // Reversed, then every other row moved to the end: no row keeps its place.
    const reorderRows: Mutation = editLines((lines) => {
      const rows = lines.splice(1).reverse();
      lines.push(...rows.filter((_, index) => index % 2 === 0), ...rows.filter((_, index) => index % 2 === 1));
    });
    const noFinalNewline: Mutation = (text) => text.replace(/\r?\n$/, '');
    const emptyLinesAtTheEnd: Mutation = (text) => `${text}\n\n`;
    const reorderColumns: Mutation = edit((csv) => [csv.header, ...csv.rows].forEach((fields) => fields.push(fields.shift()!)));
    const all =
      (...mutations: Mutation[]): Mutation =>
      (text) =>
        mutations.reduce((current, mutation) => mutation(current) as string, text);

    it.each([
      { name: 'a UTF-8 byte order mark', mutate: bom, warnings: 0 },
      { name: 'CRLF line ends', mutate: crlf, warnings: 0 },
      { name: 'every field quoted (an empty one is still NULL)', mutate: quoteEveryField, warnings: 0 },
      { name: 'rows in another order', mutate: reorderRows, warnings: 0 },
      { name: 'no final newline', mutate: noFinalNewline, warnings: 0 },
      { name: 'empty lines at the end', mutate: emptyLinesAtTheEnd, warnings: 0 },
      { name: 'all of these at once', mutate: all(reorderRows, quoteEveryField, crlf, noFinalNewline, bom), warnings: 0 },
      // Columns are mapped by name; another order is accepted with a warning per table.
      { name: 'columns in another order', mutate: reorderColumns, warnings: CHURN.tables.length },
    ])('$name in every file', async ({ mutate, warnings }) => {
      const seeds = copyMonths(SOURCE, [TARGET.month], tempDir('streamflow-seeds-'));
      for (const table of CHURN.tables.map((t) => t.name)) {
        const file = path.join(seeds, TARGET.month, `${table}.csv`);
        fs.writeFileSync(file, mutate(fs.readFileSync(file, 'utf8')) as string);
      }
      const warehouse = fromJanuary();
      const result = await cli('--seeds', seeds, '--warehouse', warehouse, '--json', 'ingest', TARGET.month, TARGET.asOf);
      expect(result.code, result.stderr).toBe(0);
      expect(result.json.warnings).toBe(warnings);
      expect(await warehouseState(warehouse)).toEqual(reference);
    });
  });

  describe('validate <month>: the same checks as a dry run', () => {
    it('passes a clean month, writes the report and changes no live table or snapshot', async () => {
      const warehouse = fromJanuary();
      const result = await cli('--seeds', SOURCE, '--warehouse', warehouse, '--json', 'validate', TARGET.month, '--as-of', TARGET.asOf);
      expect(result.code, result.stderr).toBe(0);
      expect(result.json).toMatchObject({ command: 'validate', status: 'validated', warnings: 0, snapshots: [], tables: [] });
      const document = JSON.parse(fs.readFileSync(path.join(result.json.report_path, 'validation.json'), 'utf8'));
      expect(document.success).toBe(true);
      expect(document.results.map((result: { expectation_config: { id: string } }) => result.expectation_config.id)).toEqual(contractExpectationIds());
      expect(fs.existsSync(path.join(result.json.report_path, 'report.html'))).toBe(true);
      expect(await warehouseState(warehouse)).toEqual(januaryState);
      // and the month still ingests afterwards
      expect((await cli('--seeds', SOURCE, '--warehouse', warehouse, 'ingest', TARGET.month, TARGET.asOf)).code).toBe(0);
    });

    it('rejects a corrupted month with exit 1 and the same message as ingest, changing nothing', async () => {
      const corruption = CORRUPTIONS.find((candidate) => candidate.name === 'a negative count')!;
      const warehouse = fromJanuary();
      const seeds = corruptedSeeds(corruption);
      const result = await cli('--seeds', seeds, '--warehouse', warehouse, '--json', 'validate', TARGET.month, '--as-of', TARGET.asOf);
      expect(result.code).toBe(1);
      expect(result.json).toMatchObject({ command: 'validate', status: 'rejected' });
      expectMessage(result.stderr, { ...corruption.expected, table: corruption.table });
      expect(fs.existsSync(path.join(result.json.report_path, 'validation.json'))).toBe(true);
      expect(await warehouseState(warehouse)).toEqual(januaryState);
    });

    it('rejects a load problem (a missing column) the same way', async () => {
      const corruption = CORRUPTIONS.find((candidate) => candidate.name === 'a missing column')!;
      const warehouse = fromJanuary();
      const result = await cli('--seeds', corruptedSeeds(corruption), '--warehouse', warehouse, 'validate', TARGET.month);
      expect(result.code).toBe(1);
      expectMessage(result.stderr, { ...corruption.expected, table: corruption.table });
      expect(await warehouseState(warehouse)).toEqual(januaryState);
    });

    it('works on a fresh warehouse too, writing its report and nothing else: no snapshot, no database', async () => {
      const warehouse = path.join(tempDir('streamflow-wh-'), 'new');
      const result = await cli('--seeds', SOURCE, '--warehouse', warehouse, 'validate', CLEAN.month, '--as-of', CLEAN.asOf);
      expect(result.code, result.stderr).toBe(0);
      expect(snapshotFiles(warehouse)).toEqual({});
      expect(fs.readdirSync(warehouse)).toEqual(['reports']);
    });
  });
});

describe.runIf(requirePrerequisite(REAL_EXPORTS))('the real exports', () => {
  it('month_000 and month_001 pass with zero failures and only the warning they deserve: a constant avg_session_mins_7d', async () => {
    const warehouse = tempDir('streamflow-real-');
    for (const { month, asOf } of [CLEAN, TARGET]) {
      const result = await cli('--seeds', REAL, '--warehouse', warehouse, '--json', 'ingest', month, asOf);
      expect(result.code, result.stderr).toBe(0);
      expect(result.json.warnings).toBe(1);
      const document = JSON.parse(fs.readFileSync(path.join(result.json.report_path, 'validation.json'), 'utf8'));
      expect(document.statistics).toMatchObject({ unsuccessful_expectations: 1, warnings: 1 });
      const [warning] = document.results.filter((result: { success: boolean }) => !result.success);
      // Every one of the 7,043 users has avg_session_mins_7d = 29.14104464084511: a stuck or imputed metric.
      expect(warning.expectation_config).toMatchObject({
        type: 'expect_column_proportion_of_unique_values_to_be_between',
        kwargs: { column: 'avg_session_mins_7d' },
      });
      expect(warning.result.observed_value).toBeCloseTo(1 / 7043, 10);
    }
    // An aggregate expectation has no unexpected rows to keep.
    const [failures] = await query<{ n: number }>(warehouse, 'SELECT count(*)::INTEGER AS n FROM meta.validation_failures');
    expect(failures.n).toBe(0);
  });
});
