// How CSV text becomes a typed value. DuckDB's casts are lenient ('Yes' → true,
// '3.5' → 4, '1.234' → 1.23, '1e400' → inf, '2024-01-01 24:00:00' → the next day,
// '10:00:00+02:00' AS TIMESTAMP → the offset dropped), so every type first has to match
// the exact text shape the contract declares; only then is it cast. A value that fails
// either step is an error.
import { type BooleanSpelling, type ColumnSpec, DEFAULT_BOOLEAN_SPELLING, decimalShape } from '../contract/columns';
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

/** At most `scale` decimals; the cast is NULL beyond `precision - scale` digits before the point (leading zeros aside). */
function decimalRule(type: string, precision: number, scale: number): ParseRule {
  return {
    misshapen: notMatching(scale > 0 ? `-?[0-9]+(\\.[0-9]{1,${scale}})?` : '-?[0-9]+'),
    expected:
      scale > 0 ? `a number with at most ${scale} decimals and ${precision - scale} digits before the point` : `a whole number of at most ${precision} digits`,
    cast: castTo(type),
  };
}

/**
 * The spellings of a BOOLEAN column (the column's `booleans`, default true / false),
 * compared case-insensitively: `True` and `TRUE` are `true`; `Yes`, `1` or `t` only when declared.
 */
function booleanRule(spelling: BooleanSpelling): ParseRule {
  // No spelling at all (which the contract's reader should refuse) matches nothing.
  const spelledAs = (text: string, texts: readonly string[]) =>
    texts.length === 0 ? 'false' : `lower(${text}) IN (${texts.map((spelled) => quoteLiteral(spelled.toLowerCase())).join(', ')})`;
  return {
    // lower() and a set, the cheapest case-insensitive test: load's typed copy of a 1M-row
    // column took 38 ms with it (lower() computed once for the test and the cast) against
    // 28 ms with the exact set True/False it replaces; all 48 case variants of true and
    // false as a set cost more, an ILIKE per spelling most (83 ms for the test alone).
    misshapen: (text) => `NOT (${spelledAs(text, [...spelling.true, ...spelling.false])})`,
    expected: `${spelling.true.join(' / ')} or ${spelling.false.join(' / ')} (in any case)`,
    cast: (text) => `(${spelledAs(text, spelling.true)})`,
  };
}

/** A date and a time of day, `T` or a space between them, up to six decimals of a second. */
const TIMESTAMP_SHAPE = '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?';
/** A timestamp's optional zone: `Z` or an offset ±HH:MM. */
const ZONE_SHAPE = '(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?';

// The cheapest exact test per type (measured on 1M rows, one thread): a set or a round
// trip where one is exact, a regular expression where nothing cheaper is.
function ruleOf(column: ColumnSpec): ParseRule {
  const decimal = decimalShape(column.type);
  if (decimal) return decimalRule(column.type, decimal.precision, decimal.scale);
  switch (column.type) {
    // No value of any table spans lines; one that does would also shift every later row's line number.
    case 'VARCHAR':
      return { misshapen: (text) => `(contains(${text}, chr(10)) OR contains(${text}, chr(13)))`, expected: 'text on one line', cast: (text) => text };
    case 'BOOLEAN':
      return booleanRule(column.booleans ?? DEFAULT_BOOLEAN_SPELLING);
    case 'INTEGER':
      return { misshapen: notMatching('-?[0-9]{1,10}'), expected: 'a whole number', cast: castTo('INTEGER') };
    case 'BIGINT':
      return { misshapen: notMatching('-?[0-9]{1,19}'), expected: 'a whole number of at most 19 digits', cast: castTo('BIGINT') };
    case 'DOUBLE':
      return {
        misshapen: notMatching('-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?'),
        expected: 'a finite decimal number',
        // A number beyond DOUBLE's range casts to ±inf: out of range, like an INTEGER overflow.
        cast: (text) => `CASE WHEN isfinite(TRY_CAST(${text} AS DOUBLE)) THEN TRY_CAST(${text} AS DOUBLE) END`,
      };
    // A date that prints back as its own text is exactly YYYY-MM-DD and exists in the calendar.
    case 'DATE':
      return { misshapen: (text) => `TRY_CAST(${text} AS DATE)::VARCHAR IS DISTINCT FROM ${text}`, expected: 'a date YYYY-MM-DD', cast: castTo('DATE') };
    // The shape by a regular expression (the cast takes 24:00:00, single digits, an offset
    // it drops), the calendar by the cast (2024-02-30 is NULL): 130 ms at 1M rows. No round
    // trip is exact (the cast prints .100000 as .1 and a T as a space), and try_strptime,
    // though cheaper (91 ms), takes single digits and surrounding spaces.
    case 'TIMESTAMP':
      return {
        misshapen: notMatching(TIMESTAMP_SHAPE),
        expected: 'a timestamp YYYY-MM-DD HH:MM:SS[.ffffff] (a space or T between date and time)',
        cast: castTo('TIMESTAMP'),
      };
    // As TIMESTAMP, with an optional zone. A text without one is UTC whatever the session's
    // TimeZone (the cast would read it in the machine's zone), so it is cast with a Z: once
    // the shape holds, a zone ends the text as Z or puts its sign 6th from the end (a
    // suffix test, 175 ms at 1M rows with the shape; a regular expression for it, 225 ms).
    case 'TIMESTAMPTZ':
      return {
        misshapen: notMatching(TIMESTAMP_SHAPE + ZONE_SHAPE),
        expected: 'a timestamp YYYY-MM-DD HH:MM:SS[.ffffff] (a space or T between date and time), then Z, an offset ±HH:MM or nothing (UTC)',
        cast: (text) => `TRY_CAST(CASE WHEN suffix(${text}, 'Z') OR ${text}[-6] IN ('+', '-') THEN ${text} ELSE ${text} || 'Z' END AS TIMESTAMPTZ)`,
      };
    default:
      throw new Error(`no parse rule for the type ${column.type} of column ${column.name}`);
  }
}

/** SQL for the typed value of a raw text column; NULL stays NULL. */
export function typedValueSql(column: ColumnSpec): string {
  return ruleOf(column).cast(quoteIdent(column.name));
}

/** SQL predicate true for a non-NULL text that is not a valid value of the column's type. */
export function unparseableSql(column: ColumnSpec): string {
  const rule = ruleOf(column);
  const text = quoteIdent(column.name);
  return `(${text} IS NOT NULL AND (${rule.misshapen(text)} OR ${rule.cast(text)} IS NULL))`;
}

export function expectedText(column: ColumnSpec): string {
  return ruleOf(column).expected;
}
