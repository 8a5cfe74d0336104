// Compiles one expectation into one SQL query over a staged table. Contract values
// (bounds, sets, patterns) travel as bound parameters; identifiers are quoted.
// Every query returns the same columns, so running and reporting are generic:
//   element_count, missing_count, unexpected_count, observed_value, samples
import { type ExpectationConfig, MONTH_COMPARISONS } from '../contract/expectations';
import { quoteIdent } from '../engine/duckdb';
import { HEADERS_TABLE } from '../load/headers';
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
  /** SQL selecting every unexpected row as (user_id, line, value), for the failures table; row-level rules only. */
  readonly unexpectedRowsSql?: string;
  /** Percentages are of non-NULL rows (GE's rule for column map expectations that ignore NULLs). */
  readonly ignoresNulls: boolean;
}

export interface CompileContext {
  /** The staged relation of a table, e.g. staging."users". */
  readonly relation: (table: string) => string;
  /** The live table of a table, e.g. wh.main."users"; undefined when no warehouse is attached. */
  readonly liveRelation: (table: string) => string | undefined;
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
  if (MONTH_COMPARISONS.has(config.type)) return compileMonthComparison(table, config, params);
  const rowRule = compileRowRule(table, config, params, context);
  if (rowRule) return compileRowExpectation(source, config.kwargs.row_condition, rowRule, params);

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

function compileRowExpectation(source: string, rowCondition: string | undefined, rule: RowRule, params: Params): CompiledExpectation {
  const where = rowCondition ? `WHERE ${rowCondition}` : '';
  const scope = rowCondition ? `(${rowCondition})` : 'true';
  const column = quoteIdent(rule.column);
  const rows = rule.windows ? `(SELECT *, ${rule.windows} FROM ${source} ${where})` : `(SELECT * FROM ${source} ${where})`;
  const unexpected = rule.ignoresNulls ? `(${column} IS NOT NULL AND ${rule.unexpected})` : `(${rule.unexpected})`;
  return {
    sql: `SELECT count(*) AS element_count,
                 count(*) FILTER (WHERE ${column} IS NULL) AS missing_count,
                 count(*) FILTER (WHERE ${unexpected}) AS unexpected_count,
                 NULL AS observed_value,
                 list({'user_id': "user_id", 'line': _line, 'value': ${column}::VARCHAR} ORDER BY _line)
                   FILTER (WHERE ${unexpected})[1:${PARTIAL_LIMIT}] AS samples
          FROM ${rows}`,
    unexpectedRowsSql: `SELECT "user_id", _line AS line, ${column}::VARCHAR AS value FROM ${rows} WHERE ${unexpected}`,
    summary: `{'element_count': count(*)${inScope(scope)},
               'missing_count': ${nullsIn(rule.column, scope) ?? `count(*) FILTER (WHERE ${scope} AND ${column} IS NULL)`},
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
  const keyMatch = context
    .keyOf(table)
    .map((key) => `live.${quoteIdent(key)} = staged.${quoteIdent(key)}`)
    .join(' AND ');
  const rows = `${staged} AS staged LEFT JOIN ${live} AS live ON ${keyMatch}`;
  const becameNull = `(staged.${value} IS NULL AND live.${value} IS NOT NULL)`;
  const stagedShare = `count(*) FILTER (WHERE ${value} IS NULL) / nullif(count(*), 0)`;
  const liveShare = `(SELECT ${stagedShare} FROM ${live})`;
  return {
    sql: `SELECT count(*) AS element_count,
                 count(*) FILTER (WHERE staged.${value} IS NULL) AS missing_count,
                 count(*) FILTER (WHERE ${becameNull}) AS unexpected_count,
                 {'staged': count(*) FILTER (WHERE staged.${value} IS NULL) / nullif(count(*), 0), 'live': ${liveShare}} AS observed_value,
                 list({'user_id': staged."user_id", 'line': staged._line, 'value': NULL::VARCHAR} ORDER BY staged._line)
                   FILTER (WHERE ${becameNull})[1:${PARTIAL_LIMIT}] AS samples
          FROM ${rows}`,
    unexpectedRowsSql: `SELECT staged."user_id" AS user_id, staged._line AS line, NULL::VARCHAR AS value FROM ${rows} WHERE ${becameNull}`,
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
  const column = 'column' in config.kwargs ? params.bind(config.kwargs.column) : undefined;
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
      const columns = config.kwargs.column_list;
      return {
        column: columns[0],
        unexpected: '_duplicates > 1',
        ignoresNulls: false,
        windows: `count(*) OVER (PARTITION BY ${columns.map(quoteIdent).join(', ')}) AS _duplicates`,
        summaryUnexpected: (scope) =>
          `CASE WHEN count(*)${inScope(scope)} = count(DISTINCT [${columns.map(quoteIdent).join(', ')}]::VARCHAR)${inScope(scope)} THEN 0 END`,
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
    default:
      throw new Error(`expectation ${config.type} cannot be compiled`);
  }
}
