// The header's columns, as a set: exactly these, or at least these (`exact_match: false`).
// Load names its header check after it (load/index.ts LOAD_CHECKS).
import { z } from 'zod';
import { plain } from '../../format';
import { define } from './definition';
import { kwargs, names } from './kwargs';
import { aggregateExpectation, headerColumnsSql } from './sql';
import { columnsFound } from './words';

declare module './definition' {
  interface KwargsByType {
    expect_table_columns_to_match_set: { readonly column_set: readonly string[]; readonly exact_match?: boolean };
  }
}

export const tableColumnsToMatchSet = define('expect_table_columns_to_match_set', {
  kwargs: kwargs({ column_set: names, exact_match: z.boolean().optional() }),
  describe: (args) =>
    args.column_set !== undefined && args.column_set !== null
      ? `columns ${args.exact_match === false ? 'include' : 'are exactly'} ${plain(args.column_set)}`
      : "the header holds the contract's columns",
  sql: (args, target) => aggregateExpectation(target, args.row_condition, headerColumnsSql(target)),
  verdict: {
    by: 'observed value',
    holds: (args, observed) => {
      const seen = new Set(observed as string[]);
      const wanted = new Set(args.column_set);
      const missing = [...wanted].some((name) => !seen.has(name));
      const extra = [...seen].some((name) => !wanted.has(name));
      return !missing && (args.exact_match === false || !extra);
    },
  },
  comparesMonths: false,
  wording: { report: (observed, result) => columnsFound(observed, result.kwargs.column_set, result.success) },
});
