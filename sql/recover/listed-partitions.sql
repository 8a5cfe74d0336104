-- Every partition the manifest lists: a partition folder outside it belongs to another history.
SELECT DISTINCT table_name, strftime(as_of, '%Y-%m-%d') AS as_of FROM wh.meta.snapshots;
