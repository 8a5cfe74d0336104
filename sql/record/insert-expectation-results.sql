-- A run's expectation results, handed over as one JSON array of flat objects.
INSERT INTO wh.meta.validation_results BY NAME
SELECT $run_id AS run_id, $as_of::DATE AS as_of, r.*
FROM (
  SELECT unnest(from_json($results::JSON, '[{"expectation_id":"VARCHAR","table_name":"VARCHAR","column_name":"VARCHAR",
                                            "expectation_type":"VARCHAR","severity":"VARCHAR","success":"BOOLEAN",
                                            "element_count":"BIGINT","unexpected_count":"BIGINT","unexpected_percent":"DOUBLE",
                                            "observed_value":"JSON"}]'), recursive := true)
) AS r;
