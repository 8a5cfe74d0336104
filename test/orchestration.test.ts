// Orchestration: tasks with states and attempts, retries of transient faults only,
// run history, settings precedence, backfill and validation history.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeSettings, resolveSettings } from '../src/config';
import { monthEndAfter } from '../src/contract/months';
import { openEngine, quoteLiteral } from '../src/engine/duckdb';
import { withRetry } from '../src/engine/retry';
import { planBackfill } from '../src/flow/backfill';
import { cli, copyMonths, query, REAL_EXPORTS, realWarehouse, requirePrerequisite, SEEDS, snapshotFiles, spawnCli, tempDir, warehouseState } from './helpers';

/** Holds the warehouse database file open read-only, as a reader would (DuckDB's own file lock), until `release`. */
async function holdWarehouse(database: string): Promise<{ release: () => void }> {
  const engine = await openEngine();
  await engine.run(`ATTACH ${quoteLiteral(database)} AS held (READ_ONLY)`);
  return { release: () => engine.close() };
}

describe('settings', () => {
  it('takes a flag over the environment, the environment over .env, and .env over the default', async () => {
    const cwd = tempDir();
    fs.writeFileSync(
      path.join(cwd, '.env'),
      'SEED_DIR=from-dotenv\nWAREHOUSE_DIR=wh-dotenv\nSTREAMFLOW_THREADS=1\nDATABASE_URL=postgres://me:hunter2@127.0.0.1:5432/db\n',
    );
    const settings = await resolveSettings({ warehouse: 'wh-flag' }, { WAREHOUSE_DIR: 'wh-env', SEED_DIR: undefined }, cwd);
    expect(settings.warehouseDir).toBe(path.resolve('wh-flag'));
    expect(settings.seedsDir).toBe(path.resolve('from-dotenv'));
    expect(settings.threads).toBe(1);
    expect((await resolveSettings({}, {}, tempDir())).lockTimeoutMs).toBe(10_000);
    const described = await describeSettings({}, { WAREHOUSE_DIR: 'wh-env' }, cwd);
    expect(described.find((setting) => setting.key === 'warehouseDir')).toEqual({ key: 'warehouseDir', value: 'wh-env', source: 'env' });
    const url = described.find((setting) => setting.key === 'databaseUrl');
    expect(url).toEqual({ key: 'databaseUrl', value: 'postgres://me:****@127.0.0.1:5432/db', source: '.env' });
  });

  it('config prints the resolved settings with the secret masked', async () => {
    const previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres://me:hunter2@127.0.0.1:5432/db';
    try {
      const result = await cli('--json', 'config');
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('hunter2');
      expect(result.json.settings.map((setting: { key: string }) => setting.key)).toContain('seedsDir');
    } finally {
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
    }
  });
});

