// The one module that talks to PostgreSQL (through `pg`, bulk rows through
// pg-copy-streams). Errors leave here as SyncError naming host, port and database:
// never the URL, which may carry a password.
//
// Nothing here waits without bound: the login has connectionTimeoutMillis, every
// statement the server's statement_timeout (and a client-side read timeout a little
// longer, for a server that stops answering altogether), every lock wait lock_timeout, a
// transaction left idle idle_in_transaction_session_timeout; close() ends the client and,
// should the goodbye not come back, destroys its socket. A failed COPY ends its streams
// (pipeline destroys them; the COPY stream sends CopyFail). So a sync that cannot finish
// ends with exit 4 instead of keeping the process, and the warehouse, open.
import * as fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvocationError, StreamflowError } from '../errors';
import { faultPoint } from '../faults';

/** Exit 4: PostgreSQL could not be reached or the sync did not complete; the warehouse is unchanged, the next sync catches up. */
export class SyncError extends StreamflowError {
  readonly exitCode = 4;
  readonly kind = 'sync_failed';
  constructor(
    message: string,
    /** Worth another attempt: the server was down, restarting, or dropped the connection. */
    readonly transient: boolean,
    /** The server's SQLSTATE (or the socket's error code), when there was one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The bounds of every wait on PostgreSQL, in milliseconds. */
export interface PostgresTimeouts {
  /** Login (TCP connect, TLS, authentication). */
  readonly connectMs: number;
  /** Any one statement, COPY included (server-side statement_timeout). */
  readonly statementMs: number;
  /** Any one wait for a lock another session holds (server-side lock_timeout). */
  readonly lockMs: number;
}

// Defaults: a lock held by someone else for 10 s is a session that will not let go soon
// (a sync's own statements hold locks for milliseconds to seconds); 5 minutes is far beyond
// any statement of a month's sync at a million users (the COPY of a partition takes
// seconds), yet a scheduler sees the failure within minutes, not never. The environment
// can lower them (the tests do) or raise them for a slow link.
const TIMEOUT_SETTINGS = {
  connectMs: { env: 'STREAMFLOW_PG_CONNECT_TIMEOUT_MS', fallback: 10_000 },
  statementMs: { env: 'STREAMFLOW_PG_STATEMENT_TIMEOUT_MS', fallback: 300_000 },
  lockMs: { env: 'STREAMFLOW_PG_LOCK_TIMEOUT_MS', fallback: 10_000 },
} as const;

/** The timeouts of a connection: STREAMFLOW_PG_{CONNECT,STATEMENT,LOCK}_TIMEOUT_MS, else the defaults above. */
export function postgresTimeouts(env: NodeJS.ProcessEnv = process.env): PostgresTimeouts {
  const read = ({ env: name, fallback }: { env: string; fallback: number }) => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0)
      throw new InvocationError(`${name} must be a positive whole number of milliseconds, not ${JSON.stringify(text)}`);
    return value;
  };
  return { connectMs: read(TIMEOUT_SETTINGS.connectMs), statementMs: read(TIMEOUT_SETTINGS.statementMs), lockMs: read(TIMEOUT_SETTINGS.lockMs) };
}

/**
 * A transaction left idle this long (at least; the statement bound if longer) is ended by
 * the server, locks and all: between its statements a sync only has DuckDB write a CSV or
 * sum a partition, seconds at most, so only a process stopped mid-sync leaves it idle.
 */
const IDLE_IN_TRANSACTION_MS = 60_000;

/** SQLSTATE of a lock wait that lock_timeout ended. */
export const LOCK_TIMEOUT = '55P03';
/** SQLSTATE of a statement statement_timeout (or a cancel) ended. */
const QUERY_CANCELED = '57014';

/** The client's own bound on a reply, beyond the server's statement_timeout: for a server (or a network) that stops answering. */
function readTimeoutMs(timeouts: PostgresTimeouts): number {
  return timeouts.statementMs + 30_000;
}

/** Resolves with `work`'s outcome, or with undefined after `ms` (the timer does not keep the process alive). */
async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

// Class 08 (connection exception), 57P01-57P03 (shut down, crashed, starting up), and
// the socket errors of a server that is not there (yet), did not answer the login in
// time, or went away. A refused login (28P01, 28000), bad data, or a bound that ended a
// statement is not transient: retrying cannot fix it, and would multiply the wait.
const TRANSIENT_SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code) || TRANSIENT_SOCKET_ERRORS.has(code))) return true;
  return /Connection terminated|connection timeout|timeout expired|server closed the connection/i.test(String((error as Error)?.message ?? error));
}

