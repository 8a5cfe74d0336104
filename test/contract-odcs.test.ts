// The contract as files (issue 22): streamflow.yaml and its ODCS contract read at start.
// The churn files reproduce the TypeScript contract they replace (the same tables,
// columns, keys, parents, feature views, label and the same multiset of expectations);
// every mistake in either file is reported at its line and column with what was expected
// there. Unit tests: no process, no warehouse.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeExpectation } from '../src/contract/describe';
import { ContractError } from '../src/contract/errors';
import type { ExpectationConfig } from '../src/contract/expectations';
import type { FeatureView, LabelSpec } from '../src/contract/features';
import { loadOdcs } from '../src/contract/odcs';
import { loadProject, type Project } from '../src/contract/project';
import { findProjectFile } from '../src/contract/project-file';
import type { TableSpec } from '../src/contract/tables';

/**
 * The churn contract as the TypeScript modules compiled it before the ODCS file replaced
 * them (src/contract/tables.ts, suites.ts, features.ts at 52ed6d9), dumped to JSON then:
 * the file must compile to the same tables and the same 150 expectations.
 */
const BEFORE = JSON.parse(fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'churn-contract-before-odcs.json'), 'utf8')) as {
  tables: TableSpec[];
  featureViews: (FeatureView & { entity: string })[];
  label: LabelSpec;
};
const LEGACY_CONTRACT = {
  entity: ['user_id'],
  featureViews: BEFORE.featureViews.map(({ entity: _entity, ...view }) => view),
  label: BEFORE.label,
  tables: BEFORE.tables,
};

import { REPO } from './paths';

// ---------------------------------------------------------------------------------------
// Helpers

// A folder of this file's own (not helpers.ts's tempDir: these tests need none of the CLI it imports).
const TEMP = fs.mkdtempSync(path.join(os.tmpdir(), 'streamflow-odcs-'));
afterAll(() => fs.rmSync(TEMP, { recursive: true, force: true }));
let written = 0;

/** Keys sorted at every level, so equal configurations print the same. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, item]) => [key, canonical(item)]),
    );
  }
  return value;
}

/** A table's expectations as a sorted list of `type + kwargs` (severity is a kwarg): a multiset. */
function multiset(table: TableSpec): string[] {
  return table.expectations.map((config) => JSON.stringify(canonical({ type: config.type, kwargs: config.kwargs }))).sort();
}

/** Everything of a table but its expectations. */
/** A table but its suite and its description (the TypeScript tables had none). */
function shape(table: TableSpec): unknown {
  const { expectations: _, description: __, ...rest } = table;
  return canonical(rest);
}

/** `line:col` of the `occurrence`-th `needle` in `text` (1-based, as the messages count). */
function at(text: string, needle: string, occurrence = 1): string {
  let index = -1;
  for (let seen = 0; seen < occurrence; seen++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`${needle} not in the text`);
  }
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

interface Files {
  readonly contract: string;
  readonly project?: string;
}

const PROJECT = `name: shop
contract: shop.odcs.yaml
label:
  table: customers
  column: churned
`;

/** Writes a project and its contract into a fresh folder; returns streamflow.yaml's path. */
function write({ contract, project = PROJECT }: Files): string {
  const dir = path.join(TEMP, String(++written));
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'shop.odcs.yaml'), contract);
  fs.writeFileSync(path.join(dir, 'streamflow.yaml'), project);
  return path.join(dir, 'streamflow.yaml');
}

function load(files: Files): Project {
  return loadProject(write(files));
}

