// An ODCS library metric held against its operator: `rows` counts rows, `percent` is that
// count per hundred rows of the table. `column` for a property's metric, `column_list`
// for duplicates of a combination; neither for rowCount. (A `mustBe: 0` compiles to the
// Great Expectations row rule itself: contract/odcs.ts.)
import { z } from 'zod';
import { formatPercent, plain } from '../../format';
import { define } from './definition';
import { comparison, kwargs, name, names, scalar } from './kwargs';
import { aggregateExpectation, type DistinctCount, distinctAmongRows, distinctInScan, type Params, quoteIdent } from './sql';
import { type Comparison, LIBRARY_METRICS, type LibraryMetric } from './terms';
import { comparisonHolds } from './verdicts';
import { operatorText } from './words';

type LibraryMetricKwargs = Comparison & {
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

declare module './definition' {
  interface KwargsByType {
    /**
     * An ODCS library metric held against its operator: `rows` counts rows, `percent` is
     * that count per hundred rows of the table. `column` for a property's metric,
     * `column_list` for duplicates of a combination; neither for rowCount.
     */
    expect_library_metric_to_satisfy: LibraryMetricKwargs;
  }
}

/**
 * A column's value is one of `values`, compared by kind so that no contract value can make
 * the query fail to convert: a text with the value as text (`''`, `N/A`), a number with
 * the value as a number (`-1` matches -1 and -1.00), a boolean with it as a boolean.
 * 'false' when the list is empty.
 */
function oneOf(column: string, values: readonly (string | number | boolean | null)[], params: Params): string {
  const byKind = (kind: 'string' | 'number' | 'boolean', asKind: string) => {
    const bound = values.filter((value) => typeof value === kind).map((value) => params.bind(value as string | number | boolean));
    return bound.length > 0 ? [`${asKind} IN (${bound.join(', ')})`] : [];
  };
  const tests = [
    ...byKind('string', `${column}::VARCHAR`),
    ...byKind('number', `TRY_CAST(${column} AS DOUBLE)`),
    ...byKind('boolean', `TRY_CAST(${column} AS BOOLEAN)`),
  ];
  return tests.length > 0 ? `(${tests.join(' OR ')})` : 'false';
}

/**
 * An ODCS library metric over the rows in scope, as a count of rows (`unit: rows`) or per
 * hundred of them (`percent`; 0 for an empty table):
 *   rowCount        the rows;
 *   nullValues      rows whose column is NULL;
 *   missingValues   rows whose column is NULL or one of `missing_values`;
 *   invalidValues   rows whose column is not NULL and not valid: not in `valid_values`
 *                   (when given) or not matching `pattern` (when given; a search, as GE's
 *                   match_regex: anchor it with ^…$);
 *   duplicateValues rows beyond the first of each value: count(*) − count(DISTINCT). A
 *                   column's NULLs are no value (its rows are not counted); for `column_list`
 *                   the combinations, all-NULL ones left out as in the compound unique rule.
 * Success is judged in JavaScript from the figure (verdicts.ts `comparisonHolds`).
 */
function libraryMetricSql(args: LibraryMetricKwargs, params: Params, distinct: DistinctCount): string {
  const column = () => {
    if (args.column === undefined) throw new Error(`the library metric ${args.metric} needs a column`);
    return quoteIdent(args.column);
  };
  const count = (() => {
    switch (args.metric) {
      case 'rowCount':
        return 'count(*)';
      case 'nullValues':
        // As the other rules' NULL counts: count(col) is computed once for them and the metrics.
        return `(count(*) - count(${column()}))`;
      case 'missingValues':
        return `count(*) FILTER (WHERE ${column()} IS NULL OR ${oneOf(column(), args.missing_values ?? [], params)})`;
      case 'invalidValues': {
        const valid = [
          args.valid_values === undefined ? undefined : oneOf(column(), args.valid_values, params),
          args.pattern === undefined ? undefined : `regexp_matches(${column()}::VARCHAR, ${params.bind(args.pattern)})`,
        ].filter((test) => test !== undefined);
        return valid.length === 0 ? '0' : `count(*) FILTER (WHERE ${column()} IS NOT NULL AND NOT (${valid.join(' AND ')}))`;
      }
      case 'duplicateValues': {
        if (args.column_list !== undefined && args.column_list.length > 0) {
          const columns = args.column_list.map(quoteIdent);
          const someValue = `NOT (${columns.map((name) => `${name} IS NULL`).join(' AND ')})`;
          return `(count(*) FILTER (WHERE ${someValue}) - ${distinct(`row(${columns.join(', ')})`, someValue)})`;
        }
        return `(count(${column()}) - ${distinct(column())})`;
      }
      default:
        throw new Error(`unknown library metric ${String(args.metric)}`);
    }
  })();
  return args.unit === 'percent' ? `coalesce(100 * ${count} / nullif(count(*), 0), 0)` : count;
}

const METRICS: Record<string, (args: Readonly<Record<string, unknown>>) => string> = {
  nullValues: () => 'null values',
  missingValues: (args) =>
    Array.isArray(args.missing_values) && args.missing_values.length > 0 ? `missing values (NULL, ${plain(args.missing_values)})` : 'missing values',
  invalidValues: (args) =>
    args.pattern !== undefined && args.pattern !== null
      ? `values not matching /${plain(args.pattern)}/`
      : args.valid_values !== undefined && args.valid_values !== null
        ? `values not in {${plain(args.valid_values)}}`
        : 'invalid values',
  duplicateValues: (args) => (Array.isArray(args.column_list) ? `duplicate combinations of ${plain(args.column_list)}` : 'duplicate values'),
  rowCount: () => 'row count',
};

export const libraryMetricToSatisfy = define('expect_library_metric_to_satisfy', {
  kwargs: kwargs({
    ...comparison,
    metric: z.enum(LIBRARY_METRICS),
    column: name.optional(),
    column_list: names.optional(),
    unit: z.enum(['rows', 'percent']),
    missing_values: z.array(z.union([z.string(), z.number()])).optional(),
    valid_values: z.array(scalar).min(1).optional(),
    pattern: z.string().min(1).optional(),
  }),
  /** "null values: at most 5% of rows", "duplicate values: exactly 0 rows", "row count at least 100". */
  describe: (args) => {
    const metric = typeof args.metric === 'string' ? METRICS[args.metric] : undefined;
    if (!metric) return undefined;
    if (args.metric === 'rowCount') {
      const text = operatorText(args.operator, args.value, plain);
      return text && `row count ${text}`;
    }
    const percent = args.unit === 'percent';
    const text = operatorText(args.operator, args.value, (value) => (percent && typeof value === 'number' ? formatPercent(value) : plain(value)));
    return text && `${metric(args)}: ${text}${percent ? ' of rows' : args.value === 1 ? ' row' : ' rows'}`;
  },
  sql: (args, target) => {
    const figure = (distinct: DistinctCount) => libraryMetricSql(args, target.params, distinct);
    // Only duplicateValues counts distinct values, and it binds no parameter: in the fused scan it counts them in a subquery.
    const inScan = args.metric === 'duplicateValues' ? { observed: figure(distinctInScan(target)), unexpected: '0' } : undefined;
    return aggregateExpectation(target, args.row_condition, figure(distinctAmongRows), inScan);
  },
  verdict: { by: 'observed value', holds: comparisonHolds, nullFails: true },
  comparesMonths: false,
  wording: {},
});
