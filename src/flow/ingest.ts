// The flow: load → validate → plan → upsert → snapshot → record, as one run that reads
// top to bottom (ingestMonth): each stage a function taking what it needs and returning
// what the next one takes; a run that ends early (an exact replay, a rejected month, a
// refusal) returns its verdict as a value, recorded like any other.
//
// load, validate and plan work in an in-memory engine with the warehouse attached
// read-only, so readers keep working. Only then is the warehouse attached read-write
// for one transaction (write.ts) in which upsert merges the live tables, snapshot writes
// the partitions (each with its _manifest.json) under .staging/<run_id>, and record
// inserts the run and the manifest rows. COMMIT is the moment the run happens; only
// after it are the staged folders published by rename, so a direct Parquet reader never
// sees a partition the database has not committed. A run that dies before COMMIT leaves
// only staging, which recovery removes; one that dies after it is rolled forward by
// recovery (warehouse/recover.ts). An exact replay of a frozen month (byte-identical
// inputs, same pipeline) ends after load: see replay.ts. `validate` writes its report
// and nothing else.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type Amendment,
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
import type { Contract } from '../contract/contract';
import type { TableSpec } from '../contract/tables';
import { type Engine, openEngine } from '../engine/duckdb';
import { DataRejectedError, type ErrorObject, errorObject, formatProblems, RefusedError, StreamflowError, WarehouseHeldError } from '../errors';
import { faultPoint } from '../faults';
import { loadMonth, type MonthInput, MonthRejectedAtLoad } from '../load';
import { writeCatalog } from '../query/catalog';
import { recordMonthMetrics, recordRun, recordTaskRuns, recordUnrecordedRuns, validationDocument, writeReportFiles } from '../record';
import { writeReportIndex } from '../report';
import { renderReport } from '../report/page';
import { profileMonth } from '../report/profile';
import { mergedOverFrozenSql, readManifest, stateBeforeSql, writeSnapshots } from '../snapshot';
import { writePartitionManifests } from '../snapshot/partition-manifest';
import { SyncError, type SyncResult } from '../sync';
import { replaceLiveTables, upsertMonth } from '../upsert';
import { type Finding, findingsOf, type MonthMetrics, problemsOf, resultsFromLoadProblems, validateMonth } from '../validate';
import { type MonthOverMonth, monthOverMonth, outcomesOf, recordedMonthOverMonth } from '../validate/month-over-month';
import { addToLiveTables, attachWarehouse, attachWarehouseCreatingIt, type DatabaseWait } from '../warehouse/catalog';
import { startFailures } from '../warehouse/failures';
import { readWarehouseId } from '../warehouse/identity';
import { reportDir, type WarehouseLayout, warehouseLayout } from '../warehouse/layout';
import { publishStaged, type RunMarker, recoverWarehouse, refuseForeignHistory, refuseLostDatabase, refuseUnsafeStaging } from '../warehouse/recover';
import { leaveUnrecordedRun, removeUnrecordedRuns, unrecordedRuns } from '../warehouse/unrecorded';
import { checkContractChange } from './evolution';
import { acquireRunLock } from './lock';
import { defaultLogger, type Logger } from './log';
import { amendmentOf, findIdenticalReplay, type MonthPlan, planMonth } from './plan';
import { pipelineFingerprint } from './replay';
import { syncAfterRun, syncTarget } from './sync';
import { FlowTasks } from './tasks';
import { type BeginWrite, writeInOneTransaction } from './write';

export const INGEST_TASKS = ['load', 'validate', 'plan', 'upsert', 'snapshot', 'record'] as const;

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
  /** The month against the previous frozen one (entity rows, label rate, flagged figures); null without one. */
  readonly month_over_month: MonthOverMonth | null;
  readonly report_path: string | null;
  readonly error: ErrorObject | null;
  /** What `ingest --sync-postgres` wrote to PostgreSQL. */
  readonly sync?: SyncResult;
  /** A correction or a late month: what the run did to history besides freezing a newest month; null otherwise. */
  readonly amendment: Amendment | null;
}

