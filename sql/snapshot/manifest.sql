-- The manifest: every version of every frozen partition, by table, date and version. A
-- warehouse of a schema before 7, which a reader opens without upgrading it, has no version
-- columns: the typed empty row joined BY NAME supplies them as NULL, read as version 1,
-- recorded when its run ended (as every row written before schema 7 is).
SELECT s.table_name, strftime(s.as_of, '%Y-%m-%d') AS as_of, s.path, s.rows, s.bytes, s.sha256, s.run_id,
       coalesce(s.version, 1) AS version,
       strftime(coalesce(s.recorded_at, r.ended_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS recorded_at,
       s.reason
FROM (
  SELECT * FROM wh.meta.snapshots
  UNION ALL BY NAME
  SELECT NULL::INTEGER AS version, NULL::TIMESTAMPTZ AS recorded_at, NULL::VARCHAR AS reason WHERE false
) AS s
LEFT JOIN wh.meta.runs AS r USING (run_id)
ORDER BY s.table_name, s.as_of, version;
