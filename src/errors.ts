// One error hierarchy; each class carries its context and maps to an exit code of SPEC §2.

export interface SampleValue {
  /** Line in the CSV file (the header is line 1). */
  readonly line: number;
  readonly value: string | null;
  /** The row's key, column by column (as text), when it has one. */
  readonly key?: Readonly<Record<string, string | null>> | null;
}

export interface Problem {
  readonly table?: string;
  readonly column?: string;
  readonly rule: string;
  readonly count?: number;
  readonly percent?: number;
  readonly samples?: readonly SampleValue[];
  readonly detail?: string;
}

export abstract class StreamflowError extends Error {
  abstract readonly exitCode: number;
  abstract readonly kind: string;
}

/** Exit 2: bad arguments; nothing was written. */
export class InvocationError extends StreamflowError {
  readonly exitCode = 2;
  readonly kind = 'invalid_invocation';
}

/** Exit 1: the month's data was rejected; live tables and snapshots are unchanged. */
export class DataRejectedError extends StreamflowError {
  readonly exitCode = 1;
  readonly kind = 'data_rejected';
  constructor(readonly problems: readonly Problem[]) {
    super(formatProblems(problems));
  }
}

/**
 * Exit 1: a result that would be empty, such as a training set of no rows: data that cannot
 * serve the request, said instead of written silently (kind data_rejected, as the error
 * object's kinds are pinned in schemas/error/2.0.json).
 */
export class EmptyResultError extends StreamflowError {
  readonly exitCode = 1;
  readonly kind = 'data_rejected';
}

/** Exit 3: refused to alter history, or another run holds the warehouse. */
export class RefusedError extends StreamflowError {
  readonly exitCode = 3;
  readonly kind = 'refused';
}

/**
 * Exit 3: another process holds the warehouse database (DuckDB's file lock) past the wait: a
 * notebook, a DuckDB shell or client, a long stream of the library API. DuckDB names the
 * holder's program and PID in its error; both are kept (null when it did not say).
 */
export class WarehouseHeldError extends RefusedError {
  constructor(
    readonly database: string,
    readonly holderPid: number | null,
    readonly holderProgram: string | null,
    readonly waitedMs: number,
  ) {
    super(
      `${database} is held by another process${holderPid === null ? '' : `, PID ${holderPid}`}${holderProgram === null ? '' : ` (${holderProgram})`}; ` +
        `waited ${(waitedMs / 1000).toFixed(1)} s for it. A DuckDB connection left open on the file (a notebook, the duckdb shell, a script) ` +
        "blocks a run: close it and run again. streamflow's own readers and its library API hold the file only while a call runs, " +
        'and warehouse/catalog.duckdb reads the committed snapshots without holding it at all.',
    );
  }
}

/**
 * Exit 70 without a stack trace: the machine refused what the tool had to do (a full
 * disk, a file system that turned read-only) through no bug of its own. Nothing
 * committed was changed; the message names the file and what to do.
 */
export class EnvironmentError extends StreamflowError {
  readonly exitCode = 70;
  readonly kind = 'internal';
}

/** Longest sample value a message shows: a raw line after an unterminated quote can hold the rest of the file. */
const SAMPLE_CHARS = 120;

function sampleText(value: string | null): string {
  if (value === null) return 'NULL';
  return JSON.stringify(value.length > SAMPLE_CHARS ? `${value.slice(0, SAMPLE_CHARS)}…` : value);
}

/** ` (7590-VHVEG)`, ` (C001, 17)` for a composite key; empty without one. */
function keyText(key: SampleValue['key']): string {
  const values = Object.values(key ?? {}).filter((value) => value !== null);
  return values.length > 0 ? ` (${values.join(', ')})` : '';
}

export function formatProblem(problem: Problem): string {
  const where = [problem.table, problem.column].filter(Boolean).join('.');
  const count =
    problem.count === undefined
      ? ''
      : `: ${problem.count} row${problem.count === 1 ? '' : 's'}${problem.percent === undefined ? '' : ` (${problem.percent.toFixed(2)} %)`}`;
  const samples = problem.samples?.length
    ? `; e.g. ${problem.samples.map((sample) => `line ${sample.line}${keyText(sample.key)}: ${sampleText(sample.value)}`).join(', ')}`
    : '';
  const detail = problem.detail ? ` — ${problem.detail}` : '';
  return `${where || '(month)'} failed ${problem.rule}${count}${samples}${detail}`;
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map(formatProblem).join('\n');
}

export function exitCodeOf(error: unknown): number {
  return error instanceof StreamflowError ? error.exitCode : 70;
}

/** An error as `--json` prints it: what kind (a StreamflowError's kind, or internal), the message, the exit code. */
export interface ErrorObject {
  readonly kind: string;
  readonly message: string;
  readonly exit_code: number;
}

export function errorObject(error: unknown): ErrorObject {
  return {
    kind: error instanceof StreamflowError ? error.kind : 'internal',
    message: error instanceof Error ? error.message : String(error),
    exit_code: exitCodeOf(error),
  };
}
