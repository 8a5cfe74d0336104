// The point-in-time join in two steps: each entity row picks, per selected view, the
// newest snapshot of the view's table at or before its event_timestamp (within the view's
// ttl), and the label's snapshot by the chosen rule; then the entity's row of each picked
// snapshot is read, the tables frozen at the same dates side by side (read groups), one
// statement per group and date. Built from the manifest's dates and files, so a partition
// no run committed is never read, and only the picked files are.
import * as path from 'node:path';
import type { SnapshotEntry } from '../artifacts';
import { type Contract, tableOf } from '../contract/contract';
import type { LabelSpec } from '../contract/features';
import type { TableSpec } from '../contract/tables';
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

/** A snapshot some entity row picked, with the columns its file holds (snapshot/frozen.ts frozenColumns). */
export interface PickedSnapshot extends SnapshotEntry {
  readonly columns: ReadonlyMap<string, string>;
}

/** The as_of dates a table is frozen at, as a one-column relation. */
function frozenDatesSql(manifest: readonly SnapshotEntry[], table: string): string {
  const dates = manifest.filter((entry) => entry.table_name === table).map((entry) => `DATE ${quoteLiteral(entry.as_of)}`);
  return `(SELECT unnest([${dates.join(', ')}]::DATE[]) AS "as_of")`;
}

/** The view of step one: entity rows plus, per view and for the label, the snapshot date picked (`MOMENTS_TABLE`'s, by the row's moment). */
export const PICKS_TABLE = 'picks';
/** The table step one writes: the picks of each distinct event_timestamp. */
export const MOMENTS_TABLE = 'moment_picks';

const pickColumn = (index: number) => `pick_${index}`;
/** The labels snapshot a row reads its label from (NULL: none within the label ttl). */
export const LABEL_PICK = 'pick_label';
/** The labels snapshot the rule finds before its ttl is applied: a row with this and no LABEL_PICK lost its label to the ttl. */
export const LABEL_FOUND = 'pick_label_found';

/**
 * Step one: `SELECT event_timestamp, pick_<i>…, pick_label, group_<j>…`. Each row picks, per view, the
 * newest as_of the view's table is frozen at that is <= its event_timestamp (an ASOF JOIN
 * with the frozen dates, a dozen rows), NULL when older than the ttl (parameter
 * `$ttl_<i>`, seconds; see `pointInTimeParams`); the label's date by the label rule; and
 * each read group's date (`readGroups`).
 * The picks depend on the moment alone, so they are made once per distinct event_timestamp
 * (a few hundred), and joined to the rows by it in `picksViewSql`.
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
  const datesAlias = (member: ReadMember) => (member.pick === LABEL_PICK ? 'dl' : `d${member.index}`);
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
  // A group's date is its members' as_of before the ttl: each member's pick is that date or NULL.
  for (const group of readGroups(contract, manifest, views, label)) picks.push(`${datesAlias(group.members[0])}."as_of" AS ${quoteIdent(group.column)}`);
  return `SELECT ${picks.join(', ')} FROM (SELECT DISTINCT "event_timestamp" FROM ${ENTITY_TABLE}) AS m ${joins.join(' ')}`;
}

/**
 * Step one's view: each entity row with its moment's picks. A view, not a table: each
 * statement of step two reads the few rows of its date through it, and a million rows
 * written once more would cost more than joining them to a few hundred moments there.
 */
