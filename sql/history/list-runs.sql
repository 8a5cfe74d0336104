-- `runs`: the matching runs, newest first, with their row counts summed from the recorded JSON.
-- $status, $month and $limit may be NULL (no filter, no limit); $all keeps the unchanged runs.
SELECT run_id, command, month, strftime(as_of, '%Y-%m-%d') AS as_of, status, exit_code,
       round(epoch(ended_at) * 1000 - epoch(started_at) * 1000)::BIGINT AS duration_ms,
       (SELECT sum(rows) FROM (SELECT unnest(from_json(input_files, '[{"rows":"BIGINT"}]'), recursive := true)))::BIGINT AS rows_in,
       coalesce((SELECT sum(inserted) FROM (SELECT unnest(from_json(table_counts, '[{"inserted":"BIGINT"}]'), recursive := true))), 0)::BIGINT AS rows_inserted,
       coalesce((SELECT sum(updated) FROM (SELECT unnest(from_json(table_counts, '[{"updated":"BIGINT"}]'), recursive := true))), 0)::BIGINT AS rows_updated,
       month_path
FROM wh.meta.runs
WHERE ($status IS NULL OR status = $status) AND ($month IS NULL OR month = $month OR month_path = $month)
  AND ($all OR status <> 'unchanged')
ORDER BY started_at DESC, run_id DESC
LIMIT $limit;
