// An ODCS v3 data contract (Open Data Contract Standard, Bitol) read into the tables of the
// contract: their CSV files, columns, keys and parents, and each table's expectation
// suite (compile.ts). Keys this reader does not use are accepted and ignored, as the
// standard asks; everything it does use is checked, and a problem is reported at its
// place in the file (ContractError: `file:line:column: what; expected what`).
//
// What is read (the rest of the standard is ignored):
// - top level: apiVersion (v3.x), kind: DataContract, id, version, name (default: id), status,
//   description, schema[] (the tables, in order: a parent before its children).
// - a table: name, description, properties[] (the CSV's columns, in order), quality[],
//   customProperties: `file` (the CSV's name, default `<name>.csv`), `trueValues` /
//   `falseValues` (for all its BOOLEAN columns).
// - a property: name, physicalType or logicalType, required, unique, primaryKey,
//   primaryKeyPosition (composite keys, key order), description, logicalTypeOptions
//   (minimum, maximum, exclusiveMinimum, exclusiveMaximum, pattern), relationships
//   (`- to: table.column`, type foreignKey), quality[], customProperties: `exported: false`
//   (a column the live table carries and the exports do not: NULL, never checked),
//   `trueValues` / `falseValues` (CSV spellings of a BOOLEAN, case-insensitive; default
//   true / false), `maxNullShareIncrease` (a nullable column's guard, default the project's).
//
// Types. physicalType is a DuckDB type, case and spacing free: VARCHAR, INTEGER, BIGINT,
// DOUBLE, DECIMAL(p,s), DATE, TIMESTAMP, TIMESTAMPTZ, BOOLEAN, and DuckDB's own names for
// them: TEXT and STRING (VARCHAR), INT and INT4 (INTEGER), INT8 and LONG (BIGINT), FLOAT8
// and DOUBLE PRECISION (DOUBLE), NUMERIC(p,s) (DECIMAL), BOOL (BOOLEAN), DATETIME
// (TIMESTAMP), TIMESTAMP WITH TIME ZONE (TIMESTAMPTZ). A logicalType alone stands for
// string → VARCHAR, integer → BIGINT, number → DOUBLE, boolean → BOOLEAN, date → DATE,
// timestamp → TIMESTAMP; given with a physicalType, the two must agree.
//
// Quality rules (table or property level), compiled to expectations (expectations.ts):
// - library metrics nullValues, missingValues, invalidValues, duplicateValues, rowCount
//   with one operator and a unit (rows, default, or percent). `mustBe: 0` in rows is the
//   Great Expectations row-level rule (values not null, in a set, matching a pattern,
//   unique; a combination unique); a rowCount bound is the table's row count rule;
//   anything else is the library metric rule (expectations/library-metric-to-satisfy.ts).
// - sql: a query returning one number, `{object}` and `{property}` replaced by the quoted
//   table and column, with one operator (expectations/sql-query-result-to-satisfy.ts).
// - custom with engine greatExpectations: an implementation (a YAML or JSON text block, or
//   a mapping) holding `type` (or `expectation_type`) and `kwargs` of a type of the
//   registry (expectations/registry.ts), checked by its kwargs schema; on a property,
//   `column` defaults to it.
// - text: informational, not compiled.
// severity error (default), warning (warn) or info; `name` and `description` become the
// expectation's meta name and notes.
import { z } from 'zod';
import type { BooleanSpelling, ColumnSpec, ColumnType } from './columns';
import { compileSuite, DEFAULT_DRIFT, type DriftSettings, defaultDriftTables, type PropertyRules, type TableRules } from './compile';
import type { ExpectationConfig } from './expectations';
import { columnValuesToBeBetween } from './expectations/column-values-to-be-between';
import { columnValuesToBeInSet } from './expectations/column-values-to-be-in-set';
import { columnValuesToBeUnique } from './expectations/column-values-to-be-unique';
import { columnValuesToMatchRegex } from './expectations/column-values-to-match-regex';
import { columnValuesToNotBeNull } from './expectations/column-values-to-not-be-null';
import { compoundColumnsToBeUnique } from './expectations/compound-columns-to-be-unique';
import { libraryMetricToSatisfy } from './expectations/library-metric-to-satisfy';
import { EXPECTATION_TYPES, isExpectationType, kwargsSchemaOf, takesColumn } from './expectations/registry';
import { quoteIdent } from './expectations/sql';
import { sqlQueryResultToSatisfy } from './expectations/sql-query-result-to-satisfy';
import { tableRowCountToBeBetween } from './expectations/table-row-count-to-be-between';
import { type Comparison, LIBRARY_METRICS, type LibraryMetric, OPERATORS, type Operator, type Severity } from './expectations/terms';
import type { TableSpec } from './tables';
import { nearest, oneOf, quoted, type YamlPath, YamlSource } from './yaml-source';

// ---------------------------------------------------------------------------------------
// The shape of the file (zod): only the keys read; the others pass unchecked.

const customProperties = z.array(z.object({ property: z.string().min(1), value: z.unknown() }));
const numberOrText = z.union([z.number(), z.string()]);

