// sync: the warehouse mirrored into PostgreSQL in one transaction. Every version of every
// snapshot partition that PostgreSQL lacks is sent whole into `<table>_snapshot_versions`
// (DuckDB → CSV file → COPY FROM STDIN: JavaScript never sees a row); a version it holds
// with other content is refused, never overwritten. `<table>_snapshots` holds the newest
// version of each as_of, brought to it inside PostgreSQL from the versions table: an
// as_of whose newer version (a correction) arrived has its rows replaced, provided they
// are exactly the version the ledger says they are; anything else is refused.
// Live tables equal the newest partition of their table (each run freezes the live
// state it committed), so once that partition is in PostgreSQL a live table is brought
// to it there, with INSERT … ON CONFLICT … WHERE a value differs (unchanged rows are not
// rewritten) and a DELETE of rows gone: each row crosses the wire once.
//
// What PostgreSQL holds is known from the ledger (streamflow_sync), except where the
// triggers noted a change by someone else (streamflow_sync_changes): only those tables
// are re-read. What the warehouse holds is known from the ledger too where the Parquet
// file's sha256 is the one recorded. So an unchanged sync reads two small tables.
//
// The sync writes only into what it created for this warehouse (src/sync/ownership.ts):
// the first thing its transaction does is read whose mirror the schema holds, and refuse.
// DuckDB here reads only the Parquet files of the partitions: the warehouse's manifest
// and identity are read by the caller, which detaches the database before PostgreSQL is
// waited on; and no DuckDB work is left running when the sync ends, however it ends.
// May import: base, contract, artifacts, config, engine, warehouse, load, validate, upsert, snapshot, record (the layer rule, .dependency-cruiser.cjs).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SnapshotVersion } from '../artifacts';
import type { Contract } from '../contract/contract';
import type { TableSpec } from '../contract/tables';
import { type Engine, quoteIdent, quoteLiteral } from '../engine/duckdb';
import { RefusedError } from '../errors';
import { faultPoint } from '../faults';
import { snapshotColumnsSql } from '../snapshot';
import { frozenColumns, frozenFileSql } from '../snapshot/frozen';
import { keyListSql } from '../warehouse/keys';
import type { WarehouseLayout } from '../warehouse/layout';
import { checksumSelect, describeChecksum, type PartitionChecksum } from './checksum';
import { checkOwnership, markDdl, type WarehouseIdentity } from './ownership';
import { connectPostgres, LOCK_TIMEOUT, type Postgres, type PostgresTimeouts, SyncError } from './postgres';
import {
  CHANGE_LOG,
  changeTriggers,
  ledgerIdentityDdl,
  ledgerVersionDdl,
  mirrorColumnAdditions,
  qualified,
  SYNC_LEDGER,
  SYNCING_SETTING,
  snapshotTableName,
  VERSION_COLUMNS,
  versionsTableName,
} from './schema';

export { describeChecksum } from './checksum';
export { postgresTimeouts, SyncError } from './postgres';

export interface SyncTarget {
  readonly url: string;
  readonly schema: string;
  /** Bounds of every wait on PostgreSQL; default: postgresTimeouts() of the environment. */
  readonly timeouts?: PostgresTimeouts;
}

/** What the sync reads of the warehouse, read before PostgreSQL is: where it is, its identity, its frozen partitions. */
export interface WarehouseSource extends WarehouseIdentity {
  readonly layout: WarehouseLayout;
  /** Every version of every partition, `path` where its file is now (snapshot/versions.ts locateVersions). */
  readonly versions: readonly SnapshotVersion[];
}

