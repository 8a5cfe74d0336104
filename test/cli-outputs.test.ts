// What a data person reads all day: query output that keeps the engine's types, run
// history and snapshot lists with filters, run pages, summaries that name every warning,
// and --json objects of one shape.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Type, tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEngine, quoteLiteral } from '../src/engine/duckdb';
import { cli, copyMonths, query, REAL, REAL_EXPORTS, realWarehouse, requirePrerequisite, SEEDS, tempDir } from './helpers';

/** One row of every type the Arrow output must keep, and a NULL. */
const TYPED_ROW = `SELECT DATE '2024-01-31' AS day, 29.85::DECIMAL(10,2) AS fee, -1.05::DECIMAL(10,2) AS refund,
  7::INTEGER AS months, 9007199254740993::BIGINT AS big, count(*) AS n, true AS flag, 'x,y' AS label, '' AS empty,
  NULL::INTEGER AS nothing, TIMESTAMP '2024-01-31 10:00:00.123456' AS at`;

describe('query output keeps the engine types', () => {
  const warehouse = tempDir();
  beforeAll(async () => {
    expect((await cli('--warehouse', warehouse, 'ingest', 'month_000', '2024-01-31')).code).toBe(0);
  });

  it('--format arrow: DATE → Date32, DECIMAL(10,2) → Decimal(10,2), INTEGER → Int32, BIGINT → Int64, BOOLEAN → Bool, VARCHAR → Utf8, TIMESTAMP → Timestamp(µs), NULL kept', async () => {
    const result = await cli('--warehouse', warehouse, 'query', '--format', 'arrow', TYPED_ROW);
    expect(result.code, result.stderr).toBe(0);
    const table = tableFromIPC(result.stdoutBytes);
    const types = Object.fromEntries(table.schema.fields.map((field) => [field.name, field.type]));
    expect(types.day.typeId).toBe(Type.Date);
    expect(String(types.day)).toBe('Date32<DAY>');
    expect(types.fee.typeId).toBe(Type.Decimal);
    expect([types.fee.precision, types.fee.scale]).toEqual([10, 2]);
    expect(String(types.months)).toBe('Int32');
    expect(String(types.big)).toBe('Int64');
    expect(String(types.n)).toBe('Int64');
    expect(String(types.flag)).toBe('Bool');
    expect(String(types.label)).toBe('Utf8');
    expect(String(types.nothing)).toBe('Int32');
    expect(String(types.at)).toBe('Timestamp<MICROSECOND>');
    const row = table.get(0)!.toJSON();
    expect(new Date(row.day as number).toISOString().slice(0, 10)).toBe('2024-01-31');
    expect(Array.from(row.fee as Uint32Array)).toEqual([2985, 0, 0, 0]);
    expect(BigInt.asIntN(64, BigInt((row.refund as Uint32Array)[0]) | (BigInt((row.refund as Uint32Array)[1]) << 32n))).toBe(-105n);
    expect(row.months).toBe(7);
    expect(row.big).toBe(9007199254740993n);
    expect(row.flag).toBe(true);
    expect(row.label).toBe('x,y');
    expect(row.nothing).toBeNull();
    expect(table.getChild('nothing')!.nullCount).toBe(1);
  });

  it('an empty result keeps its columns in every format', async () => {
    const empty = "SELECT user_id, monthly_fee FROM subscriptions WHERE user_id = 'nobody'";
    const run = (format: string) => cli('--warehouse', warehouse, 'query', '--format', format, empty);
    expect((await run('table')).stdout).toBe('(no rows)\n');
    expect((await run('csv')).stdout).toBe('user_id,monthly_fee\n');
    expect(JSON.parse((await run('json')).stdout)).toEqual([]);
    const table = tableFromIPC((await run('arrow')).stdoutBytes);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((field) => `${field.name}:${String(field.type)}`)).toEqual(['user_id:Utf8', 'monthly_fee:Decimal[10e+2]']);
  });

  it('--format arrow over a real table keeps its column types and every value, NULLs included', async () => {
    const result = await cli(
      '--warehouse',
      warehouse,
      'query',
      '--format',
      'arrow',
      'SELECT user_id, monthly_fee, plan_stream_tv, as_of FROM snapshots.subscriptions ORDER BY user_id',
    );
    expect(result.code, result.stderr).toBe(0);
    const table = tableFromIPC(result.stdoutBytes);
    expect(table.schema.fields.map((field) => String(field.type))).toEqual(['Utf8', 'Decimal[10e+2]', 'Bool', 'Date32<DAY>']);
    // The stream as apache-arrow decodes it: a DECIMAL is its unscaled 128-bit integer (four 32-bit words, low first), a DATE milliseconds.
    const unscaled = (words: Uint32Array) =>
      BigInt.asIntN(
        128,
        words.reduceRight((value, word) => (value << 32n) | BigInt(word), 0n),
      ).toString();
    const decoded = table.toArray().map((row) => {
      const { user_id, monthly_fee, plan_stream_tv, as_of } = row.toJSON();
      return { user_id, cents: unscaled(monthly_fee as Uint32Array), plan_stream_tv, as_of: new Date(as_of as number).toISOString().slice(0, 10) };
    });
    // The same values read by DuckDB straight from the snapshot file the query reads.
    const engine = await openEngine();
    try {
      const frozen = await engine.rows(
        `SELECT user_id, (monthly_fee * 100)::BIGINT::VARCHAR AS cents, plan_stream_tv, strftime(as_of, '%Y-%m-%d') AS as_of
         FROM read_parquet(${quoteLiteral(path.join(warehouse, 'snapshots', 'subscriptions', '*', '*.parquet'))}) ORDER BY user_id`,
      );
      expect(frozen).toHaveLength(2500);
      expect(frozen.filter((row) => row.plan_stream_tv === null).length).toBeGreaterThan(0);
      expect(decoded).toEqual(frozen);
    } finally {
      engine.close();
    }
  });

  it('--format json: numbers as numbers, DECIMAL as a number unless --decimals-as-strings, BIGINT beyond 2^53 as a string', async () => {
    const result = await cli('--warehouse', warehouse, 'query', '--format', 'json', TYPED_ROW);
    expect(JSON.parse(result.stdout)).toEqual([
      {
        day: '2024-01-31',
        fee: 29.85,
        refund: -1.05,
        months: 7,
        big: '9007199254740993',
        n: 1,
        flag: true,
        label: 'x,y',
        empty: '',
        nothing: null,
        at: '2024-01-31T10:00:00.123456',
      },
    ]);
    const exact = await cli('--warehouse', warehouse, 'query', '--format', 'json', '--decimals-as-strings', TYPED_ROW);
    expect(JSON.parse(exact.stdout)[0]).toMatchObject({ fee: '29.85', refund: '-1.05', months: 7 });
  });

  it('--json on query prints JSON, and refuses another --format', async () => {
    const result = await cli('--warehouse', warehouse, '--json', 'query', 'SELECT 1::INTEGER AS one');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ one: 1 }]);
    const clash = await cli('--warehouse', warehouse, '--json', 'query', '--format', 'csv', 'SELECT 1');
    expect(clash.code).toBe(2);
  });

  it('--format table prints NULL as NULL, apart from an empty string; csv leaves NULL empty and quotes the empty string', async () => {
    const table = await cli('--warehouse', warehouse, 'query', "SELECT NULL::VARCHAR AS a, '' AS b, 1.50::DECIMAL(4,2) AS c");
    expect(table.stdout.split('\n')[2]).toBe('NULL     1.50');
    const csv = await cli('--warehouse', warehouse, 'query', '--format', 'csv', "SELECT NULL::VARCHAR AS a, '' AS b, 1.50::DECIMAL(4,2) AS c");
    expect(csv.stdout).toBe('a,b,c\n,"",1.50\n');
  });
});

