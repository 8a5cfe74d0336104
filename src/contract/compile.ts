// The expectation suite of a table, compiled from what its contract declares (odcs.ts
// reads the ODCS file into TableRules) and the project's drift settings (project.ts).
// The checks every table shares (its columns, key, parent, NULLs, types) are derived from
// the declaration; the rules written in the contract come in their declared places; the
// comparison with the previous frozen month closes the suite. Nothing here names a table
// or a column of any dataset.
//
// The order fixes each expectation's id (`<table>.<NN>.<type>`, expectations.ts), so it is
// part of the contract's meaning:
//   1. the column set (exact), 2. the column order (warn),
//   3. the table's own rules in file order, after a default row count of at least 1 when
//      none of them bounds the row count,
//   4. the key: NOT NULL per key column, uniqueness (one column or the combination), then
//      per key column its bounds, pattern, references and rules,
//   5. NOT NULL for every other required exported column,
//   6. the null-share guard for every nullable exported column,
//   7. the type of every exported column outside the key,
//   8. per property outside the key, in order: unique, bounds, pattern, references, rules,
//   9. month over month: row count ratio and key churn (drift tables), then per exported
//      column outside the key that is not a moment in time: PSI, the mean ratio (numbers;
//      the label when BOOLEAN, with its own bound), new values (VARCHAR).

import { type ColumnSpec, isNumeric, isTemporal } from './columns';
import { type ExpectationConfig, expect } from './expectations';
import { columnDistinctValuesToBeInSet } from './expectations/column-distinct-values-to-be-in-set';
import { columnMeanRatioToPreviousToBeLessThan } from './expectations/column-mean-ratio-to-previous-to-be-less-than';
import { columnNullFractionToNotIncreaseByMoreThan } from './expectations/column-null-fraction-to-not-increase-by-more-than';
import { columnPsiToBeLessThan } from './expectations/column-psi-to-be-less-than';
import { columnValuesToBeBetween } from './expectations/column-values-to-be-between';
import { columnValuesToBeInOtherTable } from './expectations/column-values-to-be-in-other-table';
import { columnValuesToBeOfType } from './expectations/column-values-to-be-of-type';
import { columnValuesToBeUnique } from './expectations/column-values-to-be-unique';
import { columnValuesToMatchRegex } from './expectations/column-values-to-match-regex';
import { columnValuesToNotBeNull } from './expectations/column-values-to-not-be-null';
import { compoundColumnsToBeUnique } from './expectations/compound-columns-to-be-unique';
import type { KwargsOf } from './expectations/definition';
import { libraryMetricToSatisfy } from './expectations/library-metric-to-satisfy';
import { tableColumnsToMatchOrderedList } from './expectations/table-columns-to-match-ordered-list';
import { tableColumnsToMatchSet } from './expectations/table-columns-to-match-set';
import { tableKeyChurnToBeLessThan } from './expectations/table-key-churn-to-be-less-than';
import { tableRowCountRatioToPreviousToBeLessThan } from './expectations/table-row-count-ratio-to-previous-to-be-less-than';
import { tableRowCountToBeBetween } from './expectations/table-row-count-to-be-between';

/** A month-over-month bound: warn above `warn`, an error above `error`; `reason` is shown in the report. */
export interface DriftBound {
  readonly warn: number;
  readonly error?: number;
  readonly reason: string;
}

/** How far a month may move from the previous frozen one (streamflow.yaml `drift:`). */
export interface DriftSettings {
  /** The tables whose row count and keys are compared; undefined: the tables with no parent keyed by the entity. */
  readonly tables?: readonly string[];
  readonly rowCountRatio: DriftBound;
  readonly keyChurn: DriftBound;
  readonly psi: DriftBound;
  readonly meanRatio: DriftBound;
  readonly labelMeanRatio: DriftBound;
  readonly nullShareIncrease: { readonly max: number; readonly reason: string };
  readonly newValues: { readonly reason: string };
}

/**
 * The defaults, measured on the churn data's two real months (every usage and account
 * figure within ×1.02 except rare-event counts up to ×1.18, the label rate ×1.10, every
 * PSI below 0.02), with reasons any dataset can read.
 */
