// One writer at a time: a run holds `warehouse/.lock` (proper-lockfile, refreshed while
// the run lives, taken over when stale after a crash). A second run waits up to the
// timeout, then exits 3.
import * as fs from 'node:fs';
import lockfile from 'proper-lockfile';
import { RefusedError } from '../errors';
import type { WarehouseLayout } from '../warehouse/layout';

const STALE_MS = 5_000;

export async function acquireRunLock(layout: WarehouseLayout, timeoutMs: number): Promise<() => Promise<void>> {
  fs.mkdirSync(layout.root, { recursive: true });
  try {
    return await lockfile.lock(layout.root, {
      lockfilePath: layout.lock,
      stale: STALE_MS,
      update: STALE_MS / 5,
      retries: { retries: Math.max(0, Math.ceil(timeoutMs / 100)), factor: 1, minTimeout: 100, maxTimeout: 100 },
      onCompromised: (error) => {
        throw error;
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new RefusedError(`another run holds the warehouse lock ${layout.lock}; waited ${timeoutMs} ms`);
    }
    throw error;
  }
}
