// training-set: the point-in-time join of snapshot features and labels for a set of entity
// rows, written to Parquet, CSV or Arrow (or returned for printing), with a leakage check
// and a summary. Reads the warehouse read-only; writes only its output file, by rename.
// May import: base, contract, artifacts, config, engine, warehouse, load, validate, upsert, snapshot, record, sync, query (the layer rule, .dependency-cruiser.cjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type SnapshotVersion, TRAINING_SUMMARY_VERSION } from '../artifacts';
import type { Contract } from '../contract/contract';
import { arrowIpc } from '../engine/arrow';
import { type Engine, quoteIdent, quoteLiteral, type ResultColumn } from '../engine/duckdb';
import { EmptyResultError, InvocationError } from '../errors';
import { readManifest } from '../snapshot';
import { frozenColumns } from '../snapshot/frozen';
import { keyTextSql } from '../warehouse/keys';
import type { WarehouseLayout } from '../warehouse/layout';
import { checkUserOutput, type UserOutput, writeUserOutput } from '../warehouse/output';
import { openReader } from '../warehouse/reader';
import { type EntitySource, loadEntities } from './entities';
import {
  LABEL_FOUND,
  LABEL_PICK,
  type LabelRule,
  labelAsOfColumn,
  PICKS_TABLE,
  type PickedSnapshot,
  type PointInTimeView,
  pickedSnapshotsSql,
  picksSql,
  pointInTimeParams,
  pointInTimeSql,
} from './point-in-time';
import { entityColumns, selectFeatures, sourceAsOfColumn } from './select';
import { parseTtl } from './ttl';

export type TrainingFormat = 'parquet' | 'csv' | 'arrow';

export interface TrainingRequest {
  readonly entities: EntitySource;
  /** `view.column,view.*,…`; default: the default views. */
  readonly features?: string;
  readonly fullNames?: boolean;
  /** Overrides every selected view's ttl, e.g. `10d`. */
  readonly ttl?: string;
  /** 1: the label of the next frozen month; default 0, the month of the features. */
  readonly labelHorizon?: number;
  /** How far the labels snapshot may be from the row, e.g. `60d`; default the project's label ttl. */
  readonly labelTtl?: string;
  readonly withSourceAsOf?: boolean;
  /** .parquet, .csv or .arrow; undefined: the rows are returned. */
  readonly out?: string;
  /** Write (or return) a training set of no rows; without it that is an error (exit 1) naming why. */
  readonly allowEmpty?: boolean;
  /** DuckDB threads and memory limit (--threads, --memory-limit). */
  readonly engine?: { readonly threads?: number; readonly memoryLimit?: string };
  /** Knowledge time (UTC ISO, parseKnownAt): read each as_of's newest version recorded at or before it; default now. */
  readonly knownAt?: string;
}

/** A snapshot version a training set read: which version of which as_of, and when it became known. */
export interface VersionRead {
  readonly table_name: string;
  readonly as_of: string;
  readonly version: number;
  readonly recorded_at: string;
}

/** The versions a training set read, so that it can be told apart from one read after a correction, and rebuilt. */
export interface VersionsRead {
  /** --as-of: the label table's snapshot whose entities are the rows; null for an entity file. */
  readonly entities: VersionRead | null;
  /** Per feature view, every snapshot some row's values came from, by as_of. */
  readonly features: Record<string, VersionRead[]>;
  /** The labels snapshots the rows' labels came from, by as_of (none when the entity file carries them). */
  readonly label: VersionRead[];
}

