// Every value within bounds; `max_value: "$as_of"` compares with the run's as_of date.
import { z } from 'zod';
import { BY_UNEXPECTED_ROWS, define } from './definition';
import { column, kwargs } from './kwargs';
import { bounds, quoteIdent, rowExpectation } from './sql';
import type { Bounds, Column } from './terms';
import { ranged } from './words';

declare module './definition' {
  interface KwargsByType {
    /** `max_value: "$as_of"` compares with the run's as_of date. */
    expect_column_values_to_be_between: Column & Bounds<number | string>;
  }
}

/** Numbers, dates as text, or `$as_of` (the run's as_of date). */
const valueBounds = {
  min_value: z.union([z.number(), z.string()]).optional(),
  max_value: z.union([z.number(), z.string()]).optional(),
  strict_min: z.boolean().optional(),
  strict_max: z.boolean().optional(),
};

export const columnValuesToBeBetween = define('expect_column_values_to_be_between', {
  kwargs: kwargs({ ...column, ...valueBounds }),
  describe: ranged('values'),
  sql: (args, target) => {
    const within = bounds(target, args.min_value, args.max_value, args.strict_min, args.strict_max);
    const value = quoteIdent(args.column);
    return rowExpectation(target, args.row_condition, {
      column: args.column,
      unexpected: `NOT (${within(value, value)})`,
      ignoresNulls: true,
      // Over every row, none is out of bounds when the smallest and the largest value are
      // within them (NULL otherwise: the full query counts them): min and max are the
      // metrics' (validate/metrics), computed once for both, where testing every row cost ~20 ms a column at 1M rows.
      summaryUnexpected: (scope) => (scope === 'true' ? `CASE WHEN ${within(`min(${value})`, `max(${value})`)} THEN 0 END` : undefined),
    });
  },
  verdict: BY_UNEXPECTED_ROWS,
  comparesMonths: false,
  wording: {},
});
