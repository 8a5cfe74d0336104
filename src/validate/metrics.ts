// The month's metrics, and their comparison with the previous frozen month: per column
// counts, NULLs, distinct values, range, mean, spread, quantiles, bins and categories;
// per table the size and key churn. Their aggregates ride in the same scan of the staged
// table as the expectation summaries (validate/index.ts), and one more scan counts rows
// on the bins the first one fixed and on the previous month's; the previous month's figures come from
// meta.column_metrics, so no snapshot is re-read. The result lands in staging tables:
// the month-over-month expectations read them, record copies them into
// meta.column_metrics / meta.table_metrics when the month is frozen.
//
// Exact wherever it is affordable: up to EXACT_ROWS rows every figure is exact. Above,
// a numeric column's quantiles (and so its bin edges: estimated cut points, exact counts
// on them) come from a systematic sample of every SAMPLE_EVERY-th line of the file, and
// `estimated` says so. Measured at 1M rows: quantile_disc sorts the column, 130 ms a
// column; on the sample 16 ms.
// Distinct counts: a category's is the size of its histogram, the key's the census's
// (keys.ts), both exact. A numeric column of a large table counts the distinct values
// among those whose hash is 0 modulo SAMPLE_EVERY (a value is in or out with all its
// copies, so the count times SAMPLE_EVERY estimates the whole; ~0.5 % off at 1M
// distinct values). Where that says the column has at most EXACT_DISTINCT values, an
// exact count is cheap (a small hash table) and rides in the bins scan; above, the
// estimate stands, labelled. Measured at 1M rows: an exact count of a continuous column
// is ~0.2 s of CPU, the sampled one 26 ms; approx_count_distinct (HyperLogLog) was 10 %
// off on 1,000 values, the kind of error a report must not show.
import { type ColumnSpec, isNumeric } from '../contract/columns';
import type { Contract } from '../contract/contract';
import { exportColumns, type TableSpec } from '../contract/tables';
import { type Engine, quoteIdent, quoteLiteral } from '../engine/duckdb';
import { keyJoinSql, keyListSql } from '../warehouse/keys';
import { type KeyCensus, takeKeyCensus } from './keys';

export const COLUMN_METRICS_TABLE = 'staging._column_metrics';
export const TABLE_METRICS_TABLE = 'staging._table_metrics';

export const QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;
/** Bins are the distinct deciles: ten of equal weight, fewer for columns with few values. */
const DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/** Both sets of cut points from one sort (quantile_disc: values of the column, nearest rank). */
const CUT_POINTS = [...new Set([...QUANTILES, ...DECILES])].sort((a, b) => a - b);
const positionsOf = (wanted: readonly number[]) => wanted.map((point) => CUT_POINTS.indexOf(point) + 1);
/** Categories kept per column: enough for every categorical column of the contract. */
const MAX_CATEGORIES = 100;
/** A share of zero on one side of PSI is taken as this, so a new or vanished bin counts (and the index stays finite). */
const PSI_FLOOR = 1e-4;
/** Tables up to this many rows get exact figures only. */
export const EXACT_ROWS = 200_000;
/** Above EXACT_ROWS, quantiles come from every SAMPLE_EVERY-th line (62,500 rows of a million), distinct counts from 1 value in SAMPLE_EVERY. */
export const SAMPLE_EVERY = 16;
/** Above EXACT_ROWS, a numeric column estimated to hold at most this many distinct values gets an exact count. */
export const EXACT_DISTINCT = 65_536;
/** A numeric column of at most this many distinct values has its bins counted from its value counts (secondScanPlan). */
const VALUE_COUNTS = 4_096;

/** Figures of a column that may be estimated (see the top of this file). */
export type EstimatedFigure = 'quantiles' | 'distinct_count';

export type ColumnKind = 'key' | 'numeric' | 'categorical' | 'date';

export interface Category {
  readonly value: string;
  readonly count: number;
}

