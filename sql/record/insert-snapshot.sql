-- One frozen partition into the manifest.
INSERT INTO wh.meta.snapshots (table_name, as_of, path, rows, bytes, sha256, run_id)
VALUES ($table_name, $as_of::DATE, $path, $rows, $bytes, $sha256, $run_id);
