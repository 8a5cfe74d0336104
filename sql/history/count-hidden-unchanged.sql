-- How many matching runs `runs` left out because they changed nothing and $all was not asked.
SELECT count(*) FILTER (WHERE NOT $all AND status = 'unchanged') AS hidden
FROM wh.meta.runs
WHERE ($status IS NULL OR status = $status) AND ($month IS NULL OR month = $month OR month_path = $month);