export interface RunRequest {
  readonly command: 'ingest' | 'validate';
  readonly month: MonthInput;
  readonly asOf: string;
  /** Recompute a frozen as_of even when its inputs are byte-identical to the run that froze it (replay.ts). */
  readonly recompute?: boolean;
  /** `ingest --correction "<reason>"`: a frozen as_of with different content becomes its next version (plan.ts). */
  readonly correction?: string;
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
  if (settings.syncPostgres) syncTarget(settings); // no URL: refused before the run, not after
  const runId = newRunId();
  const startedAt = new Date();
  const release = await acquireRunLock(layout, settings.lockTimeoutMs);
  const tasks = new FlowTasks(INGEST_TASKS, logger);
  // Another process holding streamflow.duckdb (a notebook, a DuckDB client) is waited out as long as another run would be.
  const wait: DatabaseWait = {
    timeoutMs: settings.lockTimeoutMs,
    onWait: (holder) => logger.warn(`${layout.database} is held by ${holder}: waiting up to ${settings.lockTimeoutMs} ms for it to close`),
  };
  try {
    refuseLostDatabase(layout);
    refuseUnsafeStaging(layout); // before the engine creates its spill folder in it
    const engine = await openEngine({ threads: settings.threads, memoryLimit: settings.memoryLimit, tempDirectory: layout.spill });
    try {
      await attachWarehouseCreatingIt(engine, settings.contract, layout, { wait });
      await refuseForeignHistory(engine, layout);
      const warehouseId = await readWarehouseId(engine);
      const recovered = await recoverWarehouse(engine, layout, warehouseId);
      for (const dir of recovered.rolledBack) logger.info(`recovery: removed ${dir}, staged by a run that never committed`);
      for (const dir of recovered.rolledForward) logger.info(`recovery: published ${dir}, committed by a run that died before publishing it`);
      for (const { entry, reason } of recovered.leftAlone) {
        logger.warn(`recovery: left ${entry} as it is, ${reason}; streamflow removes or publishes only a run's staging it can prove it created`);
      }
      // After recovery, so the partitions a committed run left unpublished are there to compare with.
      await checkContractChange(engine, settings.contract, layout);
      await addToLiveTables(engine, settings.contract, layout, wait);
      const summary = await ingestMonth({
        engine,
        contract: settings.contract,
        layout,
        request,
        runId,
        startedAt,
        tasks,
        logger,
        liveAttached: true,
        warehouseId,
        beforeCommit: release.assertHeld,
        wait,
        recoveredHistory: recovered.rolledForward.length > 0,
      });
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
  } catch (error) {
    if (!(error instanceof WarehouseHeldError)) throw error;
    throw refusedWhileHeld(settings, layout, { request, runId, startedAt, tasks }, error);
  } finally {
    await release();
  }
}

/**
 * A run refused because another process held the database past the wait: it cannot write
 * its own row, so it leaves it for the next run to record (warehouse/unrecorded.ts).
 */
function refusedWhileHeld(
  settings: Settings,
  layout: WarehouseLayout,
  run: Pick<RunContext, 'request' | 'runId' | 'startedAt' | 'tasks'>,
  held: WarehouseHeldError,
): RunFailed {
  run.tasks.skipPending();
  const reason = new RefusedError(`${held.message} This refusal is recorded in the run history by the next run.`);
  const record: RunRecord = {
    run_id: run.runId,
    command: 'ingest',
    month: run.request.month.name,
    month_path: run.request.month.dir,
    as_of: run.request.asOf,
    started_at: run.startedAt.toISOString(),
    ended_at: new Date().toISOString(),
    status: 'refused',
    exit_code: reason.exitCode,
    input_files: [],
    table_counts: [],
    error: reason.message,
    report_path: null,
    pipeline_fingerprint: pipelineFingerprint(settings.contract),
    contract_version: settings.contract.version,
    run_by: runBy(),
    amendment: null,
  };
  leaveUnrecordedRun(layout, { record, tasks: run.tasks.runs });
  return new RunFailed(reason, {
    schema_version: RUN_SUMMARY_VERSION,
    run_id: run.runId,
    command: 'ingest',
    month: record.month,
    as_of: record.as_of,
    status: 'refused',
    exit_code: reason.exitCode,
    duration_ms: Date.parse(record.ended_at) - run.startedAt.getTime(),
    tasks: run.tasks.runs,
    tables: [],
    snapshots: [],
    amendment: null,
    warnings: 0,
    findings: [],
    month_over_month: null,
    report_path: null,
    error: errorObject(reason),
  });
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
    const wait = { timeoutMs: settings.lockTimeoutMs };
    if (liveAttached) await attachWarehouse(engine, layout, 'read_only', wait);
    const run: RunContext = {
      engine,
      contract: settings.contract,
      layout,
      request,
      runId,
      startedAt: new Date(),
      tasks: new FlowTasks(INGEST_TASKS, logger),
      logger,
      liveAttached,
      warehouseId: null,
      wait,
    };
    const verdict = await checkMonth(run);
    const record = runRecord(run, verdict, NOTHING_APPLIED);
    run.tasks.skipPending();
    // Straight into reports/<run_id>, a folder no other run uses: validate stages nothing.
    await writeRunReport(run, path.join(layout.root, reportDir(runId)), verdict, NOTHING_APPLIED);
    return endRun(run, verdict, record, NOTHING_APPLIED);
  } finally {
    engine.close();
  }
}

