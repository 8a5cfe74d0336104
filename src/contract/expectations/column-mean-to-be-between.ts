// The column's mean within bounds.
import { define } from './definition';
import { column, kwargs, numberBounds } from './kwargs';
import { aggregateExpectation, quoteIdent } from './sql';
import type { Bounds, Column } from './terms';
import { within } from './verdicts';
import { ranged } from './words';

declare module './definition' {
  interface KwargsByType {
    expect_column_mean_to_be_between: Column & Bounds<number>;
  }
}

export const columnMeanToBeBetween = define('expect_column_mean_to_be_between', {
  kwargs: kwargs({ ...column, ...numberBounds }),
  describe: ranged('mean'),
  sql: (args, target) => aggregateExpectation(target, args.row_condition, `avg(${quoteIdent(args.column)}::DOUBLE)`),
  verdict: { by: 'observed value', holds: (args, observed) => within(Number(observed), args) },
  comparesMonths: false,
  wording: {},
});
