// The one module that talks to PostgreSQL (through `pg`, bulk rows through
// pg-copy-streams). Errors leave here as SyncError naming host, port and database:
// never the URL, which may carry a password.
import * as fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StreamflowError } from '../errors';
import { faultPoint } from '../faults';

/** Exit 4: PostgreSQL could not be reached or the sync did not complete; the warehouse is unchanged, the next sync catches up. */
export class SyncError extends StreamflowError {
  readonly exitCode = 4;
  readonly kind = 'sync_failed';
  constructor(
    message: string,
    /** Worth another attempt: the server was down, restarting, or dropped the connection. */
    readonly transient: boolean,
  ) {
    super(message);
  }
}

// Class 08 (connection exception), 57P01-57P03 (shut down, crashed, starting up), and
// the socket errors of a server that is not there (yet) or went away. A refused login
// (28P01, 28000) or bad data is not transient: retrying cannot fix it.
const TRANSIENT_SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code) || TRANSIENT_SOCKET_ERRORS.has(code))) return true;
  return /Connection terminated|connection timeout|server closed the connection/i.test(String((error as Error)?.message ?? error));
}

export interface Postgres {
  /** `host:port/database`, safe to print. */
  readonly where: string;
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; returns the rows it affected. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Streams a CSV file (no header) into `COPY <target> FROM STDIN`; returns the rows copied. */
  copyCsv(target: string, file: string): Promise<number>;
  close(): Promise<void>;
}

/** Rewraps any error from the server or the socket as a SyncError naming only where. */
export function postgresError(where: string, error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  const message = (error instanceof Error ? error.message : String(error)) || String((error as { code?: unknown })?.code ?? 'unknown error');
  return new SyncError(`PostgreSQL at ${where}: ${message}`, isTransient(error));
}

export async function connectPostgres(url: string): Promise<Postgres> {
  // Loaded on first use: every other command (and an ingest without sync) starts ~45 ms sooner.
  const { Client } = await import('pg');
  const { from: copyFrom } = await import('pg-copy-streams');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: 'streamflow' });
  const where = `${client.host}:${client.port}/${client.database}`;
  // A connection that drops while idle emits 'error'; the next query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    // The text forms the checksum relies on, whatever the server's defaults.
    await client.query(`SET DateStyle = 'ISO'; SET extra_float_digits = 1; SET client_encoding = 'UTF8'`);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw postgresError(where, error);
  }
  return {
    where,
    async query(sql, params) {
      try {
        return (await client.query(sql, params as unknown[])).rows;
      } catch (error) {
        throw postgresError(where, error);
      }
    },
    async execute(sql, params) {
      try {
        return (await client.query(sql, params as unknown[])).rowCount ?? 0;
      } catch (error) {
        throw postgresError(where, error);
      }
    },
    async copyCsv(target, file) {
      const copy = client.query(copyFrom(`COPY ${target} FROM STDIN (FORMAT csv)`));
      let first = true;
      // Crash tests stop the process here, with the COPY begun and its first rows sent.
      const tap = new Transform({
        transform(chunk, _encoding, callback) {
          if (!first) return callback(null, chunk);
          first = false;
          this.push(chunk);
          void faultPoint('sync-mid-copy').then(() => callback());
        },
      });
      try {
        await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), tap, copy);
      } catch (error) {
        throw postgresError(where, error);
      }
      return copy.rowCount;
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}
