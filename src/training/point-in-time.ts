// The point-in-time join in two SQL statements: each entity row picks, per selected view,
// the newest snapshot of the view's table at or before its event_timestamp (within the
// view's ttl), and the label's snapshot by the chosen rule; then the entity's row of each
// picked snapshot is read. Built from the manifest's dates and files, so a partition no
// run committed is never read, and only the picked files are.
import * as path from 'node:path';
import type { SnapshotEntry } from '../artifacts';
import { type Contract, tableOf } from '../contract/contract';
import type { LabelSpec } from '../contract/features';
import { quoteIdent, quoteLiteral } from '../engine/duckdb';
import { frozenFileSql } from '../snapshot/frozen';
import type { WarehouseLayout } from '../warehouse/layout';
import { ENTITY_TABLE } from './entities';
import { type SelectedView, sourceAsOfColumn } from './select';

/**
 * Where each row's label comes from. `entities`: the entity file's own label column.
 * `snapshot` with horizon 0: the labels snapshot the features are read at (newest as_of <=
 * event_timestamp); horizon 1: the first labels snapshot after the event_timestamp.
 * `none`: no label column at all (the feature vectors `serve` answers with).
 */
export type LabelRule =
  | { readonly from: 'entities' }
  | {
      readonly from: 'snapshot';
      readonly horizon: 0 | 1;
      /** Seconds a labels snapshot may lie from the row's event_timestamp (before it, or after it for horizon 1); null: any. */
      readonly ttlSeconds: number | null;
    }
  | { readonly from: 'none' };

export interface PointInTimeView extends SelectedView {
  /** Seconds; null: any older snapshot will do. */
  readonly ttlSeconds: number | null;
}

/** `<label>__as_of`: the label's source as_of (null when the label came from the entity file). */
export function labelAsOfColumn(label: LabelSpec): string {
  return `${label.column}__as_of`;
}

/**
 * The rows of `table`'s picked snapshots that entity rows picked in column `pick`, as
 * `(entity_row, columns…, as_of)`: per file, the file joined with only the entity rows that
 * picked its as_of, all files in one UNION ALL; an empty typed relation when none is picked.
 * Per file, the hash table holds a twelfth of the rows for twelve months (one the cache
 * holds), and the filter DuckDB derives from it skips other entities' rows in the Parquet
 * scan before their features are decoded.
 */
function pickedRowsSql(
  contract: Contract,
  layout: WarehouseLayout,
  snapshots: readonly PickedSnapshot[],
  table: string,
  columns: readonly string[],
  pick: string,
): string {
  const spec = tableOf(contract, table);
  const sameEntity = contract.entity.map((column) => `s.${quoteIdent(column)} = p.${quoteIdent(column)}`).join(' AND ');
  const typed = columns.map((name) => ({ name: quoteIdent(name), type: spec.columns.find((candidate) => candidate.name === name)!.type }));
  const entries = snapshots.filter((entry) => entry.table_name === table);
  if (entries.length === 0) {
    return `SELECT NULL::BIGINT AS "entity_row", ${typed.map((column) => `NULL::${column.type} AS ${column.name}`).join(', ')}, NULL::DATE AS "as_of" WHERE false`;
  }
  return entries
    .map(
      (entry) =>
        `SELECT p."entity_row", ${typed.map((column) => `s.${column.name}`).join(', ')}, s."as_of"
         FROM ${frozenFileSql(spec, path.join(layout.root, entry.path), entry.columns)} AS s
         JOIN ${PICKS_TABLE} AS p ON ${sameEntity} AND s."as_of" = p.${quoteIdent(pick)}
         WHERE p.${quoteIdent(pick)} = DATE ${quoteLiteral(entry.as_of)}`,
    )
    .join('\nUNION ALL\n');
}