export function picksViewSql(): string {
  return `SELECT e.*, m.* EXCLUDE ("event_timestamp") FROM ${ENTITY_TABLE} AS e JOIN ${MOMENTS_TABLE} AS m USING ("event_timestamp")`;
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
         FROM (SELECT DISTINCT ${quoteIdent(column)} AS "as_of" FROM ${MOMENTS_TABLE} WHERE ${quoteIdent(column)} IS NOT NULL)`,
    )
    .join(' UNION ');
}

/** A table the join reads: a view's features, or the label, from the snapshot its pick column names. */
export interface ReadMember {
  /** The view's position among the selected views; -1 for the label. */
  readonly index: number;
  readonly table: string;
  /** The picks column holding the as_of it reads. */
  readonly pick: string;
  /** Columns of the table read, each with its name in the training rows. */
  readonly reads: readonly { readonly column: string; readonly output: string }[];
  /** Where the as_of of the snapshot a value came from goes. */
  readonly asOfOutput: string;
}

/**
 * Members whose tables are frozen at the same dates and are picked the same way: every
 * row's pick of each of them is the group's date or NULL (by its ttl), so their snapshots
 * at a date are read side by side, row by row (POSITIONAL JOIN), and each entity row is
 * looked up once per group and date instead of once per table. That holds only while the
 * files at a date list the same keys in the same order, as the tables of one export do;
 * `pointInTimeUnitSql` marks a row where they do not, and the caller reads such a group
 * member by member (`splitGroup`).
 */
export interface ReadGroup {
  readonly members: readonly ReadMember[];
  /** The picks column of the group's date. */
  readonly column: string;
}

/** The members of the join: the selected views in order, then the label's table when the label comes from a snapshot. */
function readMembers(contract: Contract, views: readonly PointInTimeView[], label: LabelRule): ReadMember[] {
  const members: ReadMember[] = views.map((selected, index) => ({
    index,
    table: selected.view.table,
    pick: pickColumn(index),
    reads: selected.features.map((feature) => ({ column: feature.column, output: feature.output })),
    asOfOutput: sourceAsOfColumn(selected.view),
  }));
  if (label.from === 'snapshot') {
    const { column } = contract.label;
    members.push({
      index: -1,
      table: contract.label.table,
      pick: LABEL_PICK,
      reads: [{ column, output: column }],
      asOfOutput: labelAsOfColumn(contract.label),
    });
  }
  return members;
}

/** The members grouped by the dates their tables are frozen at and the way they are picked (the label after the row, with horizon 1). */
export function readGroups(contract: Contract, manifest: readonly SnapshotEntry[], views: readonly PointInTimeView[], label: LabelRule): ReadGroup[] {
  const groups = new Map<string, ReadMember[]>();
  for (const member of readMembers(contract, views, label)) {
    const after = member.pick === LABEL_PICK && label.from === 'snapshot' && label.horizon === 1;
    const dates = manifest.filter((entry) => entry.table_name === member.table).map((entry) => entry.as_of);
    const key = `${after ? 'after' : 'at or before'} ${dates.join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), member]);
  }
  return [...groups.values()].map((members, index) => ({ members, column: `group_${index}` }));
}

/** A group read member by member: each one's files alone, which always line up with themselves. */
export function splitGroup(group: ReadGroup): ReadGroup[] {
  return group.members.map((member) => ({ members: [member], column: group.column }));
}

/**
 * Half the keys of a group's date: those below `boundary` (a SQL literal of the first key
 * column's type) or those from it on. A date's rows read as two statements that run side
 * by side; the files, sorted by key, skip the row groups outside the half by their statistics.
 */
export interface KeyRange {
  readonly part: 'below' | 'from';
  readonly boundary: string;
}

/** The members of `group` with a picked snapshot at `asOf` (none for null), each with its slot in the group. */
export function readAt(contract: Contract, snapshots: readonly PickedSnapshot[], group: ReadGroup, asOf: string | null) {
  return group.members
    .map((member, slot) => ({ slot, spec: tableOf(contract, member.table), entry: snapshots.find((e) => e.table_name === member.table && e.as_of === asOf) }))
    .filter((candidate): candidate is { slot: number; spec: TableSpec; entry: PickedSnapshot } => asOf !== null && candidate.entry !== undefined);
}

/**
 * The first key column's value that starts each row group of `entry`'s file after the
 * first, by its statistics (only those that read as the column's type): where to halve a
 * date's keys so that each half reads whole row groups.
 */