export const DEFAULT_DRIFT: DriftSettings = {
  rowCountRatio: {
    warn: 1.1,
    error: 2,
    reason: 'a tenth more or fewer rows than the previous month is worth a look; half or twice as many is a broken export',
  },
  keyChurn: {
    warn: 0.005,
    error: 0.05,
    reason: 'every export is expected to list every key the warehouse holds: a known key missing from it is a lost row, many missing keys a truncated export',
  },
  psi: {
    warn: 0.2,
    reason:
      "PSI above 0.2 is the usual line for a significant shift; no error bound, since PSI saturates once the values leave the previous month's bins: the mean ratio sizes the shift",
  },
  meanRatio: {
    warn: 1.25,
    error: 2,
    reason: 'a mean or median moving by a quarter in one month is a shift to look at; a doubling or halving is a unit or join error',
  },
  labelMeanRatio: {
    warn: 1.2,
    error: 1.6,
    reason: 'a fifth more or fewer positive labels changes what a model learns; ×1.6 is a labelling change',
  },
  nullShareIncrease: {
    max: 0.05,
    reason:
      'relative null-rate guard: NULL is legal here for some rows, but a jump in their share against the live table is a broken export even within the static bounds',
  },
  newValues: { reason: 'a value no row held in the previous month: a new category or a renamed one, to look at before it reaches a model' },
};

type Bounds = Pick<KwargsOf<typeof columnValuesToBeBetween.type>, 'min_value' | 'max_value' | 'strict_min' | 'strict_max'>;

/** A property as the compiler needs it: its column and what it declares. */
export interface PropertyRules {
  readonly column: ColumnSpec;
  /** Declared unique (ODCS `unique`); ignored on a key of one column, unique anyway. */
  readonly unique: boolean;
  /** ODCS logicalTypeOptions minimum / maximum / exclusive*. */
  readonly bounds?: Bounds;
  /** ODCS logicalTypeOptions pattern. */
  readonly pattern?: string;
  /** ODCS relationships: the columns this one's values must exist in. */
  readonly references: readonly { readonly table: string; readonly column: string }[];
  /** The property's quality rules, compiled, in file order. */
  readonly rules: readonly ExpectationConfig[];
  /** How much the NULL share may rise in a month (nullable columns); default: the project's. */
  readonly maxNullShareIncrease?: number;
}

/** A table as the compiler needs it. */
export interface TableRules {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly key: readonly string[];
  readonly parent?: string;
  readonly properties: readonly PropertyRules[];
  /** The table's quality rules, compiled, in file order. */
  readonly rules: readonly ExpectationConfig[];
}

/** What the suites depend on beyond the table itself. */
export interface SuiteContext {
  readonly drift: DriftSettings;
  /** The tables the row count ratio and key churn are computed for. */
  readonly driftTables: ReadonlySet<string>;
  readonly label?: { readonly table: string; readonly column: string };
}

/** The drift tables by default: those with no parent keyed by the entity (all with no parent when there is no entity). */
export function defaultDriftTables(tables: readonly TableRules[], entity: readonly string[] | undefined): string[] {
  const sameKey = (key: readonly string[]) => !entity || (key.length === entity.length && key.every((column) => entity.includes(column)));
  return tables.filter((table) => table.parent === undefined && sameKey(table.key)).map((table) => table.name);
}

function boundsRule(column: string, bounds: Bounds): ExpectationConfig {
  return expect(columnValuesToBeBetween.type, { column, ...bounds }, 'the range the contract declares (logicalTypeOptions)');
}

function patternRule(column: string, regex: string): ExpectationConfig {
  return expect(columnValuesToMatchRegex.type, { column, regex }, 'the pattern the contract declares (logicalTypeOptions)');
}

function referenceRule(column: string, reference: { readonly table: string; readonly column: string }): ExpectationConfig {
  return expect(
    columnValuesToBeInOtherTable.type,
    { column, other_table: reference.table, other_column: reference.column },
    `a row whose ${column} is missing from this month's ${reference.table} cannot be joined to it (checked against the same month's export, not the live table)`,
  );
}

/** Bounds, pattern, references and rules of one property (steps 4 and 8); unique first outside a single-column key. */
function declaredRules(property: PropertyRules, uniqueRule: boolean): ExpectationConfig[] {
  const column = property.column.name;
  return [
    ...(uniqueRule ? [expect(columnValuesToBeUnique.type, { column }, 'declared unique in the contract')] : []),
    ...(property.bounds ? [boundsRule(column, property.bounds)] : []),
    ...(property.pattern ? [patternRule(column, property.pattern)] : []),
    ...property.references.map((reference) => referenceRule(column, reference)),
    ...property.rules,
  ];
}

