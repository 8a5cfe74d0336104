// `query --as-of DATE`: each table name answers with its snapshot at the newest as_of at or
// before DATE, so the same SQL runs against any month; `snapshots.<table>` keeps serving
// every as_of. With `--known-at`, the manifest holds only what was known then (each as_of's
// newest version recorded at or before it). The views themselves are written with the other
// query views (index.ts).
import type { SnapshotVersion } from '../artifacts';
import { InvocationError } from '../errors';
import { parseKnownAt } from '../snapshot/versions';

/** The partition each table answers with at `asOf`, by table name; refuses a date before the first snapshot (known at `knownAt`). */
export function partitionsAsOf(manifest: readonly SnapshotVersion[], asOf: string, knownAt?: string): Map<string, SnapshotVersion> {
  const first = manifest.map((entry) => entry.as_of).sort()[0];
  if (first === undefined || asOf < first) {
    const known = knownAt === undefined ? '' : ` was known at ${knownAt} (--known-at)`;
    const nothing = knownAt === undefined ? 'nothing is frozen yet' : 'nothing was frozen by then';
    throw new InvocationError(`--as-of ${asOf}: no snapshot at or before that date${known} (${first === undefined ? nothing : `the first is ${first}`})`);
  }
  const bound = new Map<string, SnapshotVersion>();
  // The manifest is ordered by table, then as_of: the last entry at or before the date wins.
  for (const entry of manifest) if (entry.as_of <= asOf) bound.set(entry.table_name, entry);
  return bound;
}

/**
 * What `--as-of` resolved to, for the line a person reads on stderr: the as_of each table
 * answers with (one date when they agree) and how many days before the asked date it is,
 * so that an answer from a month long past is never taken for a current one; and, when a
 * version other than the first is read or a knowledge time was given, which versions.
 */
export function describeResolution(asked: string, bound: ReadonlyMap<string, SnapshotVersion>, knownAt?: string): string {
  const dates = [...new Set([...bound.values()].map((entry) => entry.as_of))].sort();
  const days = (date: string) => Math.round((Date.parse(`${asked}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / 86_400_000);
  const age = (date: string) => (days(date) === 0 ? 'that day' : `${days(date)} day${days(date) === 1 ? '' : 's'} before ${asked}`);
  const byTable = [...bound.entries()].sort(([a], [b]) => a.localeCompare(b));
  const resolved =
    dates.length === 1
      ? `--as-of ${asked}: resolved to ${dates[0]}, ${age(dates[0])}`
      : `--as-of ${asked}: tables resolve to different as_of dates (${byTable.map(([table, entry]) => `${table} ${entry.as_of}`).join(', ')}); the oldest, ${dates[0]}, is ${age(dates[0])}`;
  return `${resolved}${versionsRead(byTable, knownAt)}`;
}

/** `; version 2 of labels (labels fixed), known at …`: nothing when every table reads its first version and no knowledge time was given. */
function versionsRead(byTable: readonly (readonly [string, SnapshotVersion])[], knownAt: string | undefined): string {
  const corrected = byTable.filter(([, entry]) => entry.version > 1);
  if (corrected.length === 0 && knownAt === undefined) return '';
  const versions =
    corrected.length === 0
      ? 'version 1 of every table'
      : [
          ...corrected.map(([table, entry]) => `version ${entry.version} of ${table}${entry.reason ? ` (${entry.reason})` : ''}`),
          ...(corrected.length < byTable.length ? ['version 1 of the others'] : []),
        ].join(', ');
  return `; ${versions}${knownAt === undefined ? '' : `, as known at ${knownAt}`}`;
}

/**
 * `--known-at` as the UTC instant readers compare recorded_at with (snapshot/versions.ts
 * parseKnownAt), refused when it lies after `now` (exit 2): what will be known at a future
 * time may still change, so reading by it would not be reproducible.
 */
export function knowledgeTime(text: string, now: Date = new Date()): string {
  const knownAt = parseKnownAt(text);
  if (knownAt > now.toISOString()) {
    throw new InvocationError(
      `--known-at ${text} (${knownAt}) is in the future (now ${now.toISOString()}): what will be known then may still change; give a time up to now, or leave it out to read the newest versions`,
    );
  }
  return knownAt;
}
