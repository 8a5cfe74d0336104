// A table of the contract: its CSV file, columns, key and compiled expectation suite.
// load reads the column lists and types, validate the suite, upsert the key, snapshot
// the column order and sort.
import type { ColumnSpec } from './columns';
import type { ExpectationConfig } from './expectations';

export interface TableSpec {
  readonly name: string;
  readonly description: string;
  /** The CSV file in a month folder: `<name>.csv` unless the contract names another. */
  readonly file: string;
  /** The primary key, in key position order: one column or several (a composite key). */
  readonly key: readonly string[];
  /**
   * The table every key of this one must exist in, when the key's columns all reference
   * that table's key (ODCS `relationships`): the key census checks the two at once.
   */
  readonly parent?: string;
  readonly columns: readonly ColumnSpec[];
  readonly expectations: readonly ExpectationConfig[];
}

export function exportColumns(table: TableSpec): ColumnSpec[] {
  return table.columns.filter((column) => column.inExport);
}
