// What every expectation's SQL is made of: the query's shape, its bound values, the
// target it runs on, and the builders the types share (a row rule's counts, samples and
// failing rows; an aggregate's observed value; a comparison with the previous month).
// Contract values (bounds, sets, patterns) travel as bound parameters; identifiers are
// quoted. Every query returns the same columns, so running and reporting are generic:
//   element_count, missing_count, unexpected_count, observed_value, samples

/** Double-quoted as an SQL identifier (the contract does not reach the engine's quoting; the same rule as DuckDB's). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Single-quoted as an SQL string (the same rule as DuckDB's). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export const PARTIAL_LIMIT = 20;

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
  /** The failing-rows query: every unexpected row as (row_key: the key as text, line, value), for the failures table; row-level rules only. */
  readonly unexpectedRowsSql?: string;
  /** Percentages are of non-NULL rows (GE's rule for column map expectations that ignore NULLs). */
  readonly ignoresNulls: boolean;
}

/** What the key census (validate/keys.ts) established about a table's key before the scans. */
export interface KeyCensus {
  readonly table: string;
  /** The table's key column (the census covers single-column keys). */
  readonly column: string;
  readonly nonNullKeys: number;
  /** Exact count of distinct keys; null when not known without a count of its own. */
  readonly distinctKeys: number | null;
  /** The parent table and whether this table's key column equals the parent's row for row. */
  readonly parent?: { readonly table: string; readonly column: string; readonly aligned: boolean };
}

export interface CompileContext {
  /** The staged relation of a table, e.g. staging."users". */
  readonly relation: (table: string) => string;
  /** Every table of the contract: the names a `sql` rule's query may read (each its staged relation). */
  readonly tables: readonly string[];
  /**
   * What a table's month is compared with: its live table, e.g. wh.main."users" (for a late
   * month or a correction, the frozen as_of before it, as a relation); undefined when no
   * warehouse is attached.
   */
  readonly liveRelation: (table: string) => string | undefined;
  /** The key columns of a table: samples name their row by them (keySql.struct), unexpected rows by their text (keySql.text). */
  readonly keyOf: (table: string) => readonly string[];
  /** What the key census established about a table's key; undefined when it has none. */
  readonly keyCensus: (table: string) => KeyCensus | undefined;
  readonly asOf: string;
}

/** SQL over a key's columns (warehouse/keys.ts), `alias` qualifying them. */
export interface KeySql {
  readonly join: (key: readonly string[], left: string, right: string) => string;
  readonly text: (key: readonly string[], alias?: string) => string;
  readonly struct: (key: readonly string[], alias?: string) => string;
}

/** The compile context with what the stages above stage for the rules: the CSV headers, the month's metrics, the key's SQL. */
export interface SqlContext extends CompileContext {
  /** The header of each CSV as read (table_name, position, column_name). */
  readonly headers: string;
  /** The staged month's metrics, one row per column and one per table (validate/metrics). */
  readonly columnMetrics: string;
  readonly tableMetrics: string;
  readonly keySql: KeySql;
}

/** Bound values of one expectation; the prefix keeps names apart when queries are batched. */
export class Params {
  readonly values: Record<string, string | number | boolean> = {};
  constructor(private readonly prefix: string) {}
  bind(value: string | number | boolean): string {
    const name = `${this.prefix}p${Object.keys(this.values).length}`;
    this.values[name] = value;
    return `$${name}`;
  }
}

/** Where an expectation's SQL runs: its table, the context and the values it binds. */
export interface SqlTarget {
  readonly table: string;
  readonly context: SqlContext;
  readonly params: Params;
}