/** What one run works with, fixed when it starts. `tasks` keeps the record of its tasks. */
interface RunContext {
  readonly engine: Engine;
  readonly contract: Contract;
  readonly layout: WarehouseLayout;
  readonly request: RunRequest;
  readonly runId: string;
  readonly startedAt: Date;
  readonly tasks: FlowTasks;
  readonly logger: Logger;
  /** The warehouse is attached read-only as `wh` (for validate, only when it has a database). */
  readonly liveAttached: boolean;
  /** The identity of the warehouse an ingest writes (identity.ts), in its staging marker and partition manifests; null for validate, which writes neither. */
  readonly warehouseId: string | null;
  /** Right before COMMIT: throws when the run lock was lost meanwhile (lock.ts), which rolls the run back. */
  readonly beforeCommit?: () => void;
  /** How long attaching the warehouse waits for another process holding it. */
  readonly wait: DatabaseWait;
  /** Recovery published partitions of a run that died after COMMIT, so the manifest changed since the catalog was written. */
  readonly recoveredHistory?: boolean;
}

/** What the run found in the month: its validation report and its run record are made of it. */
interface Findings {
  readonly loaded: readonly LoadedTable[];
  readonly results: readonly ExpectationResult[];
  /** validate's measures of the month, for the report; none when the run ended at load or reuses a replay's results. */
  readonly metrics?: MonthMetrics;
  /** The earlier run whose results this exact replay reuses (replay.ts). */
  readonly reused?: { readonly runId: string; readonly validationTime: string };
  /** The month against the previous frozen one: from the metrics, or for an exact replay as the run that froze it recorded it. */
  readonly monthOverMonth?: MonthOverMonth | null;
}

/** How a run ends: the status it records and, for a non-zero exit, the cause. */
type Outcome =
  | { readonly status: 'succeeded' | 'unchanged' | 'validated'; readonly cause: null }
  | { readonly status: 'rejected' | 'refused'; readonly cause: StreamflowError };

/** The run's verdict before it writes anything: what it found, how it ends ('succeeded': the month is to be applied), and how plan decided to apply it. */
interface Verdict {
  readonly findings: Findings;
  readonly outcome: Outcome;
  /** How plan decided to apply the month: set with the outcome 'succeeded' (only plan gives it). */
  readonly plan?: MonthPlan;
}

/** A stage's result: the findings the next stage takes, or the verdict of a run that ends there. */
type Step = { readonly next: Findings } | { readonly ended: Verdict };

/** What upsert and snapshot did to the warehouse: nothing, for a run that applies no month. */
interface Applied {
  readonly changes: readonly TableChanges[];
  readonly snapshots: readonly SnapshotEntry[];
  readonly amendment: Amendment | null;
}

const NOTHING_APPLIED: Applied = { changes: [], snapshots: [], amendment: null };

/**
 * ingest: load → validate → plan; then one transaction (write.ts): upsert → snapshot when
 * the month is applied, record always; COMMIT; then publish the staged folders.
 */
