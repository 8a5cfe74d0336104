// snapshot: freeze each table as of a date into one Parquet file, written under the
// run's staging folder (published by rename after COMMIT: warehouse/recover.ts). A
// file holds exactly the contract's columns plus as_of, sorted by key, so the same
// state gives the same bytes on any machine.
// May import: base, contract, artifacts, config, engine, warehouse, load, validate, upsert (the layer rule, .dependency-cruiser.cjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SnapshotEntry, SnapshotVersion, TableDifference } from '../artifacts';
import type { Contract } from '../contract/contract';
import type { TableSpec } from '../contract/tables';
import { type Engine, quoteIdent, quoteLiteral, sqlFile } from '../engine/duckdb';
import { sha256File, syncFileAsync } from '../engine/files';
import { faultPoint } from '../faults';
import { mergedStateSql } from '../upsert';
import { keyJoinSql, keyListSql, keyMissingSql, keyTextSql } from '../warehouse/keys';
import { snapshotFile, type WarehouseLayout } from '../warehouse/layout';
import { frozenRowsSql } from './frozen';
import { locateVersions, versionsKnownAt } from './versions';

// zstd at level 1: at 1M users 0.24 s faster to write than the default level 3 for
// files 2 % larger (1.69 s, 59 MB against 1.93 s, 58 MB for the six tables).
const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 122880';

/** Which versions `snapshots` lists: one table's, one as_of's (YYYY-MM-DD), or all. */
export interface ManifestFilter {
  readonly table?: string;
  readonly asOf?: string;
}

/** A snapshot's columns before as_of, quoted, in contract order (also the order of the views over them). */
export function snapshotColumnsSql(table: TableSpec): string {
  return table.columns.map((column) => quoteIdent(column.name)).join(', ');
}

/** Every version of every frozen partition, `path` as recorded (where it was frozen), by table, as_of and version. */
export async function readManifestVersions(engine: Engine): Promise<SnapshotVersion[]> {
  const rows = await engine.rows<Record<string, string>>(sqlFile('snapshot/manifest'));
  return rows.map((row) => ({ ...row, rows: Number(row.rows), bytes: Number(row.bytes), version: Number(row.version) }) as unknown as SnapshotVersion);
}

/**
 * The manifest as readers take it: per table and as_of the newest version recorded at or
 * before `knownAt` (every newest one without it), `path` where its file is now (versions.ts).
 */
export async function readManifest(engine: Engine, knownAt?: string): Promise<SnapshotVersion[]> {
  return versionsKnownAt(await readManifestVersions(engine), knownAt);
}

/** What `snapshots` lists: every version `filter` keeps, `path` where its file is now. */
export async function listSnapshotVersions(engine: Engine, { table, asOf }: ManifestFilter = {}): Promise<SnapshotVersion[]> {
  return locateVersions(await readManifestVersions(engine)).filter(
    (entry) => (table === undefined || entry.table_name === table) && (asOf === undefined || entry.as_of === asOf),
  );
}

/** A frozen partition's rows, its columns as the current contract has them (frozen.ts). */
async function frozenStateSql(engine: Engine, layout: WarehouseLayout, table: TableSpec, entry: SnapshotEntry): Promise<string> {
  return `SELECT * EXCLUDE ("as_of") FROM (${await frozenRowsSql(engine, table, [path.join(layout.root, entry.path)])})`;
}

/**
 * Where the table's state after the merge is cheapest to read. The staged month holds it
 * exactly when the live table has no row outside the month (its keys are a subset of the
 * live table's after a merge, so equal counts mean equal keys) and no value in a column
 * the export lacks; the live table is read otherwise. Reading the staged rows instead of
 * the rows the transaction just merged saved 1.3 s of 3.6 at 1M users a table.
 */
