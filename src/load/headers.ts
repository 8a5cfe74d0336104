// The header of each CSV as read, in file order: validate's column expectations check it.
import type { Engine } from '../engine/duckdb';

export const HEADERS_TABLE = 'staging._headers';

export async function startHeaders(engine: Engine): Promise<void> {
  await engine.run('CREATE SCHEMA IF NOT EXISTS staging');
  await engine.run(`CREATE OR REPLACE TABLE ${HEADERS_TABLE} (table_name VARCHAR, position INTEGER, column_name VARCHAR)`);
}

export async function stageHeader(engine: Engine, table: string, header: readonly string[]): Promise<void> {
  await engine.run(
    `INSERT INTO ${HEADERS_TABLE} (table_name, position, column_name)
     SELECT $table, position, names[position] FROM (SELECT from_json($header, '["VARCHAR"]') AS names), range(1, len(names) + 1) AS r(position)`,
    { table, header: JSON.stringify(header) },
  );
}
