// The flow: load → validate → plan → upsert → snapshot → record, as one run.
//
// load, validate and plan work in an in-memory engine with the warehouse attached
// read-only, so readers keep working. Only then is the warehouse attached read-write
// for one transaction in which upsert merges the live tables, snapshot writes the
// partitions under .staging/<run_id>, and record inserts the run and the manifest and
// publishes the staged folders by rename just before COMMIT. A run that dies before
// COMMIT leaves nothing the database knows of; recovery removes its files. An exact
// replay of a frozen month (byte-identical inputs, same pipeline) ends after load: see replay.ts.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Settings } from '../config';
import { openEngine, type Engine } from '../engine/duckdb';
import { publish } from '../engine/files';
import { DataRejectedError, RefusedError, StreamflowError, formatProblems } from '../errors';
import { faultPoint } from '../faults';
import { loadMonth, type LoadedTable, type MonthInput } from '../load';
import { profileStaged, type TableProfiles } from '../record/profile';
import { recordRun, recordTaskRuns, validationDocument, writeReportFiles, type RunRecord, type RunStatus } from '../record';
import { SyncError, type SyncResult } from '../sync';
import { compareWithFrozen, publishSnapshots, readManifest, writeSnapshots, type SnapshotEntry } from '../snapshot';
import { upsertMonth, type TableChanges } from '../upsert';
import { problemsOf, resultsFromLoadProblems, validateMonth, type ExpectationResult } from '../validate';
import { startFailures } from '../validate/failures';
import { attachWarehouse, attachWarehouseCreatingIt, detachWarehouse, isLockConflict } from '../warehouse/catalog';
import { reportDir, warehouseLayout, type WarehouseLayout } from '../warehouse/layout';
import { recoverWarehouse } from '../warehouse/recover';
import { acquireRunLock } from './lock';
import { defaultLogger, type Logger } from './log';
import { checkIdenticalReplay, PIPELINE_FINGERPRINT } from './replay';
import { syncAfterRun, syncTarget } from './sync';
import { FlowTasks, type TaskPolicy, type TaskRun } from './tasks';

export const SUMMARY_SCHEMA_VERSION = '1.0';
export const INGEST_TASKS = ['load', 'validate', 'plan', 'upsert', 'snapshot', 'record'] as const;

/** Writing tasks wait out a reader that holds the warehouse file (DuckDB's lock), about 10 s at most. */
const WRITE_POLICY: TaskPolicy = { attempts: 16, isTransient: isLockConflict, startingDelayMs: 50 };

export interface RunSummary {
  readonly schema_version: string;
  readonly run_id: string;
  readonly command: 'ingest' | 'validate';
  readonly month: string;
  readonly as_of: string | null;
  readonly status: RunStatus;
  readonly exit_code: number;
  readonly duration_ms: number;
  readonly tasks: readonly TaskRun[];
  readonly tables: readonly TableChanges[];
  readonly snapshots: readonly SnapshotEntry[];
  readonly warnings: number;
  readonly report_path: string | null;
  readonly error: string | null;
  /** What `ingest --sync-postgres` wrote to PostgreSQL. */
  readonly sync?: SyncResult;
}

export interface RunRequest {
  readonly command: 'ingest' | 'validate';
  readonly month: MonthInput;
  readonly asOf: string;
  /** Recompute a frozen as_of even when its inputs are byte-identical to the run that froze it (replay.ts). */
  readonly recompute?: boolean;
}

/** A run that ended before upsert, with the status and error it records. */
class RunEnded extends Error {
  constructor(
    readonly status: RunStatus,
    readonly reason: StreamflowError | null,
  ) {
    super(status);
  }
}

/** A run that ended with a non-zero exit code but was recorded; carries its summary. */
export class RunFailed extends StreamflowError {
  readonly exitCode: number;
  readonly kind: string;
  constructor(
    readonly reason: StreamflowError,
    readonly summary: RunSummary,
  ) {
    super(reason instanceof DataRejectedError ? `${formatProblems(reason.problems)}\nreport: ${summary.report_path}` : reason.message);
    this.exitCode = reason.exitCode;
    this.kind = reason.kind;
  }
}

export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runMonth(settings: Settings, request: RunRequest, logger: Logger = defaultLogger()): Promise<RunSummary> {
  const layout = warehouseLayout(settings.warehouseDir);
  if (settings.syncPostgres && request.command === 'ingest') syncTarget(settings); // no URL: refused before the run, not after
  const runId = newRunId();
  const startedAt = new Date();
  const release = await acquireRunLock(layout, settings.lockTimeoutMs);
  const engine = await openEngine({ threads: settings.threads, memoryLimit: settings.memoryLimit, tempDirectory: layout.spill });
  const stagingRoot = path.join(layout.staging, runId);
  try {
    await attachWarehouseCreatingIt(engine, layout);
    await recoverWarehouse(engine, layout);
    const tasks = new FlowTasks(INGEST_TASKS, logger);
    const summary = await new MonthRun(engine, layout, request, { runId, startedAt, stagingRoot }, tasks, logger).execute();
    if (!settings.syncPostgres || request.command !== 'ingest') return summary;
    try {
      return { ...summary, sync: await syncAfterRun(engine, settings, tasks, runId, logger) };
    } catch (error) {
      // The run is committed and stays so; only the exit code and the sync task say the mirror is behind.
      if (!(error instanceof StreamflowError)) throw error;
      const reason = error instanceof SyncError ? error : new SyncError(error.message, false);
      throw new RunFailed(reason, { ...summary, exit_code: reason.exitCode });
    }
  } finally {
    fs.rmSync(stagingRoot, { recursive: true, force: true });
    engine.close();
    await release();
  }
}

