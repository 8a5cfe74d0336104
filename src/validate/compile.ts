// Compiles one expectation into one SQL query over a staged table. Contract values
// (bounds, sets, patterns) travel as bound parameters; identifiers are quoted.
// Every query returns the same columns, so running and reporting are generic:
//   element_count, missing_count, unexpected_count, observed_value, samples
import { type ExpectationConfig, type KwargsByType, MONTH_COMPARISONS } from '../contract/expectations';
import { quoteIdent, quoteLiteral } from '../engine/duckdb';
import { HEADERS_TABLE } from '../load/headers';
import { keyJoinSql, keyStructSql, keyTextSql } from '../warehouse/keys';
import type { KeyCensus } from './keys';
import { COLUMN_METRICS_TABLE, TABLE_METRICS_TABLE } from './metrics';

export const PARTIAL_LIMIT = 20;
const MISSING_KEYS_SHOWN = 5;

export interface CompiledExpectation {
  /** The full query: counts, observed value and samples of unexpected rows. */
  readonly sql: string;
  /**
   * The same answer as one aggregate expression over the staged table, so that a table's
   * expectations share one scan: a STRUCT of element_count, missing_count,
   * unexpected_count, observed_value. An unexpected_count that is NULL means `sql` must
   * run for the whole answer; so does, for a rule with unexpectedRowsSql, a count above
   * zero or a failing verdict (its rows are wanted). Absent: always run `sql`.
   */
  readonly summary?: string;
  readonly params: Record<string, string | number | boolean>;
  /** SQL selecting every unexpected row as (row_key: the key as text, line, value), for the failures table; row-level rules only. */
  readonly unexpectedRowsSql?: string;
  /** Percentages are of non-NULL rows (GE's rule for column map expectations that ignore NULLs). */
  readonly ignoresNulls: boolean;
}

export interface CompileContext {
  /** The staged relation of a table, e.g. staging."users". */
  readonly relation: (table: string) => string;
  /** Every table of the contract: the names a `sql` rule's query may read (each its staged relation). */
  readonly tables: readonly string[];
  /** The live table of a table, e.g. wh.main."users"; undefined when no warehouse is attached. */
  readonly liveRelation: (table: string) => string | undefined;
  /** The key columns of a table: samples name their row by them (warehouse/keys.ts keyStructSql), unexpected rows by their text (keyTextSql). */
  readonly keyOf: (table: string) => readonly string[];
  /** What the key census (keys.ts) established about a table's key; undefined when it has none. */
  readonly keyCensus: (table: string) => KeyCensus | undefined;
  readonly asOf: string;
}

/** Bound values of one expectation; the prefix keeps names apart when queries are batched. */
class Params {
  readonly values: Record<string, string | number | boolean> = {};
  constructor(private readonly prefix: string) {}
  bind(value: string | number | boolean): string {
    const name = `${this.prefix}p${Object.keys(this.values).length}`;
    this.values[name] = value;
    return `$${name}`;
  }
}

interface RowRule {
  readonly column: string;
  /** SQL predicate true for an unexpected row. */
  readonly unexpected: string;
  readonly ignoresNulls: boolean;
  /** SQL predicate true for a missing row; default: the column is NULL. */
  readonly missing?: string;
  /** The value a sample shows, as text; default: the column's. */
  readonly value?: string;
  /** Extra window columns the predicate needs (e.g. a duplicate count). */
  readonly windows?: string;
  /**
   * The summary's unexpected_count when counting rows in the scan cannot or need not
   * answer: for a rule with windows, an aggregate over the rows in scope that is 0 when
   * no row is unexpected and NULL otherwise (the exact count then needs the windows); a
   * key rule the census settled, a constant; an in-set rule, the count from the column's
   * value counts. Undefined: count the unexpected rows.
   */
  readonly summaryUnexpected?: (scope: string) => string | undefined;
}

