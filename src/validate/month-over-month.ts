// The month over month of a run, in a few figures a scheduler or a log reader can take
// without opening the report: the previous frozen month it was compared with, the entity
// table's size and key churn then → now, the label's rate then → now (a BOOLEAN label:
// its share of true), and every month-over-month expectation that failed, with its figure.
// Made from validate's metrics of the run (MonthMetrics) and its results; `runs show`
// makes the same from what the freezing run recorded (meta.column_metrics,
// meta.table_metrics, meta.validation_results).
import type { ExpectationResult } from '../artifacts';
import { type Contract, entityTableOf } from '../contract/contract';
import type { Severity } from '../contract/expectations';
import { columnMeanRatioToPreviousToBeLessThan } from '../contract/expectations/column-mean-ratio-to-previous-to-be-less-than';
import { comparesMonths } from '../contract/expectations/registry';
import type { Engine } from '../engine/duckdb';
import type { ColumnMetrics, TableMetrics } from './metrics/shape';

export interface MonthOverMonth {
  /** The frozen month the run's month was compared with. */
  readonly previous_as_of: string;
  /** The entity table (the label's key, with no parent): rows then and now, keys new to the warehouse and keys it holds that the month lacks. */
  readonly entity: EntityChange | null;
  /** The label's rate then and now: for a BOOLEAN label its share of true (NULLs aside); null for a label of another type. */
  readonly label: LabelChange | null;
  /** Every failed month-over-month expectation (their definition comparesMonths): tables in contract order, each suite in its order. */
  readonly flagged: readonly FlaggedComparison[];
}

export interface EntityChange {
  readonly table: string;
  readonly rows_then: number | null;
  readonly rows_now: number;
  readonly keys_added: number | null;
  readonly keys_gone: number | null;
}

export interface LabelChange {
  readonly table: string;
  readonly column: string;
  readonly rate_then: number | null;
  readonly rate_now: number | null;
}

export interface FlaggedComparison {
  readonly table: string;
  readonly column: string | null;
  readonly expectation_id: string;
  readonly type: string;
  readonly severity: Severity;
  /**
   * The figure judged (validation.json's observed_value.value): a factor of change
   * (row count, mean or median: ×, either way), a share of keys gone, a PSI, or the number
   * of new values; null when it could not be computed.
   */
  readonly figure: number | null;
  /** The mean's or median's factor now / then, whichever the figure is (mean-ratio rules only; else null). */
  readonly ratio: { readonly of: 'mean' | 'median'; readonly value: number } | null;
  /** The values the previous month did not hold (distinct-values rules only; else null). */
  readonly new_values: readonly string[] | null;
}

/** A column's figures the block needs. */
type ColumnFigures = Pick<ColumnMetrics, 'table_name' | 'column_name' | 'column_type' | 'mean' | 'previous_as_of'>;
type TableFigures = Pick<TableMetrics, 'table_name' | 'row_count' | 'keys_added' | 'keys_gone' | 'previous_as_of' | 'previous_row_count'>;

/** What the block reads of a month: its figures now and the previous month's. */
export interface MonthFigures {
  readonly columns: readonly ColumnFigures[];
  readonly tables: readonly TableFigures[];
  readonly previous: readonly ColumnFigures[];
}

/** One expectation's outcome, as a run's results or meta.validation_results hold it. */
export interface ComparisonOutcome {
  readonly expectation_id: string;
  readonly table: string;
  readonly column: string | null;
  readonly type: string;
  readonly severity: Severity;
  readonly success: boolean;
  readonly observed: unknown;
}

export function outcomesOf(results: readonly ExpectationResult[]): ComparisonOutcome[] {
  return results.map((result) => ({
    expectation_id: result.expectation_config.id,
    table: result.meta.table,
    column: result.meta.column ?? null,
    type: result.expectation_config.type,
    severity: result.meta.severity,
    success: result.success,
    observed: result.result.observed_value,
  }));
}

const numberOrNull = (value: unknown): number | null => (value === null || value === undefined || Number.isNaN(Number(value)) ? null : Number(value));
const dateText = (value: unknown): string | null => (value === null || value === undefined ? null : String(value).slice(0, 10));

/** The block of a month compared with the previous frozen one; null for a month with none (a first month, or `validate` without a warehouse). */
export function monthOverMonth(contract: Contract, month: MonthFigures, outcomes: readonly ComparisonOutcome[]): MonthOverMonth | null {
  const previousAsOf = dateText(
    month.tables.find((table) => table.previous_as_of)?.previous_as_of ?? month.columns.find((column) => column.previous_as_of)?.previous_as_of,
  );
  if (previousAsOf === null) return null;
  const entityTable = entityTableOf(contract);
  const entityNow = entityTable && month.tables.find((table) => table.table_name === entityTable.name);
  const { table: labelTable, column: labelColumn } = contract.label;
  const isLabel = (column: ColumnFigures) => column.table_name === labelTable && column.column_name === labelColumn;
  const labelNow = month.columns.find(isLabel);
  const labelThen = month.previous.find(isLabel);
  return {
    previous_as_of: previousAsOf,
    entity: entityNow
      ? {
          table: entityNow.table_name,
          rows_then: numberOrNull(entityNow.previous_row_count),
          rows_now: Number(entityNow.row_count),
          keys_added: numberOrNull(entityNow.keys_added),
          keys_gone: numberOrNull(entityNow.keys_gone),
        }
      : null,
    label:
      labelNow?.column_type === 'BOOLEAN'
        ? { table: labelTable, column: labelColumn, rate_then: numberOrNull(labelThen?.mean), rate_now: numberOrNull(labelNow.mean) }
        : null,
    flagged: outcomes.filter((outcome) => !outcome.success && comparesMonths(outcome.type)).map(flaggedOf),
  };
}