export interface TrainingSummary {
  readonly schema_version: typeof TRAINING_SUMMARY_VERSION;
  readonly entities: string;
  /** Rows in the training set. */
  readonly rows: number;
  /** --as-of rows dropped because their label-horizon month is not frozen yet. */
  readonly labels_left_out: number;
  /** --entities rows kept with a NULL label (no labels snapshot for them, or only one beyond the label ttl). */
  readonly rows_without_label: number;
  /** Rows whose labels snapshot lay beyond the label ttl from their event_timestamp: label NULL (--as-of: left out). */
  readonly labels_past_ttl: number;
  /** --entities rows whose event_timestamp carried a zone or offset, converted to UTC (one without is UTC already). */
  readonly timestamps_converted_to_utc: number;
  /** `entities` (the file's own label column), `same_as_of` or `next_as_of`. */
  readonly label: 'entities' | 'same_as_of' | 'next_as_of';
  /** Per view: rows with no snapshot at or before the row within the ttl (all its features NULL). */
  readonly rows_missing_features: Record<string, number>;
  /** Oldest and newest snapshot as_of any feature value came from (null: none). */
  readonly source_as_of: { readonly min: string | null; readonly max: string | null };
  readonly columns: readonly string[];
  readonly out: string | null;
  /** The knowledge time read with (UTC, ISO 8601): --known-at, else the moment of reading; `--known-at` it again to rebuild the same set. */
  readonly known_at: string;
  readonly versions_read: VersionsRead;
}

export interface TrainingResult {
  readonly summary: TrainingSummary;
  /** The rows, column by column, when no --out file was asked for. */
  readonly rows?: ResultColumn[];
}

/** The output format an --out path asks for (by its extension). */
export function outputFormat(out: string): TrainingFormat {
  const extension = path.extname(out).toLowerCase().slice(1);
  if (extension !== 'parquet' && extension !== 'csv' && extension !== 'arrow') {
    throw new InvocationError(`--out ${out}: expected a .parquet, .csv or .arrow file`);
  }
  return extension;
}

function labelRule(contract: Contract, request: TrainingRequest, labelled: boolean): Exclude<LabelRule, { readonly from: 'none' }> {
  if (request.labelHorizon !== undefined && request.labelHorizon !== 0 && request.labelHorizon !== 1) {
    throw new InvocationError(`--label-horizon ${request.labelHorizon}: expected 0 (the features' month) or 1 (the next frozen month)`);
  }
  if (labelled && request.labelHorizon !== undefined) {
    throw new InvocationError(`--label-horizon: the entity file carries its own ${contract.label.column}; drop the column or the flag`);
  }
  if (labelled && request.labelTtl !== undefined) {
    throw new InvocationError(`--label-ttl: the entity file carries its own ${contract.label.column}; drop the column or the flag`);
  }
  return labelled
    ? { from: 'entities' }
    : {
        from: 'snapshot',
        horizon: request.labelHorizon === 1 ? 1 : 0,
        ttlSeconds: parseTtl(request.labelTtl ?? contract.label.ttl, request.labelTtl === undefined ? 'label ttl' : '--label-ttl'),
      };
}

/** Why a training set came out empty, in the words of its request. */
function emptyReason(request: TrainingRequest, entityRows: number, summary: TrainingSummary): string {
  if (entityRows === 0) return `training-set: the entity rows (${summary.entities}) are empty; nothing to build (--allow-empty writes the empty set)`;
  const horizon = request.labelHorizon === 1 ? `the next frozen month's (--label-horizon 1)` : `the features' month's`;
  const why =
    summary.labels_past_ttl > 0
      ? `${summary.labels_past_ttl} of them because their labels snapshot lies beyond the label ttl (--label-ttl)`
      : 'and no such labels snapshot is frozen yet';
  return (
    `training-set: 0 rows: all ${entityRows} entity rows of ${summary.entities} were left out for want of a label, ${horizon}, ` +
    `${why}; choose an earlier --as-of or --label-horizon 0 (--allow-empty writes the empty set)`
  );
}

/** Thrown when a feature value comes from a snapshot after its row's event_timestamp: a bug in the join, never a user error. */
export class LeakageError extends Error {}

/** Fails loudly if any row of `table` holds a view value frozen after the row's event_timestamp. */
export async function assertNoLeakage(engine: Engine, contract: Contract, table: string, views: readonly PointInTimeView[]): Promise<void> {
  const entity = keyTextSql(contract.entity);
  for (const { view } of views) {
    const asOf = quoteIdent(sourceAsOfColumn(view));
    const [found] = await engine.rows<{ count: number; sample: string | null }>(
      `SELECT count(*) AS count, min(${entity} || ' at ' || "event_timestamp"::VARCHAR || ' got ' || ${asOf}::VARCHAR) AS sample
       FROM ${quoteIdent(table)} WHERE ${asOf} > "event_timestamp"`,
    );
    if (found.count > 0) {
      throw new LeakageError(
        `leakage: ${found.count} rows of view ${view.name} carry values frozen after their event_timestamp (e.g. ${found.sample}); nothing written`,
      );
    }
  }
}

