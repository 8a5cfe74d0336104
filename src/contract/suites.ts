// The expectation suite of each table. Every bound carries its reason: a bound with no
// reason is a guess, and guesses become false alarms. Checks every table shares
// (columns, key, parent, NULLs) are derived from the table's columns in `commonSuite`.

import { type ColumnSpec, isNumeric } from './columns';
import { type ExpectationConfig, expect } from './expectations';

const MAX_USERS = 50_000_000;

/**
 * How many points the NULL share of a nullable column may rise over the live table in
 * one month. The no-internet share (plan_stream_* NULL) is 21.7 % in both real months and
 * moves by a tenth of a point between seed months; 5 points is a broken export.
 */
const MAX_NULL_SHARE_INCREASE = 0.05;

/** A table's exported columns, as declared in tables.ts. */
interface SuiteColumns {
  readonly table: string;
  readonly columns: readonly ColumnSpec[];
  readonly parent?: string;
}

export function commonSuite({ table, columns, parent }: SuiteColumns): ExpectationConfig[] {
  const names = columns.map((column) => column.name);
  return [
    expect('expect_table_columns_to_match_set', { column_set: names, exact_match: true }, 'a new or missing column is schema drift'),
    expect(
      'expect_table_columns_to_match_ordered_list',
      { column_list: names, severity: 'warn' },
      'columns are mapped by name, so another order is safe, but a changed export is worth a look',
    ),
    expect('expect_table_row_count_to_be_between', { min_value: 1, max_value: MAX_USERS }, 'a header-only file is a broken export'),
    ...(table === 'users'
      ? []
      : [
          expect(
            'expect_table_row_count_to_equal_other_table',
            { other_table_name: 'users' },
            'every export holds one row per user; a missing row becomes a silent NULL feature',
          ),
        ]),
    expect('expect_column_values_to_not_be_null', { column: 'user_id' }, 'the key'),
    expect('expect_column_values_to_be_unique', { column: 'user_id' }, 'one row per user; a duplicate would make the upsert ambiguous'),
    // A child's keys must be its parent's (the foreign key below), so the format is checked
    // once, on the parent: again in every table it said nothing new and cost 0.1 s a table at 1M rows.
    ...(parent
      ? []
      : [expect('expect_column_values_to_match_regex', { column: 'user_id', regex: '^[0-9]{4}-[A-Z]{5}$' }, 'the CRM id format, e.g. 7590-VHVEG')]),
    ...(parent
      ? [
          expect(
            'expect_column_values_to_be_in_other_table',
            { column: 'user_id', other_table: parent, other_column: 'user_id' },
            "a row for a user missing from this month's users.csv cannot be joined to its features (live users do not count: every export is complete)",
          ),
        ]
      : []),
    ...columns
      .filter((column) => column.name !== 'user_id' && !column.nullable)
      .map((column) => expect('expect_column_values_to_not_be_null', { column: column.name }, 'nothing but plan_stream_* is NULL in the exports')),
    ...columns
      .filter((column) => column.nullable)
      .map((column) =>
        expect(
          'expect_column_null_fraction_to_not_increase_by_more_than',
          { column: column.name, max_increase: MAX_NULL_SHARE_INCREASE },
          'relative null-rate guard: NULL is legal here for some rows, but a jump in their share against the live table is a broken export even within the static bounds',
        ),
      ),
    ...columns
      .filter((column) => column.name !== 'user_id')
      .map((column) => expect('expect_column_values_to_be_of_type', { column: column.name, type_: column.type }, 'declared in the contract')),
  ];
}

