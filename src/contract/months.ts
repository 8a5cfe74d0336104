// How month folders are named and which day each one is exported on: month_000 is the
// January 2024 export (as_of 2024-01-31), month_NNN the month end NNN months later.

export const FIRST_AS_OF = '2024-01-31';
export const MONTH_FOLDER = /^month_(\d{3,})$/;

export function monthFolderName(month: number): string {
  return `month_${String(month).padStart(3, '0')}`;
}

/** The last day of the month `offset` months after the month of `first`. */
export function monthEndAfter(first: string, offset: number): string {
  const [year, month] = first.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1 + offset + 1, 0)).toISOString().slice(0, 10);
}
