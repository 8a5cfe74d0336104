// The words every expectation's kwargs are made of, as types and constants without zod
// (kwargs.ts builds the schemas from them): what the library API's declarations reach, so a
// user's compiler never reads zod's.
/** error stops the run; warn is reported and kept in history; info is reported only (ODCS `severity: info`). */
export type Severity = 'error' | 'warn' | 'info';

/** The ODCS comparison operators: how a measured figure is held against the rule's value. */
export const OPERATORS = [
  'mustBe',
  'mustNotBe',
  'mustBeGreaterThan',
  'mustBeGreaterOrEqualTo',
  'mustBeLessThan',
  'mustBeLessOrEqualTo',
  'mustBeBetween',
  'mustNotBeBetween',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** An operator and its operand: a number, or `[low, high]` for the two between operators (inclusive). */
export interface Comparison {
  readonly operator: Operator;
  readonly value: number | readonly [number, number];
}

/** The ODCS library metrics (data-quality.md). */
export const LIBRARY_METRICS = ['nullValues', 'missingValues', 'invalidValues', 'duplicateValues', 'rowCount'] as const;
export type LibraryMetric = (typeof LIBRARY_METRICS)[number];

/** kwargs every expectation takes (GE's standard ones plus `severity`). */
export interface CommonKwargs {
  /** Fraction of non-null rows that must meet a row-level expectation (GE `mostly`). */
  readonly mostly?: number;
  /** error stops the run; warn is reported and kept in history; info is only reported. Default error. */
  readonly severity?: Severity;
  /** SQL predicate over the table's columns restricting the rows checked (GE `row_condition`, parser "sql"). */
  readonly row_condition?: string;
}

export type Column = { readonly column: string };
export type Bounds<T> = { readonly min_value?: T; readonly max_value?: T; readonly strict_min?: boolean; readonly strict_max?: boolean };

/**
 * A figure compared with the previous frozen month: above `max_value` it fails with the
 * expectation's severity (warn in the suites), above `severe_max_value` as an error.
 */
export interface MonthComparison {
  readonly max_value?: number;
  readonly severe_max_value?: number;
}
