// verify: every frozen file re-read and checked against the manifest; every partition's
// own _manifest.json checked too (there, hashing to the sha256 the database recorded for
// it, and saying field by field what the database's row says, in this warehouse's
// name); every file under snapshots/ that the manifest does not name is reported.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RecordedSnapshot, SnapshotEntry } from '../artifacts';
import { type Engine, sqlFile } from '../engine/duckdb';
import { sha256File } from '../engine/files';
import { readWarehouseIdIfAny } from '../warehouse/identity';
import { PARTITION_MANIFEST, type WarehouseLayout } from '../warehouse/layout';
import { MANIFEST_ROW_FIELDS, readManifestFile } from './partition-manifest';
import { locateVersions } from './versions';

export interface VerifyFinding {
  readonly path: string;
  readonly problem: 'changed' | 'missing' | 'unexpected';
  readonly detail: string;
}

/** What verify checks the files against: the manifest rows with their manifest hashes, and the warehouse's identity (null before schema 5). */
export interface RecordedManifest {
  readonly entries: readonly RecordedSnapshot[];
  readonly warehouseId: string | null;
}

export async function readRecordedManifest(engine: Engine): Promise<RecordedManifest> {
  const rows = await engine.rows<Record<string, string | null>>(sqlFile('snapshot/recorded-manifest'));
  const entries = rows.map(
    (row) =>
      ({
        table_name: row.table_name,
        as_of: row.as_of,
        path: row.path,
        rows: Number(row.rows),
        bytes: Number(row.bytes),
        sha256: row.sha256,
        run_id: row.run_id,
        // NULL in rows written before schema 7 (and absent from a warehouse of an older schema): version 1.
        version: Number(row.version ?? 1),
        manifest_sha256: row.manifest_sha256 ?? null,
      }) as RecordedSnapshot,
  );
  return { entries, warehouseId: await readWarehouseIdIfAny(engine) };
}

/**
 * Every version of every partition, where it is now (versions.ts: the newest in its
 * partition folder, a superseded one in its `_versions` folder), against its recorded row.
 */
export async function verifySnapshots(layout: WarehouseLayout, { entries, warehouseId }: RecordedManifest): Promise<VerifyFinding[]> {
  const located = locateVersions(entries);
  const findings = [...(await checkFrozenFiles(layout, located)), ...checkPartitionManifests(layout, entries, located, warehouseId)];
  const known = new Set(located.map((entry) => entry.path));
  const partitions = new Set(located.map((entry) => path.dirname(entry.path)));
  for (const file of listFiles(layout.snapshots)) {
    const relative = path.relative(layout.root, file);
    if (path.basename(file) === PARTITION_MANIFEST) {
      if (!partitions.has(path.dirname(relative)))
        findings.push({ path: relative, problem: 'unexpected', detail: 'a partition manifest in a folder the manifest does not list' });
    } else if (!known.has(relative)) findings.push({ path: relative, problem: 'unexpected', detail: 'not in the manifest' });
  }
  return findings.sort((a, b) => a.path.localeCompare(b.path));
}

/** The named frozen files that are missing or whose bytes no longer hash to their manifest sha256. */
export async function checkFrozenFiles(layout: WarehouseLayout, entries: readonly SnapshotEntry[]): Promise<VerifyFinding[]> {
  const findings: VerifyFinding[] = [];
  for (const entry of entries) {
    const file = path.join(layout.root, entry.path);
    if (!fs.existsSync(file)) {
      findings.push({ path: entry.path, problem: 'missing', detail: `frozen by run ${entry.run_id}${stagedHint(layout, entry.run_id, entry.path)}` });
      continue;
    }
    const sha256 = await sha256File(file);
    if (sha256 !== entry.sha256) {
      findings.push({ path: entry.path, problem: 'changed', detail: `sha256 ${sha256}, manifest ${entry.sha256}` });
    }
  }
  return findings;
}

/**
 * Each listed partition's _manifest.json, in the folder where the version is now
 * (`located`, entry for entry): present; hashing to the sha256 recorded when it was frozen
 * (schema 5 on); whatever its version, agreeing with the database's row field by field (the
 * path where it was frozen included), and naming this warehouse when it names one
 * (version 2). One finding per manifest, naming everything that differs.
 */
function checkPartitionManifests(
  layout: WarehouseLayout,
  entries: readonly RecordedSnapshot[],
  located: readonly RecordedSnapshot[],
  warehouseId: string | null,
): VerifyFinding[] {
  const findings: VerifyFinding[] = [];
  for (const [index, entry] of entries.entries()) {
    const relative = path.join(path.dirname(located[index].path), PARTITION_MANIFEST);
    const file = readManifestFile(path.join(layout.root, relative));
    if (file === null) {
      const detail = `the partition manifest of ${entry.table_name} as_of ${entry.as_of}, frozen by run ${entry.run_id}${stagedHint(layout, entry.run_id, relative)}`;
      findings.push({ path: relative, problem: 'missing', detail });
      continue;
    }
    const differences: string[] = [];
    if (entry.manifest_sha256 !== null && file.sha256 !== entry.manifest_sha256)
      differences.push(`file sha256 ${file.sha256}, recorded ${entry.manifest_sha256}`);
    const { manifest } = file;
    if (manifest === null) differences.push('not a JSON object');
    else {
      for (const field of MANIFEST_ROW_FIELDS) {
        if (manifest[field] !== entry[field])
          differences.push(`field ${field}: ${JSON.stringify(manifest[field])} here, ${JSON.stringify(entry[field])} in the database`);
      }
      if (manifest.warehouse_id === undefined) {
        if (manifest.schema_version !== '1') differences.push(`field warehouse_id: none, in a manifest of version ${JSON.stringify(manifest.schema_version)}`);
      } else if (warehouseId !== null && manifest.warehouse_id !== warehouseId) {
        differences.push(`field warehouse_id: ${JSON.stringify(manifest.warehouse_id)} here, this warehouse is ${warehouseId}: it names another warehouse`);
      }
    }
    if (differences.length > 0) findings.push({ path: relative, problem: 'changed', detail: differences.join('; ') });
  }
  return findings;
}

/** Committed but not yet renamed into place: a run killed between COMMIT and publishing. */
function stagedHint(layout: WarehouseLayout, runId: string, relative: string): string {
  return fs.existsSync(path.join(layout.staging, runId, relative)) ? `, still staged in .staging/${runId}: the next ingest publishes it` : '';
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}
