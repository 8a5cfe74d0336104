// Every row has a value (a key, a `required` property).
import { BY_UNEXPECTED_ROWS, define } from './definition';
import { column, kwargs } from './kwargs';
import { nullsIn, quoteIdent, rowExpectation } from './sql';
import type { Column } from './terms';

declare module './definition' {
  interface KwargsByType {
    expect_column_values_to_not_be_null: Column;
  }
}

export const columnValuesToNotBeNull = define('expect_column_values_to_not_be_null', {
  kwargs: kwargs(column),
  describe: () => 'values are not null',
  sql: (args, target) =>
    rowExpectation(target, args.row_condition, {
      column: args.column,
      unexpected: `${quoteIdent(args.column)} IS NULL`,
      ignoresNulls: false,
      summaryUnexpected: (scope) => nullsIn(args.column, scope),
    }),
  verdict: BY_UNEXPECTED_ROWS,
  comparesMonths: false,
  wording: {},
});