/** One thing the sync wrote: a version of a snapshot partition, or a table brought to an as_of's newest version. */
export interface SyncedTable {
  readonly table: string;
  readonly as_of: string;
  readonly version: number;
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

/** A version of a frozen partition of the warehouse and where it goes. */
interface Partition {
  readonly table: TableSpec;
  /** `<table>_snapshots` (the newest version of the as_of) or `<table>_snapshot_versions` (every version). */
  readonly target: string;
  readonly entry: SnapshotVersion;
  /** DuckDB FROM item with the partition's rows. */
  readonly source: string;
}

interface LedgerEntry extends PartitionChecksum {
  readonly source_sha256: string;
  /** The version of the as_of the rows are. */
  readonly version: number;
}

/**
 * Every version in `versions` for `target` (snapshotTableName: one per as_of, the newest;
 * versionsTableName: all), in contract order (users first: the live tables' foreign keys
 * need it), then by as_of and version.
 */
async function partitionsOf(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  versions: readonly SnapshotVersion[],
  target: (table: TableSpec) => string,
): Promise<Partition[]> {
  const partitions: Partition[] = [];
  for (const table of contract.tables) {
    for (const entry of versions.filter((candidate) => candidate.table_name === table.name)) {
      // Read under the current contract: a partition frozen before a column was added has it NULL (snapshot/frozen.ts).
      const file = path.join(layout.root, entry.path);
      partitions.push({ table, target: target(table), entry, source: frozenFileSql(table, file, await frozenColumns(engine, [file])) });
    }
  }
  return partitions;
}

/** The newest version of each table and as_of among `versions`. */
function newestVersions(versions: readonly SnapshotVersion[]): SnapshotVersion[] {
  return versions.filter(
    (entry) => !versions.some((other) => other.table_name === entry.table_name && other.as_of === entry.as_of && other.version > entry.version),
  );
}

/** A ledger or checksum key: `<target>@<as_of>`, and `#<version>` for a versions table, which holds every version of the as_of. */
function partitionKey(target: string, asOf: string, version?: number): string {
  return version === undefined ? `${target}@${asOf}` : `${target}@${asOf}#${version}`;
}

const isVersionsTable = (target: string) => target.endsWith('_snapshot_versions');

function keyOf(partition: Partition): string {
  return partitionKey(partition.target, partition.entry.as_of, isVersionsTable(partition.target) ? partition.entry.version : undefined);
}

async function duckdbChecksum(engine: Engine, source: string, table: TableSpec): Promise<PartitionChecksum> {
  const [row] = await engine.rows<{ rows: number; checksum: string }>(`SELECT ${checksumSelect('duckdb', table, 'r')} FROM ${source} AS r`);
  return { rows: Number(row.rows), checksum: row.checksum };
}

/** Checksums of one snapshot table in PostgreSQL: per as_of of `<table>_snapshots`, per as_of and version of `<table>_snapshot_versions`. */
async function postgresPartitionChecksums(pg: Postgres, schema: string, table: TableSpec, target: string): Promise<Map<string, PartitionChecksum>> {
  const versioned = isVersionsTable(target);
  const rows = await pg.query<{ as_of: string; version: number | null; rows: string; checksum: string }>(
    `SELECT to_char(r.as_of, 'YYYY-MM-DD') AS as_of, ${versioned ? 'r.version' : 'NULL::integer AS version'}, ${checksumSelect('postgres', table, 'r')}
     FROM ${qualified(schema, target)} AS r GROUP BY 1, 2`,
  );
  return new Map(rows.map((row) => [partitionKey(target, row.as_of, row.version ?? undefined), { rows: Number(row.rows), checksum: row.checksum }]));
}

function sameContent(a: PartitionChecksum, b: PartitionChecksum): boolean {
  return a.rows === b.rows && a.checksum === b.checksum;
}

/** Writes the version's rows, with its version and recorded_at, as a headerless CSV (NULL unquoted-empty, '' quoted), the form COPY … (FORMAT csv) reads back exactly. */
async function exportCsv(engine: Engine, partition: Partition, file: string): Promise<void> {
  const { version, recorded_at } = partition.entry;
  await engine.run(
    `COPY (SELECT ${snapshotColumnsSql(partition.table)}, "as_of", ${version}::INTEGER, ${quoteLiteral(recorded_at)} FROM ${partition.source}) TO ${quoteLiteral(file)} (FORMAT csv, HEADER false)`,
  );
}

/** What `<table>_snapshots` needs for one as_of: nothing, a first fill, or its rows replaced by a newer version. */
interface SnapshotsPlan {
  readonly partition: Partition;
  /** The version PostgreSQL holds there now; undefined: none. */
  readonly held?: number;
}

/** One sync's transaction: what PostgreSQL holds, what the warehouse holds, and the writes that make them equal. */
class MirrorSync {
  private ledger = new Map<string, LedgerEntry>();
  /** PostgreSQL's content of the partitions of tables someone else changed; absent: the partition is not there. */
  private reread = new Map<string, PartitionChecksum>();
  private rereadTables = new Set<string>();
  private liveChanged = new Set<string>();
  private readonly local = new Map<string, PartitionChecksum>();
  readonly written: SyncedTable[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly pg: Postgres,
    private readonly schema: string,
    private readonly scratch: string,
    private readonly warehouse: WarehouseIdentity,
  ) {}

