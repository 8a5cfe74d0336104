// training-set: the point-in-time join of snapshot features and labels for a set of entity
// rows, written by the output writer to Parquet, CSV, JSON or Arrow (or rendered as a table
// for printing), with a leakage check and a summary. Reads the warehouse read-only; writes
// only its output file, by rename.
// May import: base, contract, artifacts, config, engine, warehouse, load, validate, upsert, snapshot, record, sync, query (the layer rule, .dependency-cruiser.cjs).
import * as path from 'node:path';
import { type SnapshotVersion, TRAINING_SUMMARY_VERSION } from '../artifacts';
import type { Contract } from '../contract/contract';
import { type Engine, quoteIdent, type ResultColumn } from '../engine/duckdb';
import { EmptyResultError, InvocationError } from '../errors';
import { type FileFormat, fileFormat, tableText, writeResult } from '../output';
import { readManifest } from '../snapshot';
import { frozenColumns } from '../snapshot/frozen';
import { keyTextSql } from '../warehouse/keys';
import type { WarehouseLayout } from '../warehouse/layout';
import { checkUserOutput } from '../warehouse/output';
import { openReader } from '../warehouse/reader';
import { ENTITY_TABLE, type EntitySource, loadEntities } from './entities';
import type { TrainingOptions, TrainingSummary, VersionRead, VersionsRead } from './options';
import {
  joinedGroupsSql,
  type KeyRange,
  keyLiteral,
  LABEL_FOUND,
  LABEL_PICK,
  type LabelRule,
  labelAsOfColumn,
  MOMENTS_TABLE,
  PICKS_TABLE,
  type PickedSnapshot,
  type PointInTimeView,
  pickedSnapshotsSql,
  picksSql,
  picksViewSql,
  pointInTimeParams,
  pointInTimeUnitSql,
  type ReadGroup,
  readAt,
  readGroups,
  rowGroupStartsSql,
  splitGroup,
} from './point-in-time';
import { entityColumns, selectFeatures, sourceAsOfColumn } from './select';
import { parseTtl } from './ttl';

export interface TrainingRequest extends TrainingOptions {
  readonly entities: EntitySource;
  /** .parquet, .csv, .json or .arrow (output/formats.ts); undefined: the rows are returned, as `returned` says. */
  readonly out?: string;
  /** DuckDB threads and memory limit (--threads, --memory-limit). */
  readonly engine?: { readonly threads?: number; readonly memoryLimit?: string };
  /** Without `out`: the rows as an aligned text table (the command line's, the default) or as typed columns (the library API's). */
  readonly returned?: 'text' | 'columns';
}

