// Run history for people and tools: `runs`, `runs show <id>`, `report [run_id|latest]`
// and reports/index.html.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../engine/duckdb';
import { InvocationError } from '../errors';
import { openReader } from '../query';
import type { WarehouseLayout } from '../warehouse/layout';
import { renderIndex, type IndexedRun } from './report/index-page';

export async function listRuns(layout: WarehouseLayout): Promise<Record<string, unknown>[]> {
  const engine = await openReader(layout);
  try {
    return await engine.rows(
      `SELECT run_id, command, month, strftime(as_of, '%Y-%m-%d') AS as_of, status, exit_code,
              round(epoch(ended_at) * 1000 - epoch(started_at) * 1000)::BIGINT AS duration_ms,
              (SELECT sum(rows) FROM (SELECT unnest(from_json(input_files, '[{"rows":"BIGINT"}]'), recursive := true)))::BIGINT AS rows_in,
              coalesce((SELECT sum(inserted) FROM (SELECT unnest(from_json(table_counts, '[{"inserted":"BIGINT"}]'), recursive := true))), 0)::BIGINT AS rows_inserted,
              coalesce((SELECT sum(updated) FROM (SELECT unnest(from_json(table_counts, '[{"updated":"BIGINT"}]'), recursive := true))), 0)::BIGINT AS rows_updated
       FROM wh.meta.runs ORDER BY started_at DESC, run_id DESC`,
    );
  } finally {
    engine.close();
  }
}

export async function showRun(layout: WarehouseLayout, runId: string): Promise<Record<string, unknown>> {
  const engine = await openReader(layout);
  try {
    const [run] = await engine.rows(`SELECT * FROM wh.meta.runs WHERE run_id = $run_id`, { run_id: runId });
    if (!run) throw new InvocationError(`no run ${runId} (see \`streamflow runs\`)`);
    const tasks = await engine.rows(
      `SELECT task, state, attempts, started_at, ended_at, duration_ms, rows, error FROM wh.meta.task_runs WHERE run_id = $run_id ORDER BY position`,
      { run_id: runId },
    );
    const snapshots = await engine.rows(`SELECT * FROM wh.meta.snapshots WHERE run_id = $run_id ORDER BY table_name`, { run_id: runId });
    const failed = await engine.rows(
      `SELECT expectation_id, table_name, column_name, severity, unexpected_count, unexpected_percent
       FROM wh.meta.validation_results WHERE run_id = $run_id AND NOT success ORDER BY expectation_id`,
      { run_id: runId },
    );
    return { schema_version: '1.0', ...run, tasks, snapshots, failed_expectations: failed };
  } finally {
    engine.close();
  }
}

/** The report.html of a run (`latest`: the newest run that wrote one). */
export async function reportOf(layout: WarehouseLayout, runId: string): Promise<string> {
  const engine = await openReader(layout);
  try {
    const [run] = await engine.rows<{ run_id: string; report_path: string | null }>(
      runId === 'latest'
        ? `SELECT run_id, report_path FROM wh.meta.runs WHERE report_path IS NOT NULL ORDER BY started_at DESC, run_id DESC LIMIT 1`
        : `SELECT run_id, report_path FROM wh.meta.runs WHERE run_id = $run_id`,
      runId === 'latest' ? {} : { run_id: runId },
    );
    if (!run) throw new InvocationError(runId === 'latest' ? `no run has written a report in ${layout.root}` : `no run ${runId} (see \`streamflow runs\`)`);
    if (!run.report_path) throw new InvocationError(`run ${run.run_id} wrote no report`);
    return path.join(layout.root, run.report_path, 'report.html');
  } finally {
    engine.close();
  }
}

/**
 * Rewrites reports/index.html from meta.runs: every run, newest first, with its verdict
 * and a link to its report. Written aside and renamed, so a reader never sees half a page.
 */
export async function writeReportIndex(engine: Engine, layout: WarehouseLayout): Promise<void> {
  const runs = await engine.rows<IndexedRun & Record<string, unknown>>(
    `SELECT run_id, command, month, strftime(as_of, '%Y-%m-%d') AS as_of, status, exit_code, started_at, report_path,
            (SELECT count(*) FROM wh.meta.validation_results AS r WHERE r.run_id = runs.run_id AND NOT success AND severity = 'warn') AS warnings,
            (SELECT count(*) FROM wh.meta.validation_results AS r WHERE r.run_id = runs.run_id AND NOT success AND severity = 'error') AS failures
     FROM wh.meta.runs AS runs ORDER BY started_at DESC, run_id DESC`,
  );
  fs.mkdirSync(layout.reports, { recursive: true });
  fs.mkdirSync(layout.staging, { recursive: true });
  const partial = path.join(layout.staging, `reports-index-${process.pid}.html`);
  fs.writeFileSync(partial, renderIndex(runs));
  fs.renameSync(partial, path.join(layout.reports, 'index.html'));
}
