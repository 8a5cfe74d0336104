// Aligned text tables for people: query results (render.ts) and the tool's own listings
// (settings, runs, snapshots: cli/views.ts).

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
