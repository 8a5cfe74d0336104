// The PostgreSQL mirror (issue 13) against a real server: exact content per table and
// as_of, incremental syncs, all or nothing under SIGKILL and a server stopped mid-sync,
// history in PostgreSQL never overwritten, and the password never shown.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableSpec } from '../src/contract/tables';
import { openEngine, quoteLiteral } from '../src/engine/duckdb';
import { SYNC_FAULT_POINTS } from '../src/faults';
import { checksumSelect } from '../src/sync/checksum';
import { cli, query, REAL, REAL_EXPORTS, realWarehouse, requirePrerequisite, spawnCli, tempDir } from './helpers';
import { createTestDatabase, mirrorState, POSTGRES, THROWAWAY_CLUSTER, throwawayCluster, withClient } from './postgres';

describe.runIf(requirePrerequisite(POSTGRES, REAL_EXPORTS))('sync to PostgreSQL on the real exports', () => {
  /** month_000 ingested, nothing synced. */
  const january = tempDir();
  /** `january`, a month later: month_001 ingested too (the same warehouse, so the same identity: a mirror of it is this one's). */
  const february = tempDir();
  const databases: (() => Promise<void>)[] = [];
  const newDatabase = async () => {
    const database = await createTestDatabase('streamflow_sync_test');
    databases.push(database.drop);
    return database.url;
  };
  const copyOf = (warehouse: string) => {
    const copy = tempDir();
    fs.cpSync(warehouse, copy, { recursive: true });
    return copy;
  };
  const sync = (warehouse: string, url: string, ...flags: string[]) => cli('--warehouse', warehouse, '--url', url, ...flags, 'sync-postgres');
  const verifyPostgres = (warehouse: string, url: string) => cli('--warehouse', warehouse, '--url', url, '--json', 'verify', '--postgres');

  beforeAll(async () => {
    realWarehouse('january', january);
    realWarehouse('february', february);
  });
  afterAll(async () => {
    for (const drop of databases) await drop();
  });

  it('ingest --sync-postgres of month_000 and month_001 mirrors every table and as_of exactly, and a second sync writes 0 rows', async () => {
    const url = await newDatabase();
    const warehouse = tempDir();
    for (const [month, asOf] of [
      ['month_000', '2024-01-31'],
      ['month_001', '2024-02-29'],
    ]) {
      const run = await cli('--seeds', REAL, '--warehouse', warehouse, '--url', url, '--json', 'ingest', month, asOf, '--sync-postgres');
      expect(run.code, run.stderr).toBe(0);
      expect(run.json.tasks.map((task: { task: string; state: string }) => `${task.task}:${task.state}`).at(-1)).toBe('sync:completed');
      expect(run.json.sync.rows_written).toBeGreaterThan(0);
    }
    const verify = await verifyPostgres(warehouse, url);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.json).toMatchObject({ ok: true, compared: 30, findings: [] });

    await withClient(url, async (client) => {
      const counts = await client.query(
        `SELECT to_char(as_of, 'YYYY-MM-DD') AS as_of, count(*)::int AS n, count(*) FILTER (WHERE plan_stream_tv IS NULL)::int AS tv_null FROM subscriptions_snapshots GROUP BY 1 ORDER BY 1`,
      );
      expect(counts.rows).toEqual([
        { as_of: '2024-01-31', n: 7043, tv_null: 1526 },
        { as_of: '2024-02-29', n: 7043, tv_null: 1526 },
      ]);
      expect((await client.query(`SELECT count(*)::int AS n FROM subscriptions_profile_snapshots WHERE as_of = '2024-01-31'`)).rows[0].n).toBe(7043);
      expect((await client.query(`SELECT count(*)::int AS n FROM labels WHERE churn_label`)).rows[0].n).toBe(1701);
      // Types as the contract says, NOT NULL where it says so.
      const columns = await client.query(
        `SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = 'subscriptions' AND column_name IN ('monthly_fee', 'total_paid', 'plan_stream_tv', 'months_active') ORDER BY column_name`,
      );
      expect(columns.rows).toEqual([
        { column_name: 'monthly_fee', data_type: 'numeric', numeric_precision: 10, numeric_scale: 2, is_nullable: 'NO' },
        { column_name: 'months_active', data_type: 'integer', numeric_precision: 32, numeric_scale: 0, is_nullable: 'NO' },
        { column_name: 'plan_stream_tv', data_type: 'boolean', numeric_precision: null, numeric_scale: null, is_nullable: 'YES' },
        { column_name: 'total_paid', data_type: 'numeric', numeric_precision: 12, numeric_scale: 2, is_nullable: 'NO' },
      ]);
      // Doubles bit for bit and decimals digit for digit, read back through each engine's own driver.
      const mirrored = await client.query(
        `SELECT u.user_id, u.watch_hours_30d, u.avg_session_mins_7d, s.ticket_avg_resolution_hrs_90d, b.total_paid
         FROM usage_agg_30d_snapshots u JOIN support_agg_90d_snapshots s USING (user_id, as_of) JOIN subscriptions_snapshots b USING (user_id, as_of)
         WHERE as_of = '2024-02-29' ORDER BY u.user_id COLLATE "C"`,
      );
      const warehouseRows = await query(
        warehouse,
        // DECIMAL as its exact text, as the pg driver hands NUMERIC: digit for digit.
        `SELECT u.user_id, u.watch_hours_30d, u.avg_session_mins_7d, s.ticket_avg_resolution_hrs_90d, b.total_paid::VARCHAR AS total_paid
         FROM snapshots.usage_agg_30d u JOIN snapshots.support_agg_90d s USING (user_id, as_of) JOIN snapshots.subscriptions b USING (user_id, as_of)
         WHERE as_of = '2024-02-29' ORDER BY u.user_id`,
      );
      expect(mirrored.rows.length).toBe(7043);
      expect(mirrored.rows).toEqual(warehouseRows);
      const kinds = await client.query(`SELECT table_name, table_type FROM information_schema.tables WHERE table_name LIKE '%\\_snapshots' ORDER BY 1`);
      expect(kinds.rows.find((row) => row.table_name === 'subscriptions_profile_snapshots').table_type).toBe('VIEW');
      expect(kinds.rows.find((row) => row.table_name === 'usage_agg_30d_snapshots').table_type).toBe('BASE TABLE');
    });

    const before = await mirrorState(url);
    const again = await sync(warehouse, url, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.rows_written).toBe(0);
    expect(again.json.written).toEqual([]);
    expect(again.stderr).toMatch(/already up to date: 0 rows written/);
    expect(await mirrorState(url)).toEqual(before);

    // A live row changed by hand is noted by the triggers and put back by the next sync, alone.
    await withClient(url, (client) => client.query(`UPDATE labels SET churn_label = NOT churn_label WHERE user_id = '7590-VHVEG'`));
    const repair = await sync(warehouse, url, '--json');
    expect(repair.json.written).toEqual([{ table: 'labels', as_of: '2024-02-29', version: 1, inserted: 0, updated: 1, deleted: 0 }]);
    // Every table as before; the ledger's entry for labels carries the new sync time.
    const { streamflow_sync: _ledger, ...tables } = before as Record<string, string>;
    expect(await mirrorState(url)).toMatchObject(tables);
  });

  it('a sync after the next month sends only the new partitions and the changed live rows, deleting gone rows', async () => {
    const url = await newDatabase();
    expect((await sync(copyOf(january), url)).code).toBe(0);
    // A live row PostgreSQL has and the warehouse never had: the mirror must drop it (children first).
    await withClient(url, async (client) => {
      await client.query(`INSERT INTO users VALUES ('0000-GHOST', '2020-01-01', 'Female', false, false, false)`);
      await client.query(`INSERT INTO labels VALUES ('0000-GHOST', true)`);
    });
    const next = await sync(february, url, '--json');
    expect(next.code, next.stderr).toBe(0);
    const written = Object.fromEntries(
      next.json.written.map((entry: { table: string; inserted: number; updated: number; deleted: number }) => [entry.table, entry]),
    );
    expect(
      Object.keys(written)
        .filter((table) => table.endsWith('_snapshots'))
        .sort(),
    ).toHaveLength(6);
    expect(Object.values(written).every((entry: any) => entry.as_of === '2024-02-29')).toBe(true);
    expect(written.labels).toMatchObject({ inserted: 0, updated: 2652, deleted: 1 });
    expect(written.users).toMatchObject({ inserted: 0, updated: 0, deleted: 1 });
    expect((await verifyPostgres(february, url)).json.findings).toEqual([]);
  });

  it('a partition changed by hand in PostgreSQL is reported by verify --postgres, and the next sync refuses (exit 3) without writing', async () => {
    const url = await newDatabase();
    const warehouse = copyOf(february);
    expect((await sync(warehouse, url)).code).toBe(0);
    await withClient(url, (client) =>
      client.query(`UPDATE usage_agg_30d_snapshots SET watch_hours_30d = watch_hours_30d + 0.5 WHERE as_of = '2024-01-31' AND user_id = '7590-VHVEG'`),
    );
    const verify = await verifyPostgres(warehouse, url);
    expect(verify.code).toBe(1);
    expect(verify.json.findings).toEqual([
      expect.objectContaining({ table: 'usage_agg_30d_snapshots', as_of: '2024-01-31', problem: 'differs' }),
      // The live table holds no January rows: only the snapshot partition was touched.
    ]);
    const before = await mirrorState(url);
    // Something for the sync to do, so a refusal is not just an empty sync.
    await withClient(url, (client) => client.query(`DELETE FROM streamflow_sync WHERE table_name = 'labels'`));
    const beforeSync = await mirrorState(url);
    const refused = await sync(warehouse, url);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/usage_agg_30d_snapshots as_of 2024-01-31: PostgreSQL holds 7043 rows, checksum \d+, the warehouse froze 7043 rows/);
    expect(await mirrorState(url)).toEqual(beforeSync);
    expect(beforeSync).not.toEqual(before);
  });

  describe('a sync killed with SIGKILL', () => {
    const points = SYNC_FAULT_POINTS;
    it.each(points)('at %s leaves PostgreSQL as before it, and the next sync completes', async (point) => {
      const url = await newDatabase();
      expect((await sync(copyOf(january), url)).code).toBe(0);
      const before = await mirrorState(url);

      const warehouse = copyOf(february);
      const run = spawnCli(['--warehouse', warehouse, '--url', url, 'sync-postgres'], { STREAMFLOW_FAULT_AT: point });
      await run.waitFor(`fault point reached: ${point}`);
      run.child.kill('SIGKILL');
      expect((await run.done).signal).toBe('SIGKILL');
      // The killed sync leaves the warehouse's run lock behind, taken over once stale (5 s
      // without a refresh): aged here rather than waited for (history.test.ts waits, once).
      const lock = path.join(warehouse, '.lock');
      expect(fs.existsSync(lock)).toBe(true);
      const aMinuteAgo = new Date(Date.now() - 60_000);
      fs.utimesSync(lock, aMinuteAgo, aMinuteAgo);
      // The server notices the dead client and rolls its transaction back.
      await expect.poll(() => mirrorState(url), { timeout: 10_000 }).toEqual(before);

      const next = await sync(warehouse, url, '--json');
      expect(next.code, next.stderr).toBe(0);
      expect((await verifyPostgres(warehouse, url)).json).toMatchObject({ ok: true, compared: 30 });
    });
  });

  it('a server that refuses the login fails at once with exit 4, naming host and database, never the password', async () => {
    const url = new URL(await newDatabase());
    url.password = 'wrong-Secret-4711';
    const result = await sync(february, url.toString(), '--json');
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(new RegExp(`PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}: password authentication failed`));
    expect(result.stderr).not.toMatch(/retrying/);
    expect(`${result.stdout}${result.stderr}`).not.toContain('wrong-Secret-4711');
  });

  it('ingest --sync-postgres with the server down: the run succeeds and stays, the sync task fails, exit 4, no password anywhere', async () => {
    const warehouse = tempDir();
    const secret = 'Secret-Pw-0815';
    const down = `postgres://streamflow:${secret}@127.0.0.1:9/streamflow`;
    const run = await cli('--seeds', REAL, '--warehouse', warehouse, '--url', down, '--json', 'ingest', 'month_000', '2024-01-31', '--sync-postgres');
    expect(run.code).toBe(4);
    expect(run.json).toMatchObject({ status: 'succeeded', exit_code: 4 });
    const sync = run.json.tasks.find((task: { task: string }) => task.task === 'sync');
    expect(sync).toMatchObject({ state: 'failed', attempts: 6 });
    expect(run.stderr).toMatch(/PostgreSQL at 127\.0\.0\.1:9\/streamflow: .*ECONNREFUSED/);
    const shown = await cli('--warehouse', warehouse, '--json', 'runs', 'show', run.json.run_id);
    expect(JSON.parse(shown.stdout).tasks.map((task: { task: string; state: string }) => `${task.task}:${task.state}`)).toEqual([
      'load:completed',
      'validate:completed',
      'plan:completed',
      'upsert:completed',
      'snapshot:completed',
      'record:completed',
      'sync:failed',
    ]);
    expect((await query(warehouse, 'SELECT count(*) AS n FROM users'))[0].n).toBe(7043);
    for (const text of [run.stdout, run.stderr, shown.stdout]) expect(text).not.toContain(secret);
  });

  describe.runIf(requirePrerequisite(THROWAWAY_CLUSTER))('on a throwaway server', () => {
    it('a server stopped mid-sync gives a clear error and a non-zero exit; after a restart the next sync completes', async () => {
      const cluster = await throwawayCluster();
      try {
        const warehouse = copyOf(february);
        const run = spawnCli(['--warehouse', warehouse, '--url', cluster.url, 'sync-postgres'], {
          STREAMFLOW_FAULT_AT: 'sync-mid-copy',
          STREAMFLOW_FAULT_HOLD_MS: '1500',
        });
        await run.waitFor('fault point reached: sync-mid-copy');
        cluster.stop();
        const stopped = await run.done;
        expect(stopped.code).toBe(4);
        expect(stopped.stderr).toMatch(/error: PostgreSQL at 127\.0\.0\.1:\d+\/postgres: /);
        expect(stopped.stderr).toMatch(/sync: retrying/);
        cluster.start();
        await withClient(cluster.url, async (client) => {
          expect((await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'users'`)).rows[0].n).toBe(0);
        });
        const next = await sync(warehouse, cluster.url);
        expect(next.code, next.stderr).toBe(0);
        expect((await verifyPostgres(warehouse, cluster.url)).json).toMatchObject({ ok: true, compared: 30 });
      } finally {
        cluster.remove();
      }
    });
  });
});

// Needs PostgreSQL only: its values are made here.
describe.runIf(requirePrerequisite(POSTGRES))('the content checksum', () => {
  let url: string;
  let drop: () => Promise<void>;
  beforeAll(async () => ({ url, drop } = await createTestDatabase('streamflow_checksum_test')));
  afterAll(() => drop());

  const column = (name: string, type: TableSpec['columns'][number]['type']) => ({ name, type, nullable: true, inExport: true, description: '' });
  const table = {
    name: 'users',
    file: '',
    key: ['user_id'],
    columns: [
      column('user_id', 'VARCHAR'),
      column('d', 'DATE'),
      column('b', 'BOOLEAN'),
      column('i', 'INTEGER'),
      column('x', 'DOUBLE'),
      column('m', 'DECIMAL(12,2)'),
    ],
    expectations: [],
  } as unknown as TableSpec;

  it('is computed identically by DuckDB and PostgreSQL for edge values of every type, and a one-ulp change moves it', async () => {
    const dir = tempDir();
    const csv = path.join(dir, 'values.csv');
    const engine = await openEngine();
    try {
      const doubles = [
        '0.1 + 0.2',
        '-0.0',
        '1e15',
        '1.5e15',
        '9999999999999998.0',
        '1e16',
        '1e-5',
        '0.0001',
        '123456.789',
        '5e-324',
        '1.7976931348623157e308',
        `'nan'::DOUBLE`,
        `'inf'::DOUBLE`,
        `'-inf'::DOUBLE`,
        '-2.5e-7',
        '12.0',
        '4.2558776407750416e16',
        '2.225073858507201e-308',
        'NULL',
      ];
      await engine.run(
        `CREATE TABLE v AS SELECT 'u' || i AS user_id, DATE '2024-01-31' + i AS d, i % 2 = 0 AS b, i - 8 AS i, x, CAST(i * -12.5 AS DECIMAL(12,2)) AS m
         FROM (VALUES ${doubles.map((value, index) => `(${index}, ${value}::DOUBLE)`).join(', ')}) AS t(i, x)
         UNION ALL SELECT '', NULL, NULL, NULL, random() * 1e6, NULL FROM range(2000)
         UNION ALL SELECT NULL, DATE '1970-01-01', false, 0, exp(random() * 1400 - 700), 0.05 FROM range(20000)`,
      );
      await engine.run(`COPY v TO ${quoteLiteral(csv)} (FORMAT csv, HEADER false)`);
      const duck = async () => (await engine.rows(`SELECT ${checksumSelect('duckdb', table, 'r')} FROM v AS r`))[0];
      const local = await duck();
      await withClient(url, async (client) => {
        await client.query(`SET extra_float_digits = 1`);
        await client.query(`CREATE TABLE v (user_id TEXT, d DATE, b BOOLEAN, i INTEGER, x DOUBLE PRECISION, m NUMERIC(12,2))`);
        await pipeline(fs.createReadStream(csv), client.query(copyFrom('COPY v FROM STDIN (FORMAT csv)')));
        const remote = async () => (await client.query(`SELECT ${checksumSelect('postgres', table, 'r')} FROM v AS r`)).rows[0];
        expect({ rows: Number((await remote()).rows), checksum: (await remote()).checksum }).toEqual({ rows: Number(local.rows), checksum: local.checksum });
        // NULL and '' stayed apart through CSV.
        expect(
          (await client.query(`SELECT count(*) FILTER (WHERE user_id = '')::int AS empty, count(*) FILTER (WHERE user_id IS NULL)::int AS nulls FROM v`))
            .rows[0],
        ).toEqual({ empty: 2000, nulls: 20000 });
        await client.query(`UPDATE v SET x = 0.30000000000000004 WHERE user_id = 'u0'`);
        expect((await remote()).checksum).toBe(local.checksum); // 0.1 + 0.2 is that double
        await client.query(`UPDATE v SET x = 0.3 WHERE user_id = 'u0'`);
        expect((await remote()).checksum).not.toBe(local.checksum);
      });
    } finally {
      engine.close();
    }
  });
});