/** Writes `sql`'s rows to the checked output through a temporary file in the same folder, renamed into place (warehouse/output.ts). */
async function writeOutput(engine: Engine, sql: string, output: UserOutput, format: TrainingFormat): Promise<void> {
  if (format === 'arrow') {
    const bytes = await arrowIpc(await engine.columns(sql));
    await writeUserOutput(output, (temporary) => fs.writeFileSync(temporary, bytes));
    return;
  }
  const options = format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT parquet, COMPRESSION zstd';
  // USE_TMP_FILE false: DuckDB writes the temporary file itself, and no second one of its own beside it.
  await writeUserOutput(output, (temporary) => engine.run(`COPY (${sql}) TO ${quoteLiteral(temporary)} (${options}, USE_TMP_FILE false)`));
}

/** The table `joinPointInTime` fills. */
export const POINT_IN_TIME_TABLE = 'training_rows';

/**
 * The point-in-time join of the entity rows already loaded (entities.ts) with `views` and
 * the label by `label`, into table training_rows, checked for leakage: the one code path
 * from snapshots to feature values, for training sets and for the vectors `serve` answers with.
 */
export async function joinPointInTime(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  manifest: readonly SnapshotVersion[],
  views: readonly PointInTimeView[],
  label: LabelRule,
): Promise<Omit<VersionsRead, 'entities'>> {
  await engine.run(`CREATE TABLE ${PICKS_TABLE} AS ${picksSql(contract, manifest, views, label)}`, pointInTimeParams(views, label));
  const picked = await engine.rows<{ view: string | null; table_name: string; as_of: string }>(pickedSnapshotsSql(contract, views, label));
  const entryOf = (table: string, asOf: string) => manifest.find((entry) => entry.table_name === table && entry.as_of === asOf)!;
  const snapshots: PickedSnapshot[] = [];
  for (const entry of manifest.filter((candidate) => picked.some((row) => row.table_name === candidate.table_name && row.as_of === candidate.as_of))) {
    snapshots.push({ ...entry, columns: await frozenColumns(engine, [path.join(layout.root, entry.path)]) });
  }
  await engine.run(`CREATE TABLE ${POINT_IN_TIME_TABLE} AS ${pointInTimeSql(contract, layout, snapshots, views, label)}`);
  await assertNoLeakage(engine, contract, POINT_IN_TIME_TABLE, views);
  const readBy = (view: string | null) =>
    picked
      .filter((row) => row.view === view)
      .map((row) => versionRead(entryOf(row.table_name, row.as_of)))
      .sort((a, b) => a.as_of.localeCompare(b.as_of));
  return { features: Object.fromEntries(views.map(({ view }) => [view.name, readBy(view.name)])), label: readBy(null) };
}

function versionRead({ table_name, as_of, version, recorded_at }: SnapshotVersion): VersionRead {
  return { table_name, as_of, version, recorded_at };
}

