// As many rows as another table of the month, naming the first of its keys missing here.
import { plain } from '../../format';
import { define } from './definition';
import { kwargs, name } from './kwargs';
import { aggregateExpectation, quoteIdent } from './sql';
import { withKwarg } from './words';

declare module './definition' {
  interface KwargsByType {
    expect_table_row_count_to_equal_other_table: { readonly other_table_name: string };
  }
}

const MISSING_KEYS_SHOWN = 5;

export const tableRowCountToEqualOtherTable = define('expect_table_row_count_to_equal_other_table', {
  kwargs: kwargs({ other_table_name: name }),
  describe: withKwarg('other_table_name', (other) => `row count equals that of ${plain(other)}`),
  sql: (args, target) => {
    const { table, context } = target;
    // Beside the counts, the first keys of the other table missing here: which rows went missing, not just how many.
    const other = context.relation(args.other_table_name);
    const key = context.keyOf(table).map(quoteIdent);
    const keyText = `concat_ws('|', ${key.map((column) => `other.${column}`).join(', ')})`;
    const present = `SELECT 1 FROM ${context.relation(table)} AS self WHERE ${key.map((column) => `self.${column} = other.${column}`).join(' AND ')}`;
    const observed = `{'self': count(*), 'other': (SELECT count(*) FROM ${other}),
               'missing_keys': (SELECT coalesce(list(${keyText} ORDER BY other._line)[1:${MISSING_KEYS_SHOWN}], [])
                                FROM ${other} AS other WHERE NOT EXISTS (${present}))}`;
    // The scan settles it on the counts alone: the missing keys are wanted only when they differ.
    const count = `(SELECT count(*) FROM ${other})`;
    return aggregateExpectation(target, args.row_condition, observed, {
      observed: `{'self': count(*), 'other': ${count}}`,
      unexpected: `CASE WHEN count(*) = ${count} THEN 0 END`,
    });
  },
  verdict: {
    by: 'observed value',
    holds: (_, observed) => {
      const counts = observed as { self: unknown; other: unknown };
      return Number(counts.self) === Number(counts.other);
    },
  },
  comparesMonths: false,
  wording: {
    report: (observed, result) => {
      if (typeof observed !== 'object' || Array.isArray(observed) || !('self' in (observed as object)) || !('other' in (observed as object))) return undefined;
      const counts = observed as { self: unknown; other: unknown };
      return `${plain(counts.self)} rows; ${plain(result.kwargs.other_table_name ?? 'other')}: ${plain(counts.other)}`;
    },
  },
});
