// The month's metrics as staging tables, shaped by shape.ts: the month-over-month
// expectations read them, record copies them into meta.column_metrics / meta.table_metrics
// when the month is frozen.
import type { Engine } from '../../engine/duckdb';
import { COLUMN_METRICS_COLUMNS, type MonthMetrics, TABLE_METRICS_COLUMNS } from './shape';

export const COLUMN_METRICS_TABLE = 'staging._column_metrics';
export const TABLE_METRICS_TABLE = 'staging._table_metrics';

/** A JSON row's structure for from_json: each column's DuckDB type. */
const jsonShape = (columns: Readonly<Record<string, { readonly type: string }>>) =>
  JSON.stringify(Object.fromEntries(Object.entries(columns).map(([name, column]) => [name, column.type])));

/** The figures as staging tables (a few hundred values: they travel as one JSON parameter). */
export async function stageMetrics(engine: Engine, metrics: MonthMetrics): Promise<MonthMetrics> {
  for (const [table, columns, rows] of [
    [COLUMN_METRICS_TABLE, COLUMN_METRICS_COLUMNS, metrics.columns],
    [TABLE_METRICS_TABLE, TABLE_METRICS_COLUMNS, metrics.tables],
  ] as const) {
    await engine.run(
      `CREATE OR REPLACE TABLE ${table} AS
       SELECT metrics.* FROM (SELECT unnest(from_json($rows::JSON, '[${jsonShape(columns)}]')) AS metrics)`,
      { rows: JSON.stringify(rows) },
    );
  }
  return metrics;
}
