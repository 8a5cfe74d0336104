-- Whether meta.runs holds the run already (one left unrecorded is recorded once).
SELECT 1 AS recorded FROM wh.meta.runs WHERE run_id = $run_id;
