// Numbers and values as a reader wants them, grouped in thousands with en-US marks on every
// machine. Written out rather than through Intl.NumberFormat, whose locale data costs
// ~20 ms to load: a tenth of a small month's whole run.

/** Digits grouped by thousands: "1234567.5" → "1,234,567.5". */
function grouped(text: string): string {
  const [whole, fraction] = text.split('.');
  return fraction === undefined ? whole.replace(/\B(?=(\d{3})+$)/g, ',') : `${grouped(whole)}.${fraction}`;
}

/** At most `digits` decimals, trailing zeros dropped: 2.50 → "2.5", 3.00 → "3". */
function decimal(value: number, digits: number): string {
  const fixed = value.toFixed(digits);
  return grouped(fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed);
}

/** 7,043 */
export function formatCount(count: number): string {
  return decimal(count, 0);
}

/** 1,234.57; 0.162 (three significant digits below 1) */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) < 1 && value !== 0 ? String(Number(value.toPrecision(3))) : decimal(value, 2);
}

/** 12.5%; a share too small to round to 0.01% still shows as non-zero. */
export function formatPercent(percent: number): string {
  if (percent > 0 && percent < 0.01) return '<0.01%';
  return `${decimal(percent, 2)}%`;
}

/** A difference of two shares (fractions), in percentage points: 0.05 → "5 points". */
export function formatPoints(fraction: number): string {
  const points = decimal(100 * fraction, 2);
  return `${points} point${points === '1' ? '' : 's'}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${formatCount(bytes)} B`;
  if (bytes < 1024 * 1024) return `${decimal(bytes / 1024, 2)} KiB`;
  return `${decimal(bytes / (1024 * 1024), 2)} MiB`;
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

/** Money: always two decimals, grouped: 8,684.80. */
export function formatMoney(value: number): string {
  return grouped(value.toFixed(2));
}

/** A factor of change: ×1.18, ×0.91. */
export function formatRatio(ratio: number): string {
  return `×${ratio.toFixed(2)}`;
}

/** A figure of a column in its own terms: money with two decimals, other numbers rounded for reading. */
export function formatOfType(value: number, type: string): string {
  return type.startsWith('DECIMAL') ? formatMoney(value) : formatNumber(value);
}
