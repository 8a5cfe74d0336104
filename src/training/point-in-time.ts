// The point-in-time join as one SQL statement: each entity row picks, per selected view,
// the newest snapshot of the view's table at or before its event_timestamp (within the
// view's ttl) and reads the user's row of it; the label is taken by the chosen rule.
// Built from the manifest's dates and files, so a partition no run committed is never read.
import * as path from 'node:path';
import { LABEL } from '../contract/features';
import { tableSpec, type TableName } from '../contract/tables';
import { quoteIdent, quoteLiteral } from '../engine/duckdb';
import type { SnapshotEntry } from '../snapshot';
import type { WarehouseLayout } from '../warehouse/layout';
import { ENTITY_TABLE } from './entities';
import { sourceAsOfColumn, type SelectedView } from './select';

/**
 * Where each row's label comes from. `entities`: the entity file's own churn_label.
 * `snapshot` with horizon 0: the labels snapshot the features are read at (newest as_of <=
 * event_timestamp); horizon 1: the first labels snapshot after the event_timestamp.
 */
export type LabelRule = { readonly from: 'entities' } | { readonly from: 'snapshot'; readonly horizon: 0 | 1 };

export interface PointInTimeView extends SelectedView {
  /** Seconds; null: any older snapshot will do. */
  readonly ttlSeconds: number | null;
}

/** The label's source as_of (null when the label came from the entity file). */
export const LABEL_AS_OF = `${LABEL.column}__as_of`;

/** A table's snapshots (user_id, `columns`, as_of) as the manifest lists them; an empty typed relation when none is frozen. */
function snapshotSourceSql(layout: WarehouseLayout, manifest: readonly SnapshotEntry[], table: TableName, columns: readonly string[]): string {
  const spec = tableSpec(table);
  const typed = ['user_id', ...columns].map((name) => {
    const column = spec.columns.find((candidate) => candidate.name === name)!;
    return { name: quoteIdent(name), type: column.type };
  });
  const files = manifest.filter((entry) => entry.table_name === table).map((entry) => quoteLiteral(path.join(layout.root, entry.path)));
  if (files.length === 0) return `(SELECT ${typed.map((column) => `NULL::${column.type} AS ${column.name}`).join(', ')}, NULL::DATE AS "as_of" WHERE false)`;
  return `(SELECT ${typed.map((column) => column.name).join(', ')}, "as_of" FROM read_parquet([${files.join(', ')}]))`;
}

/** The as_of dates a table is frozen at, as a one-column relation. */
function frozenDatesSql(manifest: readonly SnapshotEntry[], table: TableName): string {
  const dates = manifest.filter((entry) => entry.table_name === table).map((entry) => `DATE ${quoteLiteral(entry.as_of)}`);
  return `(SELECT unnest([${dates.join(', ')}]::DATE[]) AS "as_of")`;
}

/**
 * `SELECT entity_row, user_id, event_timestamp, <features…>, <view>__as_of…, churn_label,
 * churn_label__as_of FROM entity_rows …`, in two steps. First each row picks, per view, the
 * newest as_of its table is frozen at that is <= its event_timestamp (an ASOF JOIN with the
 * dozen frozen dates), and drops it when older than the ttl (parameter `$ttl_<i>`, seconds;
 * see `pointInTimeParams`). Then an equi-join on (user_id, as_of) reads the user's row of
 * that snapshot. A snapshot holds a table's whole state at its as_of, so this is "the
 * newest snapshot at or before t"; it is also far cheaper than an ASOF JOIN over every
 * snapshot row (a hash table of the entity rows, probed by one scan of the files). A view
 * with no pick, or a user absent from the picked snapshot, gives NULL features.
 */
export function pointInTimeSql(layout: WarehouseLayout, manifest: readonly SnapshotEntry[], views: readonly PointInTimeView[], label: LabelRule): string {
  const picks = ['e.*'];
  const pickJoins: string[] = [];
  const select = ['p."entity_row"', 'p."user_id"', 'p."event_timestamp"'];
  const matches: string[] = [];
  const joins: string[] = [];
  /** The user's row of the picked snapshot (an inner join: the entity rows are the small, hashed side), then kept per entity row. */
  const joinPicked = (alias: string, source: string, pick: string) => {
    matches.push(`${alias} AS (SELECT p."entity_row", s.* FROM p JOIN ${source} AS s ON s."user_id" = p."user_id" AND s."as_of" = p.${pick})`);
    joins.push(`LEFT JOIN ${alias} USING ("entity_row")`);
  };
  views.forEach((selected, index) => {
    const [dates, alias, pick] = [`d${index}`, `v${index}`, `"pick_${index}"`];
    const fresh = selected.ttlSeconds === null ? 'true' : `${dates}."as_of" >= e."event_timestamp" - to_seconds($ttl_${index})`;
    pickJoins.push(`ASOF LEFT JOIN ${frozenDatesSql(manifest, selected.view.table)} AS ${dates} ON e."event_timestamp" >= ${dates}."as_of"`);
    picks.push(`CASE WHEN ${fresh} THEN ${dates}."as_of" END AS ${pick}`);
    const source = snapshotSourceSql(layout, manifest, selected.view.table, selected.features.map((feature) => feature.column));
    joinPicked(alias, source, pick);
    select.push(...selected.features.map((feature) => `${alias}.${quoteIdent(feature.column)} AS ${quoteIdent(feature.output)}`));
    select.push(`${alias}."as_of" AS ${quoteIdent(sourceAsOfColumn(selected.view))}`);
  });
  const labelColumn = quoteIdent(LABEL.column);
  if (label.from === 'entities') {
    select.push(`p.${labelColumn}`, `NULL::DATE AS ${quoteIdent(LABEL_AS_OF)}`);
  } else {
    // ASOF with >= finds the newest as_of at or before the row; with < the oldest after it.
    const comparison = label.horizon === 0 ? '>=' : '<';
    pickJoins.push(`ASOF LEFT JOIN ${frozenDatesSql(manifest, LABEL.table)} AS dl ON e."event_timestamp" ${comparison} dl."as_of"`);
    picks.push('dl."as_of" AS "pick_label"');
    const source = snapshotSourceSql(layout, manifest, LABEL.table, [LABEL.column]);
    joinPicked('l', source, '"pick_label"');
    select.push(`l.${labelColumn}`, `l."as_of" AS ${quoteIdent(LABEL_AS_OF)}`);
  }
  return `WITH p AS MATERIALIZED (SELECT ${picks.join(', ')} FROM ${ENTITY_TABLE} AS e ${pickJoins.join(' ')}),
${matches.join(',\n')}
SELECT ${select.join(',\n       ')}\nFROM p\n${joins.join('\n')}`;
}

/** The bound ttls of `pointInTimeSql`. */
export function pointInTimeParams(views: readonly PointInTimeView[]): Record<string, number> {
  const params: Record<string, number> = {};
  views.forEach((selected, index) => {
    if (selected.ttlSeconds !== null) params[`ttl_${index}`] = selected.ttlSeconds;
  });
  return params;
}
