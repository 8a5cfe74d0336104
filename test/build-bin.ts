// Vitest global setup: the tests that run the CLI as a process of its own (spawnCli,
// progress) run the built bin, dist/cli.js, which starts in half a second where ts-node
// takes four. It is rebuilt (`npm run build`) when missing or older than anything it is
// built from — src/, sql/, package.json — so an edit is never tested
// against a stale bin; when fresh this costs a directory walk. Two test runs starting at
// once build one at a time (a lock folder), the second finding the bin fresh.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BIN, REPO } from './paths';

const INPUTS = ['src', 'sql', 'package.json'];
const LOCK = path.join(REPO, 'node_modules', '.streamflow-build.lock');
/** A lock older than this is left over from a killed run. */
const STALE_LOCK_MS = 5 * 60_000;

/** The newest modification time of the file, or of any file under the folder. */
function newest(file: string): number {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(file).reduce((latest, entry) => Math.max(latest, newest(path.join(file, entry))), stat.mtimeMs);
}

const fresh = () => (fs.statSync(BIN, { throwIfNoEntry: false })?.mtimeMs ?? 0) >= Math.max(...INPUTS.map((input) => newest(path.join(REPO, input))));

function acquireLock(): void {
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) fs.rmSync(LOCK, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

export default function buildBin(): void {
  if (fresh()) return;
  acquireLock();
  try {
    if (fresh()) return;
    process.stderr.write('dist/cli.js is missing or older than src/: npm run build\n');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}
