// Expectation configurations, named and shaped as in Great Expectations so a GE user
// can read a suite at a glance. validate/ compiles each one to a single SQL query.

/** error stops the run; warn is reported and kept in history; info is reported only (ODCS `severity: info`). */
export type Severity = 'error' | 'warn' | 'info';

/** The ODCS comparison operators: how a measured figure is held against the rule's value. */
export type Operator =
  | 'mustBe'
  | 'mustNotBe'
  | 'mustBeGreaterThan'
  | 'mustBeGreaterOrEqualTo'
  | 'mustBeLessThan'
  | 'mustBeLessOrEqualTo'
  | 'mustBeBetween'
  | 'mustNotBeBetween';

/** An operator and its operand: a number, or `[low, high]` for the two between operators (inclusive). */
export interface Comparison {
  readonly operator: Operator;
  readonly value: number | readonly [number, number];
}

/** The ODCS library metrics (data-quality.md). */
export type LibraryMetric = 'nullValues' | 'missingValues' | 'invalidValues' | 'duplicateValues' | 'rowCount';

/** kwargs every expectation takes (GE's standard ones plus `severity`). */
export interface CommonKwargs {
  /** Fraction of non-null rows that must meet a row-level expectation (GE `mostly`). */
  readonly mostly?: number;
  /** error stops the run; warn is reported and kept in history; info is only reported. Default error. */
  readonly severity?: Severity;
  /** SQL predicate over the table's columns restricting the rows checked (GE `row_condition`, parser "sql"). */
  readonly row_condition?: string;
}

type Column = { readonly column: string };
type Bounds<T> = { readonly min_value?: T; readonly max_value?: T; readonly strict_min?: boolean; readonly strict_max?: boolean };

export interface KwargsByType {
  expect_table_columns_to_match_ordered_list: { readonly column_list: readonly string[] };
  expect_table_columns_to_match_set: { readonly column_set: readonly string[]; readonly exact_match?: boolean };
  expect_table_row_count_to_be_between: Bounds<number>;
  expect_table_row_count_to_equal_other_table: { readonly other_table_name: string };
  expect_column_values_to_not_be_null: Column;
  expect_column_values_to_be_null: Column;
  expect_column_values_to_be_unique: Column;
  expect_compound_columns_to_be_unique: { readonly column_list: readonly string[] };
  /** `max_value: "$as_of"` compares with the run's as_of date. */
  expect_column_values_to_be_between: Column & Bounds<number | string>;
  expect_column_values_to_be_in_set: Column & { readonly value_set: readonly (string | number | boolean)[] };
  expect_column_values_to_match_regex: Column & { readonly regex: string };
  expect_column_values_to_be_of_type: Column & { readonly type_: string };
  expect_column_mean_to_be_between: Column & Bounds<number>;
  expect_column_proportion_of_unique_values_to_be_between: Column & Bounds<number>;
  expect_column_proportion_of_non_null_values_to_be_between: Column & Bounds<number>;
  /**
   * Relative null-rate guard: the staged share of NULLs may exceed the live table's share
   * by at most `max_increase` (a fraction, 0.05 = 5 points). Passes while the live table is empty.
   */
  expect_column_null_fraction_to_not_increase_by_more_than: Column & { readonly max_increase: number };
  /** Foreign key: every value exists in `other_table.other_column` of the staged month. */
  expect_column_values_to_be_in_other_table: Column & { readonly other_table: string; readonly other_column: string };
  // Month over month: each compares the staged month's metrics with those of the previous
  // frozen month (meta.column_metrics) and passes when there is none. See MonthComparison.
  /** The row count as a factor of the previous month's: max(now/then, then/now). */
  expect_table_row_count_ratio_to_previous_to_be_less_than: MonthComparison;
  /** Share of the keys the warehouse holds that are missing from this month's export. */
  expect_table_key_churn_to_be_less_than: MonthComparison;
  /** Population stability index over bins fixed by the previous month (deciles, or categories). */
  expect_column_psi_to_be_less_than: Column & MonthComparison;
  /** The larger of the mean's and the median's factor of change: max(now/then, then/now). */
  expect_column_mean_ratio_to_previous_to_be_less_than: Column & MonthComparison;
  /** GE's name; `value_set: "$previous_month"` is the set of values the previous month held. */
  expect_column_distinct_values_to_be_in_set: Column & { readonly value_set: '$previous_month' };
  /**
   * An ODCS library metric held against its operator: `rows` counts rows, `percent` is
   * that count per hundred rows of the table. `column` for a property's metric,
   * `column_list` for duplicates of a combination; neither for rowCount.
   */
  expect_library_metric_to_satisfy: Comparison & {
    readonly metric: LibraryMetric;
    readonly column?: string;
    readonly column_list?: readonly string[];
    readonly unit: 'rows' | 'percent';
    /** missingValues: the values that count as missing besides NULL. */
    readonly missing_values?: readonly (string | number)[];
    /** invalidValues: the valid values, or the pattern valid values match. */
    readonly valid_values?: readonly (string | number | boolean)[];
    readonly pattern?: string;
  };
  /** An ODCS `sql` rule: a query returning one number, run on the staged month, held against its operator. */
  expect_sql_query_result_to_satisfy: Comparison & {
    /** The query with `{object}` and `{property}` already replaced by the quoted table and column. */
    readonly query: string;
    readonly column?: string;
  };
}

