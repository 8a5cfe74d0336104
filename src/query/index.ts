// Read access for people: live tables as they are, and every snapshot table as a view
// `snapshots.<table>` over the files the manifest names (orphans of a dead run never show):
// per as_of its newest version, or with `--known-at` the newest one recorded by then
// (snapshot/versions.ts). Live tables have no versions: they are read as they are now.
//
// `query` runs a person's SQL, so it is read-only by construction, in three layers:
// 1. the engine is opened read-only (access_mode READ_ONLY) on a throwaway database in
//    a private temporary folder that holds only the views: every database it attaches,
//    the warehouse included, is read-only, an in-memory one cannot be attached, and no
//    extension is installed or loaded;
// 2. external access is then switched off with exactly the frozen files (and the
//    temporary file beside the `--out` target, renamed over it after: warehouse/output.ts)
//    as allowed paths, and the configuration locked, so no SET or RESET can give any of
//    it back: no other file can be read, written, attached or exported;
// 3. what it runs is one statement that DuckDB's own parser and binder classify as a
//    SELECT, which closes the last door the first two leave: COPY … TO onto one of the
//    allowed snapshot files themselves.
// May import: base, contract, artifacts, config, engine, warehouse, load, validate, upsert, snapshot, record, sync (the layer rule, .dependency-cruiser.cjs).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SnapshotEntry, SnapshotVersion } from '../artifacts';
import type { Contract } from '../contract/contract';
import type { TableSpec } from '../contract/tables';
import { type Engine, openEngine, quoteIdent, quoteLiteral, type ResultColumn } from '../engine/duckdb';
import { InvocationError, StreamflowError } from '../errors';
import { type FileFormat, fileFormat, printableResult, type RenderOptions, type StdoutFormat, writeResult } from '../output';
import { readManifest } from '../snapshot';
import { frozenRowsSql } from '../snapshot/frozen';
import { attachWarehouse } from '../warehouse/catalog';
import type { WarehouseLayout } from '../warehouse/layout';
import { checkUserOutput, type UserOutput } from '../warehouse/output';
import { openReader } from '../warehouse/reader';
import { describeResolution, partitionsAsOf } from './time-travel';

/** Where `query --out` writes (checked, with the temporary file beside it), and in which format (from the file's extension). */
export interface OutputTarget extends UserOutput {
  readonly format: FileFormat;
}

/** The `--out` file as it will really be written (symlinks resolved); refused inside the warehouse folder or onto a committed file (warehouse/output.ts). */
export function resolveOutput(layout: WarehouseLayout, file: string): OutputTarget {
  const format = fileFormat(file);
  return { ...checkUserOutput(layout, file), format };
}

export interface QueryEngine {
  /** The result of one SELECT in a stdout format (output/): text, or Arrow IPC bytes. */
  print(sql: string, format: StdoutFormat, options?: RenderOptions): Promise<string | Uint8Array>;
  /** The result of one SELECT, column by column with the engine's types. */
  select(sql: string): Promise<ResultColumn[]>;
  /** The result of one SELECT a chunk at a time (valid until close). */
  stream(sql: string): AsyncGenerator<ResultColumn[]>;
  /** Writes the result of one SELECT to the `--out` target the engine was opened with; returns the row count. */
  export(sql: string, options?: RenderOptions): Promise<number>;
  /** With --as-of: the as_of the tables resolved to and its age (describeResolution); with --known-at alone, what it applies to; undefined without either. */
  readonly resolution?: string;
  close(): void;
}

export interface QueryOptions {
  /** Where `--out` writes; none: results are returned. */
  readonly out?: OutputTarget;
  /** Time travel: table names resolve to their snapshots at the newest as_of <= this date instead of live tables. */
  readonly asOf?: string;
  /** Knowledge time (UTC ISO, parseKnownAt): snapshot views read the newest version of each as_of recorded at or before it; default every newest one. */
  readonly knownAt?: string;
}

