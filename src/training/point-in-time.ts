// The point-in-time join as one SQL statement: each entity row ASOF-joined with every
// selected view's snapshots (the newest as_of <= its event_timestamp, per user), values
// kept only when that snapshot is within the view's ttl, and the label taken by the
// chosen rule. Built from the manifest's files, so a partition no run committed is never read.
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

/**
 * `SELECT entity_row, user_id, event_timestamp, <features…>, <view>__as_of…, churn_label,
 * churn_label__as_of FROM entity_rows …`. A view's values and its as_of are NULL when no
 * snapshot is old enough or the newest one is older than the ttl (parameter `$ttl_<i>`,
 * seconds; see `pointInTimeParams`).
 */
export function pointInTimeSql(layout: WarehouseLayout, manifest: readonly SnapshotEntry[], views: readonly PointInTimeView[], label: LabelRule): string {
  const select = ['e."entity_row"', 'e."user_id"', 'e."event_timestamp"'];
  const joins: string[] = [];
  views.forEach((selected, index) => {
    const alias = `v${index}`;
    const fresh =
      selected.ttlSeconds === null ? `${alias}."as_of" IS NOT NULL` : `${alias}."as_of" >= e."event_timestamp" - to_seconds($ttl_${index})`;
    select.push(...selected.features.map((feature) => `CASE WHEN ${fresh} THEN ${alias}.${quoteIdent(feature.column)} END AS ${quoteIdent(feature.output)}`));
    select.push(`CASE WHEN ${fresh} THEN ${alias}."as_of" END AS ${quoteIdent(sourceAsOfColumn(selected.view))}`);
    const source = snapshotSourceSql(layout, manifest, selected.view.table, selected.features.map((feature) => feature.column));
    joins.push(`ASOF LEFT JOIN ${source} AS ${alias} ON e."user_id" = ${alias}."user_id" AND e."event_timestamp" >= ${alias}."as_of"`);
  });
  const labelColumn = quoteIdent(LABEL.column);
  if (label.from === 'entities') {
    select.push(`e.${labelColumn}`, `NULL::DATE AS ${quoteIdent(LABEL_AS_OF)}`);
  } else {
    // ASOF with >= finds the newest as_of at or before the row; with < the oldest after it.
    const comparison = label.horizon === 0 ? '>=' : '<';
    const source = snapshotSourceSql(layout, manifest, LABEL.table, [LABEL.column]);
    joins.push(`ASOF LEFT JOIN ${source} AS l ON e."user_id" = l."user_id" AND e."event_timestamp" ${comparison} l."as_of"`);
    select.push(`l.${labelColumn}`, `l."as_of" AS ${quoteIdent(LABEL_AS_OF)}`);
  }
  return `SELECT ${select.join(',\n       ')}\nFROM ${ENTITY_TABLE} AS e\n${joins.join('\n')}`;
}

/** The bound ttls of `pointInTimeSql`. */
export function pointInTimeParams(views: readonly PointInTimeView[]): Record<string, number> {
  const params: Record<string, number> = {};
  views.forEach((selected, index) => {
    if (selected.ttlSeconds !== null) params[`ttl_${index}`] = selected.ttlSeconds;
  });
  return params;
}
