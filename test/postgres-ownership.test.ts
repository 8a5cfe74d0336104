// The sync writes only into what it created, for the warehouse it mirrors, and never
// hangs (issue 21), against a real PostgreSQL on the real exports: a user's table of a
// name the mirror uses is refused (exit 3, whatever its columns), so is another
// warehouse's mirror (naming both identities), an earlier release's mirror is claimed
// only by the warehouse whose partitions it lists, and a sync that cannot finish (a lock
// held by someone else, a COPY the server rejects) ends at once with exit 4.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, quoteLiteral } from '../src/engine/duckdb';
import { readWarehouseId } from '../src/warehouse/identity';
import { cli, REAL, REAL_EXPORTS, realWarehouse, requirePrerequisite, SEEDS, type SpawnedCli, spawnCli, tempDir } from './helpers';
import { asMirrorBeforeVersions, catalogState, createTestDatabase, mirrorState, POSTGRES, withClient } from './postgres';

/** How long a refused or failed sync may take as a process of its own, start-up included. */
const PROMPT_MS = 30_000;

/** The spawned CLI's outcome; fails (and kills it) if it is still running after `ms`. */
async function exitWithin(run: SpawnedCli, ms = PROMPT_MS): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const outcome = await Promise.race([run.done, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    run.child.kill('SIGKILL');
    const { stderr } = await run.done;
    throw new Error(`the sync was still running after ${ms} ms (a hang); stderr:\n${stderr}`);
  }
  return { code: outcome.code, stderr: outcome.stderr, ms: performance.now() - started };
}

async function warehouseIdOf(warehouse: string): Promise<string> {
  const engine = await openEngine();
  try {
    await engine.run(`ATTACH ${quoteLiteral(path.join(warehouse, 'streamflow.duckdb'))} AS wh (READ_ONLY)`);
    return await readWarehouseId(engine);
  } finally {
    engine.close();
  }
}

/** Turns a mirror this release made into one the release before warehouse identities made: no marks, no warehouse_id in the ledger. */
async function asEarlierRelease(url: string): Promise<void> {
  await withClient(url, async (client) => {
    const marked = await client.query(
      `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND obj_description(c.oid, 'pg_class') LIKE 'streamflow mirror of warehouse %'`,
    );
    for (const { relname, relkind } of marked.rows) await client.query(`COMMENT ON ${relkind === 'v' ? 'VIEW' : 'TABLE'} "${relname}" IS NULL`);
    await client.query(`COMMENT ON FUNCTION streamflow_note_change() IS NULL`);
    // Nor did it keep versions, which came after identities.
    await asMirrorBeforeVersions(client);
    await client.query(`ALTER TABLE streamflow_sync DROP COLUMN warehouse_id`);
  });
}