/**
 * A figure compared with the previous frozen month: above `max_value` it fails with the
 * expectation's severity (warn in the suites), above `severe_max_value` as an error.
 */
export interface MonthComparison {
  readonly max_value?: number;
  readonly severe_max_value?: number;
}

/** The expectations that compare a month with the previous frozen one. */
export const MONTH_COMPARISONS: ReadonlySet<ExpectationType> = new Set<ExpectationType>([
  'expect_table_row_count_ratio_to_previous_to_be_less_than',
  'expect_table_key_churn_to_be_less_than',
  'expect_column_psi_to_be_less_than',
  'expect_column_mean_ratio_to_previous_to_be_less_than',
  'expect_column_distinct_values_to_be_in_set',
]);

export type ExpectationType = keyof KwargsByType;

export type ExpectationConfig = {
  [K in ExpectationType]: {
    readonly type: K;
    readonly kwargs: KwargsByType[K] & CommonKwargs;
    /** The rule's ODCS `name` and why it exists (its `description`): shown in the report next to a failure. */
    readonly meta?: { readonly name?: string; readonly notes?: string };
  };
}[ExpectationType];

/**
 * A check load makes before any suite runs (load/index.ts LOAD_CHECKS: the file exists,
 * its header holds the contract's columns, its rows are well-formed CSV, its values
 * parse). Each problem it finds is reported as a failed result of that check, with what
 * load saw (`detail`) where a suite's expectation has its kwargs.
 */
export interface LoadCheckConfig {
  /** The check's rule, named as an expectation type (some share a suite expectation's name). */
  readonly type: string;
  readonly kwargs: { readonly column?: string; readonly detail?: string };
  readonly meta?: undefined;
}

/** What a validation result was checked against: a suite's expectation, or a load check. */
export type CheckConfig = ExpectationConfig | LoadCheckConfig;

export function expect<K extends ExpectationType>(type: K, kwargs: KwargsByType[K] & CommonKwargs, notes?: string): ExpectationConfig {
  return { type, kwargs, meta: notes ? { notes } : undefined } as ExpectationConfig;
}

export function severityOf(config: ExpectationConfig): Severity {
  return config.kwargs.severity ?? 'error';
}

export function columnOf(config: ExpectationConfig): string | undefined {
  return 'column' in config.kwargs ? config.kwargs.column : undefined;
}

/**
 * Expectation ids: `<table>.<NN>.<type>` for the suite's NN-th expectation, and
 * `<table>.load<NN>.<type>` for the NN-th problem load found in the table. Load stages
 * rows under its id and validate reports the problem under it, so the two meet in
 * meta.validation_failures and meta.validation_results.
 */
export function expectationId(table: string, index: number, type: string, stage: 'suite' | 'load' = 'suite'): string {
  return `${table}.${stage === 'load' ? 'load' : ''}${String(index).padStart(2, '0')}.${type}`;
}
