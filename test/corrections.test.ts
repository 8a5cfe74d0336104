// Corrections and late months (issue 23): a corrected export of a frozen as_of becomes its
// next version and edits none; a month older than the newest frozen one is frozen without
// touching the live tables; a correction killed at any step leaves the warehouse as before
// (or, once committed, as after) and the next run completes. One warehouse per scenario,
// built once per file; the crash tests run on the small generated months.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEngine, quoteLiteral } from '../src/engine/duckdb';
import { CORRECTION_FAULT_POINTS, RUN_FAULT_POINTS } from '../src/faults';
import { CHURN } from '../tools/churn-contract';
import {
  type CliResult,
  cli,
  liveFingerprint,
  REAL,
  REAL_EXPORTS,
  realWarehouse,
  requirePrerequisite,
  SEEDS,
  sha256,
  snapshotFiles,
  spawnCli,
  tempDir,
  warehouseState,
  withFlippedLabels,
} from './helpers';

const JANUARY = '2024-01-31';
const FEBRUARY = '2024-02-29';

const ingest = (warehouse: string, seeds: string, month: string, asOf: string, ...flags: string[]): Promise<CliResult> =>
  cli('--seeds', seeds, '--warehouse', warehouse, '--json', 'ingest', month, asOf, ...flags);

/** The number of churners in a labels Parquet file or glob, read directly (hive partitions by as_of). */
async function churnersByAsOf(glob: string): Promise<Record<string, number>> {
  const engine = await openEngine();
  try {
    const rows = await engine.rows<{ as_of: string; churners: number }>(
      `SELECT strftime(as_of, '%Y-%m-%d') AS as_of, count(*) FILTER (WHERE churn_label)::INTEGER AS churners
       FROM read_parquet(${quoteLiteral(glob)}, hive_partitioning = true) GROUP BY ALL ORDER BY ALL`,
    );
    return Object.fromEntries(rows.map((row) => [row.as_of, row.churners]));
  } finally {
    engine.close();
  }
}

/** The live tables' fingerprints, the manifest's aside. */
async function liveTables(warehouse: string): Promise<Record<string, string>> {
  const { 'meta.snapshots': _manifest, ...tables } = await liveFingerprint(warehouse);
  return tables;
}

/**
 * The live tables' values, their audit columns aside: a rebuild names in them the version in
 * which a row last changed in history as corrected, where a correction of an older as_of left
 * the live rows (and their audit columns) as they were.
 */
async function liveValues(warehouse: string): Promise<Record<string, string>> {
  const engine = await openEngine();
  try {
    await engine.run(`ATTACH ${quoteLiteral(path.join(warehouse, 'streamflow.duckdb'))} AS wh (READ_ONLY)`);
    const values: Record<string, string> = {};
    for (const table of CHURN.tables) {
      const [row] = await engine.rows<{ digest: string }>(
        `SELECT md5(string_agg(t::VARCHAR, '\n' ORDER BY t::VARCHAR)) AS digest FROM (SELECT * EXCLUDE (_changed_as_of, _changed_run_id) FROM wh.main."${table.name}") AS t`,
      );
      values[table.name] = row.digest;
    }
    return values;
  } finally {
    engine.close();
  }
}

/** Every _manifest.json under the warehouse's snapshots, path → sha256. */
function partitionManifests(warehouse: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === '_manifest.json') found[path.relative(warehouse, full)] = sha256(full);
    }
  };
  walk(path.join(warehouse, 'snapshots'));
  return found;
}

const supersededOf = (file: string, version: number) =>
  file.replace(
    /snapshots\/([^/]+)\/as_of=([^/]+)\//,
    (_match, table: string, asOf: string) => `snapshots/${table}/_versions/as_of=${asOf}/version=${version}/`,
  );