export function compileExpectation(table: string, config: ExpectationConfig, context: CompileContext, paramPrefix = ''): CompiledExpectation {
  const params = new Params(paramPrefix);
  const source = context.relation(table);
  const where = config.kwargs.row_condition ? `WHERE ${config.kwargs.row_condition}` : '';
  if (config.type === 'expect_column_null_fraction_to_not_increase_by_more_than') {
    return compileNullShareIncrease(table, config.kwargs.column, where, context);
  }
  if (config.type === 'expect_sql_query_result_to_satisfy') return compileSqlRule(config.kwargs.query, context);
  if (MONTH_COMPARISONS.has(config.type)) return compileMonthComparison(table, config, params);
  const rowRule = compileRowRule(table, config, params, context);
  if (rowRule) return compileRowExpectation(source, context.keyOf(table), config.kwargs.row_condition, rowRule, params);

  const observed = aggregateObserved(config, params, context, table);
  const summary = aggregateSummary(config, context);
  return {
    sql: `SELECT count(*) AS element_count, 0 AS missing_count, 0 AS unexpected_count, ${observed} AS observed_value, [] AS samples
          FROM ${source} ${where}`,
    // An aggregate over a row_condition would need a FILTER on each of its aggregates: those run alone.
    summary: config.kwargs.row_condition
      ? undefined
      : `{'element_count': count(*), 'missing_count': 0, 'unexpected_count': ${summary?.unexpected ?? '0'}, 'observed_value': ${summary?.observed ?? observed}}`,
    params: params.values,
    ignoresNulls: false,
  };
}

/**
 * Where the full query of an aggregate expectation does more than its verdict needs:
 * the row-count comparison names the missing keys only when the counts differ.
 */
function aggregateSummary(config: ExpectationConfig, context: CompileContext): { observed: string; unexpected: string } | undefined {
  if (config.type !== 'expect_table_row_count_to_equal_other_table') return undefined;
  const other = `(SELECT count(*) FROM ${context.relation(config.kwargs.other_table_name)})`;
  return { observed: `{'self': count(*), 'other': ${other}}`, unexpected: `CASE WHEN count(*) = ${other} THEN 0 END` };
}

function compileRowExpectation(source: string, key: readonly string[], rowCondition: string | undefined, rule: RowRule, params: Params): CompiledExpectation {
  const where = rowCondition ? `WHERE ${rowCondition}` : '';
  const scope = rowCondition ? `(${rowCondition})` : 'true';
  const column = quoteIdent(rule.column);
  const missing = rule.missing ?? `${column} IS NULL`;
  const value = rule.value ?? `${column}::VARCHAR`;
  const rows = rule.windows ? `(SELECT *, ${rule.windows} FROM ${source} ${where})` : `(SELECT * FROM ${source} ${where})`;
  const unexpected = rule.ignoresNulls ? `(NOT (${missing}) AND ${rule.unexpected})` : `(${rule.unexpected})`;
  const missingInScope = rule.missing === undefined ? nullsIn(rule.column, scope) : undefined;
  return {
    sql: `SELECT count(*) AS element_count,
                 count(*) FILTER (WHERE ${missing}) AS missing_count,
                 count(*) FILTER (WHERE ${unexpected}) AS unexpected_count,
                 NULL AS observed_value,
                 list({'key': ${keyStructSql(key)}, 'line': _line, 'value': ${value}} ORDER BY _line)
                   FILTER (WHERE ${unexpected})[1:${PARTIAL_LIMIT}] AS samples
          FROM ${rows}`,
    unexpectedRowsSql: `SELECT ${keyTextSql(key)} AS row_key, _line AS line, ${value} AS value FROM ${rows} WHERE ${unexpected}`,
    summary: `{'element_count': count(*)${inScope(scope)},
               'missing_count': ${missingInScope ?? `count(*) FILTER (WHERE ${scope} AND ${missing})`},
               'unexpected_count': ${rule.summaryUnexpected?.(scope) ?? `count(*) FILTER (WHERE ${scope} AND ${unexpected})`},
               'observed_value': NULL}`,
    params: params.values,
    ignoresNulls: rule.ignoresNulls,
  };
}

