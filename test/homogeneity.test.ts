// Month-over-month homogeneity: each frozen month's metrics are kept in the warehouse, and
// the next month is compared with them (PSI, mean ratio, new values, row count, key
// churn). Generated months with one column changed must be flagged on that column only,
// as a warning, or as an error past the severe bound; the real months pass with their
// shifts shown as information.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExpectationResult } from '../src/artifacts';
import { monthOverMonthLines } from '../src/cli/views';
import { openEngine, quoteLiteral } from '../src/engine/duckdb';
import { generateMonths } from '../tools/seeds/generate';
import { cli, query, REAL, REAL_EXPORTS, requirePrerequisite, tempDir, warehouseState } from './helpers';

const JANUARY = { month: 'month_000', asOf: '2024-01-31' };
const FEBRUARY = { month: 'month_001', asOf: '2024-02-29' };

function failedResults(reportDir: string): ExpectationResult[] {
  const document = JSON.parse(fs.readFileSync(path.join(reportDir, 'validation.json'), 'utf8')) as { results: ExpectationResult[] };
  return document.results.filter((result) => !result.success);
}

describe('month over month on generated months', () => {
  const seeds = tempDir('streamflow-homogeneity-seeds-');
  const january = tempDir('streamflow-homogeneity-wh-');

  beforeAll(async () => {
    await generateMonths({ users: 2000, months: 2, out: seeds });
    const result = await cli('--seeds', seeds, '--warehouse', january, 'ingest', JANUARY.month, JANUARY.asOf);
    expect(result.code, result.stderr).toBe(0);
  });

  /** month_001 with one table's CSV rewritten by `select` (every field read as text, so nothing else changes). */
  async function variant(table: string, select: string): Promise<string> {
    const dir = tempDir('streamflow-variant-');
    fs.cpSync(path.join(seeds, FEBRUARY.month), path.join(dir, FEBRUARY.month), { recursive: true });
    const file = path.join(dir, FEBRUARY.month, `${table}.csv`);
    const engine = await openEngine();
    try {
      await engine.run(
        `COPY (SELECT ${select} FROM read_csv(${quoteLiteral(path.join(seeds, FEBRUARY.month, `${table}.csv`))}, all_varchar = true, header = true)) TO ${quoteLiteral(file)} (HEADER, DELIMITER ',')`,
      );
    } finally {
      engine.close();
    }
    return dir;
  }

  const fromJanuary = () => {
    const warehouse = tempDir('streamflow-homogeneity-wh-');
    fs.cpSync(january, warehouse, { recursive: true });
    return warehouse;
  };

  it("finds nothing to flag in an unchanged next month, and keeps both months' metrics", async () => {
    const warehouse = fromJanuary();
    const result = await cli('--seeds', seeds, '--warehouse', warehouse, '--json', 'ingest', FEBRUARY.month, FEBRUARY.asOf);
    expect(result.code, result.stderr).toBe(0);
    expect(failedResults(result.json.report_path)).toEqual([]);
    const months = await query<{ as_of: string; columns: number; compared: number }>(
      warehouse,
      `SELECT strftime(as_of, '%Y-%m-%d') AS as_of, count(*)::INTEGER AS columns, count(previous_as_of)::INTEGER AS compared FROM column_metrics GROUP BY as_of ORDER BY as_of`,
    );
    expect(months).toEqual([
      { as_of: JANUARY.asOf, columns: 28, compared: 0 },
      { as_of: FEBRUARY.asOf, columns: 28, compared: 28 },
    ]);
    // Every non-null value falls in exactly one bin, on this month's edges and on the previous month's.
    const [bins] = await query<{ own: boolean; previous: boolean; numeric: number }>(
      warehouse,
      `SELECT bool_and(list_sum(bin_counts) = row_count - null_count) AS own,
              bool_and(previous_bin_counts IS NULL OR list_sum(previous_bin_counts) = row_count - null_count) AS previous,
              count(*)::INTEGER AS numeric
       FROM column_metrics WHERE kind = 'numeric'`,
    );
    expect(bins).toEqual({ own: true, previous: true, numeric: 22 });
    const [users] = await query<{ row_count: number; keys_added: number; keys_gone: number }>(
      warehouse,
      `SELECT row_count, keys_added, keys_gone FROM table_metrics WHERE table_name = 'users' AND as_of = DATE '${FEBRUARY.asOf}'`,
    );
    expect(users).toEqual({ row_count: 2020, keys_added: 20, keys_gone: 0 });
  });

  it('warns about watch_hours_30d at 1.5 × the previous month, on that column only', async () => {
    const warehouse = fromJanuary();
    const seedsDir = await variant('usage_agg_30d', `* REPLACE ((watch_hours_30d::DOUBLE * 1.5)::VARCHAR AS watch_hours_30d)`);
    const result = await cli('--seeds', seedsDir, '--warehouse', warehouse, '--json', 'ingest', FEBRUARY.month, FEBRUARY.asOf);
    expect(result.code, result.stderr).toBe(0);
    const failed = failedResults(result.json.report_path);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((entry) => `${entry.meta.table}.${entry.meta.column}:${entry.meta.severity}`))).toEqual(
      new Set(['usage_agg_30d.watch_hours_30d:warn']),
    );
    expect(failed.map((entry) => entry.expectation_config.type).sort()).toEqual([
      'expect_column_mean_ratio_to_previous_to_be_less_than',
      'expect_column_psi_to_be_less_than',
    ]);
    const ratio = failed.find((entry) => entry.expectation_config.type === 'expect_column_mean_ratio_to_previous_to_be_less_than')!;
    expect((ratio.result.observed_value as { mean_ratio: number }).mean_ratio).toBeCloseTo(1.5, 2);
    // The same two figures in the summary's month over month: exact in --json, worded on the terminal and in runs show.
    const { flagged } = result.json.month_over_month;
    expect(flagged.map((flag: { expectation_id: string }) => flag.expectation_id).sort()).toEqual(failed.map((entry) => entry.expectation_config.id).sort());
    const mean = flagged.find((flag: { type: string }) => flag.type === 'expect_column_mean_ratio_to_previous_to_be_less_than');
    expect(mean).toMatchObject({ table: 'usage_agg_30d', column: 'watch_hours_30d', severity: 'warn', new_values: null });
    // The figure is the larger factor of the mean's and the median's: both moved ×1.5 here.
    expect(['mean', 'median']).toContain(mean.ratio.of);
    expect(mean.ratio.value).toBeCloseTo(1.5, 2);
    expect(mean.figure).toBe((ratio.result.observed_value as { value: number }).value);
    const lines = monthOverMonthLines(result.json.month_over_month);
    expect(lines).toContain(`  usage_agg_30d.watch_hours_30d ${mean.ratio.of} ×1.5 (warn)`);
    expect(lines.some((line) => /^ {2}usage_agg_30d\.watch_hours_30d PSI [0-9.]+ \(warn\)$/.test(line))).toBe(true);
    const shown = await cli('--warehouse', warehouse, 'runs', 'show', result.json.run_id);
    expect(shown.stdout).toContain(`\n  usage_agg_30d.watch_hours_30d ${mean.ratio.of} ×1.5 (warn)\n`);
    expect((await cli('--warehouse', warehouse, '--json', 'runs', 'show', result.json.run_id)).json.month_over_month).toEqual(result.json.month_over_month);
  });

  it('warns about a new net_service category, naming it', async () => {
    const warehouse = fromJanuary();
    const seedsDir = await variant(
      'subscriptions',
      `* REPLACE (CASE WHEN net_service = 'DSL' AND hash(user_id) % 20 = 0 THEN 'Satellite' ELSE net_service END AS net_service)`,
    );
    const result = await cli('--seeds', seedsDir, '--warehouse', warehouse, '--json', 'ingest', FEBRUARY.month, FEBRUARY.asOf);
    expect(result.code, result.stderr).toBe(0);
    const failed = failedResults(result.json.report_path);
    expect(failed.every((entry) => entry.meta.column === 'net_service' && entry.meta.severity === 'warn')).toBe(true);
    const newValues = failed.find((entry) => entry.expectation_config.type === 'expect_column_distinct_values_to_be_in_set');
    expect(newValues?.result.observed_value).toMatchObject({ new_values: ['Satellite'], value: 1 });
    // Worded in the finding (the exact value stays in validation.json) and in the month over month.
    const finding = result.json.findings.find((entry: { rule: string }) => entry.rule === 'expect_column_distinct_values_to_be_in_set');
    expect(finding.message).toMatch(/; new value: Satellite \(not in 2024-01-31\)$/);
    expect(finding.message).not.toContain('{');
    expect(result.json.month_over_month.flagged).toContainEqual(expect.objectContaining({ column: 'net_service', figure: 1, new_values: ['Satellite'] }));
    expect(monthOverMonthLines(result.json.month_over_month)).toContain('  subscriptions.net_service new value: Satellite (warn)');
    const page = fs.readFileSync(path.join(result.json.report_path, 'report.html'), 'utf8');
    expect(page).toMatch(/subscriptions\.net_service<\/span><\/a> no value the previous month did not hold <span class="muted">— new: Satellite<\/span>/);
  });

  it('rejects watch_hours_30d at 3 × the previous month as an error (exit 1), changing nothing', async () => {
    const warehouse = fromJanuary();
    const before = await warehouseState(warehouse);
    const seedsDir = await variant('usage_agg_30d', `* REPLACE ((watch_hours_30d::DOUBLE * 3)::VARCHAR AS watch_hours_30d)`);
    const result = await cli('--seeds', seedsDir, '--warehouse', warehouse, '--json', 'ingest', FEBRUARY.month, FEBRUARY.asOf);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('usage_agg_30d.watch_hours_30d failed expect_column_mean_ratio_to_previous_to_be_less_than');
    expect(await warehouseState(warehouse)).toEqual(before);
    // A rejected month's metrics are not kept: the month was not frozen.
    expect(await query(warehouse, `SELECT DISTINCT strftime(as_of, '%Y-%m-%d') AS as_of FROM column_metrics`)).toEqual([{ as_of: JANUARY.asOf }]);
    const errors = failedResults(result.json.report_path).filter((entry) => entry.meta.severity === 'error');
    expect(errors.map((entry) => `${entry.meta.column}:${entry.expectation_config.type}`)).toEqual([
      'watch_hours_30d:expect_column_mean_ratio_to_previous_to_be_less_than',
    ]);
  });
});

