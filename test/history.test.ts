// Immutable, replayable history (SPEC §4) on the real exports: replays, refusals,
// crashes at known instants, concurrent runs and tampered files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WAREHOUSE_SCHEMA_VERSION } from '../src/artifacts';
import { openEngine } from '../src/engine/duckdb';
import { RUN_FAULT_POINTS } from '../src/faults';
import { attachWarehouse } from '../src/warehouse/catalog';
import { warehouseLayout } from '../src/warehouse/layout';
import { CHURN } from '../tools/churn-contract';
import {
  cli,
  contractExpectationIds,
  copyMonths,
  query,
  REAL,
  REAL_EXPORTS,
  realWarehouse,
  requirePrerequisite,
  SEEDS,
  snapshotFiles,
  spawnCli,
  tempDir,
  warehouseState,
} from './helpers';

/** Changes a warehouse behind the CLI's back, as an older release or a person might have left it. */
async function alterWarehouse(warehouse: string, sql: string): Promise<void> {
  const engine = await openEngine();
  try {
    await attachWarehouse(engine, warehouseLayout(warehouse), 'read_write');
    await engine.run(sql);
  } finally {
    engine.close();
  }
}

/** A seeds dir holding a real month with one user's failed_payments_90d raised by one; returns it and that user. */
function withOneChangedPayment(month: string): { seeds: string; userId: string } {
  const seeds = copyMonths(REAL, [month]);
  const file = path.join(seeds, month, 'payments_agg_90d.csv');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const [userId, failed] = lines[10].split(',');
  lines[10] = `${userId},${Number(failed) + 1}`;
  fs.writeFileSync(file, lines.join('\n'));
  return { seeds, userId };
}