/**
 * The staged NULL share against the live table's (judged in JavaScript from both); its
 * unexpected rows are those that became NULL: non-NULL in the live table, NULL now.
 * Finding them joins the month with the live table on the key (~0.5 s a table at 1M
 * rows), so the scan's summary carries the two shares alone; a verdict that fails on
 * them runs the join, for the rows and their samples (validate/index.ts `settles`).
 */
function compileNullShareIncrease(table: string, column: string, where: string, context: CompileContext): CompiledExpectation {
  const value = quoteIdent(column);
  const staged = `(SELECT * FROM ${context.relation(table)} ${where})`;
  const liveTable = context.liveRelation(table);
  // Without a warehouse there is nothing to compare with: an empty live relation, like a first month's.
  const live = liveTable ? `(SELECT * FROM ${liveTable} ${where})` : `(SELECT * FROM ${staged} WHERE false)`;
  const key = context.keyOf(table);
  const rows = `${staged} AS staged LEFT JOIN ${live} AS live ON ${keyJoinSql(key, 'live', 'staged')}`;
  const becameNull = `(staged.${value} IS NULL AND live.${value} IS NOT NULL)`;
  const stagedShare = `count(*) FILTER (WHERE ${value} IS NULL) / nullif(count(*), 0)`;
  const liveShare = `(SELECT ${stagedShare} FROM ${live})`;
  return {
    sql: `SELECT count(*) AS element_count,
                 count(*) FILTER (WHERE staged.${value} IS NULL) AS missing_count,
                 count(*) FILTER (WHERE ${becameNull}) AS unexpected_count,
                 {'staged': count(*) FILTER (WHERE staged.${value} IS NULL) / nullif(count(*), 0), 'live': ${liveShare}} AS observed_value,
                 list({'key': ${keyStructSql(key, 'staged')}, 'line': staged._line, 'value': NULL::VARCHAR} ORDER BY staged._line)
                   FILTER (WHERE ${becameNull})[1:${PARTIAL_LIMIT}] AS samples
          FROM ${rows}`,
    unexpectedRowsSql: `SELECT ${keyTextSql(key, 'staged')} AS row_key, staged._line AS line, NULL::VARCHAR AS value FROM ${rows} WHERE ${becameNull}`,
    summary: where
      ? undefined
      : `{'element_count': count(*), 'missing_count': ${nullsIn(column, 'true')}, 'unexpected_count': 0,
          'observed_value': {'staged': ${stagedShare}, 'live': ${liveShare}}}`,
    params: {},
    ignoresNulls: false,
  };
}

/** A factor of change either way: ×1.5 up or down both read 1.5; undefined for a non-positive ratio. */
const symmetricRatio = (ratio: string) => `CASE WHEN ${ratio} > 0 THEN greatest(${ratio}, 1 / ${ratio}) END`;

/**
 * A figure of the staged month against the previous frozen one, read from the metrics
 * staged by measureMonth (metrics.ts): observed_value holds `value` (the figure judged,
 * NULL when there is no previous month) beside what explains it.
 */
