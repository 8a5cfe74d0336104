-- Where a run's report is; $run_id 'latest' names the newest run that wrote one.
SELECT run_id, report_path FROM wh.meta.runs
WHERE ($run_id = 'latest' AND run_id = (SELECT run_id FROM wh.meta.runs WHERE report_path IS NOT NULL ORDER BY started_at DESC, run_id DESC LIMIT 1))
   OR run_id = $run_id;
