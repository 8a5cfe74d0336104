// Summary statistics and a plain-text table for the bench report.

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? Number.NaN : n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted[n - 1] ?? Number.NaN, n };
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** `1.234 [1.200–1.300]` in seconds; the range is left out for a single sample. */
export function formatSeconds(ms: Stats): string {
  if (ms.n <= 1) return formatMedianSeconds(ms);
  return `${seconds(ms.median)} [${seconds(ms.min)}–${seconds(ms.max)}]`;
}

export function formatMedianSeconds(ms: Stats): string {
  return Number.isNaN(ms.median) ? '' : seconds(ms.median);
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '';
}

/** Median and maximum peak RSS in MiB: `812 (max 830)`. */
export function formatMiB(mib: Stats): string {
  if (Number.isNaN(mib.median)) return '';
  return mib.n > 1 ? `${Math.round(mib.median)} (max ${Math.round(mib.max)})` : String(Math.round(mib.median));
}

/** A row of cells, or a section title printed on a line of its own. */
export type Row = readonly string[] | { readonly section: string };

/** Columns padded to their widest cell; the first column left-aligned, the others right-aligned. */
export function renderTable(header: readonly string[], rows: readonly Row[]): string {
  const cellRows = rows.filter((row): row is readonly string[] => Array.isArray(row));
  const widths = header.map((title, column) => Math.max(title.length, ...cellRows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const body = rows.map((row) => (Array.isArray(row) ? line(row as readonly string[]) : (row as { section: string }).section));
  return [line(header), rule, ...body].join('\n');
}
