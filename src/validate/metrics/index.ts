// The month's metrics, and their comparison with the previous frozen month: per column
// counts, NULLs, distinct values, range, mean, spread, quantiles, bins and categories
// (profile.ts); per table the size and key churn; against the previous month's figures
// from meta.column_metrics (drift.ts), so no snapshot is re-read. Their aggregates ride in
// the same scan of the staged table as the expectation summaries (validate/index.ts). The
// result lands in staging tables (staging.ts, in the shape of shape.ts): the
// month-over-month expectations read them, record copies them into meta.column_metrics /
// meta.table_metrics when the month is frozen.
import type { Contract } from '../../contract/contract';
import type { TableSpec } from '../../contract/tables';
import { type Engine, quoteIdent } from '../../engine/duckdb';
import { keyJoinSql, keyListSql } from '../../warehouse/keys';
import { takeKeyCensus } from '../keys';
import { compared, type OwnMetrics, type PreviousMonth, previousColumn, readPreviousMonth } from './drift';
import { MAX_CATEGORIES, metricsAggregate, secondScanPlan, stagedRelation } from './profile';
import type { Category, ColumnKind, ColumnMetrics, MonthMetrics, TableMetrics } from './shape';
import { stageMetrics } from './staging';

/** What a month is measured against: its as_of, and the state it is compared with (validate's ValidateOptions). */
export interface MonthOptions {
  readonly asOf: string;
  /** Whether the warehouse is attached as `wh`, so that the month can be compared with what it holds. */
  readonly liveAttached: boolean;
  /**
   * The state before the month, per table, as a relation with the contract's columns, where
   * that is not the live tables: for a late month or a correction, the frozen as_of before
   * it (snapshot/index.ts stateBeforeSql); the live tables hold a newer month.
   */
  readonly before?: ReadonlyMap<string, string>;
}

/** The relation a month's table is compared with: the state before it, else the live table; undefined without a warehouse. */
export function comparedRelation(table: string, options: MonthOptions): string | undefined {
  if (options.before) return options.before.get(table);
  return options.liveAttached ? `wh.main.${quoteIdent(table)}` : undefined;
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
  options: MonthOptions,
): Promise<{ columns: ColumnMetrics[]; table: TableMetrics }> {
  const plans = scanned.map((row) => secondScanPlan(table, row, previousColumn(previous, table, String(row.column_name))?.bin_edges));
  const aggregates = plans.flatMap((plan) => plan.aggregates);
  const [second] = aggregates.length > 0 ? await engine.rows(`SELECT ${aggregates.join(', ')} FROM ${stagedRelation(table.name)}`) : [{}];
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
export async function measureMonth(engine: Engine, contract: Contract, options: MonthOptions): Promise<MonthMetrics> {
  const previous = await readPreviousMonth(engine, options);
  const census = await takeKeyCensus(engine, contract.tables);
  const columns: ColumnMetrics[] = [];
  const tables: TableMetrics[] = [];
  for (const table of contract.tables) {
    const [scan] = await engine.rows<{ metrics: Record<string, unknown>[] }>(
      `SELECT ${await metricsAggregate(engine, table, census.get(table.name))} AS metrics FROM ${stagedRelation(table.name)}`,
    );
    const settled = await settleTableMetrics(engine, table, scan.metrics, previous, options);
    columns.push(...settled.columns);
    tables.push(settled.table);
  }
  return stageMetrics(engine, { columns, tables, previous: previous.columns });
}

/**
 * Size, and for the parent table (users) the key churn against the state the month would
 * be merged into (the live table; for a late month or a correction, the frozen as_of before it). Every other table must hold exactly the parent's keys (validated),
 * so its churn is the parent's: not joined again (a join of a million keys costs ~0.5 s).
 */
async function tableMetrics(engine: Engine, table: TableSpec, options: MonthOptions, previous: PreviousMonth): Promise<TableMetrics> {
  const relation = stagedRelation(table.name);
  const keys = keyListSql(table.key);
  const firstKey = quoteIdent(table.key[0]);
  const before = comparedRelation(table.name, options);
  const churnSql =
    table.parent !== undefined
      ? `SELECT count(*) AS row_count, NULL AS keys_added, NULL AS keys_gone FROM ${relation}`
      : before !== undefined
        ? `SELECT count(staged.${firstKey}) AS row_count, count(*) FILTER (WHERE live.${firstKey} IS NULL) AS keys_added,
                  count(*) FILTER (WHERE staged.${firstKey} IS NULL) AS keys_gone
           FROM (SELECT ${keys} FROM ${relation}) AS staged FULL JOIN (SELECT ${keys} FROM ${before}) AS live ON ${keyJoinSql(table.key, 'live', 'staged')}`
        : `SELECT count(*) AS row_count, count(*) AS keys_added, 0 AS keys_gone FROM ${relation}`;
  const [churn] = await engine.rows<{ row_count: number; keys_added: number | null; keys_gone: number | null }>(churnSql);
  const earlier = previous.tables.find((metrics) => metrics.table_name === table.name);
  return {
    as_of: options.asOf,
    table_name: table.name,
    row_count: Number(churn.row_count),
    keys_added: churn.keys_added,
    keys_gone: churn.keys_gone,
    previous_as_of: earlier ? previous.asOf : null,
    previous_row_count: earlier ? Number(earlier.row_count) : null,
  };
}
