// Round numbers for the charts' axes and bins: steps of 1, 2, 2.5 or 5 times a power of ten,
// and the ticks they put on a range.

const STEPS = [1, 2, 2.5, 5, 10] as const;

/** `value` without the binary noise of the arithmetic that made it (0.30000000000000004 → 0.3). */
export const tidy = (value: number) => Number(value.toPrecision(12));

/** The smallest step of `steps` × a power of ten that is at least `raw` (> 0). */
export function niceStep(raw: number, steps: readonly number[] = STEPS): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = steps.find((candidate) => tidy(candidate * power) >= raw) ?? 10;
  return tidy(step * power);
}

/** About `count` round values from `low` to `high`, both included when they are round themselves. */
export function ticks(low: number, high: number, count: number): number[] {
  if (!(high > low)) return [tidy(low)];
  const step = niceStep((high - low) / count);
  const values: number[] = [];
  for (let index = Math.ceil(tidy(low / step)); tidy(index * step) <= high; index += 1) values.push(tidy(index * step));
  return values;
}

/** An axis from `low` to `high` widened to round ends, and its ticks: from 0 unless the values go below it. */
export function axisRange(values: readonly number[], count: number, ceiling = Number.POSITIVE_INFINITY): { low: number; high: number; ticks: number[] } {
  const least = Math.min(0, ...values);
  const most = Math.max(0, ...values);
  if (most === least) return { low: 0, high: 1, ticks: [0, 0.5, 1].map((tick) => Math.min(tick, ceiling)) };
  const step = niceStep((most - least) / count);
  const low = tidy(Math.floor(tidy(least / step)) * step);
  const high = Math.min(ceiling, tidy(Math.ceil(tidy(most / step)) * step));
  return { low, high, ticks: ticks(low, high, count) };
}
