// The flow: load → validate → plan → upsert → snapshot → record, as one run.
//
// load, validate and plan work in an in-memory engine with the warehouse attached
// read-only, so readers keep working. Only then is the warehouse attached read-write
// for one transaction in which upsert merges the live tables, snapshot writes the
// partitions (each with its _manifest.json) under .staging/<run_id>, and record inserts
// the run and the manifest rows. COMMIT is the moment the run happens; only after it are
// the staged folders published by rename, so a direct Parquet reader never sees a
// partition the database has not committed. A run that dies before COMMIT leaves only
// staging, which recovery removes; one that dies after it is rolled forward by recovery
// (warehouse/recover.ts). An exact replay of a frozen month (byte-identical inputs, same
// pipeline) ends after load: see replay.ts. `validate` writes its report and nothing else.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type ExpectationResult,
  type LoadedTable,
  RUN_SUMMARY_VERSION,
  type RunRecord,
  type RunStatus,
  type SnapshotEntry,
  type TableChanges,
  type TaskRun,
} from '../artifacts';
import type { Settings } from '../config';
import { type Engine, openEngine } from '../engine/duckdb';
import { DataRejectedError, type ErrorObject, errorObject, formatProblems, RefusedError, StreamflowError } from '../errors';
import { faultPoint } from '../faults';
import { loadMonth, type MonthInput } from '../load';
import { recordMonthMetrics, recordRun, recordTaskRuns, validationDocument, writeReportFiles } from '../record';
import { type MonthProfile, profileMonth } from '../record/profile';
import { writeReportIndex } from '../report';
import { renderReport } from '../report/page';
import { writeSnapshots } from '../snapshot';
import { writePartitionManifests } from '../snapshot/partition-manifest';
import { SyncError, type SyncResult } from '../sync';
import { upsertMonth } from '../upsert';
import { type Finding, findingsOf, problemsOf, resultsFromLoadProblems, validateMonth } from '../validate';
import { attachWarehouse, attachWarehouseCreatingIt, isLockConflict } from '../warehouse/catalog';
import { startFailures } from '../warehouse/failures';
import { reportDir, type WarehouseLayout, warehouseLayout } from '../warehouse/layout';
import { publishStaged, recoverWarehouse, refuseForeignHistory, refuseLostDatabase } from '../warehouse/recover';
import { acquireRunLock } from './lock';
import { defaultLogger, type Logger } from './log';
import { findIdenticalReplay, planMonth } from './plan';
import { PIPELINE_FINGERPRINT } from './replay';
import { syncAfterRun, syncTarget } from './sync';
import { FlowTasks, type TaskPolicy } from './tasks';
import { WriteTransaction } from './write';

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
  /** Every failed expectation, errors first, named in one line each. */
  readonly findings: readonly Finding[];
  readonly report_path: string | null;
  readonly error: ErrorObject | null;
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
    super(
      reason instanceof DataRejectedError
        ? `${formatProblems(reason.problems)}\nreport: ${path.join(summary.report_path ?? '', 'report.html')}`
        : reason.message,
    );
    this.exitCode = reason.exitCode;
    this.kind = reason.kind;
  }
}

export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runMonth(settings: Settings, request: RunRequest, logger: Logger = defaultLogger()): Promise<RunSummary> {
  if (request.command === 'validate') return validateOnly(settings, request, logger);
  const layout = warehouseLayout(settings.warehouseDir);
  if (settings.syncPostgres && request.command === 'ingest') syncTarget(settings); // no URL: refused before the run, not after
  const runId = newRunId();
  const startedAt = new Date();
  const release = await acquireRunLock(layout, settings.lockTimeoutMs);
  const stagingRoot = path.join(layout.staging, runId);
  let run: MonthRun | undefined;
  try {
    refuseLostDatabase(layout);
    const engine = await openEngine({ threads: settings.threads, memoryLimit: settings.memoryLimit, tempDirectory: layout.spill });
    try {
      await attachWarehouseCreatingIt(engine, layout);
      await refuseForeignHistory(engine, layout);
      const recovered = await recoverWarehouse(engine, layout);
      for (const dir of recovered.rolledBack) logger.info(`recovery: removed ${dir}, staged by a run that never committed`);
      for (const dir of recovered.rolledForward) logger.info(`recovery: published ${dir}, committed by a run that died before publishing it`);
      const tasks = new FlowTasks(INGEST_TASKS, logger);
      run = new MonthRun(engine, layout, request, { runId, startedAt, stagingRoot }, tasks, logger);
      const summary = await run.execute();
      if (!settings.syncPostgres) return summary;
      try {
        return { ...summary, sync: await syncAfterRun(engine, settings, tasks, runId, logger) };
      } catch (error) {
        // The run is committed and stays so; only the exit code and the sync task say the mirror is behind.
        if (!(error instanceof StreamflowError)) throw error;
        const reason = error instanceof SyncError ? error : new SyncError(error.message, false);
        throw new RunFailed(reason, { ...summary, exit_code: reason.exitCode });
      }
    } finally {
      engine.close();
    }
  } finally {
    // After COMMIT the staging folder is the committed run's until it is published: recovery's, not ours.
    if (!run?.committed) fs.rmSync(stagingRoot, { recursive: true, force: true });
    await release();
  }
}