/** Domain rules per table, beyond the shared ones. */
export const domainRules: Record<string, ExpectationConfig[]> = {
  users: [
    expect(
      'expect_column_values_to_be_between',
      { column: 'signup_date', min_value: '2000-01-01', max_value: '$as_of' },
      'nobody signs up after the export was taken',
    ),
    expect('expect_column_values_to_be_in_set', { column: 'user_gender', value_set: ['Female', 'Male'] }, 'the CRM offers these two values'),
  ],
  subscriptions: [
    expect(
      'expect_column_values_to_be_between',
      { column: 'months_active', min_value: 0, max_value: 600 },
      'tenure is never negative; 50 years is past any real customer',
    ),
    expect(
      'expect_column_values_to_be_in_set',
      { column: 'contract_type', value_set: ['Month-to-month', 'One year', 'Two year'] },
      'the three contracts on sale',
    ),
    expect(
      'expect_column_values_to_be_in_set',
      { column: 'net_service', value_set: ['DSL', 'Fiber optic', 'No'], severity: 'warn' },
      'the three internet options today; a new one (satellite, 5G) is a product launch, not a broken export: warned, and named by the month-over-month check',
    ),
    expect(
      'expect_column_values_to_be_null',
      { column: 'plan_stream_tv', row_condition: "net_service = 'No'" },
      'streaming plans need internet: without it the plan is unknown (NULL), never True',
    ),
    expect('expect_column_values_to_not_be_null', { column: 'plan_stream_tv', row_condition: "net_service <> 'No'" }, 'with internet the plan is always known'),
    expect(
      'expect_column_values_to_be_null',
      { column: 'plan_stream_movies', row_condition: "net_service = 'No'" },
      'streaming plans need internet: without it the plan is unknown (NULL), never True',
    ),
    expect(
      'expect_column_values_to_not_be_null',
      { column: 'plan_stream_movies', row_condition: "net_service <> 'No'" },
      'with internet the plan is always known',
    ),
    ...['plan_stream_tv', 'plan_stream_movies'].map((column) =>
      expect(
        'expect_column_proportion_of_non_null_values_to_be_between',
        { column, min_value: 0.5, max_value: 1 },
        'static null-rate guard: about 22 % of users have no internet; far more NULLs means a broken export',
      ),
    ),
    expect(
      'expect_column_values_to_be_between',
      { column: 'monthly_fee', min_value: 0, max_value: 1000 },
      'a price is never negative; 1,000 a month is no consumer plan (cents are exact: DECIMAL)',
    ),
    expect('expect_column_values_to_be_between', { column: 'total_paid', min_value: 0, max_value: 1_000_000 }, 'lifetime charges are never negative'),
    expect(
      'expect_column_mean_to_be_between',
      { column: 'monthly_fee', min_value: 10, max_value: 200 },
      'the catalogue mean is about 65; a shifted mean means a unit or column mix-up',
    ),
  ],
  usage_agg_30d: [
    expect('expect_column_values_to_be_between', { column: 'watch_hours_30d', min_value: 0, max_value: 720 }, 'a 30-day window has 720 hours'),
    expect('expect_column_values_to_be_between', { column: 'avg_session_mins_7d', min_value: 0, max_value: 10_080 }, 'a 7-day window has 10,080 minutes'),
    expect('expect_column_values_to_be_between', { column: 'unique_devices_30d', min_value: 0, max_value: 50 }, 'no household streams on more than 50 devices'),
    expect(
      'expect_column_values_to_be_between',
      { column: 'skips_7d', min_value: 0, max_value: 100_000 },
      'counts are never negative; more than 10 skips a minute is a bot',
    ),
    expect('expect_column_values_to_be_between', { column: 'rebuffer_events_7d', min_value: 0, max_value: 100_000 }, 'counts are never negative'),
    expect(
      'expect_column_mean_to_be_between',
      { column: 'watch_hours_30d', min_value: 0.5, max_value: 300 },
      'the mean is about 25 hours; outside these bounds the export changed units',
    ),
    expect(
      'expect_column_proportion_of_unique_values_to_be_between',
      { column: 'watch_hours_30d', min_value: 0.2, max_value: 1, severity: 'warn' },
      'watch hours are continuous: few distinct values means a stuck or defaulted metric',
    ),
    expect(
      'expect_column_proportion_of_unique_values_to_be_between',
      { column: 'avg_session_mins_7d', min_value: 0.2, max_value: 1, severity: 'warn' },
      'a mean of session lengths is continuous: one value for everybody means the metric is stuck or imputed',
    ),
  ],
  payments_agg_90d: [
    expect(
      'expect_column_values_to_be_between',
      { column: 'failed_payments_90d', min_value: 0, max_value: 90 },
      'counts are never negative; at most one charge a day fails',
    ),
  ],
  support_agg_90d: [
    expect('expect_column_values_to_be_between', { column: 'support_tickets_90d', min_value: 0, max_value: 1000 }, 'counts are never negative'),
    expect('expect_column_values_to_be_between', { column: 'ticket_avg_resolution_hrs_90d', min_value: 0, max_value: 2160 }, 'a 90-day window has 2,160 hours'),
  ],
  labels: [
    expect('expect_column_values_to_be_in_set', { column: 'churn_label', value_set: [true, false] }, 'a label is True or False, never NULL'),
    expect(
      'expect_column_mean_to_be_between',
      { column: 'churn_label', min_value: 0.01, max_value: 0.9 },
      'the churn rate is about 26 %; all-True or all-False labels are a broken export',
    ),
  ],
};