async function mergedStateSource(engine: Engine, table: TableSpec): Promise<string> {
  const name = quoteIdent(table.name);
  const absent = table.columns.filter((column) => !column.inExport).map((column) => `count(${quoteIdent(column.name)})`);
  const [state] = await engine.rows<{ outside: number; absentValues: number }>(
    `SELECT count(*) - (SELECT count(*) FROM staging.${name}) AS outside, ${absent.length > 0 ? absent.join(' + ') : '0'} AS "absentValues"
     FROM wh.main.${name}`,
  );
  return state.outside === 0 && state.absentValues === 0 ? `staging.${name}` : `wh.main.${name}`;
}

/** fsyncs a written snapshot file and hashes it: off DuckDB's threads, so it runs while the next table is written. */
async function sealSnapshotFile(file: string): Promise<{ bytes: number; sha256: string }> {
  await syncFileAsync(file);
  return { bytes: fs.statSync(file).size, sha256: await sha256File(file) };
}

/** What a run freezes: the as_of, its version (1: a first freeze), and for a correction or a late month the history it is merged over. */
export interface SnapshotRun {
  readonly asOf: string;
  readonly runId: string;
  readonly version: number;
  /** Freeze the staged month merged over the frozen as_of before asOf (mergedOverFrozenSql), not the live tables after upsert. */
  readonly overFrozen?: { readonly layout: WarehouseLayout; readonly manifest: readonly SnapshotEntry[] };
}

/**
 * Writes every table as it stands after the merge (inside the run's transaction) as the
 * partition for `asOf` under `stagingRoot`; returns manifest entries for the final paths.
 * Each file is synced and hashed while DuckDB writes the next one; all are sealed before
 * this returns, so before COMMIT.
 */
