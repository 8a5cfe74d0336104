// Deterministic synthetic monthly exports shaped like the real StreamFlow CSVs.
//
// Every value is computed by DuckDB from a hash of (seed, user index, month, column), so
// the same options give byte-identical files on every run, and no row ever passes through
// JavaScript: each table is one `COPY (SELECT … FROM range(n)) TO file` that streams.
//
// Month-to-month behaviour mirrors the two real exports: users and subscriptions never
// change once a user exists, usage changes every month, payment and support counts move
// for a few percent of users, churn labels are redrawn each month, and every month after
// month_000 appends a few new users.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tableOf } from '../../src/contract/contract';
import { FIRST_AS_OF, monthEndAfter, monthFolderName } from '../../src/contract/months';
import { exportColumns } from '../../src/contract/tables';
import type { Engine } from '../../src/engine/duckdb';
import { openEngine, quoteIdent, quoteLiteral } from '../../src/engine/duckdb';
import { CHURN } from '../churn-contract';

export const DEFAULT_SEED = 42;
/** Share of month_000's users that sign up in each later month. */
export const DEFAULT_NEW_USER_SHARE = 0.01;
/** Far below the 10^4 · 26^5 distinct user ids; more would not run in reasonable time anyway. */
export const MAX_TOTAL_USERS = 100_000_000;
/** Folder names are `month_000` … `month_999`. */
export const MAX_MONTHS = 1000;

export interface GenerateOptions {
  /** Users in month_000. */
  users: number;
  /** Number of monthly folders to write. */
  months: number;
  /** Directory that receives `month_000`, `month_001`, … */
  out: string;
  seed?: number;
  /** Users added in each month after month_000; default 1% of `users`, at least 1. */
  newUsersPerMonth?: number;
  /** Called after each month folder is complete (the CLI prints progress with it). */
  onMonthWritten?: (month: WrittenMonth) => void;
}

export interface WrittenMonth {
  /** Folder name, e.g. `month_001`. */
  name: string;
  dir: string;
  /** The month's export date (its last day), `YYYY-MM-DD`. */
  asOf: string;
  /** Rows in each of the month's six tables (every table holds every user). */
  rows: number;
  elapsedMs: number;
}

export interface GenerateResult {
  /** Folder names written, in order: `month_000`, `month_001`, … */
  months: string[];
  /** Rows in each table of a month, keyed by folder name (all six tables hold every user). */
  rows: Record<string, number>;
}

