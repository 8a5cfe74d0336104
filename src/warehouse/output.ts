// Every file the tool writes outside its commit path (SPEC §4, "Outputs never land on
// history"): user-named outputs (`query --out`, `training-set --out`) and the tool's own
// files that no run commits (reports/index.html). Each is written to a temporary file
// beside its target, fsynced and renamed over it (engine/files.ts writeBeside), never
// written in place, so a failed write leaves a previous file byte for byte as it was.
// A user-named output is refused (exit 3) when its real path lies inside the warehouse
// folder or when it is a file the warehouse has committed (a hard link to a snapshot, as
// `cp -al` backups make): checked before any work and again right before the rename.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporaryBeside, writeBeside } from '../engine/files';
import { EnvironmentError, InvocationError, RefusedError, StreamflowError } from '../errors';
import type { WarehouseLayout } from './layout';

/** A user-named output, checked: where it is really written and the temporary file written first. */
export interface UserOutput {
  /** The path as the user gave it, for messages. */
  readonly given: string;
  /** Where it is written: symlinks resolved, `..` normalised. */
  readonly file: string;
  /** The file written first and renamed over `file` (a sealed engine allows exactly this path). */
  readonly temporary: string;
  readonly layout: WarehouseLayout;
  /** The flag that named it, for messages (`--out`). */
  readonly flag: string;
}

/**
 * Checks a user-named output before any work: its folder exists, is a folder and can be
 * written; it is not inside the warehouse and not a file the warehouse committed.
 * Throws InvocationError (exit 2) or RefusedError (exit 3); nothing is written.
 */
export function checkUserOutput(layout: WarehouseLayout, given: string, flag = '--out'): UserOutput {
  const absolute = path.resolve(given);
  const file = realTarget(absolute, `${flag} ${given}`);
  const folder = path.dirname(file);
  const refusal = refuseCommitted(layout, given, flag, file, isSymlink(absolute));
  if (refusal) throw refusal;
  const target = statOrNull(file);
  if (target && !target.isFile()) throw new InvocationError(`${flag} ${given}: ${file} is not a regular file; name a file to write`);
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch (error) {
    const denied = accessFailure(error, folder, folder);
    if (denied) throw denied;
    throw error;
  }
  return { given, file, temporary: temporaryBeside(file), layout, flag };
}

/**
 * Writes a checked user-named output: `write` fills `output.temporary`, which replaces
 * `output.file` whole once the checks hold again. A full disk or an I/O error is an
 * EnvironmentError (exit 70, one line), a folder that cannot be written an InvocationError
 * (exit 2); either way the previous file is intact and no temporary file is left.
 */
export async function writeUserOutput<T>(output: UserOutput, write: (temporary: string) => Promise<T> | T): Promise<T> {
  const existed = fs.existsSync(output.file);
  return writeBeside(output.file, write, {
    temporary: output.temporary,
    // Again, right before the rename: where the name leads now (a folder swapped for a
    // symlink meanwhile) and what sits there (a hard link to a snapshot put there meanwhile).
    beforeRename: () => {
      const now = realTarget(output.file, `${output.flag} ${output.given}`);
      const refusal = refuseCommitted(output.layout, output.given, output.flag, now, false);
      if (refusal) throw refusal;
    },
  }).catch((error: unknown) => {
    throw writeFailure(error, output.file, output.temporary, existed) ?? error;
  });
}

/** Writes one of the tool's own files that no run commits (reports/index.html) beside it and renames it into place; never refused. */
export async function writeToolFile<T>(target: string, write: (temporary: string) => Promise<T> | T): Promise<T> {
  const existed = fs.existsSync(target);
  const temporary = temporaryBeside(target);
  return writeBeside(target, write, { temporary }).catch((error: unknown) => {
    throw writeFailure(error, target, temporary, existed) ?? error;
  });
}

/** The refusal for a target inside the warehouse or sharing its inode with a committed file; undefined when neither. */
function refuseCommitted(layout: WarehouseLayout, given: string, flag: string, file: string, symlink: boolean): RefusedError | undefined {
  const warehouse = realPathOf(layout.root);
  const relative = path.relative(warehouse, file);
  if (relative === '' || !(relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative))) {
    const what = !fs.existsSync(file)
      ? `resolves to ${file}`
      : `${symlink ? 'is a symlink to' : 'is'} the warehouse's ${relative === '' ? 'folder itself' : `file ${relative}`}`;
    const why = relative.split(path.sep)[0] === 'snapshots' ? ' (a new file under snapshots/ would stop every later ingest)' : '';
    return new RefusedError(
      `${flag} ${given} ${what}, inside the warehouse ${warehouse}: outputs never go into the warehouse folder, whose files are its history${why}. ` +
        `Nothing was written; name a path outside ${warehouse}.`,
    );
  }
  const target = statOrNull(file, true);
  if (!target) return undefined;
  const committed = committedFiles(layout.root).get(inodeKey(target));
  if (committed === undefined) return undefined;
  return new RefusedError(
    `${flag} ${given} is a hard link to ${committed} of the warehouse ${warehouse} (the same file, device ${target.dev} inode ${target.ino}): ` +
      `writing it would rewrite that committed file. Nothing was written; name another path, or remove the link first (\`rm ${given}\` removes only the link).`,
  );
}