/** A month-over-month bound: warn above `max_value`, error above `severe_max_value`; `why` is the reason shown in the report. */
interface ShiftBound {
  readonly max_value: number;
  readonly severe_max_value?: number;
  readonly why: string;
}

/**
 * How far a month may move from the previous frozen one. Measured on the real months
 * (month_000 → month_001): every usage and account figure within ×1.02 except the
 * rare-event counts (failed payments ×1.18, support tickets ×1.17, rebuffers ×1.13), the
 * label rate 26.5 % → 24.2 % (×1.10), every PSI below 0.02.
 */
const SHIFT = {
  rowCount: {
    max_value: 1.1,
    severe_max_value: 2,
    why: 'the user base grows about 1 % a month; a tenth more or fewer users is worth a look, half or twice as many is a broken export',
  },
  keyChurn: {
    max_value: 0.005,
    severe_max_value: 0.05,
    why: 'every export lists every user, churned ones included (labels say who churned): a known user missing from it is a lost row; 5 % is a truncated export',
  },
  psi: {
    max_value: 0.2,
    why: "PSI above 0.2 is the usual line for a significant shift; no error bound, since PSI saturates once the values leave last month's bins (1.5× and 3× look alike): the mean ratio sizes the shift",
  },
  meanRatio: {
    max_value: 1.25,
    severe_max_value: 2,
    why: 'behaviour moves a few percent a month (rare-event counts up to ×1.18 in the real months); ×1.25 is a shift to look at, a doubling or halving is a unit or join error',
  },
  labelRate: {
    max_value: 1.2,
    severe_max_value: 1.6,
    why: 'the label rate moved ×1.10 between the real months (26.5 % → 24.2 %); a fifth more or fewer churners changes what a model learns, ×1.6 is a labelling change',
  },
} satisfies Record<string, ShiftBound>;

function shift(bound: ShiftBound): { max_value: number; severe_max_value?: number; severity: 'warn' } {
  return { max_value: bound.max_value, ...(bound.severe_max_value === undefined ? {} : { severe_max_value: bound.severe_max_value }), severity: 'warn' };
}

/** Columns whose mean is watched month over month with a bound of their own. */
const MEAN_BOUNDS: Record<string, ShiftBound> = { churn_label: SHIFT.labelRate };

/**
 * The comparison with the previous frozen month (meta.column_metrics): row count and key
 * churn of the users table (every other table must match it), and per column the PSI,
 * the mean (numbers; the label rate) and new values (text categories). Warn by default.
 */
export function monthOverMonthSuite({ table, columns }: SuiteColumns): ExpectationConfig[] {
  const compared = columns.filter((column) => column.name !== 'user_id' && column.type !== 'DATE');
  return [
    ...(table === 'users'
      ? [
          expect('expect_table_row_count_ratio_to_previous_to_be_less_than', shift(SHIFT.rowCount), SHIFT.rowCount.why),
          expect('expect_table_key_churn_to_be_less_than', shift(SHIFT.keyChurn), SHIFT.keyChurn.why),
        ]
      : []),
    ...compared.flatMap((column) => {
      const meanBound = isNumeric(column.type) ? SHIFT.meanRatio : MEAN_BOUNDS[column.name];
      return [
        expect('expect_column_psi_to_be_less_than', { column: column.name, ...shift(SHIFT.psi) }, SHIFT.psi.why),
        ...(meanBound ? [expect('expect_column_mean_ratio_to_previous_to_be_less_than', { column: column.name, ...shift(meanBound) }, meanBound.why)] : []),
        ...(column.type === 'VARCHAR'
          ? [
              expect(
                'expect_column_distinct_values_to_be_in_set',
                { column: column.name, value_set: '$previous_month', severity: 'warn' },
                'a value no user had last month: a new product or a renamed one, to look at before it reaches a model',
              ),
            ]
          : []),
      ];
    }),
  ];
}
