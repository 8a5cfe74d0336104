-- `runs`: the matching runs, newest first, with their row counts summed from the recorded JSON.
-- $status, $month and $limit may be NULL (no filter, no limit); $all keeps the unchanged runs.
-- A run restored by `rebuild` was not measured: its duration and upsert counts are NULL (rows_in,
-- from its manifests, stays). `rebuilt` is NULL in rows of releases before the column: such a
-- run is told by what rebuild left (started_at = ended_at, no task recorded). amendment: a correction
-- or a late month (schema 7; NULL otherwise).
SELECT run_id, command, month, strftime(as_of, '%Y-%m-%d') AS as_of, status, exit_code,
       CASE WHEN NOT rebuilt THEN round(epoch(ended_at) * 1000 - epoch(started_at) * 1000)::BIGINT END AS duration_ms,
       (SELECT sum(rows) FROM (SELECT unnest(from_json(input_files, '[{"rows":"BIGINT"}]'), recursive := true)))::BIGINT AS rows_in,
       CASE WHEN NOT rebuilt THEN coalesce((SELECT sum(inserted) FROM (SELECT unnest(from_json(table_counts, '[{"inserted":"BIGINT"}]'), recursive := true))), 0)::BIGINT END AS rows_inserted,
       CASE WHEN NOT rebuilt THEN coalesce((SELECT sum(updated) FROM (SELECT unnest(from_json(table_counts, '[{"updated":"BIGINT"}]'), recursive := true))), 0)::BIGINT END AS rows_updated,
       month_path, rebuilt, amendment
FROM (
  SELECT * REPLACE (coalesce(rebuilt, started_at = ended_at AND NOT EXISTS (SELECT 1 FROM wh.meta.task_runs AS t WHERE t.run_id = r.run_id)) AS rebuilt)
  -- A warehouse of a schema before 7, which a reader opens without upgrading it, lacks the column: the typed empty row supplies it.
  FROM (SELECT * FROM wh.meta.runs UNION ALL BY NAME SELECT NULL::JSON AS amendment WHERE false) AS r
) AS runs
WHERE ($status IS NULL OR status = $status) AND ($month IS NULL OR month = $month OR month_path = $month)
  AND ($all OR status <> 'unchanged')
ORDER BY started_at DESC, run_id DESC
LIMIT $limit;
