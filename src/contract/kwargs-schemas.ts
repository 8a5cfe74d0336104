// The kwargs each expectation type takes, as zod schemas: what a `custom` Great
// Expectations rule of an ODCS contract is checked against before it is compiled. One
// schema per entry of KwargsByType (a missing or extra type is a compile error), each
// typed so its output is that entry's kwargs; strict, so a misspelt kwarg (`min` for
// `min_value`) is an error at load instead of a bound nobody checks.
import { z } from 'zod';
import type { CommonKwargs, ExpectationType, KwargsByType, LibraryMetric, Operator } from './expectations';

const common = {
  mostly: z.number().gt(0).lte(1).optional(),
  severity: z.enum(['error', 'warn', 'info']).optional(),
  row_condition: z.string().min(1).optional(),
};

const name = z.string().min(1);
const names = z.array(name).min(1);
const column = { column: name };
const numberBounds = {
  min_value: z.number().optional(),
  max_value: z.number().optional(),
  strict_min: z.boolean().optional(),
  strict_max: z.boolean().optional(),
};
/** Numbers, dates as text, or `$as_of` (the run's as_of date). */
const valueBounds = {
  min_value: z.union([z.number(), z.string()]).optional(),
  max_value: z.union([z.number(), z.string()]).optional(),
  strict_min: z.boolean().optional(),
  strict_max: z.boolean().optional(),
};
const monthComparison = { max_value: z.number().positive().optional(), severe_max_value: z.number().positive().optional() };
const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const OPERATORS = [
  'mustBe',
  'mustNotBe',
  'mustBeGreaterThan',
  'mustBeGreaterOrEqualTo',
  'mustBeLessThan',
  'mustBeLessOrEqualTo',
  'mustBeBetween',
  'mustNotBeBetween',
] as const satisfies readonly Operator[];

export const LIBRARY_METRICS = ['nullValues', 'missingValues', 'invalidValues', 'duplicateValues', 'rowCount'] as const satisfies readonly LibraryMetric[];

const comparison = {
  operator: z.enum(OPERATORS),
  value: z.union([z.number(), z.tuple([z.number(), z.number()])]),
};

/** A strict object of these kwargs plus the common ones (mostly, severity, row_condition). */
function kwargs<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject({ ...shape, ...common });
}

type Schemas = { readonly [K in ExpectationType]: z.ZodType<KwargsByType[K] & CommonKwargs> };

export const KWARGS_SCHEMAS = {
  expect_table_columns_to_match_ordered_list: kwargs({ column_list: names }),
  expect_table_columns_to_match_set: kwargs({ column_set: names, exact_match: z.boolean().optional() }),
  expect_table_row_count_to_be_between: kwargs(numberBounds),
  expect_table_row_count_to_equal_other_table: kwargs({ other_table_name: name }),
  expect_column_values_to_not_be_null: kwargs(column),
  expect_column_values_to_be_null: kwargs(column),
  expect_column_values_to_be_unique: kwargs(column),
  expect_compound_columns_to_be_unique: kwargs({ column_list: names }),
  expect_column_values_to_be_between: kwargs({ ...column, ...valueBounds }),
  expect_column_values_to_be_in_set: kwargs({ ...column, value_set: z.array(scalar).min(1) }),
  expect_column_values_to_match_regex: kwargs({ ...column, regex: z.string().min(1) }),
  expect_column_values_to_be_of_type: kwargs({ ...column, type_: name }),
  expect_column_mean_to_be_between: kwargs({ ...column, ...numberBounds }),
  expect_column_proportion_of_unique_values_to_be_between: kwargs({ ...column, ...numberBounds }),
  expect_column_proportion_of_non_null_values_to_be_between: kwargs({ ...column, ...numberBounds }),
  expect_column_null_fraction_to_not_increase_by_more_than: kwargs({ ...column, max_increase: z.number().min(0).max(1) }),
  expect_column_values_to_be_in_other_table: kwargs({ ...column, other_table: name, other_column: name }),
  expect_table_row_count_ratio_to_previous_to_be_less_than: kwargs(monthComparison),
  expect_table_key_churn_to_be_less_than: kwargs(monthComparison),
  expect_column_psi_to_be_less_than: kwargs({ ...column, ...monthComparison }),
  expect_column_mean_ratio_to_previous_to_be_less_than: kwargs({ ...column, ...monthComparison }),
  expect_column_distinct_values_to_be_in_set: kwargs({ ...column, value_set: z.literal('$previous_month') }),
  expect_library_metric_to_satisfy: kwargs({
    ...comparison,
    metric: z.enum(LIBRARY_METRICS),
    column: name.optional(),
    column_list: names.optional(),
    unit: z.enum(['rows', 'percent']),
    missing_values: z.array(z.union([z.string(), z.number()])).optional(),
    valid_values: z.array(scalar).min(1).optional(),
    pattern: z.string().min(1).optional(),
  }),
  expect_sql_query_result_to_satisfy: kwargs({ ...comparison, query: z.string().min(1), column: name.optional() }),
} satisfies Schemas;

export const EXPECTATION_TYPES = Object.keys(KWARGS_SCHEMAS) as ExpectationType[];

export function isExpectationType(type: string): type is ExpectationType {
  return Object.hasOwn(KWARGS_SCHEMAS, type);
}

/** Types whose kwargs name a column: a custom rule on a property gets that property as its column. */
export function takesColumn(type: ExpectationType): boolean {
  return 'column' in KWARGS_SCHEMAS[type].shape;
}