function compileMonthComparison(table: string, config: ExpectationConfig, params: Params): CompiledExpectation {
  const tableName = params.bind(table);
  const column = 'column' in config.kwargs && config.kwargs.column !== undefined ? params.bind(config.kwargs.column) : undefined;
  const observed: Partial<Record<ExpectationConfig['type'], string>> = {
    expect_table_row_count_ratio_to_previous_to_be_less_than: `{'previous_as_of': previous_as_of, 'previous': previous_row_count, 'current': row_count,
        'value': ${symmetricRatio('row_count / previous_row_count')}}`,
    expect_table_key_churn_to_be_less_than: `{'previous_as_of': previous_as_of, 'added': keys_added, 'gone': keys_gone,
        'value': CASE WHEN previous_as_of IS NOT NULL THEN keys_gone / nullif(row_count - keys_added + keys_gone, 0) END}`,
    expect_column_psi_to_be_less_than: `{'previous_as_of': previous_as_of, 'value': psi}`,
    expect_column_mean_ratio_to_previous_to_be_less_than: `{'previous_as_of': previous_as_of, 'mean_ratio': mean_ratio, 'median_ratio': median_ratio,
        'value': greatest(${symmetricRatio('mean_ratio')}, ${symmetricRatio('median_ratio')})}`,
    expect_column_distinct_values_to_be_in_set: `{'previous_as_of': previous_as_of, 'new_values': new_values, 'value': len(new_values)}`,
  };
  const source =
    column === undefined
      ? `${TABLE_METRICS_TABLE} WHERE table_name = ${tableName}`
      : `${COLUMN_METRICS_TABLE} WHERE table_name = ${tableName} AND column_name = ${column}`;
  return {
    sql: `SELECT row_count AS element_count, 0 AS missing_count, 0 AS unexpected_count, ${observed[config.type]} AS observed_value, [] AS samples FROM ${source}`,
    params: params.values,
    ignoresNulls: false,
  };
}

/**
 * A rule's bounds as a predicate: `within(low, high)` tests `low` against the lower bound
 * and `high` against the upper one (a value against both, or a column's min and max).
 * The bounds are bound once, whichever predicates use them.
 */
function bounds(
  min: unknown,
  max: unknown,
  strictMin: boolean | undefined,
  strictMax: boolean | undefined,
  params: Params,
  context: CompileContext,
): (low: string, high: string) => string {
  const value = (bound: unknown) => params.bind(bound === '$as_of' ? context.asOf : (bound as string | number));
  const lower = min !== undefined && min !== null ? `${strictMin ? '>' : '>='} ${value(min)}` : undefined;
  const upper = max !== undefined && max !== null ? `${strictMax ? '<' : '<='} ${value(max)}` : undefined;
  return (low, high) => [lower && `${low} ${lower}`, upper && `${high} ${upper}`].filter(Boolean).join(' AND ') || 'true';
}

/** A FILTER clause for rows in `scope`; none when the scope is every row. */
const inScope = (scope: string) => (scope === 'true' ? '' : ` FILTER (WHERE ${scope})`);

/** Over every row, a column's NULLs from the counts the metrics take anyway (count(col), computed once); undefined for a narrower scope. */
const nullsIn = (column: string, scope: string) => (scope === 'true' ? `count(*) - count(${quoteIdent(column)})` : undefined);

/** The key census of `table` when it speaks for `column` over every row (scope 'true': no row_condition). */
function censusFor(context: CompileContext, table: string, column: string, scope: string): KeyCensus | undefined {
  const census = context.keyCensus(table);
  return scope === 'true' && census?.column === column ? census : undefined;
}

