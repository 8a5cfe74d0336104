// The library API (the package's export, ../index.ts): the CLI's read-only operations for
// code and notebooks, results as apache-arrow Tables typed as `query --format arrow` types
// them. A handle holds nothing between calls: each call opens the warehouse read-only,
// reads and closes it, so a notebook left open never makes a run wait. Only a stream holds
// the file, while it is iterated.
// May import every layer below the command line (the layer rule, .dependency-cruiser.cjs).
import * as path from 'node:path';
import type { RecordBatch, Table } from 'apache-arrow';
import type { SnapshotVersion } from '../artifacts';
import { resolveSettings, type Settings } from '../config';
import type { Contract } from '../contract/contract';
import { arrowBatch, arrowTable } from '../engine/arrow';
import { type ColumnKind, type Engine, quoteIdent, type ResultColumn } from '../engine/duckdb';
import { InvocationError } from '../errors';
import { parseAsOf } from '../flow/invocation';
import { type OutputTarget, openQueryEngine, type QueryEngine } from '../query';
import { knowledgeTime } from '../query/time-travel';
import { listRuns, type RunListing, runColumns } from '../record/history';
import type { RunFilter } from '../record/run-filter';
import { listSnapshotVersions, type ManifestFilter } from '../snapshot';
import { buildTrainingSet, type TrainingRequest, type TrainingResult } from '../training';
import type { TrainingOptions, TrainingSummary } from '../training/options';
import { type WarehouseLayout, warehouseLayout } from '../warehouse/layout';
import { openReader } from '../warehouse/reader';

export interface OpenOptions {
  /**
   * The project file (streamflow.yaml) whose contract names the tables; default:
   * STREAMFLOW_PROJECT, else the nearest streamflow.yaml at or above the warehouse folder,
   * else the package's own (the reference dataset).
   */
  readonly project?: string;
  /** DuckDB threads for a training set's join (default: all cores). */
  readonly threads?: number;
  /** DuckDB memory limit for a training set's join, e.g. "4GB". */
  readonly memoryLimit?: string;
}

/** How a read resolves table names. Options only ever add fields, so a call written today keeps working. */
export interface ReadOptions {
  /** Time travel: each table name reads its snapshot at the newest as_of <= this date (YYYY-MM-DD), as `query --as-of`. */
  readonly asOf?: string;
  /**
   * Knowledge time (ISO 8601: a date, or a date and time; `Z` or an offset, none meaning UTC),
   * as `--known-at`: snapshots read as they were known then, each as_of's newest version
   * recorded at or before it; the same result whenever it is read again. Not after now.
   */
  readonly knownAt?: string;
}

/** `training-set`'s options, by the same names (features, fullNames, ttl, labelHorizon, labelTtl, withSourceAsOf, allowEmpty). */
export interface TrainingSetOptions extends TrainingOptions {
  /** One row per entity of the labels snapshot at this as_of (YYYY-MM-DD); or give `entities`. */
  readonly asOf?: string;
  /** A CSV or Parquet file of entity rows (key, event_timestamp, optionally the label). */
  readonly entities?: string;
}

export interface TrainingSet {
  readonly table: Table;
  /** What `training-set --json` prints: rows, labels left out, the label rule, source as_of range, columns. */
  readonly summary: TrainingSummary;
}

export interface SnapshotFilter {
  readonly table?: string;
  readonly asOf?: string;
}

export type { RunFilter, TrainingSummary };

/**
 * An open warehouse. Every call opens the database read-only, reads and closes it; `close`
 * (or `await using`) ends the handle, after which calls are refused.
 */
export class Warehouse implements AsyncDisposable {
  private closed = false;

  /** @internal Use openWarehouse. */
  constructor(
    /** The warehouse folder, absolute. */
    readonly dir: string,
    /** The tables of the project's contract, as the warehouse holds them. */
    readonly tables: readonly string[],
    private readonly contract: Contract,
    private readonly limits: { readonly threads?: number; readonly memoryLimit?: string },
  ) {}

  private get layout(): WarehouseLayout {
    if (this.closed) throw new InvocationError(`the warehouse handle on ${this.dir} is closed: openWarehouse it again`);
    return warehouseLayout(this.dir);
  }

  /** One read-only SELECT over live tables, `snapshots.<table>` views and `meta.*` tables, as `query` runs it. */
  async sql(text: string, options: ReadOptions = {}): Promise<Table> {
    return arrowTable(await this.withQuery(options, (engine) => engine.select(text)));
  }

  /** The same, a record batch (~2,048 rows) at a time: for big results. Holds the database file until the loop ends. */
  async *stream(text: string, options: ReadOptions = {}): AsyncGenerator<RecordBatch> {
    const engine = await openQueryEngine(this.layout, this.contract, queryOptions(options));
    try {
      for await (const columns of engine.stream(text)) yield await arrowBatch(columns);
    } finally {
      engine.close();
    }
  }

  /** A live table, or with `asOf` its snapshot at that date; `snapshots.<table>` reads every as_of. */
  async table(name: string, options: ReadOptions = {}): Promise<Table> {
    const known = [...this.tables, ...this.tables.map((table) => `snapshots.${table}`)];
    if (!known.includes(name)) throw new InvocationError(`table ${JSON.stringify(name)}: expected one of ${known.join(', ')}`);
    const [schema, table] = name.includes('.') ? name.split('.') : [undefined, name];
    return this.sql(`SELECT * FROM ${schema === undefined ? '' : `${schema}.`}${quoteIdent(table)}`, options);
  }

