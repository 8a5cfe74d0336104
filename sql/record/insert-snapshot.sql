-- One frozen partition into the manifest, with the sha256 of its _manifest.json (schema 5).
INSERT INTO wh.meta.snapshots (table_name, as_of, path, rows, bytes, sha256, run_id, manifest_sha256)
VALUES ($table_name, $as_of::DATE, $path, $rows, $bytes, $sha256, $run_id, $manifest_sha256);
