// Printing result rows: an aligned text table for people, CSV/JSON/Arrow IPC for tools.

export type OutputFormat = 'table' | 'csv' | 'json' | 'arrow';

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function csvField(value: unknown): string {
  const text = cell(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Arrow IPC (stream format); apache-arrow is loaded only here, as it costs ~50 ms of start-up. */
export async function formatArrow(rows: readonly Record<string, unknown>[]): Promise<Uint8Array> {
  const { tableFromJSON, tableToIPC } = await import('apache-arrow');
  return tableToIPC(tableFromJSON(rows as Record<string, unknown>[]), 'stream');
}

export function formatRows(rows: readonly Record<string, unknown>[], format: Exclude<OutputFormat, 'arrow'>): string {
  const columns = rows.length > 0 ? Object.keys(rows[0]) : [];
  switch (format) {
    case 'json':
      return `${JSON.stringify(rows, null, 2)}\n`;
    case 'csv':
      return [columns.join(','), ...rows.map((row) => columns.map((column) => csvField(row[column])).join(','))].join('\n') + '\n';
    case 'table': {
      if (rows.length === 0) return '(no rows)\n';
      const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
      const line = (values: string[]) => values.map((value, index) => value.padEnd(widths[index])).join('  ').trimEnd();
      return [line(columns), line(widths.map((width) => '-'.repeat(width))), ...rows.map((row) => line(columns.map((column) => cell(row[column]))))].join('\n') + '\n';
    }
  }
}
