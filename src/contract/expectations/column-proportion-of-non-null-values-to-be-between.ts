// The share of rows with a value within bounds.
import { define } from './definition';
import { column, kwargs, numberBounds } from './kwargs';
import { aggregateExpectation, quoteIdent } from './sql';
import type { Bounds, Column } from './terms';
import { within } from './verdicts';
import { ranged } from './words';

declare module './definition' {
  interface KwargsByType {
    expect_column_proportion_of_non_null_values_to_be_between: Column & Bounds<number>;
  }
}

export const columnProportionOfNonNullValuesToBeBetween = define('expect_column_proportion_of_non_null_values_to_be_between', {
  kwargs: kwargs({ ...column, ...numberBounds }),
  describe: ranged('share of non-null values'),
  sql: (args, target) => aggregateExpectation(target, args.row_condition, `count(${quoteIdent(args.column)}) / nullif(count(*), 0)`),
  verdict: { by: 'observed value', holds: (args, observed) => within(Number(observed), args) },
  comparesMonths: false,
  wording: {},
});
