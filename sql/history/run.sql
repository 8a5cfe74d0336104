-- One run by id; $run_id 'latest' names the newest run.
SELECT * FROM wh.meta.runs
WHERE ($run_id = 'latest' AND run_id = (SELECT run_id FROM wh.meta.runs ORDER BY started_at DESC, run_id DESC LIMIT 1))
   OR run_id = $run_id;
