-- One run by id; $run_id 'latest' names the newest run. A run restored by `rebuild` was not
-- measured: its ended_at and table_counts are NULL (`rebuilt` as in list-runs.sql).
SELECT * EXCLUDE (rebuilt) REPLACE (CASE WHEN rebuilt THEN NULL ELSE ended_at END AS ended_at,
                                    CASE WHEN rebuilt THEN NULL ELSE table_counts END AS table_counts),
       rebuilt
FROM (
  SELECT * REPLACE (coalesce(rebuilt, started_at = ended_at AND NOT EXISTS (SELECT 1 FROM wh.meta.task_runs AS t WHERE t.run_id = r.run_id)) AS rebuilt)
  FROM wh.meta.runs AS r
) AS runs
WHERE ($run_id = 'latest' AND run_id = (SELECT run_id FROM wh.meta.runs ORDER BY started_at DESC, run_id DESC LIMIT 1))
   OR run_id = $run_id;