function compileRowRule(table: string, config: ExpectationConfig, params: Params, context: CompileContext): RowRule | undefined {
  switch (config.type) {
    case 'expect_column_values_to_not_be_null': {
      const column = config.kwargs.column;
      return { column, unexpected: `${quoteIdent(column)} IS NULL`, ignoresNulls: false, summaryUnexpected: (scope) => nullsIn(column, scope) };
    }
    case 'expect_column_values_to_be_null': {
      const column = config.kwargs.column;
      return { column, unexpected: `${quoteIdent(column)} IS NOT NULL`, ignoresNulls: false };
    }
    case 'expect_column_values_to_be_unique': {
      const column = config.kwargs.column;
      return {
        column,
        unexpected: '_duplicates > 1',
        ignoresNulls: true,
        windows: `count(*) OVER (PARTITION BY ${quoteIdent(column)}) AS _duplicates`,
        // The key's census settles it when it counted the distinct keys (0, or NULL: the
        // full query then finds the duplicates); any other column is counted in the scan.
        summaryUnexpected: (scope) => {
          const census = censusFor(context, table, column, scope);
          if (census?.distinctKeys != null) return census.distinctKeys === census.nonNullKeys ? '0' : 'NULL';
          return `CASE WHEN count(${quoteIdent(column)})${inScope(scope)} = count(DISTINCT ${quoteIdent(column)})${inScope(scope)} THEN 0 END`;
        },
      };
    }
    case 'expect_compound_columns_to_be_unique': {
      // GE's default ignore_row_if "all_values_are_missing": a row whose columns are all
      // NULL is missing, not a duplicate. A sample shows the combination ("a, b"), NULL as NULL.
      const columns = config.kwargs.column_list.map(quoteIdent);
      const allNull = `(${columns.map((column) => `${column} IS NULL`).join(' AND ')})`;
      const combination = `row(${columns.join(', ')})`;
      return {
        column: config.kwargs.column_list[0],
        unexpected: '_duplicates > 1',
        ignoresNulls: true,
        missing: allNull,
        value: `concat_ws(', ', ${columns.map((column) => `coalesce(${column}::VARCHAR, 'NULL')`).join(', ')})`,
        windows: `count(*) OVER (PARTITION BY ${columns.join(', ')}) AS _duplicates`,
        // The combinations as a row: a list would need the columns to share a type.
        summaryUnexpected: (scope) =>
          `CASE WHEN count(*) FILTER (WHERE ${scope} AND NOT ${allNull}) = count(DISTINCT ${combination}) FILTER (WHERE ${scope} AND NOT ${allNull}) THEN 0 END`,
      };
    }
    case 'expect_column_values_to_be_between': {
      const { column, min_value, max_value, strict_min, strict_max } = config.kwargs;
      const within = bounds(min_value, max_value, strict_min, strict_max, params, context);
      const value = quoteIdent(column);
      return {
        column,
        unexpected: `NOT (${within(value, value)})`,
        ignoresNulls: true,
        // Over every row, none is out of bounds when the smallest and the largest value are
        // within them (NULL otherwise: the full query counts them): min and max are the
        // metrics' (metrics.ts), computed once for both, where testing every row cost ~20 ms a column at 1M rows.
        summaryUnexpected: (scope) => (scope === 'true' ? `CASE WHEN ${within(`min(${value})`, `max(${value})`)} THEN 0 END` : undefined),
      };
    }
    case 'expect_column_values_to_be_in_set': {
      const { column, value_set } = config.kwargs;
      const set = value_set.map((value) => params.bind(value)).join(', ');
      return {
        column,
        unexpected: `${quoteIdent(column)} NOT IN (${set})`,
        ignoresNulls: true,
        // Over every row, counted on the column's value counts: the metrics' histogram of a
        // categorical column (metrics.ts), which DuckDB computes once for both (at 1M rows
        // ~40 ms a column, as much again for testing every row).
        summaryUnexpected: (scope) =>
          scope === 'true'
            ? `coalesce(list_sum(list_transform(list_filter(map_entries(histogram(${quoteIdent(column)})), entry -> entry.key NOT IN (${set})), entry -> entry.value)), 0)`
            : undefined,
      };
    }
    case 'expect_column_values_to_match_regex': {
      const { column, regex } = config.kwargs;
      return { column, unexpected: `NOT regexp_matches(${quoteIdent(column)}::VARCHAR, ${params.bind(regex)})`, ignoresNulls: true };
    }
    case 'expect_column_values_to_be_in_other_table': {
      const { column, other_table, other_column } = config.kwargs;
      const other = quoteIdent(other_column);
      // NOT IN is NULL, not true, once the list holds a NULL, which would pass every row;
      // a NULL key of the other table is that table's own not-null failure.
      const unexpected = `${quoteIdent(column)} NOT IN (SELECT ${other} FROM ${context.relation(other_table)} WHERE ${other} IS NOT NULL)`;
      return {
        column,
        unexpected,
        ignoresNulls: true,
        // A key equal to its parent's row for row (keys.ts) has every value in the parent.
        summaryUnexpected: (scope) => {
          const parent = censusFor(context, table, column, scope)?.parent;
          const aligned = parent?.aligned && parent.table === other_table && parent.column === other_column;
          return aligned ? '0' : undefined;
        },
      };
    }
    default:
      return undefined;
  }
}