  /** The point-in-time training set, as `training-set` builds it (no value from after a row's event_timestamp). */
  async trainingSet({ asOf, entities, knownAt, ...options }: TrainingSetOptions): Promise<TrainingSet> {
    if ((asOf === undefined) === (entities === undefined)) throw new InvocationError('trainingSet: give exactly one of asOf or entities');
    const { summary, rows } = await this.buildTrainingSet({
      ...options,
      knownAt: knownAt === undefined ? undefined : knowledgeTime(knownAt),
      returned: 'columns',
      entities: asOf !== undefined ? { asOf: parseAsOf(asOf) } : { file: path.resolve(entities!) },
    });
    return { table: await arrowTable(rows ?? []), summary };
  }

  /** Run history, newest first, as `runs --json` lists it (unchanged replays only with `all`). */
  async runs(filter: RunFilter = {}): Promise<Table> {
    return arrowTable(await runColumns(this.layout, filter));
  }

  /** Every version of every snapshot partition, as `snapshots --json` lists them: table_name, as_of, path (where the file is now), rows, bytes, sha256, run_id, version, recorded_at, reason. */
  async snapshots(filter: SnapshotFilter = {}): Promise<Table> {
    return arrowTable(snapshotColumns(await this.manifest(filter)));
  }

  close(): void {
    this.closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** @internal The command line's `query`: one sealed query engine for the call (with `out`, its --out target). */
  async withQuery<T>(options: ReadOptions & { readonly out?: OutputTarget }, read: (engine: QueryEngine) => Promise<T>): Promise<T> {
    const engine = await openQueryEngine(this.layout, this.contract, { ...queryOptions(options), out: options.out });
    try {
      return await read(engine);
    } finally {
      engine.close();
    }
  }

  /** @internal The command line's `training-set`: the rows as typed columns, or written to `out`. */
  buildTrainingSet(request: Omit<TrainingRequest, 'engine'>): Promise<TrainingResult> {
    return buildTrainingSet(this.layout, this.contract, { ...request, engine: this.limits });
  }

  /** @internal The command line's `runs`: the listing as records. */
  listRuns(filter: RunFilter = {}): Promise<RunListing> {
    return listRuns(this.layout, filter);
  }

  /** @internal The command line's `snapshots`: every version as records. */
  manifest(filter: SnapshotFilter = {}): Promise<SnapshotVersion[]> {
    return this.withReader((engine) => listSnapshotVersions(engine, manifestFilter(filter)));
  }

  private async withReader<T>(read: (engine: Engine) => Promise<T>): Promise<T> {
    const engine = await openReader(this.layout);
    try {
      return await read(engine);
    } finally {
      engine.close();
    }
  }
}

function queryOptions({ asOf, knownAt }: ReadOptions): { asOf?: string; knownAt?: string } {
  return { asOf: asOf === undefined ? undefined : parseAsOf(asOf), knownAt: knownAt === undefined ? undefined : knowledgeTime(knownAt) };
}

/** The listing's fields as typed columns, in `snapshots --json` order (as_of and recorded_at as text, as it prints them). */
function snapshotColumns(versions: readonly SnapshotVersion[]): ResultColumn[] {
  const fields: readonly [keyof SnapshotVersion, ColumnKind, string][] = [
    ['table_name', 'text', 'VARCHAR'],
    ['as_of', 'text', 'VARCHAR'],
    ['path', 'text', 'VARCHAR'],
    ['rows', 'int64', 'BIGINT'],
    ['bytes', 'int64', 'BIGINT'],
    ['sha256', 'text', 'VARCHAR'],
    ['run_id', 'text', 'VARCHAR'],
    ['version', 'int32', 'INTEGER'],
    ['recorded_at', 'text', 'VARCHAR'],
    ['reason', 'text', 'VARCHAR'],
  ];
  return fields.map(([name, kind, sql]) => ({
    name,
    type: { kind, sql },
    values: versions.map((entry) => (kind === 'int64' ? BigInt(entry[name] as number) : entry[name])),
  }));
}

function manifestFilter({ table, asOf }: SnapshotFilter): ManifestFilter {
  return { table, asOf: asOf === undefined ? undefined : parseAsOf(asOf) };
}

/** @internal The command line's handle on the warehouse its settings name: the same calls, without openWarehouse's up-front check. */
export function warehouseOf(settings: Settings): Warehouse {
  return new Warehouse(
    settings.warehouseDir,
    settings.contract.tables.map((table) => table.name),
    settings.contract,
    { threads: settings.threads, memoryLimit: settings.memoryLimit },
  );
}

/**
 * Opens the warehouse in folder `dir` (checked: it is there and holds a database) for
 * read-only calls. The handle holds no file between calls.
 */
export async function openWarehouse(dir: string, options: OpenOptions = {}): Promise<Warehouse> {
  const root = path.resolve(dir);
  const settings = await resolveSettings(
    { warehouse: root, project: options.project === undefined ? undefined : path.resolve(options.project) },
    process.env,
    root,
  );
  // The checks every reader makes (the database there, not lost, not damaged), once up front.
  (await openReader(warehouseLayout(root))).close();
  return warehouseOf({ ...settings, threads: options.threads ?? settings.threads, memoryLimit: options.memoryLimit ?? settings.memoryLimit });
}
