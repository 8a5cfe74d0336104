-- Every run for reports/index.html, newest first, with its counts of failed warnings and errors and,
-- for a correction or a late month, what it did to history (schema 7; the typed empty row supplies the
-- column in a warehouse of an older schema). The counts come from one grouped pass over the failed
-- results (a subquery per run cost ~4x as much on every run's index rewrite).
SELECT run_id, command, month, strftime(as_of, '%Y-%m-%d') AS as_of, status, exit_code, started_at, report_path,
       CASE amendment->>'kind' WHEN 'correction' THEN 'correction v' || (amendment->>'version') WHEN 'late' THEN 'late month' END AS history,
       coalesce(failed.warnings, 0) AS warnings, coalesce(failed.failures, 0) AS failures
FROM (SELECT * FROM wh.meta.runs UNION ALL BY NAME SELECT NULL::JSON AS amendment WHERE false) AS runs
LEFT JOIN (SELECT run_id, count(*) FILTER (WHERE severity = 'warn') AS warnings, count(*) FILTER (WHERE severity = 'error') AS failures
           FROM wh.meta.validation_results WHERE NOT success GROUP BY run_id) AS failed USING (run_id)
ORDER BY started_at DESC, run_id DESC;
