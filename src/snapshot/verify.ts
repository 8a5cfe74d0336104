// verify: every frozen file re-read and checked against the manifest; every file under
// snapshots/ that the manifest does not name (other than the partitions' own manifests)
// is reported too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SnapshotEntry } from '../artifacts';
import { sha256File } from '../engine/files';
import { PARTITION_MANIFEST, type WarehouseLayout } from '../warehouse/layout';

export interface VerifyFinding {
  readonly path: string;
  readonly problem: 'changed' | 'missing' | 'unexpected';
  readonly detail: string;
}

export async function verifySnapshots(layout: WarehouseLayout, manifest: readonly SnapshotEntry[]): Promise<VerifyFinding[]> {
  const findings = await checkFrozenFiles(layout, manifest);
  const known = new Set(manifest.map((entry) => entry.path));
  for (const file of listFiles(layout.snapshots)) {
    const relative = path.relative(layout.root, file);
    if (!known.has(relative) && path.basename(file) !== PARTITION_MANIFEST)
      findings.push({ path: relative, problem: 'unexpected', detail: 'not in the manifest' });
  }
  return findings.sort((a, b) => a.path.localeCompare(b.path));
}

/** The named frozen files that are missing or whose bytes no longer hash to their manifest sha256. */
export async function checkFrozenFiles(layout: WarehouseLayout, entries: readonly SnapshotEntry[]): Promise<VerifyFinding[]> {
  const findings: VerifyFinding[] = [];
  for (const entry of entries) {
    const file = path.join(layout.root, entry.path);
    if (!fs.existsSync(file)) {
      // Committed but not yet renamed into place: a run killed between COMMIT and publishing.
      const staged = fs.existsSync(path.join(layout.staging, entry.run_id, entry.path));
      const detail = `frozen by run ${entry.run_id}${staged ? `, still staged in .staging/${entry.run_id}: the next ingest publishes it` : ''}`;
      findings.push({ path: entry.path, problem: 'missing', detail });
      continue;
    }
    const sha256 = await sha256File(file);
    if (sha256 !== entry.sha256) {
      findings.push({ path: entry.path, problem: 'changed', detail: `sha256 ${sha256}, manifest ${entry.sha256}` });
    }
  }
  return findings;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}
