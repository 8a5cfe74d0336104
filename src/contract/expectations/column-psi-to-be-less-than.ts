// Population stability index over bins fixed by the previous month (deciles, or categories).
import { formatNumber, plain } from '../../format';
import { define } from './definition';
import { column, kwargs, monthComparison } from './kwargs';
import { monthComparison as monthComparisonSql } from './sql';
import type { Column, MonthComparison } from './terms';
import { underLimit } from './verdicts';
import { monthBound, monthWording } from './words';

declare module './definition' {
  interface KwargsByType {
    /** Population stability index over bins fixed by the previous month (deciles, or categories). */
    expect_column_psi_to_be_less_than: Column & MonthComparison;
  }
}

export const columnPsiToBeLessThan = define('expect_column_psi_to_be_less_than', {
  kwargs: kwargs({ ...column, ...monthComparison }),
  describe: monthBound((args) => `PSI against the previous month at most ${plain(args.max_value)}`, plain),
  sql: (args, target) => monthComparisonSql(target, args.column, `{'previous_as_of': previous_as_of, 'value': psi}`),
  verdict: { by: 'observed value', holds: underLimit },
  comparesMonths: true,
  wording: monthWording({
    finding: (figures, then) => `observed PSI ${typeof figures.value === 'number' ? formatNumber(figures.value) : 'NULL'} against ${then}`,
    report: (figures) => `PSI ${plain(figures.value)}`,
    flagged: (flag) => `PSI ${flag.figure === null ? 'not computed' : formatNumber(flag.figure)}`,
  }),
});
