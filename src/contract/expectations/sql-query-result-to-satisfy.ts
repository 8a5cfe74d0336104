// An ODCS `sql` rule: a query returning one number, run on the staged month, held against
// its operator.
import { z } from 'zod';
import { plain } from '../../format';
import { define } from './definition';
import { comparison, kwargs, name } from './kwargs';
import { quoteIdent, quoteLiteral } from './sql';
import type { Comparison } from './terms';
import { comparisonHolds } from './verdicts';
import { operatorText } from './words';

declare module './definition' {
  interface KwargsByType {
    /** An ODCS `sql` rule: a query returning one number, run on the staged month, held against its operator. */
    expect_sql_query_result_to_satisfy: Comparison & {
      /** The query with `{object}` and `{property}` already replaced by the quoted table and column. */
      readonly query: string;
      readonly column?: string;
    };
  }
}

/** The bookkeeping columns load adds to a staged table (load/index.ts): a sql rule sees the contract's columns only. */
const STAGING_COLUMNS = ['_line', '_unparseable'];

/** The result types a sql rule may return: DuckDB's numbers (typeof). */
const NUMBER_TYPES = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'FLOAT', 'DOUBLE'];

export const sqlQueryResultToSatisfy = define('expect_sql_query_result_to_satisfy', {
  kwargs: kwargs({ ...comparison, query: z.string().min(1), column: name.optional() }),
  describe: (args) => {
    const text = operatorText(args.operator, args.value, plain);
    return text && `query result ${text}`;
  },
  /**
   * The user's query, run on the staged month, must return one number.
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
  sql: (args, { context }) => {
    // A trailing semicolon ends the user's statement, not the subquery.
    const body = args.query.trim().replace(/;\s*$/, '');
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
  },
  verdict: { by: 'observed value', holds: comparisonHolds, nullFails: true },
  comparesMonths: false,
  wording: {},
});
