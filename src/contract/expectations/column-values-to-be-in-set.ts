// Every value one of a set (an ODCS `validValues`).
import { z } from 'zod';
import { plain } from '../../format';
import { BY_UNEXPECTED_ROWS, define } from './definition';
import { column, kwargs, scalar } from './kwargs';
import { quoteIdent, rowExpectation } from './sql';
import type { Column } from './terms';
import { withKwarg } from './words';

declare module './definition' {
  interface KwargsByType {
    expect_column_values_to_be_in_set: Column & { readonly value_set: readonly (string | number | boolean)[] };
  }
}

export const columnValuesToBeInSet = define('expect_column_values_to_be_in_set', {
  kwargs: kwargs({ ...column, value_set: z.array(scalar).min(1) }),
  describe: withKwarg('value_set', (set) => `values in {${plain(set)}}`),
  sql: (args, target) => {
    const set = args.value_set.map((value) => target.params.bind(value)).join(', ');
    return rowExpectation(target, args.row_condition, {
      column: args.column,
      unexpected: `${quoteIdent(args.column)} NOT IN (${set})`,
      ignoresNulls: true,
      // Over every row, counted on the column's value counts: the metrics' histogram of a
      // categorical column (validate/metrics), which DuckDB computes once for both (at 1M rows
      // ~40 ms a column, as much again for testing every row).
      summaryUnexpected: (scope) =>
        scope === 'true'
          ? `coalesce(list_sum(list_transform(list_filter(map_entries(histogram(${quoteIdent(args.column)})), entry -> entry.key NOT IN (${set})), entry -> entry.value)), 0)`
          : undefined,
    });
  },
  verdict: BY_UNEXPECTED_ROWS,
  comparesMonths: false,
  wording: {},
});
