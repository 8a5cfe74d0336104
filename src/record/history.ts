// Run history for people and tools: `runs`, `runs show <id>`, `report [run_id|latest]`
// and reports/index.html.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ValidationDocument } from '../artifacts';
import type { Contract } from '../contract/contract';
import { type ResultColumn, sqlFile } from '../engine/duckdb';
import { InvocationError } from '../errors';
import { type Finding, findingsOf } from '../validate';
import { type MonthOverMonth, recordedMonthOverMonth } from '../validate/month-over-month';
import type { WarehouseLayout } from '../warehouse/layout';
import { openReader } from '../warehouse/reader';
import type { RunFilter } from './run-filter';

export interface RunListing {
  readonly runs: Record<string, unknown>[];
  /** Unchanged runs left out because `all` was not asked for. */
  readonly hidden_unchanged: number;
}

function runFilterParams(filter: RunFilter): { status: string | null; month: string | null; all: boolean } {
  return { status: filter.status ?? null, month: filter.month ?? null, all: filter.all === true || filter.status !== undefined };
}

export async function listRuns(layout: WarehouseLayout, filter: RunFilter = {}): Promise<RunListing> {
  const engine = await openReader(layout);
  try {
    const params = runFilterParams(filter);
    const runs = await engine.rows(sqlFile('history/list-runs'), { ...params, limit: filter.limit ?? null });
    const [{ hidden }] = await engine.rows<{ hidden: number }>(sqlFile('history/count-hidden-unchanged'), params);
    return { runs, hidden_unchanged: hidden };
  } finally {
    engine.close();
  }
}

/** The runs `listRuns` lists, as typed columns (for an Arrow table). */
export async function runColumns(layout: WarehouseLayout, filter: RunFilter = {}): Promise<ResultColumn[]> {
  const engine = await openReader(layout);
  try {
    return await engine.columns(sqlFile('history/list-runs'), { ...runFilterParams(filter), limit: filter.limit ?? null });
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
  /** The month against the previous frozen one, from the metrics its freezing run recorded; null for a run that froze none or compared with none, and for a rebuilt one. */
  readonly month_over_month: MonthOverMonth | null;
  /** Restored by `rebuild`: its timings and counts were not measured (ended_at and table_counts are null). */
  readonly rebuilt: boolean;
  /** Absolute path of the run's report.html. */
  readonly report_html: string | null;
}

/** One run's details; `latest` names the newest run. The contract names the entity table and the label of the month-over-month block. */
export async function showRun(layout: WarehouseLayout, contract: Contract, requested: string): Promise<RunDetails> {
  const engine = await openReader(layout);
  try {
    const [run] = await engine.rows(sqlFile('history/run'), { run_id: requested });
    if (!run) throw new InvocationError(`no run ${requested} (see \`streamflow runs\`)`);
    const runId = String(run.run_id);
    const tasks = await engine.rows(sqlFile('history/run-tasks'), { run_id: runId });
    const snapshots = await engine.rows(sqlFile('history/run-snapshots'), { run_id: runId });
    const failed = await engine.rows(sqlFile('history/run-failed-expectations'), { run_id: runId });
    const reportDir = run.report_path === null ? null : path.join(layout.root, String(run.report_path));
    const document = reportDir === null ? undefined : readDocument(path.join(reportDir, 'validation.json'));
    const asOf = run.as_of === null ? null : String(run.as_of).slice(0, 10);
    return {
      ...run,
      run_id: runId,
      rebuilt: run.rebuilt === true,
      tasks,
      snapshots,
      failed_expectations: failed,
      findings: document ? findingsOf(document.results) : null,
      month_over_month: await recordedMonthOverMonth(engine, contract, { run_id: runId, as_of: asOf, status: String(run.status) }),
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
    const [run] = await engine.rows<{ run_id: string; report_path: string | null }>(sqlFile('history/run-report'), { run_id: runId });
    if (!run) throw new InvocationError(runId === 'latest' ? `no run has written a report in ${layout.root}` : `no run ${runId} (see \`streamflow runs\`)`);
    if (!run.report_path) throw new InvocationError(`run ${run.run_id} wrote no report`);
    return path.join(layout.root, run.report_path, 'report.html');
  } finally {
    engine.close();
  }
}