interface RunIdentity {
  readonly runId: string;
  readonly startedAt: Date;
  readonly stagingRoot: string;
}

class MonthRun {
  private loaded: readonly LoadedTable[] = [];
  private results: ExpectationResult[] = [];
  /** The earlier run whose results this exact replay reuses (replay.ts). */
  private reused: { runId: string; validationTime: string } | undefined;
  private profiles: TableProfiles | undefined;
  private changes: TableChanges[] = [];
  private snapshots: SnapshotEntry[] = [];
  /** The read-only attachment of load, validate and plan is still in place. */
  private readOnlyAttached = true;
  private writing = false;

  constructor(
    private readonly engine: Engine,
    private readonly layout: WarehouseLayout,
    private readonly request: RunRequest,
    private readonly identity: RunIdentity,
    private readonly tasks: FlowTasks,
    private readonly logger: Logger,
  ) {}

  async execute(): Promise<RunSummary> {
    try {
      await this.tasks.run('load', async () => {
        if (!(await this.reuseIdenticalReplay())) this.loaded = await this.load();
        return { value: undefined, rows: this.loaded.reduce((sum, table) => sum + table.rows, 0) };
      });
      if (this.reused) return await this.commit('unchanged', null);
      await faultPoint('loaded');
      await this.tasks.run('validate', async () => ({ value: await this.validate(), rows: this.results.length }));
      await faultPoint('validated');
      if (this.request.command === 'validate') throw new RunEnded('validated', null);
      const plan = await this.tasks.run('plan', async () => {
        return { value: await this.checkHistory() };
      });
      return await this.commit(plan === 'apply' ? 'succeeded' : 'unchanged', null);
    } catch (error) {
      if (error instanceof RunEnded) return this.commit(error.status, error.reason);
      if (error instanceof DataRejectedError) return this.commit('rejected', error);
      throw error;
    }
  }

  /**
   * An ingest of a frozen as_of whose inputs are byte-identical to those of the run that
   * froze it, under the same pipeline, has nothing to recompute: that run's load and
   * validation stand for this one (replay.ts says why that is proof).
   */
  private async reuseIdenticalReplay(): Promise<boolean> {
    if (this.request.command !== 'ingest' || this.request.recompute) return false;
    const frozen = (await readManifest(this.engine)).filter((entry) => entry.as_of === this.request.asOf);
    if (frozen.length === 0) return false;
    const check = await checkIdenticalReplay(this.engine, this.layout, this.request.month, frozen);
    if ('recompute' in check) {
      this.logger.info(`load: as_of ${this.request.asOf} is frozen; recomputing it to compare, since ${check.recompute}`);
      return false;
    }
    const { runId, inputFiles, document } = check.identical;
    await startFailures(this.engine); // the run's list of unexpected rows, empty: record copies it
    this.loaded = inputFiles;
    this.results = [...document.results];
    this.reused = { runId, validationTime: document.meta.validation_time };
    this.logger.info(
      `load: the inputs are byte-identical to those of run ${runId}, which froze as_of ${this.request.asOf} under this pipeline, and its files verify: nothing to recompute`,
    );
    return true;
  }

  private async load(): Promise<LoadedTable[]> {
    try {
      return await loadMonth(this.engine, this.request.month);
    } catch (error) {
      if (error instanceof DataRejectedError) this.results = resultsFromLoadProblems(error.problems);
      throw error;
    }
  }

  private async validate(): Promise<void> {
    const outcome = await validateMonth(this.engine, { asOf: this.request.asOf, liveAttached: true });
    this.results = [...outcome.results];
    this.profiles = await profileStaged(this.engine);
    if (outcome.errors.length > 0) throw new DataRejectedError(problemsOf(outcome.errors));
  }

  /**
   * An as_of already frozen must reproduce its snapshot exactly (then there is nothing
   * to apply); an older one must not come after a newer one.
   */
  private async checkHistory(): Promise<'apply' | 'unchanged'> {
    const manifest = await readManifest(this.engine);
    const asOf = this.request.asOf;
    if (manifest.some((entry) => entry.as_of === asOf)) {
      const differences = await compareWithFrozen(this.engine, this.layout, manifest, asOf);
      if (differences.length === 0) return 'unchanged';
      const lines = differences.map((difference) => `${difference.table}: ${difference.keys} rows differ (e.g. ${difference.sample_keys.join(', ')})`);
      throw new RunEnded(
        'refused',
        new RefusedError(`as_of ${asOf} is already frozen with different content; refusing to alter history:\n${lines.join('\n')}`),
      );
    }
    const newest = manifest.map((entry) => entry.as_of).sort().at(-1);
    if (newest !== undefined && asOf < newest) {
      throw new RunEnded(
        'refused',
        new RefusedError(`as_of ${asOf} is older than the newest frozen month ${newest}; ingesting it would put older values back into the live tables`),
      );
    }
    return 'apply';
  }

