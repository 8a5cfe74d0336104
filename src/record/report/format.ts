// Numbers and values as a reader wants them: fixed locale (en-US), so the page is the
// same on every machine.

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const SMALL = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/** 7,043 */
export function formatCount(count: number): string {
  return INTEGER.format(count);
}

/** 1,234.57; 0.162 (three significant digits below 1) */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) < 1 && value !== 0 ? SMALL.format(value) : DECIMAL.format(value);
}

/** 12.5%; a share too small to round to 0.01% still shows as non-zero. */
export function formatPercent(percent: number): string {
  if (percent > 0 && percent < 0.01) return '<0.01%';
  return `${DECIMAL.format(percent)}%`;
}

/** A difference of two shares (fractions), in percentage points: 0.05 → "5 points". */
export function formatPoints(fraction: number): string {
  const points = DECIMAL.format(100 * fraction);
  return `${points} point${points === '1' ? '' : 's'}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${formatCount(bytes)} B`;
  if (bytes < 1024 * 1024) return `${DECIMAL.format(bytes / 1024)} KiB`;
  return `${DECIMAL.format(bytes / (1024 * 1024))} MiB`;
}

export function shortHash(sha256: string): string {
  return sha256.slice(0, 12);
}

/** The file name of a path written on any platform. */
export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}

/** Long user values are cut so one bad row cannot flood the page. */
export function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A bound, list item or observed value as plain text. */
export function plain(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return formatNumber(value);
  if (Array.isArray(value)) return value.map(plain).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([key, item]) => `${key} ${plain(item)}`)
      .join(', ');
  }
  return String(value);
}
