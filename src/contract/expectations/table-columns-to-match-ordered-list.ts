// The header's columns, in this order.
import { plain } from '../../format';
import { define } from './definition';
import { kwargs, names } from './kwargs';
import { aggregateExpectation, headerColumnsSql } from './sql';
import { columnsFound, withKwarg } from './words';

declare module './definition' {
  interface KwargsByType {
    expect_table_columns_to_match_ordered_list: { readonly column_list: readonly string[] };
  }
}

export const tableColumnsToMatchOrderedList = define('expect_table_columns_to_match_ordered_list', {
  kwargs: kwargs({ column_list: names }),
  describe: withKwarg('column_list', (list) => `columns in the order ${plain(list)}`),
  sql: (args, target) => aggregateExpectation(target, args.row_condition, headerColumnsSql(target)),
  verdict: { by: 'observed value', holds: (args, observed) => JSON.stringify(observed) === JSON.stringify(args.column_list) },
  comparesMonths: false,
  wording: { report: (observed, result) => columnsFound(observed, result.kwargs.column_list, result.success) },
});