/**
 * `validate <month>`: load and validate against the live tables when there are any,
 * then write the report. It takes no lock, creates no database and records nothing:
 * its report under reports/<run_id> is the one thing it writes.
 */
async function validateOnly(settings: Settings, request: RunRequest, logger: Logger): Promise<RunSummary> {
  const layout = warehouseLayout(settings.warehouseDir);
  const runId = newRunId();
  const engine = await openEngine({ threads: settings.threads, memoryLimit: settings.memoryLimit });
  try {
    const liveAttached = fs.existsSync(layout.database);
    if (liveAttached) await attachWarehouse(engine, layout, 'read_only');
    // validate stages nothing: its one folder is its report's.
    const identity = { runId, startedAt: new Date(), stagingRoot: path.join(layout.root, reportDir(runId)) };
    const run = new MonthRun(engine, layout, request, identity, new FlowTasks(INGEST_TASKS, logger), logger, liveAttached);
    return await run.execute();
  } finally {
    engine.close();
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
  private profiles: MonthProfile | undefined;
  private changes: TableChanges[] = [];
  private snapshots: SnapshotEntry[] = [];
  /** The run's COMMIT happened: its staged folders are to be published, never removed. */
  committed = false;

  constructor(
    private readonly engine: Engine,
    private readonly layout: WarehouseLayout,
    private readonly request: RunRequest,
    private readonly identity: RunIdentity,
    private readonly tasks: FlowTasks,
    private readonly logger: Logger,
    /** The warehouse is attached read-only as `wh` (for validate, only when it has a database). */
    private readOnlyAttached = true,
  ) {}

  async execute(): Promise<RunSummary> {
    try {
      await this.tasks.run('load', async () => {
        if (!(await this.reuseIdenticalReplay())) this.loaded = await this.load();
        return { value: undefined, rows: this.loaded.reduce((sum, table) => sum + table.rows, 0) };
      });
      if (this.reused) return await this.finish('unchanged', null);
      await faultPoint('loaded');
      await this.tasks.run('validate', async () => ({ value: await this.validate(), rows: this.results.length, unit: 'expectations' }));
      await faultPoint('validated');
      if (this.request.command === 'validate') throw new RunEnded('validated', null);
      const plan = await this.tasks.run('plan', async () => {
        try {
          return { value: await planMonth(this.engine, this.layout, this.request, this.loaded) };
        } catch (error) {
          throw error instanceof RefusedError ? new RunEnded('refused', error) : error;
        }
      });
      return await this.finish(plan === 'apply' ? 'succeeded' : 'unchanged', null);
    } catch (error) {
      if (error instanceof RunEnded) return this.finish(error.status, error.reason);
      if (error instanceof DataRejectedError) return this.finish('rejected', error);
      throw error;
    }
  }

  private async finish(status: RunStatus, cause: StreamflowError | null): Promise<RunSummary> {
    return this.request.command === 'validate' ? this.writeValidateReport(status, cause) : this.commit(status, cause);
  }

  /** validate's one write: its report, straight into reports/<run_id> (a folder no other run uses). */
  private writeValidateReport(status: RunStatus, cause: StreamflowError | null): RunSummary {
    const record = this.runRecord(status, cause, reportDir(this.identity.runId));
    this.tasks.skipPending();
    const document = this.document();
    writeReportFiles(
      path.join(this.layout.root, reportDir(this.identity.runId)),
      document,
      renderReport(document, this.profiles, { status, changes: [], snapshots: [] }),
    );
    const summary = this.summary(record, cause);
    if (cause) throw new RunFailed(cause, summary);
    return summary;
  }

  /** An exact replay takes what the run that froze the month loaded and found (plan.ts). */
  private async reuseIdenticalReplay(): Promise<boolean> {
    if (this.request.command !== 'ingest' || this.request.recompute) return false;
    const identical = await findIdenticalReplay(this.engine, this.layout, this.request, this.logger);
    if (!identical) return false;
    await startFailures(this.engine); // the run's list of unexpected rows, empty: record copies it
    this.loaded = identical.inputFiles;
    this.results = [...identical.document.results];
    this.reused = { runId: identical.runId, validationTime: identical.document.meta.validation_time };
    return true;
  }

  private async load(): Promise<LoadedTable[]> {
    try {
      return await loadMonth(this.engine, this.request.month, this.tasks.progress('load', 'bytes'));
    } catch (error) {
      if (error instanceof DataRejectedError) this.results = resultsFromLoadProblems(error.problems);
      throw error;
    }
  }

  private async validate(): Promise<void> {
    const outcome = await validateMonth(
      this.engine,
      { asOf: this.request.asOf, liveAttached: this.readOnlyAttached },
      this.tasks.progress('validate', 'tables'),
    );
    this.results = [...outcome.results];
    this.profiles = await profileMonth(this.engine, outcome.metrics, this.readOnlyAttached);
    if (outcome.errors.length > 0) throw new DataRejectedError(problemsOf(outcome.errors));
  }

  /**
   * One read-write transaction (write.ts): for a succeeded run upsert and snapshot, then for
   * every run record (run row, results, manifest); COMMIT; then publish the staged
   * folders. The first writing task attaches the warehouse read-write; a reader holding
   * the file at that moment is a transient fault the task retries.
   */
  private async commit(status: RunStatus, cause: StreamflowError | null): Promise<RunSummary> {
    const apply = status === 'succeeded';
    const { runId, stagingRoot } = this.identity;
    const reportRelative = reportDir(runId);
    const write = new WriteTransaction(this.engine, this.layout, this.readOnlyAttached);
    const record = await write.within(async () => {
      if (apply) {
        await this.tasks.run(
          'upsert',
          async () => {
            await write.begin();
            this.changes = await upsertMonth(this.engine, { asOf: this.request.asOf, runId }, this.tasks.progress('upsert', 'tables'));
            await faultPoint('upserted');
            return { value: undefined, rows: this.changes.reduce((sum, table) => sum + table.inserted + table.updated, 0) };
          },
          WRITE_POLICY,
        );
        await this.tasks.run('snapshot', async () => {
          this.snapshots = await writeSnapshots(this.engine, stagingRoot, { asOf: this.request.asOf, runId }, this.tasks.progress('snapshot', 'tables'));
          await faultPoint('snapshotted');
          return { value: undefined, rows: this.snapshots.reduce((sum, entry) => sum + entry.rows, 0) };
        });
      }
      this.tasks.skipPending();
      const record = await this.tasks.run(
        'record',
        async () => {
          await write.begin();
          const record = this.runRecord(status, cause, reportRelative);
          const document = this.document();
          writeReportFiles(
            path.join(stagingRoot, reportRelative),
            document,
            renderReport(document, this.profiles, { status, changes: this.changes, snapshots: this.snapshots }),
          );
          writePartitionManifests(stagingRoot, this.snapshots, record);
          await recordRun(this.engine, record, this.results, this.snapshots);
          if (apply) await recordMonthMetrics(this.engine, record.run_id);
          await faultPoint('recorded');
          return { value: record };
        },
        WRITE_POLICY,
      );
      await recordTaskRuns(this.engine, runId, this.tasks.runs);
      return record;
    });
    this.committed = true;
    await faultPoint('committed');
    await publishStaged(this.layout, stagingRoot);
    await faultPoint('published');
    // Derived from meta.runs, so a failure here loses nothing: the next run rewrites it.
    await writeReportIndex(this.engine, this.layout).catch((error: Error) => this.logger.warn(`reports/index.html not rewritten: ${error.message}`));
    const summary = this.summary(record, cause);
    if (cause) throw new RunFailed(cause, summary);
    return summary;
  }

  private document() {
    return validationDocument(this.results, {
      run_id: this.identity.runId,
      month: this.request.month.name,
      as_of: this.request.asOf,
      command: this.request.command,
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

  private summary(record: RunRecord, cause: StreamflowError | null): RunSummary {
    return {
      schema_version: RUN_SUMMARY_VERSION,
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
      findings: findingsOf(this.results),
      report_path: record.report_path === null ? null : path.join(this.layout.root, record.report_path),
      error: cause ? errorObject(cause) : null,
    };
  }
}
