// GE's name; `value_set: "$previous_month"` is the set of values the previous month held.
import { z } from 'zod';
import { formatCount } from '../../format';
import { define } from './definition';
import { column, kwargs } from './kwargs';
import { monthComparison as monthComparisonSql } from './sql';
import type { Column, MonthComparison } from './terms';
import { underLimit } from './verdicts';
import { monthWording } from './words';

declare module './definition' {
  interface KwargsByType {
    /** GE's name; `value_set: "$previous_month"` is the set of values the previous month held. */
    expect_column_distinct_values_to_be_in_set: Column & { readonly value_set: '$previous_month' };
  }
}

/** New values named in a finding; the rest are counted. */
const NAMED_VALUES = 5;

/** "a, b, c, d, e, … (7 in all)". */
const someValues = (values: readonly string[]) =>
  values.slice(0, NAMED_VALUES).join(', ') + (values.length > NAMED_VALUES ? `, … (${formatCount(values.length)} in all)` : '');

export const columnDistinctValuesToBeInSet = define('expect_column_distinct_values_to_be_in_set', {
  kwargs: kwargs({ ...column, value_set: z.literal('$previous_month') }),
  describe: () => 'no value the previous month did not hold',
  sql: (args, target) => monthComparisonSql(target, args.column, `{'previous_as_of': previous_as_of, 'new_values': new_values, 'value': len(new_values)}`),
  // No max_value: any new value fails.
  verdict: { by: 'observed value', holds: (args, observed) => underLimit(args as MonthComparison, observed) },
  comparesMonths: true,
  wording: monthWording({
    finding: (figures, then) => {
      const values = Array.isArray(figures.new_values) ? figures.new_values.map(String) : [];
      return `new value${values.length === 1 ? '' : 's'}: ${someValues(values)} (not in ${then})`;
    },
    report: (figures) => {
      const values = (figures.new_values as string[] | null) ?? [];
      return values.length === 0 ? 'no new value' : `new: ${values.join(', ')}`;
    },
    flagged: (flag) => {
      const values = flag.new_values ?? [];
      return `new value${values.length === 1 ? '' : 's'}: ${someValues(values)}`;
    },
  }),
});
