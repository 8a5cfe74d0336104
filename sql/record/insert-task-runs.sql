-- A run's tasks, each at its position in the flow, handed over as one JSON array (one
-- statement instead of one per task: a few milliseconds each on an exact replay's path).
INSERT INTO wh.meta.task_runs BY NAME
SELECT $run_id AS run_id, t.* REPLACE (t.started_at::TIMESTAMPTZ AS started_at, t.ended_at::TIMESTAMPTZ AS ended_at)
FROM (
  SELECT unnest(from_json($tasks::JSON, '[{"task":"VARCHAR","position":"INTEGER","state":"VARCHAR","attempts":"INTEGER",
                                          "started_at":"VARCHAR","ended_at":"VARCHAR","duration_ms":"DOUBLE","rows":"BIGINT",
                                          "error":"VARCHAR"}]'), recursive := true)
) AS t;
