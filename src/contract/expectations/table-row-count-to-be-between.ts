// The table's rows within bounds (a header-only file is a broken export: at least 1).
import { plain } from '../../format';
import { define } from './definition';
import { kwargs, numberBounds } from './kwargs';
import { aggregateExpectation } from './sql';
import type { Bounds } from './terms';
import { within } from './verdicts';
import { ranged } from './words';

declare module './definition' {
  interface KwargsByType {
    expect_table_row_count_to_be_between: Bounds<number>;
  }
}

export const tableRowCountToBeBetween = define('expect_table_row_count_to_be_between', {
  kwargs: kwargs(numberBounds),
  describe: ranged('row count'),
  sql: (args, target) => aggregateExpectation(target, args.row_condition, 'count(*)'),
  verdict: { by: 'observed value', holds: (args, observed) => within(Number(observed), args) },
  comparesMonths: false,
  wording: { report: (observed) => (typeof observed === 'number' ? `${plain(observed)} rows` : undefined) },
});
