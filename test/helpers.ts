// Test fixtures: temporary warehouses and months, the CLI run in-process with its
// output captured, and fingerprints of everything a run may change.

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inject, it, type TestContext } from 'vitest';
import { main } from '../src/cli';
import { openEngine, quoteIdent, quoteLiteral } from '../src/engine/duckdb';
import { PARTITION_MANIFEST } from '../src/warehouse/layout';
import { CHURN } from '../tools/churn-contract';

import { BIN, REAL, REPO, realExportsMissing } from './paths';

export { BIN, REAL, REPO } from './paths';
export const SEEDS = path.join(REPO, 'seeds');

/**
 * Something a test file needs from the machine rather than the repository: the real
 * exports, a PostgreSQL server, Chromium. `missing` says why it is not here, or is null.
 */
export interface Prerequisite {
  readonly name: string;
  readonly missing: string | null;
}

/** CI (`.ci/run` sets CI=true): a missing prerequisite fails the run there, never skips. */
const UNDER_CI = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI);

/** The real exports, ../shared/data/streamflow: both months. */
export const REAL_EXPORTS: Prerequisite = {
  name: 'the real exports',
  missing: realExportsMissing(),
};

/** The missing prerequisites this test file has reported; emptied before each file (test/setup.ts: a worker's files share this module). */
const reported = new Set<string>();

export function forgetReportedPrerequisites(): void {
  reported.clear();
}

/**
 * Whether the tests that need every one of `needed` can run; call it while vitest collects,
 * as the only guard a skip may have: `describe.runIf(requirePrerequisite(REAL_EXPORTS))(…)`.
 * For each one missing (once per file): outside CI a line says what is skipped and why; under
 * CI a failing test naming it is registered instead, so that the run cannot pass by skipping.
 */
export function requirePrerequisite(...needed: readonly Prerequisite[]): boolean {
  const missing = needed.filter((prerequisite) => prerequisite.missing !== null);
  for (const { name, missing: why } of missing) {
    if (reported.has(name)) continue;
    reported.add(name);
    if (UNDER_CI)
      it(`needs ${name} (CI: a missing prerequisite fails, never skips)`, () => {
        throw new Error(`${name} missing: ${why}`);
      });
    else console.warn(`skipping the tests that need ${name}: ${why}`);
  }
  return missing.length === 0;
}

/** The same rule inside a running test, for a prerequisite found missing only then (a mount its fixture tried to make). */
export function requireInTest(context: TestContext, prerequisite: Prerequisite): void {
  if (prerequisite.missing === null) return;
  if (UNDER_CI) throw new Error(`${prerequisite.name} missing (CI: a missing prerequisite fails, never skips): ${prerequisite.missing}`);
  console.warn(`skipped "${context.task.name}": ${prerequisite.name} missing: ${prerequisite.missing}`);
  context.skip(prerequisite.missing);
}

/**
 * The id of every expectation the contract declares, `<table>.<NN>.<type>`, in contract
 * order: what validating a whole month reports on, one result each. Built from the
 * contract, not from the validator, so that a result lost or added shows.
 */
export function contractExpectationIds(): string[] {
  return CHURN.tables.flatMap((table) => table.expectations.map((config, index) => `${table.name}.${String(index).padStart(2, '0')}.${config.type}`));
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as written, for binary output (Arrow). */
  readonly stdoutBytes: Buffer;
  /** stdout parsed as JSON when --json was given. */
  readonly json: any;
}

/** Runs the CLI in this process (same code path as the bin), capturing stdout and stderr. */
export async function cli(...args: string[]): Promise<CliResult> {
  const stdoutChunks: Buffer[] = [];
  let stderr = '';
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdoutChunks.push(Buffer.from(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(args);
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.exitCode = previousExitCode;
  }
  const stdoutBytes = Buffer.concat(stdoutChunks);
  const stdout = stdoutBytes.toString('utf8');
  const json = jsonOutput(args, stdout);
  return { code, stdout, stderr, stdoutBytes, json };
}

const createdDirs: string[] = [];

/**
 * Removes every folder tempDir made so far: after each test file's last test (test/setup.ts
 * registers it per file, since the files of a worker share this module: vitest's isolate: false).
 */
export function removeTempDirs(): void {
  for (const dir of createdDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A copy, in a fresh folder of this test file, of the real exports ingested by the bin once
 * for the whole run (test/real-warehouses.ts): `january` holds month_000, `february` both
 * months, as `ingest month_000 2024-01-31` then `ingest month_001 2024-02-29` leave them.
 */
export function realWarehouse(month: 'january' | 'february', into: string = tempDir()): string {
  const built = inject('realWarehouses');
  if (built === null) throw new Error(`the real exports are missing (${REAL}): guard the test with requirePrerequisite(REAL_EXPORTS)`);
  fs.cpSync(path.join(built, month), into, { recursive: true });
  return into;
}

/** A fresh folder under the OS temp dir, removed after the test file's last test. */
export function tempDir(prefix = 'streamflow-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  createdDirs.push(dir);
  return dir;
}

/** Copies month folders into a fresh seeds dir; returns it. */
export function copyMonths(from: string, months: readonly string[], into: string = tempDir('streamflow-seeds-')): string {
  for (const month of months) fs.cpSync(path.join(from, month), path.join(into, month), { recursive: true });
  return into;
}

/**
 * A corrected export: a seeds dir holding `month` of `from` with the first `count` users
 * whose churn_label is False flipped to True; returns it and their keys, sorted.
 */
export function withFlippedLabels(from: string, month: string, count: number): { seeds: string; keys: string[] } {
  const seeds = copyMonths(from, [month]);
  const file = path.join(seeds, month, 'labels.csv');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const keys: string[] = [];
  for (let index = 1; index < lines.length && keys.length < count; index++) {
    const [key, label] = lines[index].split(',');
    if (label !== 'False') continue;
    lines[index] = `${key},True`;
    keys.push(key);
  }
  fs.writeFileSync(file, lines.join('\n'));
  return { seeds, keys: keys.sort() };
}

export function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Every snapshot file under the warehouse with its sha256, sorted by path; the
 * partitions' own manifests (which name the run, different in every warehouse) aside.
 */
export function snapshotFiles(warehouse: string): Record<string, string> {
  const root = path.join(warehouse, 'snapshots');
  const result: Record<string, string> = {};
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name !== PARTITION_MANIFEST) result[path.relative(warehouse, full)] = sha256(full);
    }
  };
  walk(root);
  return result;
}