async function ingestMonth(run: RunContext): Promise<RunSummary> {
  const verdict = await checkMonth(run);
  const marker = runMarker(run);
  const stagingRoot = path.join(run.layout.staging, run.runId);
  const target = { readOnlyAttached: run.liveAttached, stagingRoot, marker, beforeCommit: run.beforeCommit, wait: run.wait };
  // Runs refused earlier while another process held the database: recorded with this one.
  const unrecorded = unrecordedRuns(run.layout);
  if (run.request.correction !== undefined && verdict.outcome.status === 'unchanged') {
    run.logger.info(`--correction: the month is identical to what is frozen for as_of ${run.request.asOf}: nothing to correct, no version added`);
  }
  const { record, applied } = await writeInOneTransaction(run.engine, run.layout, target, async (begin) => {
    const applied = verdict.outcome.status === 'succeeded' && verdict.plan ? await applyMonth(run, verdict.plan, stagingRoot, begin) : NOTHING_APPLIED;
    run.tasks.skipPending();
    const record = await recordMonth(run, verdict, applied, stagingRoot, begin);
    await recordTaskRuns(run.engine, run.runId, run.tasks.runs);
    await recordUnrecordedRuns(run.engine, unrecorded);
    return { record, applied };
  });
  await faultPoint('committed');
  removeUnrecordedRuns(run.layout, unrecorded);
  await publishStaged(run.layout, marker);
  await faultPoint('published');
  // Derived from meta.runs, so a failure here loses nothing: the next run rewrites it.
  await writeReportIndex(run.engine, run.layout).catch((error: Error) => run.logger.warn(`reports/index.html not rewritten: ${error.message}`));
  // Derived from the manifest the same way: the next run rewrites it. A run that froze
  // nothing left the manifest as it was, so a catalog already there still describes it.
  if (applied.snapshots.length > 0 || run.recoveredHistory || !fs.existsSync(run.layout.catalog)) {
    await writeCatalog(run.engine, run.contract, run.layout).catch((error: Error) => run.logger.warn(`catalog.duckdb not rewritten: ${error.message}`));
  }
  return endRun(run, verdict, record, applied);
}

/** load → validate (→ plan, for ingest), writing nothing: the verdict of an exact replay, a rejected month or a refusal ends the run early. */
async function checkMonth(run: RunContext): Promise<Verdict> {
  const loaded = await load(run);
  if ('ended' in loaded) return loaded.ended;
  await faultPoint('loaded');
  const validated = await validate(run, loaded.next);
  if ('ended' in validated) return validated.ended;
  await faultPoint('validated');
  if (run.request.command === 'validate') return { findings: validated.next, outcome: { status: 'validated', cause: null } };
  return plan(run, validated.next);
}

/** load: the month's files into staging tables, or, for an exact replay, what the run that froze it loaded and found (plan.ts). */
async function load(run: RunContext): Promise<Step> {
  return run.tasks.run<Step>('load', async () => {
    const replay = await identicalReplay(run);
    if (replay) return { value: { ended: replay }, rows: totalRows(replay.findings.loaded) };
    try {
      const loaded = await loadMonth(run.engine, run.contract, run.request.month, run.tasks.progress('load', 'bytes'));
      return { value: { next: { loaded, results: [] } }, rows: totalRows(loaded) };
    } catch (error) {
      if (!(error instanceof DataRejectedError)) throw error;
      const findings = { loaded: error instanceof MonthRejectedAtLoad ? [...error.loaded] : [], results: resultsFromLoadProblems(error.problems) };
      return { value: { ended: { findings, outcome: { status: 'rejected', cause: error } } }, failed: error };
    }
  });
}

/** An ingest of a frozen as_of with byte-identical inputs ends after load, unchanged, with the freezing run's results. */
async function identicalReplay(run: RunContext): Promise<Verdict | undefined> {
  if (run.request.command !== 'ingest' || run.request.recompute) return undefined;
  const identical = await findIdenticalReplay(run.engine, run.contract, run.layout, run.request, run.logger);
  if (!identical) return undefined;
  await startFailures(run.engine); // the run's list of unexpected rows, empty: record copies it
  const reused = { runId: identical.runId, validationTime: identical.document.meta.validation_time };
  const frozen = { run_id: identical.runId, as_of: run.request.asOf, status: 'succeeded' };
  const findings = {
    loaded: identical.inputFiles,
    results: identical.document.results,
    reused,
    monthOverMonth: await recordedMonthOverMonth(run.engine, run.contract, frozen),
  };
  return { findings, outcome: { status: 'unchanged', cause: null } };
}

/** What a task's `rows` counts, where it is not rows: the validate task counts the expectations it evaluated. */
export const TASK_COUNT_UNITS: Readonly<Record<string, string>> = { validate: 'expectations' };

