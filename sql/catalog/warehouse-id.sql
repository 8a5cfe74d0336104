-- The identity of the attached warehouse (schema 5).
SELECT value FROM wh.meta.schema_info WHERE key = 'warehouse_id';