export async function writeSnapshots(
  engine: Engine,
  contract: Contract,
  stagingRoot: string,
  run: SnapshotRun,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<SnapshotEntry[]> {
  const written: Promise<SnapshotEntry>[] = [];
  for (const [position, table] of contract.tables.entries()) {
    const relative = snapshotFile(table.name, run.asOf);
    const staged = path.join(stagingRoot, relative);
    fs.mkdirSync(path.dirname(staged), { recursive: true });
    const source = run.overFrozen
      ? `(${await mergedOverFrozenSql(engine, run.overFrozen.layout, table, run.overFrozen.manifest, run.asOf)})`
      : await mergedStateSource(engine, table);
    // COPY answers with the rows it wrote: no second read of the file to count them.
    const [{ Count: rows }] = await engine.rows<{ Count: number | string }>(
      `COPY (SELECT ${snapshotColumnsSql(table)}, $as_of::DATE AS "as_of" FROM ${source} AS merged
             ORDER BY ${keyListSql(table.key)})
       TO ${quoteLiteral(staged)} (${PARQUET_OPTIONS})`,
      { as_of: run.asOf },
    );
    const sealed = sealSnapshotFile(staged).then(
      ({ bytes, sha256 }): SnapshotEntry => ({
        table_name: table.name,
        as_of: run.asOf,
        path: relative,
        rows: Number(rows),
        bytes,
        sha256,
        run_id: run.runId,
        version: run.version,
      }),
    );
    sealed.catch(() => undefined); // awaited below; until then its failure must not count as unhandled
    written.push(sealed);
    onProgress(position + 1, contract.tables.length);
    if (position === 0) {
      await sealed;
      await faultPoint('snapshot-partial');
    }
  }
  return Promise.all(written);
}

/** How many differing keys a comparison names: enough to list a handful of fixed values whole, few enough for a terminal. */
const DIFFERENCE_SAMPLE_KEYS = 20;

/**
 * The state a month of `asOf` is merged into when it is frozen over history rather than
 * over the live tables (a correction, a late month), and what such a month is validated
 * against: the newest version of the frozen as_of just before it, or nothing (no rows)
 * when none is frozen before it.
 */
export async function stateBeforeSql(
  engine: Engine,
  layout: WarehouseLayout,
  table: TableSpec,
  manifest: readonly SnapshotEntry[],
  asOf: string,
): Promise<string> {
  const previous = manifest.filter((entry) => entry.table_name === table.name && entry.as_of < asOf).at(-1);
  return previous
    ? await frozenStateSql(engine, layout, table, previous)
    : `SELECT ${snapshotColumnsSql(table)} FROM wh.main.${quoteIdent(table.name)} WHERE false`;
}

/**
 * The table's state as of `asOf` frozen over history: the staged month merged into the
 * frozen as_of before it (`manifest`: one version per as_of, as readManifest gives it).
 * What a correction or a late month freezes, what a correction of the newest as_of leaves
 * in the live tables, and what a replay is compared with.
 */
export async function mergedOverFrozenSql(
  engine: Engine,
  layout: WarehouseLayout,
  table: TableSpec,
  manifest: readonly SnapshotEntry[],
  asOf: string,
): Promise<string> {
  return mergedStateSql(table, await stateBeforeSql(engine, layout, table, manifest, asOf));
}

/**
 * Compares what ingesting the staged month over the state before `asOf` would freeze
 * with what is frozen for `asOf` (the version `manifest` holds). Empty means the replay
 * changes nothing; otherwise, per table, what a correction would change.
 */
export async function compareWithFrozen(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  manifest: readonly SnapshotEntry[],
  asOf: string,
): Promise<TableDifference[]> {
  // One table at a time: each comparison holds a join of the whole table in memory.
  const differences: TableDifference[] = [];
  for (const table of contract.tables) {
    const frozen = manifest.find((entry) => entry.table_name === table.name && entry.as_of === asOf);
    const stored = frozen
      ? await frozenStateSql(engine, layout, table, frozen)
      : `SELECT ${snapshotColumnsSql(table)} FROM wh.main.${quoteIdent(table.name)} WHERE false`;
    const nextMissing = keyMissingSql(table.key, 'next');
    const storedMissing = keyMissingSql(table.key, 'stored');
    const shared = `NOT ${nextMissing} AND NOT ${storedMissing}`;
    const valueColumns = table.columns.filter((column) => !table.key.includes(column.name));
    const columnDiffers = (column: string) => `next.${quoteIdent(column)} IS DISTINCT FROM stored.${quoteIdent(column)}`;
    // Keys are unique (validated, and frozen from validated months), so a join on the key
    // that finds a missing side or a differing column is exactly a row-set difference.
    const differs = [nextMissing, storedMissing, ...valueColumns.map((column) => columnDiffers(column.name))].join(' OR ');
    const perColumn = valueColumns.map(
      (column) => `struct_pack("column" := ${quoteLiteral(column.name)}, "rows" := count(*) FILTER (WHERE ${shared} AND ${columnDiffers(column.name)}))`,
    );
    const [row] = await engine.rows<Omit<TableDifference, 'table'>>(
      // min(x, n) keeps n keys, not a list of every differing one.
      `SELECT count(*) FILTER (WHERE ${differs}) AS keys,
              count(*) FILTER (WHERE ${shared} AND (${differs})) AS changed,
              count(*) FILTER (WHERE ${storedMissing}) AS only_new,
              count(*) FILTER (WHERE ${nextMissing}) AS only_frozen,
              count(*) FILTER (WHERE ${shared}) AS shared,
              coalesce(min(coalesce(${keyTextSql(table.key, 'next')}, ${keyTextSql(table.key, 'stored')}), ${DIFFERENCE_SAMPLE_KEYS}) FILTER (WHERE ${differs}), []) AS sample_keys,
              [${perColumn.join(', ')}] AS columns
       FROM (${await mergedOverFrozenSql(engine, layout, table, manifest, asOf)}) AS next FULL OUTER JOIN (${stored}) AS stored ON ${keyJoinSql(table.key, 'next', 'stored')}`,
    );
    if (row.keys > 0) differences.push({ table: table.name, ...row, columns: row.columns.filter((column) => column.rows > 0) });
  }
  return differences;
}
