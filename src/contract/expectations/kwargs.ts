// What every expectation's kwargs share, as types and as the zod pieces each type's
// schema is built from: strict, so a misspelt kwarg (`min` for `min_value`) is an error
// at load instead of a bound nobody checks.
import { z } from 'zod';
import { OPERATORS } from './terms';

const common = {
  mostly: z.number().gt(0).lte(1).optional(),
  severity: z.enum(['error', 'warn', 'info']).optional(),
  row_condition: z.string().min(1).optional(),
};

export const name = z.string().min(1);
export const names = z.array(name).min(1);
export const column = { column: name };
export const numberBounds = {
  min_value: z.number().optional(),
  max_value: z.number().optional(),
  strict_min: z.boolean().optional(),
  strict_max: z.boolean().optional(),
};
export const monthComparison = { max_value: z.number().positive().optional(), severe_max_value: z.number().positive().optional() };
export const scalar = z.union([z.string(), z.number(), z.boolean()]);
export const comparison = {
  operator: z.enum(OPERATORS),
  value: z.union([z.number(), z.tuple([z.number(), z.number()])]),
};

/** A strict object of these kwargs plus the common ones (mostly, severity, row_condition). */
export function kwargs<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject({ ...shape, ...common });
}