const qualitySchema = z.object({
  type: z.enum(['library', 'sql', 'custom', 'text']).optional(),
  metric: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  severity: z.string().optional(),
  unit: z.enum(['rows', 'percent']).optional(),
  arguments: z
    .object({
      missingValues: z.array(z.union([z.string(), z.number(), z.null()])).optional(),
      validValues: z
        .array(z.union([z.string(), z.number(), z.boolean()]))
        .min(1)
        .optional(),
      pattern: z.string().min(1).optional(),
      properties: z.array(z.string().min(1)).min(1).optional(),
    })
    .optional(),
  query: z.string().min(1).optional(),
  engine: z.string().optional(),
  implementation: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});

const propertySchema = z.object({
  name: z.string().min(1),
  physicalType: z.string().min(1).optional(),
  logicalType: z.string().min(1).optional(),
  required: z.boolean().optional(),
  unique: z.boolean().optional(),
  primaryKey: z.boolean().optional(),
  primaryKeyPosition: z.number().int().optional(),
  description: z.string().optional(),
  logicalTypeOptions: z
    .object({
      minimum: numberOrText.optional(),
      maximum: numberOrText.optional(),
      exclusiveMinimum: z.union([z.number(), z.string(), z.boolean()]).optional(),
      exclusiveMaximum: z.union([z.number(), z.string(), z.boolean()]).optional(),
      pattern: z.string().min(1).optional(),
    })
    .optional(),
  relationships: z.array(z.object({ to: z.string().min(1), type: z.string().optional() })).optional(),
  quality: z.array(qualitySchema).optional(),
  customProperties: customProperties.optional(),
});

const tableSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  properties: z.array(propertySchema).min(1),
  quality: z.array(qualitySchema).optional(),
  customProperties: customProperties.optional(),
});

const contractSchema = z.object({
  apiVersion: z
    .string()
    .regex(/^v?3\.\d+\.\d+$/, { error: (issue) => `apiVersion ${quoted(issue.input)} is not ODCS v3; expected v3.1.0 (or another v3.x.y)` }),
  kind: z.literal('DataContract'),
  id: z.string().min(1),
  version: z.string().min(1),
  name: z.string().min(1).optional(),
  status: z.string().optional(),
  schema: z.array(tableSchema).min(1),
});

type QualityRule = z.infer<typeof qualitySchema>;
type Property = z.infer<typeof propertySchema>;
type Table = z.infer<typeof tableSchema>;

// ---------------------------------------------------------------------------------------
// Types

const PHYSICAL_TYPES: Record<string, ColumnType> = {
  VARCHAR: 'VARCHAR',
  TEXT: 'VARCHAR',
  STRING: 'VARCHAR',
  INTEGER: 'INTEGER',
  INT: 'INTEGER',
  INT4: 'INTEGER',
  BIGINT: 'BIGINT',
  INT8: 'BIGINT',
  LONG: 'BIGINT',
  DOUBLE: 'DOUBLE',
  FLOAT8: 'DOUBLE',
  'DOUBLE PRECISION': 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  DATETIME: 'TIMESTAMP',
  TIMESTAMPTZ: 'TIMESTAMPTZ',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMPTZ',
};

/** ODCS logical types and the DuckDB type each stands for alone. */
const LOGICAL_TYPES: Record<string, ColumnType> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/** Whether a physical type can hold the values of a logical type. */
function fits(logical: string, type: ColumnType): boolean {
  switch (logical) {
    case 'integer':
      return type === 'INTEGER' || type === 'BIGINT';
    case 'number':
      return type === 'DOUBLE' || type === 'INTEGER' || type === 'BIGINT' || type.startsWith('DECIMAL(');
    case 'timestamp':
      return type === 'TIMESTAMP' || type === 'TIMESTAMPTZ';
    default:
      return LOGICAL_TYPES[logical] === type;
  }
}

const TYPE_LIST = 'VARCHAR, INTEGER, BIGINT, DOUBLE, DECIMAL(p,s), DATE, TIMESTAMP, TIMESTAMPTZ or BOOLEAN';

function physicalType(source: YamlSource, path: YamlPath, text: string): ColumnType {
  const normal = text.trim().replace(/\s+/g, ' ').toUpperCase();
  const decimal = /^(?:DECIMAL|NUMERIC) ?\( ?(\d+) ?, ?(\d+) ?\)$/.exec(normal);
  if (decimal) {
    const [precision, scale] = [Number(decimal[1]), Number(decimal[2])];
    if (precision < 1 || precision > 38 || scale > precision) {
      throw source.error(path, `physicalType ${quoted(text)} has no such precision and scale`, 'DECIMAL(p,s) with 1 ≤ p ≤ 38 and 0 ≤ s ≤ p');
    }
    return `DECIMAL(${precision},${scale})`;
  }
  const type = PHYSICAL_TYPES[normal];
  if (!type) throw source.error(path, `unknown physicalType ${quoted(text)}`, `a DuckDB type: ${TYPE_LIST}`);
  return type;
}

