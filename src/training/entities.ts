// The rows a training set is built for: one per entity of the label table's snapshot at
// an as_of, or the caller's entity file (CSV or Parquet with the entity key's columns and
// event_timestamp, and optionally the label column). In the engine as `entity_rows` (a
// table, or for a file a view of the table it was read into), numbered in the order the rows come out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SnapshotEntry, SnapshotVersion } from '../artifacts';
import { type Contract, tableOf } from '../contract/contract';
import { type Engine, quoteIdent, quoteLiteral } from '../engine/duckdb';
import { formatProblem, InvocationError, type SampleValue } from '../errors';
import { keyListSql, keyStructSql } from '../warehouse/keys';
import type { WarehouseLayout } from '../warehouse/layout';

export type EntitySource = { readonly asOf: string } | { readonly file: string };

export interface EntityRows {
  readonly rows: number;
  /** The entity file carried the label column: those labels are used as they are. */
  readonly labelled: boolean;
  /** Rows whose event_timestamp carried a zone or offset (`Z`, `+05:00`, `-0330`, `Europe/Paris`) and was converted to UTC. */
  readonly convertedToUtc: number;
  /** The label table's snapshot version the rows are the entities of (`--as-of`); null for an entity file. */
  readonly snapshot: SnapshotVersion | null;
}

export const ENTITY_TABLE = 'entity_rows';

/** One row per entity frozen in the label table's snapshot at `asOf`, its event_timestamp that as_of (a DATE). */
async function loadAsOfEntities(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  manifest: readonly SnapshotVersion[],
  asOf: string,
  knownAt: string | undefined,
): Promise<EntityRows> {
  const labelTable = contract.label.table;
  const labels = manifest.filter((entry) => entry.table_name === labelTable);
  const frozen = labels.find((entry) => entry.as_of === asOf);
  if (!frozen) {
    const known = labels.map((entry) => entry.as_of).join(', ') || 'none yet';
    const when = knownAt === undefined ? 'frozen' : `frozen as known at ${knownAt} (--known-at)`;
    throw new InvocationError(`--as-of ${asOf}: no ${labelTable} snapshot at that as_of (${when}: ${known}); use --entities for other dates`);
  }
  await engine.run(
    `CREATE TABLE ${ENTITY_TABLE} AS
     SELECT row_number() OVER (ORDER BY ${keyListSql(contract.entity)}) AS entity_row, ${keyListSql(contract.entity)}, "as_of" AS event_timestamp
     FROM read_parquet(${quoteLiteral(path.join(layout.root, frozen.path))})`,
  );
  return { rows: frozen.rows, labelled: false, convertedToUtc: 0, snapshot: frozen };
}

/**
 * One row per entity of any of `snapshots` (each view table's partition the as_of binds,
 * query/time-travel.ts partitionsAsOf), its event_timestamp `asOf` (a DATE): the entities
 * `serve` answers for, each with what a training set for that date would give it.
 */
