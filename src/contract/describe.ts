// An expectation in words: "values between 0 and 720", "columns are exactly customer_id, …",
// the one wording the terminal's findings and the report share. The column is shown
// beside the text, so the text says what is expected of it.
import { formatPercent, formatPoints, plain } from '../format';
import type { CheckConfig } from './expectations';

type Kwargs = Record<string, unknown>;
/** undefined when the kwargs lack what the text needs (load problems carry only a detail). */
type Describer = (kwargs: Kwargs, asOf: string | null) => string | undefined;

interface Bounds {
  readonly min_value?: unknown;
  readonly max_value?: unknown;
  readonly strict_min?: boolean;
  readonly strict_max?: boolean;
}

const present = (value: unknown) => value !== undefined && value !== null;

function bound(value: unknown, asOf: string | null): string {
  return value === '$as_of' ? `as_of${asOf ? ` (${asOf})` : ''}` : plain(value);
}

/** "between 0 and 720", "at least 1", "above 0", "at most 90"; undefined without bounds. */
export function range(kwargs: Bounds, asOf: string | null = null): string | undefined {
  const min = present(kwargs.min_value) ? bound(kwargs.min_value, asOf) : undefined;
  const max = present(kwargs.max_value) ? bound(kwargs.max_value, asOf) : undefined;
  if (min !== undefined && max !== undefined && !kwargs.strict_min && !kwargs.strict_max) return `between ${min} and ${max}`;
  const parts = [
    min !== undefined && `${kwargs.strict_min ? 'above' : 'at least'} ${min}`,
    max !== undefined && `${kwargs.strict_max ? 'below' : 'at most'} ${max}`,
  ].filter((part): part is string => Boolean(part));
  return parts.length ? parts.join(' and ') : undefined;
}

/** The text built from kwargs[key] when the kwargs hold it, else undefined. */
const withKwarg =
  (key: string, text: (value: unknown, kwargs: Kwargs) => string): Describer =>
  (kwargs) =>
    present(kwargs[key]) ? text(kwargs[key], kwargs) : undefined;

const ranged =
  (subject: string): Describer =>
  (kwargs, asOf) => {
    const text = range(kwargs, asOf);
    return text && `${subject} ${text}`;
  };

const factor = (value: unknown) => (typeof value === 'number' ? `×${value}` : plain(value));
const share = (value: unknown) => (typeof value === 'number' ? formatPercent(100 * value) : plain(value));

/** A month-over-month bound, with its error bound when it has one. */
const comparison =
  (text: (kwargs: Kwargs) => string, bound: (value: unknown) => string): Describer =>
  (kwargs) =>
    present(kwargs.max_value) ? `${text(kwargs)}${present(kwargs.severe_max_value) ? ` (an error beyond ${bound(kwargs.severe_max_value)})` : ''}` : undefined;

/** An ODCS operator and its value in words: "at most 5", "between 1 and 10"; undefined when malformed. */
function operatorText(operator: unknown, value: unknown, amount: (value: unknown) => string): string | undefined {
  if (operator === 'mustBeBetween' || operator === 'mustNotBeBetween') {
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    return `${operator === 'mustBeBetween' ? 'between' : 'not between'} ${amount(value[0])} and ${amount(value[1])}`;
  }
  const words: Record<string, string> = {
    mustBe: 'exactly',
    mustNotBe: 'not',
    mustBeGreaterThan: 'more than',
    mustBeGreaterOrEqualTo: 'at least',
    mustBeLessThan: 'less than',
    mustBeLessOrEqualTo: 'at most',
  };
  return typeof operator === 'string' && words[operator] && present(value) ? `${words[operator]} ${amount(value)}` : undefined;
}

const METRICS: Record<string, (kwargs: Kwargs) => string> = {
  nullValues: () => 'null values',
  missingValues: (k) =>
    Array.isArray(k.missing_values) && k.missing_values.length > 0 ? `missing values (NULL, ${plain(k.missing_values)})` : 'missing values',
  invalidValues: (k) =>
    present(k.pattern) ? `values not matching /${plain(k.pattern)}/` : present(k.valid_values) ? `values not in {${plain(k.valid_values)}}` : 'invalid values',
  duplicateValues: (k) => (Array.isArray(k.column_list) ? `duplicate combinations of ${plain(k.column_list)}` : 'duplicate values'),
  rowCount: () => 'row count',
};

/** "null values: at most 5% of rows", "duplicate values: exactly 0 rows", "row count at least 100". */
const libraryMetric: Describer = (kwargs) => {
  const metric = typeof kwargs.metric === 'string' ? METRICS[kwargs.metric] : undefined;
  if (!metric) return undefined;
  if (kwargs.metric === 'rowCount') {
    const text = operatorText(kwargs.operator, kwargs.value, plain);
    return text && `row count ${text}`;
  }
  const percent = kwargs.unit === 'percent';
  const text = operatorText(kwargs.operator, kwargs.value, (value) => (percent && typeof value === 'number' ? formatPercent(value) : plain(value)));
  return text && `${metric(kwargs)}: ${text}${percent ? ' of rows' : kwargs.value === 1 ? ' row' : ' rows'}`;
};