describe('tasks and retries', () => {
  it('a transient fault is tried `attempts` times and each retry logged once: no "attempt 7" of 6', async () => {
    const retries: number[] = [];
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls += 1;
        throw new Error('busy');
      },
      { isTransient: () => true, attempts: 6, startingDelayMs: 1, maxDelayMs: 1, onRetry: (_error, attempt) => retries.push(attempt) },
    );
    await expect(failing).rejects.toThrow('busy');
    expect([calls, retries]).toEqual([6, [2, 3, 4, 5, 6]]);
  });

  it('waits for a write that finds the warehouse file held by a reader, saying who holds it, and succeeds once the reader lets go', async () => {
    const warehouse = tempDir();
    expect((await cli('--warehouse', warehouse, 'ingest', 'month_000', '2024-01-31')).code).toBe(0);
    // The reader holds the file until the run has met it (its read-write attach failed on
    // the lock), then lets go: the collision is certain, and so is the wait that follows.
    const holder = await holdWarehouse(path.join(warehouse, 'streamflow.duckdb'));
    const run = spawnCli(['--warehouse', warehouse, '--json', 'ingest', 'month_001', '2024-02-29']);
    try {
      await run.waitFor(`is held by PID ${process.pid} (`);
    } finally {
      holder.release();
    }
    const { code, stdout, stderr } = await run.done;
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.tasks.find((task: { task: string }) => task.task === 'upsert')).toMatchObject({ state: 'completed', attempts: 1 });
    expect(stderr).toMatch(/streamflow\.duckdb is held by PID \d+ \(.+\): waiting up to 10000 ms for it to close/);
  });

  it('fails a data error at once, with one attempt, and skips the tasks after it', async () => {
    const warehouse = tempDir();
    const seeds = copyMonths(SEEDS, ['month_000']);
    const file = path.join(seeds, 'month_000', 'usage_agg_30d.csv');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/\n([^,\n]+),[^,\n]+,/, '\n$1,abc,'));
    const result = await cli('--seeds', seeds, '--warehouse', warehouse, '--json', 'ingest', 'month_000', '2024-01-31');
    expect(result.code).toBe(1);
    const states = Object.fromEntries(
      result.json.tasks.map((task: { task: string; state: string; attempts: number }) => [task.task, [task.state, task.attempts]]),
    );
    expect(states).toEqual({
      load: ['failed', 1],
      validate: ['skipped', 0],
      plan: ['skipped', 0],
      upsert: ['skipped', 0],
      snapshot: ['skipped', 0],
      record: ['completed', 1],
    });
    const failures = await query(warehouse, `SELECT table_name, column_name, line, value FROM meta.validation_failures WHERE run_id = '${result.json.run_id}'`);
    expect(failures).toEqual([{ table_name: 'usage_agg_30d', column_name: 'watch_hours_30d', line: 2, value: 'abc' }]);
  });
});

describe.runIf(requirePrerequisite(REAL_EXPORTS))('run history on the real months', () => {
  const warehouse = tempDir();
  beforeAll(async () => {
    realWarehouse('february', warehouse);
  });

  it('runs --json lists runs newest first with id, month, as_of, status, duration and rows in/updated', async () => {
    const result = await cli('--warehouse', warehouse, '--json', 'runs');
    expect(result.code).toBe(0);
    const [newest, oldest] = result.json.runs;
    expect(newest).toMatchObject({
      month: 'month_001',
      as_of: '2024-02-29',
      status: 'succeeded',
      rows_in: 6 * 7043,
      rows_inserted: 0,
      rows_updated: 7043 + 202 + 360 + 2652,
    });
    expect(oldest).toMatchObject({ month: 'month_000', as_of: '2024-01-31', status: 'succeeded', rows_inserted: 6 * 7043 });
    // A run lasts from its start to its end as recorded (when record writes the run row), and
    // holds the tasks before record one after another, each timed on a clock of its own.
    const [recorded] = await query<{ ms: number }>(
      warehouse,
      `SELECT (epoch_us(ended_at) - epoch_us(started_at)) / 1000 AS ms FROM meta.runs WHERE run_id = '${newest.run_id}'`,
    );
    expect(Math.abs(newest.duration_ms - recorded.ms)).toBeLessThanOrEqual(0.5);
    const tasks = await query<{ task: string; duration_ms: number }>(
      warehouse,
      `SELECT task, duration_ms FROM meta.task_runs WHERE run_id = '${newest.run_id}' AND task <> 'record' ORDER BY position`,
    );
    expect(tasks.map((task) => task.task)).toEqual(['load', 'validate', 'plan', 'upsert', 'snapshot']);
    expect(newest.duration_ms).toBeGreaterThanOrEqual(Math.floor(tasks.reduce((sum, task) => sum + task.duration_ms, 0)) - 1);
  });

  it('runs show <id> --json gives tasks with attempts and timings, counts and the report path', async () => {
    const { json } = await cli('--warehouse', warehouse, '--json', 'runs');
    const result = await cli('--warehouse', warehouse, '--json', 'runs', 'show', json.runs[0].run_id);
    expect(result.code).toBe(0);
    expect(result.json.tasks.map((task: { task: string }) => task.task)).toEqual(['load', 'validate', 'plan', 'upsert', 'snapshot', 'record']);
    for (const task of result.json.tasks) expect(task).toMatchObject({ state: 'completed', attempts: 1 });
    expect(result.json.table_counts.find((table: { table: string }) => table.table === 'labels')).toMatchObject({ updated: 2652 });
    expect(fs.existsSync(path.join(warehouse, result.json.report_path, 'validation.json'))).toBe(true);
    expect((await cli('--warehouse', warehouse, 'runs', 'show', 'no-such-run')).code).toBe(2);
  });

  it('keeps every expectation result queryable month by month', async () => {
    const rows = await query(
      warehouse,
      `SELECT strftime(as_of, '%Y-%m-%d') AS as_of, unexpected_percent, element_count FROM meta.validation_results
       WHERE expectation_id = 'labels.' || (SELECT split_part(expectation_id, '.', 2) FROM meta.validation_results
             WHERE table_name = 'labels' AND expectation_type = 'expect_column_mean_to_be_between' LIMIT 1) || '.expect_column_mean_to_be_between'
       ORDER BY as_of`,
    );
    expect(rows.map((row) => row.as_of)).toEqual(['2024-01-31', '2024-02-29']);
  });
});