export interface RowRule {
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

/** A FILTER clause for rows in `scope`; none when the scope is every row. */
export const inScope = (scope: string) => (scope === 'true' ? '' : ` FILTER (WHERE ${scope})`);

/** How an expression counts the distinct values of `value` among the rows where `where` holds (every row without it). */
export type DistinctCount = (value: string, where?: string) => string;

/** In a query of the rule's own: an aggregate over its rows. */
export const distinctAmongRows: DistinctCount = (value, where) => `count(DISTINCT ${value})${where === undefined ? '' : inScope(where)}`;

/**
 * In a table's fused scan (validate): a subquery of its own over the staged relation. One
 * DISTINCT aggregate puts DuckDB's whole scan on its slower path; measured at 1M rows, the
 * scan of a table of five numeric columns took 0.81 s with two exact and five sampled
 * distinct counts in it and 0.49 s with each a subquery (which reads only the column it
 * counts). The last digits of a DOUBLE mean or standard deviation may differ with the plan
 * at that size, as they do with the thread count.
 */
export const distinctInSubquery =
  (relation: string): DistinctCount =>
  (value, where) =>
    `(SELECT count(DISTINCT ${value}) FROM ${relation}${where === undefined || where === 'true' ? '' : ` WHERE ${where}`})`;

/** distinctInSubquery over the target's staged relation: a rule's summary in its table's fused scan. */
export const distinctInScan = ({ table, context }: SqlTarget): DistinctCount => distinctInSubquery(context.relation(table));

/** Over every row, a column's NULLs from the counts the metrics take anyway (count(col), computed once); undefined for a narrower scope. */
export const nullsIn = (column: string, scope: string) => (scope === 'true' ? `count(*) - count(${quoteIdent(column)})` : undefined);

/** The key census of the target's table when it speaks for `column` over every row (scope 'true': no row_condition). */
export function censusFor({ table, context }: SqlTarget, column: string, scope: string): KeyCensus | undefined {
  const census = context.keyCensus(table);
  return scope === 'true' && census?.column === column ? census : undefined;
}

/**
 * A row-level rule as a query: counts, samples of unexpected rows, its failing-rows
 * query (every unexpected row, for the failures table), and its summary for the scan.
 */
export function rowExpectation({ table, context, params }: SqlTarget, rowCondition: string | undefined, rule: RowRule): CompiledExpectation {
  const source = context.relation(table);
  const key = context.keyOf(table);
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
                 list({'key': ${context.keySql.struct(key)}, 'line': _line, 'value': ${value}} ORDER BY _line)
                   FILTER (WHERE ${unexpected})[1:${PARTIAL_LIMIT}] AS samples
          FROM ${rows}`,
    unexpectedRowsSql: `SELECT ${context.keySql.text(key)} AS row_key, _line AS line, ${value} AS value FROM ${rows} WHERE ${unexpected}`,
    summary: `{'element_count': count(*)${inScope(scope)},
               'missing_count': ${missingInScope ?? `count(*) FILTER (WHERE ${scope} AND ${missing})`},
               'unexpected_count': ${rule.summaryUnexpected?.(scope) ?? `count(*) FILTER (WHERE ${scope} AND ${unexpected})`},
               'observed_value': NULL}`,
    params: params.values,
    ignoresNulls: rule.ignoresNulls,
  };
}

/**
 * An aggregate rule as a query: its observed value over the rows in scope, judged in
 * JavaScript (the type's verdict). `summary` where the full query does more than the
 * verdict needs (the figures the scan can settle it on).
 */
export function aggregateExpectation(
  { table, context, params }: SqlTarget,
  rowCondition: string | undefined,
  observed: string,
  summary?: { readonly observed: string; readonly unexpected: string },
): CompiledExpectation {
  const where = rowCondition ? `WHERE ${rowCondition}` : '';
  return {
    sql: `SELECT count(*) AS element_count, 0 AS missing_count, 0 AS unexpected_count, ${observed} AS observed_value, [] AS samples
          FROM ${context.relation(table)} ${where}`,
    // An aggregate over a row_condition would need a FILTER on each of its aggregates: those run alone.
    summary: rowCondition
      ? undefined
      : `{'element_count': count(*), 'missing_count': 0, 'unexpected_count': ${summary?.unexpected ?? '0'}, 'observed_value': ${summary?.observed ?? observed}}`,
    params: params.values,
    ignoresNulls: false,
  };
}

/** A factor of change either way: ×1.5 up or down both read 1.5; undefined for a non-positive ratio. */
export const symmetricRatio = (ratio: string) => `CASE WHEN ${ratio} > 0 THEN greatest(${ratio}, 1 / ${ratio}) END`;

/**
 * A figure of the staged month against the previous frozen one, read from the staged
 * metrics (validate/metrics): `observed` (over a row of the table's metrics, or of the
 * column's when `column` is given) holds `value` (the figure judged, NULL when there is no
 * previous month) beside what explains it.
 */
export function monthComparison({ table, context, params }: SqlTarget, column: string | undefined, observed: string): CompiledExpectation {
  const tableName = params.bind(table);
  const source =
    column === undefined
      ? `${context.tableMetrics} WHERE table_name = ${tableName}`
      : `${context.columnMetrics} WHERE table_name = ${tableName} AND column_name = ${params.bind(column)}`;
  return {
    sql: `SELECT row_count AS element_count, 0 AS missing_count, 0 AS unexpected_count, ${observed} AS observed_value, [] AS samples FROM ${source}`,
    params: params.values,
    ignoresNulls: false,
  };
}

/**
 * A rule's bounds as a predicate: `within(low, high)` tests `low` against the lower bound
 * and `high` against the upper one (a value against both, or a column's min and max).
 * The bounds are bound once, whichever predicates use them.
 */
export function bounds(
  { context, params }: SqlTarget,
  min: unknown,
  max: unknown,
  strictMin: boolean | undefined,
  strictMax: boolean | undefined,
): (low: string, high: string) => string {
  const value = (bound: unknown) => params.bind(bound === '$as_of' ? context.asOf : (bound as string | number));
  const lower = min !== undefined && min !== null ? `${strictMin ? '>' : '>='} ${value(min)}` : undefined;
  const upper = max !== undefined && max !== null ? `${strictMax ? '<' : '<='} ${value(max)}` : undefined;
  return (low, high) => [lower && `${low} ${lower}`, upper && `${high} ${upper}`].filter(Boolean).join(' AND ') || 'true';
}

/** The header of the target's CSV as read, in file order: a list of its column names. */
export function headerColumnsSql({ table, context, params }: SqlTarget): string {
  return `(SELECT list(column_name ORDER BY position) FROM ${context.headers} WHERE table_name = ${params.bind(table)})`;
}
