// The README's quick start works as written: its shell block(s), between the quickstart
// markers, run verbatim through bash in a fresh copy of the repository (the files git
// tracks) placed beside a `shared` folder, as a clone in the course layout is. The one
// stand-in: `npm ci` is replaced by a link to this checkout's node_modules (installing
// again needs the network and a minute). ts-node transpiles with swc (tsconfig.json), as for a user.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_EXPORTS, REPO, requirePrerequisite, tempDir } from './helpers';

const START = '<!-- quickstart';
const END = '<!-- /quickstart -->';

/** The ```sh blocks between the quickstart markers of the README. */
function quickStartBlocks(readme: string): string[] {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('README.md has no quickstart markers');
  return [...readme.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
}

/** A copy of the tracked files of the repository at `<root>/streamflow`, `<root>/shared` linked to the course data. */
function freshClone(): string {
  const root = tempDir('streamflow-clone-');
  const clone = path.join(root, 'streamflow');
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!fs.existsSync(path.join(REPO, file))) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO, file), path.join(clone, file));
  }
  fs.symlinkSync(path.resolve(REPO, '..', 'shared'), path.join(root, 'shared'));
  return clone;
}

describe.runIf(requirePrerequisite(REAL_EXPORTS))('README quick start', () => {
  it('runs verbatim on a fresh copy, every command exiting 0', { timeout: 600_000 }, () => {
    const blocks = quickStartBlocks(fs.readFileSync(path.join(REPO, 'README.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThan(0);
    const script = blocks
      .join('\n')
      .split('\n')
      .map((line) => (/^npm ci\b/.test(line) ? `ln -s ${JSON.stringify(path.join(REPO, 'node_modules'))} node_modules` : line))
      .join('\n');
    const clone = freshClone();
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(SEED_DIR|WAREHOUSE_DIR|STREAMFLOW_|DATABASE_URL)/.test(key)));
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: clone, env, encoding: 'utf8' });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);

    expect(result.stdout.match(/^ingest month_000 as_of 2024-01-31: succeeded/gm)).toHaveLength(2);
    expect(result.stdout.match(/^ingest month_001 as_of 2024-02-29: succeeded/gm)).toHaveLength(2);
    expect(result.stdout).toMatch(/warning: usage_agg_30d\.avg_session_mins_7d failed expect_column_proportion_of_unique_values_to_be_between/);
    expect(result.stdout).toMatch(/^2024-02-29 +\d+ +\d+\.\d{2}$/m);
    expect(result.stdout).toMatch(/^run \S+: ingest month_001 as_of 2024-02-29: succeeded \(exit 0\)$/m);
    expect(result.stdout).toMatch(/^churn_label,users\nfalse,\d+\ntrue,\d+$/m);
    expect(fs.readdirSync(path.join(clone, 'warehouse', 'snapshots'))).toHaveLength(6);
    // Two run reports, and the index that lists them.
    const reports = fs.readdirSync(path.join(clone, 'warehouse-real', 'reports'));
    expect(reports.filter((entry) => entry !== 'index.html')).toHaveLength(2);
    expect(reports).toContain('index.html');
  });
});