function columnType(source: YamlSource, path: YamlPath, property: Property): ColumnType {
  const logical = property.logicalType?.toLowerCase();
  if (logical !== undefined && !(logical in LOGICAL_TYPES)) {
    throw source.error([...path, 'logicalType'], `unknown logicalType ${quoted(property.logicalType)}`, `one of ${oneOf(Object.keys(LOGICAL_TYPES))}`);
  }
  if (property.physicalType === undefined) {
    if (logical === undefined) throw source.missing([...path, 'physicalType'], `a physicalType (${TYPE_LIST}) or a logicalType`);
    return LOGICAL_TYPES[logical];
  }
  const type = physicalType(source, [...path, 'physicalType'], property.physicalType);
  if (logical !== undefined && !fits(logical, type)) {
    throw source.error(
      [...path, 'physicalType'],
      `physicalType ${type} does not hold logicalType ${logical}`,
      `a physicalType that fits ${logical}, or no logicalType`,
    );
  }
  return type;
}

// ---------------------------------------------------------------------------------------
// Names, custom properties

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkName(source: YamlSource, path: YamlPath, name: string, what: string): void {
  if (!IDENTIFIER.test(name)) {
    throw source.error(path, `${what} name ${quoted(name)} is not a plain name`, 'letters, digits and _, not starting with a digit');
  }
}

/** A custom property by name, with the path of its value. */
function custom(
  list: readonly { property: string; value: unknown }[] | undefined,
  base: YamlPath,
  property: string,
): { value: unknown; path: YamlPath } | undefined {
  const index = list?.findIndex((entry) => entry.property === property) ?? -1;
  return index < 0 ? undefined : { value: list![index].value, path: [...base, 'customProperties', index, 'value'] };
}

const spellings = z.array(z.string().min(1)).min(1);

/** trueValues / falseValues of a property, or else of its table; undefined when they are the default. */
function booleanSpelling(source: YamlSource, owners: readonly { list: Property['customProperties']; path: YamlPath }[]): BooleanSpelling | undefined {
  const read = (name: string): string[] | undefined => {
    for (const owner of owners) {
      const found = custom(owner.list, owner.path, name);
      if (found) return source.parseWith(spellings, found.path, found.value);
    }
    return undefined;
  };
  const spelling = { true: read('trueValues') ?? ['true'], false: read('falseValues') ?? ['false'] };
  const lower = (values: readonly string[]) => values.map((value) => value.toLowerCase());
  const both = lower(spelling.true).filter((value) => lower(spelling.false).includes(value));
  if (both.length > 0) {
    const where = owners.map((owner) => custom(owner.list, owner.path, 'falseValues')?.path).find(Boolean) ?? owners[0].path;
    throw source.error(
      where,
      `${quoted(both[0])} spells both true and false`,
      'trueValues and falseValues that share no spelling (compared case-insensitively)',
    );
  }
  const isDefault = (values: readonly string[], word: string) => values.length === 1 && values[0].toLowerCase() === word;
  return isDefault(spelling.true, 'true') && isDefault(spelling.false, 'false') ? undefined : spelling;
}

// ---------------------------------------------------------------------------------------
// Quality rules

const SEVERITIES: Record<string, Severity> = { error: 'error', warning: 'warn', warn: 'warn', info: 'info' };

/** The table (and property) a rule is declared on, and what it may refer to. */
interface RuleContext {
  readonly source: YamlSource;
  readonly table: string;
  readonly column?: ColumnSpec;
  readonly columns: readonly ColumnSpec[];
  readonly tables: ReadonlyMap<string, readonly ColumnSpec[]>;
}

