-- Clears the metadata version before the new one is written (schema_info has no key to upsert on).
DELETE FROM wh.meta.schema_info WHERE key = 'schema_version';
