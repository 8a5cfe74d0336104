-- Every run the database committed: a staged run it lists is rolled forward, any other rolled back.
SELECT run_id FROM wh.meta.runs;
