// The report's histograms: equal-width bins over the range both months share (the least
// of their minimums to the greatest of their maximums), counted when the report is
// rendered. Validation compares months on deciles (validate/metrics.ts: PSI), whose ten
// bins of equal weight draw ten bars of equal height whatever the shape: the figures keep
// them, the chart does not draw them. The counts need both months' values, so they are
// read where they are: this month staged in `staging."<table>"`, the previous one in its
// frozen partition (the manifest's file, read under the current contract). One query per
// table counts every numeric column of both months: a histogram() of each column's bin
// number, in one scan of each.
//
// The previous month is its frozen partition: the warehouse's state at that as_of, which
// holds the rows of its export and any earlier row the export no longer carried (nothing
// is deleted). A value outside the range the two months' figures give is counted in the
// nearest end bin.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Contract } from '../contract/contract';
import type { TableSpec } from '../contract/tables';
import { type Engine, quoteIdent } from '../engine/duckdb';
import { readManifest } from '../snapshot';
import { frozenRowsSql } from '../snapshot/frozen';
import type { ColumnMetrics, MonthMetrics } from '../validate';
import { niceStep, tidy } from './scale';

/** Bins aimed at for a continuous column: a round width gives between 12 and 25. */
const TARGET_BINS = 24;
/** The fewest bins a chart has: a whole-number column of fewer values splits each value's unit into an odd number of bins, the value in the middle one. */
const MIN_BINS = 8;

/** Bin i holds the values from start + i·width (included) to start + (i + 1)·width; the last one its right edge too. */
export interface BinLayout {
  readonly start: number;
  readonly width: number;
  readonly bins: number;
  /** Whole-number values: every bin's edges fall between two of them, so none sits on an edge. */
  readonly integer: boolean;
}

/** One numeric column's histogram of both months on the same bins. */
export interface EqualWidthHistogram extends BinLayout {
  readonly table_name: string;
  readonly column_name: string;
  /** Non-NULL values per bin this month. */
  readonly now: readonly number[];
  /** Non-NULL values per bin in the previous month's frozen partition; null for a first month or a partition not found. */
  readonly then: readonly number[] | null;
  readonly then_as_of: string | null;
  /** The column's description in the contract (it says the unit), for the x axis. */
  readonly description: string;
}

