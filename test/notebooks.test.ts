// The notebooks are committed with their outputs (so they read on any Git host) and executed
// headless by `notebooks/run` in CI, which then runs this file on the executed copies
// (STREAMFLOW_NOTEBOOKS); in the suite it checks the committed ones. Either way every code
// cell ran, none raised, and the outputs hold the real months' numbers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers';

const DIR = path.resolve(REPO, process.env.STREAMFLOW_NOTEBOOKS ?? 'notebooks');

interface Output {
  readonly output_type: string;
  readonly text?: string | string[];
  readonly data?: Record<string, string | string[]>;
}

interface Cell {
  readonly cell_type: string;
  readonly outputs?: Output[];
}

function cells(notebook: string): Cell[] {
  return JSON.parse(fs.readFileSync(path.join(DIR, notebook), 'utf8')).cells;
}

const joined = (text: string | string[] | undefined) => (Array.isArray(text) ? text.join('') : (text ?? ''));

/** Every output a reader sees, as text: streams, plain text, HTML (an SVG figure included). */
function outputText(notebook: string): string {
  return cells(notebook)
    .flatMap((cell) => cell.outputs ?? [])
    .map(
      (output) =>
        joined(output.text) +
        Object.values(output.data ?? {})
          .map(joined)
          .join('\n'),
    )
    .join('\n');
}

describe.each(['explore.ipynb', 'pandas-postgres.ipynb'])('%s', (notebook) => {
  // tslab leaves execution_count null: a cell that ran is one with outputs (each cell here prints or shows something).
  it('every code cell ran, with output and no error', () => {
    const code = cells(notebook).filter((cell) => cell.cell_type === 'code');
    expect(code.length).toBeGreaterThan(3);
    for (const cell of code) {
      expect(cell.outputs?.length).toBeGreaterThan(0);
      expect(cell.outputs?.filter((output) => output.output_type === 'error')).toEqual([]);
    }
  });
});

describe('the numbers in the outputs', () => {
  it('explore.ipynb: 7,043 users with 1,869 and 1,701 churners, a drift figure, the label horizon, time travel and the runs', () => {
    const text = outputText('explore.ipynb');
    expect(text).toContain('2024-01-31: 7,043 users, 1,869 churners (26.54 %)');
    expect(text).toContain('2024-02-29: 7,043 users, 1,701 churners (24.15 %)');
    expect(text).toMatch(/<svg[\s\S]*<polyline[\s\S]*<polyline[\s\S]*<\/svg>/);
    expect(text).toContain('7,043 rows, label next_as_of');
    expect(text).toContain('1,701 churners in February');
    expect(text).toContain('as of 2024-01-31: 7,043 users, 1,869 churners');
    expect(text).toContain('as of 2024-02-29: 7,043 users, 1,701 churners');
    expect(text).toMatch(/month_001.*2024-02-29.*succeeded/);
  });

  it('pandas-postgres.ipynb: the snapshot tables by as_of, 1,869 and 1,701 churners of 7,043', () => {
    const text = outputText('pandas-postgres.ipynb');
    expect(text).toContain('labels_snapshots');
    expect(text).toMatch(/2024-01-31\s+7043\s+1869\s+26\.54/);
    expect(text).toMatch(/2024-02-29\s+7043\s+1701\s+24\.15/);
  });
});
