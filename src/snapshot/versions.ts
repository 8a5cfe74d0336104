// Versions of an as_of and knowledge time. An as_of is frozen once (version 1) and each
// `ingest --correction` of it adds the next version, editing none. A reader picks, per
// table and as_of, the newest version recorded at or before its knowledge time
// (`--known-at`; now when it gives none), so what it reads with a given knowledge time is
// the same whenever it reads again. The newest version of an as_of is in its partition
// folder; a superseded one has been moved, unchanged, to its `_versions` folder (layout.ts).
import * as path from 'node:path';
import type { SnapshotEntry, SnapshotVersion } from '../artifacts';
import { InvocationError } from '../errors';
import { supersededPartitionDir } from '../warehouse/layout';

// A date, or a date and time (`T` or a space) with optional seconds and fraction, and
// optionally `Z` or an offset (±HH:MM or ±HHMM).
const KNOWN_AT_PATTERN = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `--known-at` as a UTC instant in recorded_at's form (ISO 8601, milliseconds, `Z`). A
 * date alone is its first instant; no zone means UTC; a finer fraction is cut to
 * milliseconds, which loses nothing in comparing with recorded_at. Throws InvocationError (exit 2).
 */
export function parseKnownAt(text: string): string {
  const match = KNOWN_AT_PATTERN.exec(text.trim());
  const invalid = () =>
    new InvocationError(
      `--known-at ${JSON.stringify(text)} is not an ISO 8601 timestamp; give a date (2024-03-10) or a date and time (2024-03-10T14:30:00Z, 2024-03-10 14:30:00.5+01:00)`,
    );
  if (!match) throw invalid();
  const [, date, hours = '00', minutes = '00', seconds = '00', fraction = '', zone = 'Z'] = match;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const instant = new Date(`${date}T${hours}:${minutes}:${seconds}.${millis}${offset}`);
  // Date rolls 2024-02-30 over to March 1st and 24:00 to the next day: a timestamp that is not on the calendar is refused.
  const [year, month, day] = date.split('-').map(Number);
  const onCalendar = new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10) === date;
  if (Number.isNaN(instant.getTime()) || !onCalendar || Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) throw invalid();
  return instant.toISOString();
}

/**
 * Per table and as_of, the newest version recorded at or before `knownAt` (every newest
 * one without it), with `path` where its file is now: its partition folder for the newest
 * version of all, its `_versions` folder for a superseded one. Sorted by table and as_of.
 */
export function versionsKnownAt(versions: readonly SnapshotVersion[], knownAt?: string): SnapshotVersion[] {
  const chosen = new Map<string, SnapshotVersion>();
  for (const entry of locateVersions(versions)) {
    if (knownAt !== undefined && entry.recorded_at > knownAt) continue;
    const partition = partitionKey(entry);
    const current = chosen.get(partition);
    if (!current || entry.version > current.version) chosen.set(partition, entry);
  }
  return [...chosen.values()].sort((a, b) => (a.table_name === b.table_name ? a.as_of.localeCompare(b.as_of) : a.table_name.localeCompare(b.table_name)));
}

/**
 * Every version with `path` where its file is now (the database and the partition's
 * _manifest.json keep the path where it was frozen, never edited): the partition folder
 * for the newest version of its table and as_of, its `_versions` folder for one a
 * correction superseded. Same order as given.
 */
export function locateVersions<T extends SnapshotEntry>(versions: readonly T[]): T[] {
  const newest = new Map<string, number>();
  for (const entry of versions) newest.set(partitionKey(entry), Math.max(newest.get(partitionKey(entry)) ?? 0, entry.version));
  return versions.map((entry) => (entry.version === newest.get(partitionKey(entry)) ? entry : { ...entry, path: supersededPath(entry) }));
}

/** Where a superseded version's data file is: its `_versions` folder, the file keeping its name. */
export function supersededPath(entry: SnapshotEntry): string {
  return path.join(supersededPartitionDir(entry.table_name, entry.as_of, entry.version), path.basename(entry.path));
}

function partitionKey(entry: SnapshotEntry): string {
  return `${entry.table_name}\u0000${entry.as_of}`;
}