/**
 * Every regular file the warehouse holds outside `.staging` (snapshot files, their
 * manifests, the database, reports), by (device, inode), with its path relative to the
 * warehouse: what a hard link must not be.
 */
function committedFiles(root: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // gone (a run renaming its staged folders) or unreadable: nothing to compare
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (dir !== root || entry.name !== '.staging') walk(full);
      } else if (entry.isFile()) {
        const stat = statOrNull(full, true);
        if (stat) found.set(inodeKey(stat), path.relative(root, full));
      }
    }
  };
  walk(root);
  return found;
}

function inodeKey(stat: fs.BigIntStats): string {
  return `${stat.dev}:${stat.ino}`;
}

const ENVIRONMENT_FAILURES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
};
const ACCESS_FAILURES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
};
/** The system's own texts of those codes, as DuckDB's errors carry them (`IO Error: Could not write file "…": No space left on device`). */
const MESSAGE_CODES: readonly [RegExp, string][] = [
  [/No space left on device/i, 'ENOSPC'],
  [/Disk quota exceeded/i, 'EDQUOT'],
  [/Input\/output error/i, 'EIO'],
  [/Permission denied/i, 'EACCES'],
  [/Operation not permitted/i, 'EPERM'],
  [/Read-only file system/i, 'EROFS'],
];

/**
 * The system error code of a failed file operation: a Node error's own, or one read from
 * the text of an error (DuckDB's) that names `file`, so that an error about another file
 * (a snapshot the query reads) is never taken for the output's.
 */
function errorCode(error: unknown, file: string): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  const message = error instanceof Error ? error.message : '';
  if (!message.includes(file)) return undefined;
  return MESSAGE_CODES.find(([pattern]) => pattern.test(message))?.[1];
}

/** What a failed write of `target` (through `temporary`) means to the user, or undefined for an error that is not the file system's refusal. */
function writeFailure(error: unknown, target: string, temporary: string, existed: boolean): StreamflowError | undefined {
  if (error instanceof StreamflowError) return error;
  const code = errorCode(error, temporary);
  if (code !== undefined && code in ENVIRONMENT_FAILURES) {
    return new EnvironmentError(
      `cannot write ${target}: ${ENVIRONMENT_FAILURES[code]} (${code}). Nothing was changed: ` +
        `${existed ? `the previous ${path.basename(target)} is intact` : `no ${path.basename(target)} was created`} and no temporary file is left. ` +
        'Free some space (or name a file on another disk) and run it again.',
    );
  }
  return accessFailure(error, path.dirname(target), temporary);
}

function accessFailure(error: unknown, folder: string, file: string): InvocationError | undefined {
  const code = errorCode(error, file);
  if (code === undefined || !(code in ACCESS_FAILURES)) return undefined;
  return new InvocationError(`cannot write to ${folder}: ${ACCESS_FAILURES[code]} (${code}); nothing was written. Name a file in a folder you can write to.`);
}

/** The real path `file` is written at: symlinks followed (a dangling one to where it points), `..` normalised; its folder must exist. */
function realTarget(file: string, what: string): string {
  let current = file;
  for (let hops = 0; hops < 40; hops++) {
    const stat = lstatOrNull(current);
    if (stat === null) {
      const folder = path.dirname(current);
      if (!fs.existsSync(folder)) throw new InvocationError(`${what}: folder ${folder} does not exist`);
      if (!fs.statSync(folder).isDirectory()) throw new InvocationError(`${what}: ${folder} is not a folder`);
      return path.join(fs.realpathSync(folder), path.basename(current));
    }
    if (!stat.isSymbolicLink()) return fs.realpathSync(current);
    current = path.resolve(path.dirname(current), fs.readlinkSync(current));
  }
  throw new InvocationError(`${what}: too many levels of symbolic links`);
}

/** The real path of `file`, or of its nearest existing folder joined with the rest (a warehouse not created yet). */
function realPathOf(file: string): string {
  const absolute = path.resolve(file);
  if (fs.existsSync(absolute)) return fs.realpathSync(absolute);
  const parent = path.dirname(absolute);
  return parent === absolute ? absolute : path.join(realPathOf(parent), path.basename(absolute));
}

function isSymlink(file: string): boolean {
  return lstatOrNull(file)?.isSymbolicLink() ?? false;
}

/** null when there is nothing at `file` (or a component of its folder is not a folder). */
function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false }) ?? null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}

function statOrNull(file: string): fs.Stats | null;
function statOrNull(file: string, bigint: true): fs.BigIntStats | null;
function statOrNull(file: string, bigint?: true): fs.Stats | fs.BigIntStats | null {
  try {
    return bigint ? fs.statSync(file, { bigint: true }) : fs.statSync(file);
  } catch {
    return null;
  }
}
