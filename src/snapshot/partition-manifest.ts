// The manifest each partition folder carries beside its data file: the database's
// manifest row plus what the freezing run knew (month, input file hashes, pipeline),
// enough for `rebuild` to recreate the database from the files alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type FreezingRun, PARTITION_MANIFEST_VERSION, type PartitionManifest, type SnapshotEntry } from '../artifacts';
import { partitionManifestFile } from '../warehouse/layout';

/** Writes `_manifest.json` into each staged partition folder under `stagingRoot`. */
export function writePartitionManifests(stagingRoot: string, entries: readonly SnapshotEntry[], run: FreezingRun): void {
  for (const entry of entries) {
    const manifest: PartitionManifest = {
      schema_version: PARTITION_MANIFEST_VERSION,
      ...entry,
      month: run.month,
      month_path: run.month_path,
      pipeline_fingerprint: run.pipeline_fingerprint,
      input_files: run.input_files,
    };
    fs.writeFileSync(path.join(stagingRoot, partitionManifestFile(entry.table_name, entry.as_of)), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}

/** A partition manifest file; null when it is missing or does not parse. */
export function readPartitionManifest(file: string): PartitionManifest | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as PartitionManifest;
  } catch {
    return null;
  }
}
