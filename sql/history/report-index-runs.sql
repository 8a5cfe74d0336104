-- Every run for reports/index.html, newest first, with its counts of failed warnings and errors and,
-- for a correction or a late month, what it did to history (schema 7; the typed empty row supplies the
-- column in a warehouse of an older schema).
SELECT run_id, command, month, strftime(as_of, '%Y-%m-%d') AS as_of, status, exit_code, started_at, report_path,
       CASE amendment->>'kind' WHEN 'correction' THEN 'correction v' || (amendment->>'version') WHEN 'late' THEN 'late month' END AS history,
       (SELECT count(*) FROM wh.meta.validation_results AS r WHERE r.run_id = runs.run_id AND NOT success AND severity = 'warn') AS warnings,
       (SELECT count(*) FROM wh.meta.validation_results AS r WHERE r.run_id = runs.run_id AND NOT success AND severity = 'error') AS failures
FROM (SELECT * FROM wh.meta.runs UNION ALL BY NAME SELECT NULL::JSON AS amendment WHERE false) AS runs
ORDER BY started_at DESC, run_id DESC;
