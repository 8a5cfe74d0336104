// The core promises on the real exports (../shared/data/streamflow), end to end.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHURN } from '../tools/churn-contract';
import { cli, contractExpectationIds, query, REAL, REAL_EXPORTS, requirePrerequisite, snapshotFiles, tempDir } from './helpers';

describe.runIf(requirePrerequisite(REAL_EXPORTS))('ingesting the real exports', () => {
  const warehouse = tempDir();
  const csvSum = (file: string, column: string) => {
    const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
    const index = header.split(',').indexOf(column);
    return lines.map((line) => line.split(',')[index]);
  };

  beforeAll(async () => {
    expect((await cli('--seeds', REAL, '--warehouse', warehouse, 'ingest', 'month_000', '2024-01-31')).code).toBe(0);
    expect((await cli('--seeds', REAL, '--warehouse', warehouse, 'ingest', 'month_001', '2024-02-29')).code).toBe(0);
  });

  it('holds 7,043 rows in every live table', async () => {
    const rows = await query<{ n: number }>(
      warehouse,
      `SELECT count(*)::INTEGER AS n FROM users UNION ALL SELECT count(*) FROM subscriptions UNION ALL SELECT count(*) FROM usage_agg_30d
       UNION ALL SELECT count(*) FROM payments_agg_90d UNION ALL SELECT count(*) FROM support_agg_90d UNION ALL SELECT count(*) FROM labels`,
    );
    expect(rows.map((row) => Number(row.n))).toEqual([7043, 7043, 7043, 7043, 7043, 7043]);
  });

  it('keeps the 1,526 missing plan_stream_tv values NULL in live and in both snapshots', async () => {
    const [live] = await query(warehouse, 'SELECT count(*) FILTER (WHERE plan_stream_tv IS NULL)::INTEGER AS n FROM subscriptions');
    expect(Number(live.n)).toBe(1526);
    const frozen = await query(
      warehouse,
      `SELECT strftime(as_of, '%Y-%m-%d') AS as_of, count(*) FILTER (WHERE plan_stream_tv IS NULL)::INTEGER AS n,
              count(*) FILTER (WHERE plan_stream_tv IS NULL AND net_service <> 'No')::INTEGER AS wrong
       FROM snapshots.subscriptions GROUP BY ALL ORDER BY 1`,
    );
    expect(frozen).toEqual([
      { as_of: '2024-01-31', n: 1526, wrong: 0 },
      { as_of: '2024-02-29', n: 1526, wrong: 0 },
    ]);
  });

  it('keeps January labels frozen after February is in', async () => {
    const rows = await query(
      warehouse,
      `SELECT strftime(as_of, '%Y-%m-%d') AS as_of, count(*) FILTER (WHERE churn_label)::INTEGER AS churners FROM snapshots.labels GROUP BY ALL ORDER BY 1`,
    );
    expect(rows).toEqual([
      { as_of: '2024-01-31', churners: 1869 },
      { as_of: '2024-02-29', churners: 1701 },
    ]);
    const [live] = await query(warehouse, 'SELECT count(*) FILTER (WHERE churn_label)::INTEGER AS n FROM labels');
    expect(Number(live.n)).toBe(1701);
  });

  it('sums monthly_fee exactly to the cent', async () => {
    const cents = csvSum(path.join(REAL, 'month_001', 'subscriptions.csv'), 'monthly_fee')
      .map((text) => {
        const [whole, fraction = ''] = text.split('.');
        return BigInt(whole) * 100n + BigInt(`${fraction}00`.slice(0, 2));
      })
      .reduce((a, b) => a + b, 0n);
    const [row] = await query(warehouse, 'SELECT sum(monthly_fee)::VARCHAR AS total FROM subscriptions');
    expect(row.total).toBe(`${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`);
  });

  it('sums watch_hours_30d as the CSV does, to 1e-12 relative', async () => {
    const values = csvSum(path.join(REAL, 'month_001', 'usage_agg_30d.csv'), 'watch_hours_30d').map(Number);
    // Kahan summation: the reference must be more exact than the bound we check.
    let sum = 0;
    let carry = 0;
    for (const value of values) {
      const y = value - carry;
      const t = sum + y;
      carry = t - sum - y;
      sum = t;
    }
    const [row] = await query(warehouse, 'SELECT sum(watch_hours_30d) AS total FROM usage_agg_30d');
    expect(Math.abs(Number(row.total) - sum) / sum).toBeLessThan(1e-12);
  });

  it('gives byte-identical snapshot files in a second, fresh warehouse, with four DuckDB threads instead of one', async () => {
    const other = tempDir();
    expect((await cli('--threads', '4', '--seeds', REAL, '--warehouse', other, 'ingest', 'month_000', '2024-01-31')).code).toBe(0);
    expect((await cli('--threads', '4', '--seeds', REAL, '--warehouse', other, 'ingest', 'month_001', '2024-02-29')).code).toBe(0);
    const mine = snapshotFiles(warehouse);
    expect(Object.keys(mine)).toHaveLength(12);
    expect(snapshotFiles(other)).toEqual(mine);
  });

  it('leaves, for each of its two runs, validation.json with a result for every expectation of the contract and a report.html of that run', async () => {
    const runs = await query<{ run_id: string; month: string; report_path: string }>(
      warehouse,
      'SELECT run_id, month, report_path FROM meta.runs ORDER BY started_at',
    );
    expect(runs.map((run) => run.month)).toEqual(['month_000', 'month_001']);
    for (const run of runs) {
      const document = JSON.parse(fs.readFileSync(path.join(warehouse, run.report_path, 'validation.json'), 'utf8'));
      expect(document.success).toBe(true);
      expect(document.results.map((result: { expectation_config: { id: string } }) => result.expectation_config.id).sort()).toEqual(
        contractExpectationIds().sort(),
      );
      // The one deserved warning of the real months: avg_session_mins_7d is the same for every user.
      expect(document.statistics.warnings).toBe(1);
      const page = fs.readFileSync(path.join(warehouse, run.report_path, 'report.html'), 'utf8');
      expect(page).toContain(`<title>Passed with warnings · ${run.month} · streamflow ${run.run_id}</title>`);
      expect(page).toContain('class="verdict-text">Passed with warnings<');
      expect([...page.matchAll(/<section class="table-section" [^>]*data-table="(\w+)"/g)].map((match) => match[1])).toEqual(CHURN.tables.map((t) => t.name));
    }
  });
});
