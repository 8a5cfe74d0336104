// No value twice (NULLs aside): the key of a one-column key, a `unique` property.
import { BY_UNEXPECTED_ROWS, define } from './definition';
import { column, kwargs } from './kwargs';
import { censusFor, distinctInScan, inScope, quoteIdent, rowExpectation } from './sql';
import type { Column } from './terms';

declare module './definition' {
  interface KwargsByType {
    expect_column_values_to_be_unique: Column;
  }
}

export const columnValuesToBeUnique = define('expect_column_values_to_be_unique', {
  kwargs: kwargs(column),
  describe: () => 'values are unique',
  sql: (args, target) => {
    const value = quoteIdent(args.column);
    return rowExpectation(target, args.row_condition, {
      column: args.column,
      unexpected: '_duplicates > 1',
      ignoresNulls: true,
      windows: `count(*) OVER (PARTITION BY ${value}) AS _duplicates`,
      // The key's census settles it when it counted the distinct keys (0, or NULL: the
      // full query then finds the duplicates); any other column is counted in the scan.
      summaryUnexpected: (scope) => {
        const census = censusFor(target, args.column, scope);
        if (census?.distinctKeys != null) return census.distinctKeys === census.nonNullKeys ? '0' : 'NULL';
        return `CASE WHEN count(${value})${inScope(scope)} = ${distinctInScan(target)(value, scope)} THEN 0 END`;
      },
    });
  },
  verdict: BY_UNEXPECTED_ROWS,
  comparesMonths: false,
  wording: {},
});
