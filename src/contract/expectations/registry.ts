// Every expectation type, one module each: the product's vocabulary. Typed so that a type
// declared in KwargsByType (by its module) without an entry here, or an entry without
// every part (definition.ts `define`), is a compile error. Adding a type: README, "Layout".

import type { z } from 'zod';
import { columnDistinctValuesToBeInSet } from './column-distinct-values-to-be-in-set';
import { columnMeanRatioToPreviousToBeLessThan } from './column-mean-ratio-to-previous-to-be-less-than';
import { columnMeanToBeBetween } from './column-mean-to-be-between';
import { columnNullFractionToNotIncreaseByMoreThan } from './column-null-fraction-to-not-increase-by-more-than';
import { columnProportionOfNonNullValuesToBeBetween } from './column-proportion-of-non-null-values-to-be-between';
import { columnProportionOfUniqueValuesToBeBetween } from './column-proportion-of-unique-values-to-be-between';
import { columnPsiToBeLessThan } from './column-psi-to-be-less-than';
import { columnValuesToBeBetween } from './column-values-to-be-between';
import { columnValuesToBeInOtherTable } from './column-values-to-be-in-other-table';
import { columnValuesToBeInSet } from './column-values-to-be-in-set';
import { columnValuesToBeNull } from './column-values-to-be-null';
import { columnValuesToBeOfType } from './column-values-to-be-of-type';
import { columnValuesToBeUnique } from './column-values-to-be-unique';
import { columnValuesToMatchRegex } from './column-values-to-match-regex';
import { columnValuesToNotBeNull } from './column-values-to-not-be-null';
import { compoundColumnsToBeUnique } from './compound-columns-to-be-unique';
import type { ExpectationDefinition, ExpectationType } from './definition';
import { libraryMetricToSatisfy } from './library-metric-to-satisfy';
import { sqlQueryResultToSatisfy } from './sql-query-result-to-satisfy';
import { tableColumnsToMatchOrderedList } from './table-columns-to-match-ordered-list';
import { tableColumnsToMatchSet } from './table-columns-to-match-set';
import { tableKeyChurnToBeLessThan } from './table-key-churn-to-be-less-than';
import { tableRowCountRatioToPreviousToBeLessThan } from './table-row-count-ratio-to-previous-to-be-less-than';
import { tableRowCountToBeBetween } from './table-row-count-to-be-between';
import { tableRowCountToEqualOtherTable } from './table-row-count-to-equal-other-table';

/** In the order `contract check` and error messages list them: table rules, column rules, month over month, ODCS rules. */
const EXPECTATIONS = {
  [tableColumnsToMatchOrderedList.type]: tableColumnsToMatchOrderedList,
  [tableColumnsToMatchSet.type]: tableColumnsToMatchSet,
  [tableRowCountToBeBetween.type]: tableRowCountToBeBetween,
  [tableRowCountToEqualOtherTable.type]: tableRowCountToEqualOtherTable,
  [columnValuesToNotBeNull.type]: columnValuesToNotBeNull,
  [columnValuesToBeNull.type]: columnValuesToBeNull,
  [columnValuesToBeUnique.type]: columnValuesToBeUnique,
  [compoundColumnsToBeUnique.type]: compoundColumnsToBeUnique,
  [columnValuesToBeBetween.type]: columnValuesToBeBetween,
  [columnValuesToBeInSet.type]: columnValuesToBeInSet,
  [columnValuesToMatchRegex.type]: columnValuesToMatchRegex,
  [columnValuesToBeOfType.type]: columnValuesToBeOfType,
  [columnMeanToBeBetween.type]: columnMeanToBeBetween,
  [columnProportionOfUniqueValuesToBeBetween.type]: columnProportionOfUniqueValuesToBeBetween,
  [columnProportionOfNonNullValuesToBeBetween.type]: columnProportionOfNonNullValuesToBeBetween,
  [columnNullFractionToNotIncreaseByMoreThan.type]: columnNullFractionToNotIncreaseByMoreThan,
  [columnValuesToBeInOtherTable.type]: columnValuesToBeInOtherTable,
  [tableRowCountRatioToPreviousToBeLessThan.type]: tableRowCountRatioToPreviousToBeLessThan,
  [tableKeyChurnToBeLessThan.type]: tableKeyChurnToBeLessThan,
  [columnPsiToBeLessThan.type]: columnPsiToBeLessThan,
  [columnMeanRatioToPreviousToBeLessThan.type]: columnMeanRatioToPreviousToBeLessThan,
  [columnDistinctValuesToBeInSet.type]: columnDistinctValuesToBeInSet,
  [libraryMetricToSatisfy.type]: libraryMetricToSatisfy,
  [sqlQueryResultToSatisfy.type]: sqlQueryResultToSatisfy,
} satisfies { readonly [K in ExpectationType]: ExpectationDefinition<K> };

export const EXPECTATION_TYPES = Object.keys(EXPECTATIONS) as ExpectationType[];

export function isExpectationType(type: string): type is ExpectationType {
  return Object.hasOwn(EXPECTATIONS, type);
}

/** The definition of a type; undefined for a name that is none (a load check's, or a result of another tool's). */
export function definitionOf(type: string): ExpectationDefinition<ExpectationType> | undefined {
  return isExpectationType(type) ? (EXPECTATIONS[type] as ExpectationDefinition<ExpectationType>) : undefined;
}

/** The zod schema of a type's kwargs, as a `custom` rule's kwargs are parsed with (definition.ts KwargsSchema is its typed view). */
export function kwargsSchemaOf(type: ExpectationType): z.ZodType<Record<string, unknown>> {
  return EXPECTATIONS[type].kwargs as unknown as z.ZodType<Record<string, unknown>>;
}

/** Types whose kwargs name a column: a custom rule on a property gets that property as its column. */
export function takesColumn(type: ExpectationType): boolean {
  return 'column' in EXPECTATIONS[type].kwargs.shape;
}

/** Whether a type compares the month with the previous frozen one. */
export function comparesMonths(type: string): boolean {
  return definitionOf(type)?.comparesMonths ?? false;
}
