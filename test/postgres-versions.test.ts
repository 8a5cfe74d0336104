// Versions in the PostgreSQL mirror (issue 23), against a real server on the real exports:
// `<table>_snapshots` holds the newest version of each as_of, `<table>_snapshot_versions`
// every version; `verify --postgres` passes after a correction and after a late month, and
// a mirror made before versions is upgraded by the next sync.
import { afterAll, describe, expect, it } from 'vitest';
import { cli, REAL, REAL_EXPORTS, realWarehouse, requirePrerequisite, tempDir, withFlippedLabels } from './helpers';
import { asMirrorBeforeVersions, createTestDatabase, POSTGRES, withClient } from './postgres';

/** Per as_of (and version, for the versions table) the rows and churners of a labels table in PostgreSQL. */
const CHURNERS = (table: string, version: boolean) =>
  `SELECT to_char(as_of, 'YYYY-MM-DD') AS as_of, ${version ? 'version, ' : ''}count(*)::int AS n, count(*) FILTER (WHERE churn_label)::int AS churners
   FROM ${table} GROUP BY 1${version ? ', 2' : ''} ORDER BY 1${version ? ', 2' : ''}`;

describe.runIf(requirePrerequisite(POSTGRES, REAL_EXPORTS))('snapshot versions in the PostgreSQL mirror', () => {
  const databases: (() => Promise<void>)[] = [];
  const newDatabase = async () => {
    const database = await createTestDatabase('streamflow_versions_test');
    databases.push(database.drop);
    return database.url;
  };
  const sync = (warehouse: string, url: string) => cli('--warehouse', warehouse, '--url', url, '--json', 'sync-postgres');
  const verifyPostgres = (warehouse: string, url: string) => cli('--warehouse', warehouse, '--url', url, '--json', 'verify', '--postgres');
  afterAll(async () => {
    for (const drop of databases) await drop();
  });

  it('after a correction of January: every version kept, the course-named tables at the newest, live tables still February, verify clean', async () => {
    const url = await newDatabase();
    const warehouse = realWarehouse('february');
    expect((await sync(warehouse, url)).code).toBe(0);
    const { seeds } = withFlippedLabels(REAL, 'month_000', 3);
    const corrected = await cli('--seeds', seeds, '--warehouse', warehouse, 'ingest', 'month_000', '2024-01-31', '--correction', 'labels fixed');
    expect(corrected.code, corrected.stderr).toBe(0);

    const synced = await sync(warehouse, url);
    expect(synced.code, synced.stderr).toBe(0);
    const written = (table: string) => synced.json.written.filter((entry: { table: string }) => entry.table === table);
    // The new version sent whole to the history; the course-named table's January rows replaced, from it, for labels only (the other tables' version 2 is byte-identical).
    expect(written('labels_snapshot_versions')).toEqual([
      { table: 'labels_snapshot_versions', as_of: '2024-01-31', version: 2, inserted: 7043, updated: 0, deleted: 0 },
    ]);
    expect(written('labels_snapshots')).toEqual([{ table: 'labels_snapshots', as_of: '2024-01-31', version: 2, inserted: 7043, updated: 0, deleted: 7043 }]);
    expect(synced.json.written.filter((entry: { table: string }) => entry.table.endsWith('_snapshots'))).toHaveLength(1);
    expect(written('labels')).toEqual([]);

    await withClient(url, async (client) => {
      expect((await client.query(CHURNERS('labels_snapshots', false))).rows).toEqual([
        { as_of: '2024-01-31', n: 7043, churners: 1872 },
        { as_of: '2024-02-29', n: 7043, churners: 1701 },
      ]);
      expect((await client.query(CHURNERS('labels_snapshot_versions', true))).rows).toEqual([
        { as_of: '2024-01-31', version: 1, n: 7043, churners: 1869 },
        { as_of: '2024-01-31', version: 2, n: 7043, churners: 1872 },
        { as_of: '2024-02-29', version: 1, n: 7043, churners: 1701 },
      ]);
      expect((await client.query(`SELECT count(*) FILTER (WHERE churn_label)::int AS churners FROM labels`)).rows).toEqual([{ churners: 1701 }]);
    });
    const verify = await verifyPostgres(warehouse, url);
    expect(verify.code, verify.stderr).toBe(0);
    // 12 newest partitions, 18 versions (January's 6 twice), 6 live tables.
    expect(verify.json).toMatchObject({ ok: true, compared: 36, findings: [] });
    const again = await sync(warehouse, url);
    expect(again.json).toMatchObject({ rows_written: 0, written: [] });

    // A superseded version edited by hand is found by verify, and the next sync refuses to go on.
    await withClient(url, (client) =>
      client.query(`UPDATE labels_snapshot_versions SET churn_label = NOT churn_label WHERE as_of = '2024-01-31' AND version = 1 AND user_id = '7590-VHVEG'`),
    );
    const tampered = await verifyPostgres(warehouse, url);
    expect(tampered.code).toBe(1);
    expect(tampered.json.findings).toEqual([
      expect.objectContaining({ table: 'labels_snapshot_versions', as_of: '2024-01-31', version: 1, problem: 'differs' }),
    ]);
    const refused = await sync(warehouse, url);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/labels_snapshot_versions as_of 2024-01-31 version 1: PostgreSQL holds 7043 rows/);
  });

  it('a late January after February, into a mirror made before versions: upgraded, both as_ofs kept, live tables still February, verify clean; then a correction of February brings the live tables to it', async () => {
    const url = await newDatabase();
    const warehouse = tempDir();
    const ingest = (month: string, asOf: string) => cli('--seeds', REAL, '--warehouse', warehouse, 'ingest', month, asOf);
    expect((await ingest('month_001', '2024-02-29')).code).toBe(0);
    expect((await sync(warehouse, url)).code).toBe(0);
    await withClient(url, async (client) => {
      expect((await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE '%\\_snapshot\\_versions'`)).rows).toEqual([{ n: 6 }]);
      await asMirrorBeforeVersions(client);
    });

    const late = await ingest('month_000', '2024-01-31');
    expect(late.code, late.stderr).toBe(0);
    const synced = await sync(warehouse, url);
    expect(synced.code, synced.stderr).toBe(0);
    await withClient(url, async (client) => {
      expect((await client.query(CHURNERS('labels_snapshots', false))).rows).toEqual([
        { as_of: '2024-01-31', n: 7043, churners: 1869 },
        { as_of: '2024-02-29', n: 7043, churners: 1701 },
      ]);
      expect((await client.query(CHURNERS('labels_snapshot_versions', true))).rows).toEqual([
        { as_of: '2024-01-31', version: 1, n: 7043, churners: 1869 },
        { as_of: '2024-02-29', version: 1, n: 7043, churners: 1701 },
      ]);
      expect((await client.query(`SELECT count(*) FILTER (WHERE churn_label)::int AS churners FROM labels`)).rows).toEqual([{ churners: 1701 }]);
      expect((await client.query(`SELECT DISTINCT version FROM streamflow_sync`)).rows).toEqual([{ version: 1 }]);
    });
    // The live tables were February's and stay so: nothing of them rewritten.
    expect(synced.json.written.filter((entry: { table: string }) => !entry.table.includes('_snapshot'))).toEqual([]);
    const verify = await verifyPostgres(warehouse, url);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.json).toMatchObject({ ok: true, compared: 30, findings: [] });

    // A correction of February, the newest as_of: the live tables take it, in PostgreSQL too.
    const { seeds, keys } = withFlippedLabels(REAL, 'month_001', 3);
    const corrected = await cli('--seeds', seeds, '--warehouse', warehouse, 'ingest', 'month_001', '2024-02-29', '--correction', 'labels fixed');
    expect(corrected.code, corrected.stderr).toBe(0);
    const next = await sync(warehouse, url);
    expect(next.code, next.stderr).toBe(0);
    expect(next.json.written.filter((entry: { table: string }) => entry.table === 'labels')).toEqual([
      { table: 'labels', as_of: '2024-02-29', version: 2, inserted: 0, updated: 3, deleted: 0 },
    ]);
    await withClient(url, async (client) => {
      const live = await client.query(`SELECT user_id FROM labels WHERE churn_label AND user_id = ANY($1) ORDER BY 1`, [keys]);
      expect(live.rows.map((row) => row.user_id)).toEqual(keys);
    });
    const after = await verifyPostgres(warehouse, url);
    expect(after.code, after.stderr).toBe(0);
    expect(after.json).toMatchObject({ ok: true, compared: 36, findings: [] });
  });
});
