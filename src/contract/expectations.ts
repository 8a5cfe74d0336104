// Expectation configurations, named and shaped as in Great Expectations so a GE user
// can read a suite at a glance. validate/ compiles each one to a single SQL query.

export type Severity = 'error' | 'warn';

/** kwargs every expectation takes (GE's standard ones plus `severity`). */
export interface CommonKwargs {
  /** Fraction of non-null rows that must meet a row-level expectation (GE `mostly`). */
  readonly mostly?: number;
  /** error stops the run; warn is reported and kept in history. Default error. */
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
}

export type ExpectationType = keyof KwargsByType;

export type ExpectationConfig = {
  [K in ExpectationType]: {
    readonly type: K;
    readonly kwargs: KwargsByType[K] & CommonKwargs;
    /** Why the rule exists: shown in the report next to a failure. */
    readonly meta?: { readonly notes?: string };
  };
}[ExpectationType];

export function expect<K extends ExpectationType>(
  type: K,
  kwargs: KwargsByType[K] & CommonKwargs,
  notes?: string,
): ExpectationConfig {
  return { type, kwargs, meta: notes ? { notes } : undefined } as ExpectationConfig;
}

export function severityOf(config: ExpectationConfig): Severity {
  return config.kwargs.severity ?? 'error';
}

export function columnOf(config: ExpectationConfig): string | undefined {
  return 'column' in config.kwargs ? config.kwargs.column : undefined;
}