describe('--json errors', () => {
  it('print {kind, message, exit_code} with the schema version on stdout', async () => {
    const result = await cli('--warehouse', tempDir(), '--json', 'ingest', 'month_999', '2024-01-31');
    expect(result.code).toBe(2);
    expect(result.json).toMatchObject({ schema_version: '2.2', error: { kind: 'invalid_invocation', exit_code: 2 } });
    expect(result.json.error.message).toMatch(/month folder "month_999" not found under .*: the months there are month_000, month_001, month_002/);
  });

  it('a rejected run prints its summary with the error object', async () => {
    const seeds = copyMonths(SEEDS, ['month_000']);
    const file = path.join(seeds, 'month_000', 'labels.csv');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/,(True|False)\n/, ',maybe\n'));
    const result = await cli('--seeds', seeds, '--warehouse', tempDir(), '--json', 'ingest', 'month_000', '2024-01-31');
    expect(result.code).toBe(1);
    expect(result.json).toMatchObject({ schema_version: '2.2', status: 'rejected', error: { kind: 'data_rejected', exit_code: 1 } });
    expect(result.json.findings[0]).toMatchObject({ severity: 'error', table: 'labels', column: 'churn_label' });
  });
});

describe('month folders and the calendar', () => {
  it('refuses a month_NNN folder paired with another as_of before any work: exit 2, naming the expected as_of, nothing recorded', async () => {
    const warehouse = tempDir();
    expect((await cli('--warehouse', warehouse, 'ingest', 'month_000', '2024-01-31')).code).toBe(0);
    const before = await query(warehouse, 'SELECT count(*) AS n FROM meta.runs');
    const result = await cli('--warehouse', warehouse, 'ingest', 'month_001', '2024-01-31');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/month_001 is the export of as_of 2024-02-29/);
    expect(result.stderr).not.toMatch(/load:/);
    expect(await query(warehouse, 'SELECT count(*) AS n FROM meta.runs')).toEqual(before);
    const fresh = path.join(tempDir(), 'none');
    expect((await cli('--warehouse', fresh, 'validate', 'month_002', '--as-of', '2024-02-29')).code).toBe(2);
    expect(fs.existsSync(fresh)).toBe(false);
  });

  it('honours --first-as-of, and validate without --as-of takes the calendar date', async () => {
    const fresh = path.join(tempDir(), 'none');
    const shifted = await cli('--warehouse', fresh, 'ingest', 'month_001', '2024-02-29', '--first-as-of', '2023-12-31');
    expect(shifted.code).toBe(2);
    expect(shifted.stderr).toMatch(/month_001 is the export of as_of 2024-01-31 in the month calendar \(month_000 is 2023-12-31\)/);
    expect(fs.existsSync(fresh)).toBe(false);
    const validated = await cli('--warehouse', path.join(tempDir(), 'wh'), '--json', 'validate', 'month_002');
    expect(validated.json).toMatchObject({ status: 'validated', as_of: '2024-03-31' });
  });

  it('takes a month given as a path outside the seeds dir, and does not calendar-check other folder names', async () => {
    const elsewhere = copyMonths(SEEDS, ['month_000'], tempDir('streamflow-elsewhere-'));
    fs.renameSync(path.join(elsewhere, 'month_000'), path.join(elsewhere, 'january-export'));
    const warehouse = tempDir();
    const result = await cli('--warehouse', warehouse, '--json', 'ingest', path.join(elsewhere, 'january-export'), '2024-01-31');
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toMatchObject({ month: 'january-export', status: 'succeeded' });
    const [run] = await query(warehouse, 'SELECT month_path FROM meta.runs');
    expect(run.month_path).toBe(path.join(elsewhere, 'january-export'));
  });
});

