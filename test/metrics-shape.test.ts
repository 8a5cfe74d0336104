// The metrics' shape is defined once (src/validate/metrics/shape.ts, issue 29): the
// tables sql/metadata.sql creates and the staging tables validate fills are both held to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine, quoteIdent } from '../src/engine/duckdb';
import { COLUMN_METRICS_COLUMNS, TABLE_METRICS_COLUMNS } from '../src/validate/metrics/shape';
import { COLUMN_METRICS_TABLE, stageMetrics, TABLE_METRICS_TABLE } from '../src/validate/metrics/staging';
import { attachWarehouseCreatingIt } from '../src/warehouse/catalog';
import { warehouseLayout } from '../src/warehouse/layout';
import { CHURN } from '../tools/churn-contract';
import { tempDir } from './helpers';

type Columns = Readonly<Record<string, { readonly type: string; readonly notNull: boolean }>>;

describe('the metrics shape, defined once', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await openEngine({ threads: 1 });
    await attachWarehouseCreatingIt(engine, CHURN, warehouseLayout(tempDir()));
    await engine.run('CREATE SCHEMA staging');
    await stageMetrics(engine, { columns: [], tables: [], previous: [] });
  });
  afterAll(() => engine.close());

  /** A relation's columns as DuckDB describes them: name, type (its own spelling), NOT NULL. */
  async function described(relation: string): Promise<string[]> {
    const rows = await engine.rows<{ column_name: string; column_type: string; null: string }>(`DESCRIBE ${relation}`);
    return rows.map((row) => `${row.column_name} ${row.column_type}${row.null === 'NO' ? ' NOT NULL' : ''}`);
  }

  /** The definition as DuckDB spells it: a table made from the column list alone. */
  async function defined(name: string, columns: Columns): Promise<string[]> {
    const list = Object.entries(columns).map(([column, { type, notNull }]) => `${quoteIdent(column)} ${type}${notNull ? ' NOT NULL' : ''}`);
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(name)} (${list.join(', ')})`);
    return described(quoteIdent(name));
  }

  for (const [table, columns, staged] of [
    ['column_metrics', COLUMN_METRICS_COLUMNS, COLUMN_METRICS_TABLE],
    ['table_metrics', TABLE_METRICS_COLUMNS, TABLE_METRICS_TABLE],
  ] as const) {
    it(`meta.${table} (sql/metadata.sql) holds the definition's columns, types and NOT NULLs, beside its run_id`, async () => {
      const meta = await described(`wh.meta.${table}`);
      expect(meta).toContain('run_id VARCHAR NOT NULL');
      expect(meta.filter((column) => !column.startsWith('run_id '))).toEqual(await defined(`defined_${table}`, columns));
    });

    it(`the staged ${table} has the definition's columns and types`, async () => {
      const withoutNotNull = (columns: string[]) => columns.map((column) => column.replace(/ NOT NULL$/, ''));
      expect(withoutNotNull(await described(staged))).toEqual(withoutNotNull(await defined(`defined_${table}`, columns)));
    });
  }
});
