// The larger of the mean's and the median's factor of change: max(now/then, then/now).
import { formatNumber, formatRatio } from '../../format';
import { define } from './definition';
import { column, kwargs, monthComparison } from './kwargs';
import { monthComparison as monthComparisonSql, symmetricRatio } from './sql';
import type { Column, MonthComparison } from './terms';
import { underLimit } from './verdicts';
import { factor, monthBound, monthWording } from './words';

declare module './definition' {
  interface KwargsByType {
    /** The larger of the mean's and the median's factor of change: max(now/then, then/now). */
    expect_column_mean_ratio_to_previous_to_be_less_than: Column & MonthComparison;
  }
}

const number = (value: unknown) => (typeof value === 'number' ? formatNumber(value) : 'NULL');
const ratio = (value: unknown) => (typeof value === 'number' ? formatRatio(value) : '—');

export const columnMeanRatioToPreviousToBeLessThan = define('expect_column_mean_ratio_to_previous_to_be_less_than', {
  kwargs: kwargs({ ...column, ...monthComparison }),
  describe: monthBound((args) => `mean and median within ${factor(args.max_value)} of the previous month`, factor),
  sql: (args, target) =>
    monthComparisonSql(
      target,
      args.column,
      `{'previous_as_of': previous_as_of, 'mean_ratio': mean_ratio, 'median_ratio': median_ratio,
        'value': greatest(${symmetricRatio('mean_ratio')}, ${symmetricRatio('median_ratio')})}`,
    ),
  verdict: { by: 'observed value', holds: underLimit },
  comparesMonths: true,
  wording: monthWording({
    finding: (figures, then) => `observed mean ×${number(figures.mean_ratio)}, median ×${number(figures.median_ratio)} against ${then}`,
    report: (figures) => `mean ${ratio(figures.mean_ratio)}${figures.median_ratio === null ? '' : `, median ${ratio(figures.median_ratio)}`}`,
    flagged: (flag) =>
      flag.ratio
        ? `${flag.ratio.of} ×${formatNumber(flag.ratio.value)}`
        : `mean or median ×${flag.figure === null ? 'not computed' : formatNumber(flag.figure)} either way`,
  }),
});
