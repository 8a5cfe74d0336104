// sync: the warehouse mirrored into PostgreSQL in one transaction. Snapshot partitions
// PostgreSQL lacks are sent whole (COPY); a partition it holds with other content is
// refused, never overwritten. Live tables whose content changed since the last sync go
// through a temporary table and INSERT … ON CONFLICT … WHERE a value differs, so rows
// that did not change are not rewritten, and rows gone from the warehouse are deleted.
// Rows travel DuckDB → CSV file → COPY FROM STDIN; JavaScript never sees a row.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONTRACT, type TableSpec } from '../contract/tables';
import { quoteIdent, quoteLiteral, type Engine } from '../engine/duckdb';
import { RefusedError } from '../errors';
import { faultPoint } from '../faults';
import { snapshotColumnsSql, type SnapshotEntry } from '../snapshot';
import type { WarehouseLayout } from '../warehouse/layout';
import { checksumSelect, describeChecksum, type PartitionChecksum } from './checksum';
import { connectPostgres, type Postgres } from './postgres';
import { mirrorDdl, qualified, snapshotTableName, SYNC_LEDGER } from './schema';

export { describeChecksum } from './checksum';
export { SyncError } from './postgres';

export interface SyncTarget {
  readonly url: string;
  readonly schema: string;
}

/** One thing the sync wrote: a snapshot partition, or a live table brought up to date. */
export interface SyncedTable {
  readonly table: string;
  readonly as_of: string;
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
}

export interface SyncResult {
  /** host:port/database. */
  readonly server: string;
  readonly schema: string;
  readonly written: readonly SyncedTable[];
  /** Rows inserted, updated and deleted in all; 0 when PostgreSQL was already up to date. */
  readonly rows_written: number;
}

/** A (PostgreSQL table, as_of) whose content the warehouse and the mirror hold. */
interface Partition {
  readonly table: TableSpec;
  /** The PostgreSQL table: `<table>_snapshots` for a snapshot partition, `<table>` for the live table. */
  readonly target: string;
  readonly as_of: string;
  readonly run_id: string;
  /** DuckDB FROM item with the partition's rows. */
  readonly source: string;
  readonly live: boolean;
}

/** Every snapshot partition of the manifest, and each live table as of the newest as_of. */
function warehousePartitions(layout: WarehouseLayout, manifest: readonly SnapshotEntry[]): Partition[] {
  const newest = manifest.reduce<SnapshotEntry | undefined>((latest, entry) => (latest && latest.as_of >= entry.as_of ? latest : entry), undefined);
  const snapshots = manifest.map((entry) => {
    const table = CONTRACT.find((candidate) => candidate.name === entry.table_name)!;
    return {
      table,
      target: snapshotTableName(table),
      as_of: entry.as_of,
      run_id: entry.run_id,
      source: `read_parquet(${quoteLiteral(path.join(layout.root, entry.path))})`,
      live: false,
    };
  });
  if (!newest) return snapshots;
  const live = CONTRACT.map((table) => ({ table, target: table.name, as_of: newest.as_of, run_id: newest.run_id, source: `wh.main.${quoteIdent(table.name)}`, live: true }));
  return [...snapshots, ...live];
}

function partitionKey(target: string, asOf: string): string {
  return `${target}@${asOf}`;
}

async function duckdbChecksum(engine: Engine, partition: Partition): Promise<PartitionChecksum> {
  const [row] = await engine.rows<{ rows: number; checksum: string }>(`SELECT ${checksumSelect('duckdb', partition.table, 'r')} FROM ${partition.source} AS r`);
  return { rows: Number(row.rows), checksum: row.checksum };
}

