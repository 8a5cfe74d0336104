-- The live tables' columns (the audit columns included), in table order.
SELECT table_name, column_name, data_type
FROM duckdb_columns()
WHERE database_name = 'wh' AND schema_name = 'main'
ORDER BY table_name, column_index;
