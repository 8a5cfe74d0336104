// No row has a value.
import { BY_UNEXPECTED_ROWS, define } from './definition';
import { column, kwargs } from './kwargs';
import { quoteIdent, rowExpectation } from './sql';
import type { Column } from './terms';

declare module './definition' {
  interface KwargsByType {
    expect_column_values_to_be_null: Column;
  }
}

export const columnValuesToBeNull = define('expect_column_values_to_be_null', {
  kwargs: kwargs(column),
  describe: () => 'values are null',
  sql: (args, target) =>
    rowExpectation(target, args.row_condition, { column: args.column, unexpected: `${quoteIdent(args.column)} IS NOT NULL`, ignoresNulls: false }),
  verdict: BY_UNEXPECTED_ROWS,
  comparesMonths: false,
  wording: {},
});
