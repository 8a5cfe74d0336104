// The share of the keys the warehouse holds that are missing from this month's export.
import { formatNumber, formatPercent, plain } from '../../format';
import { define } from './definition';
import { kwargs, monthComparison } from './kwargs';
import { monthComparison as monthComparisonSql } from './sql';
import type { MonthComparison } from './terms';
import { underLimit } from './verdicts';
import { monthBound, monthWording, share } from './words';

declare module './definition' {
  interface KwargsByType {
    /** Share of the keys the warehouse holds that are missing from this month's export. */
    expect_table_key_churn_to_be_less_than: MonthComparison;
  }
}

const number = (value: unknown) => (typeof value === 'number' ? formatNumber(value) : 'NULL');

export const tableKeyChurnToBeLessThan = define('expect_table_key_churn_to_be_less_than', {
  kwargs: kwargs(monthComparison),
  describe: monthBound((args) => `at most ${share(args.max_value)} of the known keys missing`, share),
  sql: (_, target) =>
    monthComparisonSql(
      target,
      undefined,
      `{'previous_as_of': previous_as_of, 'added': keys_added, 'gone': keys_gone,
        'value': CASE WHEN previous_as_of IS NOT NULL THEN keys_gone / nullif(row_count - keys_added + keys_gone, 0) END}`,
    ),
  verdict: { by: 'observed value', holds: underLimit },
  comparesMonths: true,
  wording: monthWording({
    finding: (figures, then) =>
      `observed ${number(figures.gone)} keys gone and ${number(figures.added)} new against ${then} (${typeof figures.value === 'number' ? formatPercent(100 * figures.value) : 'NULL'} gone)`,
    report: (figures) => `${plain(figures.gone)} gone (${typeof figures.value === 'number' ? share(figures.value) : '—'}), ${plain(figures.added)} new`,
    // As the run summary writes a share: one decimal.
    flagged: (flag) => `keys gone ${flag.figure === null ? 'not computed' : `${(100 * flag.figure).toFixed(1)} %`}`,
  }),
});