export interface TrainingResult {
  readonly summary: TrainingSummary;
  /** The rows as an aligned text table, when no --out file was asked for and `returned` is 'text'. */
  readonly table?: string;
  /** The rows, column by column with the engine's types, when no --out file was asked for and `returned` is 'columns'. */
  readonly rows?: ResultColumn[];
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

/** The view `joinPointInTime` makes: one row per entity row. */
export const POINT_IN_TIME_TABLE = 'training_rows';
/** The tables the view reads: one per statement of step two, and the joined groups' (point-in-time.ts). */
const UNIT_PREFIX = 'point_in_time_';
/** training_rows without the --as-of rows that have no label. */
const KEPT_ROWS = 'training_rows_kept';

/** Drops what `joinPointInTime` made, with the picks and the entity rows: `serve` lets its memory go once the vectors are held. */
export async function dropPointInTime(engine: Engine): Promise<void> {
  await engine.run(`DROP VIEW ${POINT_IN_TIME_TABLE}`);
  const units = await engine.rows<{ name: string }>(
    `SELECT table_name AS name FROM duckdb_tables() WHERE database_name = 'memory' AND starts_with(table_name, $prefix)`,
    {
      prefix: UNIT_PREFIX,
    },
  );
  await engine.run(`DROP VIEW ${PICKS_TABLE}`);
  for (const table of [...units.map((unit) => unit.name), MOMENTS_TABLE, ENTITY_TABLE]) await engine.run(`DROP TABLE ${quoteIdent(table)}`);
}

/**
 * Step two's statements, two per group and date read (a half of the keys each, when the
 * files have more than one row group) and one for the rows none is read for, run two at a
 * time: a POSITIONAL JOIN is read by one thread, so the statements are what runs side by
 * side. Each fills a table of its own; the names, by group.
 */
async function readUnits(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  snapshots: readonly PickedSnapshot[],
  groups: readonly ReadGroup[],
  label: LabelRule,
  firstUnit: number,
): Promise<string[][]> {
  const complete = groups.length === 1;
  const units: { groupIndex: number; sql: string }[] = [];
  for (const [groupIndex, group] of groups.entries()) {
    const dates = [
      ...new Set(snapshots.filter((entry) => group.members.some((member) => member.table === entry.table_name)).map((entry) => entry.as_of)),
    ].sort();
    for (const asOf of [...dates, null]) {
      const [first] = readAt(contract, snapshots, group, asOf);
      const starts = first === undefined ? [] : await engine.rows<{ start: string }>(rowGroupStartsSql(contract, layout, first.entry));
      const middle = starts[Math.floor((starts.length - 1) / 2)];
      const ranges: (KeyRange | undefined)[] =
        middle === undefined
          ? [undefined]
          : (['below', 'from'] as const).map((part) => ({ part, boundary: keyLiteral(contract, first.entry.table_name, middle.start) }));
      for (const keyRange of ranges) {
        units.push({ groupIndex, sql: pointInTimeUnitSql(contract, layout, snapshots, group, asOf, dates, { complete, label, keyRange }) });
      }
    }
  }
  const names = units.map((_, index) => `${UNIT_PREFIX}${firstUnit + index}`);
  await engine.run(`SET disabled_optimizers = 'build_side_probe_side'`);
  try {
    await engine.concurrently(
      units.map((unit, index) => ({ ...unit, name: names[index] })),
      (connection, unit) => connection.run(`CREATE TABLE ${quoteIdent(unit.name)} AS ${unit.sql}`),
    );
  } finally {
    await engine.run('RESET disabled_optimizers');
  }
  return groups.map((_, groupIndex) => names.filter((_, index) => units[index].groupIndex === groupIndex));
}

const unionSql = (tables: readonly string[]) => tables.map((table) => `SELECT * FROM ${quoteIdent(table)}`).join(' UNION ALL ');

/**
 * The point-in-time join of the entity rows already loaded (entities.ts) with `views` and
 * the label by `label`, as view training_rows, checked for leakage: the one code path
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
  await engine.run(`CREATE TABLE ${MOMENTS_TABLE} AS ${picksSql(contract, manifest, views, label)}`, pointInTimeParams(views, label));
  await engine.run(`CREATE VIEW ${PICKS_TABLE} AS ${picksViewSql()}`);
  const picked = await engine.rows<{ view: string | null; table_name: string; as_of: string }>(pickedSnapshotsSql(contract, views, label));
  const entryOf = (table: string, asOf: string) => manifest.find((entry) => entry.table_name === table && entry.as_of === asOf)!;
  const snapshots: PickedSnapshot[] = [];
  for (const entry of manifest.filter((candidate) => picked.some((row) => row.table_name === candidate.table_name && row.as_of === candidate.as_of))) {
    snapshots.push({ ...entry, columns: await frozenColumns(engine, [path.join(layout.root, entry.path)]) });
  }
  const planned = readGroups(contract, manifest, views, label);
  // No member at all (the entity file's label, no view): one group reading nothing.
  let groups = planned.length === 0 ? [{ members: [], column: '' }] : planned;
  let tables = await readUnits(engine, contract, layout, snapshots, groups, label, 0);
  // A group whose files at some date do not list the same keys row by row is read again member by member.
  const unlinedRows = await engine.rows<{ group: number; rows: number }>(
    groups.map((_, index) => `SELECT ${index} AS "group", count(*) AS rows FROM (${unionSql(tables[index])}) WHERE "entity_row" IS NULL`).join(' UNION ALL '),
  );
  const unlined = new Set(unlinedRows.filter((row) => row.rows > 0).map((row) => row.group));
  if (unlined.size > 0) {
    for (const index of unlined) for (const table of tables[index]) await engine.run(`DROP TABLE ${quoteIdent(table)}`);
    const split = groups.filter((_, index) => unlined.has(index)).flatMap(splitGroup);
    // Numbered after every table of the first read, so no name is taken twice.
    const splitTables = await readUnits(engine, contract, layout, snapshots, split, label, tables.flat().length);
    groups = [...groups.filter((_, index) => !unlined.has(index)), ...split];
    tables = [...tables.filter((_, index) => !unlined.has(index)), ...splitTables];
  }
  if (groups.length === 1) {
    await engine.run(`CREATE VIEW ${POINT_IN_TIME_TABLE} AS ${unionSql(tables[0])}`);
  } else {
    // Several groups: each entity row's values from each, joined by the row.
    await engine.run(`CREATE TABLE ${UNIT_PREFIX}joined AS ${joinedGroupsSql(contract, groups, tables.map(unionSql), label)}`);
    await engine.run(`CREATE VIEW ${POINT_IN_TIME_TABLE} AS SELECT * FROM ${UNIT_PREFIX}joined`);
  }
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
  const format: FileFormat | undefined = request.out === undefined ? undefined : fileFormat(request.out);
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
    const [{ left_out }] = await engine.rows<{ left_out: number }>(`SELECT count(*) AS left_out FROM ${POINT_IN_TIME_TABLE} WHERE ${labelColumn} IS NULL`);
    const [{ past_ttl }] =
      label.from === 'snapshot'
        ? await engine.rows<{ past_ttl: number }>(
            `SELECT count(*) AS past_ttl FROM ${PICKS_TABLE} WHERE ${quoteIdent(LABEL_FOUND)} IS NOT NULL AND ${quoteIdent(LABEL_PICK)} IS NULL`,
          )
        : [{ past_ttl: 0 }];
    // --as-of rows without a label are left out of everything below.
    const kept = 'asOf' in request.entities ? KEPT_ROWS : POINT_IN_TIME_TABLE;
    if ('asOf' in request.entities) await engine.run(`CREATE VIEW ${KEPT_ROWS} AS SELECT * FROM ${POINT_IN_TIME_TABLE} WHERE ${labelColumn} IS NOT NULL`);

    const asOfColumns = views.map(({ view }) => quoteIdent(sourceAsOfColumn(view)));
    const [stats] = await engine.rows<Record<string, number | string | null>>(
      `SELECT count(*) AS rows,
              ${views.map(({ view }, index) => `count(*) FILTER (WHERE ${asOfColumns[index]} IS NULL) AS ${quoteIdent(view.name)}`).join(', ')},
              strftime(min(least(${asOfColumns.join(', ')})), '%Y-%m-%d') AS source_min,
              strftime(max(greatest(${asOfColumns.join(', ')})), '%Y-%m-%d') AS source_max
       FROM ${kept}`,
    );
    const columns = [
      ...entityColumns(contract),
      ...views.flatMap(({ features }) => features.map((feature) => feature.output)),
      ...(request.withSourceAsOf ? views.map(({ view }) => sourceAsOfColumn(view)) : []),
      contract.label.column,
      ...(request.withSourceAsOf && label.from === 'snapshot' ? [labelAsOfColumn(contract.label)] : []),
    ];
    const outputSql = `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${kept} ORDER BY "entity_row"`;
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
    if (output === undefined || format === undefined) {
      return request.returned === 'columns' ? { summary, rows: await engine.columns(outputSql) } : { summary, table: await tableText(engine, outputSql) };
    }
    // zstd, as training sets' Parquet always was: the same inputs keep giving the same bytes.
    await writeResult(engine, outputSql, output, format, { compression: 'zstd' });
    return { summary };
  } finally {
    engine.close();
  }
}
