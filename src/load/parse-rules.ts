// How CSV text becomes a typed value. DuckDB's casts are lenient ('Yes' → true,
// '3.5' → 4, '1.234' → 1.23, '1e400' → inf), so every type first has to match the exact
// text shape of the exports; only then is it cast. A value that fails either step is an error.
import type { ColumnType } from '../contract/columns';
import { quoteIdent, quoteLiteral } from '../engine/duckdb';

interface ParseRule {
  /** SQL predicate on a non-NULL text: true when it does not have the exact shape of the type. */
  readonly misshapen: (text: string) => string;
  /** What the export looks like, for error messages. */
  readonly expected: string;
  /** SQL turning the (well-shaped) text into the typed value; NULL when it does not fit the type. */
  readonly cast: (text: string) => string;
}

const castTo = (type: string) => (text: string) => `TRY_CAST(${text} AS ${type})`;
const notMatching = (pattern: string) => (text: string) => `NOT regexp_full_match(${text}, ${quoteLiteral(pattern)})`;

function decimalRule(type: string, scale: number): ParseRule {
  return {
    misshapen: notMatching(`-?[0-9]+(\\.[0-9]{1,${scale}})?`),
    expected: `a number with at most ${scale} decimals`,
    cast: castTo(type),
  };
}

// The cheapest exact test per type (measured on 1M rows): a set or a round trip where
// one is exact, a regular expression where nothing cheaper is.
const rules: Record<ColumnType, ParseRule> = {
  // No value of any table spans lines; one that does would also shift every later row's line number.
  VARCHAR: { misshapen: (text) => `(contains(${text}, chr(10)) OR contains(${text}, chr(13)))`, expected: 'text on one line', cast: (text) => text },
  BOOLEAN: { misshapen: (text) => `${text} NOT IN ('True', 'False')`, expected: 'True or False', cast: (text) => `(${text} = 'True')` },
  INTEGER: { misshapen: notMatching('-?[0-9]{1,10}'), expected: 'a whole number', cast: castTo('INTEGER') },
  DOUBLE: {
    misshapen: notMatching('-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?'),
    expected: 'a finite decimal number',
    // A number beyond DOUBLE's range casts to ±inf: out of range, like an INTEGER overflow.
    cast: (text) => `CASE WHEN isfinite(TRY_CAST(${text} AS DOUBLE)) THEN TRY_CAST(${text} AS DOUBLE) END`,
  },
  // A date that prints back as its own text is exactly YYYY-MM-DD and exists in the calendar.
  DATE: { misshapen: (text) => `TRY_CAST(${text} AS DATE)::VARCHAR IS DISTINCT FROM ${text}`, expected: 'a date YYYY-MM-DD', cast: castTo('DATE') },
  'DECIMAL(10,2)': decimalRule('DECIMAL(10,2)', 2),
  'DECIMAL(12,2)': decimalRule('DECIMAL(12,2)', 2),
};

/** SQL for the typed value of a raw text column; NULL stays NULL. */
export function typedValueSql(column: string, type: ColumnType): string {
  return rules[type].cast(quoteIdent(column));
}

/** SQL predicate true for a non-NULL text that is not a valid value of `type`. */
export function unparseableSql(column: string, type: ColumnType): string {
  const rule = rules[type];
  const text = quoteIdent(column);
  return `(${text} IS NOT NULL AND (${rule.misshapen(text)} OR ${rule.cast(text)} IS NULL))`;
}

export function expectedText(type: ColumnType): string {
  return rules[type].expected;
}
