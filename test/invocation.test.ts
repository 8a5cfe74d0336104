// Invalid invocations (SPEC §2, exit 2): bad as_of, unknown months, folders that are not
// months, a calendar month paired with another as_of. Each ends with exit 2 before anything is opened, so
// nothing is written: a warehouse dir that did not exist still does not, and one that
// did holds exactly the same files, byte for byte.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, copyMonths, SEEDS, sha256, tempDir } from './helpers';

/** Every file under `dir` with its sha256; {} when the dir does not exist. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(dir, full)] = sha256(full);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return files;
}

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

describe('invalid invocations exit 2 and write nothing', () => {
  /** A seeds dir with month_000, a folder that is no month, a file, and a link leading outside. */
  const seeds = copyMonths(SEEDS, ['month_000'], tempDir('streamflow-seeds-'));
  /** A real month folder outside the seeds dir. */
  const outside = copyMonths(SEEDS, ['month_000'], tempDir('streamflow-outside-'));
  /** A warehouse holding one ingested month: it must stay byte-identical. */
  const existing = tempDir('streamflow-wh-');
  let existingTree: Record<string, string>;

  beforeAll(async () => {
    fs.mkdirSync(path.join(seeds, 'notes'));
    fs.writeFileSync(path.join(seeds, 'notes', 'README.md'), 'not a month\n');
    fs.writeFileSync(path.join(seeds, 'month_009'), 'a file, not a folder\n');
    fs.symlinkSync(path.join(outside, 'month_000'), path.join(seeds, 'month_linked'));
    const result = await cli('--seeds', seeds, '--warehouse', existing, 'ingest', 'month_000', '2024-01-31');
    expect(result.code, result.stderr).toBe(0);
    existingTree = tree(existing);
  });

  const cases: { name: string; args: (month: string) => string[]; message: RegExp }[] = [
    { name: 'a malformed as_of', args: () => ['ingest', 'month_000', '31/01/2024'], message: /as_of "31\/01\/2024" is not a date of the form YYYY-MM-DD/ },
    { name: 'an as_of without zero padding', args: () => ['ingest', 'month_000', '2024-1-31'], message: /not a date of the form YYYY-MM-DD/ },
    { name: 'an empty as_of', args: () => ['ingest', 'month_000', ''], message: /not a date of the form YYYY-MM-DD/ },
    { name: 'an impossible as_of (February 30)', args: () => ['ingest', 'month_000', '2024-02-30'], message: /as_of 2024-02-30 is not a calendar date/ },
    { name: 'an impossible as_of (month 13)', args: () => ['ingest', 'month_000', '2024-13-01'], message: /not a calendar date/ },
    { name: 'a future as_of (tomorrow)', args: () => ['ingest', 'month_000', isoDay(1)], message: /is in the future/ },
    { name: 'a far-future as_of', args: () => ['ingest', 'month_000', '2999-12-31'], message: /is in the future/ },
    {
      name: 'SQL text in as_of',
      args: () => ['ingest', 'month_000', "2024-01-31'; DROP TABLE users; --"],
      message: /not a date of the form YYYY-MM-DD/,
    },
    { name: 'an unknown month', args: () => ['ingest', 'month_999', '2024-01-31'], message: /month folder "month_999" not found/ },
    { name: 'a month that is a file', args: () => ['ingest', 'month_009', '2024-01-31'], message: /not found/ },
    { name: 'the seeds dir itself', args: () => ['ingest', '.', '2024-01-31'], message: /not a month/ },
    {
      name: 'a calendar month paired with another as_of',
      args: () => ['ingest', 'month_000', '2023-12-31'],
      message: /month_000 is the export of as_of 2024-01-31/,
    },
    {
      name: 'validate of a calendar month at another --as-of',
      args: () => ['validate', 'month_000', '--as-of', '2024-02-29'],
      message: /month_000 is the export of as_of 2024-01-31/,
    },
    { name: 'a folder holding none of the six files', args: () => ['ingest', 'notes', '2024-01-31'], message: /holds none of the table files .*: not a month/ },
    {
      name: 'a missing as_of for a folder outside the month calendar',
      args: () => ['ingest', 'month_linked'],
      message: /ingest month_linked: give its as_of \(e\.g\. ingest month_linked 2024-03-31\); month_linked is not a month_NNN folder/,
    },
    { name: 'an extra argument', args: () => ['ingest', 'month_000', '2024-01-31', 'more'], message: /too many arguments|unknown/i },
    { name: 'an unknown command', args: () => ['ingets', 'month_000', '2024-01-31'], message: /unknown command/ },
    { name: 'validate with a malformed --as-of', args: () => ['validate', 'month_000', '--as-of', 'yesterday'], message: /not a date of the form YYYY-MM-DD/ },
    { name: 'validate with a future --as-of', args: () => ['validate', 'month_000', '--as-of', isoDay(2)], message: /is in the future/ },
    { name: 'validate of an unknown month', args: () => ['validate', 'month_999'], message: /not found/ },
    { name: 'validate of a folder that is no month', args: () => ['validate', 'notes'], message: /not a month/ },
  ];

  it.each(cases)('$name', async ({ args, message }) => {
    const fresh = path.join(tempDir('streamflow-none-'), 'warehouse');
    const first = await cli('--seeds', seeds, '--warehouse', fresh, ...args('month_000'));
    expect(first.code, first.stderr).toBe(2);
    expect(first.stderr).toMatch(message);
    expect(fs.existsSync(fresh)).toBe(false);

    const second = await cli('--seeds', seeds, '--warehouse', existing, ...args('month_000'));
    expect(second.code, second.stderr).toBe(2);
    expect(tree(existing)).toEqual(existingTree);
  });

  it("ingest of a month_NNN folder without an as_of takes the month calendar's (exit 0)", async () => {
    const fresh = path.join(tempDir('streamflow-none-'), 'warehouse');
    const result = await cli('--seeds', seeds, '--warehouse', fresh, '--json', 'ingest', 'month_000');
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toMatchObject({ month: 'month_000', as_of: '2024-01-31', status: 'succeeded' });
  });

  it('a seeds dir that does not exist', async () => {
    const fresh = path.join(tempDir('streamflow-none-'), 'warehouse');
    const result = await cli('--seeds', path.join(seeds, 'nowhere'), '--warehouse', fresh, 'ingest', 'month_000', '2024-01-31');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/seeds dir .* not found/);
    expect(fs.existsSync(fresh)).toBe(false);
  });

  it.each([
    ['an absolute path outside the seeds dir', () => path.join(outside, 'month_000')],
    ['a relative path climbing out of the seeds dir', () => path.join('..', path.basename(outside), 'month_000')],
    ['a link inside the seeds dir leading outside', () => 'month_linked'],
  ])('accepts a month given as %s: the SPEC allows a path to any folder', async (_name, month) => {
    const fresh = path.join(tempDir('streamflow-none-'), 'warehouse');
    const result = await cli('--seeds', seeds, '--warehouse', fresh, 'validate', month(), '--as-of', '2024-01-31');
    expect(result.code, result.stderr).toBe(0);
  });

  it('accepts the same month given as a path inside the seeds dir (control)', async () => {
    const fresh = path.join(tempDir('streamflow-none-'), 'warehouse');
    const result = await cli('--seeds', seeds, '--warehouse', fresh, 'validate', path.join(seeds, 'month_000'), '--as-of', '2024-01-31');
    expect(result.code, result.stderr).toBe(0);
  });
});