/** validate: every expectation suite on the staged month; a failed error-severity expectation rejects it. */
async function validate(run: RunContext, loaded: Findings): Promise<Step> {
  return run.tasks.run<Step>('validate', async () => {
    const validation = await validateMonth(
      run.engine,
      run.contract,
      { asOf: run.request.asOf, liveAttached: run.liveAttached, before: await stateBefore(run) },
      run.tasks.progress('validate', 'tables'),
    );
    const findings = {
      ...loaded,
      results: validation.results,
      metrics: validation.metrics,
      monthOverMonth: monthOverMonth(run.contract, validation.metrics, outcomesOf(validation.results)),
    };
    if (validation.errors.length === 0) return { value: { next: findings }, rows: validation.results.length, unit: TASK_COUNT_UNITS.validate };
    const cause = new DataRejectedError(problemsOf(validation.errors));
    return { value: { ended: { findings, outcome: { status: 'rejected', cause } } }, failed: cause };
  });
}

/**
 * What validate compares the month with (key churn, NULL shares), when that is not the live
 * tables: for an as_of at or before the newest frozen one (a late month, a correction, a
 * recompute), the live tables hold a newer month, so the frozen as_of before it is the
 * state the month follows. undefined: compare with the live tables.
 */
async function stateBefore(run: RunContext): Promise<ReadonlyMap<string, string> | undefined> {
  if (!run.liveAttached) return undefined;
  const manifest = await readManifest(run.engine);
  const newest = manifest.reduce<string | undefined>((latest, entry) => (latest === undefined || entry.as_of > latest ? entry.as_of : latest), undefined);
  if (newest === undefined || run.request.asOf > newest) return undefined;
  const before = new Map<string, string>();
  for (const table of run.contract.tables) {
    before.set(table.name, `(${await stateBeforeSql(run.engine, run.layout, table, manifest, run.request.asOf)})`);
  }
  return before;
}

/** plan: apply the month, or nothing to do (already frozen with this content), or refused (it would alter history). */
async function plan(run: RunContext, validated: Findings): Promise<Verdict> {
  return run.tasks.run<Verdict>('plan', async () => {
    try {
      const decision = await planMonth(run.engine, run.contract, run.layout, run.request, validated.loaded);
      const status = decision.action === 'unchanged' ? 'unchanged' : 'succeeded';
      return { value: { findings: validated, outcome: { status, cause: null }, plan: decision } };
    } catch (error) {
      if (!(error instanceof RefusedError)) throw error;
      return { value: { findings: validated, outcome: { status: 'refused', cause: error } }, failed: error };
    }
  });
}

/**
 * upsert → snapshot, in the transaction: the first writing task opens it (a reader holding
 * the file is a transient fault it retries). A newest month is merged into the live tables
 * and frozen from them; a correction or a late month is frozen over the frozen as_of before
 * it, and only a correction of the newest frozen as_of changes the live tables (to the
 * corrected state).
 */
async function applyMonth(run: RunContext, plan: MonthPlan, stagingRoot: string, begin: BeginWrite): Promise<Applied> {
  const audit = { asOf: run.request.asOf, runId: run.runId };
  const amendment = amendmentOf(plan, run.request.correction);
  const manifest = plan.action === 'apply' ? [] : await readManifest(run.engine);
  const stateOf = (table: TableSpec) => mergedOverFrozenSql(run.engine, run.layout, table, manifest, audit.asOf);
  const changes = await run.tasks.run('upsert', async () => {
    await begin();
    const progress = run.tasks.progress('upsert', 'tables');
    const changes =
      amendment === null
        ? await upsertMonth(run.engine, run.contract, audit, progress)
        : amendment.live_kept_for === null
          ? await replaceLiveTables(run.engine, run.contract, audit, stateOf, progress)
          : [];
    if (amendment?.live_kept_for) run.logger.info(`upsert: live tables unchanged: they hold the newer frozen month ${amendment.live_kept_for}`);
    await faultPoint('upserted');
    return { value: changes, rows: changes.reduce((sum, table) => sum + table.inserted + table.updated, 0) };
  });
  const snapshots = await run.tasks.run('snapshot', async () => {
    const snapshotRun = { ...audit, version: amendment?.version ?? 1, ...(amendment ? { overFrozen: { layout: run.layout, manifest } } : {}) };
    const snapshots = await writeSnapshots(run.engine, run.contract, stagingRoot, snapshotRun, run.tasks.progress('snapshot', 'tables'));
    await faultPoint('snapshotted');
    return { value: snapshots, rows: snapshots.reduce((sum, entry) => sum + entry.rows, 0) };
  });
  return { changes, snapshots, amendment };
}