function comparison(source: YamlSource, path: YamlPath): Comparison {
  const raw = source.get(path) as Record<string, unknown>;
  const given = Object.keys(raw).filter((key) => /^must/i.test(key));
  const unknown = given.find((key) => !(OPERATORS as readonly string[]).includes(key));
  if (unknown) {
    throw source.error([...path, unknown], `unknown operator "${unknown}"`, `one of ${oneOf(nearest(unknown, OPERATORS, OPERATORS.length))}`, { key: true });
  }
  if (given.length === 0) throw source.error(path, 'no operator', `one of ${oneOf(OPERATORS)}, e.g. mustBe: 0`);
  if (given.length > 1) {
    throw source.error([...path, given[1]], `more than one operator (${given.join(', ')})`, 'one operator per rule (mustBeBetween: [low, high] for a range)', {
      key: true,
    });
  }
  const operator = given[0] as Operator;
  const value = raw[operator];
  if (operator === 'mustBeBetween' || operator === 'mustNotBeBetween') {
    const pair = Array.isArray(value) && value.length === 2 && value.every((item) => typeof item === 'number' && Number.isFinite(item)) && value[0] <= value[1];
    if (!pair) throw source.error([...path, operator], `${operator} is ${quoted(value)}`, 'a pair of numbers [low, high] with low ≤ high');
    return { operator, value: [value[0], value[1]] };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw source.error([...path, operator], `${operator} is ${quoted(value)}`, 'a number');
  return { operator, value };
}

function severityKwarg(source: YamlSource, path: YamlPath, rule: QualityRule): { severity?: Severity } {
  if (rule.severity === undefined) return {};
  const severity = SEVERITIES[rule.severity.toLowerCase()];
  if (!severity) throw source.error([...path, 'severity'], `unknown severity ${quoted(rule.severity)}`, 'error, warning or info');
  return severity === 'error' ? {} : { severity };
}

function metaOf(rule: QualityRule, notes = rule.description): ExpectationConfig['meta'] {
  if (rule.name === undefined && notes === undefined) return undefined;
  return { ...(rule.name === undefined ? {} : { name: rule.name }), ...(notes === undefined ? {} : { notes }) };
}

function config(type: string, kwargs: Record<string, unknown>, meta: ExpectationConfig['meta']): ExpectationConfig {
  return (meta ? { type, kwargs, meta } : { type, kwargs }) as ExpectationConfig;
}

/** The row count bounds of a rowCount comparison, when it is one. */
function rowCountBounds({ operator, value }: Comparison): Record<string, unknown> | undefined {
  if (Array.isArray(value)) return operator === 'mustBeBetween' ? { min_value: value[0], max_value: value[1] } : undefined;
  switch (operator) {
    case 'mustBe':
      return { min_value: value, max_value: value };
    case 'mustBeGreaterOrEqualTo':
      return { min_value: value };
    case 'mustBeGreaterThan':
      return { min_value: value, strict_min: true };
    case 'mustBeLessOrEqualTo':
      return { max_value: value };
    case 'mustBeLessThan':
      return { max_value: value, strict_max: true };
    default:
      return undefined;
  }
}

function libraryRule(context: RuleContext, path: YamlPath, rule: QualityRule): ExpectationConfig {
  const { source, column } = context;
  const metric = rule.metric;
  if (metric === undefined) throw source.missing([...path, 'metric'], `a library metric: ${oneOf(LIBRARY_METRICS)}`);
  if (!(LIBRARY_METRICS as readonly string[]).includes(metric)) {
    throw source.error(
      [...path, 'metric'],
      `unknown quality metric ${quoted(metric)}`,
      `one of ${oneOf(nearest(metric, LIBRARY_METRICS, LIBRARY_METRICS.length))}`,
    );
  }
  const args = rule.arguments ?? {};
  const levelProblem =
    metric === 'rowCount' && column
      ? 'rowCount counts the rows of a table'
      : metric !== 'rowCount' && metric !== 'duplicateValues' && !column
        ? `${metric} counts the values of a column`
        : undefined;
  if (levelProblem) {
    throw source.error(
      [...path, 'metric'],
      `${levelProblem}, not of a ${column ? 'property' : 'table'}`,
      `${metric} in the quality of a ${column ? 'table' : 'property'}`,
    );
  }
  const compared = comparison(source, path);
  const unit = rule.unit ?? 'rows';
  const severity = severityKwarg(source, path, rule);
  const meta = metaOf(rule);
  const exact = compared.operator === 'mustBe' && compared.value === 0 && unit === 'rows';
  const extra: Record<string, unknown> = {};
  let columnList: string[] | undefined;

  if (metric === 'invalidValues') {
    if (args.validValues === undefined && args.pattern === undefined)
      throw source.missing([...path, 'arguments', 'validValues'], 'arguments.validValues or arguments.pattern');
    if (args.validValues !== undefined && args.pattern !== undefined) {
      throw source.error([...path, 'arguments', 'pattern'], 'both validValues and pattern', 'one of arguments.validValues and arguments.pattern');
    }
    if (exact) {
      return args.validValues
        ? config(columnValuesToBeInSet.type, { column: column!.name, value_set: args.validValues, ...severity }, meta)
        : config(columnValuesToMatchRegex.type, { column: column!.name, regex: args.pattern, ...severity }, meta);
    }
    if (args.validValues) extra.valid_values = args.validValues;
    else extra.pattern = args.pattern;
  } else if (metric === 'missingValues') {
    if (args.missingValues === undefined) throw source.missing([...path, 'arguments', 'missingValues'], 'the list of values that count as missing');
    extra.missing_values = args.missingValues.filter((value) => value !== null);
  } else if (metric === 'nullValues') {
    if (exact) return config(columnValuesToNotBeNull.type, { column: column!.name, ...severity }, meta);
  } else if (metric === 'duplicateValues') {
    if (column) {
      if (exact) return config(columnValuesToBeUnique.type, { column: column.name, ...severity }, meta);
    } else {
      if (args.properties === undefined) throw source.missing([...path, 'arguments', 'properties'], 'the list of properties whose combination is counted');
      args.properties.forEach((name, index) => {
        checkColumn(context, [...path, 'arguments', 'properties', index], name);
      });
      columnList = args.properties;
      if (exact) return config(compoundColumnsToBeUnique.type, { column_list: columnList, ...severity }, meta);
    }
  } else if (metric === 'rowCount') {
    if (unit !== 'rows') throw source.error([...path, 'unit'], 'a row count in percent', 'unit: rows (or none)');
    const bounds = rowCountBounds(compared);
    if (bounds) return config(tableRowCountToBeBetween.type, { ...bounds, ...severity }, meta);
  }
  return config(
    libraryMetricToSatisfy.type,
    {
      metric: metric as LibraryMetric,
      ...(column ? { column: column.name } : {}),
      ...(columnList ? { column_list: columnList } : {}),
      unit,
      operator: compared.operator,
      value: compared.value,
      ...extra,
      ...severity,
    },
    meta,
  );
}

function sqlRule(context: RuleContext, path: YamlPath, rule: QualityRule): ExpectationConfig {
  const { source, column } = context;
  if (rule.query === undefined) throw source.missing([...path, 'query'], 'an SQL query returning one number');
  if (!column && rule.query.includes('{property}')) {
    throw source.error([...path, 'query'], '{property} in the query of a table-level rule', '{property} only in the quality of a property');
  }
  const compared = comparison(source, path);
  const query = rule.query
    .trim()
    .replaceAll('{object}', quoteIdent(context.table))
    .replaceAll('{property}', column ? quoteIdent(column.name) : '{property}');
  return config(
    sqlQueryResultToSatisfy.type,
    { query, ...(column ? { column: column.name } : {}), operator: compared.operator, value: compared.value, ...severityKwarg(source, path, rule) },
    metaOf(rule),
  );
}

const implementationSchema = z.object({
  type: z.string().min(1).optional(),
  expectation_type: z.string().min(1).optional(),
  kwargs: z.record(z.string(), z.unknown()).optional(),
  meta: z.object({ notes: z.string().optional() }).optional(),
});

function checkColumn(context: RuleContext, path: YamlPath, name: unknown, source = context.source): void {
  const column = context.columns.find((candidate) => candidate.name === name);
  if (!column) {
    const exported = context.columns.filter((candidate) => candidate.inExport).map((candidate) => candidate.name);
    throw source.error(path, `unknown column ${quoted(name)} of table ${context.table}`, `one of ${oneOf(exported)}`);
  }
  if (!column.inExport) throw source.error(path, `column ${column.name} is not exported (exported: false), so no rule can check it`, 'an exported column');
}

function checkTable(context: RuleContext, path: YamlPath, name: unknown, source: YamlSource): readonly ColumnSpec[] {
  const columns = context.tables.get(String(name));
  if (!columns) throw source.error(path, `unknown table ${quoted(name)}`, `one of ${oneOf([...context.tables.keys()])}`);
  return columns;
}

function customRule(context: RuleContext, path: YamlPath, rule: QualityRule): ExpectationConfig {
  const { source, column } = context;
  if (rule.engine === undefined) throw source.missing([...path, 'engine'], 'engine: greatExpectations');
  if (!/^great[ _-]?expectations$/i.test(rule.engine)) {
    throw source.error([...path, 'engine'], `engine ${quoted(rule.engine)} is not one streamflow runs`, 'greatExpectations');
  }
  if (rule.implementation === undefined) throw source.missing([...path, 'implementation'], 'a Great Expectations expectation: type and kwargs');
  const inner = source.embedded([...path, 'implementation']);
  const implementation = inner.source.parseWith(implementationSchema, inner.path);
  const typeKey = implementation.type !== undefined ? 'type' : 'expectation_type';
  const type = implementation.type ?? implementation.expectation_type;
  if (type === undefined) throw inner.source.missing([...inner.path, 'type'], `a Great Expectations expectation type, e.g. ${columnValuesToBeBetween.type}`);
  if (!isExpectationType(type)) {
    throw inner.source.error(
      [...inner.path, typeKey],
      `unknown Great Expectations type ${quoted(type)}`,
      `one of the supported types, the nearest being ${oneOf(nearest(type, EXPECTATION_TYPES))}`,
    );
  }
  const kwargsPath = [...inner.path, 'kwargs'];
  const given = { ...(implementation.kwargs ?? {}) };
  if (column && takesColumn(type) && given.column === undefined) given.column = column.name;
  const kwargs = inner.source.parseWith(kwargsSchemaOf(type), kwargsPath, given);
  // The ODCS severity, when given, wins over the kwargs'; error is the default and not written.
  const severity = rule.severity === undefined ? kwargs.severity : (severityKwarg(source, path, rule).severity ?? 'error');
  delete kwargs.severity;
  if (severity !== undefined && severity !== 'error') kwargs.severity = severity;
  // What the kwargs name must exist.
  const at = (key: string, index?: number) => (index === undefined ? [...kwargsPath, key] : [...kwargsPath, key, index]);
  if (kwargs.column !== undefined) checkColumn(context, at('column'), kwargs.column, inner.source);
  for (const key of ['column_list', 'column_set']) {
    const list = kwargs[key];
    if (Array.isArray(list)) {
      list.forEach((name, index) => {
        checkColumn(context, at(key, index), name, inner.source);
      });
    }
  }
  if (kwargs.other_table_name !== undefined) checkTable(context, at('other_table_name'), kwargs.other_table_name, inner.source);
  if (kwargs.other_table !== undefined) {
    const columns = checkTable(context, at('other_table'), kwargs.other_table, inner.source);
    if (!columns.some((candidate) => candidate.name === kwargs.other_column)) {
      throw inner.source.error(
        at('other_column'),
        `unknown column ${quoted(kwargs.other_column)} of table ${String(kwargs.other_table)}`,
        `one of ${oneOf(columns.map((c) => c.name))}`,
      );
    }
  }
  return config(type, kwargs, metaOf(rule, rule.description ?? implementation.meta?.notes));
}

/** A quality rule compiled to an expectation; undefined for a `text` rule (informational). */
function compileRule(context: RuleContext, path: YamlPath, rule: QualityRule): ExpectationConfig | undefined {
  const type = rule.type ?? (rule.metric !== undefined ? 'library' : undefined);
  switch (type) {
    case 'text':
      return undefined;
    case 'library':
      return libraryRule(context, path, rule);
    case 'sql':
      return sqlRule(context, path, rule);
    case 'custom':
      return customRule(context, path, rule);
    default:
      throw context.source.missing([...path, 'metric'], `a library metric (${oneOf(LIBRARY_METRICS)}) or a type: sql, custom or text`);
  }
}

// ---------------------------------------------------------------------------------------
// Tables

/** logicalTypeOptions streamflow does not check: reported as warnings. */
const UNCHECKED_OPTIONS = ['minLength', 'maxLength', 'multipleOf', 'format', 'minItems', 'maxItems', 'uniqueItems', 'timezone', 'defaultTimezone'];

interface ParsedTable {
  readonly spec: Table;
  readonly path: YamlPath;
  readonly name: string;
  readonly file: string;
  readonly columns: ColumnSpec[];
  readonly key: string[];
  /** Per property, what compile.ts needs besides the rules, compiled once every table is known. */
  readonly properties: { readonly property: Property; readonly path: YamlPath; readonly column: ColumnSpec; readonly maxNullShareIncrease?: number }[];
}

function bounds(source: YamlSource, path: YamlPath, column: ColumnSpec, options: NonNullable<Property['logicalTypeOptions']>): PropertyRules['bounds'] {
  const numeric = column.type !== 'VARCHAR' && column.type !== 'BOOLEAN' && !['DATE', 'TIMESTAMP', 'TIMESTAMPTZ'].includes(column.type);
  const temporal = ['DATE', 'TIMESTAMP', 'TIMESTAMPTZ'].includes(column.type);
  const check = (key: string, value: unknown) => {
    if (value === undefined || typeof value === 'boolean') return;
    if (!numeric && !temporal) throw source.error([...path, key], `${key} on ${column.name} (${column.type})`, 'bounds only on numbers, dates and timestamps');
    if (numeric && typeof value !== 'number') throw source.error([...path, key], `${key} is ${quoted(value)}`, `a number (${column.name} is ${column.type})`);
    if (temporal && typeof value !== 'string')
      throw source.error([...path, key], `${key} is ${quoted(value)}`, `a date or timestamp as text (${column.name} is ${column.type})`);
  };
  const side = (inclusive: 'minimum' | 'maximum', exclusive: 'exclusiveMinimum' | 'exclusiveMaximum') => {
    const value = options[inclusive];
    const strict = options[exclusive];
    check(inclusive, value);
    check(exclusive, strict);
    if (typeof strict === 'boolean') {
      // ODCS 3.0: a flag on minimum / maximum.
      if (value === undefined && strict)
        throw source.error([...path, exclusive], `${exclusive}: true without ${inclusive}`, `${inclusive} beside it, or ${exclusive} as a value`);
      return value === undefined ? undefined : { value, strict };
    }
    if (value !== undefined && strict !== undefined)
      throw source.error([...path, exclusive], `both ${inclusive} and ${exclusive}`, `one of ${inclusive} and ${exclusive}`);
    if (strict !== undefined) return { value: strict, strict: true };
    return value === undefined ? undefined : { value, strict: false };
  };
  const min = side('minimum', 'exclusiveMinimum');
  const max = side('maximum', 'exclusiveMaximum');
  if (!min && !max) return undefined;
  return {
    ...(min ? { min_value: min.value } : {}),
    ...(max ? { max_value: max.value } : {}),
    ...(min?.strict ? { strict_min: true } : {}),
    ...(max?.strict ? { strict_max: true } : {}),
  };
}

function parseTable(source: YamlSource, table: Table, path: YamlPath, warnings: string[]): ParsedTable {
  checkName(source, [...path, 'name'], table.name, 'table');
  const fileProperty = custom(table.customProperties, path, 'file');
  const file =
    fileProperty === undefined
      ? `${table.name}.csv`
      : source.parseWith(
          z.string().regex(/^[^/\\]+$/, { error: 'not a file name; expected a file name without a folder, e.g. users.csv' }),
          fileProperty.path,
          fileProperty.value,
        );
  const seen = new Set<string>();
  const properties = table.properties.map((property, index) => {
    const at = [...path, 'properties', index];
    checkName(source, [...at, 'name'], property.name, 'property');
    if (seen.has(property.name))
      throw source.error([...at, 'name'], `property ${property.name} is declared twice in table ${table.name}`, 'each property once');
    seen.add(property.name);
    const type = columnType(source, at, property);
    const exportedFlag = custom(property.customProperties, at, 'exported');
    const inExport = exportedFlag === undefined ? true : source.parseWith(z.boolean(), exportedFlag.path, exportedFlag.value);
    const key = property.primaryKey === true;
    if (!inExport && (key || property.required)) {
      throw source.error(
        exportedFlag!.path,
        `${property.name} is ${key ? 'a key' : 'required'} but not exported`,
        `exported: false only on a nullable column outside the key`,
      );
    }
    const nullable = !inExport || !(key || property.required === true);
    const spelling = booleanSpelling(source, [
      { list: property.customProperties, path: at },
      ...(type === 'BOOLEAN' ? [{ list: table.customProperties, path }] : []),
    ]);
    if (type !== 'BOOLEAN') {
      const stray = custom(property.customProperties, at, 'trueValues') ?? custom(property.customProperties, at, 'falseValues');
      if (stray) throw source.error(stray.path, `CSV spellings of true and false on a ${type} column`, 'trueValues / falseValues only on a BOOLEAN column');
    }
    const increase = custom(property.customProperties, at, 'maxNullShareIncrease');
    const maxNullShareIncrease = increase === undefined ? undefined : source.parseWith(z.number().min(0).max(1), increase.path, increase.value);
    if (increase && !nullable)
      throw source.error(increase.path, `maxNullShareIncrease on ${property.name}, which is never NULL`, 'it only on a nullable column (not required)');
    if (!inExport && (property.quality?.length || property.relationships?.length || property.logicalTypeOptions)) {
      throw source.error(exportedFlag!.path, `${property.name} is not exported but declares rules`, 'rules only on exported columns');
    }
    const rawOptions = source.get([...at, 'logicalTypeOptions']);
    if (rawOptions && typeof rawOptions === 'object') {
      for (const option of Object.keys(rawOptions).filter((name) => UNCHECKED_OPTIONS.includes(name))) {
        const where = source.at([...at, 'logicalTypeOptions', option], { key: true });
        warnings.push(`${source.file}:${where.line}:${where.col}: logicalTypeOptions.${option} of ${table.name}.${property.name} is not checked by streamflow`);
      }
    }
    if (source.has([...at, 'enum'])) {
      const where = source.at([...at, 'enum'], { key: true });
      warnings.push(
        `${source.file}:${where.line}:${where.col}: enum of ${table.name}.${property.name} is not checked by streamflow (an invalidValues rule with validValues is)`,
      );
    }
    const column: ColumnSpec = {
      name: property.name,
      type,
      description: property.description ?? '',
      nullable,
      inExport,
      ...(spelling ? { booleans: spelling } : {}),
    };
    return { property, path: at, column, ...(maxNullShareIncrease === undefined ? {} : { maxNullShareIncrease }) };
  });

  const keyed = properties.filter((entry) => entry.property.primaryKey === true);
  if (keyed.length === 0)
    throw source.error(
      [...path, 'name'],
      `table ${table.name} has no primary key`,
      'a property with primaryKey: true (several, with primaryKeyPosition, for a composite key)',
    );
  if (keyed.length > 1) {
    const positions = new Set<number>();
    for (const entry of keyed) {
      const position = entry.property.primaryKeyPosition;
      if (position === undefined || position < 1) {
        throw source.missing([...entry.path, 'primaryKeyPosition'], `the column's place in the composite key of ${table.name}: 1 to ${keyed.length}`);
      }
      if (positions.has(position))
        throw source.error([...entry.path, 'primaryKeyPosition'], `primaryKeyPosition ${position} given twice`, `each place of the key once`);
      positions.add(position);
    }
    keyed.sort((a, b) => a.property.primaryKeyPosition! - b.property.primaryKeyPosition!);
  }
  return {
    spec: table,
    path,
    name: table.name,
    file,
    columns: properties.map((entry) => entry.column),
    key: keyed.map((entry) => entry.column.name),
    properties,
  };
}

// ---------------------------------------------------------------------------------------
// The contract

/** An ODCS contract read and checked, its quality rules compiled; the suites wait for the project's settings. */
export interface OdcsModel {
  readonly file: string;
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly tables: readonly TableRules[];
  /** Unsupported parts that were skipped, `file:line:col: what`. */
  readonly warnings: readonly string[];
}

/** The contract's identity and its tables with their compiled suites. */
export interface OdcsContract {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly tables: readonly TableSpec[];
  readonly warnings: readonly string[];
}

/** What the suites need from the project (streamflow.yaml); every field has a default. */
export interface CompileOptions {
  readonly drift?: DriftSettings;
  /** The label: its column gets the label-rate bound; its table's key is the entity. */
  readonly label?: { readonly table: string; readonly column: string };
}

export function parseOdcs(source: YamlSource): OdcsModel {
  const contract = source.parseWith(contractSchema);
  const warnings: string[] = [];
  const tables: ParsedTable[] = [];
  contract.schema.forEach((table, index) => {
    const path = ['schema', index];
    if (tables.some((other) => other.name === table.name)) throw source.error([...path, 'name'], `table ${table.name} is declared twice`, 'each table once');
    tables.push(parseTable(source, table, path, warnings));
  });
  const byName = new Map(tables.map((table) => [table.name, table]));
  const columnsByTable = new Map(tables.map((table) => [table.name, table.columns as readonly ColumnSpec[]]));

  const rules: TableRules[] = tables.map((table, tableIndex) => {
    const context: RuleContext = { source, table: table.name, columns: table.columns, tables: columnsByTable };
    const properties: PropertyRules[] = table.properties.map(({ property, path, column, maxNullShareIncrease }) => {
      const references = (property.relationships ?? []).map((relationship, index) => {
        const at = [...path, 'relationships', index];
        if (relationship.type !== undefined && relationship.type !== 'foreignKey') {
          throw source.error([...at, 'type'], `relationship type ${quoted(relationship.type)}`, 'foreignKey');
        }
        const [otherTable, otherColumn, ...rest] = relationship.to.split('.');
        if (otherColumn === undefined || rest.length > 0) throw source.error([...at, 'to'], `relationship to ${quoted(relationship.to)}`, 'table.column');
        const other = byName.get(otherTable);
        if (!other) throw source.error([...at, 'to'], `relationship to unknown table ${quoted(otherTable)}`, `one of ${oneOf([...byName.keys()])}`);
        const target = other.columns.find((candidate) => candidate.name === otherColumn);
        if (!target)
          throw source.error([...at, 'to'], `relationship to unknown column ${otherTable}.${otherColumn}`, `one of ${oneOf(other.columns.map((c) => c.name))}`);
        if (!target.inExport) throw source.error([...at, 'to'], `relationship to ${otherTable}.${otherColumn}, which is not exported`, 'an exported column');
        return { table: otherTable, column: otherColumn };
      });
      const options = property.logicalTypeOptions;
      if (options?.pattern !== undefined && column.type !== 'VARCHAR') {
        throw source.error(
          [...path, 'logicalTypeOptions', 'pattern'],
          `a pattern on ${column.name} (${column.type})`,
          'pattern only on a VARCHAR (string) column',
        );
      }
      const propertyContext = { ...context, column };
      return {
        column,
        unique: property.unique === true,
        ...(options ? { bounds: bounds(source, [...path, 'logicalTypeOptions'], column, options) } : {}),
        ...(options?.pattern ? { pattern: options.pattern } : {}),
        references,
        rules: (property.quality ?? []).flatMap((rule, index) => compileRule(propertyContext, [...path, 'quality', index], rule) ?? []),
        ...(maxNullShareIncrease === undefined ? {} : { maxNullShareIncrease }),
      };
    });
    const parent = parentOf(table, properties, byName);
    if (parent !== undefined && tables.findIndex((other) => other.name === parent) > tableIndex) {
      throw source.error(
        [...table.path, 'name'],
        `table ${table.name} comes before its parent ${parent}`,
        `${parent} earlier in schema[] (a parent before its children)`,
      );
    }
    return {
      name: table.name,
      description: table.spec.description ?? '',
      file: table.file,
      key: table.key,
      ...(parent === undefined ? {} : { parent }),
      properties,
      rules: (table.spec.quality ?? []).flatMap((rule, index) => compileRule(context, [...table.path, 'quality', index], rule) ?? []),
    };
  });
  return { file: source.file, id: contract.id, name: contract.name ?? contract.id, version: contract.version, tables: rules, warnings };
}

/**
 * The table every key of this one must exist in: the one whose key columns the key's
 * columns all reference (relationships), one for one.
 */
function parentOf(table: ParsedTable, properties: readonly PropertyRules[], byName: ReadonlyMap<string, ParsedTable>): string | undefined {
  const referencesOf = (column: string) => properties.find((property) => property.column.name === column)?.references ?? [];
  const candidates = new Set(referencesOf(table.key[0]).map((reference) => reference.table));
  for (const candidate of candidates) {
    const other = byName.get(candidate)!;
    if (candidate === table.name || other.key.length !== table.key.length) continue;
    const targets = table.key.map(
      (column) => referencesOf(column).find((reference) => reference.table === candidate && other.key.includes(reference.column))?.column,
    );
    if (targets.every((target) => target !== undefined) && new Set(targets).size === other.key.length) return candidate;
  }
  return undefined;
}

/** The tables with their suites, compiled with the project's settings. */
export function compileOdcs(model: OdcsModel, options: CompileOptions = {}): OdcsContract {
  const drift = options.drift ?? DEFAULT_DRIFT;
  const entity = options.label ? model.tables.find((table) => table.name === options.label!.table)?.key : undefined;
  const driftTables = new Set(drift.tables ?? defaultDriftTables(model.tables, entity));
  const tables = model.tables.map(
    (table): TableSpec => ({
      name: table.name,
      description: table.description,
      file: table.file,
      key: table.key,
      ...(table.parent === undefined ? {} : { parent: table.parent }),
      columns: table.properties.map((property) => property.column),
      expectations: compileSuite(table, { drift, driftTables, ...(options.label ? { label: options.label } : {}) }),
    }),
  );
  return { id: model.id, name: model.name, version: model.version, tables, warnings: model.warnings };
}

/** Reads and compiles an ODCS contract in one step; `shownAs` is how messages name the file. */
export function loadOdcs(file: string, options: CompileOptions = {}, shownAs = file): OdcsContract {
  return compileOdcs(parseOdcs(YamlSource.read(file, shownAs)), options);
}
