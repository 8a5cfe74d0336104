// Expectation configurations, named and shaped as in Great Expectations so a GE user
// can read a suite at a glance. Each type (its kwargs, sentence, SQL, verdict) is one
// module of expectations/ (registry.ts lists them); validate/ compiles each config to a
// single SQL query.
import type { ExpectationType, KwargsOf } from './expectations/definition';
import type { Severity } from './expectations/terms';

export type { ExpectationType } from './expectations/definition';
export type { Comparison, LibraryMetric, Operator, Severity } from './expectations/terms';

export type ExpectationConfig = {
  [K in ExpectationType]: {
    readonly type: K;
    readonly kwargs: KwargsOf<K>;
    /** The rule's ODCS `name` and why it exists (its `description`): shown in the report next to a failure. */
    readonly meta?: { readonly name?: string; readonly notes?: string };
  };
}[ExpectationType];

/**
 * A check load makes before any suite runs (load/index.ts LOAD_CHECKS: the file exists,
 * its header holds the contract's columns, its rows are well-formed CSV, its values
 * parse). Each problem it finds is reported as a failed result of that check, with what
 * load saw (`detail`) where a suite's expectation has its kwargs.
 */
export interface LoadCheckConfig {
  /** The check's rule, named as an expectation type (some share a suite expectation's name). */
  readonly type: string;
  readonly kwargs: { readonly column?: string; readonly detail?: string };
  readonly meta?: undefined;
}

/** What a validation result was checked against: a suite's expectation, or a load check. */
export type CheckConfig = ExpectationConfig | LoadCheckConfig;

export function expect<K extends ExpectationType>(type: K, kwargs: KwargsOf<K>, notes?: string): ExpectationConfig {
  return { type, kwargs, meta: notes ? { notes } : undefined } as ExpectationConfig;
}

export function severityOf(config: ExpectationConfig): Severity {
  return config.kwargs.severity ?? 'error';
}

export function columnOf(config: ExpectationConfig): string | undefined {
  return 'column' in config.kwargs ? config.kwargs.column : undefined;
}

/**
 * Expectation ids: `<table>.<NN>.<type>` for the suite's NN-th expectation, and
 * `<table>.load<NN>.<type>` for the NN-th problem load found in the table. Load stages
 * rows under its id and validate reports the problem under it, so the two meet in
 * meta.validation_failures and meta.validation_results.
 */
export function expectationId(table: string, index: number, type: string, stage: 'suite' | 'load' = 'suite'): string {
  return `${table}.${stage === 'load' ? 'load' : ''}${String(index).padStart(2, '0')}.${type}`;
}