export async function loadServedEntities(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  snapshots: readonly SnapshotEntry[],
  asOf: string,
): Promise<number> {
  const key = keyListSql(contract.entity);
  const keyTable = tableOf(contract, contract.label.table);
  const none = `SELECT ${contract.entity.map((column) => `NULL::${keyTable.columns.find((spec) => spec.name === column)!.type} AS ${quoteIdent(column)}`).join(', ')} WHERE false`;
  const entities = snapshots.map((entry) => `SELECT ${key} FROM read_parquet(${quoteLiteral(path.join(layout.root, entry.path))})`).join(' UNION ');
  await engine.run(
    `CREATE TABLE ${ENTITY_TABLE} AS
     SELECT row_number() OVER (ORDER BY ${key}) AS entity_row, ${key}, DATE ${quoteLiteral(asOf)} AS event_timestamp
     FROM (${entities || none})`,
  );
  const [{ rows }] = await engine.rows<{ rows: number }>(`SELECT count(*) AS rows FROM ${ENTITY_TABLE}`);
  return rows;
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
async function rejectRows(engine: Engine, contract: Contract, file: string, firstLine: number, column: string, rule: string, failing: string): Promise<void> {
  const [found] = await engine.rows<{ count: number; samples: SampleValue[] }>(
    `SELECT count(*) AS count,
            coalesce(list({'line': rowid + ${firstLine}, 'value': ${quoteIdent(column)}::VARCHAR, 'key': ${keyStructSql(contract.entity)}} ORDER BY rowid)[1:5], []) AS samples
     FROM entity_input WHERE ${failing}`,
  );
  if (found.count > 0) {
    throw new InvocationError(`--entities ${file}: ${formatProblem({ table: 'entities', column, rule, count: found.count, samples: found.samples })}`);
  }
}

/**
 * A text timestamp that names its zone: a time of day followed by `Z`, an offset (`+05:00`,
 * `-0330`, `+05`) or a zone name (`UTC`, `CET`, `America/New_York`), as ISO 8601 and
 * DuckDB write them. Plain `YYYY-MM-DD` or `YYYY-MM-DD hh:mm:ss` has none.
 */
const ZONE_SUFFIX = '[0-9]:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?\\s*([zZ]|[+-][0-9]|[A-Za-z])';

/**
 * event_timestamp as a TIMESTAMP in UTC, and whether the row's value carried a zone. A
 * timestamp with a zone or offset is that instant in UTC (`2024-02-29T01:00:00+05:00` is
 * 2024-02-28 20:00 UTC: February 28th's features, not the 29th's); one without is taken as
 * UTC already, whatever the machine's zone; a TIMESTAMPTZ column (Parquet) is converted.
 */
function eventTimestampSql(type: string): { value: string; zoned: string } {
  const column = quoteIdent('event_timestamp');
  if (type === 'TIMESTAMP WITH TIME ZONE') return { value: `(${column} AT TIME ZONE 'UTC')`, zoned: `${column} IS NOT NULL` };
  if (type !== 'VARCHAR') return { value: `TRY_CAST(${column} AS TIMESTAMP)`, zoned: 'false' };
  const zoned = `coalesce(regexp_matches(${column}, '${ZONE_SUFFIX}'), false)`;
  return { value: `CASE WHEN ${zoned} THEN TRY_CAST(${column} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' ELSE TRY_CAST(${column} AS TIMESTAMP) END`, zoned };
}

async function loadFileEntities(engine: Engine, contract: Contract, file: string): Promise<EntityRows> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new InvocationError(`--entities ${file}: file not found`);
  const reader = entityReaderSql(file);
  await engine.run(`CREATE TABLE entity_input AS SELECT * FROM ${reader.sql}`).catch((error: Error) => {
    throw new InvocationError(`--entities ${file}: cannot be read: ${error.message}`);
  });
  const described = await engine.rows<{ column_name: string; column_type: string }>('SELECT column_name, column_type FROM (DESCRIBE entity_input)');
  const columns = described.map((row) => row.column_name);
  const missing = [...contract.entity, 'event_timestamp'].filter((column) => !columns.includes(column));
  if (missing.length > 0) throw new InvocationError(`--entities ${file}: no column ${missing.join(' or ')} (columns: ${columns.join(', ')})`);
  const labelTable = tableOf(contract, contract.label.table);
  const typeOf = (column: string) => labelTable.columns.find((spec) => spec.name === column)!.type;
  const typed = (column: string) => `TRY_CAST(${quoteIdent(column)} AS ${typeOf(column)})`;
  const labelled = columns.includes(contract.label.column);
  const label = contract.label.column;
  const timestamp = eventTimestampSql(described.find((row) => row.column_name === 'event_timestamp')!.column_type);
  for (const column of contract.entity) {
    await rejectRows(engine, contract, file, reader.firstLine, column, `parses_as_${typeOf(column).toLowerCase()}`, `${typed(column)} IS NULL`);
  }
  await rejectRows(engine, contract, file, reader.firstLine, 'event_timestamp', 'parses_as_timestamp', `${timestamp.value} IS NULL`);
  if (labelled) await rejectRows(engine, contract, file, reader.firstLine, label, `parses_as_${typeOf(label).toLowerCase()}`, `${typed(label)} IS NULL`);
  // A view: the typed rows are read where they are needed, not written once more.
  await engine.run(
    `CREATE VIEW ${ENTITY_TABLE} AS
     SELECT rowid + 1 AS entity_row, ${contract.entity.map((column) => `${typed(column)} AS ${quoteIdent(column)}`).join(', ')}, ${timestamp.value} AS event_timestamp
            ${labelled ? `, ${typed(label)} AS ${quoteIdent(label)}` : ''}
     FROM entity_input`,
  );
  const [{ rows, converted }] = await engine.rows<{ rows: number; converted: number }>(
    `SELECT count(*) AS rows, count(*) FILTER (WHERE ${timestamp.zoned}) AS converted FROM entity_input`,
  );
  return { rows, labelled, convertedToUtc: converted, snapshot: null };
}

export function loadEntities(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  manifest: readonly SnapshotVersion[],
  source: EntitySource,
  knownAt?: string,
): Promise<EntityRows> {
  return 'asOf' in source ? loadAsOfEntities(engine, contract, layout, manifest, source.asOf, knownAt) : loadFileEntities(engine, contract, source.file);
}