/** The ContractError loading these files throws. */
function failure(files: Files): ContractError {
  try {
    load(files);
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error('the files loaded without an error');
}

/** Expects the error at `file:line:col` with these words. */
function expectError(files: Files, where: { file: 'shop.odcs.yaml' | 'streamflow.yaml'; at: string }, ...words: RegExp[]): ContractError {
  const error = failure(files);
  expect(error.exitCode).toBe(2);
  expect(error.message).toMatch(new RegExp(`${where.file.replaceAll('.', '\\.')}:${where.at}: `));
  expect(error.message).toMatch(/; expected /);
  for (const word of words) expect(error.message).toMatch(word);
  return error;
}

const CONTRACT = `apiVersion: v3.1.0
kind: DataContract
id: shop
version: 2.0.0
status: draft
domain: sales           # not read: ignored
schema:
  - name: customers
    tags: [core]        # not read: ignored
    properties:
      - name: customer_id
        logicalType: string
        primaryKey: true
        required: true
      - name: region
        physicalType: "varchar"
        required: true
        examples: [north]
      - name: churned
        logicalType: boolean
        required: true
  - name: orders
    properties:
      - name: order_no
        logicalType: integer
        primaryKey: true
        primaryKeyPosition: 2
      - name: customer_id
        physicalType: VARCHAR
        primaryKey: true
        primaryKeyPosition: 1
        relationships:
          - to: customers.customer_id
      - name: amount
        physicalType: decimal( 10 , 2 )
        logicalTypeOptions: { exclusiveMinimum: 0, maximum: 5000 }
      - name: paid
        logicalType: boolean
        required: true
        quality:
          - metric: nullValues
            mustBeLessThan: 5
            unit: percent
            severity: warning
            name: paid_known
            description: a payment state is almost always known
`;

// ---------------------------------------------------------------------------------------
// The churn project

describe('the churn project (streamflow.yaml and contracts/churn.odcs.yaml)', () => {
  const project = loadProject(path.join(REPO, 'streamflow.yaml'));
  const contract = project.contract;

  it('is found from the repository or any folder below it', () => {
    expect(findProjectFile(REPO)).toBe(path.join(REPO, 'streamflow.yaml'));
    expect(findProjectFile(path.join(REPO, 'src', 'contract'))).toBe(path.join(REPO, 'streamflow.yaml'));
  });

  it('names its contract, folders and calendar, with nothing ignored', () => {
    expect(project).toMatchObject({
      name: 'churn',
      file: path.join(REPO, 'streamflow.yaml'),
      root: REPO,
      contractFile: path.join(REPO, 'contracts', 'churn.odcs.yaml'),
      seeds: path.join(REPO, 'seeds'),
      warehouse: path.join(REPO, 'warehouse'),
      firstAsOf: '2024-01-31',
    });
    expect(project.warnings).toEqual([]);
  });

  it('has the TypeScript contract identity, entity, feature views and label', () => {
    expect({ id: contract.id, name: contract.name, version: contract.version }).toEqual({ id: 'churn', name: 'churn', version: '1.0.0' });
    expect(contract.entity).toEqual(LEGACY_CONTRACT.entity);
    expect(contract.featureViews).toEqual(LEGACY_CONTRACT.featureViews);
    expect(contract.label).toEqual(LEGACY_CONTRACT.label);
  });

  it('has the same tables: files, columns, keys and parents', () => {
    expect(contract.tables.map((table) => table.name)).toEqual(LEGACY_CONTRACT.tables.map((table) => table.name));
    contract.tables.forEach((table, index) => {
      expect(shape(table), table.name).toEqual(shape(LEGACY_CONTRACT.tables[index]));
    });
  });

  it('compiles the same multiset of 150 expectations, table by table', () => {
    expect(contract.tables.reduce((sum, table) => sum + table.expectations.length, 0)).toBe(150);
    contract.tables.forEach((table, index) => {
      expect(multiset(table), table.name).toEqual(multiset(LEGACY_CONTRACT.tables[index]));
    });
  });

  it('keeps the written rules’ reasons as their notes', () => {
    const legacyNotes = new Map(
      LEGACY_CONTRACT.tables.flatMap((table) =>
        table.expectations.map((config) => [JSON.stringify(canonical(config.kwargs)) + config.type, config.meta?.notes]),
      ),
    );
    const users = contract.tables.find((table) => table.name === 'users')!;
    const signup = users.expectations.find((config) => config.type === 'expect_column_values_to_be_between')!;
    expect(signup.meta?.notes).toBe('nobody signs up after the export was taken');
    const labels = contract.tables.find((table) => table.name === 'labels')!;
    for (const config of labels.expectations.filter(
      (candidate) => candidate.type === 'expect_column_mean_to_be_between' || candidate.type === 'expect_column_values_to_be_in_set',
    )) {
      expect(config.meta?.notes).toBe(legacyNotes.get(JSON.stringify(canonical(config.kwargs)) + config.type));
    }
  });

  it('keeps the order of every table but the rules written on subscriptions’ and usage’s columns', () => {
    // The ids that move (ODCS puts a property's rules after its bounds, property by property):
    // subscriptions.25–33 and .35, usage_agg_30d.19–25.
    const order = (configs: readonly ExpectationConfig[]) => configs.map((config) => JSON.stringify(canonical({ type: config.type, kwargs: config.kwargs })));
    const moved = contract.tables.filter(
      (table, index) => JSON.stringify(order(table.expectations)) !== JSON.stringify(order(LEGACY_CONTRACT.tables[index].expectations)),
    );
    expect(moved.map((table) => table.name)).toEqual(['subscriptions', 'usage_agg_30d']);
  });
});

// ---------------------------------------------------------------------------------------
// What a contract compiles to

describe('an ODCS contract', () => {
  const project = load({ contract: CONTRACT });
  const [customers, orders] = project.contract.tables;

  it('ignores the keys it does not read', () => {
    expect(project.warnings).toEqual([]);
    expect(customers.columns.map((column) => column.name)).toEqual(['customer_id', 'region', 'churned']);
  });

  it('maps logical types alone, and physical types in any case and spacing', () => {
    expect(customers.columns.map((column) => column.type)).toEqual(['VARCHAR', 'VARCHAR', 'BOOLEAN']);
    expect(orders.columns.map((column) => column.type)).toEqual(['BIGINT', 'VARCHAR', 'DECIMAL(10,2)', 'BOOLEAN']);
    const kinds = load({
      contract: `apiVersion: v3.1.0
kind: DataContract
id: kinds
version: 1.0.0
schema:
  - name: customers
    properties:
      - { name: customer_id, logicalType: string, primaryKey: true }
      - { name: churned, logicalType: boolean }
      - { name: n, logicalType: number }
      - { name: i, logicalType: integer }
      - { name: d, logicalType: date }
      - { name: t, logicalType: timestamp }
      - { name: tz, physicalType: timestamp with time zone, logicalType: timestamp }
      - { name: text, physicalType: text }
      - { name: small, physicalType: int, logicalType: number }
`,
    });
    expect(kinds.contract.tables[0].columns.map((column) => column.type)).toEqual([
      'VARCHAR',
      'BOOLEAN',
      'DOUBLE',
      'BIGINT',
      'DATE',
      'TIMESTAMP',
      'TIMESTAMPTZ',
      'VARCHAR',
      'INTEGER',
    ]);
    expect(kinds.contract.tables[0].columns.map((column) => column.nullable)).toEqual([false, true, true, true, true, true, true, true, true]);
  });

  it('orders a composite key by position, and finds no parent unless the whole key references one', () => {
    expect(orders.key).toEqual(['customer_id', 'order_no']);
    expect(orders.parent).toBeUndefined();
    expect(customers.parent).toBeUndefined();
    expect(orders.expectations.slice(0, 7).map((config) => [config.type, config.kwargs])).toEqual([
      ['expect_table_columns_to_match_set', { column_set: ['order_no', 'customer_id', 'amount', 'paid'], exact_match: true }],
      ['expect_table_columns_to_match_ordered_list', { column_list: ['order_no', 'customer_id', 'amount', 'paid'], severity: 'warn' }],
      ['expect_table_row_count_to_be_between', { min_value: 1 }],
      ['expect_column_values_to_not_be_null', { column: 'customer_id' }],
      ['expect_column_values_to_not_be_null', { column: 'order_no' }],
      ['expect_compound_columns_to_be_unique', { column_list: ['customer_id', 'order_no'] }],
      ['expect_column_values_to_be_in_other_table', { column: 'customer_id', other_table: 'customers', other_column: 'customer_id' }],
    ]);
  });

  it('makes a table whose key columns all reference another table’s key its child', () => {
    const contract = `${CONTRACT}  - name: refunds
    properties:
      - name: order_no
        logicalType: integer
        primaryKey: true
        primaryKeyPosition: 2
        relationships: [{ to: orders.order_no }]
      - name: customer_id
        logicalType: string
        primaryKey: true
        primaryKeyPosition: 1
        relationships: [{ to: orders.customer_id, type: foreignKey }]
`;
    const refunds = load({ contract }).contract.tables[2];
    expect(refunds.key).toEqual(['customer_id', 'order_no']);
    expect(refunds.parent).toBe('orders');
  });

  it('compiles bounds, NULL guards, types and a library metric in percent', () => {
    const rules = orders.expectations.slice(7).map((config) => [config.type, config.kwargs, config.meta]);
    expect(rules).toEqual([
      ['expect_column_values_to_not_be_null', { column: 'paid' }, expect.anything()],
      ['expect_column_null_fraction_to_not_increase_by_more_than', { column: 'amount', max_increase: 0.05 }, expect.anything()],
      ['expect_column_values_to_be_of_type', { column: 'amount', type_: 'DECIMAL(10,2)' }, expect.anything()],
      ['expect_column_values_to_be_of_type', { column: 'paid', type_: 'BOOLEAN' }, expect.anything()],
      ['expect_column_values_to_be_between', { column: 'amount', min_value: 0, max_value: 5000, strict_min: true }, expect.anything()],
      [
        'expect_library_metric_to_satisfy',
        { metric: 'nullValues', column: 'paid', unit: 'percent', operator: 'mustBeLessThan', value: 5, severity: 'warn' },
        { name: 'paid_known', notes: 'a payment state is almost always known' },
      ],
      ['expect_column_psi_to_be_less_than', { column: 'amount', max_value: 0.2, severity: 'warn' }, expect.anything()],
      ['expect_column_mean_ratio_to_previous_to_be_less_than', { column: 'amount', max_value: 1.25, severe_max_value: 2, severity: 'warn' }, expect.anything()],
      ['expect_column_psi_to_be_less_than', { column: 'paid', max_value: 0.2, severity: 'warn' }, expect.anything()],
    ]);
  });

  it('compares the drift tables month over month, and the label with its own bound', () => {
    const types = customers.expectations.map((config) => config.type);
    expect(types).toContain('expect_table_row_count_ratio_to_previous_to_be_less_than');
    expect(types).toContain('expect_table_key_churn_to_be_less_than');
    expect(orders.expectations.map((config) => config.type)).not.toContain('expect_table_key_churn_to_be_less_than');
    const labelRate = customers.expectations.find((config) => config.type === 'expect_column_mean_ratio_to_previous_to_be_less_than');
    expect(labelRate?.kwargs).toEqual({ column: 'churned', max_value: 1.2, severe_max_value: 1.6, severity: 'warn' });
    expect(customers.expectations.find((config) => config.type === 'expect_column_distinct_values_to_be_in_set')?.kwargs).toEqual({
      column: 'region',
      value_set: '$previous_month',
      severity: 'warn',
    });
  });

  it('compiles on its own too, with the default drift settings and no label', () => {
    const alone = loadOdcs(path.join(path.dirname(write({ contract: CONTRACT })), 'shop.odcs.yaml'));
    expect(alone).toMatchObject({ id: 'shop', name: 'shop', version: '2.0.0', warnings: [] });
    expect(alone.tables.map((table) => table.name)).toEqual(['customers', 'orders']);
    // No label: churned gets no label-rate bound; customers, with no parent, is still a drift table.
    const types = alone.tables[0].expectations.map((config) => config.type);
    expect(types).toContain('expect_table_key_churn_to_be_less_than');
    expect(types).not.toContain('expect_column_mean_ratio_to_previous_to_be_less_than');
  });

  it('defaults the feature views to every table keyed by the entity but the label’s', () => {
    expect(project.contract.entity).toEqual(['customer_id']);
    expect(project.contract.featureViews).toEqual([]);
    expect(project.contract.label).toEqual({ table: 'customers', column: 'churned', ttl: '31d' });
  });
});

describe('quality rules', () => {
  /** The contract with these lines as the quality of orders.amount (indented to fit). */
  const withRules = (rules: string) => CONTRACT.replace('logicalTypeOptions: { exclusiveMinimum: 0, maximum: 5000 }\n', `quality:\n${rules}`);
  const rulesOf = (rules: string) =>
    load({ contract: withRules(rules) })
      .contract.tables[1].expectations.filter((config) => config.kwargs && 'column' in config.kwargs && config.kwargs.column === 'amount')
      .filter((config) => !/null_fraction|of_type|psi|mean_ratio/.test(config.type));

  it('reads a custom Great Expectations rule as a text block, with `mostly`, and fills its column', () => {
    const [rule] = rulesOf(`          - type: custom
            engine: greatExpectations
            severity: info
            description: amounts are positive
            implementation: |
              type: expect_column_values_to_be_between
              kwargs:
                min_value: 0
                mostly: 0.99
`);
    expect(rule).toEqual({
      type: 'expect_column_values_to_be_between',
      kwargs: { column: 'amount', min_value: 0, mostly: 0.99, severity: 'info' },
      meta: { notes: 'amounts are positive' },
    });
  });

  it('reads a custom rule as a mapping, as JSON text, and with expectation_type', () => {
    const rules = rulesOf(`          - type: custom
            engine: greatExpectations
            implementation:
              type: expect_column_mean_to_be_between
              kwargs: { min_value: 10, max_value: 200, row_condition: "paid" }
          - type: custom
            engine: greatExpectations
            implementation: '{"expectation_type": "expect_column_values_to_be_in_set", "kwargs": {"value_set": [1, 2], "severity": "warn"}}'
`);
    expect(rules.map((rule) => [rule.type, rule.kwargs])).toEqual([
      ['expect_column_mean_to_be_between', { column: 'amount', min_value: 10, max_value: 200, row_condition: 'paid' }],
      ['expect_column_values_to_be_in_set', { column: 'amount', value_set: [1, 2], severity: 'warn' }],
    ]);
  });

  it('replaces {object} and {property} in an sql rule by the quoted table and column', () => {
    const [rule] = rulesOf(`          - type: sql
            query: SELECT COUNT(*) FROM {object} WHERE {property} > 1000
            mustBeLessThan: 10
`);
    expect(rule).toEqual({
      type: 'expect_sql_query_result_to_satisfy',
      kwargs: { query: 'SELECT COUNT(*) FROM "orders" WHERE "amount" > 1000', column: 'amount', operator: 'mustBeLessThan', value: 10 },
    });
  });

  it('compiles library metrics with mustBe 0 in rows to the Great Expectations rules, the rest to library metrics', () => {
    const rules = rulesOf(`          - metric: nullValues
            mustBe: 0
          - metric: invalidValues
            arguments: { validValues: [1, 2] }
            mustBe: 0
          - metric: invalidValues
            arguments: { pattern: "^[0-9]+$" }
            mustBe: 0
          - metric: duplicateValues
            mustBe: 0
          - metric: duplicateValues
            mustBeLessThan: 2
          - metric: missingValues
            arguments: { missingValues: [null, "", "N/A"] }
            mustBeBetween: [0, 3]
            unit: percent
          - type: text
            description: informational only
`);
    expect(rules.map((rule) => [rule.type, rule.kwargs])).toEqual([
      ['expect_column_values_to_not_be_null', { column: 'amount' }],
      ['expect_column_values_to_be_in_set', { column: 'amount', value_set: [1, 2] }],
      ['expect_column_values_to_match_regex', { column: 'amount', regex: '^[0-9]+$' }],
      ['expect_column_values_to_be_unique', { column: 'amount' }],
      ['expect_library_metric_to_satisfy', { metric: 'duplicateValues', column: 'amount', unit: 'rows', operator: 'mustBeLessThan', value: 2 }],
      [
        'expect_library_metric_to_satisfy',
        { metric: 'missingValues', column: 'amount', unit: 'percent', operator: 'mustBeBetween', value: [0, 3], missing_values: ['', 'N/A'] },
      ],
    ]);
  });

  it('compiles table-level row counts and duplicates, replacing the default row count', () => {
    const contract = CONTRACT.replace(
      '  - name: orders\n',
      `  - name: orders
    quality:
      - metric: rowCount
        mustBeGreaterThan: 10
      - metric: duplicateValues
        arguments: { properties: [customer_id, amount] }
        mustBe: 0
      - metric: rowCount
        mustNotBe: 13
`,
    );
    const orders = load({ contract }).contract.tables[1];
    expect(orders.expectations.slice(2, 5).map((config) => [config.type, config.kwargs])).toEqual([
      ['expect_table_row_count_to_be_between', { min_value: 10, strict_min: true }],
      ['expect_compound_columns_to_be_unique', { column_list: ['customer_id', 'amount'] }],
      ['expect_library_metric_to_satisfy', { metric: 'rowCount', unit: 'rows', operator: 'mustNotBe', value: 13 }],
    ]);
  });

  it('reads CSV spellings of booleans on a property or its table; the default leaves none', () => {
    const contract = CONTRACT.replace(
      '  - name: orders\n',
      `  - name: orders
    customProperties:
      - { property: trueValues, value: [Y, yes] }
      - { property: falseValues, value: [N, no] }
`,
    ).replace(
      '      - name: churned\n        logicalType: boolean\n',
      '      - name: churned\n        logicalType: boolean\n        customProperties: [{ property: trueValues, value: ["True"] }, { property: falseValues, value: ["FALSE"] }]\n',
    );
    const [customers, orders] = load({ contract }).contract.tables;
    expect(orders.columns.find((column) => column.name === 'paid')?.booleans).toEqual({ true: ['Y', 'yes'], false: ['N', 'no'] });
    expect(orders.columns.find((column) => column.name === 'amount')?.booleans).toBeUndefined();
    expect(customers.columns.find((column) => column.name === 'churned')).not.toHaveProperty('booleans');
  });

  it('keeps a column the exports do not carry out of every check, NULL', () => {
    const contract = CONTRACT.replace(
      '      - name: paid\n',
      '      - name: legacy_flag\n        logicalType: boolean\n        customProperties: [{ property: exported, value: false }]\n      - name: paid\n',
    );
    const orders = load({ contract }).contract.tables[1];
    expect(orders.columns.find((column) => column.name === 'legacy_flag')).toMatchObject({ inExport: false, nullable: true });
    expect(JSON.stringify(orders.expectations)).not.toContain('legacy_flag');
  });
});

describe('describing the ODCS expectation types', () => {
  it('says a library metric and an sql rule in words', () => {
    const text = (kwargs: Record<string, unknown>, type = 'expect_library_metric_to_satisfy') => describeExpectation({ type, kwargs } as ExpectationConfig);
    expect(text({ metric: 'nullValues', column: 'a', unit: 'percent', operator: 'mustBeLessOrEqualTo', value: 5 })).toBe('null values: at most 5% of rows');
    expect(text({ metric: 'duplicateValues', column_list: ['a', 'b'], unit: 'rows', operator: 'mustBeLessThan', value: 1 })).toBe(
      'duplicate combinations of a, b: less than 1 row',
    );
    expect(text({ metric: 'rowCount', unit: 'rows', operator: 'mustNotBeBetween', value: [5, 10] })).toBe('row count not between 5 and 10');
    expect(text({ query: 'SELECT 1', operator: 'mustBeBetween', value: [1, 10] }, 'expect_sql_query_result_to_satisfy')).toBe('query result between 1 and 10');
  });
});

// ---------------------------------------------------------------------------------------
// Errors: each at its line and column, with what was expected

describe('a mistake in the contract', () => {
  const odcs = (text: string, needle: string, occurrence = 1) => ({ file: 'shop.odcs.yaml' as const, at: at(text, needle, occurrence) });

  it('YAML syntax', () => {
    const contract = CONTRACT.replace('      - name: region\n', '      - name: region: north\n');
    const error = expectError({ contract }, { file: 'shop.odcs.yaml', at: at(contract, 'region: north') }, /YAML syntax error/);
    expect(error.position?.line).toBe(Number(at(contract, 'region: north').split(':')[0]));
  });

  it('a missing required field', () => {
    const contract = CONTRACT.replace('      - name: region\n        physicalType: "varchar"\n', '      - physicalType: "varchar"\n');
    expectError({ contract }, odcs(contract, 'physicalType: "varchar"'), /missing required field "name"/, /expected a text/);
    const noKind = CONTRACT.replace('kind: DataContract\n', '');
    expectError({ contract: noKind }, { file: 'shop.odcs.yaml', at: '1:1' }, /missing required field "kind"/);
  });

  it('an unknown physicalType or logicalType', () => {
    const physical = CONTRACT.replace('physicalType: decimal( 10 , 2 )', 'physicalType: money');
    expectError({ contract: physical }, odcs(physical, 'money'), /unknown physicalType "money"/, /expected a DuckDB type: VARCHAR/);
    const logical = CONTRACT.replace(
      '        logicalType: boolean\n        required: true\n        quality',
      '        logicalType: flag\n        required: true\n        quality',
    );
    expectError(
      { contract: logical },
      odcs(logical, 'flag'),
      /unknown logicalType "flag"/,
      /expected one of string, integer, number, boolean, date or timestamp/,
    );
    const neither = CONTRACT.replace('      - name: churned\n        logicalType: boolean\n', '      - name: churned\n');
    expectError({ contract: neither }, odcs(neither, 'name: churned'), /missing required field "physicalType"/);
  });

  it('an unknown quality metric', () => {
    const contract = CONTRACT.replace('metric: nullValues', 'metric: nullValue');
    expectError({ contract }, odcs(contract, 'nullValue\n'), /unknown quality metric "nullValue"/, /expected one of nullValues, /);
  });

  it('an unknown operator, a between without a pair, no operator', () => {
    const unknown = CONTRACT.replace('mustBeLessThan: 5', 'mustBeLess: 5');
    expectError({ contract: unknown }, odcs(unknown, 'mustBeLess:'), /unknown operator "mustBeLess"/, /expected one of mustBeLessThan, /);
    const between = CONTRACT.replace('mustBeLessThan: 5', 'mustBeBetween: 5');
    expectError({ contract: between }, odcs(between, '5\n            unit'), /mustBeBetween is 5/, /expected a pair of numbers \[low, high\]/);
    const none = CONTRACT.replace('            mustBeLessThan: 5\n', '');
    expectError({ contract: none }, odcs(none, 'metric: nullValues'), /no operator/, /expected one of mustBe, /);
  });

  it('a relationship to a missing table or column', () => {
    const table = CONTRACT.replace('to: customers.customer_id', 'to: clients.customer_id');
    expectError({ contract: table }, odcs(table, 'clients.customer_id'), /relationship to unknown table "clients"/, /expected one of customers or orders/);
    const column = CONTRACT.replace('to: customers.customer_id', 'to: customers.id');
    expectError(
      { contract: column },
      odcs(column, 'customers.id'),
      /relationship to unknown column customers.id/,
      /expected one of customer_id, region or churned/,
    );
  });

  it('an unknown Great Expectations type, with the nearest known names', () => {
    const contract = CONTRACT.replace(
      '          - metric: nullValues\n',
      `          - type: custom
            engine: greatExpectations
            implementation: |
              type: expect_column_value_to_be_null
          - metric: nullValues
`,
    );
    expectError(
      { contract },
      odcs(contract, 'expect_column_value_to_be_null'),
      /unknown Great Expectations type "expect_column_value_to_be_null"/,
      /nearest being expect_column_values_to_be_null, /,
    );
  });

  it('a misspelt kwarg of a custom rule, at its place in the text block', () => {
    const contract = CONTRACT.replace(
      '          - metric: nullValues\n',
      `          - type: custom
            engine: greatExpectations
            implementation: |
              type: expect_column_values_to_be_between
              kwargs:
                min: 0
          - metric: nullValues
`,
    );
    expectError({ contract }, odcs(contract, 'min: 0'), /unknown key "min"/, /expected one of column, min_value, max_value/);
  });
});

describe('a mistake in streamflow.yaml', () => {
  const project = (text: string, needle: string) => ({ file: 'streamflow.yaml' as const, at: at(text, needle) });

  it('a label naming an unknown table or column', () => {
    const table = PROJECT.replace('table: customers', 'table: clients');
    expectError(
      { contract: CONTRACT, project: table },
      project(table, 'clients'),
      /unknown table "clients"/,
      /expected one of the contract's tables: customers or orders/,
    );
    const column = PROJECT.replace('column: churned', 'column: churn');
    expectError(
      { contract: CONTRACT, project: column },
      project(column, 'churn\n'),
      /unknown column "churn" of table customers/,
      /expected one of region or churned/,
    );
  });

  it('a feature view naming an unknown table or column, or a table not keyed by the entity', () => {
    const table = `${PROJECT}feature_views:\n  - { name: regions, table: regionz, features: all }\n`;
    expectError({ contract: CONTRACT, project: table }, project(table, 'regionz'), /unknown table "regionz"/);
    const column = `${PROJECT}feature_views:\n  - { name: regions, table: customers, features: [region, country] }\n`;
    expectError({ contract: CONTRACT, project: column }, project(column, 'country'), /unknown column "country" of table customers/);
    const keyed = `${PROJECT}feature_views:\n  - { name: orders, table: orders, features: all }\n`;
    expectError(
      { contract: CONTRACT, project: keyed },
      project(keyed, 'orders, features'),
      /keyed by customer_id, order_no/,
      /expected a table keyed by the entity/,
    );
  });

  it('a missing contract file, a missing label, a ttl that is no duration', () => {
    const missing = PROJECT.replace('shop.odcs.yaml', 'nowhere.yaml');
    expectError({ contract: CONTRACT, project: missing }, project(missing, 'nowhere.yaml'), /no such file/);
    const noLabel = 'name: shop\ncontract: shop.odcs.yaml\n';
    expectError({ contract: CONTRACT, project: noLabel }, { file: 'streamflow.yaml', at: '1:1' }, /missing required field "label"/);
    const ttl = `${PROJECT}  ttl: 3 days\n`;
    expectError({ contract: CONTRACT, project: ttl }, project(ttl, '3 days'), /"3 days" is not a ttl/, /expected a whole number and a unit/);
  });

  it('warns of an unknown top-level key, naming it, and rejects one below', () => {
    const loaded = load({ contract: CONTRACT, project: `${PROJECT}extras: 1\n` });
    expect(loaded.warnings).toHaveLength(1);
    expect(loaded.warnings[0]).toMatch(/streamflow\.yaml:6:1: unknown key "extras" ignored; expected one of name, contract, /);
    const nested = `${PROJECT}drift:\n  psi: { warm: 0.3 }\n`;
    expectError({ contract: CONTRACT, project: nested }, project(nested, 'warm'), /unknown key "warm"/, /expected one of warn, error or reason/);
  });

  it('takes drift settings field by field over the defaults', () => {
    const text = `${PROJECT}drift:\n  tables: [orders]\n  psi: { warn: 0.3 }\n  null_share_increase: { max: 0.1 }\n`;
    const [customers, orders] = load({ contract: CONTRACT, project: text }).contract.tables;
    expect(customers.expectations.map((config) => config.type)).not.toContain('expect_table_key_churn_to_be_less_than');
    expect(orders.expectations.find((config) => config.type === 'expect_table_key_churn_to_be_less_than')?.kwargs).toEqual({
      max_value: 0.005,
      severe_max_value: 0.05,
      severity: 'warn',
    });
    const psi = orders.expectations.find((config) => config.type === 'expect_column_psi_to_be_less_than')!;
    expect(psi.kwargs).toEqual({ column: 'amount', max_value: 0.3, severity: 'warn' });
    expect(psi.meta?.notes).toMatch(/PSI above 0.2 is the usual line/);
    expect(orders.expectations.find((config) => config.type === 'expect_column_null_fraction_to_not_increase_by_more_than')?.kwargs).toEqual({
      column: 'amount',
      max_increase: 0.1,
    });
  });
});
