-- A run's failed expectations, errors and warnings alike.
SELECT expectation_id, table_name, column_name, severity, unexpected_count, unexpected_percent
FROM wh.meta.validation_results WHERE run_id = $run_id AND NOT success ORDER BY expectation_id;