/** A sealed reader whose search path resolves live tables (or their snapshots at `asOf`), meta.* and snapshots.<table> views. */
export async function openQueryEngine(layout: WarehouseLayout, contract: Contract, { out, asOf, knownAt }: QueryOptions = {}): Promise<QueryEngine> {
  const reader = await openReader(layout);
  const manifest = await readManifest(reader, knownAt).finally(() => reader.close());
  const boundAsOf = asOf === undefined ? undefined : partitionsAsOf(manifest, asOf, knownAt);
  const present = manifest.filter((entry) => fs.existsSync(path.join(layout.root, entry.path)));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamflow-query-'));
  const viewsDatabase = path.join(workDir, 'views.duckdb');
  const removeWorkDir = () => fs.rmSync(workDir, { recursive: true, force: true });
  let engine: Engine | undefined;
  try {
    await writeViews(viewsDatabase, contract, layout, manifest, boundAsOf);
    engine = await openEngine({ readOnlyDatabase: viewsDatabase });
    await attachWarehouse(engine, layout, 'read_only');
    // DuckDB writes a Parquet output's temporary file beside the target, never the target itself:
    // that one is replaced by rename. Every other format is written by the output writer, not DuckDB.
    const allowed = [...present.map((entry) => path.join(layout.root, entry.path)), ...(out?.format === 'parquet' ? [out.temporary] : [])];
    await engine.run(`SET allowed_paths = [${allowed.map(quoteLiteral).join(', ')}]`);
    await engine.run('SET enable_external_access = false');
    await engine.run(`SET search_path = '${boundAsOf ? 'views.as_of' : 'wh.main'},wh.meta,views.snapshots'`);
    await engine.run('SET lock_configuration = true');
  } catch (error) {
    engine?.close();
    removeWorkDir();
    throw error;
  }
  const sealed = engine;
  return {
    resolution:
      asOf !== undefined && boundAsOf !== undefined
        ? describeResolution(asOf, boundAsOf, knownAt)
        : knownAt !== undefined
          ? `--known-at ${knownAt}: snapshots.<table> as known then; live tables and meta.* have no versions and are read as they are now (--as-of binds table names to snapshots)`
          : undefined,
    print: async (sql, format, options) => printableResult(sealed, await selectOnly(sealed, sql), format, options).catch(explainFailure),
    select: async (sql) => sealed.columns(await selectOnly(sealed, sql)).catch(explainFailure),
    stream: async function* (sql) {
      const select = await selectOnly(sealed, sql);
      try {
        yield* sealed.batches(select);
      } catch (error) {
        explainFailure(error as Error);
      }
    },
    export: async (sql, options) => {
      if (!out) throw new InvocationError('no --out file to write to');
      const select = await selectOnly(sealed, sql);
      return writeResult(sealed, select, out, out.format, options).catch((error: Error) => {
        if (error instanceof StreamflowError) throw error;
        return explainFailure(error);
      });
    },
    close: () => {
      sealed.close();
      removeWorkDir();
    },
  };
}

/**
 * The views, written into their own small database: live tables need no file, and a
 * snapshot table is read over the files the manifest names. A frozen file that is gone
 * leaves every other query working; one that reads its partition fails naming it. With
 * time travel, `as_of.<table>` reads the one partition bound to the table.
 */
async function writeViews(
  database: string,
  contract: Contract,
  layout: WarehouseLayout,
  manifest: readonly SnapshotEntry[],
  boundAsOf: ReadonlyMap<string, SnapshotVersion> | undefined,
): Promise<void> {
  const engine = await openEngine();
  try {
    await engine.run(`ATTACH ${quoteLiteral(database)} AS views`);
    await engine.run('CREATE SCHEMA views.snapshots');
    if (boundAsOf) await engine.run('CREATE SCHEMA views.as_of');
    for (const table of contract.tables) {
      const entries = manifest.filter((entry) => entry.table_name === table.name);
      await engine.run(`CREATE VIEW views.snapshots.${quoteIdent(table.name)} AS ${await snapshotViewSql(engine, layout, table, entries)}`);
      if (!boundAsOf) continue;
      const bound = boundAsOf.get(table.name);
      await engine.run(`CREATE VIEW views.as_of.${quoteIdent(table.name)} AS ${await snapshotViewSql(engine, layout, table, bound ? [bound] : [])}`);
    }
    await engine.run('DETACH views');
  } finally {
    engine.close();
  }
}

export async function snapshotViewSql(engine: Engine, layout: WarehouseLayout, table: TableSpec, entries: readonly SnapshotEntry[]): Promise<string> {
  const present = entries.filter((entry) => fs.existsSync(path.join(layout.root, entry.path)));
  const missing = entries.filter((entry) => !present.includes(entry));
  const nullRow = (asOf: string) =>
    `SELECT ${table.columns.map((column) => `NULL::${column.type} AS ${quoteIdent(column.name)}`).join(', ')}, ${asOf} AS "as_of"`;
  const parts = [
    present.length > 0
      ? await frozenRowsSql(
          engine,
          table,
          present.map((entry) => path.join(layout.root, entry.path)),
        )
      : `${nullRow('NULL::DATE')} WHERE false`,
  ];
  // One row per missing partition, carrying its as_of, whose filter raises the error: a query
  // that needs that partition fails naming it; one that filters it away never plans the row.
  for (const entry of missing) {
    const message = `snapshot file ${entry.path} is missing: run \`streamflow verify\`, then restore it (or \`streamflow rebuild\` if the database is lost too)`;
    parts.push(`${nullRow(`${quoteLiteral(entry.as_of)}::DATE`)} WHERE error(${quoteLiteral(message)})::BOOLEAN`);
  }
  return parts.join(' UNION ALL ');
}

/** The statement, when it is exactly one that DuckDB classifies as a SELECT. */
async function selectOnly(engine: Engine, sql: string): Promise<string> {
  const types = await engine.statementTypes(sql).catch(explainFailure);
  if (types.length !== 1 || types[0] !== 'SELECT') {
    throw new InvocationError(
      `query runs one read-only SELECT statement, not ${types.length === 1 ? `a ${types[0]} statement` : `${types.length} statements (${types.join(', ')})`}; ` +
        'to write a file, use --out FILE',
    );
  }
  return sql;
}

function explainFailure(error: Error): never {
  const hint = /snapshots\//.test(error.message) && !/Permission Error/.test(error.message) ? ' (a snapshot file may be damaged: run `streamflow verify`)' : '';
  throw new InvocationError(`query failed: ${error.message}${hint}`);
}
