-- The runs that froze other months, with their input files: the same six files must not be frozen twice.
SELECT strftime(as_of, '%Y-%m-%d') AS as_of, month, input_files
FROM wh.meta.runs
WHERE list_contains(from_json($run_ids, '["VARCHAR"]'), run_id)
ORDER BY as_of;
