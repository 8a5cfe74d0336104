// The words expectations share: bounds, operators and month-over-month limits, as the
// sentences of contract/describe.ts say them ("values between 0 and 720").
import { formatPercent, plain } from '../../format';
import type { Wording } from './definition';

type Kwargs = Readonly<Record<string, unknown>>;
/** A type's sentence; undefined when the kwargs lack what the text needs (load problems carry only a detail). */
export type Describer = (kwargs: Kwargs, asOf: string | null) => string | undefined;

interface Bounds {
  readonly min_value?: unknown;
  readonly max_value?: unknown;
  readonly strict_min?: boolean;
  readonly strict_max?: boolean;
}

export const present = (value: unknown) => value !== undefined && value !== null;

function bound(value: unknown, asOf: string | null): string {
  return value === '$as_of' ? `as_of${asOf ? ` (${asOf})` : ''}` : plain(value);
}

/** "between 0 and 720", "at least 1", "above 0", "at most 90"; undefined without bounds. */
export function range(kwargs: Bounds, asOf: string | null = null): string | undefined {
  const min = present(kwargs.min_value) ? bound(kwargs.min_value, asOf) : undefined;
  const max = present(kwargs.max_value) ? bound(kwargs.max_value, asOf) : undefined;
  if (min !== undefined && max !== undefined && !kwargs.strict_min && !kwargs.strict_max) return `between ${min} and ${max}`;
  const parts = [
    min !== undefined && `${kwargs.strict_min ? 'above' : 'at least'} ${min}`,
    max !== undefined && `${kwargs.strict_max ? 'below' : 'at most'} ${max}`,
  ].filter((part): part is string => Boolean(part));
  return parts.length ? parts.join(' and ') : undefined;
}

/** The text built from kwargs[key] when the kwargs hold it, else undefined. */
export const withKwarg =
  (key: string, text: (value: unknown, kwargs: Kwargs) => string): Describer =>
  (kwargs) =>
    present(kwargs[key]) ? text(kwargs[key], kwargs) : undefined;

/** "<subject> between …" from the kwargs' bounds. */
export const ranged =
  (subject: string): Describer =>
  (kwargs, asOf) => {
    const text = range(kwargs, asOf);
    return text && `${subject} ${text}`;
  };

export const factor = (value: unknown) => (typeof value === 'number' ? `×${value}` : plain(value));
export const share = (value: unknown) => (typeof value === 'number' ? formatPercent(100 * value) : plain(value));

/** A month-over-month bound, with its error bound when it has one. */
export const monthBound =
  (text: (kwargs: Kwargs) => string, bound: (value: unknown) => string): Describer =>
  (kwargs) =>
    present(kwargs.max_value) ? `${text(kwargs)}${present(kwargs.severe_max_value) ? ` (an error beyond ${bound(kwargs.severe_max_value)})` : ''}` : undefined;

/** An ODCS operator and its value in words: "at most 5", "between 1 and 10"; undefined when malformed. */
export function operatorText(operator: unknown, value: unknown, amount: (value: unknown) => string): string | undefined {
  if (operator === 'mustBeBetween' || operator === 'mustNotBeBetween') {
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    return `${operator === 'mustBeBetween' ? 'between' : 'not between'} ${amount(value[0])} and ${amount(value[1])}`;
  }
  const words: Record<string, string> = {
    mustBe: 'exactly',
    mustNotBe: 'not',
    mustBeGreaterThan: 'more than',
    mustBeGreaterOrEqualTo: 'at least',
    mustBeLessThan: 'less than',
    mustBeLessOrEqualTo: 'at most',
  };
  return typeof operator === 'string' && words[operator] && present(value) ? `${words[operator]} ${amount(value)}` : undefined;
}

/**
 * A month-over-month type's wording of its observed figures (`value` and what explains it,
 * beside `previous_as_of`): the terminal's finding only when there was a previous month
 * (else the figures as JSON), the report's "no previous month" when there was none.
 */
export function monthWording(words: {
  readonly finding: (figures: Readonly<Record<string, unknown>>, then: string) => string;
  readonly report: (figures: Readonly<Record<string, unknown>>) => string;
  readonly flagged: NonNullable<Wording['flagged']>;
}): Wording {
  return {
    finding: (observed) => {
      if (observed === null || typeof observed !== 'object') return undefined;
      const figures = observed as Record<string, unknown>;
      return typeof figures.previous_as_of === 'string' ? words.finding(figures, figures.previous_as_of) : undefined;
    },
    report: (observed) => {
      const figures = observed as Record<string, unknown>;
      return figures.previous_as_of === null ? 'no previous month to compare with' : words.report(figures);
    },
    flagged: words.flagged,
  };
}

/** The report's words for a header against the columns expected: "6 columns as expected", "missing a; unexpected b". */
export function columnsFound(observed: unknown, expected: unknown, success: boolean): string | undefined {
  if (!Array.isArray(observed) || !Array.isArray(expected)) return undefined;
  if (success) return `${observed.length} columns as expected`;
  const missing = expected.filter((name) => !observed.includes(name));
  const extra = observed.filter((name) => !expected.includes(name));
  const parts = [missing.length > 0 && `missing ${plain(missing)}`, extra.length > 0 && `unexpected ${plain(extra)}`].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : `found ${plain(observed)}`;
}
