-- The manifest: every frozen partition, by table and date; $table and $as_of may be NULL (no filter).
SELECT table_name, strftime(as_of, '%Y-%m-%d') AS as_of, path, rows, bytes, sha256, run_id
FROM wh.meta.snapshots
WHERE ($table IS NULL OR table_name = $table) AND ($as_of IS NULL OR as_of = $as_of::DATE)
ORDER BY table_name, as_of;
