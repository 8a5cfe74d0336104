// The contract's rule and column types against a real in-memory DuckDB: the strict parse
// rules of every column type (load/parse-rules.ts), the ODCS library metrics and sql rules
// (validate/compile.ts), samples named by the table's key, and severity info.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpectationResult } from '../src/artifacts';
import type { ColumnSpec, ColumnType } from '../src/contract/columns';
import { type Comparison, type ExpectationConfig, expect as expectation, type LibraryMetric, type Operator } from '../src/contract/expectations';
import { type Engine, openEngine, quoteIdent } from '../src/engine/duckdb';
import { InvocationError } from '../src/errors';
import { expectedText, typedValueSql, unparseableSql } from '../src/load/parse-rules';
import { expectationsTable, statusOf } from '../src/report/expectations';
import { findingsOf, validateExpectations } from '../src/validate';
import { type CompileContext, compileExpectation } from '../src/validate/compile';

let engine: Engine;
/** This file's own folder (helpers.ts would load the CLI's modules, which these tests do not need). */
let scratch: string;
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'streamflow-rule-types-'));
});
afterAll(() => {
  engine.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const column = (type: ColumnType, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name: 'v',
  type,
  nullable: true,
  inExport: true,
  description: '',
  ...extra,
});

describe('parse rules: the exact text of each column type', () => {
  /** Whether `text` parses as the column's type, and the typed value as DuckDB prints it. */
  async function parse(spec: ColumnSpec, text: string): Promise<{ bad: boolean; typed: string | null }> {
    const [row] = await engine.rows<{ bad: boolean; typed: string | null }>(
      `SELECT ${unparseableSql(spec)} AS bad, (${typedValueSql(spec)})::VARCHAR AS typed FROM (SELECT $text::VARCHAR AS ${quoteIdent(spec.name)})`,
      { text },
    );
    return row;
  }

  // [type or column, text, the typed value as DuckDB prints it; null: unparseable]
  const cases: [ColumnType | ColumnSpec, string, string | null][] = [
    ['TIMESTAMP', '2024-01-01 10:00:00', '2024-01-01 10:00:00'],
    ['TIMESTAMP', '2024-01-01T10:00:00.123456', '2024-01-01 10:00:00.123456'],
    ['TIMESTAMP', '2024-02-29 23:59:59.5', '2024-02-29 23:59:59.5'],
    ['TIMESTAMP', '2024-02-30 10:00:00', null], // not in the calendar
    ['TIMESTAMP', '2023-02-29 00:00:00', null],
    ['TIMESTAMP', '2024-01-01 24:00:00', null], // the cast would take it as the next day
    ['TIMESTAMP', '2024-01-01 10:00:60', null],
    ['TIMESTAMP', '2024-01-01 10:00:00.1234567', null], // the cast would truncate it
    ['TIMESTAMP', '2024-01-01 10:00', null],
    ['TIMESTAMP', '2024-01-01', null],
    ['TIMESTAMP', '2024-1-1 1:00:00', null],
    ['TIMESTAMP', ' 2024-01-01 10:00:00', null],
    ['TIMESTAMP', '2024-01-01 10:00:00+02:00', null], // the cast would drop the offset
    ['TIMESTAMP', '2024-01-01 10:00:00Z', null],
    ['TIMESTAMPTZ', '2024-01-01 10:00:00Z', '2024-01-01 10:00:00+00'],
    ['TIMESTAMPTZ', '2024-01-01T10:00:00.123456Z', '2024-01-01 10:00:00.123456+00'],
    ['TIMESTAMPTZ', '2024-01-01 10:00:00+02:00', '2024-01-01 08:00:00+00'],
    ['TIMESTAMPTZ', '2024-01-01T10:00:00.5-05:30', '2024-01-01 15:30:00.5+00'],
    ['TIMESTAMPTZ', '2024-01-01 10:00:00', '2024-01-01 10:00:00+00'], // no zone: UTC
    ['TIMESTAMPTZ', '2024-01-01 10:00:00.12345', '2024-01-01 10:00:00.12345+00'],
    ['TIMESTAMPTZ', '2024-02-30 10:00:00Z', null],
    ['TIMESTAMPTZ', '2024-01-01 10:00:00+2', null],
    ['TIMESTAMPTZ', '2024-01-01 10:00:00+0200', null],
    ['TIMESTAMPTZ', '2024-01-01 10:00:00 UTC', null],
    ['TIMESTAMPTZ', '2024-01-01 10:00:00z', null],
    ['TIMESTAMPTZ', '2024-01-01 10:00:00+24:00', null],
    ['BIGINT', '9223372036854775807', '9223372036854775807'],
    ['BIGINT', '-9223372036854775808', '-9223372036854775808'],
    ['BIGINT', '007', '7'],
    ['BIGINT', '9223372036854775808', null], // does not fit
    ['BIGINT', '12345678901234567890', null], // 20 digits
    ['BIGINT', '1.0', null],
    ['BIGINT', '1e3', null],
    ['BIGINT', '+1', null],
    ['INTEGER', '2147483647', '2147483647'],
    ['INTEGER', '-12', '-12'],
    ['INTEGER', '2147483648', null],
    ['INTEGER', '3.5', null],
    ['DECIMAL(18,4)', '12345.1234', '12345.1234'],
    ['DECIMAL(18,4)', '-0.5', '-0.5000'],
    ['DECIMAL(18,4)', '42', '42.0000'],
    ['DECIMAL(18,4)', '99999999999999.9999', '99999999999999.9999'],
    ['DECIMAL(18,4)', '12345.12345', null], // five decimals: the cast would round
    ['DECIMAL(18,4)', '100000000000000', null], // 15 digits before the point
    ['DECIMAL(18,4)', '1.', null],
    ['DECIMAL(18,4)', '.5', null],
    ['DECIMAL(18,4)', '1e2', null],
    ['DECIMAL(5,0)', '12345', '12345'],
    ['DECIMAL(5,0)', '123456', null],
    ['DECIMAL(5,0)', '1.0', null],
    ['DECIMAL(10,2)', '29.85', '29.85'],
    ['DECIMAL(10,2)', '29.855', null],
    ['BOOLEAN', 'True', 'true'],
    ['BOOLEAN', 'False', 'false'],
    ['BOOLEAN', 'TRUE', 'true'],
    ['BOOLEAN', 'false', 'false'],
    ['BOOLEAN', 'Yes', null],
    ['BOOLEAN', '1', null],
    ['BOOLEAN', 't', null],
    [column('BOOLEAN', { booleans: { true: ['Yes', 'Y'], false: ['No', 'N'] } }), 'yes', 'true'],
    [column('BOOLEAN', { booleans: { true: ['Yes', 'Y'], false: ['No', 'N'] } }), 'N', 'false'],
    [column('BOOLEAN', { booleans: { true: ['Yes', 'Y'], false: ['No', 'N'] } }), 'True', null],
    [column('BOOLEAN', { booleans: { true: ['1', 't'], false: ['0', 'f'] } }), 'T', 'true'],
    [column('BOOLEAN', { booleans: { true: ['1', 't'], false: ['0', 'f'] } }), '0', 'false'],
    [column('BOOLEAN', { booleans: { true: ["it's on"], false: ['off'] } }), "IT'S ON", 'true'],
    ['DATE', '2024-02-29', '2024-02-29'],
    ['DATE', '2023-02-29', null],
    ['DATE', '2024-2-1', null],
    ['DOUBLE', '1.5e3', '1500.0'],
    ['DOUBLE', '1e400', null],
    ['VARCHAR', 'any text', 'any text'],
    ['VARCHAR', 'two\nlines', null],
  ];

  it.each(cases)('%s %j → %j', async (type, text, typed) => {
    const spec = typeof type === 'string' ? column(type) : type;
    const parsed = await parse(spec, text);
    if (typed === null) expect(parsed.bad).toBe(true);
    else expect(parsed).toEqual({ bad: false, typed });
  });

  it('a TIMESTAMPTZ without a zone is UTC whatever the session time zone', async () => {
    await engine.run(`SET TimeZone = 'America/New_York'`);
    try {
      const [row] = await engine.rows<{ epoch: number; zoned: number }>(
        `SELECT epoch(${typedValueSql(column('TIMESTAMPTZ'))}) AS epoch, epoch(TIMESTAMPTZ '2024-01-01 10:00:00+00') AS zoned FROM (SELECT '2024-01-01 10:00:00' AS v)`,
      );
      expect(row.epoch).toBe(Date.UTC(2024, 0, 1, 10) / 1000);
      expect(row.epoch).toBe(row.zoned);
    } finally {
      await engine.run(`SET TimeZone = 'UTC'`);
    }
  });

  it('NULL stays NULL and is never unparseable', async () => {
    for (const type of ['TIMESTAMP', 'TIMESTAMPTZ', 'BIGINT', 'DECIMAL(18,4)', 'BOOLEAN'] as const) {
      const [row] = await engine.rows(
        `SELECT ${unparseableSql(column(type))} AS bad, ${typedValueSql(column(type))} AS typed FROM (SELECT NULL::VARCHAR AS v)`,
      );
      expect(row, type).toEqual({ bad: false, typed: null });
    }
  });

  it('says what each type expects', () => {
    expect(expectedText(column('INTEGER'))).toBe('a whole number');
    expect(expectedText(column('DECIMAL(18,4)'))).toBe('a number with at most 4 decimals and 14 digits before the point');
    expect(expectedText(column('BOOLEAN'))).toBe('true or false (in any case)');
    expect(expectedText(column('BOOLEAN', { booleans: { true: ['Yes', 'Y'], false: ['No', 'N'] } }))).toBe('Yes / Y or No / N (in any case)');
    expect(expectedText(column('TIMESTAMPTZ'))).toContain('±HH:MM');
  });
});

/**
 * Staged tables as load leaves them (load/index.ts): _line, the contract's columns,
 * _unparseable. orders has a composite key (order_id, line_no); customers a single one.
 */
async function stage(): Promise<void> {
  await engine.run(`CREATE SCHEMA IF NOT EXISTS staging`);
  await engine.run(`CREATE OR REPLACE TABLE staging.orders AS
    SELECT (row_number() OVER () + 1)::BIGINT AS _line, order_id, line_no, status, amount, customer_id, false AS _unparseable
    FROM (VALUES ('o1', 1, 'paid', 10.0, 'c1'), ('o1', 2, 'paid', 20.0, 'c1'), ('o2', 1, NULL, 5.0, 'c2'), ('o3', 1, '', 7.5, 'c2'),
                 ('o3', 1, 'N/A', 7.5, 'c3'), ('o4', 1, 'refunded', 3.0, 'c3'), ('o5', 1, 'bogus', 1.0, 'c4'), ('o6', 1, NULL, 2.0, 'c4'),
                 ('o7', 1, 'paid', 4.0, 'c5'), ('o8', 1, 'PAID', 6.0, 'c5')) AS rows(order_id, line_no, status, amount, customer_id)`);
  await engine.run(`CREATE OR REPLACE TABLE staging.customers AS
    SELECT (row_number() OVER () + 1)::BIGINT AS _line, user_id, country, false AS _unparseable
    FROM (VALUES ('c1', 'DE'), ('c2', NULL), ('c3', 'FR'), ('c4', 'DE'), ('c5', 'NL')) AS rows(user_id, country)`);
}

const KEYS: Record<string, string[]> = { orders: ['order_id', 'line_no'], customers: ['user_id'] };
const context: CompileContext = {
  relation: (table) => `staging.${quoteIdent(table)}`,
  tables: Object.keys(KEYS),
  liveRelation: () => undefined,
  keyOf: (table) => KEYS[table],
  keyCensus: () => undefined,
  asOf: '2024-01-31',
};

describe('library metrics', () => {
  beforeAll(stage);

  type MetricCase = { name: string; metric: LibraryMetric; kwargs: Record<string, unknown>; rows: number };
  // Each figure counted by hand over the ten orders above.
  const metrics: MetricCase[] = [
    { name: 'rowCount', metric: 'rowCount', kwargs: {}, rows: 10 },
    { name: 'nullValues', metric: 'nullValues', kwargs: { column: 'status' }, rows: 2 },
    { name: 'missingValues', metric: 'missingValues', kwargs: { column: 'status', missing_values: ['', 'N/A'] }, rows: 4 },
    { name: 'missingValues, numbers', metric: 'missingValues', kwargs: { column: 'amount', missing_values: [7.5, 'N/A'] }, rows: 2 },
    { name: 'invalidValues, valid_values', metric: 'invalidValues', kwargs: { column: 'status', valid_values: ['paid', 'refunded'] }, rows: 4 },
    { name: 'invalidValues, pattern', metric: 'invalidValues', kwargs: { column: 'status', pattern: '^[a-z]+$' }, rows: 3 },
    { name: 'duplicateValues, column', metric: 'duplicateValues', kwargs: { column: 'status' }, rows: 2 },
    { name: 'duplicateValues, key column', metric: 'duplicateValues', kwargs: { column: 'order_id' }, rows: 2 },
    { name: 'duplicateValues, column_list', metric: 'duplicateValues', kwargs: { column_list: ['order_id', 'line_no'] }, rows: 1 },
  ];
  // For each operator, an operand that the figure F satisfies and one it does not.
  const operands: Record<Operator, (figure: number) => [Comparison['value'], Comparison['value']]> = {
    mustBe: (f) => [f, f + 1],
    mustNotBe: (f) => [f + 1, f],
    mustBeGreaterThan: (f) => [f - 1, f],
    mustBeGreaterOrEqualTo: (f) => [f, f + 1],
    mustBeLessThan: (f) => [f + 1, f],
    mustBeLessOrEqualTo: (f) => [f, f - 1],
    mustBeBetween: (f) => [
      [f, f + 1],
      [f + 1, f + 2],
    ],
    mustNotBeBetween: (f) => [
      [f + 1, f + 2],
      [f - 1, f],
    ],
  };
  const rules = metrics.flatMap(({ name, metric, kwargs, rows }) =>
    (['rows', 'percent'] as const).flatMap((unit) =>
      (Object.keys(operands) as Operator[]).flatMap((operator) => {
        const figure = unit === 'rows' ? rows : rows * 10;
        return operands[operator](figure).map((value, index) => ({
          title: `${name} in ${unit}, ${operator} ${JSON.stringify(value)}`,
          figure,
          passes: index === 0,
          config: expectation('expect_library_metric_to_satisfy', { metric, unit, operator, value, ...kwargs } as never),
        }));
      }),
    ),
  );

  it('every metric in rows and percent against each of the 8 operators, from the one scan of the table', async () => {
    expect(rules.length).toBe(metrics.length * 2 * 8 * 2);
    const results = await validateExpectations(
      engine,
      'orders',
      rules.map((rule) => rule.config),
      context,
    );
    const seen = results.map((result, index) => ({ rule: rules[index].title, observed: result.result.observed_value, success: result.success }));
    expect(seen).toEqual(rules.map((rule) => ({ rule: rule.title, observed: rule.figure, success: rule.passes })));
    // Summaries only: each bound its own values under its own prefix in the one scan.
    expect(rules.every((rule, index) => compileExpectation('orders', rule.config, context, `e${index}_`).summary !== undefined)).toBe(true);
  });

  it('the same figures over a row_condition, by the full query', async () => {
    const config = (metric: LibraryMetric, kwargs: Record<string, unknown>, unit: 'rows' | 'percent' = 'rows') =>
      expectation('expect_library_metric_to_satisfy', {
        metric,
        unit,
        operator: 'mustBe',
        value: 0,
        row_condition: `customer_id IN ('c1', 'c2')`,
        ...kwargs,
      } as never);
    const results = await validateExpectations(
      engine,
      'orders',
      [
        config('rowCount', {}),
        config('nullValues', { column: 'status' }),
        config('nullValues', { column: 'status' }, 'percent'),
        config('duplicateValues', { column: 'order_id' }),
      ],
      context,
    );
    expect(results.map((result) => result.result.observed_value)).toEqual([4, 1, 25, 1]);
  });

  it('percent of an empty table is 0', async () => {
    const [result] = await validateExpectations(
      engine,
      'orders',
      [
        expectation('expect_library_metric_to_satisfy', {
          metric: 'nullValues',
          column: 'status',
          unit: 'percent',
          operator: 'mustBe',
          value: 0,
          row_condition: 'false',
        }),
      ],
      context,
    );
    expect(result).toMatchObject({ success: true, result: { observed_value: 0, element_count: 0 } });
  });

  it('values that cannot convert to the column type are no error: a text against a number column never matches', async () => {
    const [result] = await validateExpectations(
      engine,
      'orders',
      [
        expectation('expect_library_metric_to_satisfy', {
          metric: 'invalidValues',
          column: 'line_no',
          valid_values: [1, 'one'],
          unit: 'rows',
          operator: 'mustBe',
          value: 1,
        }),
      ],
      context,
    );
    expect(result).toMatchObject({ success: true, result: { observed_value: 1 } });
  });
});

describe('sql rules', () => {
  beforeAll(async () => {
    await stage();
    // A table of the same name outside staging: the rule must not read it.
    await engine.run(`CREATE OR REPLACE TABLE main.orders AS SELECT 1 AS order_id`);
  });

  const sqlRule = (query: string, comparison: Comparison, extra: Record<string, unknown> = {}): ExpectationConfig =>
    ({ type: 'expect_sql_query_result_to_satisfy', kwargs: { query, ...comparison, ...extra }, meta: { name: 'orders_check' } }) as ExpectationConfig;
  const run = (config: ExpectationConfig) => validateExpectations(engine, 'orders', [config], context).then(([result]) => result);

  it('runs on the staged tables, by the names the contract gives them, and holds the number against its operator', async () => {
    expect(await run(sqlRule(`SELECT count(*) FROM "orders" WHERE status IS NULL`, { operator: 'mustBe', value: 2 }))).toMatchObject({
      success: true,
      result: { observed_value: 2, element_count: 0, unexpected_count: 0 },
      meta: { table: 'orders', severity: 'error' },
    });
    const failed = await run(sqlRule(`SELECT count(*) FROM orders WHERE status IS NULL;`, { operator: 'mustBeLessThan', value: 2 }));
    expect(failed).toMatchObject({ success: false, result: { observed_value: 2 }, meta: { severity: 'error' } });
    // Two tables, a CTE of its own, a DECIMAL result: read as a number.
    const joined = await run(
      sqlRule(
        `WITH german AS (SELECT user_id FROM customers WHERE country = 'DE')
         SELECT sum(amount::DECIMAL(10,2)) FROM orders o JOIN german g ON o.customer_id = g.user_id -- orders of German customers`,
        { operator: 'mustBeBetween', value: [33, 33] },
      ),
    );
    expect(joined).toMatchObject({ success: true, result: { observed_value: 33 } });
    // The contract's columns only: the staging bookkeeping is not there.
    await expect(run(sqlRule(`SELECT count(_line) FROM orders`, { operator: 'mustBe', value: 10 }))).rejects.toThrow(/_line/);
  });

  it('a query of no row observes NULL and fails; severity info fails as info', async () => {
    const result = await run(sqlRule(`SELECT amount FROM orders WHERE false`, { operator: 'mustBeGreaterOrEqualTo', value: 0 }, { severity: 'info' }));
    expect(result).toMatchObject({ success: false, result: { observed_value: null }, meta: { severity: 'info' } });
  });

  it('refuses anything but one SELECT, naming the rule, before running it', async () => {
    const out = path.join(scratch, 'copied.csv');
    const refused = [
      `DELETE FROM orders`,
      `DELETE FROM orders RETURNING 1`,
      `CREATE TABLE hacked AS SELECT 1`,
      `COPY orders TO '${out}'`,
      `INSERT INTO orders SELECT * FROM orders RETURNING 1`,
      `DROP TABLE staging.orders`,
      // Closing the subquery it is embedded in, to add statements of its own.
      `1); DROP TABLE staging.orders; SELECT (1`,
      `1) AS value); DROP TABLE staging.orders; SELECT * FROM (SELECT (1`,
      `1) AS value); CREATE TABLE hacked AS SELECT 1; SELECT * FROM (SELECT (1`,
      `SELECT * FROM query('DELETE FROM staging.orders')`,
      `ATTACH '${path.join(scratch, 'x.db')}' AS x`,
    ];
    for (const query of refused) {
      const error = await run(sqlRule(query, { operator: 'mustBe', value: 0 })).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error, query).toBeInstanceOf(InvocationError);
      expect((error as Error).message, query).toMatch(/^contract: the sql rule "orders_check" \(orders\.00\.expect_sql_query_result_to_satisfy\) cannot run: /);
    }
    const error = await run(sqlRule(`DELETE FROM orders`, { operator: 'mustBe', value: 0 })).catch((thrown: Error) => thrown);
    expect((error as Error).message).toContain('it is a DELETE statement, not a SELECT');
    const injected = await run(sqlRule(`1) AS value); DROP TABLE staging.orders; SELECT * FROM (SELECT (1`, { operator: 'mustBe', value: 0 })).catch(
      (thrown: Error) => thrown,
    );
    expect((injected as Error).message).toContain('it makes 3 statements of the text it is embedded in (SELECT, DROP, SELECT), not one SELECT');
    // Nothing ran.
    expect(await engine.rows(`SELECT count(*) AS rows FROM staging.orders`)).toEqual([{ rows: 10 }]);
    expect(await engine.rows(`SELECT table_name FROM information_schema.tables WHERE table_name = 'hacked'`)).toEqual([]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a query of more than one row, more than one column or no number is the rule’s error', async () => {
    const message = (query: string) =>
      run(sqlRule(query, { operator: 'mustBe', value: 0 })).then(
        () => 'ran',
        (error: Error) => error.message,
      );
    expect(await message(`SELECT amount FROM orders`)).toMatch(/orders_check.*More than one row returned by a subquery/);
    expect(await message(`SELECT count(*), 1 FROM orders`)).toMatch(/orders_check.*Subquery returns 2 columns/);
    expect(await message(`SELECT 'many'`)).toMatch(/orders_check.*cannot run: its query returns a VARCHAR, not a number/);
    expect(await message(`SELECT DATE '2024-01-01'`)).toMatch(/returns a DATE, not a number/);
  });
});

describe('samples name their row by the table key', () => {
  beforeAll(stage);

  it('a composite key: a field per key column; compound uniqueness shows the combination', async () => {
    const config = expectation('expect_compound_columns_to_be_unique', { column_list: ['order_id', 'line_no'] });
    const [result] = await validateExpectations(engine, 'orders', [config], context);
    expect(result).toMatchObject({ success: false, result: { unexpected_count: 2, missing_count: 0, element_count: 10 } });
    expect(result.result.partial_unexpected_list).toEqual(['o3, 1', 'o3, 1']);
    expect(result.result.partial_unexpected_index_list).toEqual([
      { order_id: 'o3', line_no: '1', line: 5 },
      { order_id: 'o3', line_no: '1', line: 6 },
    ]);
    // The failures table's rows: the key as one text, then line and value.
    const compiled = compileExpectation('orders', config, context);
    expect(await engine.rows(`${compiled.unexpectedRowsSql!} ORDER BY line`, compiled.params)).toEqual([
      { row_key: 'o3, 1', line: 5, value: 'o3, 1' },
      { row_key: 'o3, 1', line: 6, value: 'o3, 1' },
    ]);
  });

  it('compound uniqueness over columns of different types, rows of all-NULL columns missing, not duplicates', async () => {
    await engine.run(`CREATE OR REPLACE TABLE staging.events AS
      SELECT (row_number() OVER () + 1)::BIGINT AS _line, * , false AS _unparseable
      FROM (VALUES ('a', DATE '2024-01-01'), ('a', DATE '2024-01-02'), (NULL, NULL), (NULL, NULL)) AS rows(name, day)`);
    const withEvents: CompileContext = { ...context, tables: [...context.tables, 'events'], keyOf: (table) => (table === 'events' ? ['name'] : KEYS[table]) };
    const config = expectation('expect_compound_columns_to_be_unique', { column_list: ['name', 'day'] });
    const [result] = await validateExpectations(engine, 'events', [config], withEvents);
    expect(result).toMatchObject({ success: true, result: { element_count: 4, missing_count: 2, unexpected_count: 0 } });
  });

  it('a single key: {user_id, line}, as the validation document pins it', async () => {
    const [result] = await validateExpectations(engine, 'customers', [expectation('expect_column_values_to_not_be_null', { column: 'country' })], context);
    expect(JSON.stringify(result.result.partial_unexpected_index_list)).toBe('[{"user_id":"c2","line":3}]');
    const compiled = compileExpectation('customers', expectation('expect_column_values_to_not_be_null', { column: 'country' }), context);
    expect(await engine.rows(compiled.unexpectedRowsSql!, compiled.params)).toEqual([{ row_key: 'c2', line: 3, value: null }]);
  });
});

describe('samples of the NULL-share comparison with the live table', () => {
  beforeAll(async () => {
    await stage();
    await engine.run(`CREATE OR REPLACE TABLE main.live_customers AS SELECT user_id, coalesce(country, 'BE') AS country FROM staging.customers`);
  });

  it('name the rows that became NULL by the key, as the row-level rules do', async () => {
    const live: CompileContext = { ...context, liveRelation: (table) => (table === 'customers' ? 'main.live_customers' : undefined) };
    const config = expectation('expect_column_null_fraction_to_not_increase_by_more_than', { column: 'country', max_increase: 0.1 });
    const [result] = await validateExpectations(engine, 'customers', [config], live);
    expect(result).toMatchObject({ success: false, result: { unexpected_count: 1, observed_value: { staged: 0.2, live: 0 } } });
    expect(JSON.stringify(result.result.partial_unexpected_index_list)).toBe('[{"user_id":"c2","line":3}]');
    const compiled = compileExpectation('customers', config, live);
    expect(await engine.rows(compiled.unexpectedRowsSql!, compiled.params)).toEqual([{ row_key: 'c2', line: 3, value: null }]);
  });
});

describe('severity info', () => {
  const result = (severity: 'error' | 'warn' | 'info', success = false): ExpectationResult => ({
    expectation_config: {
      id: `t.0${severity}.expect_column_values_to_not_be_null`,
      type: 'expect_column_values_to_not_be_null',
      kwargs: { column: 'c', severity },
    },
    success,
    result: {
      element_count: 1,
      missing_count: 1,
      unexpected_count: 1,
      unexpected_percent: 100,
      partial_unexpected_list: [],
      partial_unexpected_index_list: [],
    },
    meta: { table: 't', column: 'c', severity },
  });

  it('is reported after errors and warnings, with a warning’s styling tagged info only', () => {
    const results = [result('info'), result('warn'), result('error'), result('info', true)];
    expect(findingsOf(results).map((finding) => finding.severity)).toEqual(['error', 'warn', 'info']);
    expect(results.map(statusOf)).toEqual(['warning', 'warning', 'failed', 'passed']);
    const table = String(expectationsTable(results, null));
    expect(table).toContain('info only');
    expect(table.indexOf('warn only')).toBeLessThan(table.indexOf('info only'));
  });
});