/** One row of meta.column_metrics (run_id aside). */
export interface ColumnMetrics {
  readonly as_of: string;
  readonly table_name: string;
  readonly column_name: string;
  readonly column_type: string;
  readonly kind: ColumnKind;
  readonly row_count: number;
  readonly null_count: number;
  readonly null_share: number | null;
  readonly distinct_count: number;
  readonly min_value: string | null;
  readonly max_value: string | null;
  readonly mean: number | null;
  readonly std: number | null;
  readonly quantiles: readonly number[] | null;
  readonly bin_edges: readonly number[] | null;
  readonly bin_counts: readonly number[] | null;
  readonly categories: readonly Category[] | null;
  readonly previous_as_of: string | null;
  readonly previous_bin_counts: readonly number[] | null;
  readonly psi: number | null;
  readonly mean_ratio: number | null;
  readonly median_ratio: number | null;
  readonly null_share_change: number | null;
  readonly new_values: readonly string[] | null;
  /** The figures that are estimates, not exact counts; empty when every figure is exact. */
  readonly estimated: readonly EstimatedFigure[];
}

/** One row of meta.table_metrics (run_id aside). */
export interface TableMetrics {
  readonly as_of: string;
  readonly table_name: string;
  readonly row_count: number;
  /** Users only (NULL for the tables whose keys must be the users'). */
  readonly keys_added: number | null;
  readonly keys_gone: number | null;
  readonly previous_as_of: string | null;
  readonly previous_row_count: number | null;
}

export interface MonthMetrics {
  readonly columns: readonly ColumnMetrics[];
  readonly tables: readonly TableMetrics[];
  /** The previous frozen month's column metrics, as recorded (empty for a first month). */
  readonly previous: readonly ColumnMetrics[];
}

export function kindOf(table: TableSpec, column: ColumnSpec): ColumnKind {
  if (table.key.includes(column.name)) return 'key';
  if (isNumeric(column.type)) return 'numeric';
  if (column.type === 'DATE') return 'date';
  return 'categorical';
}

/** A number from our own metrics as a SQL literal (never user input: finite by construction, checked anyway). */
function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`bin edge ${value} is not finite`);
  return `${value}::DOUBLE`;
}

/** Whether a column's quantiles and distinct count are sampled (the distinct count may be made exact again: settleTableMetrics). */
const sampledAt = (kind: ColumnKind, rowCount: number) => kind === 'numeric' && rowCount > EXACT_ROWS;

/**
 * The first scan: everything but the bin counts, one struct per column (same shape for
 * all, so they unnest into rows).
 */
function columnAggregate(table: TableSpec, column: ColumnSpec, rowCount: number, census: KeyCensus | undefined): string {
  const kind = kindOf(table, column);
  const name = quoteIdent(column.name);
  const numeric = kind === 'numeric';
  const sampled = sampledAt(kind, rowCount);
  const cutPoints = `quantile_disc(${name}::DOUBLE, [${CUT_POINTS.join(', ')}])${sampled ? ` FILTER (WHERE (_line - 2) % ${SAMPLE_EVERY} = 0)` : ''}`;
  const censusDistinct = census?.column === column.name ? census.distinctKeys : null;
  const figures =
    column.type === 'BOOLEAN'
      ? booleanFigures(name)
      : valueFigures(name, kind, censusDistinct !== null ? `${censusDistinct}` : sampled ? 'NULL::BIGINT' : `count(DISTINCT ${name})`);
  return `{'column_name': ${quoteLiteral(column.name)}, 'column_type': ${quoteLiteral(column.type)}, 'kind': ${quoteLiteral(kind)},
           'row_count': count(*), 'null_count': count(*) - count(${name}), 'distinct_count': ${figures.distinct},
           'distinct_sampled': ${sampled ? `count(DISTINCT ${name}) FILTER (WHERE hash(${name}) % ${SAMPLE_EVERY} = 0)` : 'NULL::BIGINT'},
           'min_value': ${figures.min}, 'max_value': ${figures.max}, 'mean': ${figures.mean}, 'std': ${figures.std},
           'quantiles': ${numeric ? `list_select(${cutPoints}, [${positionsOf(QUANTILES).join(', ')}])` : 'NULL::DOUBLE[]'},
           'bin_edges': ${numeric ? `list_sort(list_distinct(list_select(${cutPoints}, [${positionsOf(DECILES).join(', ')}])))` : 'NULL::DOUBLE[]'},
           'categories': ${figures.categories}}`;
}

