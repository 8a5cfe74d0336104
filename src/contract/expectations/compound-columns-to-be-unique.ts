// No combination of the columns twice: the key of a composite key.
import { plain } from '../../format';
import { BY_UNEXPECTED_ROWS, define } from './definition';
import { kwargs, names } from './kwargs';
import { distinctInScan, quoteIdent, rowExpectation } from './sql';
import { withKwarg } from './words';

declare module './definition' {
  interface KwargsByType {
    expect_compound_columns_to_be_unique: { readonly column_list: readonly string[] };
  }
}

export const compoundColumnsToBeUnique = define('expect_compound_columns_to_be_unique', {
  kwargs: kwargs({ column_list: names }),
  describe: withKwarg('column_list', (list) => `combinations of ${plain(list)} are unique`),
  sql: (args, target) => {
    // GE's default ignore_row_if "all_values_are_missing": a row whose columns are all
    // NULL is missing, not a duplicate. A sample shows the combination ("a, b"), NULL as NULL.
    const columns = args.column_list.map(quoteIdent);
    const allNull = `(${columns.map((column) => `${column} IS NULL`).join(' AND ')})`;
    const combination = `row(${columns.join(', ')})`;
    return rowExpectation(target, args.row_condition, {
      column: args.column_list[0],
      unexpected: '_duplicates > 1',
      ignoresNulls: true,
      missing: allNull,
      value: `concat_ws(', ', ${columns.map((column) => `coalesce(${column}::VARCHAR, 'NULL')`).join(', ')})`,
      windows: `count(*) OVER (PARTITION BY ${columns.join(', ')}) AS _duplicates`,
      // The combinations as a row: a list would need the columns to share a type.
      summaryUnexpected: (scope) =>
        `CASE WHEN count(*) FILTER (WHERE ${scope} AND NOT ${allNull}) = ${distinctInScan(target)(combination, `${scope} AND NOT ${allNull}`)} THEN 0 END`,
    });
  },
  verdict: BY_UNEXPECTED_ROWS,
  comparesMonths: false,
  wording: {},
});
