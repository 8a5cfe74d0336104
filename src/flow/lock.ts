// One writer at a time: a run holds `warehouse/.lock` (proper-lockfile, refreshed while
// the run lives, taken over when stale after a crash). A second run waits up to the
// timeout, then exits 3.
//
// A lock can be lost while a run holds it: the folder removed by hand or by a cleaner,
// or taken over by another process after this one stalled past the stale time. That is
// noted, not thrown from proper-lockfile's timer (which would kill the process halfway
// through); the run asks `assertHeld` right before its COMMIT, and a lost lock rolls the
// run back (exit 3, the warehouse as before). Releasing a lost lock does nothing: the
// folder may now be another run's.
import * as fs from 'node:fs';
import lockfile from 'proper-lockfile';
import { EnvironmentError, RefusedError } from '../errors';
import type { WarehouseLayout } from '../warehouse/layout';

const STALE_MS = 5_000;

/** Releases the lock (never throws for a lock that was lost); `assertHeld` throws RefusedError when it was lost. */
export interface RunLock {
  (): Promise<void>;
  readonly assertHeld: () => void;
}

/** The lock folder's inode, or undefined when it is gone. */
function lockIdentity(layout: WarehouseLayout): number | undefined {
  try {
    return fs.statSync(layout.lock).ino;
  } catch {
    return undefined;
  }
}

export async function acquireRunLock(layout: WarehouseLayout, timeoutMs: number): Promise<RunLock> {
  try {
    fs.mkdirSync(layout.root, { recursive: true });
  } catch (error) {
    throw new EnvironmentError(`cannot create the warehouse folder ${layout.root}: ${(error as Error).message}`);
  }
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(layout.root, {
      lockfilePath: layout.lock,
      stale: STALE_MS,
      update: STALE_MS / 5,
      retries: { retries: Math.max(0, Math.ceil(timeoutMs / 100)), factor: 1, minTimeout: 100, maxTimeout: 100 },
      onCompromised: (error) => {
        lost = error;
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new RefusedError(`another run holds the warehouse lock ${layout.lock}; waited ${timeoutMs} ms`);
    }
    throw error;
  }
  // The folder this run created: one removed and made again (by another run) is not ours.
  const identity = lockIdentity(layout);
  const assertHeld = (): void => {
    const current = lockIdentity(layout);
    if (lost === undefined && current !== undefined && current === identity) return;
    const what = current === undefined ? 'was removed' : 'was taken over by another process';
    throw new RefusedError(
      `the warehouse lock ${layout.lock} ${what} while this run held it: nothing was committed, the warehouse is as before. ` +
        'Make sure nothing deletes .lock during a run (a cleaner, a sync tool), then run again.',
    );
  };
  const releaseLock = async (): Promise<void> => {
    if (lost !== undefined) return;
    await release().catch((error: NodeJS.ErrnoException) => {
      // Compromised between the check and the release (ERELEASED), or the folder already gone: nothing of ours to remove.
      if (lost === undefined && error.code !== 'ERELEASED' && error.code !== 'ENOENT') throw error;
    });
  };
  return Object.assign(releaseLock, { assertHeld });
}
