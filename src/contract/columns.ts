// Column types and specs: what the tables (tables.ts) and their suites (suites.ts) both
// read, in a module of its own so neither has to import the other for it.

export const COLUMN_TYPES = ['VARCHAR', 'DATE', 'BOOLEAN', 'INTEGER', 'DOUBLE', 'DECIMAL(10,2)', 'DECIMAL(12,2)'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** The types that have a mean, quantiles and a histogram (validate's metrics, the suites' shift bounds). */
export const NUMERIC_TYPES: ReadonlySet<ColumnType> = new Set<ColumnType>(['INTEGER', 'DOUBLE', 'DECIMAL(10,2)', 'DECIMAL(12,2)']);

export function isNumeric(type: ColumnType): boolean {
  return NUMERIC_TYPES.has(type);
}

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** NULL is a legal value (an empty CSV field). */
  readonly nullable: boolean;
  /** false for columns the live table carries but today's exports do not (kept NULL). */
  readonly inExport: boolean;
  readonly description: string;
}