/** The mirror's checksums: per as_of for snapshot tables, the whole table for live ones (keyed as the live partition). */
async function postgresChecksums(pg: Postgres, schema: string, liveAsOf: string | undefined): Promise<Map<string, PartitionChecksum>> {
  const checksums = new Map<string, PartitionChecksum>();
  for (const table of CONTRACT) {
    const snapshots = await pg.query<{ as_of: string; rows: string; checksum: string }>(
      `SELECT to_char(r.as_of, 'YYYY-MM-DD') AS as_of, ${checksumSelect('postgres', table, 'r')}
       FROM ${qualified(schema, snapshotTableName(table))} AS r GROUP BY r.as_of`,
    );
    for (const row of snapshots) checksums.set(partitionKey(snapshotTableName(table), row.as_of), { rows: Number(row.rows), checksum: row.checksum });
    if (liveAsOf === undefined) continue;
    const [live] = await pg.query<{ rows: string; checksum: string }>(`SELECT ${checksumSelect('postgres', table, 'r')} FROM ${qualified(schema, table.name)} AS r`);
    checksums.set(partitionKey(table.name, liveAsOf), { rows: Number(live.rows), checksum: live.checksum });
  }
  return checksums;
}

/** Writes the partition's rows as a headerless CSV (NULL unquoted-empty, '' quoted), the form COPY … (FORMAT csv) reads back exactly. */
async function exportCsv(engine: Engine, partition: Partition, file: string): Promise<void> {
  const asOf = partition.live ? '' : `, "as_of"`;
  await engine.run(`COPY (SELECT ${snapshotColumnsSql(partition.table)}${asOf} FROM ${partition.source}) TO ${quoteLiteral(file)} (FORMAT csv, HEADER false)`);
}

class MirrorWriter {
  private readonly written: SyncedTable[] = [];
  private readonly incoming = new Map<string, string>();
  private files = 0;

  constructor(
    private readonly engine: Engine,
    private readonly pg: Postgres,
    private readonly schema: string,
    private readonly scratch: string,
  ) {}

  get result(): SyncedTable[] {
    return this.written;
  }

  private async toCsv(partition: Partition): Promise<string> {
    const file = path.join(this.scratch, `${this.files++}-${partition.target}.csv`);
    await exportCsv(this.engine, partition, file);
    return file;
  }

  private columnList(partition: Partition): string {
    return [...partition.table.columns.map((column) => quoteIdent(column.name)), ...(partition.live ? [] : ['"as_of"'])].join(', ');
  }

  async sendSnapshot(partition: Partition): Promise<void> {
    const rows = await this.pg.copyCsv(`${qualified(this.schema, partition.target)} (${this.columnList(partition)})`, await this.toCsv(partition));
    this.written.push({ table: partition.target, as_of: partition.as_of, inserted: rows, updated: 0, deleted: 0 });
  }