export interface Postgres {
  /** `host:port/database`, safe to print. */
  readonly where: string;
  /** The bounds this connection waits within. */
  readonly timeouts: PostgresTimeouts;
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; returns the rows it affected. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Streams a CSV file (no header) into `COPY <target> FROM STDIN`; returns the rows copied. */
  copyCsv(target: string, file: string): Promise<number>;
  /** Rolls the open transaction back; never throws, never waits more than a few seconds (a dead connection is rolled back by the server). */
  rollback(): Promise<void>;
  /** Ends the connection: politely, then by destroying the socket if the server does not answer. */
  close(): Promise<void>;
}

/** Rewraps any error from the server or the socket as a SyncError naming only where. */
export function postgresError(where: string, error: unknown, timeouts: PostgresTimeouts): SyncError {
  if (error instanceof SyncError) return error;
  const rawCode = (error as { code?: unknown })?.code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  let message = (error instanceof Error ? error.message : String(error)) || String(code ?? 'unknown error');
  // Say which bound ended the wait, and how to move it.
  if (code === LOCK_TIMEOUT && /lock timeout/i.test(message))
    message += ` (another session held a lock the sync needed for over ${timeouts.lockMs} ms; STREAMFLOW_PG_LOCK_TIMEOUT_MS sets the bound)`;
  else if (code === QUERY_CANCELED && /statement timeout/i.test(message))
    message += ` (a statement ran for over ${timeouts.statementMs} ms; STREAMFLOW_PG_STATEMENT_TIMEOUT_MS sets the bound)`;
  else if (/Query read timeout/.test(message))
    message = `the server stopped answering: no reply within ${readTimeoutMs(timeouts)} ms (STREAMFLOW_PG_STATEMENT_TIMEOUT_MS plus 30 s)`;
  else if (/timeout expired/.test(message) && !code) message = `could not log in within ${timeouts.connectMs} ms (STREAMFLOW_PG_CONNECT_TIMEOUT_MS)`;
  return new SyncError(`PostgreSQL at ${where}: ${message}`, isTransient(error), code);
}

export async function connectPostgres(url: string, timeouts: PostgresTimeouts = postgresTimeouts()): Promise<Postgres> {
  // Loaded on first use: every other command (and an ingest without sync) starts ~45 ms sooner.
  const { Client } = await import('pg');
  const { from: copyFrom } = await import('pg-copy-streams');
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: timeouts.connectMs,
    query_timeout: readTimeoutMs(timeouts),
    keepAlive: true,
    application_name: 'streamflow',
  });
  const where = `${client.host}:${client.port}/${client.database}`;
  // A connection that drops while idle emits 'error'; the next query reports it.
  client.on('error', () => undefined);
  /** Ends the client; if the server does not see it off within 5 s, destroys the socket (the server then rolls back). */
  const end = async () => {
    await within(
      client.end().catch(() => undefined),
      5_000,
    );
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  };
  try {
    await client.connect();
    // The text forms the checksum relies on, whatever the server's defaults; and the bounds
    // of every wait. SET rather than startup parameters, which a pooler may refuse.
    await client.query(
      `SET DateStyle = 'ISO'; SET extra_float_digits = 1; SET client_encoding = 'UTF8';
       SET statement_timeout = ${timeouts.statementMs}; SET lock_timeout = ${timeouts.lockMs};
       SET idle_in_transaction_session_timeout = ${Math.max(timeouts.statementMs, IDLE_IN_TRANSACTION_MS)}`,
    );
  } catch (error) {
    await end();
    throw postgresError(where, error, timeouts);
  }
  return {
    where,
    timeouts,
    async query(sql, params) {
      try {
        return (await client.query(sql, params as unknown[])).rows;
      } catch (error) {
        throw postgresError(where, error, timeouts);
      }
    },
    async execute(sql, params) {
      try {
        return (await client.query(sql, params as unknown[])).rowCount ?? 0;
      } catch (error) {
        throw postgresError(where, error, timeouts);
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
      // pipeline destroys every stream when one fails: the file is closed, and a COPY the
      // server has not failed itself is failed by its stream (CopyFail), so the connection
      // is ready for the ROLLBACK.
      try {
        await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), tap, copy);
      } catch (error) {
        throw postgresError(where, error, timeouts);
      }
      return copy.rowCount;
    },
    async rollback() {
      await within(
        client.query('ROLLBACK').catch(() => undefined),
        5_000,
      );
    },
    close: end,
  };
}
