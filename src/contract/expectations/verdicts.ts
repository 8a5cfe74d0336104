// The verdicts several types share: a figure within bounds, a figure against an ODCS
// operator, a month-over-month figure under its limit.
import type { Comparison, MonthComparison } from './terms';

/** A figure within min_value/max_value (strict or not); NaN is within nothing. */
export function within(
  value: number,
  kwargs: { min_value?: number | string; max_value?: number | string; strict_min?: boolean; strict_max?: boolean },
): boolean {
  const min = kwargs.min_value === undefined ? undefined : Number(kwargs.min_value);
  const max = kwargs.max_value === undefined ? undefined : Number(kwargs.max_value);
  if (Number.isNaN(value)) return false;
  if (min !== undefined && (kwargs.strict_min ? value <= min : value < min)) return false;
  if (max !== undefined && (kwargs.strict_max ? value >= max : value > max)) return false;
  return true;
}

/** Two figures equal but for the rounding of doubles (a percent of 1 row in 3 is 33.333…36). */
function near(figure: number, target: number): boolean {
  return Math.abs(figure - target) <= 1e-12 * Math.max(1, Math.abs(target));
}

/**
 * Whether a figure satisfies an ODCS operator: mustBe and mustNotBe (=, <>), the four
 * orderings, and mustBeBetween / mustNotBeBetween with both bounds inclusive. NULL (a sql
 * rule's query returned no row) satisfies none.
 */
export function comparisonHolds({ operator, value }: Comparison, figure: unknown): boolean {
  if (typeof figure !== 'number' || Number.isNaN(figure)) return false;
  const single = typeof value === 'number' ? value : Number.NaN;
  const [low, high] = Array.isArray(value) ? value : [Number.NaN, Number.NaN];
  const between = (figure > low || near(figure, low)) && (figure < high || near(figure, high));
  switch (operator) {
    case 'mustBe':
      return near(figure, single);
    case 'mustNotBe':
      return !Number.isNaN(single) && !near(figure, single);
    case 'mustBeGreaterThan':
      return figure > single && !near(figure, single);
    case 'mustBeGreaterOrEqualTo':
      return figure > single || near(figure, single);
    case 'mustBeLessThan':
      return figure < single && !near(figure, single);
    case 'mustBeLessOrEqualTo':
      return figure < single || near(figure, single);
    case 'mustBeBetween':
      return between;
    case 'mustNotBeBetween':
      return !Number.isNaN(low) && !Number.isNaN(high) && !between;
    default:
      return false;
  }
}

/** A month-over-month figure (observed `value`) at most its max_value; no figure (no previous month) passes. */
export function underLimit(kwargs: MonthComparison, observed: unknown): boolean {
  const { value } = observed as { value: number | null };
  return value === null || value <= (kwargs.max_value ?? 0) + 1e-12;
}
