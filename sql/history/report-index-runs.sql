-- Every run for reports/index.html, newest first, with its counts of failed warnings and errors.
SELECT run_id, command, month, strftime(as_of, '%Y-%m-%d') AS as_of, status, exit_code, started_at, report_path,
       (SELECT count(*) FROM wh.meta.validation_results AS r WHERE r.run_id = runs.run_id AND NOT success AND severity = 'warn') AS warnings,
       (SELECT count(*) FROM wh.meta.validation_results AS r WHERE r.run_id = runs.run_id AND NOT success AND severity = 'error') AS failures
FROM wh.meta.runs AS runs
ORDER BY started_at DESC, run_id DESC;
