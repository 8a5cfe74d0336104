-- One frozen partition version into the manifest, with the sha256 of its _manifest.json (schema 5),
-- its version and when it was recorded (the run's end, inside its write transaction), and a
-- correction's reason (schema 7).
INSERT INTO wh.meta.snapshots (table_name, as_of, path, rows, bytes, sha256, run_id, manifest_sha256, version, recorded_at, reason)
VALUES ($table_name, $as_of::DATE, $path, $rows, $bytes, $sha256, $run_id, $manifest_sha256, $version, $recorded_at::TIMESTAMPTZ, $reason);