/** A snapshot some entity row picked, with the columns its file holds (snapshot/frozen.ts frozenColumns). */
export interface PickedSnapshot extends SnapshotEntry {
  readonly columns: ReadonlyMap<string, string>;
}

/** The as_of dates a table is frozen at, as a one-column relation. */
function frozenDatesSql(manifest: readonly SnapshotEntry[], table: string): string {
  const dates = manifest.filter((entry) => entry.table_name === table).map((entry) => `DATE ${quoteLiteral(entry.as_of)}`);
  return `(SELECT unnest([${dates.join(', ')}]::DATE[]) AS "as_of")`;
}

/** The table the first step writes: entity rows plus, per view and for the label, the snapshot date picked. */
export const PICKS_TABLE = 'picks';

const pickColumn = (index: number) => `pick_${index}`;
/** The labels snapshot a row reads its label from (NULL: none within the label ttl). */
export const LABEL_PICK = 'pick_label';
/** The labels snapshot the rule finds before its ttl is applied: a row with this and no LABEL_PICK lost its label to the ttl. */
export const LABEL_FOUND = 'pick_label_found';

/**
 * Step one: `SELECT entity_rows.*, pick_<i>…, pick_label`. Each row picks, per view, the
 * newest as_of the view's table is frozen at that is <= its event_timestamp (an ASOF JOIN
 * with the frozen dates, a dozen rows), NULL when older than the ttl (parameter
 * `$ttl_<i>`, seconds; see `pointInTimeParams`); and the label's date by the label rule.
 * The picks depend on the moment alone, so they are made once per distinct event_timestamp
 * (a few hundred) and joined to the rows by it.
 */
export function picksSql(contract: Contract, manifest: readonly SnapshotEntry[], views: readonly PointInTimeView[], label: LabelRule): string {
  const picks = ['m."event_timestamp"'];
  const joins: string[] = [];
  views.forEach((selected, index) => {
    const dates = `d${index}`;
    const fresh = selected.ttlSeconds === null ? 'true' : `${dates}."as_of" >= m."event_timestamp" - to_seconds($ttl_${index})`;
    joins.push(`ASOF LEFT JOIN ${frozenDatesSql(manifest, selected.view.table)} AS ${dates} ON m."event_timestamp" >= ${dates}."as_of"`);
    picks.push(`CASE WHEN ${fresh} THEN ${dates}."as_of" END AS ${quoteIdent(pickColumn(index))}`);
  });
  if (label.from === 'snapshot') {
    // ASOF with >= finds the newest as_of at or before the row; with < the oldest after it.
    const comparison = label.horizon === 0 ? '>=' : '<';
    joins.push(`ASOF LEFT JOIN ${frozenDatesSql(manifest, contract.label.table)} AS dl ON m."event_timestamp" ${comparison} dl."as_of"`);
    const fresh =
      label.ttlSeconds === null
        ? 'true'
        : label.horizon === 0
          ? `dl."as_of" >= m."event_timestamp" - to_seconds($label_ttl)`
          : `dl."as_of" <= m."event_timestamp" + to_seconds($label_ttl)`;
    picks.push(`CASE WHEN ${fresh} THEN dl."as_of" END AS ${quoteIdent(LABEL_PICK)}`, `dl."as_of" AS ${quoteIdent(LABEL_FOUND)}`);
  }
  return `WITH moment_picks AS (SELECT ${picks.join(', ')} FROM (SELECT DISTINCT "event_timestamp" FROM ${ENTITY_TABLE}) AS m ${joins.join(' ')})
          SELECT e.*, moment_picks.* EXCLUDE ("event_timestamp") FROM ${ENTITY_TABLE} AS e JOIN moment_picks USING ("event_timestamp")`;
}

/**
 * `(view, table_name, as_of)` of every snapshot some row picked, `view` null for the
 * label's: only those files need reading (one of twelve for --as-of), and the training
 * set's summary names, per view and for the label, the versions they were.
 */
