-- The metadata version of the attached warehouse.
SELECT value FROM wh.meta.schema_info WHERE key = 'schema_version';