/** A column's distinct count, range, mean, spread and categories as SQL aggregates. */
interface Figures {
  readonly distinct: string;
  readonly min: string;
  readonly max: string;
  readonly mean: string;
  readonly std: string;
  readonly categories: string;
}

/** Any column but a BOOLEAN: a category's values from its histogram (their number its distinct count), `distinct` otherwise. */
function valueFigures(name: string, kind: ColumnKind, distinct: string): Figures {
  const histogram = `histogram(${name})`;
  const categorical = kind === 'categorical';
  return {
    distinct: categorical ? `cardinality(${histogram})` : distinct,
    min: `min(${name})::VARCHAR`,
    max: `max(${name})::VARCHAR`,
    mean: kind === 'numeric' ? `avg(${name}::DOUBLE)` : 'NULL::DOUBLE',
    std: kind === 'numeric' ? `stddev_samp(${name}::DOUBLE)` : 'NULL::DOUBLE',
    categories: categorical
      ? `list_transform(map_entries(${histogram}), entry -> {'value': entry.key::VARCHAR, 'count': entry.value::BIGINT})`
      : `NULL::STRUCT("value" VARCHAR, "count" BIGINT)[]`,
  };
}

/**
 * A BOOLEAN column's figures from two counts: its categories are false and true, its mean
 * the share of true, its spread √(t(n−t) / (n(n−1))), the sample standard deviation of 0s
 * and 1s. Measured at 1M rows: 4 ms, against 46 for min, max, avg, stddev_samp and histogram.
 */
function booleanFigures(name: string): Figures {
  const trues = `count_if(${name})`;
  const values = `count(${name})`;
  const categories = `list_filter([{'value': 'false', 'count': ${values} - ${trues}}, {'value': 'true', 'count': ${trues}}], category -> category.count > 0)`;
  return {
    distinct: `len(${categories})`,
    min: `CASE WHEN ${trues} < ${values} THEN 'false' WHEN ${values} > 0 THEN 'true' END`,
    max: `CASE WHEN ${trues} > 0 THEN 'true' WHEN ${values} > 0 THEN 'false' END`,
    mean: `${trues} / nullif(${values}, 0)`,
    std: `CASE WHEN ${values} > 1 THEN sqrt(${trues}::DOUBLE * (${values} - ${trues}) / (${values}::DOUBLE * (${values} - 1))) END`,
    categories,
  };
}

/**
 * The bin of each non-null value (0 for <= e1, i for (e_i, e_i+1], k for > ek) counted by
 * histogram(): a CASE that halves the edges at each step, and one small hash table per
 * column. A FILTERed count per bin re-evaluated every predicate (measured at 1M rows: ~2 s
 * a table against ~0.2 s); a CASE arm per edge tests about half of them a row (one edge
 * set 114 ms, the halving 101; both months' 18 edges 224 ms as two ladders, 134 halved).
 */
function binHistogramSql(column: string, edges: readonly number[]): string {
  const value = `${quoteIdent(column)}::DOUBLE`;
  const bin = (low: number, high: number): string => {
    if (low === high) return `${low}`;
    const middle = (low + high) >> 1;
    return `CASE WHEN ${value} <= ${numberLiteral(edges[middle])} THEN ${bin(low, middle)} ELSE ${bin(middle + 1, high)} END`;
  };
  return `map_entries(histogram(CASE WHEN ${value} IS NULL THEN NULL ELSE ${bin(0, edges.length)} END))`;
}

type HistogramEntries = readonly { key: number; value: number }[];

/** Counts per bin in bin order from a column's value counts (binHistogramSql's rule: a value's bin is the first edge it does not exceed). */
function binCountsOfValues(values: HistogramEntries, edges: readonly number[]): number[] {
  const counts = Array.from({ length: edges.length + 1 }, () => 0);
  for (const { key, value } of values) {
    const bin = edges.findIndex((edge) => key <= edge);
    counts[bin < 0 ? edges.length : bin] += Number(value);
  }
  return counts;
}