/** record, in the transaction: the report files and partition manifests (staged), the run row, its results, the manifest rows. */
async function recordMonth(run: RunContext, verdict: Verdict, applied: Applied, stagingRoot: string, begin: BeginWrite): Promise<RunRecord> {
  return run.tasks.run('record', async () => {
    await begin();
    const record = runRecord(run, verdict, applied);
    await writeRunReport(run, path.join(stagingRoot, reportDir(run.runId)), verdict, applied);
    const manifests = writePartitionManifests(stagingRoot, applied.snapshots, record, runMarker(run).warehouse_id);
    await recordRun(run.engine, record, verdict.findings.results, manifests);
    if (verdict.outcome.status === 'succeeded') await recordMonthMetrics(run.engine, record.run_id, { replacing: applied.amendment?.kind === 'correction' });
    await faultPoint('recorded');
    return { value: record };
  });
}

/** validation.json and report.html into `dir`; the report's trend lines read the metric history of the frozen months here. */
async function writeRunReport(run: RunContext, dir: string, { findings, outcome }: Verdict, applied: Applied): Promise<void> {
  const document = validationDocument(findings.results, {
    run_id: run.runId,
    month: run.request.month.name,
    as_of: run.request.asOf,
    command: run.request.command,
    validation_time: findings.reused?.validationTime ?? run.startedAt.toISOString(),
    tables: findings.loaded,
    ...(findings.reused ? { reused_from_run: findings.reused.runId } : {}),
  });
  const profile = findings.metrics && (await profileMonth(run.engine, run.contract, findings.metrics, run.liveAttached ? run.layout : null));
  writeReportFiles(dir, document, renderReport(document, profile, { status: outcome.status, ...applied }));
}

/** What the run writes first into its staging folder (warehouse/recover.ts): only an ingest stages, and it knows its warehouse. */
function runMarker(run: RunContext): RunMarker {
  if (run.warehouseId === null) throw new Error(`run ${run.runId} stages files without knowing its warehouse's identity`);
  return { run_id: run.runId, warehouse_id: run.warehouseId };
}

function runRecord(run: RunContext, { findings, outcome }: Verdict, applied: Applied): RunRecord {
  return {
    run_id: run.runId,
    command: run.request.command,
    month: run.request.month.name,
    month_path: run.request.month.dir,
    as_of: run.request.asOf,
    started_at: run.startedAt.toISOString(),
    ended_at: new Date().toISOString(),
    status: outcome.status,
    exit_code: outcome.cause?.exitCode ?? 0,
    input_files: findings.loaded,
    table_counts: applied.changes,
    error: outcome.cause ? outcome.cause.message : null,
    report_path: reportDir(run.runId),
    pipeline_fingerprint: pipelineFingerprint(run.contract),
    contract_version: run.contract.version,
    run_by: runBy(),
    amendment: applied.amendment,
  };
}

/** Who ran it, as the operating system names the user; null where it names none. */
function runBy(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    return null;
  }
}

/** The run's summary; a run that ends with a cause throws RunFailed, which carries it. */
function endRun(run: RunContext, { findings, outcome }: Verdict, record: RunRecord, applied: Applied): RunSummary {
  const summary: RunSummary = {
    schema_version: RUN_SUMMARY_VERSION,
    run_id: record.run_id,
    command: record.command,
    month: record.month,
    as_of: record.as_of,
    status: record.status,
    exit_code: record.exit_code,
    duration_ms: Date.parse(record.ended_at) - run.startedAt.getTime(),
    tasks: run.tasks.runs,
    tables: applied.changes,
    snapshots: applied.snapshots,
    warnings: findings.results.filter((result) => !result.success && result.meta.severity === 'warn').length,
    findings: findingsOf(findings.results),
    month_over_month: findings.monthOverMonth ?? null,
    report_path: record.report_path === null ? null : path.join(run.layout.root, record.report_path),
    error: outcome.cause ? errorObject(outcome.cause) : null,
    amendment: applied.amendment,
  };
  if (outcome.cause) throw new RunFailed(outcome.cause, summary);
  return summary;
}

function totalRows(tables: readonly LoadedTable[]): number {
  return tables.reduce((sum, table) => sum + table.rows, 0);
}
