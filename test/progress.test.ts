// Progress on a terminal: a run whose stderr is a terminal (a pseudo-terminal made by
// util-linux `script`) shows a bar per long task — load in MiB per file, validate, upsert
// and snapshot per table — and the same run in a pipe, or with --json or --quiet, shows none.
// The bar waits STREAMFLOW_PROGRESS_DELAY_MS (default 1 s) so that short runs print none;
// the tests set it to 0 so that the committed small month exercises the same code.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, type Prerequisite, REPO, requirePrerequisite, SEEDS, tempDir } from './helpers';

/** util-linux `script`, which makes the pseudo-terminal. */
const SCRIPT: Prerequisite = {
  name: 'util-linux script',
  missing: spawnSync('script', ['--version']).status === 0 ? null : 'no `script` on PATH (Debian: bsdutils)',
};

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const cliCommand = (warehouse: string, ...args: string[]) =>
  [process.execPath, BIN, '--seeds', SEEDS, '--warehouse', warehouse, ...args].map(shellQuote).join(' ');

const env = { ...process.env, STREAMFLOW_PROGRESS_DELAY_MS: '0' };

/** Runs the command with stdin, stdout and stderr on a pseudo-terminal; returns what the terminal showed. */
function onTerminal(command: string): string {
  return execFileSync('script', ['-qfec', command, '/dev/null'], { cwd: REPO, env, encoding: 'utf8', timeout: 120_000 });
}

describe.runIf(requirePrerequisite(SCRIPT))('progress bars', () => {
  it('show on a terminal for load (MiB per file), validate, upsert and snapshot (tables)', () => {
    const screen = onTerminal(cliCommand(tempDir(), 'ingest', 'month_000', '2024-01-31'));
    expect(screen).toMatch(/load \[[=-]+\] [\d.]+\/[\d.]+ MiB \w+\.csv/);
    expect(screen).toMatch(/validate \[[=-]+\] \d\/6 tables \w+/);
    expect(screen).toMatch(/upsert \[[=-]+\] \d\/6 tables/);
    expect(screen).toMatch(/snapshot \[[=-]+\] \d\/6 tables/);
    expect(screen).toMatch(/ingest month_000 as_of 2024-01-31: succeeded/);
  });

  it('stay silent in a pipe, and on a terminal with --json or --quiet', () => {
    const piped = spawnSync('sh', ['-c', `${cliCommand(tempDir(), 'ingest', 'month_000', '2024-01-31')} 2>&1 | cat`], { cwd: REPO, env, encoding: 'utf8' });
    expect(piped.stdout).toMatch(/load: completed/);
    expect(piped.stdout).not.toMatch(/\[[=-]{10,}\]/);
    for (const flag of ['--json', '--quiet']) {
      const screen = onTerminal(cliCommand(tempDir(), flag, 'ingest', 'month_000', '2024-01-31'));
      expect(screen).not.toMatch(/\[[=-]{10,}\]/);
    }
  });
});