/**
 * What the second scan counts for one column, and how its figures are read back: the
 * rows on this month's bins (kept for the next month's comparison) and on the previous
 * month's, and a large table's exact distinct count where the sample says it is cheap.
 * A numeric column of at most VALUE_COUNTS values has them counted once (histogram); any
 * other has its rows counted between the edges of both months at once (binHistogramSql
 * over their union: each month's bin is a run of those finer ones). Both months' bins
 * then follow in JavaScript. Measured at 1M rows: value counts ~25 ms a column, where a
 * CASE over one month's edges took ~90 ms.
 */
function secondScanPlan(row: Record<string, unknown>, previousEdges: readonly number[] | null | undefined) {
  const name = String(row.column_name);
  const ownEdges = nonEmpty(row.bin_edges as number[] | null);
  const thenEdges = nonEmpty(previousEdges);
  const fineEdges = [...new Set([...(ownEdges ?? []), ...(thenEdges ?? [])])].sort((a, b) => a - b);
  const sampled = row.distinct_sampled !== null;
  const distinctSoFar = sampled ? Number(row.distinct_sampled) * SAMPLE_EVERY : Number(row.distinct_count);
  const byValue = fineEdges.length > 0 && distinctSoFar <= VALUE_COUNTS;
  const countDistinct = sampled && !byValue && distinctSoFar <= EXACT_DISTINCT;
  const alias = (what: string) => quoteIdent(`${what} ${name}`);
  const aggregates = [
    ...(byValue ? [`map_entries(histogram(${quoteIdent(name)}::DOUBLE)) AS ${alias('values')}`] : []),
    ...(!byValue && fineEdges.length > 0 ? [`${binHistogramSql(name, fineEdges)} AS ${alias('bins')}`] : []),
    ...(countDistinct ? [`count(DISTINCT ${quoteIdent(name)}) AS ${alias('distinct')}`] : []),
  ];
  const read = (second: Record<string, unknown>) => {
    // Value counts, or the finer bins as values: the values of bin j are at most its upper edge and above the one before.
    const values =
      (second[`values ${name}`] as HistogramEntries | undefined) ??
      ((second[`bins ${name}`] as HistogramEntries | undefined) ?? []).map(({ key, value }) => ({
        key: Number(key) < fineEdges.length ? fineEdges[Number(key)] : Number.POSITIVE_INFINITY,
        value,
      }));
    const bins = (edges: readonly number[] | null) => (edges === null ? null : binCountsOfValues(values, edges));
    const exactDistinct = !sampled || byValue || countDistinct;
    const distinctCount = !sampled ? distinctSoFar : byValue ? values.length : countDistinct ? Number(second[`distinct ${name}`]) : distinctSoFar;
    // A sampled column's quantiles are the sample's (columnAggregate); its distinct count is an estimate unless counted again here.
    const estimated: EstimatedFigure[] = sampled ? ['quantiles', ...(exactDistinct ? [] : ['distinct_count' as const])] : [];
    return { name, ownBins: bins(ownEdges), previousBins: bins(thenEdges), distinctCount, estimated };
  };
  return { aggregates, read };
}

const nonEmpty = (edges: readonly number[] | null | undefined) => (edges && edges.length > 0 ? edges : null);

/** PSI = Σ (now − then) · ln(now / then) over shares; empty shares floored. */
export function populationStability(then: readonly number[], now: readonly number[]): number | null {
  const totalThen = then.reduce((sum, count) => sum + count, 0);
  const totalNow = now.reduce((sum, count) => sum + count, 0);
  if (totalThen === 0 || totalNow === 0 || then.length !== now.length) return null;
  return then.reduce((sum, countThen, index) => {
    const p = Math.max(countThen / totalThen, PSI_FLOOR);
    const q = Math.max(now[index] / totalNow, PSI_FLOOR);
    return sum + (q - p) * Math.log(q / p);
  }, 0);
}

const ratio = (now: number | null | undefined, then: number | null | undefined) =>
  now === null || now === undefined || then === null || then === undefined || then === 0 ? null : now / then;