function flaggedOf(outcome: ComparisonOutcome): FlaggedComparison {
  const observed = (outcome.observed ?? {}) as { value?: unknown; mean_ratio?: unknown; median_ratio?: unknown; new_values?: unknown };
  const figure = numberOrNull(observed.value);
  const either = (ratio: number | null) => (ratio !== null && ratio > 0 ? Math.max(ratio, 1 / ratio) : null);
  const mean = numberOrNull(observed.mean_ratio);
  const median = numberOrNull(observed.median_ratio);
  const ratio =
    outcome.type !== columnMeanRatioToPreviousToBeLessThan.type
      ? null
      : mean !== null && (median === null || (either(mean) ?? 0) >= (either(median) ?? 0))
        ? { of: 'mean' as const, value: mean }
        : median !== null
          ? { of: 'median' as const, value: median }
          : null;
  return {
    table: outcome.table,
    column: outcome.column,
    expectation_id: outcome.expectation_id,
    type: outcome.type,
    severity: outcome.severity,
    figure,
    ratio,
    new_values: Array.isArray(observed.new_values) ? observed.new_values.map(String) : null,
  };
}

/**
 * The block of a recorded run, from what it recorded: the metrics of the month it froze
 * (an `unchanged` replay: those of the run that froze the version it replayed), the
 * previous month's as recorded before it, and its own failed expectations. Null for a run
 * that froze no month (rejected, refused, validate) or compared with none, and for a
 * month restored by `rebuild` (its metrics are not in the snapshot files).
 */
export async function recordedMonthOverMonth(
  engine: Engine,
  contract: Contract,
  run: { readonly run_id: string; readonly as_of: string | null; readonly status: string },
): Promise<MonthOverMonth | null> {
  if (run.as_of === null || !['succeeded', 'unchanged'].includes(run.status)) return null;
  const [frozen] = await engine.rows<{ run_id: string | null }>(
    `SELECT max(run_id) AS run_id FROM wh.meta.table_metrics
     WHERE as_of = $as_of::DATE AND (run_id = $run_id OR ($unchanged AND run_id < $run_id))`,
    { as_of: run.as_of, run_id: run.run_id, unchanged: run.status === 'unchanged' },
  );
  if (!frozen?.run_id) return null;
  const columns = `SELECT table_name, column_name, column_type, mean, strftime(previous_as_of, '%Y-%m-%d') AS previous_as_of FROM wh.meta.column_metrics`;
  const now = await engine.rows<ColumnFigures & Record<string, unknown>>(`${columns} WHERE run_id = $run_id`, { run_id: frozen.run_id });
  const tables = await engine.rows<TableFigures & Record<string, unknown>>(
    `SELECT table_name, row_count, keys_added, keys_gone, strftime(previous_as_of, '%Y-%m-%d') AS previous_as_of, previous_row_count
     FROM wh.meta.table_metrics WHERE run_id = $run_id`,
    { run_id: frozen.run_id },
  );
  // The previous month as the freezing run read it: the newest version of it recorded before that run.
  const previousAsOf = tables.find((table) => table.previous_as_of)?.previous_as_of ?? null;
  const previous =
    previousAsOf === null
      ? []
      : await engine.rows<ColumnFigures & Record<string, unknown>>(
          `${columns} WHERE as_of = $as_of::DATE AND run_id = (SELECT max(run_id) FROM wh.meta.column_metrics WHERE as_of = $as_of::DATE AND run_id < $run_id)`,
          { as_of: previousAsOf, run_id: frozen.run_id },
        );
  const failed = await engine.rows<{
    expectation_id: string;
    table_name: string;
    column_name: string | null;
    expectation_type: string;
    severity: Severity;
    observed_value: unknown;
  }>(
    `SELECT expectation_id, table_name, column_name, expectation_type, severity, observed_value
     FROM wh.meta.validation_results WHERE run_id = $run_id AND NOT success ORDER BY expectation_id`,
    { run_id: run.run_id },
  );
  // In the order the run judged them: tables in contract order, each suite in its order (the NN of `<table>.<NN>.<type>`).
  const position = (table: string) => contract.tables.findIndex((candidate) => candidate.name === table);
  failed.sort((a, b) => position(a.table_name) - position(b.table_name) || a.expectation_id.localeCompare(b.expectation_id));
  const outcomes = failed.map((row) => ({
    expectation_id: row.expectation_id,
    table: row.table_name,
    column: row.column_name,
    type: row.expectation_type,
    severity: row.severity,
    success: false,
    observed: typeof row.observed_value === 'string' ? JSON.parse(row.observed_value) : row.observed_value,
  }));
  return monthOverMonth(contract, { columns: now, tables, previous }, outcomes);
}
