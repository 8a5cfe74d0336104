// The rows a training set is built for: one per user of the labels snapshot at an as_of,
// or the caller's entity file (CSV or Parquet with user_id and event_timestamp, and
// optionally churn_label). Loaded into the engine as table `entity_rows`, numbered in the
// order the rows come out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SnapshotEntry } from '../artifacts';
import { LABEL } from '../contract/features';
import { type Engine, quoteIdent, quoteLiteral } from '../engine/duckdb';
import { formatProblem, InvocationError } from '../errors';
import type { WarehouseLayout } from '../warehouse/layout';

export type EntitySource = { readonly asOf: string } | { readonly file: string };

export interface EntityRows {
  readonly rows: number;
  /** The entity file carried churn_label: those labels are used as they are. */
  readonly labelled: boolean;
}

export const ENTITY_TABLE = 'entity_rows';

/** One row per user frozen in the labels snapshot at `asOf`, its event_timestamp that as_of (a DATE). */
async function loadAsOfEntities(engine: Engine, layout: WarehouseLayout, manifest: readonly SnapshotEntry[], asOf: string): Promise<EntityRows> {
  const labels = manifest.filter((entry) => entry.table_name === LABEL.table);
  const frozen = labels.find((entry) => entry.as_of === asOf);
  if (!frozen) {
    const known = labels.map((entry) => entry.as_of).join(', ') || 'none yet';
    throw new InvocationError(`--as-of ${asOf}: no ${LABEL.table} snapshot at that as_of (frozen: ${known}); use --entities for other dates`);
  }
  await engine.run(
    `CREATE TABLE ${ENTITY_TABLE} AS
     SELECT row_number() OVER (ORDER BY "user_id") AS entity_row, "user_id", "as_of" AS event_timestamp
     FROM read_parquet(${quoteLiteral(path.join(layout.root, frozen.path))})`,
  );
  return { rows: frozen.rows, labelled: false };
}

/** The reader for an entity file by its extension; CSV fields are read as text and parsed below, never guessed. */
function entityReaderSql(file: string): { sql: string; firstLine: number } {
  switch (path.extname(file).toLowerCase()) {
    case '.csv':
      return { sql: `read_csv(${quoteLiteral(file)}, header = true, all_varchar = true)`, firstLine: 2 };
    case '.parquet':
      return { sql: `read_parquet(${quoteLiteral(file)})`, firstLine: 1 };
    default:
      throw new InvocationError(`--entities ${file}: expected a .csv or .parquet file`);
  }
}

/** Rows of `entity_input` where `failing` holds, as an invocation error naming lines and values. */
async function rejectRows(engine: Engine, file: string, firstLine: number, column: string, rule: string, failing: string): Promise<void> {
  const [found] = await engine.rows<{ count: number; samples: { line: number; value: string | null; user_id: string | null }[] }>(
    `SELECT count(*) AS count,
            coalesce(list({'line': rowid + ${firstLine}, 'value': ${quoteIdent(column)}::VARCHAR, 'user_id': "user_id"::VARCHAR} ORDER BY rowid)[1:5], []) AS samples
     FROM entity_input WHERE ${failing}`,
  );
  if (found.count > 0) {
    throw new InvocationError(`--entities ${file}: ${formatProblem({ table: 'entities', column, rule, count: found.count, samples: found.samples })}`);
  }
}

async function loadFileEntities(engine: Engine, file: string): Promise<EntityRows> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new InvocationError(`--entities ${file}: file not found`);
  const reader = entityReaderSql(file);
  await engine.run(`CREATE TABLE entity_input AS SELECT * FROM ${reader.sql}`).catch((error: Error) => {
    throw new InvocationError(`--entities ${file}: cannot be read: ${error.message}`);
  });
  const columns = (await engine.rows<{ column_name: string }>('SELECT column_name FROM (DESCRIBE entity_input)')).map((row) => row.column_name);
  const missing = ['user_id', 'event_timestamp'].filter((column) => !columns.includes(column));
  if (missing.length > 0) throw new InvocationError(`--entities ${file}: no column ${missing.join(' or ')} (columns: ${columns.join(', ')})`);
  const labelled = columns.includes(LABEL.column);
  const label = quoteIdent(LABEL.column);
  await rejectRows(engine, file, reader.firstLine, 'user_id', 'not_null', '"user_id" IS NULL');
  await rejectRows(engine, file, reader.firstLine, 'event_timestamp', 'parses_as_timestamp', 'TRY_CAST("event_timestamp" AS TIMESTAMP) IS NULL');
  if (labelled) await rejectRows(engine, file, reader.firstLine, LABEL.column, 'parses_as_boolean', `TRY_CAST(${label} AS BOOLEAN) IS NULL`);
  await engine.run(
    `CREATE TABLE ${ENTITY_TABLE} AS
     SELECT rowid + 1 AS entity_row, "user_id"::VARCHAR AS "user_id", CAST("event_timestamp" AS TIMESTAMP) AS event_timestamp
            ${labelled ? `, CAST(${label} AS BOOLEAN) AS ${label}` : ''}
     FROM entity_input`,
  );
  const [{ rows }] = await engine.rows<{ rows: number }>(`SELECT count(*) AS rows FROM ${ENTITY_TABLE}`);
  return { rows, labelled };
}

export function loadEntities(engine: Engine, layout: WarehouseLayout, manifest: readonly SnapshotEntry[], source: EntitySource): Promise<EntityRows> {
  return 'asOf' in source ? loadAsOfEntities(engine, layout, manifest, source.asOf) : loadFileEntities(engine, source.file);
}
