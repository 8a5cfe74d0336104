-- The partitions a run froze, each with its version, when it was recorded and a correction's
-- reason (schema 7). A warehouse of an older schema, which a reader opens without upgrading it,
-- lacks those columns: the typed empty row supplies them, read as version 1, recorded when its run ended.
SELECT s.* EXCLUDE (version, recorded_at, reason),
       coalesce(s.version, 1) AS version,
       strftime(coalesce(s.recorded_at, r.ended_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS recorded_at,
       s.reason
FROM (
  SELECT * FROM wh.meta.snapshots
  UNION ALL BY NAME
  SELECT NULL::INTEGER AS version, NULL::TIMESTAMPTZ AS recorded_at, NULL::VARCHAR AS reason WHERE false
) AS s
LEFT JOIN wh.meta.runs AS r USING (run_id)
WHERE s.run_id = $run_id
ORDER BY s.table_name;