describe.runIf(requirePrerequisite(REAL_EXPORTS))('a correction of January on the real exports, both months frozen', () => {
  const warehouse = tempDir();
  let before: Awaited<ReturnType<typeof warehouseState>>;
  let manifestsBefore: Record<string, string>;
  let fixed: { seeds: string; keys: string[] };
  let refusal: CliResult;
  let afterRefusal: Awaited<ReturnType<typeof warehouseState>>;
  let correction: CliResult;

  beforeAll(async () => {
    realWarehouse('february', warehouse);
    before = await warehouseState(warehouse);
    manifestsBefore = partitionManifests(warehouse);
    fixed = withFlippedLabels(REAL, 'month_000', 3);
    refusal = await ingest(warehouse, fixed.seeds, 'month_000', JANUARY);
    afterRefusal = await warehouseState(warehouse);
    correction = await ingest(warehouse, fixed.seeds, 'month_000', JANUARY, '--correction', 'labels fixed');
  });

  it('without --correction it is refused (exit 3), the message naming the flag and the keys, nothing changed', () => {
    expect(refusal.code).toBe(3);
    expect(refusal.stderr).toContain(`labels: 3 keys differ: 3 changed, 0 only in this month, 0 only in the frozen snapshot (e.g. ${fixed.keys.join(', ')})`);
    expect(refusal.stderr).toContain(`ingest it with --correction "<reason>": it becomes version 2 of ${JANUARY}`);
    expect(afterRefusal).toEqual(before);
  });

  it('with --correction "labels fixed": exit 0, version 2 of 2024-01-31, its differences the 3 keys of one column', () => {
    expect(correction.code, correction.stderr).toBe(0);
    expect(correction.json.status).toBe('succeeded');
    expect(correction.json.snapshots.map((entry: { version: number; as_of: string }) => [entry.as_of, entry.version])).toEqual(
      CHURN.tables.map(() => [JANUARY, 2]),
    );
    expect(correction.json.amendment).toEqual({
      kind: 'correction',
      version: 2,
      reason: 'labels fixed',
      replaces_version: 1,
      live_kept_for: FEBRUARY,
      differences: [
        {
          table: 'labels',
          keys: 3,
          changed: 3,
          only_new: 0,
          only_frozen: 0,
          shared: 7043,
          sample_keys: fixed.keys,
          columns: [{ column: 'churn_label', rows: 3 }],
        },
      ],
    });
    // The live tables keep February: a correction of an older as_of changes none of their rows.
    expect(correction.json.tables).toEqual([]);
  });

  it('the earlier version stays byte for byte, moved to its _versions folder, and readable', async () => {
    const now = snapshotFiles(warehouse);
    const manifestsNow = partitionManifests(warehouse);
    for (const [file, digest] of Object.entries(before.files)) {
      if (file.includes(`as_of=${JANUARY}`)) expect(now[supersededOf(file, 1)], file).toBe(digest);
      else expect(now[file], file).toBe(digest);
    }
    for (const [file, digest] of Object.entries(manifestsBefore)) {
      expect(manifestsNow[file.includes(`as_of=${JANUARY}`) ? supersededOf(file, 1) : file], file).toBe(digest);
    }
    expect(await churnersByAsOf(path.join(warehouse, 'snapshots/labels/_versions/as_of=2024-01-31/version=1/data_0.parquet'))).toEqual({ [JANUARY]: 1869 });
  });

  it('snapshots lists every version: the text with version, recorded_at and reason; --json a flat list', async () => {
    const listed = await cli('--warehouse', warehouse, '--json', 'snapshots', '--as-of', JANUARY);
    expect(listed.code).toBe(0);
    expect(listed.json.snapshots).toHaveLength(2 * CHURN.tables.length);
    const labels = listed.json.snapshots.filter((entry: { table_name: string }) => entry.table_name === 'labels');
    expect(labels).toMatchObject([
      { as_of: JANUARY, version: 1, reason: null, path: 'snapshots/labels/_versions/as_of=2024-01-31/version=1/data_0.parquet' },
      { as_of: JANUARY, version: 2, reason: 'labels fixed', path: 'snapshots/labels/as_of=2024-01-31/data_0.parquet' },
    ]);
    expect(labels[1].recorded_at > labels[0].recorded_at).toBe(true);
    expect(labels[1].recorded_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const text = await cli('--warehouse', warehouse, 'snapshots', '--table', 'labels');
    expect(text.stdout).toMatch(new RegExp(`^labels +${JANUARY} +2 +${labels[1].recorded_at.replace(/\./g, '\\.')} +7043 .* labels fixed$`, 'm'));
  });

  it('query --as-of 2024-01-31 counts the corrected churners; the live tables still hold February', async () => {
    const asOf = await cli(
      '--warehouse',
      warehouse,
      'query',
      '--format',
      'json',
      '--as-of',
      JANUARY,
      'SELECT count(*) FILTER (WHERE churn_label)::INTEGER AS n FROM labels',
    );
    expect(JSON.parse(asOf.stdout)).toEqual([{ n: 1872 }]);
    expect(await liveTables(warehouse)).toEqual(Object.fromEntries(Object.entries(before.live).filter(([table]) => table !== 'meta.snapshots')));
  });

  it("a direct Parquet reader of the README's glob sees one version per as_of, the newest", async () => {
    expect(await churnersByAsOf(path.join(warehouse, 'snapshots/labels/*/*.parquet'))).toEqual({ [JANUARY]: 1872, [FEBRUARY]: 1701 });
  });

  it('runs, runs show, the report and reports/index.html show the correction, its reason and the 3 keys', async () => {
    const runs = await cli('--warehouse', warehouse, 'runs', '--limit', '1');
    expect(runs.stdout).toMatch(/succeeded .* correction v2: labels fixed\n/);
    const shown = await cli('--warehouse', warehouse, 'runs', 'show', 'latest');
    expect(shown.stdout).toContain(`correction: version 2 of ${JANUARY}, replacing version 1: "labels fixed"`);
    expect(shown.stdout).toContain(`labels: 3 changed, 0 added, 0 removed; columns churn_label (3); keys ${fixed.keys.join(', ')}`);
    expect(shown.stdout).toContain(`live tables: unchanged, they keep the newer frozen month ${FEBRUARY}`);
    const report = fs.readFileSync(path.join(correction.json.report_path, 'report.html'), 'utf8');
    expect(report).toContain(`Correction: version 2 of ${JANUARY}`);
    expect(report).toContain('<strong>labels fixed</strong>');
    expect(report).toContain(fixed.keys.join(', '));
    expect(fs.readFileSync(path.join(warehouse, 'reports', 'index.html'), 'utf8')).toContain('succeeded · correction v2');
  });

  it('verify checks every version where it is: clean, then a flipped byte of the superseded version named', async () => {
    const verified = await cli('--warehouse', warehouse, '--json', 'verify');
    expect(verified.json).toMatchObject({ files: 3 * CHURN.tables.length, ok: true });
    const tampered = tempDir();
    fs.cpSync(warehouse, tampered, { recursive: true });
    const file = path.join(tampered, 'snapshots/labels/_versions/as_of=2024-01-31/version=1/data_0.parquet');
    const bytes = fs.readFileSync(file);
    bytes[100] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const damaged = await cli('--warehouse', tampered, '--json', 'verify');
    expect(damaged.json.findings).toMatchObject([{ path: 'snapshots/labels/_versions/as_of=2024-01-31/version=1/data_0.parquet', problem: 'changed' }]);
  });

  it('identical content with --correction is a no-op (exit 0, said so)', async () => {
    const state = await warehouseState(warehouse);
    const again = await ingest(warehouse, fixed.seeds, 'month_000', JANUARY, '--correction', 'labels fixed');
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({ status: 'unchanged', amendment: null, snapshots: [] });
    expect(again.stderr).toContain(`--correction: the month is identical to what is frozen for as_of ${JANUARY}: nothing to correct, no version added`);
    expect(await warehouseState(warehouse)).toEqual(state);
  });

  it('rebuild restores every version, each where it is, with when it was recorded and why', async () => {
    const listed = (await cli('--warehouse', warehouse, '--json', 'snapshots')).json.snapshots;
    const rebuilt = tempDir();
    fs.cpSync(warehouse, rebuilt, { recursive: true });
    fs.rmSync(path.join(rebuilt, 'streamflow.duckdb'));
    const result = await cli('--warehouse', rebuilt, '--json', 'rebuild');
    expect(result.code, result.stderr).toBe(0);
    expect((await cli('--warehouse', rebuilt, '--json', 'snapshots')).json.snapshots).toEqual(listed);
    expect((await cli('--warehouse', rebuilt, '--json', 'verify')).json.ok).toBe(true);
    expect(await liveValues(rebuilt)).toEqual(await liveValues(warehouse));
  });
});

describe.runIf(requirePrerequisite(REAL_EXPORTS))('a correction of the newest frozen as_of on the real exports', () => {
  it('the live tables take the corrected values, those rows naming the correction in their audit columns', async () => {
    const warehouse = realWarehouse('february');
    const fixed = withFlippedLabels(REAL, 'month_001', 3);
    const result = await ingest(warehouse, fixed.seeds, 'month_001', FEBRUARY, '--correction', 'February labels fixed');
    expect(result.code, result.stderr).toBe(0);
    expect(result.json.amendment).toMatchObject({ kind: 'correction', version: 2, live_kept_for: null });
    expect(result.json.tables.find((table: { table: string }) => table.table === 'labels')).toMatchObject({ updated: 3, inserted: 0 });
    const rows = await cli(
      '--warehouse',
      warehouse,
      'query',
      '--format',
      'json',
      `SELECT count(*) FILTER (WHERE churn_label)::INTEGER AS churners,
              string_agg(user_id, ',' ORDER BY user_id) FILTER (WHERE _changed_run_id = '${result.json.run_id}') AS corrected
       FROM labels`,
    );
    expect(JSON.parse(rows.stdout)).toEqual([{ churners: 1704, corrected: fixed.keys.join(',') }]);
    expect((await cli('--warehouse', warehouse, '--json', 'verify')).json.ok).toBe(true);
  });
});

describe.runIf(requirePrerequisite(REAL_EXPORTS))('a late month on the real exports: only month_001 ingested, then month_000', () => {
  const warehouse = tempDir();
  let february: Awaited<ReturnType<typeof warehouseState>>;
  let late: CliResult;

  beforeAll(async () => {
    expect((await ingest(warehouse, REAL, 'month_001', FEBRUARY)).code).toBe(0);
    february = await warehouseState(warehouse);
    late = await ingest(warehouse, REAL, 'month_000', JANUARY);
  });

  it('exit 0: January frozen as it would have been in order, the live tables unchanged (still February), said so', async () => {
    expect(late.code, late.stderr).toBe(0);
    expect(late.json).toMatchObject({ status: 'succeeded', tables: [], amendment: { kind: 'late', version: 1, live_kept_for: FEBRUARY } });
    expect(await liveTables(warehouse)).toEqual(Object.fromEntries(Object.entries(february.live).filter(([table]) => table !== 'meta.snapshots')));
    const inOrder = snapshotFiles(realWarehouse('january'));
    const now = snapshotFiles(warehouse);
    for (const [file, digest] of Object.entries(inOrder)) expect(now[file], file).toBe(digest);
    for (const [file, digest] of Object.entries(february.files)) expect(now[file], file).toBe(digest);
    const shown = await cli('--warehouse', warehouse, 'runs', 'show', 'latest');
    expect(shown.stdout).toContain(`late month: ${JANUARY} frozen (version 1), older than the newest frozen month; later months stay as frozen`);
  });

  it('validated as in order: compared with what was frozen before January (nothing), not with the live February', async () => {
    // Every figure of January, key churn and NULL shares included, as the in-order ingest measured it (run ids aside).
    const figures = async (dir: string) => {
      const sql = (table: string) => `SELECT * EXCLUDE (run_id) FROM meta.${table} WHERE as_of = DATE '${JANUARY}' ORDER BY ALL`;
      const read = async (table: string) => JSON.parse((await cli('--warehouse', dir, 'query', '--format', 'json', sql(table))).stdout);
      return { tables: await read('table_metrics'), columns: await read('column_metrics') };
    };
    const january = await figures(warehouse);
    expect(january.tables.find((table: { table_name: string }) => table.table_name === 'users')).toMatchObject({ keys_added: 7043, keys_gone: 0 });
    expect(january).toEqual(await figures(realWarehouse('january')));
  });

  it('verify is clean, and a replay of either month is a no-op', async () => {
    expect((await cli('--warehouse', warehouse, '--json', 'verify')).json).toMatchObject({ ok: true, files: 2 * CHURN.tables.length });
    const state = await warehouseState(warehouse);
    for (const [month, asOf] of [
      ['month_000', JANUARY],
      ['month_001', FEBRUARY],
    ]) {
      const replay = await ingest(warehouse, REAL, month, asOf);
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.json.status).toBe('unchanged');
    }
    expect(await warehouseState(warehouse)).toEqual(state);
  });
});

