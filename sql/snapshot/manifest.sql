-- The manifest: every frozen partition, by table and date.
SELECT table_name, strftime(as_of, '%Y-%m-%d') AS as_of, path, rows, bytes, sha256, run_id
FROM wh.meta.snapshots
ORDER BY table_name, as_of;
