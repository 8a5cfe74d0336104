-- The metadata version a warehouse holds.
INSERT INTO wh.meta.schema_info (key, value) VALUES ('schema_version', $version);