describe('a correction killed with SIGKILL at each step (generated months)', () => {
  /** month_000 then month_001 of the generated seeds. */
  const base = tempDir();
  /** base after the correction of January, run whole. */
  const corrected = tempDir();
  let fixedSeeds: string;
  let baseState: Awaited<ReturnType<typeof warehouseState>>;
  let correctedState: Awaited<ReturnType<typeof warehouseState>>;
  const correct = (warehouse: string) => ingest(warehouse, fixedSeeds, 'month_000', JANUARY, '--correction', 'labels fixed');

  beforeAll(async () => {
    expect((await ingest(base, SEEDS, 'month_000', JANUARY)).code).toBe(0);
    expect((await ingest(base, SEEDS, 'month_001', FEBRUARY)).code).toBe(0);
    baseState = await warehouseState(base);
    fixedSeeds = withFlippedLabels(SEEDS, 'month_000', 3).seeds;
    fs.cpSync(base, corrected, { recursive: true });
    expect((await correct(corrected)).code).toBe(0);
    correctedState = await warehouseState(corrected);
  });

  it('--correction of an as_of never frozen is an invalid invocation (exit 2) that writes nothing', async () => {
    const warehouse = tempDir();
    fs.cpSync(base, warehouse, { recursive: true });
    const result = await ingest(warehouse, SEEDS, 'month_002', '2024-03-31', '--correction', 'labels fixed');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--correction: as_of 2024-03-31 is not frozen, so there is nothing to correct; ingest month_002 2024-03-31 without it');
    expect(await warehouseState(warehouse)).toEqual(baseState);
  });

  // Before COMMIT the warehouse is as before; after it, as after (recovery rolls publishing forward).
  const points = [
    ...RUN_FAULT_POINTS.slice(0, RUN_FAULT_POINTS.indexOf('committed') + 1),
    ...CORRECTION_FAULT_POINTS,
    ...RUN_FAULT_POINTS.slice(RUN_FAULT_POINTS.indexOf('committed') + 1),
  ];
  const beforeCommit = new Set(RUN_FAULT_POINTS.slice(0, RUN_FAULT_POINTS.indexOf('committed')));

  it.each(points)('at %s: the warehouse is as before (or, once committed, its database as after), and the next run completes', async (point) => {
    const warehouse = tempDir();
    fs.cpSync(base, warehouse, { recursive: true });
    const run = spawnCli(['--seeds', fixedSeeds, '--warehouse', warehouse, 'ingest', 'month_000', JANUARY, '--correction', 'labels fixed'], {
      STREAMFLOW_FAULT_AT: point,
    });
    await run.waitFor(`fault point reached: ${point}`);
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    // The killed run's lock is taken over once stale: aged here rather than waited for (as in history.test.ts).
    const aMinuteAgo = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(warehouse, '.lock'), aMinuteAgo, aMinuteAgo);

    const committed = !beforeCommit.has(point as (typeof RUN_FAULT_POINTS)[number]);
    const afterKill = await warehouseState(warehouse);
    if (committed) expect(afterKill.live).toEqual(correctedState.live);
    else expect(afterKill).toEqual(baseState);

    const rerun = await correct(warehouse);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json.status).toBe(committed ? 'unchanged' : 'succeeded');
    expect(await warehouseState(warehouse)).toEqual(correctedState);
    expect((await cli('--warehouse', warehouse, '--json', 'verify')).json.ok).toBe(true);
    expect(fs.readdirSync(path.join(warehouse, '.staging')).filter((entry) => entry !== 'spill')).toEqual([]);
  });
});
