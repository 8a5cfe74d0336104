// Run history for people and tools: `runs` and `runs show <id>`.
import { InvocationError } from '../errors';
import { openReader } from '../query';
import type { WarehouseLayout } from '../warehouse/layout';

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
