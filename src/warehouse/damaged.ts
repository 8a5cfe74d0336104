// A warehouse database file that is there but cannot be read as one: empty, truncated
// (a copy cut short, a full disk), or overwritten. Refused (exit 3) by every command that
// opens it, naming the file, what seems wrong and the way back; nothing is changed, and no
// command creates a new database over it (its history would become unknown to the tool).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RefusedError } from '../errors';
import { warehouseLayout } from './layout';

/** A DuckDB database file starts with its main header and two database headers, 4 KiB each. */
const HEADER_BYTES = 12_288;

const DATABASE_FILE = path.basename(warehouseLayout('.').database);

function sizeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

function bytes(count: number): string {
  return `${count} bytes`;
}

function refusal(file: string, what: string): RefusedError {
  const wal = `${file}.wal`;
  const aside = fs.existsSync(wal) ? `mv ${file} ${file}.damaged && mv ${wal} ${wal}.damaged` : `mv ${file} ${file}.damaged`;
  return new RefusedError(
    `${file} is damaged: ${what}. Nothing was changed, and no command creates a new database over it. ` +
      `Restore it from a backup, or move it aside (${aside}) and run \`streamflow rebuild\` to recreate it from the snapshot files and their manifests.`,
  );
}

/** Before DuckDB is asked: a file too short to hold a database's headers (0 bytes included) is refused. */
export function refuseDamagedDatabase(database: string): void {
  const size = sizeOf(database);
  if (size === undefined || size >= HEADER_BYTES) return;
  throw refusal(
    database,
    size === 0 ? 'it is empty (0 bytes)' : `it is truncated (${bytes(size)}, shorter than the ${bytes(HEADER_BYTES)} of a DuckDB file's headers)`,
  );
}

/**
 * DuckDB's error for a database file it cannot read, as the refusal above; undefined for
 * any other error. `database` is the file that was being attached; without it, only an
 * error that names a warehouse database file (streamflow.duckdb) is taken, such as a read
 * past the end of a truncated file long after it was attached.
 */
export function damagedDatabase(error: unknown, database?: string): RefusedError | undefined {
  if (error instanceof RefusedError) return undefined;
  const message = error instanceof Error ? error.message : String(error);
  const named = /file "([^"]+)"/.exec(message)?.[1];
  const file = database ?? (named !== undefined && path.basename(named) === DATABASE_FILE ? named : undefined);
  if (file === undefined) return undefined;
  const short = /Could not read enough bytes from file "[^"]*": attempted to read (\d+) bytes from location (\d+)/.exec(message);
  if (short) {
    const size = sizeOf(file);
    const end = Number(short[1]) + Number(short[2]);
    return refusal(file, `it is truncated (it ends at ${bytes(size ?? 0)}, but its data runs on to byte ${end} at least)`);
  }
  if (/not a valid DuckDB database file/.test(message)) return refusal(file, 'it is not a DuckDB database file (its header is missing or overwritten)');
  const corrupt = /Corrupt database file: (.*)/.exec(message);
  if (corrupt) return refusal(file, `it is corrupt (${corrupt[1].replace(/[.!]+$/, '')})`);
  return undefined;
}
