-- The manifest as `verify` checks it: every frozen partition with the sha256 of its own
-- _manifest.json (manifest_sha256, schema 5; `*` so that a warehouse of an older schema,
-- which a reader opens without upgrading it, reads as well, without the column).
SELECT * EXCLUDE (as_of), strftime(as_of, '%Y-%m-%d') AS as_of
FROM wh.meta.snapshots
ORDER BY table_name, as_of;