  /**
   * One read-write transaction: for a succeeded run upsert and snapshot, then for
   * every run record (run row, results, manifest) and publish the staged folders.
   * The first writing task attaches the warehouse read-write; a reader holding the
   * file at that moment is a transient fault the task retries.
   */
  private async commit(status: RunStatus, cause: StreamflowError | null): Promise<RunSummary> {
    const apply = status === 'succeeded';
    const { runId, stagingRoot } = this.identity;
    const reportRelative = reportDir(runId);
    const published: string[] = [];
    let record: RunRecord | undefined;
    try {
      if (apply) {
        await this.tasks.run(
          'upsert',
          async () => {
            await this.beginWrite();
            this.changes = await upsertMonth(this.engine, { asOf: this.request.asOf, runId });
            await faultPoint('upserted');
            return { value: undefined, rows: this.changes.reduce((sum, table) => sum + table.inserted + table.updated, 0) };
          },
          WRITE_POLICY,
        );
        await this.tasks.run('snapshot', async () => {
          this.snapshots = await writeSnapshots(this.engine, stagingRoot, { asOf: this.request.asOf, runId });
          await faultPoint('snapshotted');
          return { value: undefined, rows: this.snapshots.reduce((sum, entry) => sum + entry.rows, 0) };
        });
      }
      this.tasks.skipPending();
      await this.tasks.run(
        'record',
        async () => {
          await this.beginWrite();
          record = this.runRecord(status, cause, reportRelative);
          writeReportFiles(path.join(stagingRoot, reportRelative), this.document(), this.profiles);
          await recordRun(this.engine, record, this.results, this.snapshots);
          if (apply) published.push(...publishSnapshots(this.layout, stagingRoot, this.snapshots));
          publish(path.join(stagingRoot, reportRelative), path.join(this.layout.root, reportRelative));
          published.push(path.join(this.layout.root, reportRelative));
          await faultPoint('published');
          return { value: undefined };
        },
        WRITE_POLICY,
      );
      await recordTaskRuns(this.engine, runId, this.tasks.runs);
      await this.engine.run('COMMIT');
    } catch (error) {
      if (this.writing) await this.engine.run('ROLLBACK').catch(() => undefined);
      for (const dir of published) fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    await faultPoint('committed');
    const summary = this.summary(record as RunRecord);
    if (cause) throw new RunFailed(cause, summary);
    return summary;
  }

  /** Swaps the read-only attachment for a read-write one and opens the run's transaction (once). */
  private async beginWrite(): Promise<void> {
    if (this.writing) return;
    if (this.readOnlyAttached) {
      await detachWarehouse(this.engine);
      this.readOnlyAttached = false;
    }
    await attachWarehouse(this.engine, this.layout, 'read_write', { retry: false });
    await this.engine.run('BEGIN TRANSACTION');
    this.writing = true;
  }

  private document() {
    return validationDocument(this.results, {
      run_id: this.identity.runId,
      month: this.request.month.name,
      as_of: this.request.asOf,
      validation_time: this.reused?.validationTime ?? this.identity.startedAt.toISOString(),
      tables: this.loaded,
      ...(this.reused ? { reused_from_run: this.reused.runId } : {}),
    });
  }

  private runRecord(status: RunStatus, cause: StreamflowError | null, reportRelative: string): RunRecord {
    return {
      run_id: this.identity.runId,
      command: this.request.command,
      month: this.request.month.name,
      month_path: this.request.month.dir,
      as_of: this.request.asOf,
      started_at: this.identity.startedAt.toISOString(),
      ended_at: new Date().toISOString(),
      status,
      exit_code: cause?.exitCode ?? 0,
      input_files: this.loaded,
      table_counts: this.changes,
      error: cause ? cause.message : null,
      report_path: reportRelative,
      pipeline_fingerprint: PIPELINE_FINGERPRINT,
    };
  }

  private summary(record: RunRecord): RunSummary {
    return {
      schema_version: SUMMARY_SCHEMA_VERSION,
      run_id: record.run_id,
      command: record.command,
      month: record.month,
      as_of: record.as_of,
      status: record.status,
      exit_code: record.exit_code,
      duration_ms: Date.parse(record.ended_at) - this.identity.startedAt.getTime(),
      tasks: this.tasks.runs,
      tables: this.changes,
      snapshots: this.snapshots,
      warnings: this.results.filter((result) => !result.success && result.meta.severity === 'warn').length,
      report_path: record.report_path === null ? null : path.join(this.layout.root, record.report_path),
      error: record.error,
    };
  }
}