export async function buildTrainingSet(layout: WarehouseLayout, contract: Contract, request: TrainingRequest): Promise<TrainingResult> {
  const format = request.out === undefined ? undefined : outputFormat(request.out);
  // Before any work: an --out inside the warehouse, or onto a file it committed, is refused (exit 3).
  const output = request.out === undefined ? undefined : checkUserOutput(layout, request.out);
  const ttlOverride = request.ttl === undefined ? undefined : parseTtl(request.ttl);
  const views: PointInTimeView[] = selectFeatures(contract, request.features, { fullNames: request.fullNames }).map((selected) => ({
    ...selected,
    ttlSeconds: ttlOverride ?? (selected.view.ttl === null ? null : parseTtl(selected.view.ttl, `feature view ${selected.view.name} ttl`)),
  }));
  // The same read-only opener as `query`: the warehouse attached READ_ONLY, never created.
  const engine = await openReader(layout, request.engine);
  try {
    // Without --known-at, now, taken while the reader is open: a run records its versions
    // inside its transaction, which it cannot hold while this reader is open, so every
    // version read is recorded before now and every later one after it: `--known-at` this
    // moment reads the same versions again, whatever is corrected later.
    const knownAt = request.knownAt ?? new Date().toISOString();
    const manifest = await readManifest(engine, knownAt);
    const entities = await loadEntities(engine, contract, layout, manifest, request.entities, request.knownAt);
    const label = labelRule(contract, request, entities.labelled);
    const read = await joinPointInTime(engine, contract, layout, manifest, views, label);

    const labelColumn = quoteIdent(contract.label.column);
    // --as-of rows are the labels snapshot's users: one whose label month is not frozen has no label and is left out.
    const [{ left_out }] = await engine.rows<{ left_out: number }>(`SELECT count(*) AS left_out FROM training_rows WHERE ${labelColumn} IS NULL`);
    const [{ past_ttl }] =
      label.from === 'snapshot'
        ? await engine.rows<{ past_ttl: number }>(
            `SELECT count(*) AS past_ttl FROM ${PICKS_TABLE} WHERE ${quoteIdent(LABEL_FOUND)} IS NOT NULL AND ${quoteIdent(LABEL_PICK)} IS NULL`,
          )
        : [{ past_ttl: 0 }];
    if ('asOf' in request.entities) await engine.run(`DELETE FROM training_rows WHERE ${labelColumn} IS NULL`);

    const asOfColumns = views.map(({ view }) => quoteIdent(sourceAsOfColumn(view)));
    const [stats] = await engine.rows<Record<string, number | string | null>>(
      `SELECT count(*) AS rows,
              ${views.map(({ view }, index) => `count(*) FILTER (WHERE ${asOfColumns[index]} IS NULL) AS ${quoteIdent(view.name)}`).join(', ')},
              strftime(min(least(${asOfColumns.join(', ')})), '%Y-%m-%d') AS source_min,
              strftime(max(greatest(${asOfColumns.join(', ')})), '%Y-%m-%d') AS source_max
       FROM training_rows`,
    );
    const columns = [
      ...entityColumns(contract),
      ...views.flatMap(({ features }) => features.map((feature) => feature.output)),
      ...(request.withSourceAsOf ? views.map(({ view }) => sourceAsOfColumn(view)) : []),
      contract.label.column,
      ...(request.withSourceAsOf && label.from === 'snapshot' ? [labelAsOfColumn(contract.label)] : []),
    ];
    const outputSql = `SELECT ${columns.map(quoteIdent).join(', ')} FROM training_rows ORDER BY "entity_row"`;
    const summary: TrainingSummary = {
      schema_version: TRAINING_SUMMARY_VERSION,
      entities: 'asOf' in request.entities ? `${contract.label.table} snapshot as_of ${request.entities.asOf}` : request.entities.file,
      rows: Number(stats.rows),
      labels_left_out: 'asOf' in request.entities ? left_out : 0,
      rows_without_label: 'asOf' in request.entities ? 0 : left_out,
      labels_past_ttl: past_ttl,
      timestamps_converted_to_utc: entities.convertedToUtc,
      label: label.from === 'entities' ? 'entities' : label.horizon === 0 ? 'same_as_of' : 'next_as_of',
      rows_missing_features: Object.fromEntries(views.map(({ view }) => [view.name, Number(stats[view.name])])),
      source_as_of: { min: stats.source_min as string | null, max: stats.source_max as string | null },
      columns,
      out: request.out === undefined ? null : path.resolve(request.out),
      known_at: knownAt,
      versions_read: { entities: entities.snapshot && versionRead(entities.snapshot), ...read },
    };
    if (summary.rows === 0 && request.allowEmpty !== true) throw new EmptyResultError(emptyReason(request, entities.rows, summary));
    if (output === undefined || format === undefined) return { summary, rows: await engine.columns(outputSql) };
    await writeOutput(engine, outputSql, output, format);
    return { summary };
  } finally {
    engine.close();
  }
}