export function rowGroupStartsSql(contract: Contract, layout: WarehouseLayout, entry: SnapshotEntry): string {
  const [key] = contract.entity;
  const type = tableOf(contract, entry.table_name).columns.find((column) => column.name === key)!.type;
  return `SELECT stats_min_value AS "start" FROM parquet_metadata(${quoteLiteral(path.join(layout.root, entry.path))})
          WHERE path_in_schema = ${quoteLiteral(key)} AND row_group_id > 0 AND TRY_CAST(stats_min_value AS ${type}) IS NOT NULL ORDER BY row_group_id`;
}

/** `start` (rowGroupStartsSql) as a literal of the first key column's type. */
export function keyLiteral(contract: Contract, table: string, start: string): string {
  const [key] = contract.entity;
  return `CAST(${quoteLiteral(start)} AS ${tableOf(contract, table).columns.find((column) => column.name === key)!.type})`;
}

/**
 * One statement of step two: the rows of `group` whose group date is `asOf`, from its
 * members' snapshots at that date (`snapshots`, the picked entries of the manifest; a
 * member none of whose rows picked that date reads nothing), or, with `asOf` null, the
 * rows whose group date is none of `readDates` (no snapshot, or none picked), with no
 * values. Columns: `entity_row`, then with `complete` the entity key and event_timestamp
 * (and the entity file's label), then each member's outputs and as_of output. A snapshot
 * holds a table's whole state at its as_of, so this is "the newest snapshot at or before
 * t"; no pick, or an entity absent from the picked snapshot, gives NULL values. The
 * source as_of is the file's own column, so the leakage check tests what was read. A row
 * where the files read side by side hold different keys comes out with entity_row NULL,
 * whether or not an entity row matched it.
 */
export function pointInTimeUnitSql(
  contract: Contract,
  layout: WarehouseLayout,
  snapshots: readonly PickedSnapshot[],
  group: ReadGroup,
  asOf: string | null,
  readDates: readonly string[],
  { complete, label, keyRange }: { complete: boolean; label: LabelRule; keyRange?: KeyRange },
): string {
  const keys = contract.entity.map((column, keyIndex) => ({ column: quoteIdent(column), keyIndex }));
  const read = readAt(contract, snapshots, group, asOf);
  const [first, ...others] = read;
  const sameKeys = others.flatMap(({ slot }) => keys.map(({ keyIndex }) => `s."m${slot}_k${keyIndex}" = s."m${first.slot}_k${keyIndex}"`));
  // No file row (s."as_of" NULL): an entity row nothing matched, which is fine.
  const lined = sameKeys.length === 0 ? null : `(s."as_of" IS NULL OR coalesce(${sameKeys.join(' AND ')}, false))`;
  const select = [lined === null ? 'p."entity_row"' : `CASE WHEN ${lined} THEN p."entity_row" END AS "entity_row"`];
  if (complete) select.push(...keys.map(({ column }) => `p.${column}`), 'p."event_timestamp"');
  group.members.forEach((member, slot) => {
    const spec = tableOf(contract, member.table);
    const scanned = read.some((candidate) => candidate.slot === slot);
    const value = (column: string, type: string, output: string) =>
      `${scanned ? `CASE WHEN p.${quoteIdent(member.pick)} = s."as_of" THEN s.${quoteIdent(column)} END` : `NULL::${type}`} AS ${quoteIdent(output)}`;
    select.push(
      ...member.reads.map((column, valueIndex) => value(`m${slot}_v${valueIndex}`, spec.columns.find((c) => c.name === column.column)!.type, column.output)),
      value(`m${slot}_as_of`, 'DATE', member.asOfOutput),
    );
  });
  if (complete && label.from === 'entities')
    select.push(`p.${quoteIdent(contract.label.column)}`, `NULL::DATE AS ${quoteIdent(labelAsOfColumn(contract.label))}`);
  const groupDate = `p.${quoteIdent(group.column)}`;
  if (first === undefined) {
    const unread =
      readDates.length === 0 ? '' : ` WHERE ${groupDate} IS NULL OR ${groupDate} NOT IN (${readDates.map((date) => `DATE ${quoteLiteral(date)}`).join(', ')})`;
    return `SELECT ${select.join(', ')} FROM ${PICKS_TABLE} AS p${unread}`;
  }
  const firstKey = keys[0].column;
  const inRange = (joiner: string) =>
    keyRange === undefined ? '' : `${joiner || ' WHERE'} ${firstKey} ${keyRange.part === 'below' ? '<' : '>='} ${keyRange.boundary}`;
  const scans = read.map(({ slot, spec, entry }) => {
    const columns = [
      ...keys.map(({ column, keyIndex }) => `${column} AS "m${slot}_k${keyIndex}"`),
      ...group.members[slot].reads.map((value, valueIndex) => `${quoteIdent(value.column)} AS "m${slot}_v${valueIndex}"`),
      `"as_of" AS "m${slot}_as_of"`,
    ];
    return `(SELECT ${columns.join(', ')} FROM ${frozenFileSql(spec, path.join(layout.root, entry.path), entry.columns)}${inRange('')})`;
  });
  const files = `(SELECT DATE ${quoteLiteral(asOf!)} AS "as_of", * FROM ${scans.join(' POSITIONAL JOIN ')}) AS s`;
  const sameEntity = keys.map(({ column, keyIndex }) => `s."m${first.slot}_k${keyIndex}" = p.${column}`).join(' AND ');
  const rows = `(SELECT * FROM ${PICKS_TABLE} WHERE ${quoteIdent(group.column)} = DATE ${quoteLiteral(asOf!)}${inRange(' AND')}) AS p`;
  // The entity rows are the hash join's build side and the files its probe side, as written
  // (the caller turns off the planner's swap, which cannot size a POSITIONAL JOIN): FULL
  // keeps the file rows whose keys differ, RIGHT only the entity rows.
  return lined === null
    ? `SELECT ${select.join(', ')} FROM ${files} RIGHT JOIN ${rows} ON ${sameEntity}`
    : `SELECT ${select.join(', ')} FROM ${files} FULL JOIN ${rows} ON ${sameEntity} WHERE p."entity_row" IS NOT NULL OR NOT ${lined}`;
}