const INTEGER_TYPES = new Set(['INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'HUGEINT', 'UINTEGER', 'UBIGINT', 'USMALLINT', 'UTINYINT']);

/**
 * Equal-width bins from `low` to `high`. A continuous column gets a round width, its first
 * edge a multiple of it at or below `low`. A whole-number column gets a whole width with
 * edges halfway between two values (a width that is not whole would give its bins two
 * values or three in turn, a sawtooth that is not in the data); one with fewer than
 * MIN_BINS values gets bins a third (or a fifth…) of a unit wide, each value centred in one.
 * A constant continuous column gets nine bins, its value in the middle one.
 */
export function binLayout(low: number, high: number, integer: boolean): BinLayout {
  if (integer) {
    const values = high - low + 1;
    if (values < MIN_BINS) {
      let split = Math.ceil(MIN_BINS / values);
      if (split % 2 === 0) split += 1;
      return { start: low - 0.5, width: tidy(1 / split), bins: values * split, integer };
    }
    const width = Math.max(1, niceStep(values / TARGET_BINS, [1, 2, 5, 10]));
    const start = Math.floor(low / width) * width - 0.5;
    return { start, width, bins: Math.ceil((high + 0.5 - start) / width), integer };
  }
  if (high === low) {
    const width = niceStep(Math.max(Math.abs(low), 1) / 100);
    return { start: tidy(low - 4.5 * width), width, bins: 9, integer };
  }
  const width = niceStep((high - low) / TARGET_BINS);
  const start = tidy(Math.floor(tidy(low / width)) * width);
  return { start, width, bins: Math.max(1, Math.ceil(tidy((high - start) / width))), integer };
}

/**
 * The bin number of a column's value as SQL (NULL for NULL): a width below 1 is applied as
 * a multiplication by its whole inverse, exact where a division by 0.2 is not.
 */
function binSql(column: string, layout: BinLayout): string {
  const value = `${quoteIdent(column)}::DOUBLE`;
  const inverse = Math.round(1 / layout.width);
  const scaled =
    layout.width < 1 && tidy(1 / inverse) === layout.width
      ? `(${value} - ${layout.start}::DOUBLE) * ${inverse}`
      : `(${value} - ${layout.start}::DOUBLE) / ${layout.width}::DOUBLE`;
  // least() and greatest() skip NULLs: a NULL value must stay NULL, which histogram() leaves out.
  return `CASE WHEN ${value} IS NULL THEN NULL ELSE least(${layout.bins - 1}, greatest(0, floor(${scaled})))::INTEGER END`;
}

type Entries = readonly { key: unknown; value: unknown }[];

function countsOf(entries: Entries | undefined, bins: number): number[] {
  const counts = Array.from({ length: bins }, () => 0);
  for (const { key, value } of entries ?? []) counts[Number(key)] += Number(value);
  return counts;
}

const numberOf = (value: string | null | undefined) => (value === null || value === undefined || value === '' ? null : Number(value));

/** The range of both months' values, from their recorded figures; null when neither has a finite one. */
function rangeOf(column: ColumnMetrics, previous: ColumnMetrics | undefined): { low: number; high: number } | null {
  const lows = [numberOf(column.min_value), numberOf(previous?.min_value)].filter((value): value is number => value !== null && Number.isFinite(value));
  const highs = [numberOf(column.max_value), numberOf(previous?.max_value)].filter((value): value is number => value !== null && Number.isFinite(value));
  return lows.length > 0 && highs.length > 0 ? { low: Math.min(...lows), high: Math.max(...highs) } : null;
}

/** The folder of the attached warehouse (its database file's), where the manifest's relative paths start. */
async function warehouseRoot(engine: Engine): Promise<string | null> {
  const [row] = await engine.rows<{ path: string | null }>(`SELECT path FROM duckdb_databases() WHERE database_name = 'wh'`);
  return row?.path ? path.dirname(row.path) : null;
}

/** Each table's frozen file for the previous as_of, by table name: only files that are there. */
async function previousPartitions(engine: Engine, asOf: string | null, liveAttached: boolean): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  if (asOf === null || !liveAttached) return files;
  const root = await warehouseRoot(engine);
  if (root === null) return files;
  for (const entry of await readManifest(engine)) {
    const file = path.join(root, entry.path);
    if (entry.as_of === asOf && fs.existsSync(file)) files.set(entry.table_name, file);
  }
  return files;
}

/** One table's histograms: one query, a histogram() per column over the staged month, and over the previous partition beside it. */
async function tableHistograms(
  engine: Engine,
  table: TableSpec,
  columns: readonly ColumnMetrics[],
  previous: readonly ColumnMetrics[],
  partition: { file: string; asOf: string } | undefined,
): Promise<EqualWidthHistogram[]> {
  const planned = columns.flatMap((column) => {
    const before = previous.find((candidate) => candidate.column_name === column.column_name);
    const range = rangeOf(column, partition ? before : undefined);
    return range ? [{ column, layout: binLayout(range.low, range.high, INTEGER_TYPES.has(column.column_type)) }] : [];
  });
  if (planned.length === 0) return [];
  const aggregates = planned.map(({ column, layout }, index) => `map_entries(histogram(${binSql(column.column_name, layout)})) AS "h${index}"`).join(', ');
  const sources = [
    `SELECT 'now' AS side, ${aggregates} FROM staging.${quoteIdent(table.name)}`,
    ...(partition ? [`SELECT 'then' AS side, ${aggregates} FROM (${await frozenRowsSql(engine, table, [partition.file])})`] : []),
  ];
  const rows = await engine.rows<Record<string, unknown>>(sources.join('\nUNION ALL\n'));
  const side = (name: string) => rows.find((row) => row.side === name);
  return planned.map(({ column, layout }, index) => {
    const then = side('then');
    return {
      table_name: table.name,
      column_name: column.column_name,
      ...layout,
      now: countsOf(side('now')?.[`h${index}`] as Entries | undefined, layout.bins),
      then: then ? countsOf(then[`h${index}`] as Entries | undefined, layout.bins) : null,
      then_as_of: then && partition ? partition.asOf : null,
      description: table.columns.find((spec) => spec.name === column.column_name)?.description ?? '',
    };
  });
}

/**
 * Every numeric column's histogram of this month and the previous one, table by table.
 * A table whose month is not staged (nothing to count) has none.
 */
export async function equalWidthHistograms(engine: Engine, contract: Contract, metrics: MonthMetrics, liveAttached: boolean): Promise<EqualWidthHistogram[]> {
  const numeric = metrics.columns.filter((column) => column.kind === 'numeric');
  if (numeric.length === 0) return [];
  const staged = new Set(
    (await engine.rows<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'staging'`)).map((row) => row.name),
  );
  const previousAsOf = numeric.find((column) => column.previous_as_of !== null)?.previous_as_of ?? null;
  const partitions = await previousPartitions(engine, previousAsOf, liveAttached);
  const histograms: EqualWidthHistogram[] = [];
  for (const table of contract.tables) {
    const columns = numeric.filter((column) => column.table_name === table.name);
    if (columns.length === 0 || !staged.has(table.name)) continue;
    const previous = metrics.previous.filter((column) => column.table_name === table.name);
    const file = partitions.get(table.name);
    histograms.push(...(await tableHistograms(engine, table, columns, previous, file && previousAsOf ? { file, asOf: previousAsOf } : undefined)));
  }
  return histograms;
}