export function pickedSnapshotsSql(contract: Contract, views: readonly PointInTimeView[], label: LabelRule): string {
  const picked = views.map((selected, index) => ({ view: quoteLiteral(selected.view.name), table: selected.view.table, column: pickColumn(index) }));
  if (label.from === 'snapshot') picked.push({ view: 'NULL::VARCHAR', table: contract.label.table, column: LABEL_PICK });
  return picked
    .map(
      ({ view, table, column }) =>
        `SELECT ${view} AS "view", ${quoteLiteral(table)} AS table_name, strftime("as_of", '%Y-%m-%d') AS as_of
         FROM (SELECT DISTINCT ${quoteIdent(column)} AS "as_of" FROM ${PICKS_TABLE} WHERE ${quoteIdent(column)} IS NOT NULL)`,
    )
    .join(' UNION ');
}

/**
 * Step two: `SELECT entity_row, <entity key…>, event_timestamp, <features…>, <view>__as_of…,
 * <label>, <label>__as_of` from the picks, reading each entity's row of the picked
 * snapshot (`pickedRowsSql` over `snapshots`, the picked entries of the manifest). A
 * snapshot holds a table's whole state at its as_of, so this is "the newest snapshot at or
 * before t"; it is also far cheaper than an ASOF JOIN over every snapshot row. No pick, or
 * an entity absent from the picked snapshot, gives NULL features. The source as_of is the
 * file's own column, equal to the pick, so the leakage check tests what was read.
 */
export function pointInTimeSql(
  contract: Contract,
  layout: WarehouseLayout,
  snapshots: readonly PickedSnapshot[],
  views: readonly PointInTimeView[],
  label: LabelRule,
): string {
  const select = ['p."entity_row"', ...contract.entity.map((column) => `p.${quoteIdent(column)}`), 'p."event_timestamp"'];
  const matches: string[] = [];
  const joins: string[] = [];
  /** The rows read for one view (or the label), kept per entity row. */
  const joinPicked = (alias: string, table: string, columns: readonly string[], pick: string) => {
    matches.push(`${alias} AS (${pickedRowsSql(contract, layout, snapshots, table, columns, pick)})`);
    joins.push(`LEFT JOIN ${alias} USING ("entity_row")`);
  };
  views.forEach((selected, index) => {
    const alias = `v${index}`;
    joinPicked(
      alias,
      selected.view.table,
      selected.features.map((feature) => feature.column),
      pickColumn(index),
    );
    select.push(...selected.features.map((feature) => `${alias}.${quoteIdent(feature.column)} AS ${quoteIdent(feature.output)}`));
    select.push(`${alias}."as_of" AS ${quoteIdent(sourceAsOfColumn(selected.view))}`);
  });
  const labelColumn = quoteIdent(contract.label.column);
  const labelAsOf = quoteIdent(labelAsOfColumn(contract.label));
  if (label.from === 'entities') {
    select.push(`p.${labelColumn}`, `NULL::DATE AS ${labelAsOf}`);
  } else if (label.from === 'snapshot') {
    joinPicked('l', contract.label.table, [contract.label.column], LABEL_PICK);
    select.push(`l.${labelColumn}`, `l."as_of" AS ${labelAsOf}`);
  }
  return `WITH ${matches.join(',\n')}\nSELECT ${select.join(',\n       ')}\nFROM ${PICKS_TABLE} AS p\n${joins.join('\n')}`;
}

/** The bound ttls of `pointInTimeSql`. */
export function pointInTimeParams(views: readonly PointInTimeView[], label: LabelRule): Record<string, number> {
  const params: Record<string, number> = {};
  if (label.from === 'snapshot' && label.ttlSeconds !== null) params.label_ttl = label.ttlSeconds;
  views.forEach((selected, index) => {
    if (selected.ttlSeconds !== null) params[`ttl_${index}`] = selected.ttlSeconds;
  });
  return params;
}