/**
 * Step two with several groups: each entity row with its values from every group's rows
 * (`relations`, the union of a group's statements, by group), in member order.
 */
export function joinedGroupsSql(contract: Contract, groups: readonly ReadGroup[], relations: readonly string[], label: LabelRule): string {
  const select = ['p."entity_row"', ...contract.entity.map((column) => `p.${quoteIdent(column)}`), 'p."event_timestamp"'];
  const members = groups.flatMap((group, groupIndex) => group.members.map((member) => ({ member, alias: `g${groupIndex}` })));
  members.sort((a, b) => (a.member.index === -1 ? 1 : b.member.index === -1 ? -1 : a.member.index - b.member.index));
  for (const { member, alias } of members) {
    select.push(...[...member.reads.map((value) => value.output), member.asOfOutput].map((output) => `${alias}.${quoteIdent(output)}`));
  }
  if (label.from === 'entities') select.push(`p.${quoteIdent(contract.label.column)}`, `NULL::DATE AS ${quoteIdent(labelAsOfColumn(contract.label))}`);
  const joins = relations.map((relation, groupIndex) => `LEFT JOIN (${relation}) AS g${groupIndex} USING ("entity_row")`);
  return `SELECT ${select.join(', ')} FROM ${PICKS_TABLE} AS p ${joins.join(' ')}`;
}

/** The bound ttls of `picksSql`. */
export function pointInTimeParams(views: readonly PointInTimeView[], label: LabelRule): Record<string, number> {
  const params: Record<string, number> = {};
  if (label.from === 'snapshot' && label.ttlSeconds !== null) params.label_ttl = label.ttlSeconds;
  views.forEach((selected, index) => {
    if (selected.ttlSeconds !== null) params[`ttl_${index}`] = selected.ttlSeconds;
  });
  return params;
}
