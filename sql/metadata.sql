-- Run metadata beside the live tables, in schema meta of the warehouse (attached as wh).
-- Shapes are versioned by meta.schema_info; add columns, never change their meaning.
CREATE SCHEMA IF NOT EXISTS wh.meta;

CREATE TABLE IF NOT EXISTS wh.meta.schema_info (
  key   VARCHAR NOT NULL,
  value VARCHAR NOT NULL
);

-- One row per run of ingest or validate, whatever its outcome.
CREATE TABLE IF NOT EXISTS wh.meta.runs (
  run_id        VARCHAR NOT NULL,
  command       VARCHAR NOT NULL,      -- ingest | validate
  month         VARCHAR NOT NULL,      -- folder name, e.g. month_001
  month_path    VARCHAR NOT NULL,
  as_of         DATE,
  started_at    TIMESTAMPTZ NOT NULL,
  ended_at      TIMESTAMPTZ NOT NULL,
  status        VARCHAR NOT NULL,      -- succeeded | unchanged | validated | rejected | refused | failed
  exit_code     INTEGER NOT NULL,
  input_files   JSON,                  -- [{table, file, sha256, bytes, rows}]
  table_counts  JSON,                  -- [{table, rows_in, inserted, updated, unchanged}]
  error         VARCHAR,
  report_path   VARCHAR
);
-- Schema 2: what produced the run (contract and release), so that a replay of byte-identical
-- inputs under the same pipeline can be proved a no-op without recomputing it. An ALTER,
-- so that a schema-1 warehouse gains the column in place.
ALTER TABLE wh.meta.runs ADD COLUMN IF NOT EXISTS pipeline_fingerprint VARCHAR;

-- The snapshot manifest: what a frozen partition must contain, byte for byte.
CREATE TABLE IF NOT EXISTS wh.meta.snapshots (
  table_name  VARCHAR NOT NULL,
  as_of       DATE NOT NULL,
  path        VARCHAR NOT NULL,        -- relative to the warehouse root
  rows        BIGINT NOT NULL,
  bytes       BIGINT NOT NULL,
  sha256      VARCHAR NOT NULL,
  run_id      VARCHAR NOT NULL
);

-- Every expectation's outcome per run: the validation history.
CREATE TABLE IF NOT EXISTS wh.meta.validation_results (
  run_id              VARCHAR NOT NULL,
  as_of               DATE,
  expectation_id      VARCHAR NOT NULL,
  table_name          VARCHAR NOT NULL,
  column_name         VARCHAR,
  expectation_type    VARCHAR NOT NULL,
  severity            VARCHAR NOT NULL,
  success             BOOLEAN NOT NULL,
  element_count       BIGINT,
  unexpected_count    BIGINT,
  unexpected_percent  DOUBLE,
  observed_value      JSON
);

-- Every row an expectation found unexpected (not just a sample), per run.
CREATE TABLE IF NOT EXISTS wh.meta.validation_failures (
  run_id          VARCHAR NOT NULL,
  expectation_id  VARCHAR NOT NULL,
  table_name      VARCHAR NOT NULL,
  column_name     VARCHAR,
  user_id         VARCHAR,
  line            BIGINT,
  value           VARCHAR
);

-- Each task of each run: state, attempts and timings (the orchestrator's view).
CREATE TABLE IF NOT EXISTS wh.meta.task_runs (
  run_id       VARCHAR NOT NULL,
  task         VARCHAR NOT NULL,       -- load | validate | plan | upsert | snapshot | record
  position     INTEGER NOT NULL,
  state        VARCHAR NOT NULL,       -- pending | running | completed | failed | retrying | skipped
  attempts     INTEGER NOT NULL,
  started_at   TIMESTAMPTZ,
  ended_at     TIMESTAMPTZ,
  duration_ms  DOUBLE,
  rows         BIGINT,
  error        VARCHAR
);
