// SPEC §4 "Readers never break a run": another process reading the warehouse makes an
// ingest wait, then refuse (exit 3, the reader's PID named) and be recorded by the next run,
// never fail with an internal error (70). A library API handle holds the file only during a
// call, so one left open does not even make the run wait.
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, REAL, REAL_EXPORTS, REPO, realWarehouse, requirePrerequisite } from './helpers';

const DUCKDB = path.join(REPO, 'node_modules', '@duckdb', 'node-api');
const API = path.join(REPO, 'dist', 'index.js');

/** A node process running `script`, once it has printed `ready` (its reader is open). */
async function reader(script: string): Promise<{ child: ChildProcess; stderr: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the reader exited (${code}) before it was ready: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    child,
    stderr: () => stderr,
    stop: async () => {
      child.kill();
      await exited;
    },
  };
}

/** The run, in this process: the reader is the other process. */
function ingestFebruary(warehouse: string, ...flags: string[]) {
  return cli('--seeds', REAL, '--warehouse', warehouse, '--json', ...flags, 'ingest', 'month_001', '2024-02-29');
}

describe.runIf(requirePrerequisite(REAL_EXPORTS))('readers never break a run', () => {
  it('a plain @duckdb/node-api read-only connection held open: ingest exits 3 naming its PID within the wait, and the next run records the refusal', async () => {
    const warehouse = realWarehouse('january');
    const holder = await reader(`
      const { DuckDBInstance } = require(${JSON.stringify(DUCKDB)});
      (async () => {
        const instance = await DuckDBInstance.create(${JSON.stringify(path.join(warehouse, 'streamflow.duckdb'))}, { access_mode: 'READ_ONLY' });
        await (await instance.connect()).run('SELECT count(*) FROM users');
        console.log('ready');
        setInterval(() => undefined, 1000);
      })();`);
    let refused: Awaited<ReturnType<typeof ingestFebruary>>;
    try {
      const started = performance.now();
      refused = await ingestFebruary(warehouse, '--lock-timeout', '1000');
      // The wait is bounded by --lock-timeout: the run's own work (~2 s) plus a second, far from the old 16 retries.
      expect(performance.now() - started).toBeLessThan(8_000);
    } finally {
      await holder.stop();
    }
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toContain(`held by PID ${holder.child.pid} (`);
    expect(refused.stderr).toContain(`another process, PID ${holder.child.pid} (`);
    expect(refused.json).toMatchObject({ status: 'refused', exit_code: 3, error: { kind: 'refused' } });

    const next = await ingestFebruary(warehouse);
    expect(next.code, next.stderr).toBe(0);
    const history = await cli('--warehouse', warehouse, '--json', 'runs', '--status', 'refused');
    expect(history.json.runs).toEqual([expect.objectContaining({ run_id: refused.json.run_id, month: 'month_001', as_of: '2024-02-29', exit_code: 3 })]);
    const tasks = await cli('--warehouse', warehouse, '--json', 'runs', 'show', refused.json.run_id);
    expect(tasks.json.tasks.find((task: { task: string }) => task.task === 'upsert')).toMatchObject({ state: 'failed' });
    expect((await cli('--warehouse', warehouse, 'verify')).code).toBe(0);
  });

  it('an openWarehouse handle left open, reading in a loop, in another process: ingest succeeds or exits 3 naming its PID, never 70', async () => {
    const warehouse = realWarehouse('january');
    const session = await reader(`
      const { openWarehouse } = require(${JSON.stringify(API)});
      (async () => {
        const wh = await openWarehouse(${JSON.stringify(warehouse)}, { project: ${JSON.stringify(path.join(REPO, 'streamflow.yaml'))} });
        await wh.sql('SELECT count(*) FROM users');
        console.log('ready');
        for (;;) {
          await wh.sql('SELECT count(*) FROM snapshots.labels').catch((error) => console.error('read failed:', error.message));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();`);
    let run: Awaited<ReturnType<typeof ingestFebruary>>;
    try {
      run = await ingestFebruary(warehouse);
    } finally {
      await session.stop();
    }
    expect([0, 3], run.stderr).toContain(run.code);
    if (run.code === 3) expect(run.stderr).toContain(`PID ${session.child.pid}`);
    // The reader waited out the run's commit: none of its calls failed.
    expect(session.stderr()).toBe('');
    expect((await cli('--warehouse', warehouse, 'verify')).code).toBe(0);
  });
});
