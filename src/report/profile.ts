// What the report shows beside the expectations: the month's metrics and their comparison
// with the previous frozen month (validate/metrics/), and the history of every frozen
// month before it (meta.column_metrics) for the trend lines. The history is the report's
// concern, so it is read when the report is rendered, not by validate; so are the
// equal-width histograms of both months (histograms.ts).
import { type Contract, entityTableOf } from '../contract/contract';
import type { Engine } from '../engine/duckdb';
import type { MonthMetrics } from '../validate';
import type { WarehouseLayout } from '../warehouse/layout';
import { type EqualWidthHistogram, equalWidthHistograms } from './histograms';

/** One column of one earlier frozen month: the figures drawn as trends. */
export interface TrendPoint {
  readonly as_of: string;
  readonly table_name: string;
  readonly column_name: string;
  readonly row_count: number;
  readonly null_share: number | null;
  readonly mean: number | null;
  readonly distinct_count: number;
}

export interface MonthProfile {
  readonly metrics: MonthMetrics;
  /** The table of the entities (its row count is the headline count) and the label column (its rate is the headline rate). */
  readonly entityTable: string | undefined;
  readonly label: { readonly table: string; readonly column: string };
  /** Earlier frozen months (as_of before this one), oldest first; this month is in `metrics`. */
  readonly history: readonly TrendPoint[];
  /** Every numeric column's equal-width histogram of this month and the previous one (histograms.ts). */
  readonly histograms: readonly EqualWidthHistogram[];
}

/** `warehouse`: the warehouse attached as `wh`; null when none is (a `validate` over a fresh folder: no history). */
export async function profileMonth(engine: Engine, contract: Contract, metrics: MonthMetrics, warehouse: WarehouseLayout | null): Promise<MonthProfile> {
  const liveAttached = warehouse !== null;
  const asOf = metrics.columns[0]?.as_of;
  const history =
    asOf && liveAttached
      ? await engine.rows<TrendPoint & Record<string, unknown>>(
          `SELECT strftime(as_of, '%Y-%m-%d') AS as_of, table_name, column_name, row_count, null_share, mean, distinct_count
         FROM wh.meta.column_metrics WHERE as_of < $as_of::DATE ORDER BY as_of, table_name, column_name`,
          { as_of: asOf },
        )
      : [];
  const histograms = await equalWidthHistograms(engine, contract, metrics, warehouse);
  return { metrics, history, histograms, entityTable: entityTableOf(contract)?.name, label: contract.label };
}
