// `query --as-of DATE`: each table name answers with its snapshot at the newest as_of at or
// before DATE, so the same SQL runs against any month; `snapshots.<table>` keeps serving
// every as_of. The views themselves are written with the other query views (index.ts).
import type { SnapshotEntry } from '../artifacts';
import { InvocationError } from '../errors';

/** The partition each table answers with at `asOf`, by table name; refuses a date before the first snapshot. */
export function partitionsAsOf(manifest: readonly SnapshotEntry[], asOf: string): Map<string, SnapshotEntry> {
  const first = manifest.map((entry) => entry.as_of).sort()[0];
  if (first === undefined || asOf < first) {
    throw new InvocationError(
      `--as-of ${asOf}: no snapshot at or before that date (${first === undefined ? 'nothing is frozen yet' : `the first is ${first}`})`,
    );
  }
  const bound = new Map<string, SnapshotEntry>();
  // The manifest is ordered by table, then as_of: the last entry at or before the date wins.
  for (const entry of manifest) if (entry.as_of <= asOf) bound.set(entry.table_name, entry);
  return bound;
}
