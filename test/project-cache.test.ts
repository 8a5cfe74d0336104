// The compiled project cache (src/contract/project-file.ts): the bin reads a project it
// read before from one JSON file, and never serves one whose project or contract file
// changed, nor fails on a cache it cannot use.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers';
import { BIN, REPO } from './paths';

describe('the project cache of the bin', () => {
  const project = path.join(tempDir('streamflow-cache-'), 'retail');
  const cache = tempDir('streamflow-cache-dir-');
  fs.cpSync(path.join(REPO, 'test', 'fixtures', 'retail'), project, { recursive: true });
  const contract = path.join(project, 'contracts', 'retail.odcs.yaml');

  function check(): { version: string; tables: number; stderr: string; code: number | null } {
    const result = spawnSync(process.execPath, [BIN, '--project', path.join(project, 'streamflow.yaml'), '--json', 'contract', 'check'], {
      env: { ...process.env, STREAMFLOW_CACHE_DIR: cache },
      encoding: 'utf8',
    });
    const json = result.status === 0 ? JSON.parse(result.stdout) : undefined;
    return { version: json?.contract.version, tables: json?.tables.length, stderr: result.stderr, code: result.status };
  }
  const entries = () => fs.readdirSync(cache).filter((name) => name.endsWith('.json'));

  it('writes one entry on the first read and answers the second from it', () => {
    expect(check()).toMatchObject({ code: 0, version: '1.0.0', tables: 4 });
    expect(entries()).toHaveLength(1);
    // What the entry holds is what is answered: a planted version shows the entry is read.
    const file = path.join(cache, entries()[0]);
    const entry = JSON.parse(fs.readFileSync(file, 'utf8'));
    entry.project.contract.version = '9.9.9-from-cache';
    fs.writeFileSync(file, JSON.stringify(entry));
    expect(check()).toMatchObject({ code: 0, version: '9.9.9-from-cache' });
  });

  it('reads the files again when the contract changed, and when the project file changed', () => {
    fs.writeFileSync(contract, fs.readFileSync(contract, 'utf8').replace('version: 1.0.0', 'version: 1.0.1'));
    expect(check()).toMatchObject({ code: 0, version: '1.0.1' });
    const projectFile = path.join(project, 'streamflow.yaml');
    fs.writeFileSync(projectFile, `${fs.readFileSync(projectFile, 'utf8')}# touched\n`);
    expect(check()).toMatchObject({ code: 0, version: '1.0.1' });
    expect(entries()).toHaveLength(2);
  });

  it('passes by an entry it cannot read, and reports a broken contract as ever (exit 2, line and column)', () => {
    for (const name of entries()) fs.writeFileSync(path.join(cache, name), '{ not json');
    expect(check()).toMatchObject({ code: 0, version: '1.0.1' });
    fs.writeFileSync(contract, fs.readFileSync(contract, 'utf8').replace('metric: rowCount', 'metric: rowTotal'));
    const broken = check();
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/retail\.odcs\.yaml:\d+:\d+: unknown quality metric "rowTotal"/);
  });
});