/** SQL for the observed value of an aggregate expectation; success is judged in JavaScript from it. */
function aggregateObserved(config: ExpectationConfig, params: Params, context: CompileContext, table: string): string {
  switch (config.type) {
    case 'expect_table_row_count_to_be_between':
      return 'count(*)';
    case 'expect_table_row_count_to_equal_other_table': {
      // Beside the counts, the first keys of the other table missing here: which rows went missing, not just how many.
      const other = context.relation(config.kwargs.other_table_name);
      const key = context.keyOf(table).map(quoteIdent);
      const keyText = `concat_ws('|', ${key.map((column) => `other.${column}`).join(', ')})`;
      const present = `SELECT 1 FROM ${context.relation(table)} AS self WHERE ${key.map((column) => `self.${column} = other.${column}`).join(' AND ')}`;
      return `{'self': count(*), 'other': (SELECT count(*) FROM ${other}),
               'missing_keys': (SELECT coalesce(list(${keyText} ORDER BY other._line)[1:${MISSING_KEYS_SHOWN}], [])
                                FROM ${other} AS other WHERE NOT EXISTS (${present}))}`;
    }
    case 'expect_column_mean_to_be_between':
      return `avg(${quoteIdent(config.kwargs.column)}::DOUBLE)`;
    case 'expect_column_proportion_of_unique_values_to_be_between':
      return `count(DISTINCT ${quoteIdent(config.kwargs.column)}) / nullif(count(${quoteIdent(config.kwargs.column)}), 0)`;
    case 'expect_column_proportion_of_non_null_values_to_be_between':
      return `count(${quoteIdent(config.kwargs.column)}) / nullif(count(*), 0)`;
    case 'expect_column_values_to_be_of_type':
      return `any_value(typeof(${quoteIdent(config.kwargs.column)}))`;
    case 'expect_table_columns_to_match_ordered_list':
    case 'expect_table_columns_to_match_set':
      return `(SELECT list(column_name ORDER BY position) FROM ${HEADERS_TABLE} WHERE table_name = ${params.bind(table)})`;
    case 'expect_library_metric_to_satisfy':
      return libraryMetricSql(config.kwargs, params);
    default:
      throw new Error(`expectation ${config.type} cannot be compiled`);
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
 * Success is judged in JavaScript from the figure (validate/index.ts `comparisonHolds`).
 */
function libraryMetricSql(kwargs: KwargsByType['expect_library_metric_to_satisfy'], params: Params): string {
  const column = () => {
    if (kwargs.column === undefined) throw new Error(`the library metric ${kwargs.metric} needs a column`);
    return quoteIdent(kwargs.column);
  };
  const count = (() => {
    switch (kwargs.metric) {
      case 'rowCount':
        return 'count(*)';
      case 'nullValues':
        // As the other rules' NULL counts: count(col) is computed once for them and the metrics.
        return `(count(*) - count(${column()}))`;
      case 'missingValues':
        return `count(*) FILTER (WHERE ${column()} IS NULL OR ${oneOf(column(), kwargs.missing_values ?? [], params)})`;
      case 'invalidValues': {
        const valid = [
          kwargs.valid_values === undefined ? undefined : oneOf(column(), kwargs.valid_values, params),
          kwargs.pattern === undefined ? undefined : `regexp_matches(${column()}::VARCHAR, ${params.bind(kwargs.pattern)})`,
        ].filter((test) => test !== undefined);
        return valid.length === 0 ? '0' : `count(*) FILTER (WHERE ${column()} IS NOT NULL AND NOT (${valid.join(' AND ')}))`;
      }
      case 'duplicateValues': {
        if (kwargs.column_list !== undefined && kwargs.column_list.length > 0) {
          const columns = kwargs.column_list.map(quoteIdent);
          const someValue = `NOT (${columns.map((name) => `${name} IS NULL`).join(' AND ')})`;
          return `(count(*) FILTER (WHERE ${someValue}) - count(DISTINCT row(${columns.join(', ')})) FILTER (WHERE ${someValue}))`;
        }
        return `(count(${column()}) - count(DISTINCT ${column()}))`;
      }
      default:
        throw new Error(`unknown library metric ${String(kwargs.metric)}`);
    }
  })();
  return kwargs.unit === 'percent' ? `coalesce(100 * ${count} / nullif(count(*), 0), 0)` : count;
}

/** The bookkeeping columns load adds to a staged table (load/index.ts): a sql rule sees the contract's columns only. */
const STAGING_COLUMNS = ['_line', '_unparseable'];

/** The result types a sql rule may return: DuckDB's numbers (typeof). */
const NUMBER_TYPES = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'FLOAT', 'DOUBLE'];

/**
 * An ODCS `sql` rule: the user's query, run on the staged month, must return one number.
 *
 * Table names: the query names the contract's tables as written (`"orders"`); each name is
 * a common table expression over that table's staged relation, which shadows any other
 * relation of that name for the query alone, whatever the connection's schema or search
 * path (a `SET schema` would outlive the query, on a connection other rules share).
 * Unreferenced ones cost nothing; NOT MATERIALIZED keeps them plain renames.
 *
 * Read-only by construction: the query is a scalar subquery, `SELECT (<query>)`, where
 * only a SELECT parses (a DELETE, CREATE, COPY… is a syntax error, and DuckDB's query()
 * table function refuses anything but a SELECT). A query that closes the subquery to start
 * statements of its own (`1) AS value); DROP …; SELECT * FROM (SELECT (1`) makes the text
 * several statements, which validate refuses before running anything (`checkRuleQuery` in
 * validate/index.ts): the driver would run every statement but the last.
 *
 * A scalar subquery of more than one row fails (DuckDB), of more than one column fails to
 * bind, and one of another type than a number fails here (error()); validate reports each
 * as the rule's contract error. No row (or NULL) is observed as NULL and fails the rule.
 * A row_condition means nothing here: the query selects its own rows.
 */
function compileSqlRule(query: string, context: CompileContext): CompiledExpectation {
  // A trailing semicolon ends the user's statement, not the subquery.
  const body = query.trim().replace(/;\s*$/, '');
  const excluded = STAGING_COLUMNS.map(quoteIdent).join(', ');
  const tables = context.tables.map((table) => `${quoteIdent(table)} AS NOT MATERIALIZED (SELECT * EXCLUDE (${excluded}) FROM ${context.relation(table)})`);
  const isNumber = `(typeof(value) IN (${NUMBER_TYPES.map((type) => quoteLiteral(type)).join(', ')}) OR starts_with(typeof(value), 'DECIMAL'))`;
  return {
    // The query on lines of its own: a trailing -- comment cannot swallow the closing parenthesis.
    sql: `${tables.length > 0 ? `WITH ${tables.join(',\n     ')}\n` : ''}SELECT 0 AS element_count, 0 AS missing_count, 0 AS unexpected_count,
       CASE WHEN ${isNumber} THEN TRY_CAST(value AS DOUBLE) ELSE error('returns a ' || typeof(value) || ', not a number') END AS observed_value,
       [] AS samples
FROM (SELECT (
${body}
) AS value)`,
    params: {},
    ignoresNulls: false,
  };
}
