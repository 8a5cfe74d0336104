// validate: run every table's expectation suite on the staged month and shape the
// outcome as a Great Expectations validation result. Writes nothing but staging tables.
// May import: base, contract, artifacts, config, engine, warehouse, load (the layer rule, .dependency-cruiser.cjs).
import type { ExpectationResult, UnexpectedIndex } from '../artifacts';
import { type Contract, tableOf } from '../contract/contract';
import { describeExpectation } from '../contract/describe';
import { columnOf, type ExpectationConfig, expectationId, type Severity, severityOf } from '../contract/expectations';
import { definitionOf } from '../contract/expectations/registry';
import { sqlQueryResultToSatisfy } from '../contract/expectations/sql-query-result-to-satisfy';
import type { TableSpec } from '../contract/tables';
import { type Engine, quoteIdent } from '../engine/duckdb';
import { formatProblem, InvocationError, type Problem } from '../errors';
import { formatNumber } from '../format';
import { liveColumns } from '../warehouse/catalog';
import { stageFailures } from '../warehouse/failures';
import { type CompileContext, type CompiledExpectation, compileExpectation, definitionOfConfig } from './compile';
import { type KeyCensus, takeKeyCensus } from './keys';
import { type MonthOptions, settleTableMetrics } from './metrics';
import { readPreviousMonth } from './metrics/drift';
import { metricsAggregate, stagedRelation } from './metrics/profile';
import type { MonthMetrics } from './metrics/shape';
import { stageMetrics } from './metrics/staging';

export { EXACT_ROWS, SAMPLE_EVERY } from './metrics/profile';
export type { ColumnMetrics, EstimatedFigure, MonthMetrics } from './metrics/shape';
export { COLUMN_METRICS_TABLE, TABLE_METRICS_TABLE } from './metrics/staging';

export interface ValidationOutcome {
  readonly results: readonly ExpectationResult[];
  /** The month's metrics and their comparison with the previous frozen month (staged for record). */
  readonly metrics: MonthMetrics;
  /** Failed expectations of severity error: the run must stop. */
  readonly errors: readonly ExpectationResult[];
  readonly warnings: readonly ExpectationResult[];
}

/** The month's as_of and what it is compared with: the live tables, or the state before it (MonthOptions). */
export type ValidateOptions = MonthOptions;

/**
 * Runs every suite on the staged month (after loadMonth, which starts the run's failure
 * list). One scan per staged table answers both its expectations' summaries and its
 * metrics (metrics.ts), two tables at a time; the month-over-month expectations then
 * read the staged metrics.
 */
export async function validateMonth(
  engine: Engine,
  contract: Contract,
  options: ValidateOptions,
  onProgress: (tablesDone: number, tablesTotal: number, table: string) => void = () => undefined,
): Promise<ValidationOutcome> {
  const census = await takeKeyCensus(engine, contract.tables);
  const live = options.liveAttached ? await liveColumns(engine) : new Map<string, Map<string, string>>();
  const context: CompileContext = {
    relation: stagedRelation,
    tables: contract.tables.map((table) => table.name),
    liveRelation: (table) => (options.before ? options.before.get(table) : liveRelation(tableOf(contract, table), live.get(table))),
    keyOf: (table) => tableOf(contract, table).key,
    keyCensus: (table) => census.get(table),
    asOf: options.asOf,
  };
  const plans = contract.tables.map((table) => ({ table, planned: planSuite(table.name, table.expectations, context) }));
  // The contract's own SQL (sql rules) is parsed and bound before anything runs.
  for (const { planned } of plans) for (const expectation of planned) await checkRuleQuery(engine, expectation);
  const previous = await readPreviousMonth(engine, options);
  let done = 0;
  // The tables' scans read only what is staged and committed: two run side by side.
  const scanned = await engine.concurrently(plans, async (connection, { table, planned }) => {
    onProgress(done, contract.tables.length, table.name);
    const scan = await scanTable(connection, table, planned, census.get(table.name));
    const metrics = await settleTableMetrics(connection, table, scan.metrics, previous, options);
    done += 1;
    return { table, planned, summaries: scan.summaries, metrics };
  });
  const columns = scanned.flatMap(({ metrics }) => metrics.columns);
  const tables = scanned.map(({ metrics }) => metrics.table);
  const metrics = await stageMetrics(engine, { columns, tables, previous: previous.columns });
  // What the scans could not settle runs its own query (a comparison with the live table
  // or the previous month, a failing rule's samples): independent reads, two at a time.
  const checks: Check[] = scanned.flatMap(({ table, planned, summaries }) =>
    planned.map((expectation, index) => ({ table: table.name, expectation, summary: summaries[index] })),
  );
  const unsettled = checks.filter((check) => !settles(check));
  const answered = new Map(
    await engine.concurrently(unsettled, async (connection, check) => [check, await runExpectation(connection, check.expectation)] as const),
  );
  const results: ExpectationResult[] = [];
  for (const check of checks) {
    const { id, config, compiled } = check.expectation;
    const result = judge(check.table, check.expectation, answered.get(check) ?? check.summary!);
    if (!result.success && compiled.unexpectedRowsSql) {
      await stageFailures(engine, { expectationId: id, table: check.table, column: columnOf(config) }, compiled.unexpectedRowsSql, compiled.params);
    }
    results.push(result);
  }
  onProgress(contract.tables.length, contract.tables.length, '');
  return {
    results,
    metrics,
    // A failed info rule is reported and is neither: it stops nothing and warns of nothing.
    errors: results.filter((result) => !result.success && result.meta.severity === 'error'),
    warnings: results.filter((result) => !result.success && result.meta.severity === 'warn'),
  };
}