describe.runIf(requirePrerequisite(REAL_EXPORTS))('history on the real exports', () => {
  /** month_000 frozen: the state every scenario starts from. */
  const january = tempDir();
  /** month_000 then month_001, cleanly: what a whole run must end in. */
  const february = tempDir();
  let januaryState: Awaited<ReturnType<typeof warehouseState>>;
  let februaryState: Awaited<ReturnType<typeof warehouseState>>;

  const ingest = (warehouse: string, month: string, asOf: string, seeds = REAL, ...flags: string[]) =>
    cli('--seeds', seeds, '--warehouse', warehouse, ...flags, 'ingest', month, asOf);
  const fromJanuary = () => {
    const warehouse = tempDir();
    fs.cpSync(january, warehouse, { recursive: true });
    return warehouse;
  };

  beforeAll(async () => {
    realWarehouse('january', january);
    realWarehouse('february', february);
    januaryState = await warehouseState(january);
    februaryState = await warehouseState(february);
  });

  it('replaying month_001 is a verified no-op: exit 0, nothing written', async () => {
    const warehouse = tempDir();
    fs.cpSync(february, warehouse, { recursive: true });
    const result = await ingest(warehouse, 'month_001', '2024-02-29', REAL, '--json');
    expect(result.code).toBe(0);
    expect(result.json.status).toBe('unchanged');
    expect(result.json.snapshots).toEqual([]);
    expect(await warehouseState(warehouse)).toEqual(februaryState);
  });

  it('an exact replay proves itself from the input hashes and reuses the validation of the run that froze the month', async () => {
    const warehouse = tempDir();
    fs.cpSync(february, warehouse, { recursive: true });
    const [freezing] = await query<{ run_id: string }>(warehouse, `SELECT run_id FROM meta.runs WHERE month = 'month_001'`);
    const states = (json: { tasks: { task: string; state: string }[] }) => Object.fromEntries(json.tasks.map((task) => [task.task, task.state]));

    const replay = await ingest(warehouse, 'month_001', '2024-02-29', REAL, '--json');
    expect(replay.json.status).toBe('unchanged');
    expect(states(replay.json)).toEqual({
      load: 'completed',
      validate: 'skipped',
      plan: 'skipped',
      upsert: 'skipped',
      snapshot: 'skipped',
      record: 'completed',
    });
    const document = JSON.parse(fs.readFileSync(path.join(replay.json.report_path, 'validation.json'), 'utf8'));
    expect(document.meta.reused_from_run).toBe(freezing.run_id);
    // One result per expectation of the contract: 112 checks of the month itself and 38
    // comparisons with the previous month (issue 14), 150 in all.
    expect(document.results.map((result: { expectation_config: { id: string } }) => result.expectation_config.id)).toEqual(contractExpectationIds());
    expect(document.results).toHaveLength(150);

    // --recompute, and a run frozen under another pipeline, take the full path: same verdict.
    const recomputed = await cli('--seeds', REAL, '--warehouse', warehouse, '--json', 'ingest', '--recompute', 'month_001', '2024-02-29');
    expect(recomputed.code).toBe(0);
    expect(recomputed.json.status).toBe('unchanged');
    expect(states(recomputed.json).validate).toBe('completed');
    await alterWarehouse(warehouse, `UPDATE wh.meta.runs SET pipeline_fingerprint = 'an older contract' WHERE run_id = '${freezing.run_id}'`);
    const otherPipeline = await ingest(warehouse, 'month_001', '2024-02-29', REAL, '--json');
    expect(otherPipeline.json.status).toBe('unchanged');
    expect(states(otherPipeline.json).validate).toBe('completed');
    expect(otherPipeline.stderr).toContain('under another contract or release');
    expect(await warehouseState(warehouse)).toEqual(februaryState);
  });

  it('a schema-1 warehouse gains the schema-2 column and the schema-3 metrics tables in place, and its runs are recomputed on replay', async () => {
    const warehouse = fromJanuary();
    await alterWarehouse(
      warehouse,
      `ALTER TABLE wh.meta.runs DROP COLUMN pipeline_fingerprint; DROP TABLE wh.meta.column_metrics; DROP TABLE wh.meta.table_metrics; UPDATE wh.meta.schema_info SET value = '1'`,
    );
    const replay = await ingest(warehouse, 'month_000', '2024-01-31', REAL, '--json');
    expect(replay.json.status).toBe('unchanged');
    expect(replay.json.tasks.find((task: { task: string }) => task.task === 'validate').state).toBe('completed');
    expect(await query(warehouse, `SELECT value FROM meta.schema_info WHERE key = 'schema_version'`)).toEqual([{ value: WAREHOUSE_SCHEMA_VERSION }]);
    expect((await ingest(warehouse, 'month_001', '2024-02-29')).code).toBe(0);
    // January was frozen before metrics were kept: February is the first month with some, and compares with nothing.
    expect(await query(warehouse, `SELECT count(*)::INTEGER AS n, count(previous_as_of)::INTEGER AS compared FROM column_metrics`)).toEqual([
      { n: 28, compared: 0 },
    ]);
    expect((await warehouseState(warehouse)).files).toEqual(februaryState.files);
  });

  it('refuses month_001 with one changed value under the same as_of, naming the table and the rows', async () => {
    const warehouse = tempDir();
    fs.cpSync(february, warehouse, { recursive: true });
    const { seeds, userId } = withOneChangedPayment('month_001');

    const result = await ingest(warehouse, 'month_001', '2024-02-29', seeds);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('payments_agg_90d: 1 keys differ: 1 changed, 0 only in this month, 0 only in the frozen snapshot');
    expect(result.stderr).toContain(userId);
    expect(result.stderr).not.toContain('another history');
    expect(await warehouseState(warehouse)).toEqual(februaryState);
  });

  it("refuses another history's month under a frozen as_of, saying what differs and that the warehouse looks like another history's", async () => {
    const warehouse = tempDir();
    fs.cpSync(january, warehouse, { recursive: true });
    const result = await ingest(warehouse, 'month_000', '2024-01-31', SEEDS);
    expect(result.code).toBe(3);
    // The synthetic month shares no user with the real one: 2,500 only in it, 7,043 only in what is frozen (9,543 in all).
    expect(result.stderr).toMatch(/^users: 9543 keys differ: 0 changed, 2500 only in this month, 7043 only in the frozen snapshot \(e\.g\. /m);
    expect(result.stderr).toMatch(/as_of 2024-01-31 is already frozen \(by run \S+\) with different content/);
    expect(result.stderr).toContain("no key of this month is in what is frozen for 2024-01-31: this warehouse looks like another history's");
    expect(await warehouseState(warehouse)).toEqual(januaryState);
  });

  it('replaying month_000 after month_001 leaves live tables and both snapshots unchanged', async () => {
    const warehouse = tempDir();
    fs.cpSync(february, warehouse, { recursive: true });
    const result = await ingest(warehouse, 'month_000', '2024-01-31', REAL, '--json');
    expect(result.code).toBe(0);
    expect(result.json.status).toBe('unchanged');
    expect(await warehouseState(warehouse)).toEqual(februaryState);
  });

  it('freezes a new as_of older than the newest frozen one as a late month (exit 0), the live tables and the later snapshot unchanged', async () => {
    const warehouse = tempDir();
    fs.cpSync(february, warehouse, { recursive: true });
    // A folder outside the month calendar, so that the as_of is the user's to choose, holding
    // month_000 with one value changed: not the frozen January (that is refused as a refreeze, in hardening.test.ts).
    const { seeds } = withOneChangedPayment('month_000');
    fs.renameSync(path.join(seeds, 'month_000'), path.join(seeds, 'mid-february'));
    const before = snapshotFiles(warehouse);
    const result = await ingest(warehouse, 'mid-february', '2024-02-15', seeds, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(result.json.amendment).toMatchObject({ kind: 'late', version: 1, live_kept_for: '2024-02-29' });
    expect((await warehouseState(warehouse)).live).toMatchObject(Object.fromEntries(CHURN.tables.map((table) => [table.name, februaryState.live[table.name]])));
    const after = snapshotFiles(warehouse);
    expect(Object.keys(after).filter((file) => !(file in before))).toHaveLength(CHURN.tables.length);
    for (const [file, sha] of Object.entries(before)) expect(after[file]).toBe(sha);
  });

  describe('a run killed with SIGKILL', () => {
    /** What a direct Parquet reader of snapshots/ sees, the SPEC's way to read: as_of dates by table. */
    const directlyRead = async (warehouse: string): Promise<Record<string, string[]>> => {
      const engine = await openEngine();
      try {
        const rows = await engine.rows<{ table_name: string; months: string[] }>(
          `SELECT regexp_extract(filename, 'snapshots/([^/]+)/', 1) AS table_name, list(DISTINCT strftime(as_of, '%Y-%m-%d') ORDER BY strftime(as_of, '%Y-%m-%d')) AS months
           FROM read_parquet('${path.join(warehouse, 'snapshots', '*', '*', '*.parquet')}', hive_partitioning = true, filename = true) GROUP BY ALL ORDER BY ALL`,
        );
        return Object.fromEntries(rows.map((row) => [row.table_name, row.months]));
      } finally {
        engine.close();
      }
    };
    const everyTable = (months: string[]) => Object.fromEntries(CHURN.tables.map((table) => [table.name, months]).sort());
    // Before COMMIT: write (loaded … snapshotted) and record; after it: commit, publish.
    const beforeCommit = new Set(['loaded', 'validated', 'upserted', 'snapshot-partial', 'snapshotted', 'recorded']);

    it.each(RUN_FAULT_POINTS)(
      'at %s: a direct reader sees only committed months, the state is before or after the run, and the rerun succeeds',
      async (point) => {
        const warehouse = fromJanuary();
        const run = spawnCli(['--seeds', REAL, '--warehouse', warehouse, 'ingest', 'month_001', '2024-02-29'], { STREAMFLOW_FAULT_AT: point });
        await run.waitFor(`fault point reached: ${point}`);
        run.child.kill('SIGKILL');
        expect((await run.done).signal).toBe('SIGKILL');
        // The killed run leaves its lock behind, taken over once stale (5 s without a refresh):
        // aged here rather than waited for. "two concurrent ingests: … refused at the lock" waits.
        const lock = path.join(warehouse, '.lock');
        expect(fs.existsSync(lock)).toBe(true);
        const aMinuteAgo = new Date(Date.now() - 60_000);
        fs.utimesSync(lock, aMinuteAgo, aMinuteAgo);

        const committed = !beforeCommit.has(point);
        const afterKill = await warehouseState(warehouse);
        expect(afterKill.live).toEqual((committed ? februaryState : januaryState).live);
        const seen = await directlyRead(warehouse);
        if (!committed) expect(seen).toEqual(everyTable(['2024-01-31']));
        else for (const months of Object.values(seen)) expect(['2024-01-31', '2024-01-31,2024-02-29']).toContain(months.join(','));
        if (point === 'published') expect(seen).toEqual(everyTable(['2024-01-31', '2024-02-29']));

        const rerun = await ingest(warehouse, 'month_001', '2024-02-29', REAL, '--json');
        expect(rerun.code, rerun.stderr).toBe(0);
        expect(rerun.json.status).toBe(committed ? 'unchanged' : 'succeeded');
        expect(await directlyRead(warehouse)).toEqual(everyTable(['2024-01-31', '2024-02-29']));
        expect(await warehouseState(warehouse)).toEqual(februaryState);
        expect((await cli('--warehouse', warehouse, 'verify')).code).toBe(0);
        expect(fs.readdirSync(path.join(warehouse, '.staging')).filter((entry) => entry !== 'spill')).toEqual([]);
        expect(fs.readdirSync(path.join(warehouse, 'reports')).filter((entry) => entry !== 'index.html')).toHaveLength(committed ? 3 : 2);
      },
    );
  });

  it('two concurrent ingests: one succeeds, the other is refused at the lock, and the state is that of one run', async () => {
    const warehouse = fromJanuary();
    const args = ['--seeds', REAL, '--warehouse', warehouse, '--lock-timeout', '0', 'ingest', 'month_001', '2024-02-29'];
    const first = spawnCli(args, { STREAMFLOW_FAULT_AT: 'validated' });
    await first.waitFor('fault point reached: validated');
    const second = await spawnCli(args).done;
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/another run holds the warehouse lock/);
    first.child.kill('SIGKILL');
    await first.done;
    const rerun = await ingest(warehouse, 'month_001', '2024-02-29');
    expect(rerun.code).toBe(0);
    expect(await warehouseState(warehouse)).toEqual(februaryState);
  });

  it('two concurrent ingests that wait for the lock: one applies, the other finds nothing to change', async () => {
    const warehouse = fromJanuary();
    const args = ['--seeds', REAL, '--warehouse', warehouse, '--json', 'ingest', 'month_001', '2024-02-29'];
    const results = await Promise.all([spawnCli(args).done, spawnCli(args).done]);
    expect(results.map((result) => result.code)).toEqual([0, 0]);
    expect(results.map((result) => JSON.parse(result.stdout).status).sort()).toEqual(['succeeded', 'unchanged']);
    expect(await warehouseState(warehouse)).toEqual(februaryState);
  });

  it('readers work while a run holds the lock', async () => {
    const warehouse = fromJanuary();
    const run = spawnCli(['--seeds', REAL, '--warehouse', warehouse, 'ingest', 'month_001', '2024-02-29'], { STREAMFLOW_FAULT_AT: 'validated' });
    await run.waitFor('fault point reached: validated');
    try {
      const [row] = await query(warehouse, 'SELECT count(*)::INTEGER AS n FROM snapshots.labels');
      expect(Number(row.n)).toBe(7043);
      expect((await cli('--warehouse', warehouse, 'snapshots')).code).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
      await run.done;
    }
  });

  it('snapshots lists table, as_of, rows, sha256 and run id of every partition', async () => {
    const result = await cli('--warehouse', february, '--json', 'snapshots');
    expect(result.code).toBe(0);
    expect(result.json.snapshots).toHaveLength(12);
    const files = snapshotFiles(february);
    for (const entry of result.json.snapshots) {
      expect(entry).toMatchObject({ rows: 7043, sha256: files[entry.path] });
      expect(entry.run_id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    }
  });

  it('verify names a flipped byte, a missing file and an unexpected file, and exits non-zero', async () => {
    const warehouse = tempDir();
    fs.cpSync(february, warehouse, { recursive: true });
    expect((await cli('--warehouse', warehouse, 'verify')).code).toBe(0);

    const flipped = path.join(warehouse, 'snapshots', 'labels', 'as_of=2024-01-31', 'data_0.parquet');
    const bytes = fs.readFileSync(flipped);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    fs.writeFileSync(flipped, bytes);
    fs.rmSync(path.join(warehouse, 'snapshots', 'users', 'as_of=2024-02-29', 'data_0.parquet'));
    fs.writeFileSync(path.join(warehouse, 'snapshots', 'users', 'as_of=2024-02-29', 'extra.parquet'), 'x');

    const result = await cli('--warehouse', warehouse, 'verify');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('changed: snapshots/labels/as_of=2024-01-31/data_0.parquet');
    expect(result.stderr).toContain('missing: snapshots/users/as_of=2024-02-29/data_0.parquet');
    expect(result.stderr).toContain('unexpected: snapshots/users/as_of=2024-02-29/extra.parquet');
  });
});
