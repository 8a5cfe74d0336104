// Schema evolution (issue 22): the project's contract moves on while the warehouse keeps
// its history. On the retail project: month_000 frozen under version 1.0.0; version 1.1.0
// adds an optional column, which month_001 carries; earlier snapshots read it as NULL in
// query, time travel, training sets and PostgreSQL, and stay byte for byte as frozen. A
// change the version does not allow is refused before anything is read (exit 2).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Csv } from './csv';
import { cli, REPO, requirePrerequisite, snapshotFiles, tempDir } from './helpers';
import { createTestDatabase, POSTGRES } from './postgres';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'retail');
const MARCH = '2025-03-31';
const APRIL = '2025-04-30';

describe('a contract that moves on: retail 1.0.0 → 1.1.0 adds customers.nps_score', () => {
  const project = path.join(tempDir('streamflow-evolution-'), 'retail');
  const warehouse = path.join(tempDir('streamflow-evolution-wh-'), 'warehouse');
  const contractFile = path.join(project, 'contracts', 'retail.odcs.yaml');
  const original = fs.readFileSync(path.join(FIXTURE, 'contracts', 'retail.odcs.yaml'), 'utf8');
  const sf = (...args: string[]) => cli('--project', path.join(project, 'streamflow.yaml'), '--warehouse', warehouse, ...args);

  /** The contract with `nps_score` appended to customers' properties (after birth_year's rules), at `version`. */
  function contractWith(version: string, nps: { type: string; required: boolean } | null, edit: (text: string) => string = (text) => text): string {
    const anchor = '  - name: orders\n';
    const property = nps
      ? `      - name: nps_score\n        description: How likely the member is to recommend the chain, asked since April.\n        physicalType: ${nps.type}\n        required: ${nps.required}\n\n`
      : '';
    return edit(original.replace('version: 1.0.0', `version: ${version}`).replace(anchor, `${property}${anchor}`));
  }

  async function rows(sql: string, asOf?: string): Promise<Record<string, unknown>[]> {
    const result = await sf('query', ...(asOf ? ['--as-of', asOf] : []), '--format', 'json', sql);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  }

  beforeAll(() => {
    fs.cpSync(FIXTURE, project, { recursive: true });
    // month_001's customers carry the new column: a score for every second member.
    const customers = Csv.read(path.join(project, 'months', 'month_001', 'customers.csv'));
    const scored = new Csv(
      [...customers.header, 'nps_score'],
      customers.rows.map((fields, row) => [...fields, row % 2 === 0 ? String(row % 11) : '']),
    );
    scored.write(path.join(project, 'months', 'month_001', 'customers.csv'));
  });

  it('freezes month_000 under 1.0.0, recording the version with the run and in each partition manifest', async () => {
    const run = await sf('--json', 'ingest', 'month_000');
    expect(run.code, run.stderr).toBe(0);
    const shown = await sf('--json', 'runs', 'show', 'latest');
    expect(shown.json.contract_version).toBe('1.0.0');
    const manifest = JSON.parse(fs.readFileSync(path.join(warehouse, 'snapshots', 'customers', `as_of=${MARCH}`, '_manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ schema_version: '4', contract_version: '1.0.0' });
  });

  it('refuses a new column under the same version (exit 2, the column named), changing nothing', async () => {
    const before = snapshotFiles(warehouse);
    fs.writeFileSync(contractFile, contractWith('1.0.0', { type: 'INTEGER', required: false }));
    const run = await sf('ingest', 'month_001');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/version 1\.0\.0 adds nps_score in table customers .*needs a new version/);
    expect(snapshotFiles(warehouse)).toEqual(before);
  });

  it('refuses a new required column (exit 2): earlier snapshots have no value for it', async () => {
    fs.writeFileSync(contractFile, contractWith('1.1.0', { type: 'INTEGER', required: true }));
    const run = await sf('ingest', 'month_001');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('adds the required column customers.nps_score');
  });

  it('refuses removing a column without a new major version (exit 2), and names it', async () => {
    const withoutTier = (text: string) => text.replace(/ {6}- name: promo_code\n[\s\S]*?(?=\n {2}- name: store_visits)/, '');
    fs.writeFileSync(contractFile, contractWith('1.1.0', null, withoutTier));
    const run = await sf('ingest', 'month_001');
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/removes promo_code .*needs a new major version/);
  });

  it('ingests month_001 under 1.1.0: the new column in the live table and the new snapshot, NULL in the earlier one', async () => {
    fs.writeFileSync(contractFile, contractWith('1.1.0', { type: 'INTEGER', required: false }));
    const marchFiles = snapshotFiles(warehouse);
    const run = await sf('--json', 'ingest', 'month_001');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.status).toBe('succeeded');
    // The partitions frozen under 1.0.0 are untouched.
    const after = snapshotFiles(warehouse);
    for (const [file, digest] of Object.entries(marchFiles)) expect(after[file], file).toBe(digest);

    const scored = 156; // every second row of month_001's 312 customers
    expect(await rows('SELECT count(nps_score) AS n FROM customers')).toEqual([{ n: scored }]);
    expect(await rows(`SELECT as_of::VARCHAR AS as_of, count(nps_score) AS n, count(*) AS rows FROM snapshots.customers GROUP BY ALL ORDER BY 1`)).toEqual([
      { as_of: MARCH, n: 0, rows: 300 },
      { as_of: APRIL, n: scored, rows: 312 },
    ]);
    expect(await rows('SELECT count(*) AS rows, count(nps_score) AS n FROM customers', MARCH)).toEqual([{ rows: 300, n: 0 }]);
    const shown = await sf('--json', 'runs', 'show', 'latest');
    expect(shown.json.contract_version).toBe('1.1.0');
  });

  it('reads the new column into training sets: NULL for the month frozen before it, its values after', async () => {
    const projectFile = path.join(project, 'streamflow.yaml');
    fs.writeFileSync(
      projectFile,
      fs.readFileSync(projectFile, 'utf8').replace('features: [region, loyalty_tier, birth_year]', 'features: [region, loyalty_tier, birth_year, nps_score]'),
    );
    for (const [asOf, expected] of [
      [MARCH, 0],
      [APRIL, 156],
    ] as const) {
      const out = path.join(tempDir('streamflow-evolution-ts-'), 'set.csv');
      const built = await sf('training-set', '--as-of', asOf, '--out', out);
      expect(built.code, built.stderr).toBe(0);
      const set = Csv.read(out);
      expect(set.header).toContain('nps_score');
      expect(set.rows.filter((_, row) => set.get(row, 'nps_score') !== '')).toHaveLength(expected);
    }
  });

  it('replays month_000, frozen under 1.0.0, as a no-op under 1.1.0 (exit 0, unchanged)', async () => {
    const before = snapshotFiles(warehouse);
    const run = await sf('--json', 'ingest', 'month_000');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.status).toBe('unchanged');
    expect(snapshotFiles(warehouse)).toEqual(before);
  });

  it.runIf(requirePrerequisite(POSTGRES))('mirrors both versions to PostgreSQL and verifies them equal', async () => {
    const database = await createTestDatabase('evolution');
    try {
      const synced = await sf('--url', database.url, 'sync-postgres');
      expect(synced.code, synced.stderr).toBe(0);
      const verified = await sf('--url', database.url, '--json', 'verify', '--postgres');
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.json).toMatchObject({ ok: true, findings: [] });
    } finally {
      await database.drop();
    }
  });
});