  private get ledgerTable(): string {
    return qualified(this.schema, SYNC_LEDGER);
  }

  /**
   * Refuses a schema whose mirror is not this warehouse's (before anything is written),
   * creates and marks what is missing, and reads the ledger and the changes noted since
   * the last sync.
   */
  async prepare(onProgress: (message: string) => void): Promise<void> {
    const ownership = await checkOwnership(this.pg, this.schema, this.warehouse);
    await this.pg.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
    if (ownership.legacyLedger) {
      onProgress(
        `claiming the mirror in schema ${this.schema}, made by an earlier release: every partition its ledger lists is one this warehouse (${this.warehouse.id}) froze`,
      );
      for (const statement of ledgerIdentityDdl(this.schema, this.warehouse.id)) await this.pg.query(statement);
    }
    const ledgerColumns = ownership.foundColumns.get(SYNC_LEDGER);
    if (ledgerColumns !== undefined && !ledgerColumns.includes('version')) await this.addLedgerVersions();
    for (const object of ownership.missing) for (const statement of object.ddl) await this.pg.query(statement);
    for (const statement of mirrorColumnAdditions(this.schema, this.warehouse.contract, ownership.foundColumns)) await this.pg.query(statement);
    for (const object of [...ownership.missing, ...ownership.claimed]) await this.pg.query(markDdl(this.schema, object, this.warehouse.id));
    const present = new Set(
      (
        await this.pg.query<{ name: string }>(
          `SELECT c.relname || '/' || t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
          [this.schema],
        )
      ).map((row) => row.name),
    );
    for (const trigger of changeTriggers(this.schema, this.warehouse.contract))
      if (!present.has(`${trigger.table}/${trigger.name}`)) await this.pg.query(trigger.ddl);
    // Changes by others wait for this sync to end, so none is noted after it was read and then cleared.
    await this.pg.query(`LOCK TABLE ${qualified(this.schema, CHANGE_LOG)} IN EXCLUSIVE MODE`);
    const ledger = await this.pg.query<{ table_name: string; as_of: string; rows: string; checksum: string; source_sha256: string; version: number }>(
      `SELECT table_name, to_char(as_of, 'YYYY-MM-DD') AS as_of, rows, checksum, source_sha256, version FROM ${this.ledgerTable}`,
    );
    this.ledger = new Map(
      ledger.map((row) => [
        partitionKey(row.table_name, row.as_of, isVersionsTable(row.table_name) ? row.version : undefined),
        { rows: Number(row.rows), checksum: row.checksum, source_sha256: row.source_sha256, version: row.version },
      ]),
    );
    const changed = await this.pg.query<{ table_name: string }>(`SELECT DISTINCT table_name FROM ${qualified(this.schema, CHANGE_LOG)}`);
    for (const { table_name: name } of changed) {
      const table = this.warehouse.contract.tables.find((candidate) => snapshotTableName(candidate) === name || versionsTableName(candidate) === name);
      if (table) {
        this.rereadTables.add(name);
        for (const [key, checksum] of await postgresPartitionChecksums(this.pg, this.schema, table, name)) this.reread.set(key, checksum);
      } else this.liveChanged.add(name);
    }
  }

  /** A ledger of the release before versions: every row is of version 1, and the version joins its key. */
  private async addLedgerVersions(): Promise<void> {
    const [primaryKey] = await this.pg.query<{ name: string }>(
      `SELECT conname::text AS name FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`,
      [this.ledgerTable],
    );
    for (const statement of ledgerVersionDdl(this.schema, primaryKey?.name)) await this.pg.query(statement);
  }

  /** What PostgreSQL holds for the partition: re-read where changed by others, else as the ledger says. */
  private remote(partition: Partition): PartitionChecksum | undefined {
    const key = keyOf(partition);
    return this.rereadTables.has(partition.target) ? this.reread.get(key) : this.ledger.get(key);
  }

  /** The warehouse's content of the version: from the ledger when it recorded these very file bytes. */
  private async localContent(partition: Partition): Promise<PartitionChecksum> {
    const key = `${keyOf(partition)}#${partition.entry.sha256}`;
    const known = this.local.get(key);
    if (known) return known;
    const recorded = this.ledger.get(keyOf(partition));
    const content =
      recorded && recorded.source_sha256 === partition.entry.sha256 ? recorded : await duckdbChecksum(this.engine, partition.source, partition.table);
    this.local.set(key, content);
    return content;
  }

  private conflict(partition: Partition, remote: PartitionChecksum, local: PartitionChecksum, held = partition.entry.version): string {
    const version = isVersionsTable(partition.target) || held !== partition.entry.version ? ` version ${held}` : '';
    return `  ${partition.target} as_of ${partition.entry.as_of}${version}: PostgreSQL holds ${describeChecksum(remote)}, the warehouse froze ${describeChecksum(local)}`;
  }

  private refuse(conflicts: readonly string[]): void {
    if (conflicts.length === 0) return;
    throw new RefusedError(
      `PostgreSQL at ${this.pg.where} holds snapshot partitions whose content differs from the warehouse's; refusing to overwrite history:\n${conflicts.join('\n')}`,
    );
  }

  /** Versions PostgreSQL lacks; throws RefusedError when one it holds differs. */
  async versionsToSend(versions: readonly Partition[]): Promise<Partition[]> {
    const missing: Partition[] = [];
    const conflicts: string[] = [];
    for (const partition of versions) {
      const remote = this.remote(partition);
      if (remote === undefined) {
        missing.push(partition);
        continue;
      }
      const local = await this.localContent(partition);
      if (!sameContent(remote, local)) conflicts.push(this.conflict(partition, remote, local));
      else if (this.ledger.get(keyOf(partition))?.source_sha256 !== partition.entry.sha256) await this.record(partition.target, partition.entry, local);
    }
    this.refuse(conflicts);
    return missing;
  }

  /**
   * The as_ofs of `<table>_snapshots` that are not at their newest version (`newest`, one
   * partition per as_of); throws RefusedError when PostgreSQL holds there anything but a
   * version the warehouse froze of that as_of, the newest or an earlier one (`versions`).
   */
  async snapshotsToBring(newest: readonly Partition[], versions: readonly Partition[]): Promise<SnapshotsPlan[]> {
    const plans: SnapshotsPlan[] = [];
    const conflicts: string[] = [];
    for (const partition of newest) {
      const remote = this.remote(partition);
      if (remote === undefined) {
        plans.push({ partition });
        continue;
      }
      const held = this.ledger.get(keyOf(partition))?.version ?? 1;
      const frozen = versions.find(
        (candidate) => candidate.table === partition.table && candidate.entry.as_of === partition.entry.as_of && candidate.entry.version === held,
      );
      if (frozen === undefined || held > partition.entry.version) {
        conflicts.push(
          `  ${partition.target} as_of ${partition.entry.as_of}: PostgreSQL holds version ${held}, which the warehouse never froze (its newest is ${partition.entry.version})`,
        );
        continue;
      }
      const local = await this.localContent(frozen);
      if (!sameContent(remote, local)) conflicts.push(this.conflict(partition, remote, local, held));
      // A correction freezes every table anew: one whose new version has the very bytes of the one held keeps its rows.
      else if (held < partition.entry.version && frozen.entry.sha256 !== partition.entry.sha256) plans.push({ partition, held });
      else if (this.ledger.get(keyOf(partition))?.source_sha256 !== partition.entry.sha256 || held !== partition.entry.version)
        await this.record(partition.target, partition.entry, local);
    }
    this.refuse(conflicts);
    return plans;
  }

  /** COPYs the version into `<table>_snapshot_versions` while DuckDB computes its checksum for the ledger. */
  async send(partition: Partition): Promise<void> {
    const file = path.join(this.scratch, `${partition.target}-${partition.entry.as_of}-${partition.entry.version}.csv`);
    await exportCsv(this.engine, partition, file);
    const columns = [...partition.table.columns.map((column) => column.name), 'as_of', ...VERSION_COLUMNS].map(quoteIdent).join(', ');
    // Both settle before either's failure is thrown: DuckDB work left running when the
    // engine closes keeps the process alive for good.
    const [copied, checksummed] = await Promise.allSettled([
      this.pg.copyCsv(`${qualified(this.schema, partition.target)} (${columns})`, file),
      this.localContent(partition),
    ]);
    if (copied.status === 'rejected') throw copied.reason;
    if (checksummed.status === 'rejected') throw checksummed.reason;
    const [rows, local] = [copied.value, checksummed.value];
    fs.rmSync(file);
    await this.record(partition.target, partition.entry, local);
    this.written.push({ table: partition.target, as_of: partition.entry.as_of, version: partition.entry.version, inserted: rows, updated: 0, deleted: 0 });
  }

  /** Puts the as_of's newest version in `<table>_snapshots`, from `<table>_snapshot_versions` inside PostgreSQL: the version it held (if any) makes way. */
  async bringSnapshots({ partition, held }: SnapshotsPlan): Promise<void> {
    const { table, target, entry } = partition;
    const columns = [...table.columns.map((column) => column.name), 'as_of'].map(quoteIdent).join(', ');
    const deleted = held === undefined ? 0 : await this.pg.execute(`DELETE FROM ${qualified(this.schema, target)} WHERE "as_of" = $1::date`, [entry.as_of]);
    const inserted = await this.pg.execute(
      `INSERT INTO ${qualified(this.schema, target)} (${columns}) SELECT ${columns} FROM ${qualified(this.schema, versionsTableName(table))} WHERE "as_of" = $1::date AND "version" = $2`,
      [entry.as_of, entry.version],
    );
    await this.record(target, entry, await this.localContent(partition));
    this.written.push({ table: target, as_of: entry.as_of, version: entry.version, inserted, updated: 0, deleted });
  }

  /** Brings each live table not yet at its newest partition (or changed by others since) to it. */
  async bringLiveTables(newest: readonly Partition[]): Promise<void> {
    const stale = newest.filter((partition) => {
      const sent = this.ledger.get(partitionKey(partition.table.name, partition.entry.as_of));
      return sent?.source_sha256 !== partition.entry.sha256 || this.liveChanged.has(partition.table.name);
    });
    for (const partition of stale) await this.upsertLive(partition);
    // Deletes children before their users.
    for (const partition of [...stale].reverse()) await this.deleteGone(partition);
    for (const partition of stale) await this.record(partition.table.name, partition.entry, await this.localContent(partition));
  }

  /** The partition's rows in PostgreSQL, as_of bound as $1. */
  private newestRows(partition: Partition): string {
    return `SELECT * FROM ${qualified(this.schema, partition.target)} WHERE "as_of" = $1::date`;
  }

  private async upsertLive(partition: Partition): Promise<void> {
    const { table, entry } = partition;
    const target = qualified(this.schema, table.name);
    const columns = table.columns.map((column) => quoteIdent(column.name)).join(', ');
    const newest = `SELECT ${columns} FROM (${this.newestRows(partition)}) AS newest`;
    const [{ empty }] = await this.pg.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${target}) AS empty`);
    if (empty) {
      // Nothing to compare with or conflict on: a plain INSERT, much cheaper than ON CONFLICT.
      const inserted = await this.pg.execute(`INSERT INTO ${target} (${columns}) ${newest}`, [entry.as_of]);
      this.written.push({ table: table.name, as_of: entry.as_of, version: entry.version, inserted, updated: 0, deleted: 0 });
      return;
    }
    const key = keyListSql(table.key);
    const values = table.columns.filter((column) => !table.key.includes(column.name)).map((column) => quoteIdent(column.name));
    const [counts] = await this.pg.query<{ inserted: string; updated: string }>(
      `WITH changed AS (
         INSERT INTO ${target} AS t (${columns}) ${newest}
         ON CONFLICT (${key}) DO UPDATE SET ${values.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}
         WHERE ROW(${values.map((column) => `t.${column}`).join(', ')}) IS DISTINCT FROM ROW(${values.map((column) => `EXCLUDED.${column}`).join(', ')})
         RETURNING (t.xmax = 0) AS inserted)
       SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM changed`,
      [entry.as_of],
    );
    this.written.push({
      table: table.name,
      as_of: entry.as_of,
      version: entry.version,
      inserted: Number(counts.inserted),
      updated: Number(counts.updated),
      deleted: 0,
    });
  }

  private async deleteGone(partition: Partition): Promise<void> {
    const { table } = partition;
    const matches = table.key.map((column) => `newest.${quoteIdent(column)} = t.${quoteIdent(column)}`).join(' AND ');
    const deleted = await this.pg.execute(
      `DELETE FROM ${qualified(this.schema, table.name)} AS t WHERE NOT EXISTS (SELECT 1 FROM (${this.newestRows(partition)}) AS newest WHERE ${matches})`,
      [partition.entry.as_of],
    );
    const index = this.written.findIndex((written) => written.table === table.name);
    this.written[index] = { ...this.written[index], deleted };
  }

  private async record(target: string, entry: SnapshotVersion, content: PartitionChecksum): Promise<void> {
    // A live table has one entry, for the as_of it was last brought to; `<table>_snapshots` one per as_of, for the version it holds.
    if (!target.endsWith('_snapshots') && !isVersionsTable(target)) await this.pg.query(`DELETE FROM ${this.ledgerTable} WHERE table_name = $1`, [target]);
    if (target.endsWith('_snapshots')) await this.pg.query(`DELETE FROM ${this.ledgerTable} WHERE table_name = $1 AND as_of = $2`, [target, entry.as_of]);
    await this.pg.query(
      `INSERT INTO ${this.ledgerTable} (table_name, as_of, version, rows, checksum, run_id, synced_at, source_sha256, warehouse_id) VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8)
       ON CONFLICT (table_name, as_of, version) DO UPDATE SET rows = EXCLUDED.rows, checksum = EXCLUDED.checksum, run_id = EXCLUDED.run_id,
         synced_at = EXCLUDED.synced_at, source_sha256 = EXCLUDED.source_sha256, warehouse_id = EXCLUDED.warehouse_id`,
      [target, entry.as_of, entry.version, content.rows, content.checksum, entry.run_id, entry.sha256, this.warehouse.id],
    );
  }

  /** The noted changes are accounted for: re-read and found equal, or replaced. */
  async clearNotedChanges(): Promise<void> {
    await this.pg.query(`DELETE FROM ${qualified(this.schema, CHANGE_LOG)}`);
  }
}

// Two syncs into one database queue on this lock instead of interleaving their COPYs.
const SYNC_LOCK_KEY = 0x5f10;

/** Takes the sync lock of the database; another sync holding it past lock_timeout is worth another attempt (it will end). */
async function lockOutOtherSyncs(pg: Postgres): Promise<void> {
  try {
    await pg.query(`SELECT set_config('${SYNCING_SETTING}', 'on', true), pg_advisory_xact_lock($1)`, [SYNC_LOCK_KEY]);
  } catch (error) {
    if (error instanceof SyncError && error.code === LOCK_TIMEOUT)
      throw new SyncError(
        `PostgreSQL at ${pg.where}: another sync into this database held its lock for over ${pg.timeouts.lockMs} ms (STREAMFLOW_PG_LOCK_TIMEOUT_MS)`,
        true,
        LOCK_TIMEOUT,
      );
    throw error;
  }
}

/**
 * Mirrors the warehouse (its frozen partitions, read by `engine` from their Parquet
 * files; the database need not be attached) into PostgreSQL in one transaction:
 * PostgreSQL holds everything below or nothing changed.
 */
export async function syncToPostgres(
  engine: Engine,
  warehouse: WarehouseSource,
  target: SyncTarget,
  onProgress: (message: string) => void = () => undefined,
): Promise<SyncResult> {
  const { layout, versions } = warehouse;
  const newest = newestVersions(versions);
  const pg = await connectPostgres(target.url, target.timeouts);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'streamflow-sync-'));
  try {
    await pg.query('BEGIN');
    await lockOutOtherSyncs(pg);
    const sync = new MirrorSync(engine, pg, target.schema, scratch, warehouse);
    await sync.prepare(onProgress);
    const everyVersion = await partitionsOf(engine, warehouse.contract, layout, versions, versionsTableName);
    const partitions = await partitionsOf(engine, warehouse.contract, layout, newest, snapshotTableName);
    // Both checked before anything is written: a refusal leaves PostgreSQL untouched.
    const toSend = await sync.versionsToSend(everyVersion);
    const toBring = await sync.snapshotsToBring(partitions, everyVersion);
    for (const partition of toSend) {
      onProgress(`sending ${partition.table.name} as_of ${partition.entry.as_of} version ${partition.entry.version}`);
      await sync.send(partition);
    }
    for (const plan of toBring) await sync.bringSnapshots(plan);
    await faultPoint('sync-snapshots-sent');
    const newestAsOf = newest
      .map((entry) => entry.as_of)
      .sort()
      .at(-1);
    await sync.bringLiveTables(partitions.filter((partition) => partition.entry.as_of === newestAsOf));
    await sync.clearNotedChanges();
    await faultPoint('sync-before-commit');
    await pg.query('COMMIT');
    return {
      server: pg.where,
      schema: target.schema,
      written: sync.written,
      rows_written: sync.written.reduce((sum, table) => sum + table.inserted + table.updated + table.deleted, 0),
    };
  } catch (error) {
    await pg.rollback();
    throw error;
  } finally {
    await pg.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export interface MirrorFinding {
  readonly table: string;
  /** The partition's as_of; for a live table, the newest as_of, which it should equal. */
  readonly as_of: string;
  /** The version of the as_of: every one in `<table>_snapshot_versions`, the newest in `<table>_snapshots` and the live tables. */
  readonly version: number;
  readonly problem: 'missing' | 'differs' | 'unexpected';
  readonly warehouse: PartitionChecksum | null;
  readonly postgres: PartitionChecksum | null;
}

/**
 * Recomputes, in each engine, the row count and checksum of every version of every
 * snapshot partition (`versions`, each where its file is now), of the newest version of
 * each as_of in `<table>_snapshots`, and of every live table, and names what differs, what
 * the mirror lacks, and the partitions only the mirror holds. Reads everything (the sync
 * trusts its ledger; this does not).
 */
export async function verifyMirror(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  versions: readonly SnapshotVersion[],
  target: SyncTarget,
): Promise<{ server: string; compared: number; findings: MirrorFinding[] }> {
  const newest = newestVersions(versions);
  const newestAsOf = newest
    .map((entry) => entry.as_of)
    .sort()
    .at(-1);
  const liveVersion = (table: TableSpec) => newest.find((entry) => entry.table_name === table.name && entry.as_of === newestAsOf)?.version ?? 1;
  const pg = await connectPostgres(target.url, target.timeouts);
  try {
    const [{ present }] = await pg.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [qualified(target.schema, SYNC_LEDGER)]);
    const remote = new Map<string, PartitionChecksum>();
    if (present) {
      await pg.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      for (const table of contract.tables) {
        for (const name of [snapshotTableName(table), versionsTableName(table)]) {
          const [{ exists }] = await pg.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [qualified(target.schema, name)]);
          if (exists) for (const [key, checksum] of await postgresPartitionChecksums(pg, target.schema, table, name)) remote.set(key, checksum);
        }
        const [live] = await pg.query<{ rows: string; checksum: string }>(
          `SELECT ${checksumSelect('postgres', table, 'r')} FROM ${qualified(target.schema, table.name)} AS r`,
        );
        if (newestAsOf !== undefined || Number(live.rows) > 0)
          remote.set(partitionKey(table.name, newestAsOf ?? ''), { rows: Number(live.rows), checksum: live.checksum });
      }
      await pg.query('COMMIT');
    }
    const asCompared = (partition: Partition) => ({
      ...partition,
      spec: partition.table,
      table: partition.target,
      as_of: partition.entry.as_of,
      version: partition.entry.version,
      key: keyOf(partition),
    });
    const compared: { key: string; table: string; as_of: string; version: number; source: string; spec: TableSpec }[] = [
      ...(await partitionsOf(engine, contract, layout, newest, snapshotTableName)).map(asCompared),
      ...(await partitionsOf(engine, contract, layout, versions, versionsTableName)).map(asCompared),
      ...(newestAsOf === undefined
        ? []
        : contract.tables.map((table) => ({
            spec: table,
            table: table.name,
            as_of: newestAsOf,
            version: liveVersion(table),
            source: `wh.main.${quoteIdent(table.name)}`,
            key: partitionKey(table.name, newestAsOf),
          }))),
    ];
    const findings: MirrorFinding[] = [];
    for (const item of compared) {
      const warehouse = await duckdbChecksum(engine, item.source, item.spec);
      const postgres = remote.get(item.key);
      remote.delete(item.key);
      const where = { table: item.table, as_of: item.as_of, version: item.version };
      // An empty live table reads as 0 rows: the mirror lacks it.
      if (postgres === undefined || (postgres.rows === 0 && warehouse.rows > 0)) findings.push({ ...where, problem: 'missing', warehouse, postgres: null });
      else if (!sameContent(warehouse, postgres)) findings.push({ ...where, problem: 'differs', warehouse, postgres });
    }
    for (const [key, postgres] of remote) {
      const [, table, asOf, version] = /^(.*)@([^#]*)(?:#(\d+))?$/.exec(key)!;
      if (postgres.rows > 0) findings.push({ table, as_of: asOf, version: Number(version ?? 1), problem: 'unexpected', warehouse: null, postgres });
    }
    return { server: pg.where, compared: compared.length, findings };
  } finally {
    await pg.close();
  }
}
