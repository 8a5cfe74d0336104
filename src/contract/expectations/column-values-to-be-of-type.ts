// The column's type as staged is the declared one. Load names its parse check after it
// (load/index.ts LOAD_CHECKS).
import { plain } from '../../format';
import { define } from './definition';
import { column, kwargs, name } from './kwargs';
import { aggregateExpectation, quoteIdent } from './sql';
import type { Column } from './terms';

declare module './definition' {
  interface KwargsByType {
    expect_column_values_to_be_of_type: Column & { readonly type_: string };
  }
}

export const columnValuesToBeOfType = define('expect_column_values_to_be_of_type', {
  kwargs: kwargs({ ...column, type_: name }),
  describe: (args) => (args.type_ !== undefined && args.type_ !== null ? `values parse as ${plain(args.type_)}` : 'values parse as the declared type'),
  sql: (args, target) => aggregateExpectation(target, args.row_condition, `any_value(typeof(${quoteIdent(args.column)}))`),
  verdict: {
    by: 'observed value',
    // DuckDB's typeof() spells TIMESTAMPTZ out in full.
    holds: (args, observed) => observed === args.type_ || (args.type_ === 'TIMESTAMPTZ' && observed === 'TIMESTAMP WITH TIME ZONE'),
  },
  comparesMonths: false,
  wording: {},
});
