// Runs one child process and measures it: wall time (from spawn to exit, Node start-up
// included) and peak resident set size. Peak RSS comes from GNU time (`/usr/bin/time -v`)
// when it is installed, else from the child's own process.resourceUsage().maxRSS,
// written at exit by a preloaded hook (works for `node` children only).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Measured {
  readonly wallMs: number;
  /** Peak RSS in MiB. */
  readonly rssMiB: number;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const GNU_TIME = '/usr/bin/time';

export type RssSource = 'gnu-time' | 'resource-usage';

export const rssSource: RssSource = fs.existsSync(GNU_TIME) ? 'gnu-time' : 'resource-usage';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'streamflow-bench-'));
const rssFile = path.join(scratch, 'rss');
const hookFile = path.join(scratch, 'max-rss-hook.js');
fs.writeFileSync(hookFile, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);

/** Runs `node <args>` to completion. */
export function measureNode(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Measured {
  fs.rmSync(rssFile, { force: true });
  const [command, commandArgs] =
    rssSource === 'gnu-time' ? [GNU_TIME, ['-v', '-o', rssFile, process.execPath, ...args]] : [process.execPath, ['--require', hookFile, ...args]];
  const started = performance.now();
  const child = spawnSync(command, commandArgs, { cwd: options.cwd, env: options.env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wallMs = performance.now() - started;
  if (child.error) throw child.error;
  return { wallMs, rssMiB: readMaxRssKiB() / 1024, exitCode: child.status ?? -1, stdout: child.stdout, stderr: child.stderr };
}

/** Kibibytes: GNU time's "Maximum resident set size (kbytes)", or maxRSS (also KiB on Linux). */
function readMaxRssKiB(): number {
  const text = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8') : '';
  const value = rssSource === 'gnu-time' ? /Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1] : text.trim();
  return value ? Number(value) : Number.NaN;
}

export function cleanUpMeasuring(): void {
  fs.rmSync(scratch, { recursive: true, force: true });
}
