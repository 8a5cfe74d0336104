// History that nothing can destroy (issue 10), on the real exports: a lost database, an
// adversarial query, an old export under a new date, a damaged warehouse and bad paths
// or settings each end in a named refusal, with live tables, snapshot bytes and `verify`
// exactly as before.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskSecret } from '../src/config';
import { openEngine, quoteLiteral } from '../src/engine/duckdb';
import {
  cli,
  copyMonths,
  liveFingerprint,
  query,
  REAL,
  REAL_EXPORTS,
  realWarehouse,
  requirePrerequisite,
  SEEDS,
  sha256,
  snapshotFiles,
  tempDir,
  warehouseState,
} from './helpers';

const FEBRUARY_USERS = path.join('snapshots', 'users', 'as_of=2024-02-29', 'data_0.parquet');

/** Every file under the warehouse but its scratch space, with its bytes' digest: what "not a byte changed" means. */
function everyByte(warehouse: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.staging') walk(full);
      } else result[path.relative(warehouse, full)] = sha256(full);
    }
  };
  walk(warehouse);
  return result;
}

describe.runIf(requirePrerequisite(REAL_EXPORTS))('history that nothing can destroy, on the real exports', () => {
  /** month_000 then month_001, cleanly. */
  const february = tempDir();
  let februaryState: Awaited<ReturnType<typeof warehouseState>>;
  const twin = () => {
    const warehouse = tempDir();
    fs.cpSync(february, warehouse, { recursive: true });
    return warehouse;
  };
  const ingest = (warehouse: string, month: string, asOf: string, seeds = REAL, ...flags: string[]) =>
    cli('--seeds', seeds, '--warehouse', warehouse, ...flags, 'ingest', month, asOf);
  const verifies = async (warehouse: string) => (await cli('--warehouse', warehouse, 'verify')).code === 0;

  beforeAll(async () => {
    realWarehouse('february', february);
    februaryState = await warehouseState(february);
  });

  describe('a missing streamflow.duckdb', () => {
    it('is refused by ingest (exit 3, naming what was found and `rebuild`); validate writes only its report; nothing is deleted', async () => {
      const warehouse = twin();
      const database = path.join(warehouse, 'streamflow.duckdb');
      const aside = path.join(tempDir(), 'streamflow.duckdb');
      fs.renameSync(database, aside);
      const reports = fs.readdirSync(path.join(warehouse, 'reports')).sort();

      const validate = await cli('--seeds', REAL, '--warehouse', warehouse, '--json', 'validate', 'month_001', '--as-of', '2024-02-29');
      expect(validate.code, validate.stderr).toBe(0);
      expect(fs.existsSync(database)).toBe(false);
      expect(fs.readdirSync(path.join(warehouse, 'reports')).sort()).toEqual([...reports, validate.json.run_id].sort());

      const refused = await ingest(warehouse, 'month_001', '2024-02-29');
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/holds 12 snapshot partitions, 2 run reports but no streamflow\.duckdb/);
      expect(refused.stderr).toContain('streamflow rebuild');
      expect(fs.existsSync(database)).toBe(false);
      expect(snapshotFiles(warehouse)).toEqual(februaryState.files);
      expect(fs.readdirSync(path.join(warehouse, 'reports')).length).toBe(reports.length + 1);

      fs.renameSync(aside, database);
      expect(await warehouseState(warehouse)).toEqual(februaryState);
      expect(await verifies(warehouse)).toBe(true);
    });

    it('a database that lists none of the partitions on disk (an older backup) is refused, not cleaned up after', async () => {
      const warehouse = twin();
      const empty = tempDir();
      expect((await ingest(empty, 'month_000', '2024-01-31')).code).toBe(0);
      fs.rmSync(path.join(warehouse, 'streamflow.duckdb'));
      fs.copyFileSync(path.join(empty, 'streamflow.duckdb'), path.join(warehouse, 'streamflow.duckdb'));
      const result = await ingest(warehouse, 'month_001', '2024-02-29');
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/snapshot partition\(s\) on disk are not in the manifest/);
      expect(snapshotFiles(warehouse)).toEqual(februaryState.files);
    });

    it('rebuild recreates it: snapshots, verify, live tables, replays and the next month equal those of the untouched twin', async () => {
      const untouched = twin();
      const rebuilt = twin();
      fs.rmSync(path.join(rebuilt, 'streamflow.duckdb'));
      fs.rmSync(path.join(rebuilt, 'catalog.duckdb'));
      const result = await cli('--warehouse', rebuilt, '--json', 'rebuild');
      expect(result.code, result.stderr).toBe(0);
      expect(result.json).toMatchObject({ partitions: 12, runs: expect.any(Array) });
      expect(result.json.runs).toHaveLength(2);
      // The database, and the catalog of views over it that a run leaves (query/catalog.ts).
      expect(fs.readdirSync(rebuilt).filter((name) => name.includes('duckdb'))).toEqual(['catalog.duckdb', 'streamflow.duckdb']);

      expect((await cli('--warehouse', rebuilt, '--json', 'snapshots')).json).toEqual((await cli('--warehouse', untouched, '--json', 'snapshots')).json);
      expect(await verifies(rebuilt)).toBe(true);
      expect(await liveFingerprint(rebuilt)).toEqual(await liveFingerprint(untouched));
      expect(await query(rebuilt, 'SELECT run_id, month, as_of, status FROM meta.runs ORDER BY run_id')).toEqual(
        await query(untouched, `SELECT run_id, month, as_of, status FROM meta.runs ORDER BY run_id`),
      );

      for (const [month, asOf] of [
        ['month_000', '2024-01-31'],
        ['month_001', '2024-02-29'],
      ]) {
        const replay = await ingest(rebuilt, month, asOf, REAL, '--json');
        expect(replay.code, replay.stderr).toBe(0);
        expect(replay.json.status).toBe('unchanged');
      }
      // A third month: month_001 with one user's watch hours changed.
      const seeds = copyMonths(REAL, ['month_001']);
      fs.renameSync(path.join(seeds, 'month_001'), path.join(seeds, 'month_002'));
      const usage = path.join(seeds, 'month_002', 'usage_agg_30d.csv');
      const lines = fs.readFileSync(usage, 'utf8').split('\n');
      const cells = lines[5].split(',');
      cells[1] = String(Number(cells[1]) + 1);
      lines[5] = cells.join(',');
      fs.writeFileSync(usage, lines.join('\n'));
      for (const warehouse of [untouched, rebuilt]) expect((await ingest(warehouse, 'month_002', '2024-03-31', seeds)).code).toBe(0);
      expect(snapshotFiles(rebuilt)).toEqual(snapshotFiles(untouched));
      expect(await liveFingerprint(rebuilt)).toEqual(await liveFingerprint(untouched));
    });

    it('rebuild refuses to replace a database that exists (exit 3)', async () => {
      const warehouse = twin();
      const result = await cli('--warehouse', warehouse, 'rebuild');
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/exists: rebuild only recreates a lost database/);
      expect(await warehouseState(warehouse)).toEqual(februaryState);
    });
  });

  describe('query cannot change a byte under the warehouse', () => {
    // Each is something a person might send; none may write, and each says why it failed.
    const attacks = (warehouse: string): [string, RegExp][] => {
      const frozen = quoteLiteral(path.join(warehouse, FEBRUARY_USERS));
      const database = quoteLiteral(path.join(warehouse, 'streamflow.duckdb'));
      return [
        [`COPY (SELECT 1 AS user_id) TO ${frozen}`, /not a COPY statement/],
        [`COPY (SELECT 1 AS user_id) TO ${frozen} (FORMAT parquet, USE_TMP_FILE false)`, /not a COPY statement/],
        [`ATTACH ${database} AS x`, /not a ATTACH statement/],
        [`DETACH wh; ATTACH ${database} AS wh; DROP TABLE wh.main.users; DELETE FROM wh.meta.snapshots`, /not 4 statements/],
        [`SET access_mode = 'READ_WRITE'`, /not a SET statement/],
        [`RESET enable_external_access`, /not a SET statement/],
        [`INSTALL httpfs`, /not a LOAD statement/],
        [`CREATE TABLE wh.main.x AS SELECT 1`, /not a CREATE statement/],
        [`DROP TABLE users`, /not a DROP statement/],
        [`UPDATE users SET user_gender = NULL`, /not a UPDATE statement/],
        [`CHECKPOINT`, /not a CALL statement/],
        [`PRAGMA enable_profiling`, /not a PRAGMA statement/],
        [`SELECT 1; COPY (SELECT 1) TO ${frozen}`, /not 2 statements \(SELECT, COPY\)/],
        [`EXPLAIN ANALYZE COPY (SELECT 1) TO ${frozen} (USE_TMP_FILE false)`, /not a EXPLAIN statement/],
        [
          `EXPORT DATABASE ${quoteLiteral(path.join(warehouse, 'snapshots', 'users', 'as_of=2024-02-29'))} (FORMAT parquet)`,
          /file system operations are disabled/,
        ],
        [`SELECT * FROM read_csv('/etc/passwd')`, /file system operations are disabled/],
      ];
    };

    it('every attack fails with its reason, and the warehouse is byte for byte as before', async () => {
      const warehouse = twin();
      const before = everyByte(warehouse);
      for (const [sql, reason] of attacks(warehouse)) {
        const result = await cli('--warehouse', warehouse, 'query', sql);
        expect(result.code, sql).not.toBe(0);
        expect(result.stderr, sql).toMatch(reason);
      }
      expect(everyByte(warehouse)).toEqual(before);
      expect(await verifies(warehouse)).toBe(true);
      expect((await ingest(warehouse, 'month_001', '2024-02-29')).code).toBe(0);
      expect(await warehouseState(warehouse)).toEqual(februaryState);
    });

    it('--out writes the result by extension, and refuses a target inside the warehouse, even through a symlink', async () => {
      const warehouse = twin();
      const outside = tempDir();
      const engine = await openEngine();
      // The users of both frozen months in query order, read from the snapshot files themselves.
      const frozen = (
        await engine.rows<{ user_id: string }>(
          `SELECT user_id FROM read_parquet(${quoteLiteral(path.join(warehouse, 'snapshots', 'labels', '*', '*.parquet'))}, hive_partitioning = true) ORDER BY user_id, as_of`,
        )
      ).map((row) => row.user_id);
      expect(frozen).toHaveLength(2 * 7043);
      // Each file read back by a reader of its format: its rows, in order.
      const written: Record<string, (file: string) => Promise<string[]>> = {
        csv: async (file) =>
          fs
            .readFileSync(file, 'utf8')
            .trimEnd()
            .split('\n')
            .slice(1)
            .map((line) => line.split(',')[0]),
        json: async (file) => JSON.parse(fs.readFileSync(file, 'utf8')).map((row: { user_id: string }) => row.user_id),
        parquet: async (file) => (await engine.rows<{ user_id: string }>(`SELECT user_id FROM read_parquet(${quoteLiteral(file)})`)).map((row) => row.user_id),
        arrow: async (file) => [...tableFromIPC(fs.readFileSync(file)).getChild('user_id')!].map(String),
      };
      try {
        for (const [extension, read] of Object.entries(written)) {
          const file = path.join(outside, `labels.${extension}`);
          const result = await cli('--warehouse', warehouse, 'query', '--out', file, 'SELECT * FROM snapshots.labels ORDER BY user_id, as_of');
          expect(result.code, result.stderr).toBe(0);
          expect(result.stdout).toContain('wrote 14086 rows');
          expect(await read(file), extension).toEqual(frozen);
        }
        const [row] = await engine.rows(
          `SELECT count(*) AS n, count(DISTINCT as_of) AS months FROM read_parquet(${quoteLiteral(path.join(outside, 'labels.parquet'))})`,
        );
        expect(row).toEqual({ n: 14086, months: 2 });
      } finally {
        engine.close();
      }

      const before = everyByte(warehouse);
      const link = path.join(outside, 'frozen.parquet');
      fs.symlinkSync(path.join(warehouse, FEBRUARY_USERS), link);
      for (const target of [link, path.join(warehouse, 'snapshots', 'users', 'as_of=2024-02-29', 'x.csv')]) {
        const result = await cli('--warehouse', warehouse, 'query', '--out', target, 'SELECT 1 AS user_id');
        expect(result.code).toBe(3);
        expect(result.stderr).toMatch(/inside the warehouse/);
      }
      expect(everyByte(warehouse)).toEqual(before);
    });
  });

  describe('the same inputs never freeze twice', () => {
    it('month_000 as 2024-03-31 and month_001 as 2024-04-30 are refused: by the calendar (exit 2), and as byte-identical copies under other names (exit 3, naming the as_of they are frozen under)', async () => {
      const warehouse = twin();
      const seeds = copyMonths(REAL, ['month_000', 'month_001']);
      const copies = [
        ['month_000', 'march-export', '2024-03-31', '2024-01-31'],
        ['month_001', 'april-export', '2024-04-30', '2024-02-29'],
      ];
      for (const [month, copy, asOf, frozen] of copies) {
        const byName = await ingest(warehouse, month, asOf, seeds);
        expect(byName.code).toBe(2);
        expect(byName.stderr).toContain(`${month} is the export of as_of ${frozen}`);
        fs.cpSync(path.join(seeds, month), path.join(seeds, copy), { recursive: true });
        const byContent = await ingest(warehouse, copy, asOf, seeds);
        expect(byContent.code).toBe(3);
        expect(byContent.stderr).toContain(`already frozen as_of ${frozen}`);
      }
      expect(await warehouseState(warehouse)).toEqual(februaryState);
      expect(await verifies(warehouse)).toBe(true);
    });
  });

  describe('a damaged warehouse degrades', () => {
    it('with a snapshot file gone, live queries work, a snapshot query names it, and the replay is refused naming it (exit 3, not 70)', async () => {
      const warehouse = twin();
      const missing = path.join(warehouse, FEBRUARY_USERS);
      const kept = fs.readFileSync(missing);
      fs.rmSync(missing);

      expect(await query(warehouse, 'SELECT count(*)::INTEGER AS n FROM users')).toEqual([{ n: 7043 }]);
      expect(await query(warehouse, 'SELECT count(*)::INTEGER AS n FROM snapshots.labels')).toEqual([{ n: 14086 }]);
      expect(await query(warehouse, `SELECT count(*)::INTEGER AS n FROM snapshots.users WHERE as_of = DATE '2024-01-31'`)).toEqual([{ n: 7043 }]);
      const touching = await cli('--warehouse', warehouse, 'query', 'SELECT count(*) FROM snapshots.users');
      expect(touching.code).toBe(2);
      expect(touching.stderr).toContain(`snapshot file ${FEBRUARY_USERS} is missing`);
      expect(touching.stderr).toContain('streamflow verify');

      const replay = await ingest(warehouse, 'month_001', '2024-02-29');
      expect(replay.code).toBe(3);
      expect(replay.stderr).toContain(`${FEBRUARY_USERS} (missing)`);
      expect(replay.stderr).toContain('streamflow verify');

      fs.writeFileSync(missing, kept);
      expect(await warehouseState(warehouse)).toEqual(februaryState);
      expect(await verifies(warehouse)).toBe(true);
    });

    it('with a snapshot file altered, the replay is refused naming it (exit 3)', async () => {
      const warehouse = twin();
      const altered = path.join(warehouse, FEBRUARY_USERS);
      const kept = fs.readFileSync(altered);
      const bytes = Buffer.from(kept);
      bytes[Math.floor(bytes.length / 2)] ^= 0x01;
      fs.writeFileSync(altered, bytes);
      const replay = await ingest(warehouse, 'month_001', '2024-02-29');
      expect(replay.code).toBe(3);
      expect(replay.stderr).toContain(`${FEBRUARY_USERS} (changed)`);
      fs.writeFileSync(altered, kept);
      expect(await warehouseState(warehouse)).toEqual(februaryState);
    });
  });

  describe('bad paths and settings are named errors', () => {
    it('a table path that is a folder: exit 1 naming it, the run recorded, nothing changed', async () => {
      const warehouse = twin();
      const seeds = copyMonths(REAL, ['month_001']);
      fs.rmSync(path.join(seeds, 'month_001', 'labels.csv'));
      fs.mkdirSync(path.join(seeds, 'month_001', 'labels.csv'));
      const result = await ingest(warehouse, 'month_001', '2024-02-29', seeds, '--json');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/labels failed expect_table_file_to_exist — .*labels\.csv is a directory/);
      const [run] = await query<{ status: string; exit_code: number }>(
        warehouse,
        `SELECT status, exit_code FROM meta.runs WHERE run_id = '${result.json.run_id}'`,
      );
      expect(run).toEqual({ status: 'rejected', exit_code: 1 });
      expect(await warehouseState(warehouse)).toEqual(februaryState);
    });

    it('a table file that resolves outside its month folder: exit 2, not read, nothing written', async () => {
      const warehouse = twin();
      const seeds = copyMonths(REAL, ['month_001']);
      const secret = path.join(tempDir(), 'secret.csv');
      fs.writeFileSync(secret, 'the first line of a private file\n');
      fs.rmSync(path.join(seeds, 'month_001', 'labels.csv'));
      fs.symlinkSync(secret, path.join(seeds, 'month_001', 'labels.csv'));
      const reports = fs.readdirSync(path.join(warehouse, 'reports')).length;
      const result = await ingest(warehouse, 'month_001', '2024-02-29', seeds);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/labels\.csv resolves to .*secret\.csv, outside the month folder/);
      expect(result.stderr).not.toContain('private file');
      expect(fs.readdirSync(path.join(warehouse, 'reports')).length).toBe(reports);
      expect(await warehouseState(warehouse)).toEqual(februaryState);
    });

    it('mixed CRLF/LF line ends name the first offending line (exit 1)', async () => {
      const warehouse = twin();
      const seeds = copyMonths(REAL, ['month_001']);
      const file = path.join(seeds, 'month_001', 'labels.csv');
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      fs.writeFileSync(file, `${lines.slice(0, 40).join('\r\n')}\n${lines.slice(40).join('\r\n')}`);
      const result = await ingest(warehouse, 'month_001', '2024-02-29', seeds);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('labels failed expect_file_to_be_well_formed_csv — line 40 ends with LF, the lines before it with CRLF');
      expect(await warehouseState(warehouse)).toEqual(februaryState);
    });
  });
});

