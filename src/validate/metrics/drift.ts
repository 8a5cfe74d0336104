// A month's figures against the previous frozen month's, as recorded in
// meta.column_metrics (no snapshot is re-read): PSI on the previous month's bins (or the
// categories of both), the mean's and median's ratios, the NULL share's change, new values.
import type { TableSpec } from '../../contract/tables';
import type { Engine } from '../../engine/duckdb';
import type { Category, ColumnMetrics, TableMetrics } from './shape';

/** A share of zero on one side of PSI is taken as this, so a new or vanished bin counts (and the index stays finite). */
const PSI_FLOOR = 1e-4;

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
export type OwnMetrics = Omit<
  ColumnMetrics,
  'previous_as_of' | 'previous_bin_counts' | 'psi' | 'mean_ratio' | 'median_ratio' | 'null_share_change' | 'new_values'
>;

/** The previous month's figures folded into one column's metrics. */
export function compared(current: OwnMetrics, previous: ColumnMetrics | undefined, previousBinCounts: number[] | null): ColumnMetrics {
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

export const previousColumn = (previous: PreviousMonth, table: TableSpec, column: string) =>
  previous.columns.find((metrics) => metrics.table_name === table.name && metrics.column_name === column);
