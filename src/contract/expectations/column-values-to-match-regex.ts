// Every value matches a pattern (a search: anchor it with ^…$).
import { z } from 'zod';
import { plain } from '../../format';
import { BY_UNEXPECTED_ROWS, define } from './definition';
import { column, kwargs } from './kwargs';
import { quoteIdent, rowExpectation } from './sql';
import type { Column } from './terms';
import { withKwarg } from './words';

declare module './definition' {
  interface KwargsByType {
    expect_column_values_to_match_regex: Column & { readonly regex: string };
  }
}

export const columnValuesToMatchRegex = define('expect_column_values_to_match_regex', {
  kwargs: kwargs({ ...column, regex: z.string().min(1) }),
  describe: withKwarg('regex', (regex) => `values match /${plain(regex)}/`),
  sql: (args, target) =>
    rowExpectation(target, args.row_condition, {
      column: args.column,
      unexpected: `NOT regexp_matches(${quoteIdent(args.column)}::VARCHAR, ${target.params.bind(args.regex)})`,
      ignoresNulls: true,
    }),
  verdict: BY_UNEXPECTED_ROWS,
  comparesMonths: false,
  wording: {},
});