// Settings are checked before any data is read: the committed seeds do.
describe('bad settings are named errors', () => {
  it('every password form in a connection URL is masked by config', async () => {
    const url = 'postgres://ana:userinfo-secret@db:5432/streamflow?sslmode=require&password=param-secret&SSLPassword=ssl-secret';
    const result = await cli('--url', url, '--json', 'config');
    const printed = JSON.stringify(result.json);
    for (const secret of ['userinfo-secret', 'param-secret', 'ssl-secret']) expect(printed).not.toContain(secret);
    expect(maskSecret(url)).toBe('postgres://ana:****@db:5432/streamflow?sslmode=require&password=****&SSLPassword=****');
    expect(maskSecret('host=db password=kv-secret')).toBe('****');
  });

  it.each([
    ['--threads', '0', /--threads .* whole number ≥ 1, not "0" \(usage: --threads 4\)/],
    ['--threads', 'many', /not "many"/],
    ['--memory-limit', 'lots', /--memory-limit .* a size such as 512MB or 4GB, not "lots"/],
  ])('%s %s is an invalid invocation (exit 2), not a crash, and writes nothing', async (flag, value, message) => {
    const warehouse = path.join(tempDir(), 'warehouse');
    const result = await cli(flag, value, '--seeds', SEEDS, '--warehouse', warehouse, 'ingest', 'month_000', '2024-01-31');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(fs.existsSync(warehouse)).toBe(false);
  });
});
