// Foreign key: every value exists in `other_table.other_column` of the staged month.
import { plain } from '../../format';
import { BY_UNEXPECTED_ROWS, define } from './definition';
import { column, kwargs, name } from './kwargs';
import { censusFor, quoteIdent, rowExpectation } from './sql';
import type { Column } from './terms';
import { withKwarg } from './words';

declare module './definition' {
  interface KwargsByType {
    /** Foreign key: every value exists in `other_table.other_column` of the staged month. */
    expect_column_values_to_be_in_other_table: Column & { readonly other_table: string; readonly other_column: string };
  }
}

export const columnValuesToBeInOtherTable = define('expect_column_values_to_be_in_other_table', {
  kwargs: kwargs({ ...column, other_table: name, other_column: name }),
  describe: withKwarg('other_table', (other, args) => `values exist in ${plain(other)}.${plain(args.other_column ?? '')}`),
  sql: (args, target) => {
    const { column, other_table, other_column } = args;
    const other = quoteIdent(other_column);
    // NOT IN is NULL, not true, once the list holds a NULL, which would pass every row;
    // a NULL key of the other table is that table's own not-null failure.
    const unexpected = `${quoteIdent(column)} NOT IN (SELECT ${other} FROM ${target.context.relation(other_table)} WHERE ${other} IS NOT NULL)`;
    return rowExpectation(target, args.row_condition, {
      column,
      unexpected,
      ignoresNulls: true,
      // A key equal to its parent's row for row (validate/keys.ts) has every value in the parent.
      summaryUnexpected: (scope) => {
        const parent = censusFor(target, column, scope)?.parent;
        const aligned = parent?.aligned && parent.table === other_table && parent.column === other_column;
        return aligned ? '0' : undefined;
      },
    });
  },
  verdict: BY_UNEXPECTED_ROWS,
  comparesMonths: false,
  wording: {},
});
