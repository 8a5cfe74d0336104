// Relative null-rate guard: the staged share of NULLs may exceed the live table's share by
// at most `max_increase` (a fraction, 0.05 = 5 points). Passes while the live table is empty.
import { z } from 'zod';
import { formatPoints, plain } from '../../format';
import { define } from './definition';
import { column, kwargs } from './kwargs';
import { nullsIn, PARTIAL_LIMIT, quoteIdent } from './sql';
import type { Column } from './terms';
import { share, withKwarg } from './words';

declare module './definition' {
  interface KwargsByType {
    /**
     * Relative null-rate guard: the staged share of NULLs may exceed the live table's share
     * by at most `max_increase` (a fraction, 0.05 = 5 points). Passes while the live table is empty.
     */
    expect_column_null_fraction_to_not_increase_by_more_than: Column & { readonly max_increase: number };
  }
}

const shareOrDash = (fraction: unknown) => (typeof fraction === 'number' ? share(fraction) : '—');

export const columnNullFractionToNotIncreaseByMoreThan = define('expect_column_null_fraction_to_not_increase_by_more_than', {
  kwargs: kwargs({ ...column, max_increase: z.number().min(0).max(1) }),
  describe: withKwarg(
    'max_increase',
    (increase) => `share of NULLs rises at most ${typeof increase === 'number' ? formatPoints(increase) : plain(increase)} over the live table`,
  ),
  /**
   * The staged NULL share against the live table's (judged in JavaScript from both); its
   * unexpected rows are those that became NULL: non-NULL in the live table, NULL now.
   * Finding them joins the month with the live table on the key (~0.5 s a table at 1M
   * rows), so the scan's summary carries the two shares alone; a verdict that fails on
   * them runs the join, for the rows and their samples (validate/index.ts `settles`).
   */
  sql: (args, { table, context }) => {
    const where = args.row_condition ? `WHERE ${args.row_condition}` : '';
    const value = quoteIdent(args.column);
    const staged = `(SELECT * FROM ${context.relation(table)} ${where})`;
    const liveTable = context.liveRelation(table);
    // Without a warehouse there is nothing to compare with: an empty live relation, like a first month's.
    const live = liveTable ? `(SELECT * FROM ${liveTable} ${where})` : `(SELECT * FROM ${staged} WHERE false)`;
    const key = context.keyOf(table);
    const rows = `${staged} AS staged LEFT JOIN ${live} AS live ON ${context.keySql.join(key, 'live', 'staged')}`;
    const becameNull = `(staged.${value} IS NULL AND live.${value} IS NOT NULL)`;
    const stagedShare = `count(*) FILTER (WHERE ${value} IS NULL) / nullif(count(*), 0)`;
    const liveShare = `(SELECT ${stagedShare} FROM ${live})`;
    return {
      sql: `SELECT count(*) AS element_count,
                 count(*) FILTER (WHERE staged.${value} IS NULL) AS missing_count,
                 count(*) FILTER (WHERE ${becameNull}) AS unexpected_count,
                 {'staged': count(*) FILTER (WHERE staged.${value} IS NULL) / nullif(count(*), 0), 'live': ${liveShare}} AS observed_value,
                 list({'key': ${context.keySql.struct(key, 'staged')}, 'line': staged._line, 'value': NULL::VARCHAR} ORDER BY staged._line)
                   FILTER (WHERE ${becameNull})[1:${PARTIAL_LIMIT}] AS samples
          FROM ${rows}`,
      unexpectedRowsSql: `SELECT ${context.keySql.text(key, 'staged')} AS row_key, staged._line AS line, NULL::VARCHAR AS value FROM ${rows} WHERE ${becameNull}`,
      summary: where
        ? undefined
        : `{'element_count': count(*), 'missing_count': ${nullsIn(args.column, 'true')}, 'unexpected_count': 0,
          'observed_value': {'staged': ${stagedShare}, 'live': ${liveShare}}}`,
      params: {},
      ignoresNulls: false,
    };
  },
  verdict: {
    by: 'observed value',
    holds: (args, observed) => {
      const shares = observed as { staged: number | null; live: number | null };
      if (shares.live === null || shares.staged === null) return true;
      return Number(shares.staged) - Number(shares.live) <= args.max_increase + 1e-12;
    },
  },
  comparesMonths: false,
  wording: {
    report: (observed) => {
      if (typeof observed !== 'object' || Array.isArray(observed) || !('staged' in (observed as object)) || !('live' in (observed as object))) return undefined;
      const shares = observed as { staged: unknown; live: unknown };
      return `NULL share ${shareOrDash(shares.staged)}, live table ${shareOrDash(shares.live)}`;
    },
  },
});
