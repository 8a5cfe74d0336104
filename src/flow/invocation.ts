// Checks of the command's arguments, before anything is opened or written (exit 2).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTRACT } from '../contract/tables';
import { InvocationError } from '../errors';
import type { MonthInput } from '../load';

/** A real calendar date YYYY-MM-DD, not after today (UTC). */
export function parseAsOf(text: string, today: Date = new Date()): string {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(text)) {
    throw new InvocationError(`as_of ${JSON.stringify(text)} is not a date of the form YYYY-MM-DD`);
  }
  const date = new Date(`${text}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw new InvocationError(`as_of ${text} is not a calendar date`);
  }
  const todayText = today.toISOString().slice(0, 10);
  if (text > todayText) throw new InvocationError(`as_of ${text} is in the future (today is ${todayText})`);
  return text;
}

/**
 * A month is a folder name under the seeds dir, or a path to a folder inside it; a
 * path that leads outside the seeds dir is refused, so `..` cannot reach other data.
 */
export function resolveMonth(seedsDir: string, month: string): MonthInput {
  if (!fs.existsSync(seedsDir) || !fs.statSync(seedsDir).isDirectory()) {
    throw new InvocationError(`seeds dir ${seedsDir} not found (set --seeds or SEED_DIR)`);
  }
  const seeds = fs.realpathSync(seedsDir);
  const candidates = path.isAbsolute(month) ? [month] : [path.join(seeds, month), path.resolve(month)];
  const found = candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isDirectory());
  if (!found) throw new InvocationError(`month folder ${JSON.stringify(month)} not found under ${seeds}`);
  const dir = fs.realpathSync(found);
  if (!dir.startsWith(seeds + path.sep)) {
    throw new InvocationError(`month folder ${dir} is outside the seeds dir ${seeds}`);
  }
  if (!CONTRACT.some((table) => fs.existsSync(path.join(dir, table.file)))) {
    throw new InvocationError(`${dir} holds none of the table files (${CONTRACT.map((table) => table.file).join(', ')}): not a month`);
  }
  refuseEscapingTableFiles(dir);
  return { name: path.basename(dir), dir };
}

/** A table file (a symlink, say) that resolves outside its month folder is not read at all: a month's data lives in its folder. */
function refuseEscapingTableFiles(dir: string): void {
  for (const table of CONTRACT) {
    const file = path.join(dir, table.file);
    if (!fs.existsSync(file)) continue;
    const real = fs.realpathSync(file);
    if (!real.startsWith(dir + path.sep)) throw new InvocationError(`${file} resolves to ${real}, outside the month folder ${dir}: refusing to read it`);
  }
}
