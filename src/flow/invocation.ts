// Checks of the command's arguments, before anything is opened or written (exit 2).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Contract } from '../contract/contract';
import { MONTH_FOLDER, monthEndAfter } from '../contract/months';
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

/** Folders under `seedsDir` that hold at least one table file: the months a user can name. */
export function monthsUnder(contract: Contract, seedsDir: string): string[] {
  if (!fs.existsSync(seedsDir)) return [];
  return folderNames(seedsDir)
    .filter((name) => isMonthFolder(contract, path.join(seedsDir, name)))
    .sort();
}

/** The names of the folders in `dir`, a link to a folder counted as one (a month folder may be a link to where the export lives). */
export function folderNames(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() || (entry.isSymbolicLink() && isFolder(path.join(dir, entry.name))))
    .map((entry) => entry.name);
}

function isMonthFolder(contract: Contract, dir: string): boolean {
  return contract.tables.some((table) => fs.existsSync(path.join(dir, table.file)));
}

function isFolder(candidate: string): boolean {
  return fs.existsSync(candidate) && fs.statSync(candidate).isDirectory();
}

/**
 * A month is a folder name under the seeds dir, or a path to any folder (the user's own
 * path: relative to the working directory, or absolute). "Not found" lists the months the
 * seeds dir holds. A link to a folder is a month folder too, named and recorded as given
 * (`seeds/month_001` → `/exports/feb` is month_001 at seeds/month_001, so the month
 * calendar and `runs --month` see the name the user chose); its table files must still
 * lie inside the folder it leads to.
 */
export function resolveMonth(contract: Contract, seedsDir: string, month: string): MonthInput {
  const seedsExist = isFolder(seedsDir);
  const underSeeds = seedsExist && !path.isAbsolute(month) ? path.join(seedsDir, month) : undefined;
  const found = [underSeeds, path.resolve(month)].find((candidate) => candidate !== undefined && isFolder(candidate));
  if (!found) {
    if (!seedsExist)
      throw new InvocationError(
        `seeds dir ${seedsDir} not found (set --seeds or SEED_DIR), and month folder ${JSON.stringify(month)} is no folder path either`,
      );
    const months = monthsUnder(contract, seedsDir);
    const known = months.length > 0 ? `the months there are ${months.join(', ')}` : 'it holds no month folders';
    throw new InvocationError(`month folder ${JSON.stringify(month)} not found under ${seedsDir}: ${known}`);
  }
  const dir = path.resolve(found);
  if (!isMonthFolder(contract, dir)) {
    throw new InvocationError(`${dir} holds none of the table files (${contract.tables.map((table) => table.file).join(', ')}): not a month`);
  }
  refuseEscapingTableFiles(contract, dir);
  return { name: path.basename(dir), dir };
}

/**
 * The as_of the month calendar pairs with a month folder, or undefined for a folder the
 * calendar does not name: a `months.json` beside the folder ({"month_000": "2024-01-31", …})
 * when there is one, else month_NNN → the month end NNN months after `firstAsOf`.
 */
export function calendarAsOf(month: MonthInput, firstAsOf: string): string | undefined {
  const mapping = readMonthsFile(path.dirname(month.dir));
  if (mapping) return mapping[month.name];
  return monthEndRule(month.name, firstAsOf);
}

/** month_NNN → the month end NNN months after `firstAsOf`; undefined for other names. */
export function monthEndRule(name: string, firstAsOf: string): string | undefined {
  const numbered = MONTH_FOLDER.exec(name);
  return numbered ? monthEndAfter(firstAsOf, Number(numbered[1])) : undefined;
}

/** A month folder named in the calendar must be ingested under its own as_of (SPEC §4), checked before any work. */
export function checkCalendar(month: MonthInput, asOf: string, firstAsOf: string): void {
  const expected = calendarAsOf(month, firstAsOf);
  if (expected !== undefined && expected !== asOf) {
    throw new InvocationError(
      `${month.name} is the export of as_of ${expected} in the month calendar (month_000 is ${firstAsOf}), not ${asOf}; ` +
        `pass ${expected}, or give a folder named outside the calendar`,
    );
  }
}

export const MONTHS_FILE = 'months.json';

/** `<dir>/months.json`, the explicit month → as_of calendar of a seeds dir, when present. */
export function readMonthsFile(dir: string): Record<string, string> | undefined {
  const file = path.join(dir, MONTHS_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>) : undefined;
}

/** A table file (a symlink, say) that resolves outside its month folder is not read at all: a month's data lives in its folder. */
function refuseEscapingTableFiles(contract: Contract, dir: string): void {
  const realDir = fs.realpathSync(dir);
  for (const table of contract.tables) {
    const file = path.join(dir, table.file);
    if (!fs.existsSync(file)) continue;
    const real = fs.realpathSync(file);
    if (!real.startsWith(realDir + path.sep))
      throw new InvocationError(`${file} resolves to ${real}, outside the month folder ${realDir}: refusing to read it`);
  }
}