/** Category counts, NULL as a category of its own, on the union of both months' values (previous month's order first). */
function categoryBins(previous: ColumnMetrics, current: Pick<ColumnMetrics, 'categories' | 'null_count'>): { then: number[]; now: number[] } {
  const values = [...new Set([...(previous.categories ?? []), ...(current.categories ?? [])].map((category) => category.value))];
  const count = (categories: readonly Category[] | null, value: string) => categories?.find((category) => category.value === value)?.count ?? 0;
  return {
    then: [...values.map((value) => count(previous.categories, value)), previous.null_count],
    now: [...values.map((value) => count(current.categories, value)), current.null_count],
  };
}

/** The frozen month before the staged one, as its metrics were recorded; empty for a first month. */
export interface PreviousMonth {
  readonly asOf: string | null;
  readonly columns: readonly ColumnMetrics[];
  readonly tables: readonly TableMetrics[];
}

/** `liveAttached`: whether the warehouse is attached as `wh` (a `validate` over a fresh folder has none, so nothing to compare). */
export async function readPreviousMonth(engine: Engine, options: { asOf: string; liveAttached: boolean }): Promise<PreviousMonth> {
  const none: PreviousMonth = { asOf: null, columns: [], tables: [] };
  if (!options.liveAttached) return none;
  const [row] = await engine.rows<{ as_of: string | null }>(
    `SELECT strftime(max(as_of), '%Y-%m-%d') AS as_of FROM wh.meta.column_metrics WHERE as_of < $as_of::DATE`,
    { as_of: options.asOf },
  );
  if (!row?.as_of) return none;
  const select = (table: string) => `SELECT * EXCLUDE (run_id) REPLACE (strftime(as_of, '%Y-%m-%d') AS as_of) FROM wh.meta.${table} WHERE as_of = $as_of::DATE`;
  return {
    asOf: row.as_of,
    columns: await engine.rows<ColumnMetrics & Record<string, unknown>>(select('column_metrics'), { as_of: row.as_of }),
    tables: await engine.rows<TableMetrics & Record<string, unknown>>(select('table_metrics'), { as_of: row.as_of }),
  };
}

/** A column's own figures, before the comparison with the previous month. */
type OwnMetrics = Omit<ColumnMetrics, 'previous_as_of' | 'previous_bin_counts' | 'psi' | 'mean_ratio' | 'median_ratio' | 'null_share_change' | 'new_values'>;

/** The previous month's figures folded into one column's metrics. */
function compared(current: OwnMetrics, previous: ColumnMetrics | undefined, previousBinCounts: number[] | null): ColumnMetrics {
  if (!previous) {
    return {
      ...current,
      previous_as_of: null,
      previous_bin_counts: null,
      psi: null,
      mean_ratio: null,
      median_ratio: null,
      null_share_change: null,
      new_values: null,
    };
  }
  const categorical = current.kind === 'categorical';
  const bins = categorical ? categoryBins(previous, current) : undefined;
  const psi =
    bins !== undefined
      ? populationStability(bins.then, bins.now)
      : previous.bin_counts && previousBinCounts
        ? populationStability(previous.bin_counts, previousBinCounts)
        : null;
  const known = new Set((previous.categories ?? []).map((category) => category.value));
  return {
    ...current,
    previous_as_of: previous.as_of,
    previous_bin_counts: previousBinCounts,
    psi,
    mean_ratio: ratio(current.mean, previous.mean),
    median_ratio: current.kind === 'numeric' ? ratio(current.quantiles?.[2], previous.quantiles?.[2]) : null,
    null_share_change: current.null_share === null || previous.null_share === null ? null : current.null_share - previous.null_share,
    // A finding for text categories only: a boolean has no third value to gain.
    new_values:
      categorical && current.column_type === 'VARCHAR'
        ? (current.categories ?? []).map((category) => category.value).filter((value) => !known.has(value))
        : null,
  };
}

const previousColumn = (previous: PreviousMonth, table: TableSpec, column: string) =>
  previous.columns.find((metrics) => metrics.table_name === table.name && metrics.column_name === column);

