-- Whether the attached warehouse has metadata at all (a new or pre-metadata file has none).
SELECT 1 FROM duckdb_tables() WHERE database_name = 'wh' AND schema_name = 'meta' AND table_name = 'schema_info';
