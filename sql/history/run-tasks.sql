-- A run's tasks in flow order.
SELECT task, state, attempts, started_at, ended_at, duration_ms, rows, error
FROM wh.meta.task_runs WHERE run_id = $run_id ORDER BY position;