describe.runIf(requirePrerequisite(REAL_EXPORTS))('month over month on the real months', () => {
  const warehouse = tempDir('streamflow-homogeneity-real-');
  const runs: Record<string, { report_path: string; run_id: string }> = {};

  beforeAll(async () => {
    for (const { month, asOf } of [JANUARY, FEBRUARY]) {
      const result = await cli('--seeds', REAL, '--warehouse', warehouse, '--json', 'ingest', month, asOf);
      expect(result.code, result.stderr).toBe(0);
      runs[month] = result.json;
    }
  });

  const page = (month: string) => fs.readFileSync(path.join(runs[month].report_path, 'report.html'), 'utf8');

  it("month_000's report says there is no previous month", () => {
    expect(page(JANUARY.month)).toContain('No previous month to compare with');
  });

  it("month_001's report shows the label rate 26.5 % → 24.2 % and the shifts of failed payments and support tickets as information", () => {
    const february = page(FEBRUARY.month);
    expect(february).toContain('26.5 % → 24.2 %');
    expect(february).toMatch(/INFO<\/span> <span class="mono">payments_agg_90d\.failed_payments_90d<\/span> mean 0\.161 → 0\.189 <strong>×1\.18<\/strong>/);
    expect(february).toMatch(/INFO<\/span> <span class="mono">support_agg_90d\.support_tickets_90d<\/span> mean 0\.303 → 0\.355 <strong>×1\.17<\/strong>/);
    // information, not warnings: the only warning of the real months stays the constant avg_session_mins_7d
    expect(failedResults(runs[FEBRUARY.month].report_path).map((entry) => entry.meta.column)).toEqual(['avg_session_mins_7d']);
  });

  it('counts distinct values exactly, in the report and in meta.column_metrics', async () => {
    const rows = await query<{ column_name: string; distinct_count: number }>(
      warehouse,
      `SELECT column_name, distinct_count FROM column_metrics WHERE as_of = DATE '${FEBRUARY.asOf}' AND table_name = 'subscriptions' AND column_name IN ('user_id', 'monthly_fee') ORDER BY 1`,
    );
    expect(rows).toEqual([
      { column_name: 'monthly_fee', distinct_count: 1585 },
      { column_name: 'user_id', distinct_count: 7043 },
    ]);
    expect(page(FEBRUARY.month)).toMatch(/<dt>distinct<\/dt><dd>7,043<\/dd>/);
    expect(page(FEBRUARY.month)).not.toContain('≈');
  });

  it("`report` prints a run's report.html, and reports/index.html links every run with its verdict", async () => {
    const latest = await cli('--warehouse', warehouse, 'report');
    expect(latest.stdout.trim()).toBe(path.join(runs[FEBRUARY.month].report_path, 'report.html'));
    const first = await cli('--warehouse', warehouse, 'report', runs[JANUARY.month].run_id);
    expect(first.stdout.trim()).toBe(path.join(runs[JANUARY.month].report_path, 'report.html'));
    expect((await cli('--warehouse', warehouse, 'report', 'no-such-run')).code).toBe(2);
    const index = fs.readFileSync(path.join(warehouse, 'reports', 'index.html'), 'utf8');
    for (const month of [JANUARY.month, FEBRUARY.month]) {
      expect(index).toContain(`href="../reports/${runs[month].run_id}/report.html"`);
    }
    expect(index.match(/1 warning</g)).toHaveLength(2);
  });
});
