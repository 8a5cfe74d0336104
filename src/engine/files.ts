// File-system steps the warehouse relies on for its guarantees: content hashes,
// publishing by rename, and writing a file beside its target then renaming it over the
// target, so a half-written file is never visible under its final name and a file is
// never rewritten in place.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** Moves a finished file or folder into place; rename is atomic within one file system. */
export function publish(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.renameSync(from, to);
}

/** fsyncs a file so that a rename after it never exposes a file whose bytes are still in flight. */
export function syncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** syncFile without blocking the event loop: the fsync runs on libuv's thread pool. */
export async function syncFileAsync(file: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A fresh name in `target`'s folder for the file that will replace it: `.<name>.<pid>.<random>.tmp`. */
export function temporaryBeside(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

interface BesideOptions {
  /** The temporary file to write (default: a fresh `temporaryBeside(target)`); a sealed engine must be told it before. */
  readonly temporary?: string;
  /** Runs once the temporary file is complete and synced, right before the rename; throwing stops the rename. */
  readonly beforeRename?: () => void;
}

/**
 * Writes `target` whole or not at all: `write` fills a temporary file in the target's
 * folder, which is fsynced and then renamed over the target (atomic within one file
 * system). The target is never opened for writing, so a previous file there — and every
 * hard link to it — keeps each byte until the rename replaces the name. On any failure
 * the temporary file is removed and the error rethrown, untouched.
 */
export async function writeBeside<T>(target: string, write: (temporary: string) => Promise<T> | T, options: BesideOptions = {}): Promise<T> {
  const temporary = options.temporary ?? temporaryBeside(target);
  let result: T;
  try {
    result = await write(temporary);
    syncFile(temporary);
    options.beforeRename?.();
    fs.renameSync(temporary, target);
  } catch (error) {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // The error that stopped the write says more than the one of its cleanup.
    }
    throw error;
  }
  syncFolder(path.dirname(target));
  return result;
}

/** fsyncs a folder so that a rename in it survives a power cut; best effort (not every file system allows it). */
function syncFolder(folder: string): void {
  try {
    const fd = fs.openSync(folder, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // The rename is done; durability of the folder entry is all that is left to chance.
  }
}
