// The share of distinct values among the non-NULL ones within bounds.
import { formatCount } from '../../format';
import { define } from './definition';
import { column, kwargs, numberBounds } from './kwargs';
import { aggregateExpectation, type DistinctCount, distinctAmongRows, distinctInScan, quoteIdent } from './sql';
import type { Bounds, Column } from './terms';
import { within } from './verdicts';
import { ranged } from './words';

declare module './definition' {
  interface KwargsByType {
    expect_column_proportion_of_unique_values_to_be_between: Column & Bounds<number>;
  }
}

export const columnProportionOfUniqueValuesToBeBetween = define('expect_column_proportion_of_unique_values_to_be_between', {
  kwargs: kwargs({ ...column, ...numberBounds }),
  describe: ranged('share of distinct values'),
  sql: (args, target) => {
    const value = quoteIdent(args.column);
    const share = (distinct: DistinctCount) => `${distinct(value)} / nullif(count(${value}), 0)`;
    return aggregateExpectation(target, args.row_condition, share(distinctAmongRows), {
      observed: share(distinctInScan(target)),
      unexpected: '0',
    });
  },
  verdict: { by: 'observed value', holds: (args, observed) => within(Number(observed), args) },
  comparesMonths: false,
  wording: {
    // The share as the count of distinct values in the rows it was taken over: "1 distinct value in 7,043 rows".
    finding: (observed, rows) => {
      if (typeof observed !== 'number') return undefined;
      const distinct = Math.round(observed * rows);
      return `observed ${formatCount(distinct)} distinct value${distinct === 1 ? '' : 's'} in ${formatCount(rows)} rows`;
    },
  },
});