/**
 * The metric aggregates of one staged table as one SQL expression (a LIST of one STRUCT
 * per column), to ride in a scan of the table. The table's size (free: DuckDB keeps it)
 * decides what is estimated (EXACT_ROWS); the key's distinct count is the census's.
 */
export async function metricsAggregate(engine: Engine, table: TableSpec, census?: KeyCensus): Promise<string> {
  const [{ rows }] = await engine.rows<{ rows: number }>(`SELECT count(*) AS rows FROM staging.${quoteIdent(table.name)}`);
  const aggregates = exportColumns(table).map((column) => columnAggregate(table, column, rows, census));
  return `[${aggregates.join(',\n')}]`;
}

/**
 * One table's metrics from what metricsAggregate returned: a second scan counts rows on
 * this month's bins (kept for the next month) and the previous month's (secondScanPlan),
 * then every column is compared with the previous month, and the table's size and key
 * churn are added.
 */
export async function settleTableMetrics(
  engine: Engine,
  table: TableSpec,
  scanned: readonly Record<string, unknown>[],
  previous: PreviousMonth,
  options: { asOf: string; liveAttached: boolean },
): Promise<{ columns: ColumnMetrics[]; table: TableMetrics }> {
  const plans = scanned.map((row) => secondScanPlan(row, previousColumn(previous, table, String(row.column_name))?.bin_edges));
  const aggregates = plans.flatMap((plan) => plan.aggregates);
  const [second] = aggregates.length > 0 ? await engine.rows(`SELECT ${aggregates.join(', ')} FROM staging.${quoteIdent(table.name)}`) : [{}];
  const columns = scanned.map((row, index) => {
    const { name, ownBins, previousBins, distinctCount, estimated } = plans[index].read(second);
    const rowCount = Number(row.row_count);
    const nullCount = Number(row.null_count);
    const categories = row.categories as Category[] | null;
    const current: OwnMetrics = {
      as_of: options.asOf,
      table_name: table.name,
      column_name: name,
      column_type: String(row.column_type),
      kind: row.kind as ColumnKind,
      row_count: rowCount,
      null_count: nullCount,
      null_share: rowCount > 0 ? nullCount / rowCount : null,
      distinct_count: distinctCount,
      min_value: row.min_value as string | null,
      max_value: row.max_value as string | null,
      mean: row.mean === null ? null : Number(row.mean),
      std: row.std === null ? null : Number(row.std),
      quantiles: row.quantiles as number[] | null,
      bin_edges: row.bin_edges as number[] | null,
      bin_counts: ownBins,
      categories: categories === null ? null : [...categories].sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)).slice(0, MAX_CATEGORIES),
      estimated,
    };
    return compared(current, previousColumn(previous, table, name), previousBins);
  });
  return { columns, table: await tableMetrics(engine, table, options, previous) };
}

/**
 * The month's metrics on their own (the key census, then each table's aggregates in a
 * scan of their own), compared with the previous frozen month and staged. validateMonth computes the same
 * inside its expectation scans; this is for measuring them alone.
 */
export async function measureMonth(engine: Engine, contract: Contract, options: { asOf: string; liveAttached: boolean }): Promise<MonthMetrics> {
  const previous = await readPreviousMonth(engine, options);
  const census = await takeKeyCensus(engine, contract.tables);
  const columns: ColumnMetrics[] = [];
  const tables: TableMetrics[] = [];
  for (const table of contract.tables) {
    const [scan] = await engine.rows<{ metrics: Record<string, unknown>[] }>(
      `SELECT ${await metricsAggregate(engine, table, census.get(table.name))} AS metrics FROM staging.${quoteIdent(table.name)}`,
    );
    const settled = await settleTableMetrics(engine, table, scan.metrics, previous, options);
    columns.push(...settled.columns);
    tables.push(settled.table);
  }
  return stageMetrics(engine, { columns, tables, previous: previous.columns });
}

/**
 * Size, and for the parent table (users) the key churn against the live table the month
 * would be merged into. Every other table must hold exactly the parent's keys (validated),
 * so its churn is the parent's: not joined again (a join of a million keys costs ~0.5 s).
 */
