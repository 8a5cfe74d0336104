// The one definition of the metrics' shape: the columns of meta.column_metrics and
// meta.table_metrics (run_id aside), in the DDL's order, with their DuckDB types. The
// TypeScript rows are derived from it, the staging tables are made from it (staging.ts),
// and test/metrics-shape.test.ts holds sql/metadata.sql's tables to it.

/** A column of a metrics table: its DuckDB type and whether the DDL declares it NOT NULL. */
interface MetricsColumn {
  readonly type: string;
  readonly notNull: boolean;
}

const CATEGORIES = 'STRUCT("value" VARCHAR, "count" BIGINT)[]';

/** One row per column of each frozen month, from the staged export, with its comparison to the previous frozen month (NULLs for the first). */
export const COLUMN_METRICS_COLUMNS = {
  as_of: { type: 'DATE', notNull: true },
  table_name: { type: 'VARCHAR', notNull: true },
  column_name: { type: 'VARCHAR', notNull: true },
  column_type: { type: 'VARCHAR', notNull: true },
  /** key | numeric | categorical | date */
  kind: { type: 'VARCHAR', notNull: true },
  row_count: { type: 'BIGINT', notNull: true },
  null_count: { type: 'BIGINT', notNull: true },
  null_share: { type: 'DOUBLE', notNull: false },
  /** exact: count(DISTINCT), unless `estimated` says otherwise */
  distinct_count: { type: 'BIGINT', notNull: true },
  min_value: { type: 'VARCHAR', notNull: false },
  max_value: { type: 'VARCHAR', notNull: false },
  /** booleans: the share of True */
  mean: { type: 'DOUBLE', notNull: false },
  std: { type: 'DOUBLE', notNull: false },
  /** at 0.05, 0.25, 0.5, 0.75, 0.95, nearest rank (numeric) */
  quantiles: { type: 'DOUBLE[]', notNull: false },
  /** upper edges of this month's bins: distinct deciles (numeric) */
  bin_edges: { type: 'DOUBLE[]', notNull: false },
  /** non-null rows per bin: <= e1, (e1, e2], …, > ek */
  bin_counts: { type: 'BIGINT[]', notNull: false },
  /** categorical: every value, commonest first (at most 100) */
  categories: { type: CATEGORIES, notNull: false },
  /** the frozen month compared with; NULL for the first */
  previous_as_of: { type: 'DATE', notNull: false },
  /** this month's rows on the previous month's bins */
  previous_bin_counts: { type: 'BIGINT[]', notNull: false },
  /** population stability index against the previous month */
  psi: { type: 'DOUBLE', notNull: false },
  /** mean now / mean then */
  mean_ratio: { type: 'DOUBLE', notNull: false },
  median_ratio: { type: 'DOUBLE', notNull: false },
  /** points (fraction) against the previous month */
  null_share_change: { type: 'DOUBLE', notNull: false },
  /** categorical values the previous month did not hold */
  new_values: { type: 'VARCHAR[]', notNull: false },
  /** which figures are estimates (schema 4: NULL in rows recorded before; this code always writes a list, empty when all are exact) */
  estimated: { type: 'VARCHAR[]', notNull: false },
} as const satisfies Record<string, MetricsColumn>;

/** One row per table of each frozen month: its size, and for a table without a parent the key churn against the live table. */
export const TABLE_METRICS_COLUMNS = {
  as_of: { type: 'DATE', notNull: true },
  table_name: { type: 'VARCHAR', notNull: true },
  row_count: { type: 'BIGINT', notNull: true },
  /** keys new to the warehouse (NULL for a table whose keys must be its parent's) */
  keys_added: { type: 'BIGINT', notNull: false },
  /** keys the warehouse holds that the month lacks */
  keys_gone: { type: 'BIGINT', notNull: false },
  previous_as_of: { type: 'DATE', notNull: false },
  previous_row_count: { type: 'BIGINT', notNull: false },
} as const satisfies Record<string, MetricsColumn>;

/** Figures of a column that may be estimated (profile.ts). */
export type EstimatedFigure = 'quantiles' | 'distinct_count';

export type ColumnKind = 'key' | 'numeric' | 'categorical' | 'date';

export interface Category {
  readonly value: string;
  readonly count: number;
}

/** A DuckDB type as the row's value in TypeScript. */
type ValueOf<T extends string> = T extends 'VARCHAR' | 'DATE'
  ? string
  : T extends 'BIGINT' | 'DOUBLE'
    ? number
    : T extends 'BIGINT[]' | 'DOUBLE[]'
      ? readonly number[]
      : T extends 'VARCHAR[]'
        ? readonly string[]
        : T extends typeof CATEGORIES
          ? readonly Category[]
          : never;

/** A row of a metrics table: each column's value, NULL where the DDL allows it. */
type RowOf<Columns extends Record<string, MetricsColumn>> = {
  readonly [Name in keyof Columns]: Columns[Name]['notNull'] extends true ? ValueOf<Columns[Name]['type']> : ValueOf<Columns[Name]['type']> | null;
};

/** One row of meta.column_metrics (run_id aside), with its kind and estimated figures named. */
export type ColumnMetrics = Omit<RowOf<typeof COLUMN_METRICS_COLUMNS>, 'kind' | 'estimated'> & {
  readonly kind: ColumnKind;
  /** The figures that are estimates, not exact counts; empty when every figure is exact. */
  readonly estimated: readonly EstimatedFigure[];
};

/** One row of meta.table_metrics (run_id aside). */
export type TableMetrics = RowOf<typeof TABLE_METRICS_COLUMNS>;

export interface MonthMetrics {
  readonly columns: readonly ColumnMetrics[];
  readonly tables: readonly TableMetrics[];
  /** The previous frozen month's column metrics, as recorded (empty for a first month). */
  readonly previous: readonly ColumnMetrics[];
}