/**
 * A digest of every live table's content per table: all columns but the run id of the
 * last change (which differs between two warehouses fed the same months); and of the
 * manifest, but its run ids, when they recorded it and the hashes of the partitions' _manifest.json (which name
 * the run and the warehouse).
 */
export async function liveFingerprint(warehouse: string): Promise<Record<string, string>> {
  const database = path.join(warehouse, 'streamflow.duckdb');
  if (!fs.existsSync(database)) return {};
  const engine = await openEngine();
  try {
    await engine.run(`ATTACH ${quoteLiteral(database)} AS wh (READ_ONLY)`);
    const result: Record<string, string> = {};
    for (const table of CHURN.tables) {
      const [row] = await engine.rows(
        `SELECT count(*) AS n, coalesce(md5(string_agg(t::VARCHAR, '\n' ORDER BY t.user_id)), '') AS digest
         FROM (SELECT * EXCLUDE ("_changed_run_id") FROM wh.main.${quoteIdent(table.name)}) AS t`,
      );
      result[table.name] = `${row.n}:${row.digest}`;
    }
    const [manifest] = await engine.rows(
      `SELECT coalesce(md5(string_agg(m::VARCHAR, '\n' ORDER BY table_name, as_of)), '') AS digest
       FROM (SELECT * EXCLUDE (run_id, manifest_sha256, recorded_at) FROM wh.meta.snapshots) AS m`,
    );
    result['meta.snapshots'] = String(manifest.digest);
    return result;
  } finally {
    engine.close();
  }
}

/** Everything a rejected or refused run must leave as it was. */
export async function warehouseState(warehouse: string): Promise<{ live: Record<string, string>; files: Record<string, string> }> {
  return { live: await liveFingerprint(warehouse), files: snapshotFiles(warehouse) };
}

/** Runs one SQL query against the warehouse through the CLI's reader. */
export async function query<T = Record<string, unknown>>(warehouse: string, sql: string): Promise<T[]> {
  const result = await cli('--warehouse', warehouse, 'query', '--format', 'json', sql);
  if (result.code !== 0) throw new Error(`query failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T[];
}

export interface SpawnedCli {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed) and the output. */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves once stderr contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

/** Settings a developer's shell may hold that would override a project's own: runBin leaves them out. */
const PROJECT_SETTINGS_IN_ENV = ['STREAMFLOW_PROJECT', 'SEED_DIR', 'WAREHOUSE_DIR', 'STREAMFLOW_FIRST_AS_OF', 'STREAMFLOW_PG_SCHEMA', 'DATABASE_URL'];

export interface BinRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON when `--json` was given (undefined when it is not JSON). */
  readonly json: any;
}

/** `streamflow <args>` as a process of its own in `cwd`, its environment without the settings a project decides, plus `env`. */
export function runBin(args: readonly string[], { cwd, env = {} }: { cwd: string; env?: Record<string, string> }): Promise<BinRun> {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const name of PROJECT_SETTINGS_IN_ENV) delete environment[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...environment, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, json: jsonOutput(args, stdout) }));
  });
}

/** Runs the CLI as a separate process (the built bin), for crash and concurrency tests. */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}): SpawnedCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners: (() => void)[] = [];
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    listeners.forEach((listener) => listener());
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const waitFor = (text: string, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => stderr.includes(text) && resolve();
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)}; stderr: ${stderr}`)), timeoutMs);
      listeners.push(() => {
        if (stderr.includes(text)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void done.then(() => {
        clearTimeout(timer);
        if (!stderr.includes(text)) reject(new Error(`process ended before ${JSON.stringify(text)}; stderr: ${stderr}`));
      });
      check();
    });
  return { child, done, waitFor };
}

/** A command's stdout parsed when it was asked for `--json`; undefined when it was not, or printed no JSON. */
function jsonOutput(args: readonly string[], stdout: string): unknown {
  if (!args.includes('--json')) return undefined;
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}