/** A table's suite compiled, each expectation with its id. */
function planSuite(table: string, expectations: readonly ExpectationConfig[], context: CompileContext): PlannedExpectation[] {
  return expectations.map((config, index) => ({
    id: expectationId(table, index, config.type),
    config,
    compiled: compileExpectation(table, config, context, `e${index}_`),
  }));
}

/**
 * One table's expectations on their own, as validateMonth settles them: each summary from
 * one scan of the staged table, and the full query where that does not settle it. For
 * tests and one-off checks; no failures are staged and no metrics taken.
 */
export async function validateExpectations(
  engine: Engine,
  table: string,
  expectations: readonly ExpectationConfig[],
  context: CompileContext,
): Promise<ExpectationResult[]> {
  const planned = planSuite(table, expectations, context);
  for (const expectation of planned) await checkRuleQuery(engine, expectation);
  const summaries = planned.flatMap(({ compiled }, index) => (compiled.summary ? [`${compiled.summary} AS s${index}`] : []));
  const [row] =
    summaries.length > 0
      ? await engine.rows(
          `SELECT ${summaries.join(', ')} FROM ${context.relation(table)}`,
          Object.assign({}, ...planned.filter(({ compiled }) => compiled.summary).map(({ compiled }) => compiled.params)),
        )
      : [{}];
  const results: ExpectationResult[] = [];
  for (const [index, expectation] of planned.entries()) {
    const check: Check = { table, expectation, summary: row[`s${index}`] as Record<string, unknown> | undefined };
    results.push(judge(table, expectation, settles(check) ? check.summary! : await runExpectation(engine, expectation)));
  }
  return results;
}

/** The expectation's full query; an error in a sql rule's query is the contract's, named by its rule. */
async function runExpectation(engine: Engine, expectation: PlannedExpectation): Promise<Record<string, unknown>> {
  const { compiled, config } = expectation;
  try {
    const [row] = await engine.rows(compiled.sql, compiled.params);
    return row;
  } catch (error) {
    if (config.type !== sqlQueryResultToSatisfy.type) throw error;
    throw ruleQueryError(expectation, firstLine((error as Error).message).replace(/^Invalid Input Error: (?=returns )/, 'its query '));
  }
}

const firstLine = (text: string) => text.split('\n')[0];

/**
 * A sql rule's query (contract/expectations/sql-query-result-to-satisfy.ts) parsed and bound, not run: it must be one
 * SELECT statement. A query that ends the subquery it is embedded in to add statements of
 * its own is refused here, before any of them runs (the driver runs every statement of a
 * text but the last); one that is no SELECT (DELETE, CREATE, COPY…) does not even parse.
 */
async function checkRuleQuery(engine: Engine, expectation: PlannedExpectation): Promise<void> {
  if (expectation.config.type !== sqlQueryResultToSatisfy.type) return;
  const query = expectation.config.kwargs.query;
  const types = await engine.statementTypes(expectation.compiled.sql).catch((error: Error) => {
    const keyword = /^\s*([A-Za-z]+)/.exec(query)?.[1]?.toUpperCase();
    const statement =
      keyword && !['SELECT', 'WITH', 'FROM', 'VALUES'].includes(keyword)
        ? `it is a ${keyword} statement, not a SELECT (${firstLine(error.message)})`
        : undefined;
    throw ruleQueryError(expectation, statement ?? firstLine(error.message));
  });
  if (types.length !== 1 || types[0] !== 'SELECT') {
    throw ruleQueryError(expectation, `it makes ${types.length} statements of the text it is embedded in (${types.join(', ')}), not one SELECT`);
  }
}

