// Where the tests find the repository, the built bin and the real exports: shared by the
// helpers (in the test workers) and the global setups (in vitest's main process), which
// must not import the helpers, since those import vitest's test API and the CLI.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..');
/** The built bin, as installed: rebuilt before the tests whenever it is older than src/ (build-bin.ts). */
export const BIN = path.join(REPO, 'dist', 'cli.js');
/** The real exports, in the course layout: the repository's folder beside `shared`. */
export const REAL = path.resolve(REPO, '..', 'shared', 'data', 'streamflow');

/** Why the real exports (both months) are not here, or null when they are. */
export function realExportsMissing(): string | null {
  return ['month_000', 'month_001'].every((month) => fs.existsSync(path.join(REAL, month, 'users.csv'))) ? null : `no month_000/ and month_001/ under ${REAL}`;
}
