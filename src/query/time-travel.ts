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

/**
 * What `--as-of` resolved to, for the line a person reads on stderr: the as_of each table
 * answers with (one date when they agree) and how many days before the asked date it is,
 * so that an answer from a month long past is never taken for a current one.
 */
export function describeResolution(asked: string, bound: ReadonlyMap<string, SnapshotEntry>): string {
  const dates = [...new Set([...bound.values()].map((entry) => entry.as_of))].sort();
  const days = (date: string) => Math.round((Date.parse(`${asked}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / 86_400_000);
  const age = (date: string) => (days(date) === 0 ? 'that day' : `${days(date)} day${days(date) === 1 ? '' : 's'} before ${asked}`);
  if (dates.length === 1) return `--as-of ${asked}: resolved to ${dates[0]}, ${age(dates[0])}`;
  const tables = [...bound.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([table, entry]) => `${table} ${entry.as_of}`)
    .join(', ');
  return `--as-of ${asked}: tables resolve to different as_of dates (${tables}); the oldest, ${dates[0]}, is ${age(dates[0])}`;
}
