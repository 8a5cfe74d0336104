-- Run metadata beside the live tables, in schema meta of the warehouse (attached as wh).
-- Shapes are versioned by meta.schema_info; add columns, never change their meaning.
CREATE SCHEMA IF NOT EXISTS wh.meta;

CREATE TABLE IF NOT EXISTS wh.meta.schema_info (
  key   VARCHAR NOT NULL,                -- schema_version | warehouse_id (schema 5: the warehouse's identity)
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
-- Schema 6: the version of the project's ODCS contract the run read (NULL before).
ALTER TABLE wh.meta.runs ADD COLUMN IF NOT EXISTS contract_version VARCHAR;
-- Schema 6: true for a run restored by `rebuild` from its partitions' manifests, whose
-- timings and counts were not measured (started_at = ended_at, table_counts empty); NULL in
-- rows written before (history/runs.sql tells those apart by what they lack).
ALTER TABLE wh.meta.runs ADD COLUMN IF NOT EXISTS rebuilt BOOLEAN;

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

-- Schema 5: the hash of each partition's own _manifest.json, so `verify` names a manifest
-- that was edited or deleted (NULL for partitions frozen before schema 5: their manifest is
-- compared field by field with this row instead).
ALTER TABLE wh.meta.snapshots ADD COLUMN IF NOT EXISTS manifest_sha256 VARCHAR;

-- Schema 7: versions of an as_of (`ingest --correction`). A correction adds a version and
-- edits none; readers take the newest version recorded at or before their knowledge time
-- (`--known-at`). recorded_at is when the freezing run recorded it, inside its write
-- transaction; reason is the correction's. NULL in rows written before: version 1,
-- recorded when its run ended (snapshot/versions.ts reads them so).
ALTER TABLE wh.meta.snapshots ADD COLUMN IF NOT EXISTS version INTEGER;
ALTER TABLE wh.meta.snapshots ADD COLUMN IF NOT EXISTS recorded_at TIMESTAMPTZ;
ALTER TABLE wh.meta.snapshots ADD COLUMN IF NOT EXISTS reason VARCHAR;
-- Schema 7: who ran a run (the operating system's user name), and what a correction or a
-- late month did to history (artifacts.ts Amendment: kind, version, reason, the version
-- replaced, the newer as_of the live tables keep, the changes per table); NULL otherwise.
ALTER TABLE wh.meta.runs ADD COLUMN IF NOT EXISTS run_by VARCHAR;
ALTER TABLE wh.meta.runs ADD COLUMN IF NOT EXISTS amendment JSON;

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
  row_key         VARCHAR,          -- the row's key as text: a composite key's values joined by ', '
  line            BIGINT,
  value           VARCHAR
);
-- Schema 6: the key column is named for any contract (warehouses of schema 5 and before
-- keep their old key column, named for the one dataset of then, NULL in rows written since).
ALTER TABLE wh.meta.validation_failures ADD COLUMN IF NOT EXISTS row_key VARCHAR;

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

-- Schema 3: the month-over-month record. One row per column of each frozen month, from
-- the staged export, with its comparison to the previous frozen month (NULLs for the
-- first). Bins are fixed by the month itself, so the next month compares on them
-- without re-reading this month's snapshot. CREATE IF NOT EXISTS: a schema-2 warehouse
-- gains the tables in place (its earlier months have no metrics, and say so).
CREATE TABLE IF NOT EXISTS wh.meta.column_metrics (
  as_of              DATE NOT NULL,
  run_id             VARCHAR NOT NULL,
  table_name         VARCHAR NOT NULL,
  column_name        VARCHAR NOT NULL,
  column_type        VARCHAR NOT NULL,
  kind               VARCHAR NOT NULL,  -- key | numeric | categorical | date
  row_count          BIGINT NOT NULL,
  null_count         BIGINT NOT NULL,
  null_share         DOUBLE,
  distinct_count     BIGINT NOT NULL,   -- exact: count(DISTINCT)
  min_value          VARCHAR,
  max_value          VARCHAR,
  mean               DOUBLE,            -- booleans: the share of True
  std                DOUBLE,
  quantiles          DOUBLE[],          -- at 0.05, 0.25, 0.5, 0.75, 0.95, nearest rank (numeric)
  bin_edges          DOUBLE[],          -- upper edges of this month's bins: distinct deciles (numeric)
  bin_counts         BIGINT[],          -- non-null rows per bin: <= e1, (e1, e2], …, > ek
  categories         STRUCT("value" VARCHAR, "count" BIGINT)[],  -- categorical: every value, commonest first (at most 100)
  previous_as_of     DATE,              -- the frozen month compared with; NULL for the first
  previous_bin_counts BIGINT[],         -- this month's rows on the previous month's bins
  psi                DOUBLE,            -- population stability index against the previous month
  mean_ratio         DOUBLE,            -- mean now / mean then
  median_ratio       DOUBLE,
  null_share_change  DOUBLE,            -- points (fraction) against the previous month
  new_values         VARCHAR[]          -- categorical values the previous month did not hold
);
-- Schema 4: which figures of a row are estimates (quantiles and bin edges of numeric
-- columns of tables above 200,000 rows, validate/metrics.ts); empty when all are exact.
ALTER TABLE wh.meta.column_metrics ADD COLUMN IF NOT EXISTS estimated VARCHAR[];

-- One row per table of each frozen month: its size, and for users the key churn against
-- the live table it was merged into (users new to the warehouse, known users absent from
-- this export). The other tables must hold exactly this month's users (validated), so
-- their churn is the users': NULL there.
CREATE TABLE IF NOT EXISTS wh.meta.table_metrics (
  as_of               DATE NOT NULL,
  run_id              VARCHAR NOT NULL,
  table_name          VARCHAR NOT NULL,
  row_count           BIGINT NOT NULL,
  keys_added          BIGINT,
  keys_gone           BIGINT,
  previous_as_of      DATE,
  previous_row_count  BIGINT
);
