// Column types and specs: what the tables (tables.ts) and the compiled suites both read,
// in a module of its own so neither has to import the other for it.

/** The DuckDB types a contract may declare (ODCS `physicalType`), DECIMAL with any precision and scale. */
export type ColumnType = 'VARCHAR' | 'BOOLEAN' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'DATE' | 'TIMESTAMP' | 'TIMESTAMPTZ' | `DECIMAL(${number},${number})`;

const DECIMAL = /^DECIMAL\((\d+),(\d+)\)$/;

/** Precision and scale of a DECIMAL type; undefined for any other type. */
export function decimalShape(type: ColumnType): { readonly precision: number; readonly scale: number } | undefined {
  const match = DECIMAL.exec(type);
  return match ? { precision: Number(match[1]), scale: Number(match[2]) } : undefined;
}

/** A type as DuckDB's catalog spells it (DESCRIBE, duckdb_columns), in the contract's spelling. */
export function contractSpelling(duckdbType: string): string {
  return duckdbType === 'TIMESTAMP WITH TIME ZONE' ? 'TIMESTAMPTZ' : duckdbType;
}

/** The types that have a mean, quantiles and a histogram (validate's metrics, the suites' shift bounds). */
export function isNumeric(type: ColumnType): boolean {
  return type === 'INTEGER' || type === 'BIGINT' || type === 'DOUBLE' || decimalShape(type) !== undefined;
}

/** Moments in time: compared month over month by nothing but their NULLs (their values move with the calendar). */
export function isTemporal(type: ColumnType): boolean {
  return type === 'DATE' || type === 'TIMESTAMP' || type === 'TIMESTAMPTZ';
}

/** How a BOOLEAN column is spelled in the CSV; compared case-insensitively. Default: true / false. */
export interface BooleanSpelling {
  readonly true: readonly string[];
  readonly false: readonly string[];
}

export const DEFAULT_BOOLEAN_SPELLING: BooleanSpelling = { true: ['true'], false: ['false'] };

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** NULL is a legal value (an empty CSV field). */
  readonly nullable: boolean;
  /** false for columns the live table carries but the exports do not (kept NULL). */
  readonly inExport: boolean;
  readonly description: string;
  /** BOOLEAN columns only: the CSV spellings of true and false. */
  readonly booleans?: BooleanSpelling;
}
