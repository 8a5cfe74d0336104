// The flow: load → validate → upsert → snapshot → record, as one run.
//
// Everything heavy happens in an in-memory engine with the warehouse attached
// read-only: staging, checks, the replay comparison and the snapshot files (written
// under .staging/<run_id>). Only then is the warehouse attached read-write for one
// transaction that merges the live tables, records the run and the manifest, and
// publishes the staged folders by rename just before COMMIT. A run that dies before
// COMMIT leaves nothing the database knows of; recovery removes its files.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Settings } from '../config';
import { openEngine, type Engine } from '../engine/duckdb';
import { publish } from '../engine/files';
import { DataRejectedError, RefusedError, StreamflowError, formatProblems } from '../errors';
import { loadMonth, type LoadedTable, type MonthInput } from '../load';
import { profileStaged, type TableProfiles } from '../record/profile';
import { recordRun, validationDocument, writeReportFiles, type RunRecord, type RunStatus } from '../record';
import { compareWithFrozen, publishSnapshots, readManifest, writeSnapshots, type SnapshotEntry } from '../snapshot';
import { countChanges, upsertMonth, type TableChanges } from '../upsert';
import { problemsOf, resultsFromLoadProblems, validateMonth, type ExpectationResult } from '../validate';
import { attachWarehouse, detachWarehouse, ensureWarehouse } from '../warehouse/catalog';
import { reportDir, warehouseLayout, type WarehouseLayout } from '../warehouse/layout';
import { recoverWarehouse } from '../warehouse/recover';
import { acquireRunLock } from './lock';

export const SUMMARY_SCHEMA_VERSION = '1.0';

export interface RunSummary {
  readonly schema_version: string;
  readonly run_id: string;
  readonly command: 'ingest' | 'validate';
  readonly month: string;
  readonly as_of: string | null;
  readonly status: RunStatus;
  readonly exit_code: number;
  readonly duration_ms: number;
  readonly tables: readonly TableChanges[];
  readonly snapshots: readonly SnapshotEntry[];
  readonly warnings: number;
  readonly report_path: string | null;
  readonly error: string | null;
}

export interface RunRequest {
  readonly command: 'ingest' | 'validate';
  readonly month: MonthInput;
  readonly asOf: string;
}

/** Why a run ended early, with what it has to record. */
class RunEnded extends Error {
  constructor(
    readonly status: RunStatus,
    readonly reason: StreamflowError | null,
  ) {
    super(status);
  }
}

export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runMonth(settings: Settings, request: RunRequest): Promise<RunSummary> {
  const layout = warehouseLayout(settings.warehouseDir);
  const runId = newRunId();
  const startedAt = new Date();
  const release = await acquireRunLock(layout, settings.lockTimeoutMs);
  const engine = await openEngine({ threads: settings.threads, memoryLimit: settings.memoryLimit, tempDirectory: layout.spill });
  const stagingRoot = path.join(layout.staging, runId);
  try {
    await ensureWarehouse(engine, layout);
    await attachWarehouse(engine, layout, 'read_only');
    await recoverWarehouse(engine, layout);
    return await new MonthRun(engine, layout, request, runId, startedAt, stagingRoot).execute();
  } finally {
    fs.rmSync(stagingRoot, { recursive: true, force: true });
    engine.close();
    await release();
  }
}

class MonthRun {
  private loaded: LoadedTable[] = [];
  private results: ExpectationResult[] = [];
  private profiles: TableProfiles | undefined;
  private changes: TableChanges[] = [];
  private snapshots: SnapshotEntry[] = [];
  private failuresStaged = false;

  constructor(
    private readonly engine: Engine,
    private readonly layout: WarehouseLayout,
    private readonly request: RunRequest,
    private readonly runId: string,
    private readonly startedAt: Date,
    private readonly stagingRoot: string,
  ) {}

  async execute(): Promise<RunSummary> {
    try {
      await this.loadAndValidate();
      if (this.request.command === 'validate') throw new RunEnded('validated', null);
      await this.checkHistory();
      this.changes = await countChanges(this.engine);
      this.snapshots = await writeSnapshots(this.engine, this.stagingRoot, { asOf: this.request.asOf, runId: this.runId });
      return await this.commit('succeeded', null, true);
    } catch (error) {
      if (error instanceof RunEnded) return this.commit(error.status, error.reason, false);
      if (error instanceof DataRejectedError) return this.commit('rejected', error, false);
      throw error;
    }
  }