describe('backfill', () => {
  it('derives each as_of from the month-end rule anchored at the first month', () => {
    expect(monthEndAfter('2024-01-31', 0)).toBe('2024-01-31');
    expect(monthEndAfter('2024-01-31', 1)).toBe('2024-02-29');
    expect(monthEndAfter('2024-01-31', 11)).toBe('2024-12-31');
    expect(planBackfill(SEEDS, '2024-01-31', {})).toEqual([
      { month: 'month_000', asOf: '2024-01-31' },
      { month: 'month_001', asOf: '2024-02-29' },
      { month: 'month_002', asOf: '2024-03-31' },
    ]);
  });

  it('over the committed seeds equals ingesting each month by hand, byte for byte', async () => {
    const byHand = tempDir();
    for (const [month, asOf] of [
      ['month_000', '2024-01-31'],
      ['month_001', '2024-02-29'],
      ['month_002', '2024-03-31'],
    ]) {
      expect((await cli('--warehouse', byHand, 'ingest', month, asOf)).code).toBe(0);
    }
    const backfilled = tempDir();
    const result = await cli('--warehouse', backfilled, '--json', 'backfill');
    expect(result.code).toBe(0);
    expect(result.json.runs.map((run: { status: string }) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(snapshotFiles(backfilled)).toEqual(snapshotFiles(byHand));
    expect(await warehouseState(backfilled)).toEqual(await warehouseState(byHand));
  });

  it('stops at the first failing month, and a rerun after the fix verifies the frozen months and resumes there', async () => {
    const seeds = copyMonths(SEEDS, ['month_000', 'month_001', 'month_002']);
    const labels = path.join(seeds, 'month_001', 'labels.csv');
    const clean = fs.readFileSync(labels, 'utf8');
    fs.writeFileSync(labels, clean.replace(/,(True|False)\n/, ',maybe\n'));
    const warehouse = tempDir();

    const failed = await cli('--seeds', seeds, '--warehouse', warehouse, 'backfill');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('labels.churn_label');
    expect((await query(warehouse, "SELECT DISTINCT strftime(as_of, '%Y-%m-%d') AS as_of FROM meta.snapshots")).map((row) => row.as_of)).toEqual([
      '2024-01-31',
    ]);

    fs.writeFileSync(labels, clean);
    const resumed = await cli('--seeds', seeds, '--warehouse', warehouse, '--json', 'backfill');
    expect(resumed.code).toBe(0);
    expect(resumed.json.runs.map((run: { status: string }) => run.status)).toEqual(['unchanged', 'succeeded', 'succeeded']);
  });
});