/** A contract error naming the sql rule: exit 2, nothing written (the month is not judged on a broken rule). */
function ruleQueryError({ id, config }: PlannedExpectation, reason: string): InvocationError {
  const name = config.meta?.name ? `"${config.meta.name}" ` : '';
  const query = (config.kwargs as { query?: string }).query ?? '';
  return new InvocationError(
    `contract: the sql rule ${name}(${id}) cannot run: ${reason}. A sql rule's query is one read-only SELECT returning one number; it reads: ${query.replace(/\s+/g, ' ').trim()}`,
  );
}

/**
 * A live table with the contract's columns: itself, or (under `validate`, which changes
 * nothing, with a contract a later run has not applied yet) a column it lacks read as
 * NULL; undefined without a live table.
 */
function liveRelation(table: TableSpec, columns: ReadonlyMap<string, string> | undefined): string | undefined {
  if (columns === undefined) return undefined;
  const name = `wh.main.${quoteIdent(table.name)}`;
  if (table.columns.every((column) => columns.has(column.name))) return name;
  const projected = table.columns.map((column) => (columns.has(column.name) ? quoteIdent(column.name) : `NULL::${column.type} AS ${quoteIdent(column.name)}`));
  return `(SELECT ${projected.join(', ')} FROM ${name})`;
}

interface Check {
  readonly table: string;
  readonly expectation: PlannedExpectation;
  readonly summary: Record<string, unknown> | undefined;
}

/**
 * A summary settles its expectation unless it lacks a count, or the expectation names its
 * unexpected rows (samples, the failures table) and the summary counts some or its
 * verdict fails: the full query then runs, for those rows.
 */
function settles({ table, expectation, summary }: Check): boolean {
  if (summary === undefined || summary.unexpected_count === null) return false;
  if (!expectation.compiled.unexpectedRowsSql) return true;
  return Number(summary.unexpected_count) === 0 && judge(table, expectation, summary).success;
}

interface PlannedExpectation {
  readonly id: string;
  readonly config: ExpectationConfig;
  readonly compiled: CompiledExpectation;
}

/**
 * One scan of the staged table answers every expectation that has a summary and computes
 * the table's metrics (measured on 1M rows: a scan per expectation cost ~10 s a month;
 * the metrics in scans of their own another 3.3 s). Only a failing row-level rule, or
 * one whose summary cannot settle it, runs its own query afterwards, for samples.
 */
async function scanTable(
  engine: Engine,
  table: TableSpec,
  planned: readonly PlannedExpectation[],
  census: KeyCensus | undefined,
): Promise<{ summaries: (Record<string, unknown> | undefined)[]; metrics: Record<string, unknown>[] }> {
  const summaries = planned.flatMap(({ compiled }, index) => (compiled.summary ? [`${compiled.summary} AS s${index}`] : []));
  const [row] = await engine.rows(
    `SELECT ${[...summaries, `${await metricsAggregate(engine, table, census)} AS _metrics`].join(', ')} FROM ${stagedRelation(table.name)}`,
    Object.assign({}, ...planned.filter(({ compiled }) => compiled.summary).map(({ compiled }) => compiled.params)),
  );
  return {
    summaries: planned.map((_, index) => row[`s${index}`] as Record<string, unknown> | undefined),
    metrics: row._metrics as Record<string, unknown>[],
  };
}

function judge(table: string, { id, config, compiled }: PlannedExpectation, row: Record<string, unknown>): ExpectationResult {
  const elementCount = Number(row.element_count);
  const missingCount = Number(row.missing_count);
  const unexpectedCount = Number(row.unexpected_count);
  // Each names its row by the key's columns (warehouse/keys.ts keyStructSql): spread beside the line, `{customer_id, line}` for a one-column key.
  const samples = (row.samples as { key: Record<string, string | null> | null; value: string | null; line: string | number }[]) ?? [];
  const { verdict } = definitionOfConfig(config);
  // A NULL figure leaves nothing to judge, but for the rules held against an ODCS operator, which it fails.
  const observed = row.observed_value ?? (verdict.by === 'observed value' && verdict.nullFails ? null : undefined);
  const denominator = compiled.ignoresNulls ? elementCount - missingCount : elementCount;
  const unexpectedPercent = denominator > 0 ? (100 * unexpectedCount) / denominator : 0;
  const mostly = config.kwargs.mostly ?? 1;
  const success =
    observed === undefined || verdict.by === 'unexpected rows'
      ? unexpectedPercent / 100 <= 1 - mostly + 1e-12 && (mostly < 1 || unexpectedCount === 0)
      : verdict.holds(config.kwargs, observed);
  return {
    expectation_config: { ...config, id },
    success,
    result: {
      element_count: elementCount,
      missing_count: missingCount,
      unexpected_count: unexpectedCount,
      unexpected_percent: unexpectedPercent,
      partial_unexpected_list: samples.map((sample) => sample.value),
      partial_unexpected_index_list: samples.map((sample) => ({ ...sample.key, line: Number(sample.line) })),
      ...(observed === undefined ? {} : { observed_value: observed }),
    },
    meta: { table, column: columnOf(config), severity: success ? severityOf(config) : failedSeverity(config, observed) },
  };
}

