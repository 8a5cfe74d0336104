// The library API (the package's export): typed Arrow results over the real months, the
// same answers as the command line, errors carrying the CLI's exit codes, a handle that
// holds no file between calls, and package.json pointing at what the build makes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataType, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { InvocationError, openWarehouse } from '../src';
import { openEngine } from '../src/engine/duckdb';
import { REAL_EXPORTS, REPO, realWarehouse, requirePrerequisite } from './helpers';

function records(table: Table): Record<string, unknown>[] {
  return table.toArray().map((row) => row.toJSON());
}

describe('package.json', () => {
  it('exports the API from dist/index.js with its declarations from dist/types, which prepare builds', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(manifest.exports['.']).toEqual({ types: './dist/types/index.d.ts', default: './dist/index.js' });
    expect(manifest.types).toBe('dist/types/index.d.ts');
    expect(manifest.scripts.build).toContain('src/index.ts');
    expect(manifest.scripts.prepare).toBe('npm run build && npm run build:types');
    expect(JSON.parse(fs.readFileSync(path.join(REPO, 'tsconfig.types.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''))).toMatchObject({
      compilerOptions: { outDir: 'dist/types', rootDir: 'src' },
      files: ['src/index.ts'],
    });
  });
});

describe("the README's API reference", () => {
  /** src/index.ts's exports (types included), and the members of class Warehouse that are neither private nor @internal. */
  function exported(): { names: string[]; members: string[] } {
    const index = fs.readFileSync(path.join(REPO, 'src', 'index.ts'), 'utf8');
    const names = [...index.matchAll(/export \{([^}]*)\}/g)].flatMap(([, list]) =>
      list
        .split(',')
        .map((name) => name.replace(/^\s*type\s+/, '').trim())
        .filter(Boolean),
    );
    const api = fs.readFileSync(path.join(REPO, 'src', 'api', 'index.ts'), 'utf8');
    const body = api.slice(api.indexOf('export class Warehouse'), api.indexOf('\n}\n', api.indexOf('export class Warehouse')));
    const members = [...body.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?^ {2,4}(?:readonly |async \*?|get )?(\w+|\[Symbol\.asyncDispose\])(?:\(|: )/gm)]
      .filter(([, doc, name]) => !doc?.includes('@internal') && name !== 'constructor' && name !== 'private')
      .map(([, , name]) => name);
    return { names, members };
  }

  it('names every export and every public member of Warehouse, and nothing that is not one', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const reference = readme.slice(readme.indexOf('<!-- api-reference -->'), readme.indexOf('<!-- /api-reference -->'));
    const { names, members } = exported();
    const backticked = [...reference.matchAll(/`([^`]+)`/g)].map(([, text]) => text);
    const documentedMembers = [
      ...new Set(backticked.flatMap((text) => [...text.matchAll(/\bwh(\.\w+|\[Symbol\.asyncDispose\])/g)].map(([, member]) => member.replace(/^\./, '')))),
    ];
    // Every export is named somewhere in the reference (an option type beside its call); every name a row opens with is an export.
    const mentioned = (name: string) => backticked.some((text) => new RegExp(`^${name}\\b`).test(text));
    const rowNames = [...reference.matchAll(/^\| (.+?) \|/gm)]
      .flatMap(([, cell]) => [...cell.matchAll(/`([A-Za-z]\w*)/g)].map(([, name]) => name))
      .filter((name) => name !== 'wh' && name !== 'export');
    expect(documentedMembers.sort()).toEqual([...members].sort());
    expect(names.filter((name) => !mentioned(name))).toEqual([]);
    expect(rowNames.filter((name) => !names.includes(name))).toEqual([]);
  });
});

describe.runIf(requirePrerequisite(REAL_EXPORTS))('openWarehouse on the real months', () => {
  const dir = realWarehouse('february');

  it('answers sql, table, trainingSet, runs, snapshots and stream as typed Arrow tables', async () => {
    await using wh = await openWarehouse(dir, { project: path.join(REPO, 'streamflow.yaml') });
    const churn = await wh.sql(
      'SELECT as_of, count(*) AS users, count(*) FILTER (WHERE churn_label) AS churners FROM snapshots.labels GROUP BY as_of ORDER BY as_of',
    );
    expect(DataType.isDate(churn.schema.fields[0].type)).toBe(true);
    expect(records(churn).map(({ users, churners }) => [users, churners])).toEqual([
      [7043n, 1869n],
      [7043n, 1701n],
    ]);
    // Time travel: the table name reads January's snapshot.
    const january = await wh.sql('SELECT count(*) FILTER (WHERE churn_label) AS churners FROM labels', { asOf: '2024-01-31' });
    expect(january.getChild('churners')?.get(0)).toBe(1869n);
    expect((await wh.table('users', { asOf: '2024-01-31' })).numRows).toBe(7043);
    expect((await wh.table('snapshots.labels')).numRows).toBe(2 * 7043);

    const training = await wh.trainingSet({ asOf: '2024-01-31', labelHorizon: 1 });
    expect(training.summary).toMatchObject({ rows: 7043, label: 'next_as_of' });
    expect(training.table.numRows).toBe(7043);

    const runs = records(await wh.runs());
    expect(runs.map((run) => [run.month, run.status])).toEqual([
      ['month_001', 'succeeded'],
      ['month_000', 'succeeded'],
    ]);
    expect((await wh.snapshots({ table: 'labels' })).numRows).toBe(2);

    let streamed = 0;
    for await (const batch of wh.stream('SELECT * FROM snapshots.users')) streamed += batch.numRows;
    expect(streamed).toBe(2 * 7043);
  });

  it('throws the typed errors the command line exits with; a closed handle refuses calls', async () => {
    const wh = await openWarehouse(dir, { project: path.join(REPO, 'streamflow.yaml') });
    await expect(wh.sql('DELETE FROM users')).rejects.toMatchObject({ constructor: InvocationError, exitCode: 2 });
    await expect(wh.table('nope')).rejects.toThrow(/expected one of users/);
    wh.close();
    await expect(wh.runs()).rejects.toThrow(/closed/);
  });

  it('catalog.duckdb: plain DuckDB finds snapshots.<table> views without the warehouse, and live.<table> once it is attached', async () => {
    const catalog = await openEngine({ readOnlyDatabase: path.join(dir, 'catalog.duckdb') });
    try {
      const churn = await catalog.rows(
        "SELECT strftime(as_of, '%Y-%m-%d') AS as_of, count(*) AS users, count(*) FILTER (WHERE churn_label) AS churners FROM snapshots.labels GROUP BY ALL ORDER BY as_of",
      );
      expect(churn).toEqual([
        { as_of: '2024-01-31', users: 7043, churners: 1869 },
        { as_of: '2024-02-29', users: 7043, churners: 1701 },
      ]);
      await expect(catalog.rows('SELECT count(*) FROM live.users')).rejects.toThrow(/wh/);
      await catalog.run(`ATTACH '${path.join(dir, 'streamflow.duckdb')}' AS wh (READ_ONLY)`);
      expect(await catalog.rows('SELECT count(*) AS users FROM live.users')).toEqual([{ users: 7043 }]);
    } finally {
      catalog.close();
    }
  });
});
