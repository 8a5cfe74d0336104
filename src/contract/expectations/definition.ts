// What an expectation type is made of: its kwargs, the sentence a report shows, its SQL
// over the staged month, how the scan's figures settle it, and how a failure is worded.
// One module per type defines all of it (`define`); registry.ts holds every type.

import type { CompiledExpectation, SqlTarget } from './sql';
import type { CommonKwargs } from './terms';

/**
 * The kwargs of each expectation type. Empty here: each type's module adds its own entry
 * (`declare module './definition'`), so a module is a type, and the registry must hold a
 * definition for every entry (registry.ts: a missing one is a compile error).
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by each type's module (declaration merging)
export interface KwargsByType {}

export type ExpectationType = keyof KwargsByType;

/** A type's kwargs with the ones every expectation takes (mostly, severity, row_condition). */
export type KwargsOf<K extends ExpectationType> = KwargsByType[K] & CommonKwargs;

/**
 * How the figures of a scan (or of the full query) settle the expectation:
 * - `unexpected rows`: a row rule, by its count of unexpected rows held against `mostly`;
 * - `observed value`: by `holds` on the observed value (a NULL one, no figure, passes
 *   unless `nullFails`: the ODCS rules held against an operator fail it).
 */
export type Verdict<K extends ExpectationType> =
  | { readonly by: 'unexpected rows' }
  | { readonly by: 'observed value'; holds(kwargs: KwargsOf<K>, observed: unknown): boolean; readonly nullFails?: true };

/** A row rule's verdict: its unexpected rows against `mostly`. */
export const BY_UNEXPECTED_ROWS = { by: 'unexpected rows' } as const;

/** A failed month-over-month figure as the run summary carries it (validate/month-over-month.ts FlaggedComparison). */
export interface FlaggedFigure {
  /** The figure judged; null when it could not be computed. */
  readonly figure: number | null;
  readonly ratio: { readonly of: 'mean' | 'median'; readonly value: number } | null;
  readonly new_values: readonly string[] | null;
}

/** The words of the figure a failed expectation saw, where a type words them its own way. */
export interface Wording {
  /** The terminal's finding: what it observed (`rows`: the non-missing rows it was taken over); undefined: the figure as it is. */
  finding?(observed: unknown, rows: number): string | undefined;
  /** The report's result cell for a non-NULL observed value; undefined: "observed <value>". */
  report?(observed: unknown, result: { readonly success: boolean; readonly kwargs: Record<string, unknown> }): string | undefined;
  /** A flagged month-over-month figure in the run summary: "PSI 0.31". */
  flagged?(flag: FlaggedFigure): string;
}

/**
 * A zod object schema whose output is T. Typed by its output alone: comparing whole zod
 * types costs the compiler about a second a type, this a fraction of it.
 */
export interface KwargsSchema<T> {
  readonly shape: Readonly<Record<string, unknown>>;
  readonly _zod: { readonly output: T };
}

export interface ExpectationDefinition<K extends ExpectationType> {
  readonly type: K;
  /** What its kwargs must be: a `custom` rule of an ODCS contract is checked against it before it is compiled. */
  readonly kwargs: KwargsSchema<KwargsOf<K>>;
  /**
   * The sentence: "values between 0 and 720". Loose kwargs: a load check named like
   * this type (load/index.ts LOAD_CHECKS) carries only a column and a detail, and gets
   * the sentence of what load checked; undefined for a generic one.
   */
  describe(kwargs: Readonly<Record<string, unknown>>, asOf: string | null): string | undefined;
  /** Its SQL over the staged month: the full query, the scan's summary, and for a row rule its failing-rows query. */
  sql(kwargs: KwargsOf<K>, target: SqlTarget): CompiledExpectation;
  readonly verdict: Verdict<K>;
  /** A figure of this month against the previous frozen one (the month over month of a run). */
  readonly comparesMonths: boolean;
  readonly wording: Wording;
}

/** An expectation type: every part is required (a missing one is a compile error), its name declared in KwargsByType. */
export function define<K extends ExpectationType>(type: K, parts: NoInfer<Omit<ExpectationDefinition<K>, 'type'>>): ExpectationDefinition<K> {
  return { type, ...parts };
}
