// Printing results: an aligned text table for people, CSV/JSON/Arrow IPC for tools. A query
// result keeps the engine's types (Engine.columns): JSON numbers are numbers, Arrow columns
// are typed, and the table prints NULL as NULL, distinct from an empty string.
import { arrowIpc } from '../engine/arrow';
import type { ResultColumn } from '../engine/duckdb';

export const OUTPUT_FORMATS = ['table', 'csv', 'json', 'arrow'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface FormatOptions {
  /** JSON only: DECIMAL values as exact strings ("29.85") instead of numbers. */
  readonly decimalsAsStrings?: boolean;
}

/** An aligned text table; the caller has turned every cell into text already. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '(no rows)\n';
  const widths = header.map((name, index) => Math.max(name.length, ...rows.map((row) => row[index].length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index]))
      .join('  ')
      .trimEnd();
  return `${[line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')}\n`;
}

/** Plain records (settings, manifests) as a text table; NULL printed as NULL. */
export function formatRecords(records: readonly Record<string, unknown>[]): string {
  const header = records.length > 0 ? Object.keys(records[0]) : [];
  const text = (value: unknown) => (value === null || value === undefined ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  return textTable(
    header,
    records.map((record) => header.map((name) => text(record[name]))),
  );
}

/** An unscaled decimal as exact text: 2985n at scale 2 → "29.85". */
function decimalText(unscaled: bigint, scale: number): string {
  if (scale === 0) return unscaled.toString();
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${unscaled < 0n ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function timestampText(micros: bigint, utc: boolean): string {
  const iso = new Date(Number(micros / 1000n)).toISOString().replace(/Z$/, '');
  const fraction = String(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).padStart(6, '0');
  return `${iso.slice(0, 19)}.${fraction}${utc ? 'Z' : ''}`;
}

/** A value as text, as the table and CSV show it (NULL is the caller's). */
function valueText(column: ResultColumn, value: unknown): string {
  switch (column.type.kind) {
    case 'decimal':
      return decimalText(value as bigint, column.type.scale!);
    case 'date':
      return new Date((value as number) * 86_400_000).toISOString().slice(0, 10);
    case 'timestamp':
      return timestampText(value as bigint, column.type.timezone !== undefined);
    default:
      return String(value);
  }
}

/** A value for JSON: numbers stay numbers; an integer beyond 2^53 becomes a string, so no digit is lost. */
function jsonValue(column: ResultColumn, value: unknown, options: FormatOptions): unknown {
  if (value === null) return null;
  switch (column.type.kind) {
    case 'int64': {
      const number = Number(value as bigint);
      return Number.isSafeInteger(number) ? number : String(value);
    }
    case 'decimal': {
      const text = valueText(column, value);
      return options.decimalsAsStrings || (column.type.scale === 0 && !Number.isSafeInteger(Number(text))) ? text : Number(text);
    }
    case 'float64':
      return Number.isFinite(value) ? value : String(value);
    case 'json':
      return JSON.parse(value as string);
    case 'boolean':
    case 'int8':
    case 'int16':
    case 'int32':
    case 'text':
      return value;
    default:
      return valueText(column, value);
  }
}

/** NULL is an empty field and an empty string a quoted one, as DuckDB's own CSV writer has it. */
function csvField(text: string | null): string {
  if (text === null) return '';
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function rowCount(columns: readonly ResultColumn[]): number {
  return columns[0]?.values.length ?? 0;
}

function textRows(columns: readonly ResultColumn[]): (string | null)[][] {
  return Array.from({ length: rowCount(columns) }, (_, row) =>
    columns.map((column) => (column.values[row] === null ? null : valueText(column, column.values[row]))),
  );
}

/** A query result in the chosen format: text for table/csv/json, bytes for arrow. */
export async function formatResult(columns: readonly ResultColumn[], format: OutputFormat, options: FormatOptions = {}): Promise<string | Uint8Array> {
  const names = columns.map((column) => column.name);
  switch (format) {
    case 'arrow':
      return arrowIpc(columns);
    case 'json': {
      const rows = Array.from({ length: rowCount(columns) }, (_, row) =>
        Object.fromEntries(columns.map((column) => [column.name, jsonValue(column, column.values[row], options)])),
      );
      return `${JSON.stringify(rows, null, 2)}\n`;
    }
    case 'csv':
      return `${[names.map(csvField).join(','), ...textRows(columns).map((row) => row.map(csvField).join(','))].join('\n')}\n`;
    case 'table':
      return textTable(
        names,
        textRows(columns).map((row) => row.map((text) => text ?? 'NULL')),
      );
  }
}