function isRowCountRule(rule: ExpectationConfig): boolean {
  return rule.type === tableRowCountToBeBetween.type || (rule.type === libraryMetricToSatisfy.type && rule.kwargs.metric === 'rowCount');
}

function shift(bound: DriftBound): { max_value: number; severe_max_value?: number; severity: 'warn' } {
  return { max_value: bound.warn, ...(bound.error === undefined ? {} : { severe_max_value: bound.error }), severity: 'warn' };
}

function monthOverMonth(table: TableRules, exported: readonly ColumnSpec[], context: SuiteContext): ExpectationConfig[] {
  const { drift } = context;
  const compared = exported.filter((column) => !table.key.includes(column.name) && !isTemporal(column.type));
  const isLabel = (column: ColumnSpec) => context.label?.table === table.name && context.label.column === column.name;
  return [
    ...(context.driftTables.has(table.name)
      ? [
          expect(tableRowCountRatioToPreviousToBeLessThan.type, shift(drift.rowCountRatio), drift.rowCountRatio.reason),
          expect(tableKeyChurnToBeLessThan.type, shift(drift.keyChurn), drift.keyChurn.reason),
        ]
      : []),
    ...compared.flatMap((column) => {
      const meanBound = isNumeric(column.type) ? drift.meanRatio : column.type === 'BOOLEAN' && isLabel(column) ? drift.labelMeanRatio : undefined;
      return [
        expect(columnPsiToBeLessThan.type, { column: column.name, ...shift(drift.psi) }, drift.psi.reason),
        ...(meanBound ? [expect(columnMeanRatioToPreviousToBeLessThan.type, { column: column.name, ...shift(meanBound) }, meanBound.reason)] : []),
        ...(column.type === 'VARCHAR'
          ? [expect(columnDistinctValuesToBeInSet.type, { column: column.name, value_set: '$previous_month', severity: 'warn' }, drift.newValues.reason)]
          : []),
      ];
    }),
  ];
}

/** The table's suite, in the order the header describes. */
export function compileSuite(table: TableRules, context: SuiteContext): ExpectationConfig[] {
  const exportedProperties = table.properties.filter((property) => property.column.inExport);
  const exported = exportedProperties.map((property) => property.column);
  const names = exported.map((column) => column.name);
  const isKey = (property: PropertyRules) => table.key.includes(property.column.name);
  const keyProperties = table.key.map((name) => table.properties.find((property) => property.column.name === name)!);
  const others = table.properties.filter((property) => !isKey(property));
  return [
    // 1, 2
    expect(tableColumnsToMatchSet.type, { column_set: names, exact_match: true }, 'a new or missing column is schema drift'),
    expect(
      tableColumnsToMatchOrderedList.type,
      { column_list: names, severity: 'warn' },
      'columns are mapped by name, so another order is safe, but a changed export is worth a look',
    ),
    // 3
    ...(table.rules.some(isRowCountRule) ? [] : [expect(tableRowCountToBeBetween.type, { min_value: 1 }, 'a header-only file is a broken export')]),
    ...table.rules,
    // 4
    ...table.key.map((column) => expect(columnValuesToNotBeNull.type, { column }, 'the key')),
    table.key.length === 1
      ? expect(columnValuesToBeUnique.type, { column: table.key[0] }, 'one row per key; a duplicate would make the upsert ambiguous')
      : expect(compoundColumnsToBeUnique.type, { column_list: [...table.key] }, 'one row per key; a duplicate would make the upsert ambiguous'),
    ...keyProperties.flatMap((property) => declaredRules(property, property.unique && table.key.length > 1)),
    // 5
    ...exportedProperties
      .filter((property) => !isKey(property) && !property.column.nullable)
      .map((property) => expect(columnValuesToNotBeNull.type, { column: property.column.name }, 'required in the contract')),
    // 6
    ...exportedProperties
      .filter((property) => property.column.nullable)
      .map((property) =>
        expect(
          columnNullFractionToNotIncreaseByMoreThan.type,
          { column: property.column.name, max_increase: property.maxNullShareIncrease ?? context.drift.nullShareIncrease.max },
          context.drift.nullShareIncrease.reason,
        ),
      ),
    // 7
    ...exportedProperties
      .filter((property) => !isKey(property))
      .map((property) => expect(columnValuesToBeOfType.type, { column: property.column.name, type_: property.column.type }, 'declared in the contract')),
    // 8
    ...others.flatMap((property) => declaredRules(property, property.unique)),
    // 9
    ...monthOverMonth(table, exported, context),
  ];
}
