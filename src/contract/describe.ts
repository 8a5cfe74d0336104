// An expectation in words: "values between 0 and 720", "columns are exactly customer_id, …",
// the one wording the terminal's findings and the report share. The column is shown
// beside the text, so the text says what is expected of it.
import { formatPercent, plain } from '../format';
import type { CheckConfig } from './expectations';
import { definitionOf } from './expectations/registry';
import { present } from './expectations/words';

type Kwargs = Record<string, unknown>;

/** What a load check of its own means (load/index.ts LOAD_CHECKS; those named like an expectation type get its sentence). */
const BARE: Record<string, string> = {
  expect_table_file_to_exist: 'the table file is present',
  expect_file_to_be_well_formed_csv: 'every row is well-formed CSV',
};

/** Kwargs that qualify the expectation (shown after its text) or are shown elsewhere. */
const QUALIFIERS = new Set(['column', 'mostly', 'severity', 'severe_max_value', 'row_condition', 'detail', 'result_format', 'catch_exceptions', 'meta']);

/** A type this page does not know: its kwargs as "key value" pairs, or its name in words. */
function generic(type: string, kwargs: Kwargs): string {
  const entries = Object.entries(kwargs).filter(([key, value]) => !QUALIFIERS.has(key) && present(value));
  const name = type.replace(/^expect_/, '').replace(/_/g, ' ');
  return entries.length === 0 ? name : `${name}: ${entries.map(([key, value]) => `${key.replace(/_/g, ' ')} ${plain(value)}`).join('; ')}`;
}

/** The expectation's text with its qualifiers: row condition, `mostly`. */
export function describeExpectation(config: CheckConfig, asOf: string | null = null): string {
  const kwargs = config.kwargs as Kwargs;
  const main = definitionOf(config.type)?.describe(kwargs, asOf) ?? BARE[config.type] ?? generic(config.type, kwargs);
  const qualifiers = [
    typeof kwargs.row_condition === 'string' && `where ${kwargs.row_condition}`,
    typeof kwargs.mostly === 'number' && kwargs.mostly < 1 && `for at least ${formatPercent(100 * kwargs.mostly)} of rows`,
  ].filter((part): part is string => Boolean(part));
  return [main, ...qualifiers].join(', ');
}

/** What the load stage found instead (a missing path, the header it read, the parse rule). */
export function loadDetail(config: CheckConfig): string | undefined {
  const detail = (config.kwargs as Kwargs).detail;
  return typeof detail === 'string' && detail !== '' ? detail : undefined;
}
