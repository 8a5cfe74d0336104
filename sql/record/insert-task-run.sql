-- One task of a run, at its position in the flow.
INSERT INTO wh.meta.task_runs (run_id, task, position, state, attempts, started_at, ended_at, duration_ms, rows, error)
VALUES ($run_id, $task, $position, $state, $attempts, $started_at::TIMESTAMPTZ, $ended_at::TIMESTAMPTZ, $duration_ms, $rows, $error);