const DESCRIBE: Record<string, Describer> = {
  expect_table_columns_to_match_set: withKwarg('column_set', (set, k) => `columns ${k.exact_match === false ? 'include' : 'are exactly'} ${plain(set)}`),
  expect_table_columns_to_match_ordered_list: withKwarg('column_list', (list) => `columns in the order ${plain(list)}`),
  expect_table_row_count_to_be_between: ranged('row count'),
  expect_table_row_count_to_equal_other_table: withKwarg('other_table_name', (other) => `row count equals that of ${plain(other)}`),
  expect_column_values_to_not_be_null: () => 'values are not null',
  expect_column_values_to_be_null: () => 'values are null',
  expect_column_values_to_be_unique: () => 'values are unique',
  expect_compound_columns_to_be_unique: withKwarg('column_list', (list) => `combinations of ${plain(list)} are unique`),
  expect_column_values_to_be_between: ranged('values'),
  expect_column_values_to_be_in_set: withKwarg('value_set', (set) => `values in {${plain(set)}}`),
  expect_column_values_to_match_regex: withKwarg('regex', (regex) => `values match /${plain(regex)}/`),
  expect_column_values_to_be_of_type: withKwarg('type_', (type) => `values parse as ${plain(type)}`),
  expect_column_mean_to_be_between: ranged('mean'),
  expect_column_proportion_of_unique_values_to_be_between: ranged('share of distinct values'),
  expect_column_proportion_of_non_null_values_to_be_between: ranged('share of non-null values'),
  expect_column_null_fraction_to_not_increase_by_more_than: withKwarg(
    'max_increase',
    (increase) => `share of NULLs rises at most ${typeof increase === 'number' ? formatPoints(increase) : plain(increase)} over the live table`,
  ),
  expect_column_values_to_be_in_other_table: withKwarg('other_table', (other, k) => `values exist in ${plain(other)}.${plain(k.other_column ?? '')}`),
  expect_table_row_count_ratio_to_previous_to_be_less_than: comparison((k) => `row count within ${factor(k.max_value)} of the previous month`, factor),
  expect_table_key_churn_to_be_less_than: comparison((k) => `at most ${share(k.max_value)} of the known keys missing`, share),
  expect_column_psi_to_be_less_than: comparison((k) => `PSI against the previous month at most ${plain(k.max_value)}`, plain),
  expect_column_mean_ratio_to_previous_to_be_less_than: comparison((k) => `mean and median within ${factor(k.max_value)} of the previous month`, factor),
  expect_column_distinct_values_to_be_in_set: () => 'no value the previous month did not hold',
  expect_library_metric_to_satisfy: libraryMetric,
  expect_sql_query_result_to_satisfy: (kwargs) => {
    const text = operatorText(kwargs.operator, kwargs.value, plain);
    return text && `query result ${text}`;
  },
};

/** What a check means when only its type is known: the load stage reports these without kwargs. */
const BARE: Record<string, string> = {
  expect_table_file_to_exist: 'the table file is present',
  expect_file_to_be_well_formed_csv: 'every row is well-formed CSV',
  expect_table_columns_to_match_set: "the header holds the contract's columns",
  expect_column_values_to_be_of_type: 'values parse as the declared type',
};

/** Kwargs that qualify the expectation (shown after its text) or are shown elsewhere. */
const QUALIFIERS = new Set(['column', 'mostly', 'severity', 'severe_max_value', 'row_condition', 'detail', 'result_format', 'catch_exceptions', 'meta']);

/** A type this page does not know: its kwargs as "key value" pairs, or its name in words. */
function generic(type: string, kwargs: Kwargs): string {
  const entries = Object.entries(kwargs).filter(([key, value]) => !QUALIFIERS.has(key) && present(value));
  const name = type.replace(/^expect_/, '').replace(/_/g, ' ');
  return entries.length === 0 ? name : `${name}: ${entries.map(([key, value]) => `${key.replace(/_/g, ' ')} ${plain(value)}`).join('; ')}`;
}

/** The expectation's text with its qualifiers: row condition, `mostly`. */
export function describeExpectation(config: CheckConfig, asOf: string | null = null): string {
  const kwargs = config.kwargs as Kwargs;
  const main = DESCRIBE[config.type]?.(kwargs, asOf) ?? BARE[config.type] ?? generic(config.type, kwargs);
  const qualifiers = [
    typeof kwargs.row_condition === 'string' && `where ${kwargs.row_condition}`,
    typeof kwargs.mostly === 'number' && kwargs.mostly < 1 && `for at least ${formatPercent(100 * kwargs.mostly)} of rows`,
  ].filter((part): part is string => Boolean(part));
  return [main, ...qualifiers].join(', ');
}

/** What the load stage found instead (a missing path, the header it read, the parse rule). */
export function loadDetail(config: CheckConfig): string | undefined {
  const detail = (config.kwargs as Kwargs).detail;
  return typeof detail === 'string' && detail !== '' ? detail : undefined;
}