/** A month-over-month figure above its severe bound fails as an error, whatever the expectation's own severity. */
function failedSeverity(config: ExpectationConfig, observed: unknown): Severity {
  const severe = 'severe_max_value' in config.kwargs ? config.kwargs.severe_max_value : undefined;
  const value = (observed as { value?: unknown } | undefined)?.value;
  return severe !== undefined && typeof value === 'number' && value > severe ? 'error' : severityOf(config);
}

/**
 * What a failed aggregate saw, worded for a person: a share of distinct values as the count
 * of them in the rows it was taken over ("1 distinct value in 7,043 rows"), any other number
 * to three significant digits below 1 and two decimals above; the exact figure stays in
 * validation.json's observed_value.
 */
function observedText(result: ExpectationResult): string | undefined {
  const observed = result.result.observed_value;
  if (observed === undefined) return undefined;
  const rows = result.result.element_count - result.result.missing_count;
  const worded = definitionOf(result.expectation_config.type)?.wording.finding?.(observed, rows);
  if (worded !== undefined) return worded;
  return `observed ${typeof observed === 'number' ? formatNumber(observed) : JSON.stringify(observed)}`;
}

/** The problems of failed expectations, for the error message (samples capped at five). */
export function problemsOf(results: readonly ExpectationResult[]): Problem[] {
  return results.map((result) => {
    const observed = observedText(result);
    // A rule the contract named (ODCS `name`) is called by its name too: that is what its author looks for.
    const name = result.expectation_config.meta?.name;
    return {
      table: result.meta.table,
      column: result.meta.column,
      rule: name ? `${result.expectation_config.type} (${name})` : result.expectation_config.type,
      count: result.result.unexpected_count || undefined,
      percent: result.result.unexpected_count ? result.result.unexpected_percent : undefined,
      samples: result.result.partial_unexpected_index_list.slice(0, 5).map((index, position) => ({
        line: index.line,
        key: keyOfIndex(index),
        value: result.result.partial_unexpected_list[position] ?? null,
      })),
      detail: [describeExpectation(result.expectation_config), observed].filter(Boolean).join('; ') || undefined,
    };
  });
}

/** A failed expectation, named in one line: table.column, rule, figure (count or observed value), samples. */
export interface Finding {
  readonly severity: Severity;
  readonly expectation_id: string;
  readonly table: string;
  readonly column: string | null;
  readonly rule: string;
  readonly message: string;
}

const SEVERITY_ORDER: readonly Severity[] = ['error', 'warn', 'info'];

/** Every failed expectation of a run, errors before warnings before info, in suite order within each. */
export function findingsOf(results: readonly ExpectationResult[]): Finding[] {
  const failed = results.filter((result) => !result.success);
  return SEVERITY_ORDER.flatMap((severity) => failed.filter((result) => result.meta.severity === severity)).map((result) => ({
    severity: result.meta.severity,
    expectation_id: result.expectation_config.id,
    table: result.meta.table,
    column: result.meta.column ?? null,
    rule: result.expectation_config.type,
    message: formatProblem(problemsOf([result])[0]),
  }));
}

/**
 * Load problems (missing file, drift, malformed rows, unparseable values) as failed
 * expectation results, so one report shape covers both stages; each one's config is a
 * load check (contract/expectations.ts LoadCheckConfig: its rule, from load/index.ts
 * LOAD_CHECKS, and what load saw), its id the one load staged its rows under.
 */
export function resultsFromLoadProblems(problems: readonly Problem[]): ExpectationResult[] {
  const seenPerTable = new Map<string, number>();
  return problems.map((problem) => {
    const table = problem.table ?? 'month';
    const index = seenPerTable.get(table) ?? 0;
    seenPerTable.set(table, index + 1);
    const samples = problem.samples ?? [];
    return {
      expectation_config: {
        id: expectationId(table, index, problem.rule, 'load'),
        type: problem.rule,
        kwargs: { column: problem.column, detail: problem.detail },
      },
      success: false,
      result: {
        element_count: 0,
        missing_count: 0,
        unexpected_count: problem.count ?? 0,
        unexpected_percent: problem.percent ?? 0,
        partial_unexpected_list: samples.map((sample) => sample.value),
        partial_unexpected_index_list: samples.map((sample) => ({ ...sample.key, line: sample.line })),
      },
      meta: { table: problem.table ?? '', column: problem.column, severity: 'error' },
    };
  });
}

/** The key columns of an unexpected index (all but its line). */
function keyOfIndex(index: UnexpectedIndex): Record<string, string | null> {
  const { line: _line, ...key } = index;
  return key as Record<string, string | null>;
}
