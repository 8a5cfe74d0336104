// The row count as a factor of the previous frozen month's: max(now/then, then/now).
import { formatCount, formatNumber, plain } from '../../format';
import { define } from './definition';
import { kwargs, monthComparison } from './kwargs';
import { monthComparison as monthComparisonSql, symmetricRatio } from './sql';
import type { MonthComparison } from './terms';
import { underLimit } from './verdicts';
import { factor, monthBound, monthWording } from './words';

declare module './definition' {
  interface KwargsByType {
    /** The row count as a factor of the previous month's: max(now/then, then/now). */
    expect_table_row_count_ratio_to_previous_to_be_less_than: MonthComparison;
  }
}

const count = (value: unknown) => (typeof value === 'number' ? formatCount(value) : 'NULL');

export const tableRowCountRatioToPreviousToBeLessThan = define('expect_table_row_count_ratio_to_previous_to_be_less_than', {
  kwargs: kwargs(monthComparison),
  describe: monthBound((args) => `row count within ${factor(args.max_value)} of the previous month`, factor),
  sql: (_, target) =>
    monthComparisonSql(
      target,
      undefined,
      `{'previous_as_of': previous_as_of, 'previous': previous_row_count, 'current': row_count,
        'value': ${symmetricRatio('row_count / previous_row_count')}}`,
    ),
  verdict: { by: 'observed value', holds: underLimit },
  comparesMonths: true,
  wording: monthWording({
    finding: (figures, then) =>
      `observed ${count(figures.current)} rows against ${count(figures.previous)} in ${then} (×${typeof figures.value === 'number' ? formatNumber(figures.value) : 'NULL'} either way)`,
    report: (figures) => `${plain(figures.previous)} → ${plain(figures.current)} rows`,
    flagged: (flag) => `rows ×${flag.figure === null ? 'not computed' : formatNumber(flag.figure)} either way`,
  }),
});
