// The PostgreSQL step (issue 13): `streamflow sync-postgres` of one generated month into
// an empty database, against `psql \copy` of the same six CSVs into the same tables (the
// live table and the snapshot table of each, as the sync fills both), then a second,
// unchanged sync. Each in its own fresh database on the server given by --postgres.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { exportColumns } from '../src/contract/tables';
import { quoteIdent } from '../src/engine/duckdb';
import { changeTriggers, mirrorDdl, snapshotTableName } from '../src/sync/schema';
import { CHURN } from '../tools/churn-contract';
import { measureNode } from './measure';
import { formatRatio, formatSeconds, type Row, stats } from './table';

export const SYNC_TARGETS = { syncVsCopy: 1.5, unchangedSyncMs: 2000 };

export interface SyncSample {
  readonly run: number;
  /** `node dist/cli.js sync-postgres` into an empty database, process wall. */
  readonly sync_ms: number;
  readonly rows_written: number;
  /** The second sync, nothing changed, process wall. */
  readonly unchanged_ms: number;
  readonly unchanged_rows_written: number;
  /** One psql process, twelve \copy commands. */
  readonly psql_copy_ms: number;
  readonly ok: boolean;
  readonly error: string | null;
}

interface SyncMonth {
  readonly name: string;
  readonly seeds: string;
  readonly asOf: string;
}

function databaseUrl(server: string, database: string): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

async function onServer(url: string, statements: readonly string[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The same tables the sync creates, each snapshot table's as_of defaulting to the month's, so \copy can fill it from the CSV. */
function baselineSchema(asOf: string): string[] {
  return [
    ...mirrorDdl('public', CHURN),
    ...changeTriggers('public', CHURN).map((trigger) => trigger.ddl),
    ...CHURN.tables.map((table) => `ALTER TABLE ${quoteIdent(snapshotTableName(table))} ALTER COLUMN "as_of" SET DEFAULT '${asOf}'`),
  ];
}

function psqlCopies(month: SyncMonth): string[] {
  return CHURN.tables.flatMap((table) => {
    const columns = exportColumns(table)
      .map((column) => quoteIdent(column.name))
      .join(', ');
    const csv = path.join(month.seeds, month.name, table.file).replace(/'/g, "''");
    return [table.name, snapshotTableName(table)].map((target) => `\\copy ${quoteIdent(target)} (${columns}) FROM '${csv}' WITH (FORMAT csv, HEADER true)`);
  });
}

function parseRowsWritten(stdout: string): number {
  try {
    return Number((JSON.parse(stdout) as { rows_written: number }).rows_written);
  } catch {
    return Number.NaN;
  }
}

export async function measureSync(
  options: { out: string; server: string; cli: string; root: string; runs: number },
  month: SyncMonth,
  log: (message: string) => void,
): Promise<SyncSample[]> {
  const warehouse = path.join(options.out, 'warehouse-sync');
  fs.rmSync(warehouse, { recursive: true, force: true });
  const ingest = measureNode([options.cli, '--quiet', '--seeds', month.seeds, '--warehouse', warehouse, 'ingest', month.name, month.asOf], {
    cwd: options.root,
  });
  if (ingest.exitCode !== 0) throw new Error(`ingest for the sync step failed: ${ingest.stderr}`);
  const samples: SyncSample[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const names = { sync: `streamflow_bench_sync_${process.pid}_${run}`, copy: `streamflow_bench_copy_${process.pid}_${run}` };
    await onServer(options.server, [`CREATE DATABASE ${names.sync}`, `CREATE DATABASE ${names.copy}`]);
    try {
      const syncArgs = [options.cli, '--json', '--quiet', '--warehouse', warehouse, '--url', databaseUrl(options.server, names.sync), 'sync-postgres'];
      const first = measureNode(syncArgs, { cwd: options.root });
      const second = measureNode(syncArgs, { cwd: options.root });
      const copyUrl = databaseUrl(options.server, names.copy);
      await onServer(copyUrl, baselineSchema(month.asOf));
      const started = performance.now();
      const psql = spawnSync('psql', [copyUrl, '-q', '-v', 'ON_ERROR_STOP=1', '-1', ...psqlCopies(month).flatMap((command) => ['-c', command])], {
        encoding: 'utf8',
      });
      const psqlMs = performance.now() - started;
      const sample: SyncSample = {
        run,
        sync_ms: first.wallMs,
        rows_written: parseRowsWritten(first.stdout),
        unchanged_ms: second.wallMs,
        unchanged_rows_written: parseRowsWritten(second.stdout),
        psql_copy_ms: psqlMs,
        ok: first.exitCode === 0 && second.exitCode === 0 && psql.status === 0 && parseRowsWritten(second.stdout) === 0,
        error:
          [first, second]
            .filter((child) => child.exitCode !== 0)
            .map((child) => child.stderr.trim())
            .join('\n') || (psql.status === 0 ? null : psql.stderr.trim()),
      };
      if (!sample.ok) log(`sync run ${run} failed: ${sample.error ?? `second sync wrote ${sample.unchanged_rows_written} rows`}`);
      log(
        `  sync run ${run}: sync ${(sample.sync_ms / 1000).toFixed(3)} s, psql \\copy ${(psqlMs / 1000).toFixed(3)} s, unchanged sync ${(sample.unchanged_ms / 1000).toFixed(3)} s`,
      );
      samples.push(sample);
    } finally {
      await onServer(options.server, [`DROP DATABASE IF EXISTS ${names.sync} WITH (FORCE)`, `DROP DATABASE IF EXISTS ${names.copy} WITH (FORCE)`]);
    }
  }
  return samples;
}

/** Table rows and target checks for the sync step. */
export function syncReport(samples: readonly SyncSample[], month: SyncMonth): { rows: Row[]; checks: string[] } {
  const copy = stats(samples.map((sample) => sample.psql_copy_ms));
  const sync = stats(samples.map((sample) => sample.sync_ms));
  const unchanged = stats(samples.map((sample) => sample.unchanged_ms));
  const failed = samples.some((sample) => !sample.ok);
  const ratio = sync.median / copy.median;
  const status = failed ? 'FAILED' : `${samples[0]?.rows_written ?? 0} rows`;
  const rows: Row[] = [
    { section: `PostgreSQL sync of ${month.name} (process wall, Node start-up included)` },
    [`psql \\copy of the six CSVs into live + snapshot tables`, '', formatSeconds(copy), formatRatio(1), ''],
    [`sync-postgres into an empty database`, status, formatSeconds(sync), formatRatio(ratio), ''],
    [`sync-postgres again, nothing changed`, failed ? 'FAILED' : '0 rows', formatSeconds(unchanged), '', ''],
  ];
  const mark = (ok: boolean) => (failed ? 'MISS' : ok ? 'ok  ' : 'MISS');
  const checks = [
    `  ${mark(ratio <= SYNC_TARGETS.syncVsCopy)} sync into an empty database / psql \\copy: ${ratio.toFixed(2)} (target ≤ ${SYNC_TARGETS.syncVsCopy.toFixed(2)})`,
    `  ${mark(unchanged.median <= SYNC_TARGETS.unchangedSyncMs)} unchanged sync, process wall: ${(unchanged.median / 1000).toFixed(3)} s (target ≤ ${(SYNC_TARGETS.unchangedSyncMs / 1000).toFixed(3)} s)`,
  ];
  return { rows, checks };
}
