// record: what a run did, kept in the warehouse (meta.runs, validation results and
// every unexpected row) and as files (reports/<run_id>/validation.json, report.html).
// May import: base, contract, artifacts, config, engine, warehouse, load, validate, upsert, snapshot (the layer rule, .dependency-cruiser.cjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type Amendment,
  type ExpectationResult,
  type RecordedSnapshot,
  type RunRecord,
  type RunStatus,
  type SnapshotEntry,
  type SnapshotVersion,
  type TableChanges,
  type TaskRun,
  VALIDATION_DOCUMENT_VERSION,
  type ValidationDocument,
} from '../artifacts';
import { type Engine, sqlFile } from '../engine/duckdb';
import { COLUMN_METRICS_TABLE, TABLE_METRICS_TABLE } from '../validate';
import { FAILURES_TABLE } from '../warehouse/failures';

export function validationDocument(results: readonly ExpectationResult[], meta: ValidationDocument['meta']): ValidationDocument {
  const failedErrors = results.filter((result) => !result.success && result.meta.severity === 'error').length;
  const successful = results.filter((result) => result.success).length;
  return {
    schema_version: VALIDATION_DOCUMENT_VERSION,
    success: failedErrors === 0,
    statistics: {
      evaluated_expectations: results.length,
      successful_expectations: successful,
      unsuccessful_expectations: results.length - successful,
      success_percent: results.length === 0 ? 100 : (100 * successful) / results.length,
      warnings: results.filter((result) => !result.success && result.meta.severity === 'warn').length,
    },
    results,
    meta,
  };
}

/** What a run did to the warehouse, for the report's "what changed". */
export interface RunChanges {
  readonly status: RunStatus;
  readonly changes: readonly TableChanges[];
  readonly snapshots: readonly SnapshotEntry[];
  /** A correction or a late month; null otherwise. */
  readonly amendment?: Amendment | null;
}

/** Writes validation.json and the rendered report.html into `dir` (a staging folder, published later). */
export function writeReportFiles(dir: string, document: ValidationDocument, reportHtml: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'validation.json'), `${JSON.stringify(document, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'report.html'), reportHtml);
}

/**
 * Inserts the run, its expectation results, its unexpected rows (staged by load and
 * validate) and (for a frozen month) the manifest entries, each with the sha256 of its
 * partition's _manifest.json (null when none is known).
 */
export async function recordRun(
  engine: Engine,
  run: RunRecord,
  results: readonly ExpectationResult[],
  snapshots: readonly (SnapshotEntry & Partial<Pick<RecordedSnapshot, 'manifest_sha256'> & Pick<SnapshotVersion, 'recorded_at' | 'reason'>>)[],
): Promise<void> {
  await engine.run(sqlFile('record/insert-run'), {
    ...run,
    input_files: JSON.stringify(run.input_files),
    table_counts: JSON.stringify(run.table_counts),
    rebuilt: run.rebuilt ?? false,
    run_by: run.run_by ?? null,
    amendment: run.amendment ? JSON.stringify(run.amendment) : null,
  });
  if (results.length > 0) {
    await engine.run(sqlFile('record/insert-expectation-results'), {
      run_id: run.run_id,
      as_of: run.as_of,
      results: JSON.stringify(
        results.map((result) => ({
          expectation_id: result.expectation_config.id,
          table_name: result.meta.table,
          column_name: result.meta.column ?? null,
          expectation_type: result.expectation_config.type,
          severity: result.meta.severity,
          success: result.success,
          element_count: result.result.element_count,
          unexpected_count: result.result.unexpected_count,
          unexpected_percent: result.result.unexpected_percent,
          observed_value: result.result.observed_value ?? null,
        })),
      ),
    });
  }
  await engine.run(`INSERT INTO wh.meta.validation_failures BY NAME SELECT $run_id AS run_id, * FROM ${FAILURES_TABLE}`, { run_id: run.run_id });
  for (const { table_name, as_of, path: file, rows, bytes, sha256, run_id, manifest_sha256, version, recorded_at, reason } of snapshots) {
    await engine.run(sqlFile('record/insert-snapshot'), {
      table_name,
      as_of,
      path: file,
      rows,
      bytes,
      sha256,
      run_id,
      manifest_sha256: manifest_sha256 ?? null,
      version,
      // When the run recorded it, and why; `rebuild` passes what the partition's manifest says.
      recorded_at: recorded_at ?? run.ended_at,
      reason: reason ?? run.amendment?.reason ?? null,
    });
  }
}

/**
 * The month's metrics (staged by validate), kept with the month they describe: only a run
 * that froze it records them. `rebuild` has none to record: the metrics of the months it
 * restores are not in the snapshot files.
 */
export async function recordMonthMetrics(engine: Engine, runId: string, { replacing }: { replacing: boolean }): Promise<void> {
  for (const [target, staged] of [
    ['column_metrics', COLUMN_METRICS_TABLE],
    ['table_metrics', TABLE_METRICS_TABLE],
  ]) {
    // A correction's metrics replace those of the version it supersedes: the month the next one is compared with is the newest version.
    if (replacing) await engine.run(`DELETE FROM wh.meta.${target} WHERE as_of IN (SELECT as_of FROM ${staged})`);
    await engine.run(`INSERT INTO wh.meta.${target} BY NAME SELECT *, $run_id AS run_id FROM ${staged}`, { run_id: runId });
  }
}

/** The flow's tasks with their states, attempts and timings, in flow order (the first at position `first`). */
export async function recordTaskRuns(engine: Engine, runId: string, tasks: readonly TaskRun[], first = 0): Promise<void> {
  if (tasks.length === 0) return;
  const rows = tasks.map((task, index) => ({ ...task, position: first + index }));
  await engine.run(sqlFile('record/insert-task-runs'), { run_id: runId, tasks: JSON.stringify(rows) });
}
