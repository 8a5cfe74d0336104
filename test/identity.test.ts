// Nothing the tool writes can land on history (issue 21), on the real exports: every
// warehouse has an identity, recorded in each partition's _manifest.json; rebuild adopts
// nothing from another warehouse and no history with holes unless told; verify checks the
// manifests themselves; recovery touches only the staging it can prove a run of this
// warehouse created. In every case the files under snapshots/ are exactly as before.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUN_MARKER } from '../src/warehouse/layout';
import { cli, liveFingerprint, query, REAL, REAL_EXPORTS, realWarehouse, requirePrerequisite, SEEDS, sha256, tempDir } from './helpers';

const DATABASE = 'streamflow.duckdb';
const JANUARY_LABELS = path.join('snapshots', 'labels', 'as_of=2024-01-31');

/** Every file under `dir` (manifests included), with its bytes' digest; a symlink as its target. */
function treeBytes(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isSymbolicLink()) result[path.relative(dir, full)] = `-> ${fs.readlinkSync(full)}`;
      else if (entry.isDirectory()) walk(full);
      else result[path.relative(dir, full)] = sha256(full);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return result;
}

const snapshotBytes = (warehouse: string) => treeBytes(path.join(warehouse, 'snapshots'));

describe.runIf(requirePrerequisite(REAL_EXPORTS))('warehouse identity, on the real exports', () => {
  /** A: both real months. */
  const a = tempDir();
  /** B: the synthetic month_000 under the same as_of: another history with the same table names. */
  const b = tempDir();
  let aId: string;
  let bId: string;

  const ingest = (warehouse: string, month: string, asOf: string, seeds = REAL) => cli('--seeds', seeds, '--warehouse', warehouse, 'ingest', month, asOf);
  const copyOf = (warehouse: string) => {
    const copy = tempDir();
    fs.cpSync(warehouse, copy, { recursive: true, verbatimSymlinks: true });
    return copy;
  };
  const identity = async (warehouse: string) =>
    (await query<{ value: string }>(warehouse, `SELECT value FROM meta.schema_info WHERE key = 'warehouse_id'`))[0]?.value;
  /** A copy of A whose database is gone (moved out of the warehouse folder). */
  const withoutDatabase = () => {
    const warehouse = copyOf(a);
    fs.renameSync(path.join(warehouse, DATABASE), path.join(tempDir(), DATABASE));
    return warehouse;
  };

  beforeAll(async () => {
    realWarehouse('february', a);
    expect((await ingest(b, 'month_000', '2024-01-31', SEEDS)).code).toBe(0);
    aId = await identity(a);
    bId = await identity(b);
  }, 300_000);

  it('every partition manifest names its warehouse, and the database records each manifest file’s sha256', async () => {
    expect(aId).toMatch(/^[0-9a-f-]{36}$/);
    expect(bId).toMatch(/^[0-9a-f-]{36}$/);
    expect(aId).not.toBe(bId);
    const recorded = await query<{ path: string; manifest_sha256: string }>(a, 'SELECT path, manifest_sha256 FROM meta.snapshots ORDER BY path');
    expect(recorded).toHaveLength(12);
    for (const row of recorded) {
      const manifest = path.join(a, path.dirname(row.path), '_manifest.json');
      expect(JSON.parse(fs.readFileSync(manifest, 'utf8'))).toMatchObject({ schema_version: '4', warehouse_id: aId, path: row.path });
      expect(row.manifest_sha256).toBe(sha256(manifest));
    }
  });

  describe('recovery touches only what it can prove it created', () => {
    it('.staging (or its spill folder) a symlink to an outside folder: the ingest is refused (exit 3) and the folder is byte-identical', async () => {
      for (const link of ['.staging', path.join('.staging', 'spill')]) {
        const warehouse = copyOf(a);
        const outside = tempDir('streamflow-outside-');
        fs.mkdirSync(path.join(outside, 'important_project', 'src'), { recursive: true });
        fs.writeFileSync(path.join(outside, 'important_project', 'src', 'main.ts'), 'export const answer = 42;\n');
        fs.writeFileSync(path.join(outside, 'notes.txt'), 'do not delete\n');
        const before = treeBytes(outside);
        const snapshots = snapshotBytes(warehouse);
        fs.rmSync(path.join(warehouse, link), { recursive: true, force: true });
        fs.symlinkSync(outside, path.join(warehouse, link));

        const result = await ingest(warehouse, 'month_001', '2024-02-29');
        expect(result.code, result.stderr).toBe(3);
        expect(result.stderr).toContain(`${path.join(warehouse, link)} is a symlink to ${outside}`);
        expect(result.stderr).toMatch(/never writes or deletes through it; remove the link/);
        expect(treeBytes(outside)).toEqual(before);
        expect(snapshotBytes(warehouse)).toEqual(snapshots);
      }
    });

    it('entries of .staging that are not a marked run of this warehouse are left alone and named; a marked uncommitted run is removed', async () => {
      const warehouse = copyOf(a);
      const staging = path.join(warehouse, '.staging');
      const outside = tempDir('streamflow-outside-');
      fs.writeFileSync(path.join(outside, 'keep.txt'), 'mine\n');
      fs.mkdirSync(path.join(staging, 'important_project'), { recursive: true });
      fs.writeFileSync(path.join(staging, 'important_project', 'draft.md'), 'draft\n');
      fs.symlinkSync(outside, path.join(staging, '20240301T000000Z-0000aa')); // named like a run, a link
      fs.mkdirSync(path.join(staging, '20240301T000000Z-0000bb')); // named like a run, no marker
      fs.writeFileSync(path.join(staging, '20240301T000000Z-0000bb', 'data.bin'), 'x');
      const foreign = path.join(staging, '20240301T000000Z-0000cc'); // a marker of another warehouse
      fs.mkdirSync(foreign);
      fs.writeFileSync(path.join(foreign, RUN_MARKER), JSON.stringify({ run_id: '20240301T000000Z-0000cc', warehouse_id: bId }));
      const ours = path.join(staging, '20240301T000000Z-0000dd'); // a run of this warehouse that never committed
      fs.mkdirSync(path.join(ours, 'snapshots', 'labels', 'as_of=2024-03-31'), { recursive: true });
      fs.writeFileSync(path.join(ours, RUN_MARKER), JSON.stringify({ run_id: '20240301T000000Z-0000dd', warehouse_id: aId }));
      fs.writeFileSync(path.join(ours, 'snapshots', 'labels', 'as_of=2024-03-31', 'data_0.parquet'), 'half written');
      const strays = ['important_project', '20240301T000000Z-0000aa', '20240301T000000Z-0000bb', '20240301T000000Z-0000cc'];
      const before = treeBytes(staging);
      const outsideBefore = treeBytes(outside);
      const snapshots = snapshotBytes(warehouse);

      const result = await ingest(warehouse, 'month_001', '2024-02-29');
      expect(result.code, result.stderr).toBe(0);
      for (const stray of strays) expect(result.stderr).toContain(`recovery: left ${path.join('.staging', stray)} as it is`);
      expect(result.stderr).toContain(`recovery: removed ${path.join('.staging', '20240301T000000Z-0000dd')}`);
      const after = treeBytes(staging);
      for (const [file, digest] of Object.entries(before)) {
        if (file.startsWith('20240301T000000Z-0000dd')) expect(after[file]).toBeUndefined();
        else expect(after[file], file).toBe(digest);
      }
      expect(fs.readdirSync(staging).sort()).toEqual([...strays, 'spill'].sort());
      expect(treeBytes(outside)).toEqual(outsideBefore);
      expect(snapshotBytes(warehouse)).toEqual(snapshots);
    });
  });

  describe('rebuild', () => {
    it('refuses a partition of another warehouse (exit 3, naming it and both identities), with --allow-missing-partitions too; nothing is created', async () => {
      const warehouse = withoutDatabase();
      fs.rmSync(path.join(warehouse, JANUARY_LABELS), { recursive: true });
      fs.cpSync(path.join(b, JANUARY_LABELS), path.join(warehouse, JANUARY_LABELS), { recursive: true });
      const snapshots = snapshotBytes(warehouse);
      for (const flags of [[], ['--allow-missing-partitions']]) {
        const result = await cli('--warehouse', warehouse, 'rebuild', ...flags);
        expect(result.code, result.stderr).toBe(3);
        expect(result.stderr).toContain(`warehouse ${aId}: 11 partitions`);
        expect(result.stderr).toContain(`warehouse ${bId}: 1 partition (${JANUARY_LABELS})`);
        expect(result.stderr).toMatch(/adopts nothing from another/);
        expect(result.stderr).toMatch(/Move the partition folders of the other warehouse/);
        expect(fs.readdirSync(warehouse).filter((name) => name.includes('duckdb'))).toEqual([]);
        expect(snapshotBytes(warehouse)).toEqual(snapshots);
      }
    });

    it('refuses partitions of one as_of frozen by different runs, even when their manifests predate identities (version 1)', async () => {
      const warehouse = withoutDatabase();
      fs.rmSync(path.join(warehouse, JANUARY_LABELS), { recursive: true });
      fs.cpSync(path.join(b, JANUARY_LABELS), path.join(warehouse, JANUARY_LABELS), { recursive: true });
      const manifest = path.join(warehouse, JANUARY_LABELS, '_manifest.json');
      const { warehouse_id: _id, ...older } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      fs.writeFileSync(manifest, `${JSON.stringify({ ...older, schema_version: '1' }, null, 2)}\n`);
      const snapshots = snapshotBytes(warehouse);
      const result = await cli('--warehouse', warehouse, 'rebuild', '--allow-missing-partitions');
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toMatch(/as_of 2024-01-31: run \S+ \(labels\); run \S+ \(payments_agg_90d, subscriptions, support_agg_90d, usage_agg_30d, users\)/);
      expect(fs.existsSync(path.join(warehouse, DATABASE))).toBe(false);
      expect(snapshotBytes(warehouse)).toEqual(snapshots);
    });

    it('refuses a history with a table missing for an as_of, naming it; --allow-missing-partitions rebuilds and lists it', async () => {
      const warehouse = withoutDatabase();
      fs.rmSync(path.join(warehouse, JANUARY_LABELS), { recursive: true });
      const snapshots = snapshotBytes(warehouse);
      const refused = await cli('--warehouse', warehouse, 'rebuild');
      expect(refused.code, refused.stderr).toBe(3);
      expect(refused.stderr).toMatch(/lacks 1 partition of a frozen as_of \(table as_of\): labels 2024-01-31\./);
      expect(refused.stderr).toContain('--allow-missing-partitions');
      expect(fs.readdirSync(warehouse).filter((name) => name.includes('duckdb'))).toEqual([]);

      const allowed = await cli('--warehouse', warehouse, '--json', 'rebuild', '--allow-missing-partitions');
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(allowed.json).toMatchObject({ warehouse_id: aId, partitions: 11, missing_partitions: [{ table: 'labels', as_of: '2024-01-31' }] });
      expect(allowed.stderr).toMatch(/no partition of labels for as_of 2024-01-31/);
      expect(await identity(warehouse)).toBe(aId);
      expect((await cli('--warehouse', warehouse, 'verify')).code).toBe(0);
      expect(snapshotBytes(warehouse)).toEqual(snapshots);
    });

    it('a clean rebuild keeps the warehouse identity; verify passes; live tables as before', async () => {
      const warehouse = withoutDatabase();
      const snapshots = snapshotBytes(warehouse);
      const result = await cli('--warehouse', warehouse, '--json', 'rebuild');
      expect(result.code, result.stderr).toBe(0);
      expect(result.json).toMatchObject({ warehouse_id: aId, partitions: 12, missing_partitions: [] });
      expect(await identity(warehouse)).toBe(aId);
      const verified = await cli('--warehouse', warehouse, 'verify');
      expect(verified.code, verified.stderr).toBe(0);
      expect(await liveFingerprint(warehouse)).toEqual(await liveFingerprint(a));
      expect(await query(warehouse, 'SELECT path, manifest_sha256 FROM meta.snapshots ORDER BY path')).toEqual(
        await query(a, 'SELECT path, manifest_sha256 FROM meta.snapshots ORDER BY path'),
      );
      expect(snapshotBytes(warehouse)).toEqual(snapshots);
      // The next run writes manifests in the same name.
      expect((await ingest(warehouse, 'month_001', '2024-02-29')).code).toBe(0);
    });
  });

  describe('verify checks the manifests themselves', () => {
    it('an untouched warehouse verifies (exit 0)', async () => {
      const result = await cli('--warehouse', a, '--json', 'verify');
      expect(result.code, result.stderr).toBe(0);
      expect(result.json).toMatchObject({ files: 12, ok: true, findings: [] });
    });

    it('a _manifest.json whose sha256 was edited: exit 1, naming that manifest and the field', async () => {
      const warehouse = copyOf(a);
      const relative = path.join(JANUARY_LABELS, '_manifest.json');
      const manifest = path.join(warehouse, relative);
      const edited = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      edited.sha256 = `${edited.sha256.startsWith('0') ? '1' : '0'}${edited.sha256.slice(1)}`;
      fs.writeFileSync(manifest, `${JSON.stringify(edited, null, 2)}\n`);
      const snapshots = snapshotBytes(warehouse);

      const result = await cli('--warehouse', warehouse, 'verify');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`changed: ${relative} (`);
      expect(result.stderr).toMatch(/file sha256 [0-9a-f]{64}, recorded [0-9a-f]{64}/);
      expect(result.stderr).toContain(`field sha256: "${edited.sha256}" here`);
      const json = await cli('--warehouse', warehouse, '--json', 'verify');
      expect(json.json).toMatchObject({ files: 12, ok: false, findings: [{ path: relative, problem: 'changed' }] });
      expect(snapshotBytes(warehouse)).toEqual(snapshots);
    });

    it('a deleted _manifest.json: exit 1, naming it as missing; one of another warehouse: changed, naming warehouse_id; one in an unlisted folder: unexpected', async () => {
      const warehouse = copyOf(a);
      const deleted = path.join('snapshots', 'users', 'as_of=2024-02-29', '_manifest.json');
      fs.rmSync(path.join(warehouse, deleted));
      const replaced = path.join('snapshots', 'labels', 'as_of=2024-02-29', '_manifest.json');
      const foreign = JSON.parse(fs.readFileSync(path.join(b, JANUARY_LABELS, '_manifest.json'), 'utf8'));
      const own = JSON.parse(fs.readFileSync(path.join(warehouse, replaced), 'utf8'));
      fs.writeFileSync(path.join(warehouse, replaced), `${JSON.stringify({ ...own, warehouse_id: foreign.warehouse_id }, null, 2)}\n`);
      const stray = path.join('snapshots', 'labels', 'as_of=2024-03-31', '_manifest.json');
      fs.mkdirSync(path.join(warehouse, path.dirname(stray)));
      fs.copyFileSync(path.join(b, JANUARY_LABELS, '_manifest.json'), path.join(warehouse, stray));
      const snapshots = snapshotBytes(warehouse);

      const result = await cli('--warehouse', warehouse, 'verify');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`missing: ${deleted} (the partition manifest of users as_of 2024-02-29`);
      expect(result.stderr).toContain(`changed: ${replaced} (`);
      expect(result.stderr).toContain(`field warehouse_id: "${bId}" here, this warehouse is ${aId}`);
      expect(result.stderr).toContain(`unexpected: ${stray}`);
      const json = await cli('--warehouse', warehouse, '--json', 'verify');
      expect(json.json.findings.map((finding: { path: string; problem: string }) => [finding.path, finding.problem])).toEqual([
        [replaced, 'changed'],
        [stray, 'unexpected'],
        [deleted, 'missing'],
      ]);
      expect(snapshotBytes(warehouse)).toEqual(snapshots);
    });
  });
});
