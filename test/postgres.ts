// A real PostgreSQL for the sync tests: STREAMFLOW_TEST_PG_URL (default: the role .ci/run
// creates on the local server). Each test file gets its own database, dropped after.
// Without a reachable server the tests skip, saying why; with CI=true they fail instead.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { withRetry } from '../src/engine/retry';
import type { Prerequisite } from './helpers';

export const TEST_PG_URL = process.env.STREAMFLOW_TEST_PG_URL ?? 'postgres://streamflow:streamflow@127.0.0.1:5432/postgres';

/** The same server and credentials, another database. */
export function databaseUrl(database: string, base: string = TEST_PG_URL): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Why PostgreSQL tests cannot run here, or null when the server answers. Synchronous (a
 * child process tries to log in), because vitest decides what to skip while collecting.
 */
export function postgresUnavailable(): string | null {
  const probe = `const { Client } = require('pg');
    const client = new Client({ connectionString: process.env.PROBE_URL, connectionTimeoutMillis: 3000 });
    client.connect().then(() => client.end(), (error) => { process.stdout.write(error.message || String(error.code)); process.exitCode = 1; });`;
  const result = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { ...process.env, PROBE_URL: TEST_PG_URL } });
  if (result.status === 0) return null;
  const url = new URL(TEST_PG_URL);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname} (STREAMFLOW_TEST_PG_URL) is not reachable: ${result.stdout || result.stderr}`;
}

/** The server, for requirePrerequisite (./helpers): probed once, when a test file imports this. */
export const POSTGRES: Prerequisite = { name: 'PostgreSQL', missing: postgresUnavailable() };

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Makes the mirror in schema public as the release before versions left it: no `<table>_snapshot_versions`, a ledger keyed by (table_name, as_of). */
export async function asMirrorBeforeVersions(client: Client): Promise<void> {
  const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE '%\\_snapshot\\_versions'`);
  for (const { tablename } of tables.rows) await client.query(`DROP TABLE "${tablename}"`);
  await client.query(`DELETE FROM streamflow_sync WHERE table_name LIKE '%\\_snapshot\\_versions'`);
  await client.query(`ALTER TABLE streamflow_sync DROP COLUMN version`);
  await client.query(`ALTER TABLE streamflow_sync ADD PRIMARY KEY (table_name, as_of)`);
}

/** The mirror's content, as a person would look at it: the ledger and every table's rows and row-hash sum, in `schema`. */
export async function mirrorState(url: string, schema = 'public'): Promise<Record<string, string>> {
  return withClient(url, async (client) => {
    const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, [schema]);
    const state: Record<string, string> = {};
    for (const { tablename } of tables.rows) {
      const [row] = (
        await client.query(
          `SELECT count(*) AS n, coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text AS digest FROM "${schema}"."${tablename}" AS t`,
        )
      ).rows;
      state[tablename] = `${row.n}:${row.digest}`;
    }
    return state;
  });
}

/** What a schema holds besides rows: its relations and functions with their comments, and every trigger that is not a constraint's. */
export async function catalogState(url: string, schema = 'public'): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query(
      `SELECT 'relation ' || c.relname || ' (' || c.relkind::text || ') ' || coalesce(obj_description(c.oid, 'pg_class'), '-') AS item
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
       UNION ALL SELECT 'function ' || p.proname || ' ' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
       UNION ALL SELECT 'trigger ' || c.relname || '/' || t.tgname
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal
       UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname = $1
       ORDER BY 1`,
      [schema],
    );
    return rows.map((row) => String(row.item));
  });
}

/** A fresh database on the test server (unique name: other test runs may share the server); returns its URL and a drop. */
export async function createTestDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(TEST_PG_URL, (client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    url: databaseUrl(name),
    // Not WITH (FORCE): on PostgreSQL 15 it refuses to end an autovacuum worker busy in the
    // database (42501 for a role that is not superuser) for as long as one runs. So end our
    // own role's sessions (a killed sync may leave one), then a plain DROP, which stops
    // autovacuum itself and waits up to 5 s for the rest to go (55006 if one stays).
    drop: () =>
      withRetry(
        () =>
          withClient(TEST_PG_URL, async (client) => {
            await client.query(
              `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()`,
              [name],
            );
            await client.query(`DROP DATABASE IF EXISTS "${name}"`);
          }),
        {
          isTransient: (error) => (error as { code?: string }).code === '55006',
          attempts: 4,
          startingDelayMs: 100,
        },
      ).then(() => undefined),
  };
}

/** The newest Debian server binaries (initdb, pg_ctl are off PATH there). */
const PG_BIN = path.join(
  '/usr/lib/postgresql',
  (fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql') : ['15']).sort((a, b) => Number(a) - Number(b)).at(-1) ?? '15',
  'bin',
);

/** Why a throwaway cluster cannot be made here (initdb needs the postgres user, so root to switch to it), or null. */
export function throwawayClusterUnavailable(): string | null {
  if (!fs.existsSync(path.join(PG_BIN, 'initdb'))) return `no ${PG_BIN}/initdb`;
  if (process.getuid?.() !== 0) return 'a throwaway cluster runs as the postgres user, which needs root to switch to';
  return null;
}

/** A cluster of its own that a test may stop and start (initdb, as root), for requirePrerequisite (./helpers). */
export const THROWAWAY_CLUSTER: Prerequisite = { name: 'a throwaway PostgreSQL cluster', missing: throwawayClusterUnavailable() };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function asPostgres(args: string[]): void {
  const result = spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
}

export interface ThrowawayCluster {
  readonly url: string;
  start(): void;
  /** Stops the server the way an administrator would (fast: connections are terminated). */
  stop(): void;
  remove(): void;
}

/** A private PostgreSQL on 127.0.0.1 and a free port, trust login, in a temp folder owned by postgres. */
export async function throwawayCluster(): Promise<ThrowawayCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamflow-pg-'));
  fs.chownSync(
    dir,
    Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
    Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
  );
  const data = path.join(dir, 'data');
  asPostgres([path.join(PG_BIN, 'initdb'), '-D', data, '--auth=trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const cluster: ThrowawayCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () =>
      asPostgres([
        path.join(PG_BIN, 'pg_ctl'),
        '-D',
        data,
        '-l',
        path.join(dir, 'log'),
        '-w',
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        'start',
      ]),
    stop: () => asPostgres([path.join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop']),
    remove: () => {
      spawnSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop']);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}