  /** Brings a live table to the warehouse's rows; deletions wait for deleteGone (children before parents). */
  async upsertLive(partition: Partition): Promise<void> {
    const target = qualified(this.schema, partition.target);
    const file = await this.toCsv(partition);
    const [{ empty }] = await this.pg.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${target}) AS empty`);
    if (empty) {
      // Nothing to compare with: straight in.
      const rows = await this.pg.copyCsv(`${target} (${this.columnList(partition)})`, file);
      this.written.push({ table: partition.target, as_of: partition.as_of, inserted: rows, updated: 0, deleted: 0 });
      return;
    }
    const incoming = quoteIdent(`incoming_${partition.table.name}`);
    this.incoming.set(partition.table.name, incoming);
    await this.pg.query(`CREATE TEMPORARY TABLE ${incoming} (LIKE ${target}) ON COMMIT DROP`);
    await this.pg.copyCsv(`${incoming} (${this.columnList(partition)})`, file);
    const key = partition.table.key.map(quoteIdent).join(', ');
    const values = partition.table.columns.filter((column) => !partition.table.key.includes(column.name)).map((column) => quoteIdent(column.name));
    const [counts] = await this.pg.query<{ inserted: string; updated: string }>(
      `WITH changed AS (
         INSERT INTO ${target} AS t (${this.columnList(partition)}) SELECT ${this.columnList(partition)} FROM ${incoming}
         ON CONFLICT (${key}) DO UPDATE SET ${values.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}
         WHERE ROW(${values.map((column) => `t.${column}`).join(', ')}) IS DISTINCT FROM ROW(${values.map((column) => `EXCLUDED.${column}`).join(', ')})
         RETURNING (t.xmax = 0) AS inserted)
       SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM changed`,
    );
    this.written.push({ table: partition.target, as_of: partition.as_of, inserted: Number(counts.inserted), updated: Number(counts.updated), deleted: 0 });
  }

  /** Deletes the live rows the warehouse no longer has, children before users. */
  async deleteGone(): Promise<void> {
    for (const table of [...CONTRACT].reverse()) {
      const incoming = this.incoming.get(table.name);
      if (!incoming) continue;
      const key = table.key.map(quoteIdent);
      const rows = await this.pg.query(
        `WITH gone AS (DELETE FROM ${qualified(this.schema, table.name)} AS t WHERE NOT EXISTS (
           SELECT 1 FROM ${incoming} AS i WHERE ${key.map((column) => `i.${column} = t.${column}`).join(' AND ')}) RETURNING 1)
         SELECT count(*) AS deleted FROM gone`,
      );
      const entry = this.written.find((written) => written.table === table.name)!;
      this.written[this.written.indexOf(entry)] = { ...entry, deleted: Number(rows[0].deleted) };
    }
  }

  async recordSent(partition: Partition, checksum: PartitionChecksum): Promise<void> {
    const ledger = qualified(this.schema, SYNC_LEDGER);
    // A live table has one entry, for the as_of it was last brought to.
    if (partition.live) await this.pg.query(`DELETE FROM ${ledger} WHERE table_name = $1`, [partition.target]);
    await this.pg.query(
      `INSERT INTO ${ledger} (table_name, as_of, rows, checksum, run_id, synced_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (table_name, as_of) DO UPDATE SET rows = EXCLUDED.rows, checksum = EXCLUDED.checksum, run_id = EXCLUDED.run_id, synced_at = EXCLUDED.synced_at`,
      [partition.target, partition.as_of, checksum.rows, checksum.checksum, partition.run_id],
    );
  }
}

// Two syncs into one database queue on this lock instead of interleaving their COPYs.
const SYNC_LOCK_KEY = 0x5f10;

/**
 * Mirrors the warehouse (attached to `engine` as `wh`) into PostgreSQL, all in one
 * transaction: either PostgreSQL holds everything below or nothing changed.
 */
export async function syncToPostgres(
  engine: Engine,
  layout: WarehouseLayout,
  manifest: readonly SnapshotEntry[],
  target: SyncTarget,
  onProgress: (message: string) => void = () => undefined,
): Promise<SyncResult> {
  const partitions = warehousePartitions(layout, manifest);
  const local = new Map<string, PartitionChecksum>();
  for (const partition of partitions) local.set(partitionKey(partition.target, partition.as_of), await duckdbChecksum(engine, partition));

  const pg = await connectPostgres(target.url);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'streamflow-sync-'));
  try {
    await pg.query('BEGIN');
    await pg.query('SELECT pg_advisory_xact_lock($1)', [SYNC_LOCK_KEY]);
    for (const statement of mirrorDdl(target.schema)) await pg.query(statement);
    const ledger = new Map(
      (await pg.query<{ table_name: string; as_of: string; rows: string; checksum: string }>(
        `SELECT table_name, to_char(as_of, 'YYYY-MM-DD') AS as_of, rows, checksum FROM ${qualified(target.schema, SYNC_LEDGER)}`,
      )).map((row) => [partitionKey(row.table_name, row.as_of), { rows: Number(row.rows), checksum: row.checksum }]),
    );
    const remote = await postgresChecksums(pg, target.schema, undefined);

    const snapshots = partitions.filter((partition) => !partition.live);
    const conflicts = snapshots.filter((partition) => {
      const there = remote.get(partitionKey(partition.target, partition.as_of));
      return there !== undefined && !sameContent(there, local.get(partitionKey(partition.target, partition.as_of))!);
    });
    if (conflicts.length > 0) {
      const lines = conflicts.map((partition) => {
        const key = partitionKey(partition.target, partition.as_of);
        return `  ${partition.target} as_of ${partition.as_of}: PostgreSQL holds ${describeChecksum(remote.get(key))}, the warehouse froze ${describeChecksum(local.get(key))}`;
      });
      throw new RefusedError(
        `PostgreSQL at ${pg.where} holds snapshot partitions whose content differs from the warehouse's; refusing to overwrite history:\n${lines.join('\n')}`,
      );
    }

    const writer = new MirrorWriter(engine, pg, target.schema, scratch);
    for (const partition of snapshots) {
      const key = partitionKey(partition.target, partition.as_of);
      if (!remote.has(key)) {
        onProgress(`sending ${partition.target} as_of ${partition.as_of}`);
        await writer.sendSnapshot(partition);
      }
      // Also adopts a partition that was already there with the same content but unrecorded.
      if (!ledger.has(key) || !sameContent(ledger.get(key)!, local.get(key)!)) await writer.recordSent(partition, local.get(key)!);
    }
    await faultPoint('sync-snapshots-sent');

    for (const partition of partitions.filter((candidate) => candidate.live)) {
      const key = partitionKey(partition.target, partition.as_of);
      const sent = ledger.get(key);
      if (sent && sameContent(sent, local.get(key)!)) continue;
      onProgress(`bringing live ${partition.target} up to as_of ${partition.as_of}`);
      await writer.upsertLive(partition);
      await writer.recordSent(partition, local.get(key)!);
    }
    await writer.deleteGone();
    await faultPoint('sync-before-commit');
    await pg.query('COMMIT');
    const written = writer.result;
    return {
      server: pg.where,
      schema: target.schema,
      written,
      rows_written: written.reduce((sum, table) => sum + table.inserted + table.updated + table.deleted, 0),
    };
  } catch (error) {
    await pg.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await pg.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function sameContent(a: PartitionChecksum, b: PartitionChecksum): boolean {
  return a.rows === b.rows && a.checksum === b.checksum;
}

export interface MirrorFinding {
  readonly table: string;
  readonly as_of: string;
  readonly problem: 'missing' | 'differs' | 'unexpected';
  readonly warehouse: PartitionChecksum | null;
  readonly postgres: PartitionChecksum | null;
}

/**
 * Compares every snapshot partition and live table of the warehouse with the mirror's,
 * by row count and checksum computed in each engine; names what differs, what the mirror
 * lacks, and the partitions only the mirror holds.
 */
export async function verifyMirror(
  engine: Engine,
  layout: WarehouseLayout,
  manifest: readonly SnapshotEntry[],
  target: SyncTarget,
): Promise<{ server: string; compared: number; findings: MirrorFinding[] }> {
  const partitions = warehousePartitions(layout, manifest);
  const pg = await connectPostgres(target.url);
  try {
    const [{ present }] = await pg.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [qualified(target.schema, SYNC_LEDGER)]);
    await pg.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const remote = present ? await postgresChecksums(pg, target.schema, partitions.find((partition) => partition.live)?.as_of) : new Map<string, PartitionChecksum>();
    await pg.query('COMMIT');
    const findings: MirrorFinding[] = [];
    for (const partition of partitions) {
      const key = partitionKey(partition.target, partition.as_of);
      const warehouse = await duckdbChecksum(engine, partition);
      const postgres = remote.get(key);
      remote.delete(key);
      // An empty live table in the mirror reads as 0 rows: absent when the warehouse has rows there.
      if (postgres === undefined || (partition.live && postgres.rows === 0 && warehouse.rows > 0)) {
        findings.push({ table: partition.target, as_of: partition.as_of, problem: 'missing', warehouse, postgres: null });
      } else if (!sameContent(warehouse, postgres)) {
        findings.push({ table: partition.target, as_of: partition.as_of, problem: 'differs', warehouse, postgres });
      }
    }
    for (const [key, postgres] of remote) {
      const [table, asOf] = key.split('@');
      if (postgres.rows > 0) findings.push({ table, as_of: asOf, problem: 'unexpected', warehouse: null, postgres });
    }
    return { server: pg.where, compared: partitions.length, findings };
  } finally {
    await pg.close();
  }
}
