// The manifest each partition folder carries beside its data file: the database's
// manifest row, the identity of the warehouse that froze it (version 2) and what the
// freezing run knew (month, input file hashes, pipeline, contract version: version 3), enough for `rebuild` to
// recreate the database from the files alone; and since version 4 which version of its as_of
// it is, when it was recorded, the correction's reason and who ran it. The database records each manifest's own
// sha256 (meta.snapshots.manifest_sha256), so `verify` names one that was edited.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type FreezingRun, PARTITION_MANIFEST_VERSION, type PartitionManifest, type RecordedSnapshot, type RunRecord, type SnapshotEntry } from '../artifacts';
import { partitionManifestFile } from '../warehouse/layout';

/**
 * Writes `_manifest.json` into each staged partition folder under `stagingRoot`, naming
 * the warehouse that freezes it; returns the entries with each manifest's sha256, as
 * meta.snapshots records them.
 */
export function writePartitionManifests(
  stagingRoot: string,
  entries: readonly SnapshotEntry[],
  run: FreezingRun & Pick<RunRecord, 'ended_at' | 'run_by' | 'amendment'>,
  warehouseId: string,
): RecordedSnapshot[] {
  return entries.map((entry) => {
    const manifest: PartitionManifest = {
      schema_version: PARTITION_MANIFEST_VERSION,
      ...snapshotEntryOf(entry),
      // The run records the version when it ends, inside its transaction (record/index.ts).
      recorded_at: run.ended_at,
      reason: run.amendment?.reason ?? null,
      run_by: run.run_by ?? null,
      warehouse_id: warehouseId,
      month: run.month,
      month_path: run.month_path,
      pipeline_fingerprint: run.pipeline_fingerprint,
      input_files: run.input_files,
      contract_version: run.contract_version,
    };
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    fs.writeFileSync(path.join(stagingRoot, partitionManifestFile(entry.table_name, entry.as_of)), text);
    return { ...snapshotEntryOf(entry), manifest_sha256: sha256Text(text) };
  });
}

/** The manifest row fields of an entry, and nothing else; a manifest written before versions (version 4) is version 1. */
export function snapshotEntryOf({ table_name, as_of, path: file, rows, bytes, sha256, run_id, version }: SnapshotEntry): SnapshotEntry {
  return { table_name, as_of, path: file, rows, bytes, sha256, run_id, version: version ?? 1 };
}

/** The fields a partition manifest shares with its meta.snapshots row, compared one by one by `verify`. */
export const MANIFEST_ROW_FIELDS = ['table_name', 'as_of', 'path', 'rows', 'bytes', 'sha256', 'run_id'] as const satisfies readonly (keyof SnapshotEntry)[];

export interface ManifestFile {
  /** The file's bytes as text, hashed as they are. */
  readonly text: string;
  readonly sha256: string;
  /** Parsed; null when it is not a JSON object. */
  readonly manifest: PartitionManifest | null;
}

/** A partition manifest file as it is on disk; null when there is none. */
export function readManifestFile(file: string): ManifestFile | null {
  let buffer: Buffer;
  try {
    buffer = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const text = buffer.toString('utf8');
  return { text, sha256: createHash('sha256').update(buffer).digest('hex'), manifest: parseManifest(text) };
}

function parseManifest(text: string): PartitionManifest | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as PartitionManifest) : null;
  } catch {
    return null;
  }
}

function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