  private async loadAndValidate(): Promise<void> {
    try {
      this.loaded = await loadMonth(this.engine, this.request.month);
    } catch (error) {
      if (!(error instanceof DataRejectedError)) throw error;
      this.results = resultsFromLoadProblems(error.problems);
      throw error;
    }
    const outcome = await validateMonth(this.engine, { asOf: this.request.asOf, liveAttached: true });
    this.results = [...outcome.results];
    this.failuresStaged = true;
    this.profiles = await profileStaged(this.engine);
    if (outcome.errors.length > 0) throw new DataRejectedError(problemsOf(outcome.errors));
  }

  /** An as_of already frozen must reproduce its snapshot exactly; an older one must not come after a newer one. */
  private async checkHistory(): Promise<void> {
    const manifest = await readManifest(this.engine);
    const asOf = this.request.asOf;
    if (manifest.some((entry) => entry.as_of === asOf)) {
      const differences = await compareWithFrozen(this.engine, this.layout, manifest, asOf);
      if (differences.length === 0) throw new RunEnded('unchanged', null);
      const lines = differences.map((difference) => `${difference.table}: ${difference.keys} rows differ (e.g. ${difference.sample_keys.join(', ')})`);
      throw new RunEnded('refused', new RefusedError(`as_of ${asOf} is already frozen with different content; refusing to alter history:\n${lines.join('\n')}`, { differences }));
    }
    const newest = manifest.map((entry) => entry.as_of).sort().at(-1);
    if (newest !== undefined && asOf < newest) {
      throw new RunEnded(
        'refused',
        new RefusedError(`as_of ${asOf} is older than the newest frozen month ${newest}; ingesting it would put older values back into the live tables`),
      );
    }
  }

  /** Writes the report, then records the run in one transaction (which also merges and publishes when `apply`). */
  private async commit(status: RunStatus, cause: StreamflowError | null, apply: boolean): Promise<RunSummary> {
    const endedAt = new Date();
    const reportRelative = reportDir(this.runId);
    const document = validationDocument(this.results, {
      run_id: this.runId,
      month: this.request.month.name,
      as_of: this.request.asOf,
      validation_time: this.startedAt.toISOString(),
      tables: this.loaded.map(({ header: _header, ...file }) => file),
    });
    writeReportFiles(path.join(this.stagingRoot, reportRelative), document, this.profiles);
    const exitCode = cause?.exitCode ?? 0;
    const errorText = cause ? cause.message : null;
    const record: RunRecord = {
      run_id: this.runId,
      command: this.request.command,
      month: this.request.month.name,
      month_path: this.request.month.dir,
      as_of: this.request.asOf,
      started_at: this.startedAt.toISOString(),
      ended_at: endedAt.toISOString(),
      status,
      exit_code: exitCode,
      input_files: this.loaded.map(({ header: _header, ...file }) => file),
      table_counts: this.changes,
      error: errorText,
      report_path: reportRelative,
    };

    await detachWarehouse(this.engine);
    await attachWarehouse(this.engine, this.layout, 'read_write');
    const published: string[] = [];
    try {
      await this.engine.transaction(async () => {
        if (apply) await upsertMonth(this.engine, { asOf: this.request.asOf, runId: this.runId });
        await recordRun(this.engine, record, this.results, apply ? this.snapshots : [], this.failuresStaged);
        if (apply) published.push(...publishSnapshots(this.layout, this.stagingRoot, this.snapshots));
        publish(path.join(this.stagingRoot, reportRelative), path.join(this.layout.root, reportRelative));
        published.push(path.join(this.layout.root, reportRelative));
      });
    } catch (error) {
      for (const dir of published) fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }

    const summary: RunSummary = {
      schema_version: SUMMARY_SCHEMA_VERSION,
      run_id: this.runId,
      command: this.request.command,
      month: this.request.month.name,
      as_of: this.request.asOf,
      status,
      exit_code: exitCode,
      duration_ms: endedAt.getTime() - this.startedAt.getTime(),
      tables: this.changes,
      snapshots: apply ? this.snapshots : [],
      warnings: this.results.filter((result) => !result.success && result.meta.severity === 'warn').length,
      report_path: path.join(this.layout.root, reportRelative),
      error: errorText,
    };
    if (cause) throw new RunFailed(cause, summary);
    return summary;
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