describe.runIf(requirePrerequisite(POSTGRES, REAL_EXPORTS))('sync-postgres owns only what it created, and never hangs', () => {
  /** month_000 and month_001 of the real exports, nothing synced. */
  const february = tempDir();
  /** month_000 only. */
  const january = tempDir();
  const databases: (() => Promise<void>)[] = [];
  const newDatabase = async () => {
    const database = await createTestDatabase('streamflow_owner_test');
    databases.push(database.drop);
    return database.url;
  };
  const copyOf = (warehouse: string) => {
    const copy = tempDir();
    fs.cpSync(warehouse, copy, { recursive: true });
    return copy;
  };
  const sync = (warehouse: string, url: string, ...flags: string[]) => cli('--warehouse', warehouse, '--url', url, ...flags, 'sync-postgres');
  const spawnedSync = (warehouse: string, url: string, env: Record<string, string> = {}) =>
    spawnCli(['--warehouse', warehouse, '--url', url, 'sync-postgres'], env);

  beforeAll(async () => {
    realWarehouse('january', january);
    realWarehouse('february', february);
  });
  afterAll(async () => {
    for (const drop of databases) await drop();
  });

  it('a user table `labels` with other columns: exit 3 at once (no hang), nothing written, the table untouched, the warehouse free', async () => {
    const url = await newDatabase();
    await withClient(url, async (client) => {
      await client.query(`CREATE TABLE labels (id INTEGER PRIMARY KEY, note TEXT)`);
      await client.query(`INSERT INTO labels VALUES (1, 'mine'), (2, 'also mine')`);
    });
    const catalog = await catalogState(url);
    const rows = await mirrorState(url);
    const warehouse = copyOf(february);

    const refused = await exitWithin(spawnedSync(warehouse, url));
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/table public\.labels/);
    expect(refused.stderr).toMatch(/did not create/);
    expect(refused.stderr).toMatch(/another schema \(--schema\), or drop or rename public\.labels/);
    // Not a streamflow table created, not a trigger added, not a row changed.
    expect(await catalogState(url)).toEqual(catalog);
    expect(await mirrorState(url)).toEqual(rows);

    // The warehouse is not left open: the next ingest (a replay, recorded) runs as usual.
    const replay = await cli('--seeds', REAL, '--warehouse', warehouse, '--json', 'ingest', 'month_001', '2024-02-29');
    expect(replay.code, replay.stderr).toBe(0);
    // And the same sync into a schema of its own goes through beside the user's table.
    const elsewhere = await cli('--warehouse', warehouse, '--url', url, '--json', 'sync-postgres', '--schema', 'mirror');
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(await mirrorState(url)).toEqual(rows);
  });

  it("a user-made `labels` of exactly the mirror's columns, holding rows: exit 3, its rows and triggers unchanged", async () => {
    const url = await newDatabase();
    await withClient(url, async (client) => {
      await client.query(`CREATE TABLE labels (user_id TEXT NOT NULL PRIMARY KEY, churn_label BOOLEAN NOT NULL)`);
      await client.query(`INSERT INTO labels VALUES ('7590-VHVEG', true), ('0000-MINE', false)`);
    });
    const catalog = await catalogState(url);
    const rows = await mirrorState(url);
    const refused = await sync(february, url);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/table public\.labels/);
    expect(await catalogState(url)).toEqual(catalog);
    expect(await mirrorState(url)).toEqual(rows);
    await withClient(url, async (client) => {
      expect((await client.query(`SELECT user_id, churn_label FROM labels ORDER BY user_id`)).rows).toEqual([
        { user_id: '0000-MINE', churn_label: false },
        { user_id: '7590-VHVEG', churn_label: true },
      ]);
    });
  });

  it("another warehouse synced into a schema holding this one's mirror: exit 3 naming both identities, the mirror still February's", async () => {
    const url = await newDatabase();
    const owner = copyOf(february);
    expect((await sync(owner, url)).code).toBe(0);
    const other = tempDir();
    expect((await cli('--seeds', SEEDS, '--warehouse', other, 'ingest', 'month_000', '2024-01-31')).code).toBe(0);
    const [ownerId, otherId] = [await warehouseIdOf(owner), await warehouseIdOf(other)];
    expect(ownerId).not.toBe(otherId);
    const before = await mirrorState(url);
    const catalog = await catalogState(url);

    const refused = await sync(other, url, '--json');
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.json.error).toMatchObject({ kind: 'refused', exit_code: 3 });
    expect(refused.stderr).toContain(`this warehouse:     ${otherId}`);
    expect(refused.stderr).toContain(`the mirror's owner: ${ownerId}`);
    expect(await mirrorState(url)).toEqual(before);
    expect(await catalogState(url)).toEqual(catalog);
    // Every ledger row carries the owner's identity, and the live tables are still at February.
    await withClient(url, async (client) => {
      expect((await client.query(`SELECT DISTINCT warehouse_id FROM streamflow_sync`)).rows).toEqual([{ warehouse_id: ownerId }]);
      expect((await client.query(`SELECT DISTINCT to_char(as_of, 'YYYY-MM-DD') AS as_of FROM streamflow_sync WHERE table_name = 'labels'`)).rows).toEqual([
        { as_of: '2024-02-29' },
      ]);
    });
    const verify = await cli('--warehouse', owner, '--url', url, '--json', 'verify', '--postgres');
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.json).toMatchObject({ ok: true, compared: 30, findings: [] });

    // The same refusal ends `ingest --sync-postgres` of the other warehouse with exit 4 (its sync task failed), the run committed.
    const run = await cli('--seeds', SEEDS, '--warehouse', other, '--url', url, '--json', 'ingest', 'month_001', '2024-02-29', '--sync-postgres');
    expect(run.code, run.stderr).toBe(4);
    expect(run.json).toMatchObject({ status: 'succeeded', exit_code: 4 });
    expect(run.stderr).toContain(ownerId);
    expect(await mirrorState(url)).toEqual(before);
  });

  it('a mirror made by the release before identities is claimed only by the warehouse that froze every partition its ledger lists', async () => {
    const url = await newDatabase();
    const warehouse = copyOf(january);
    expect((await sync(warehouse, url)).code).toBe(0);
    await asEarlierRelease(url);
    const before = await mirrorState(url);

    // A warehouse of other months (the synthetic seeds as January): its partitions are not the ledger's.
    const other = tempDir();
    expect((await cli('--seeds', SEEDS, '--warehouse', other, 'ingest', 'month_000', '2024-01-31')).code).toBe(0);
    const refused = await sync(other, url);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/made by an earlier release, which recorded no warehouse identity/);
    expect(refused.stderr).toMatch(/labels_snapshots as_of 2024-01-31/);
    expect(await mirrorState(url)).toEqual(before);

    // The warehouse that made it claims it, and goes on to February.
    expect((await cli('--seeds', REAL, '--warehouse', warehouse, 'ingest', 'month_001', '2024-02-29')).code).toBe(0);
    const claimed = await sync(warehouse, url, '--json');
    expect(claimed.code, claimed.stderr).toBe(0);
    expect(claimed.stderr).toMatch(/claiming the mirror in schema public, made by an earlier release/);
    const id = await warehouseIdOf(warehouse);
    await withClient(url, async (client) => {
      expect((await client.query(`SELECT DISTINCT warehouse_id FROM streamflow_sync`)).rows).toEqual([{ warehouse_id: id }]);
      expect((await client.query(`SELECT obj_description('labels'::regclass, 'pg_class') AS mark`)).rows[0].mark).toContain(`warehouse ${id}`);
    });
    const verify = await cli('--warehouse', warehouse, '--url', url, '--json', 'verify', '--postgres');
    expect(verify.json).toMatchObject({ ok: true, compared: 30 });
    // Claimed once: the next sync is an ordinary one.
    const again = await sync(warehouse, url, '--json');
    expect(again.json.rows_written).toBe(0);
    expect(again.stderr).not.toMatch(/claiming/);
  });

  it('a lock on the ledger held by another session: exit 4 within the lock timeout, not a wait, and the next sync completes', async () => {
    const url = await newDatabase();
    expect((await sync(copyOf(january), url)).code).toBe(0);
    const before = await mirrorState(url);
    // The same warehouse a month later, with February to send.
    const warehouse = copyOf(february);
    const failed = await withClient(url, async (client) => {
      await client.query('BEGIN');
      await client.query('LOCK TABLE streamflow_sync IN ACCESS EXCLUSIVE MODE');
      try {
        return await exitWithin(spawnedSync(warehouse, url, { STREAMFLOW_PG_LOCK_TIMEOUT_MS: '1500' }));
      } finally {
        await client.query('ROLLBACK');
      }
    });
    expect(failed.code, failed.stderr).toBe(4);
    expect(failed.stderr).toMatch(/lock timeout \(another session held a lock the sync needed for over 1500 ms; STREAMFLOW_PG_LOCK_TIMEOUT_MS/);
    expect(failed.stderr).not.toMatch(/retrying/);
    expect(await mirrorState(url)).toEqual(before);
    const next = await sync(warehouse, url);
    expect(next.code, next.stderr).toBe(0);
  });

  it('a COPY the server rejects ends the process at once with exit 4 (no DuckDB work left running), PostgreSQL unchanged', async () => {
    const url = await newDatabase();
    expect((await sync(copyOf(january), url)).code).toBe(0);
    // The same warehouse a month later, with February to send.
    const warehouse = copyOf(february);
    // A constraint added by hand that February's rows break: the COPY fails while DuckDB still sums the partition.
    await withClient(url, (client) => client.query(`ALTER TABLE usage_agg_30d_snapshots ADD CONSTRAINT only_january CHECK (as_of < DATE '2024-02-01')`));
    const before = await mirrorState(url);
    for (let attempt = 0; attempt < 2; attempt++) {
      const failed = await exitWithin(spawnedSync(warehouse, url));
      expect(failed.code, failed.stderr).toBe(4);
      expect(failed.stderr).toMatch(/violates check constraint "only_january"/);
    }
    expect(await mirrorState(url)).toEqual(before);
  });
});
