// `npm run seeds -- [--users N] [--months N] [--out DIR] [--seed N]`: writes the synthetic
// monthly exports. Progress goes to stderr, one line per month; exit 2 on bad arguments.

import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { WrittenMonth } from './generate';
import { DEFAULT_SEED, generateMonths } from './generate';

function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

function parseSeed(value: string): number {
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected an integer');
  return Number(value);
}

function reportMonth(month: WrittenMonth): void {
  const relative = path.relative(process.cwd(), month.dir);
  const where = relative.startsWith('..') || path.isAbsolute(relative) ? month.dir : relative;
  process.stderr.write(`seeds: wrote ${where} (as_of ${month.asOf}, ${month.rows} users, six tables) in ${month.elapsedMs} ms\n`);
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('seeds')
    .description('Write deterministic synthetic monthly exports (month_000, month_001, …) shaped like the real ones.')
    .option('--users <n>', 'users in month_000', parseCount, 2500)
    .option('--months <n>', 'number of monthly folders', parseCount, 3)
    .option('--out <dir>', 'output directory', 'seeds')
    .option('--seed <n>', 'random seed; the same seed gives byte-identical files', parseSeed, DEFAULT_SEED)
    .option('--new-users-per-month <n>', 'users added in each later month (default: 1% of --users, at least 1)', parseCount)
    // Bad arguments are an invalid invocation (exit 2), as in the streamflow CLI.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  program.parse(argv);
  const options = program.opts<{ users: number; months: number; out: string; seed: number; newUsersPerMonth?: number }>();
  await generateMonths({ ...options, onMonthWritten: reportMonth });
}

main(process.argv).catch((error: unknown) => {
  process.stderr.write(`seeds: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof RangeError ? 2 : 1;
});
