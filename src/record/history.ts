// Run history for people and tools: `runs`, `runs show <id>`, `report [run_id|latest]`
// and reports/index.html.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ValidationDocument } from '../artifacts';
import { InvocationError } from '../errors';
import { openReader } from '../warehouse/reader';
import { findingsOf, type Finding } from '../validate';
import type { WarehouseLayout } from '../warehouse/layout';

export interface RunFilter {
  /** At most this many runs, newest first. */
  readonly limit?: number;
  readonly status?: string;
  /** A month folder name (month_001) or the folder's path as recorded. */
  readonly month?: string;
  /**
   * Also the `unchanged` runs (replays and backfills over frozen months, which change
   * nothing); asking for `--status unchanged` shows them too.
   */
  readonly all?: boolean;
}

export interface RunListing {
  readonly runs: Record<string, unknown>[];
  /** Unchanged runs left out because `all` was not asked for. */
  readonly hidden_unchanged: number;
}

export async function listRuns(layout: WarehouseLayout, filter: RunFilter = {}): Promise<RunListing> {
  const engine = await openReader(layout);
  try {
    const params = { status: filter.status ?? null, month: filter.month ?? null, all: filter.all === true || filter.status !== undefined };
    const matching = `($status IS NULL OR status = $status) AND ($month IS NULL OR month = $month OR month_path = $month)`;
    const runs = await engine.rows(
      `SELECT run_id, command, month, strftime(as_of, '%Y-%m-%d') AS as_of, status, exit_code,
              round(epoch(ended_at) * 1000 - epoch(started_at) * 1000)::BIGINT AS duration_ms,
              (SELECT sum(rows) FROM (SELECT unnest(from_json(input_files, '[{"rows":"BIGINT"}]'), recursive := true)))::BIGINT AS rows_in,
              coalesce((SELECT sum(inserted) FROM (SELECT unnest(from_json(table_counts, '[{"inserted":"BIGINT"}]'), recursive := true))), 0)::BIGINT AS rows_inserted,
              coalesce((SELECT sum(updated) FROM (SELECT unnest(from_json(table_counts, '[{"updated":"BIGINT"}]'), recursive := true))), 0)::BIGINT AS rows_updated,
              month_path
       FROM wh.meta.runs WHERE ${matching} AND ($all OR status <> 'unchanged')
       ORDER BY started_at DESC, run_id DESC ${filter.limit === undefined ? '' : 'LIMIT $limit'}`,
      filter.limit === undefined ? params : { ...params, limit: filter.limit },
    );
    const [{ hidden }] = await engine.rows<{ hidden: number }>(
      `SELECT count(*) FILTER (WHERE NOT $all AND status = 'unchanged') AS hidden FROM wh.meta.runs WHERE ${matching}`,
      params,
    );
    return { runs, hidden_unchanged: hidden };
  } finally {
    engine.close();
  }
}

export interface RunDetails extends Record<string, unknown> {
  readonly run_id: string;
  readonly tasks: Record<string, unknown>[];
  readonly snapshots: Record<string, unknown>[];
  /** Every failed expectation named in one line, from the run's validation.json (null when that file is gone). */
  readonly findings: Finding[] | null;
  /** Absolute path of the run's report.html. */
  readonly report_html: string | null;
}

/** One run's details; `latest` names the newest run. */
export async function showRun(layout: WarehouseLayout, requested: string): Promise<RunDetails> {
  const engine = await openReader(layout);
  try {
    const [run] = await engine.rows(
      requested === 'latest' ? 'SELECT * FROM wh.meta.runs ORDER BY started_at DESC, run_id DESC LIMIT 1' : 'SELECT * FROM wh.meta.runs WHERE run_id = $run_id',
      requested === 'latest' ? {} : { run_id: requested },
    );
    if (!run) throw new InvocationError(`no run ${requested} (see \`streamflow runs\`)`);
    const runId = String(run.run_id);
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
    const reportDir = run.report_path === null ? null : path.join(layout.root, String(run.report_path));
    const document = reportDir === null ? undefined : readDocument(path.join(reportDir, 'validation.json'));
    return {
      ...run,
      run_id: runId,
      tasks,
      snapshots,
      failed_expectations: failed,
      findings: document ? findingsOf(document.results) : null,
      report_html: reportDir === null ? null : path.join(reportDir, 'report.html'),
    };
  } finally {
    engine.close();
  }
}

function readDocument(file: string): ValidationDocument | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ValidationDocument) : undefined;
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