describe.runIf(requirePrerequisite(REAL_EXPORTS))('runs, runs show and snapshots on the real months', () => {
  // A run records the month folder's absolute path as given (links not followed: a clone
  // whose ../shared is a link records the path through the link, as the user typed it).
  const FEBRUARY_FOLDER = path.join(REAL, 'month_001');
  const warehouse = tempDir();
  const runIds: Record<string, string> = {};
  const summaries: Record<string, any> = {};
  let januarySummary = '';
  let brokenMonth = '';

  beforeAll(async () => {
    const january = await cli('--seeds', REAL, '--warehouse', warehouse, 'ingest', 'month_000', '2024-01-31');
    expect(january.code, january.stderr).toBe(0);
    januarySummary = january.stdout;
    for (const [name, month, asOf] of [
      ['february', 'month_001', '2024-02-29'],
      ['replay', 'month_000', '2024-01-31'],
    ]) {
      const result = await cli('--seeds', REAL, '--warehouse', warehouse, '--json', 'ingest', month, asOf);
      expect(result.code, result.stderr).toBe(0);
      runIds[name] = result.json.run_id;
      summaries[name] = result.json;
    }
    // A rejected run is recorded too (validate is not: it changes nothing, issue 10).
    const brokenSeeds = copyMonths(REAL, ['month_001']);
    brokenMonth = path.join(brokenSeeds, 'broken');
    fs.renameSync(path.join(brokenSeeds, 'month_001'), brokenMonth);
    const payments = path.join(brokenMonth, 'payments_agg_90d.csv');
    const lines = fs.readFileSync(payments, 'utf8').split('\n');
    lines[5] = `${lines[5].split(',')[0]},abc`;
    fs.writeFileSync(payments, lines.join('\n'));
    const rejected = await cli('--warehouse', warehouse, 'ingest', brokenMonth, '2024-03-31');
    expect(rejected.code, rejected.stderr).toBe(1);
  });

  it('the run summary names the warning (table.column, rule, figure) and ends with the report.html path', () => {
    const lines = januarySummary.trimEnd().split('\n');
    expect(januarySummary).toMatch(
      /warning: usage_agg_30d\.avg_session_mins_7d failed expect_column_proportion_of_unique_values_to_be_between — share of distinct values between 0\.2 and 1; observed 1 distinct value in 7,043 rows$/m,
    );
    expect(lines.at(-1)).toMatch(/^ {2}report: .*reports\/[^/]+\/report\.html$/);
    expect(fs.existsSync(lines.at(-1)!.replace(/^ {2}report: /, ''))).toBe(true);
  });

  it('month over month: --json of month_001 holds the entity rows and the label rate of both months; a first month has none', () => {
    expect(summaries.february.month_over_month).toEqual({
      previous_as_of: '2024-01-31',
      entity: { table: 'users', rows_then: 7043, rows_now: 7043, keys_added: 0, keys_gone: 0 },
      label: { table: 'labels', column: 'churn_label', rate_then: expect.any(Number), rate_now: expect.any(Number) },
      flagged: [],
    });
    // The real exports' churn rate: 1,869 of 7,043 in January, 1,701 in February.
    expect(summaries.february.month_over_month.label.rate_then).toBeCloseTo(1869 / 7043, 12);
    expect(summaries.february.month_over_month.label.rate_now).toBeCloseTo(1701 / 7043, 12);
    expect(summaries.replay.month_over_month).toBeNull();
    expect(januarySummary).not.toContain('month over month');
  });

  it('month over month: the terminal summary and runs show word it; runs show --json gives the same object', async () => {
    // In a warehouse of its own that holds January: this one's history is pinned by the tests below.
    const text = await cli('--seeds', REAL, '--warehouse', realWarehouse('january'), 'ingest', 'month_001', '2024-02-29');
    expect(text.code, text.stderr).toBe(0);
    const block = [
      'month over month, compared with 2024-01-31:',
      '  users: 7,043 → 7,043 rows (0 new, 0 gone)',
      '  label labels.churn_label: 26.5 % → 24.2 % true',
    ];
    expect(text.stdout).toContain(block.map((line) => `  ${line}`).join('\n'));
    const page = await cli('--warehouse', warehouse, 'runs', 'show', runIds.february);
    expect(page.stdout).toContain(`\n\n${block.join('\n')}\n  no month-over-month figure flagged\n\nwarnings and failures\n`);
    const shown = await cli('--warehouse', warehouse, '--json', 'runs', 'show', runIds.february);
    expect(shown.json.month_over_month).toEqual(summaries.february.month_over_month);
    // month_000 is a first month: nothing to compare with, replayed or not.
    expect((await cli('--warehouse', warehouse, '--json', 'runs', 'show', runIds.replay)).json.month_over_month).toBeNull();
  });

  it('the terminal and the report describe a rule in the same words', () => {
    const report = fs.readFileSync(
      januarySummary
        .trimEnd()
        .split('\n')
        .at(-1)!
        .replace(/^ {2}report: /, ''),
      'utf8',
    );
    expect(report).toContain('share of distinct values between 0.2 and 1');
  });

  it('runs hides unchanged replays unless --all, and shows the seeds folder each run read', async () => {
    const table = await cli('--warehouse', warehouse, 'runs');
    expect(table.stdout).toMatch(/seeds folder/);
    expect(table.stdout).toContain(FEBRUARY_FOLDER);
    expect(table.stdout).toContain(brokenMonth);
    expect(table.stdout).not.toContain(runIds.replay);
    expect(table.stdout).toContain('1 unchanged replay run(s) hidden; --all shows them');
    const all = await cli('--warehouse', warehouse, '--json', 'runs', '--all');
    expect(all.json.runs.map((run: { status: string }) => run.status)).toEqual(['rejected', 'unchanged', 'succeeded', 'succeeded']);
  });

  it('runs --limit, --status and --month filter the history', async () => {
    const runs = async (...flags: string[]) =>
      (await cli('--warehouse', warehouse, '--json', 'runs', ...flags)).json.runs.map(
        (run: { run_id: string; month: string; status: string }) => `${run.month}:${run.status}`,
      );
    expect(await runs('--limit', '1')).toEqual(['broken:rejected']);
    expect(await runs('--status', 'succeeded')).toEqual(['month_001:succeeded', 'month_000:succeeded']);
    expect(await runs('--status', 'unchanged')).toEqual(['month_000:unchanged']);
    expect(await runs('--month', 'month_000', '--all')).toEqual(['month_000:unchanged', 'month_000:succeeded']);
    expect(await runs('--month', FEBRUARY_FOLDER)).toEqual(['month_001:succeeded']);
    expect((await cli('--warehouse', warehouse, 'runs', '--limit', '0')).code).toBe(2);
  });

  it('runs show prints a readable page: tasks with timings and attempts, tables with counts, the warning named, the report page', async () => {
    const result = await cli('--warehouse', warehouse, 'runs', 'show', runIds.february);
    expect(result.code, result.stderr).toBe(0);
    const page = result.stdout;
    expect(page).toMatch(new RegExp(`^run ${runIds.february}: ingest month_001 as_of 2024-02-29: succeeded \\(exit 0\\)`));
    expect(page).toContain(`seeds folder  ${FEBRUARY_FOLDER}`);
    // Counts with their unit (the validate task counts expectations), sizes and counts for people.
    expect(page).toMatch(/^ {2}upsert +completed +1 +\d+ ms +10,257 rows$/m);
    expect(page).toMatch(/^ {2}validate +completed +1 +\d+ ms +150 expectations$/m);
    expect(page).toMatch(/^ {2}table +file size +rows in +inserted +updated +unchanged +snapshot$/m);
    expect(page).toMatch(/^ {2}labels +115\.28 KiB +7,043 +0 +2,652 +4,391 +7,043 rows, [0-9a-f]{12}$/m);
    expect(page).toMatch(/warning: usage_agg_30d\.avg_session_mins_7d failed expect_column_proportion_of_unique_values_to_be_between/);
    expect(page).toMatch(/report +\/.*\/report\.html/);
    expect(page.split('\n').length).toBeLessThan(40);
  });

  it('runs show --json gives the object, with findings and the report page', async () => {
    const result = await cli('--warehouse', warehouse, '--json', 'runs', 'show', runIds.february);
    expect(result.json).toMatchObject({ schema_version: '2.2', run_id: runIds.february, month_path: FEBRUARY_FOLDER, status: 'succeeded' });
    expect(result.json.findings).toEqual([expect.objectContaining({ severity: 'warn', table: 'usage_agg_30d', column: 'avg_session_mins_7d' })]);
    expect(fs.existsSync(result.json.report_html)).toBe(true);
  });

  it('snapshots --table and --as-of filter the partitions; hashes are 12 hex digits unless --long', async () => {
    const one = await cli('--warehouse', warehouse, 'snapshots', '--table', 'labels', '--as-of', '2024-02-29');
    const lines = one.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^labels +2024-02-29 +1 +\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z +7043 +\d+ +[0-9a-f]{12} +\S+$/);
    const long = await cli('--warehouse', warehouse, 'snapshots', '--table', 'labels', '--long');
    expect(long.stdout.match(/\b[0-9a-f]{64}\b/g)).toHaveLength(2);
    const json = await cli('--warehouse', warehouse, '--json', 'snapshots', '--as-of', '2024-01-31');
    expect(json.json.snapshots).toHaveLength(6);
    expect((await cli('--warehouse', warehouse, 'snapshots', '--table', 'nope')).code).toBe(2);
  });
});