async function tableMetrics(
  engine: Engine,
  table: TableSpec,
  options: { asOf: string; liveAttached: boolean },
  previous: PreviousMonth,
): Promise<TableMetrics> {
  const relation = `staging.${quoteIdent(table.name)}`;
  const keys = keyListSql(table.key);
  const firstKey = quoteIdent(table.key[0]);
  const churnSql =
    table.parent !== undefined
      ? `SELECT count(*) AS row_count, NULL AS keys_added, NULL AS keys_gone FROM ${relation}`
      : options.liveAttached
        ? `SELECT count(staged.${firstKey}) AS row_count, count(*) FILTER (WHERE live.${firstKey} IS NULL) AS keys_added,
                  count(*) FILTER (WHERE staged.${firstKey} IS NULL) AS keys_gone
           FROM (SELECT ${keys} FROM ${relation}) AS staged FULL JOIN (SELECT ${keys} FROM wh.main.${quoteIdent(table.name)}) AS live ON ${keyJoinSql(table.key, 'live', 'staged')}`
        : `SELECT count(*) AS row_count, count(*) AS keys_added, 0 AS keys_gone FROM ${relation}`;
  const [churn] = await engine.rows<{ row_count: number; keys_added: number | null; keys_gone: number | null }>(churnSql);
  const before = previous.tables.find((metrics) => metrics.table_name === table.name);
  return {
    as_of: options.asOf,
    table_name: table.name,
    row_count: Number(churn.row_count),
    keys_added: churn.keys_added,
    keys_gone: churn.keys_gone,
    previous_as_of: before ? previous.asOf : null,
    previous_row_count: before ? Number(before.row_count) : null,
  };
}

const COLUMN_METRICS_JSON_SHAPE = JSON.stringify({
  as_of: 'DATE',
  table_name: 'VARCHAR',
  column_name: 'VARCHAR',
  column_type: 'VARCHAR',
  kind: 'VARCHAR',
  row_count: 'BIGINT',
  null_count: 'BIGINT',
  null_share: 'DOUBLE',
  distinct_count: 'BIGINT',
  min_value: 'VARCHAR',
  max_value: 'VARCHAR',
  mean: 'DOUBLE',
  std: 'DOUBLE',
  quantiles: 'DOUBLE[]',
  bin_edges: 'DOUBLE[]',
  bin_counts: 'BIGINT[]',
  categories: [{ value: 'VARCHAR', count: 'BIGINT' }],
  previous_as_of: 'DATE',
  previous_bin_counts: 'BIGINT[]',
  psi: 'DOUBLE',
  mean_ratio: 'DOUBLE',
  median_ratio: 'DOUBLE',
  null_share_change: 'DOUBLE',
  new_values: 'VARCHAR[]',
  estimated: 'VARCHAR[]',
});
const TABLE_METRICS_JSON_SHAPE = JSON.stringify({
  as_of: 'DATE',
  table_name: 'VARCHAR',
  row_count: 'BIGINT',
  keys_added: 'BIGINT',
  keys_gone: 'BIGINT',
  previous_as_of: 'DATE',
  previous_row_count: 'BIGINT',
});

/** The figures as staging tables (a few hundred values: they travel as one JSON parameter). */
export async function stageMetrics(engine: Engine, metrics: MonthMetrics): Promise<MonthMetrics> {
  await engine.run(
    `CREATE OR REPLACE TABLE ${COLUMN_METRICS_TABLE} AS
     SELECT metrics.* FROM (SELECT unnest(from_json($rows::JSON, '[${COLUMN_METRICS_JSON_SHAPE}]')) AS metrics)`,
    { rows: JSON.stringify(metrics.columns) },
  );
  await engine.run(
    `CREATE OR REPLACE TABLE ${TABLE_METRICS_TABLE} AS
     SELECT metrics.* FROM (SELECT unnest(from_json($rows::JSON, '[${TABLE_METRICS_JSON_SHAPE}]')) AS metrics)`,
    { rows: JSON.stringify(metrics.tables) },
  );
  return metrics;
}
