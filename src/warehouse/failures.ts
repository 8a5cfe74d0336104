// Every unexpected row of a run, not only the samples a message or report shows: load
// (unparseable values, malformed rows) and validate (failed row-level expectations)
// append to one staged table, which record copies to meta.validation_failures.
import type { Engine } from '../engine/duckdb';

export const FAILURES_TABLE = 'staging._unexpected_rows';

export interface FailureSource {
  readonly expectationId: string;
  readonly table: string;
  readonly column?: string;
}

/** Starts the run's (empty) list; load calls it, as the first stage that can find bad rows. */
export async function startFailures(engine: Engine): Promise<void> {
  await engine.run('CREATE SCHEMA IF NOT EXISTS staging');
  await engine.run(
    `CREATE OR REPLACE TABLE ${FAILURES_TABLE} (expectation_id VARCHAR, table_name VARCHAR, column_name VARCHAR, row_key VARCHAR, line BIGINT, value VARCHAR)`,
  );
}

/** Appends every row `rowsSql` selects, as columns (row_key: the key as text, line, value). */
export async function stageFailures(
  engine: Engine,
  source: FailureSource,
  rowsSql: string,
  params: Record<string, string | number | boolean> = {},
): Promise<void> {
  await engine.run(
    `INSERT INTO ${FAILURES_TABLE} BY NAME SELECT $expectation_id AS expectation_id, $table_name AS table_name, $column_name AS column_name, row_key, line, value FROM (${rowsSql})`,
    { ...params, expectation_id: source.expectationId, table_name: source.table, column_name: source.column ?? null },
  );
}
