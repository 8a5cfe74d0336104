// Column statistics of the staged month for the report: count, NULLs, min/max/mean
// and the most frequent values, computed by DuckDB over each staged table.
import { CONTRACT, exportColumns } from '../contract/tables';
import { quoteIdent, quoteLiteral, type Engine } from '../engine/duckdb';

export interface ColumnProfile {
  readonly column: string;
  readonly type: string;
  readonly count: number;
  readonly nulls: number;
  readonly distinct: number;
  readonly min: string | null;
  readonly max: string | null;
  readonly mean: number | null;
  readonly top_values: readonly { readonly value: string | null; readonly count: number }[];
}

export type TableProfiles = Record<string, readonly ColumnProfile[]>;

const NUMERIC = new Set(['INTEGER', 'DOUBLE', 'DECIMAL(10,2)', 'DECIMAL(12,2)', 'BOOLEAN']);
const CATEGORICAL = new Set(['VARCHAR', 'BOOLEAN', 'INTEGER']);

export async function profileStaged(engine: Engine): Promise<TableProfiles> {
  const profiles: TableProfiles = {};
  for (const table of CONTRACT) {
    const columns = exportColumns(table);
    const selects = columns.map((column) => {
      const name = quoteIdent(column.name);
      const mean = NUMERIC.has(column.type) ? `avg(${name}::DOUBLE)` : 'NULL::DOUBLE';
      return `{'column': ${quoteLiteral(column.name)}, 'type': '${column.type}', 'count': count(*), 'nulls': count(*) - count(${name}),
               'distinct': approx_count_distinct(${name}), 'min': min(${name})::VARCHAR, 'max': max(${name})::VARCHAR, 'mean': ${mean}}`;
    });
    const [row] = await engine.rows(`SELECT [${selects.join(', ')}] AS profiles FROM staging.${quoteIdent(table.name)}`);
    const columnProfiles: ColumnProfile[] = [];
    for (const [index, profile] of (row.profiles as Record<string, unknown>[]).entries()) {
      const column = columns[index];
      const categorical = CATEGORICAL.has(column.type) && !table.key.includes(column.name);
      columnProfiles.push({
        ...(profile as unknown as ColumnProfile),
        count: Number(profile.count),
        nulls: Number(profile.nulls),
        distinct: Number(profile.distinct),
        mean: profile.mean === null ? null : Number(profile.mean),
        top_values: categorical ? await topValues(engine, table.name, column.name) : [],
      });
    }
    profiles[table.name] = columnProfiles;
  }
  return profiles;
}

/** The five most frequent values, ties broken by value so the report is deterministic. */
async function topValues(engine: Engine, table: string, column: string): Promise<ColumnProfile['top_values']> {
  const rows = await engine.rows(
    `SELECT ${quoteIdent(column)}::VARCHAR AS value, count(*) AS count FROM staging.${quoteIdent(table)}
     GROUP BY 1 ORDER BY count DESC, value NULLS FIRST LIMIT 5`,
  );
  return rows.map((row) => ({ value: row.value as string | null, count: Number(row.count) }));
}