export async function generateMonths(options: GenerateOptions): Promise<GenerateResult> {
  const plan = planGeneration(options);
  fs.mkdirSync(plan.out, { recursive: true });
  const result: GenerateResult = { months: [], rows: {} };
  const engine = await openEngine();
  try {
    for (const statement of macroDefinitions(plan)) await engine.run(statement);
    for (let month = 0; month < plan.months; month++) {
      const written = await writeMonth(engine, plan, month);
      result.months.push(written.name);
      result.rows[written.name] = written.rows;
      options.onMonthWritten?.(written);
    }
  } finally {
    engine.close();
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Options and calendar

interface GenerationPlan {
  readonly out: string;
  readonly seed: number;
  readonly initialUsers: number;
  readonly months: number;
  readonly newUsersPerMonth: number;
}

/** Validates the options; numbers are interpolated into SQL, so only checked integers pass. */
function planGeneration(options: GenerateOptions): GenerationPlan {
  const initialUsers = requireInteger('users', options.users, 1);
  const months = requireInteger('months', options.months, 1, MAX_MONTHS);
  const seed = requireInteger('seed', options.seed ?? DEFAULT_SEED, Number.MIN_SAFE_INTEGER);
  const newUsersPerMonth = requireInteger('newUsersPerMonth', options.newUsersPerMonth ?? Math.max(1, Math.round(initialUsers * DEFAULT_NEW_USER_SHARE)), 0);
  if (typeof options.out !== 'string' || options.out === '') throw new RangeError('out: expected a directory path');
  const plan = { out: path.resolve(options.out), seed, initialUsers, months, newUsersPerMonth };
  const totalUsers = usersInMonth(plan, months - 1);
  if (totalUsers > MAX_TOTAL_USERS) {
    throw new RangeError(`users: ${totalUsers} users by the last month, at most ${MAX_TOTAL_USERS} supported`);
  }
  return plan;
}

function requireInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function usersInMonth(plan: Pick<GenerationPlan, 'initialUsers' | 'newUsersPerMonth'>, month: number): number {
  return plan.initialUsers + month * plan.newUsersPerMonth;
}

// ---------------------------------------------------------------------------------------
// Writing one month

async function writeMonth(engine: Engine, plan: GenerationPlan, month: number): Promise<WrittenMonth> {
  const started = Date.now();
  const name = monthFolderName(month);
  const dir = path.join(plan.out, name);
  // Written aside and renamed into place, so a crash never leaves a half-written month
  // that the pipeline could ingest.
  const partial = path.join(plan.out, `.${name}.partial`);
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial);
  const rows = usersInMonth(plan, month);
  for (const table of CHURN.tables.map((t) => t.name)) {
    const file = path.join(partial, `${table}.csv`);
    await engine.run(`COPY (${tableQuery(table, month, rows)}) TO ${quoteLiteral(file)} (HEADER, DELIMITER ',')`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  return { name, dir, asOf: monthEndAfter(FIRST_AS_OF, month), rows, elapsedMs: Date.now() - started };
}

/** The SELECT for one table of one month: the contract's exported columns in order, one row per user. */
function tableQuery(table: string, month: number, rows: number): string {
  const values = COLUMN_VALUES[table];
  const columns = exportColumns(tableOf(CHURN, table)).map((column) => {
    const value = values[column.name];
    // A column sf_profiles carries as the export writes it needs no expression of its own.
    return value === undefined ? quoteIdent(column.name) : `${value(month)} AS ${quoteIdent(column.name)}`;
  });
  return `SELECT ${columns.join(',\n  ')}\nFROM sf_profiles(${rows})\nORDER BY user_index`;
}

// Values drawn or formatted over sf_profiles (see macroDefinitions), by column; the
// contract says which columns a table exports and in which order. `month` is a validated integer.
const COLUMN_VALUES: Record<string, Readonly<Record<string, (month: number) => string>>> = {
  users: {
    user_is_senior: () => 'sf_bool(user_is_senior)',
    has_family: () => 'sf_bool(has_family)',
    has_dependents: () => 'sf_bool(has_dependents)',
  },
  subscriptions: {
    plan_stream_tv: () => 'sf_bool(plan_stream_tv)',
    plan_stream_movies: () => 'sf_bool(plan_stream_movies)',
    paperless_billing: () => 'sf_bool(paperless_billing)',
    monthly_fee: () => 'sf_money(monthly_fee_cents)',
    total_paid: () => 'sf_money(total_paid_cents)',
  },
  usage_agg_30d: {
    // A stable personal level plus a small monthly wobble: every value moves every month,
    // month-to-month correlation stays near the real 0.99.
    watch_hours_30d: (month) =>
      `${USAGE.watchHours.mean} + ${USAGE.watchHours.userSd} * sf_normal(user_index, ${LIFETIME}, 'watch_hours_30d')` +
      ` + ${USAGE.watchHours.monthSd} * sf_normal(user_index, ${month}, 'watch_hours_30d')`,
    avg_session_mins_7d: (month) =>
      `${USAGE.sessionMins.mean} + ${USAGE.sessionMins.userSd} * sf_normal(user_index, ${LIFETIME}, 'avg_session_mins_7d')` +
      ` + ${USAGE.sessionMins.monthSd} * sf_normal(user_index, ${month}, 'avg_session_mins_7d')`,
    unique_devices_30d: () => `1 + CAST(floor(${USAGE.maxDevices} * sf_draw(user_index, ${LIFETIME}, 'unique_devices_30d')) AS INTEGER)`,
    skips_7d: (month) => inverseCdfSql(`sf_draw(user_index, ${month}, 'skips_7d')`, truncatedPoisson(USAGE.skips.mean, USAGE.skips.max)),
    rebuffer_events_7d: (month) =>
      inverseCdfSql(`sf_draw(user_index, ${month}, 'rebuffer_events_7d')`, truncatedPoisson(USAGE.rebuffers.mean, USAGE.rebuffers.max)),
  },
  payments_agg_90d: { failed_payments_90d: (month) => countWalkSql('failed_payments_90d', month, FAILED_PAYMENTS) },
  // ticket_avg_resolution_hrs_90d is constant per user, as in the real exports (only the ticket count moves).
  support_agg_90d: { support_tickets_90d: (month) => countWalkSql('support_tickets_90d', month, SUPPORT_TICKETS) },
  labels: { churn_label: (month) => `sf_bool(sf_draw(user_index, ${month}, 'churn_label') < churn_risk)` },
};

// ---------------------------------------------------------------------------------------
// Shapes, measured on the real month_000 export (7,043 users) and its change to month_001

/** The `month` argument of draws that stay fixed for a user's whole life. */
const LIFETIME = -1;

const USERS = {
  genderShares: { Female: 0.495, Male: 0.505 },
  seniorShare: 0.162,
  familyShare: 0.483,
  /** Dependents almost only come with a family: 0.483 · 0.6 ≈ the real 30%. */
  dependentsGivenFamily: 0.6,
  /** month_000's users signed up between 2022-01-01 and 2022-02-06. */
  firstSignup: '2022-01-01',
  signupDays: 37,
};

const SUBSCRIPTIONS = {
  netServiceShares: { No: 0.22, DSL: 0.344, 'Fiber optic': 0.436 },
  contractShares: { 'Month-to-month': 0.55, 'One year': 0.21, 'Two year': 0.24 },
  /** Fee ranges in cents, in 5-cent steps like the real fees. */
  feeCents: { No: [1825, 2690], DSL: [2345, 9480], 'Fiber optic': [6775, 11875] },
  streamShare: { DSL: 0.4, 'Fiber optic': 0.565 },
  paperlessShare: { 'Month-to-month': 0.67, 'One year': 0.54, 'Two year': 0.46 },
  maxMonthsActive: 72,
  /** total_paid ≈ months_active · monthly_fee within ±5%, like the real ratio. */
  totalPaidSpread: 0.05,
};

/** Monthly churn probability by contract: averages the real 26% and redraws ~35% of labels a month. */
const CHURN_RISK = { 'Month-to-month': 0.4, 'One year': 0.15, 'Two year': 0.07 };

const USAGE = {
  watchHours: { mean: 30, userSd: 6.75, monthSd: 0.7 },
  sessionMins: { mean: 29, userSd: 6, monthSd: 2 },
  maxDevices: 3,
  skips: { mean: 5, max: 15 },
  rebuffers: { mean: 2.3, max: 10 },
};

/** A count that is drawn once and then steps ±1 for a few percent of users each month. */
interface CountWalk {
  /** Long-run share of users at each count 0, 1, 2, … */
  stationary: readonly number[];
  /** Expected share of users whose count changes from one month to the next. */
  monthlyChange: number;
}
const FAILED_PAYMENTS: CountWalk = { stationary: [0.846, 0.145, 0.008, 0.001], monthlyChange: 0.03 };
const SUPPORT_TICKETS: CountWalk = { stationary: [0.738, 0.223, 0.035, 0.0035, 0.0005], monthlyChange: 0.05 };

/** Resolution hours in tenths, 1.0 … 24.9, skewed low (real mean ≈ 10). */
const RESOLUTION_TENTHS = { min: 10, steps: 240 };

// ---------------------------------------------------------------------------------------
// SQL

/** A user id is 4 digits and 5 letters: 10^4 · 26^5 ≈ 1.2e11 distinct ids. */
const DIGIT_SPACE = 10_000;
const LETTER_SPACE = 26 ** 5;

/** Session macros shared by every table query; all randomness derives from `plan.seed`. */
function macroDefinitions(plan: GenerationPlan): string[] {
  const seed = `(${plan.seed})::BIGINT`;
  const subscriptions = SUBSCRIPTIONS;
  return [
    // DuckDB's multi-argument hash leaves the last argument mostly in the low bits, so the
    // combined hash is hashed again before its top 53 bits become a double in [0, 1).
    `CREATE OR REPLACE TEMP MACRO sf_draw(user_index, month, name) AS
       (hash(hash(${seed}, user_index::BIGINT, month::BIGINT, name::VARCHAR)) >> 11)::DOUBLE / ${2 ** 53}.0`,
    // Irwin–Hall sum of four draws: close to N(0, 1), bounded by ±3.46, and made only of
    // IEEE-exact operations, so the doubles are identical on every platform.
    `CREATE OR REPLACE TEMP MACRO sf_normal(user_index, month, name) AS
       (sf_draw(user_index, month, name || '#1') + sf_draw(user_index, month, name || '#2')
        + sf_draw(user_index, month, name || '#3') + sf_draw(user_index, month, name || '#4') - 2) * sqrt(3)`,
    `CREATE OR REPLACE TEMP MACRO sf_bool(b) AS CASE WHEN b THEN 'True' WHEN NOT b THEN 'False' END`,
    // Integer cents / 100 is the double nearest the decimal, which DuckDB prints as 29.85 or 100.0.
    `CREATE OR REPLACE TEMP MACRO sf_money(cents) AS cents::DOUBLE / 100`,
    // month_000's users have index < initialUsers; then each month appends newUsersPerMonth.
    `CREATE OR REPLACE TEMP MACRO sf_join_month(user_index) AS
       CASE WHEN user_index < ${plan.initialUsers} THEN 0
            ELSE 1 + (user_index - ${plan.initialUsers}) // ${Math.max(1, plan.newUsersPerMonth)} END`,
    // User ids: the index, split into (digits, letters) halves, goes through a three-round
    // Feistel network keyed by the seed. Each round is invertible, so ids are unique
    // without any lookup, yet look random: 4 digits, a dash, 5 letters, like 7590-VHVEG.
    `CREATE OR REPLACE TEMP MACRO sf_id_round(half, other, round, modulus) AS
       (half + (hash(hash(${seed}, other::BIGINT, round::BIGINT, 'user_id')) % modulus)::BIGINT) % modulus`,
    // One concat() call: DuckDB's chained || builds every intermediate string, ~2x slower.
    `CREATE OR REPLACE TEMP MACRO sf_id_text(digits, letters) AS
       concat(lpad(digits::VARCHAR, 4, '0'), '-',
              ${[4, 3, 2, 1, 0].map((power) => `chr((65 + letters // ${26 ** power} % 26)::INTEGER)`).join(', ')})`,
    `CREATE OR REPLACE TEMP MACRO sf_id_last_rounds(digits, letters) AS
       sf_id_text(sf_id_round(digits, sf_id_round(letters, digits, 2, ${LETTER_SPACE}), 3, ${DIGIT_SPACE}),
                  sf_id_round(letters, digits, 2, ${LETTER_SPACE}))`,
    `CREATE OR REPLACE TEMP MACRO sf_user_id(user_index) AS
       sf_id_last_rounds(sf_id_round(user_index % ${DIGIT_SPACE}, user_index // ${DIGIT_SPACE}, 1, ${DIGIT_SPACE}),
                         user_index // ${DIGIT_SPACE})`,
    `CREATE OR REPLACE TEMP MACRO sf_month_start(month) AS (DATE '2024-01-01' + to_months(month::INTEGER))::DATE`,
    // Everything about a user that never changes, for users 0 … n-1. Monthly values are
    // computed by the table queries on top of it.
    `CREATE OR REPLACE TEMP MACRO sf_profiles(n) AS TABLE
     WITH people AS (
       SELECT range AS user_index,
              sf_join_month(range) AS join_month,
              sf_user_id(range) AS user_id,
              sf_draw(range, ${LIFETIME}, 'has_family') < ${USERS.familyShare} AS has_family,
              ${categorySql(`sf_draw(range, ${LIFETIME}, 'net_service')`, subscriptions.netServiceShares)} AS net_service,
              ${categorySql(`sf_draw(range, ${LIFETIME}, 'contract_type')`, subscriptions.contractShares)} AS contract_type
       FROM range(n)
     ), accounts AS (
       SELECT *,
              ${signupDateSql()} AS signup_date,
              ${monthsActiveSql()} AS months_active,
              ${monthlyFeeCentsSql()} AS monthly_fee_cents
       FROM people
     )
     SELECT *,
            ${categorySql(`sf_draw(user_index, ${LIFETIME}, 'user_gender')`, USERS.genderShares)} AS user_gender,
            sf_draw(user_index, ${LIFETIME}, 'user_is_senior') < ${USERS.seniorShare} AS user_is_senior,
            has_family AND sf_draw(user_index, ${LIFETIME}, 'has_dependents') < ${USERS.dependentsGivenFamily} AS has_dependents,
            ${streamPlanSql('plan_stream_tv')} AS plan_stream_tv,
            ${streamPlanSql('plan_stream_movies')} AS plan_stream_movies,
            sf_draw(user_index, ${LIFETIME}, 'paperless_billing') < ${byCategorySql('contract_type', subscriptions.paperlessShare)} AS paperless_billing,
            CAST(round(months_active * monthly_fee_cents * (${1 - subscriptions.totalPaidSpread}
              + ${2 * subscriptions.totalPaidSpread} * sf_draw(user_index, ${LIFETIME}, 'total_paid'))) AS BIGINT) AS total_paid_cents,
            ${resolutionHoursSql()} AS ticket_avg_resolution_hrs_90d,
            ${byCategorySql('contract_type', CHURN_RISK)} AS churn_risk
     FROM accounts`,
  ];
}

/** month_000's users signed up in early 2022; later users within the month they appear in. */
function signupDateSql(): string {
  const draw = `sf_draw(user_index, ${LIFETIME}, 'signup_date')`;
  return `CASE WHEN join_month = 0
            THEN DATE '${USERS.firstSignup}' + CAST(floor(${USERS.signupDays} * ${draw}) AS INTEGER)
            ELSE sf_month_start(join_month) + CAST(floor(day(last_day(sf_month_start(join_month))) * ${draw}) AS INTEGER) END`;
}

/** 0 for users who joined this month; otherwise 1 … 72, longer on longer contracts (real means 18 / 42 / 57). */
function monthsActiveSql(): string {
  const u = `sf_draw(user_index, ${LIFETIME}, 'months_active')`;
  const share = `CASE contract_type WHEN 'Month-to-month' THEN ${u} * ${u} * ${u}
                                    WHEN 'One year' THEN ${u} * (3 - ${u}) / 2
                                    ELSE 1 - (1 - ${u}) * (1 - ${u}) * (1 - ${u}) END`;
  return `CASE WHEN join_month > 0 THEN 0
               ELSE 1 + CAST(floor(${SUBSCRIPTIONS.maxMonthsActive} * (${share})) AS INTEGER) END`;
}

function monthlyFeeCentsSql(): string {
  const u = `sf_draw(user_index, ${LIFETIME}, 'monthly_fee')`;
  const arms = Object.entries(SUBSCRIPTIONS.feeCents).map(
    ([service, [low, high]]) => `WHEN '${service}' THEN ${low} + 5 * CAST(floor(${(high - low) / 5 + 1} * ${u}) AS INTEGER)`,
  );
  return `CASE net_service ${arms.join(' ')} END`;
}

/** NULL exactly when the user has no net service, as in the real exports. */
function streamPlanSql(column: string): string {
  return `CASE WHEN net_service <> 'No'
            THEN sf_draw(user_index, ${LIFETIME}, '${column}') < ${byCategorySql('net_service', SUBSCRIPTIONS.streamShare)} END`;
}

function resolutionHoursSql(): string {
  const u = `sf_draw(user_index, ${LIFETIME}, 'ticket_avg_resolution_hrs_90d')`;
  const { min, steps } = RESOLUTION_TENTHS;
  // (u + u²) / 2 skews toward short resolutions without leaving IEEE-exact arithmetic.
  return `(${min} + CAST(floor(${steps} * (${u} + ${u} * ${u}) / 2) AS INTEGER))::DOUBLE / 10`;
}

/** Picks a category with the given shares by where `unit` falls in [0, 1). */
function categorySql(unit: string, shares: Record<string, number>): string {
  return cumulativeCaseSql(
    unit,
    Object.entries(shares).map(([category, share]) => [`'${category}'`, share]),
  );
}

/** `CASE column WHEN 'a' THEN x … END` from a constant table. */
function byCategorySql(column: string, values: Record<string, number>): string {
  const arms = Object.entries(values).map(([category, value]) => `WHEN '${category}' THEN ${value}`);
  return `CASE ${column} ${arms.join(' ')} END`;
}

/** Draws a count whose probability of being `k` is `weights[k]`, by inverting the CDF at `unit`. */
function inverseCdfSql(unit: string, weights: readonly number[]): string {
  return cumulativeCaseSql(
    unit,
    weights.map((weight, count) => [String(count), weight]),
  );
}

/** `CASE WHEN unit < F1 THEN v1 WHEN unit < F2 THEN v2 … ELSE vn END`, F the cumulative normalised weights. */
function cumulativeCaseSql(unit: string, outcomes: ReadonlyArray<readonly [sqlValue: string, weight: number]>): string {
  const total = outcomes.reduce((sum, [, weight]) => sum + weight, 0);
  const arms: string[] = [];
  let cumulative = 0;
  for (const [value, weight] of outcomes.slice(0, -1)) {
    cumulative += weight / total;
    arms.push(`WHEN ${unit} < ${cumulative} THEN ${value}`);
  }
  return `CASE ${arms.join(' ')} ELSE ${outcomes[outcomes.length - 1][0]} END`;
}

/** Poisson(mean) probabilities of 0 … max, the tail beyond max folded into max. */
function truncatedPoisson(mean: number, max: number): number[] {
  const weights: number[] = [];
  let probability = Math.exp(-mean);
  for (let k = 0; k < max; k++) {
    weights.push(probability);
    probability *= mean / (k + 1);
  }
  weights.push(1 - weights.reduce((sum, weight) => sum + weight, 0));
  return weights;
}

/**
 * A count at `month`, as a birth–death chain: drawn from the stationary shares in the
 * user's first month, then each later month it may step one up or down. Replaying the
 * chain from the join month makes the value a pure function of (seed, user, month).
 */
function countWalkSql(column: string, month: number, walk: CountWalk): string {
  const start = inverseCdfSql(`sf_draw(user_index, join_month, '${column}.start')`, walk.stationary);
  const steps = `list_transform(range(join_month + 1, ${month + 1}), lambda m: sf_draw(user_index, m, '${column}'))`;
  return `CAST(list_reduce(${steps}, lambda state, u: ${walkStepSql(walk)}, (${start})::DOUBLE) AS INTEGER)`;
}

/** The chain's step for uniform `u`: down when u < down[k], up when u >= 1 - up[k]. */
function walkStepSql(walk: CountWalk): string {
  const { up, down } = walkTransitions(walk);
  const arms: string[] = [];
  up.forEach((probability, count) => {
    if (down[count] > 0) arms.push(`WHEN state = ${count} AND u < ${down[count]} THEN ${count - 1}`);
    if (probability > 0) arms.push(`WHEN state = ${count} AND u >= ${1 - probability} THEN ${count + 1}`);
  });
  return `CASE ${arms.join(' ')} ELSE state END`;
}

/**
 * Step probabilities that keep `stationary` stationary (detailed balance: the flow k → k+1
 * equals the flow back) and move `monthlyChange` of all users per month. The flow between
 * neighbours is proportional to the smaller of their shares, so no step probability is large.
 */
function walkTransitions(walk: CountWalk): { up: number[]; down: number[] } {
  const { stationary, monthlyChange } = walk;
  const neighbours = stationary.slice(0, -1).map((share, k) => Math.min(share, stationary[k + 1]));
  const scale = monthlyChange / (2 * neighbours.reduce((sum, x) => sum + x, 0));
  const up = stationary.map((share, k) => (k < neighbours.length ? (scale * neighbours[k]) / share : 0));
  const down = stationary.map((share, k) => (k > 0 ? (scale * neighbours[k - 1]) / share : 0));
  return { up, down };
}
