-- The partitions a run froze.
SELECT * FROM wh.meta.snapshots WHERE run_id = $run_id ORDER BY table_name;
