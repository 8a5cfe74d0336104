// What streamflow writes for other tools to read, and the version of each shape, in one
// place (as dbt keeps its artifact schemas): a shape changes only with its version here.
// Imports the contract only (an expectation result carries its expectation's config).
import type { CheckConfig, Severity } from './contract/expectations';

/** `--json` of ingest, validate, backfill and every command without a version of its own (2.0: snake_case keys, errors as {kind, message, exit_code}, findings; 2.2: versions of an as_of and a run's amendment). */
export const RUN_SUMMARY_VERSION = '2.2';
/** `--json` of rebuild, sync, sync --verify, report and training-set. */
export const REBUILD_SUMMARY_VERSION = '1.1'; // 1.1: warehouse_id, missing_partitions
export const SYNC_SUMMARY_VERSION = '1.1'; // 1.1: each written entry's version
export const SYNC_VERIFY_VERSION = '1.1'; // 1.1: each finding's version
export const REPORT_PATH_VERSION = '1.0';
export const TRAINING_SUMMARY_VERSION = '1.2'; // 1.2: known_at, versions_read
/** reports/<run_id>/validation.json. */
export const VALIDATION_DOCUMENT_VERSION = '1.1';
/** snapshots/<table>/as_of=<date>/_manifest.json (2: the freezing warehouse's identity, `warehouse_id`; 3: contract_version; 4: version, recorded_at, reason, run_by). */
export const PARTITION_MANIFEST_VERSION = '4';
/** The warehouse database's own tables (meta.schema_info). */
export const WAREHOUSE_SCHEMA_VERSION = '7'; // 7: versions of an as_of (meta.snapshots.version, recorded_at, reason)

export const TASK_STATES = ['pending', 'running', 'completed', 'failed', 'retrying', 'skipped'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** One task of a flow run (meta.task_runs, the `tasks` of a run summary). */
export interface TaskRun {
  readonly task: string;
  state: TaskState;
  attempts: number;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  /** Rows the task handled, when it has a natural count. */
  rows: number | null;
  error: string | null;
}

export type RunStatus = 'succeeded' | 'unchanged' | 'validated' | 'rejected' | 'refused' | 'failed';

/** One input file of a month as loaded (meta.runs.input_files, validation.json, the partition manifest). */
export interface LoadedTable {
  readonly table: string;
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly rows: number;
}

/** What upsert did to one live table (meta.runs.table_counts, the run summary). */
export interface TableChanges {
  readonly table: string;
  readonly rows_in: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
}

/** One frozen partition (meta.snapshots). */
export interface SnapshotEntry {
  readonly table_name: string;
  readonly as_of: string;
  /** Relative to the warehouse root. */
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly run_id: string;
  /** 1 for an as_of's first freeze; each `ingest --correction` of it adds the next. */
  readonly version: number;
}

/** A manifest row as readers take it: when the version became known, and why it was made. */
export interface SnapshotVersion extends SnapshotEntry {
  /** When the freezing run recorded it (UTC, ISO 8601 with milliseconds): what `--known-at` compares with. */
  readonly recorded_at: string;
  /** A correction's reason; null for a first freeze. */
  readonly reason: string | null;
}

/** What a month would freeze for a table against what is frozen for its as_of: a correction's changes, a replay's refusal. */
export interface TableDifference {
  readonly table: string;
  /** Keys whose row differs, is new, or is gone: changed + only_new + only_frozen. */
  readonly keys: number;
  /** Keys in both whose values differ. */
  readonly changed: number;
  /** Keys the month freezes that the frozen version lacks (rows added). */
  readonly only_new: number;
  /** Keys of the frozen version the month does not freeze (rows removed). */
  readonly only_frozen: number;
  /** Keys the month and the frozen version share (equal or not). */
  readonly shared: number;
  /** The first differing keys (at most 20), sorted. */
  readonly sample_keys: readonly string[];
  /** Per column that differs in some shared key, in how many; contract order. */
  readonly columns: readonly { readonly column: string; readonly rows: number }[];
}

/**
 * What a run did to history besides freezing a newest month (meta.runs.amendment, the run
 * summary): a correction, which adds a version of a frozen as_of, or a late month, an
 * as_of older than the newest frozen one frozen for the first time.
 */
export interface Amendment {
  readonly kind: 'correction' | 'late';
  /** The version it froze (1 for a late month). */
  readonly version: number;
  /** The correction's reason (`--correction`); null for a late month. */
  readonly reason: string | null;
  /** The version a correction supersedes; null for a late month. */
  readonly replaces_version: number | null;
  /** The newer frozen as_of whose state the live tables keep; null when they took this month (a correction of the newest as_of). */
  readonly live_kept_for: string | null;
  /** A correction's changes against the version it replaces, per table that changed. */
  readonly differences: readonly TableDifference[];
}

/** A row of meta.snapshots as recorded: the partition and the sha256 of its `_manifest.json` (null: frozen before schema 5). */
export interface RecordedSnapshot extends SnapshotEntry {
  readonly manifest_sha256: string | null;
}

/** What the freezing run knew, kept beside each partition for `rebuild`. */
export interface FreezingRun {
  readonly month: string;
  readonly month_path: string;
  readonly pipeline_fingerprint: string;
  readonly input_files: readonly LoadedTable[];
  /** The version of the ODCS contract the partition was frozen under (manifest version 3; absent before, null for a rebuilt run that did not know it). */
  readonly contract_version?: string | null;
}

export interface PartitionManifest extends SnapshotEntry, FreezingRun {
  readonly schema_version: string;
  /** When the freezing run recorded this version (version 4; absent before: version 1, recorded when its run ended). */
  readonly recorded_at?: string;
  /** A correction's reason (version 4); null for a first freeze. */
  readonly reason?: string | null;
  /** Who ran the freezing run (version 4); null when unknown. */
  readonly run_by?: string | null;
  /**
   * The identity of the warehouse that froze the partition (meta.schema_info); absent from
   * version-1 manifests, written before warehouses had identities.
   */
  readonly warehouse_id?: string;
}

/** Where an unexpected value is: its CSV line and its row's key, one entry per key column (GE's unexpected_index_column_names). */
export type UnexpectedIndex = { readonly line: number } & { readonly [keyColumn: string]: string | number | null };

/** One expectation's outcome, shaped as a Great Expectations validation result. */
export interface ExpectationResult {
  readonly expectation_config: CheckConfig & { readonly id: string };
  readonly success: boolean;
  readonly result: {
    readonly element_count: number;
    readonly missing_count: number;
    readonly unexpected_count: number;
    readonly unexpected_percent: number;
    readonly partial_unexpected_list: readonly (string | null)[];
    readonly partial_unexpected_index_list: readonly UnexpectedIndex[];
    readonly observed_value?: unknown;
  };
  readonly meta: { readonly table: string; readonly column?: string; readonly severity: Severity };
}

/** reports/<run_id>/validation.json. */
export interface ValidationDocument {
  readonly schema_version: string;
  readonly success: boolean;
  readonly statistics: {
    readonly evaluated_expectations: number;
    readonly successful_expectations: number;
    readonly unsuccessful_expectations: number;
    readonly success_percent: number;
    readonly warnings: number;
  };
  readonly results: readonly ExpectationResult[];
  readonly meta: {
    readonly run_id: string;
    readonly month: string;
    readonly as_of: string | null;
    /** `validate` reports are recorded in no database (warehouse/recover.ts tells them apart). */
    readonly command?: 'ingest' | 'validate';
    readonly validation_time: string;
    readonly tables: readonly LoadedTable[];
    /**
     * Set when this run reused an earlier run's results instead of running the suites:
     * that run had byte-identical inputs under the same pipeline (flow/replay.ts).
     */
    readonly reused_from_run?: string;
  };
}

/** One row of meta.runs. */
export interface RunRecord {
  readonly run_id: string;
  readonly command: 'ingest' | 'validate';
  readonly month: string;
  readonly month_path: string;
  readonly as_of: string | null;
  readonly started_at: string;
  readonly ended_at: string;
  readonly status: RunStatus;
  readonly exit_code: number;
  readonly input_files: readonly LoadedTable[];
  readonly table_counts: readonly TableChanges[];
  readonly error: string | null;
  readonly report_path: string | null;
  /** What produced the run: see flow/replay.ts. */
  readonly pipeline_fingerprint: string;
  /** The version of the ODCS contract the run read (its `version`); null for runs recorded before contracts had one. */
  readonly contract_version: string | null;
  /** Restored by `rebuild` from its partitions' manifests: its timings and counts were not measured (false or absent: recorded by the run itself). */
  readonly rebuilt?: boolean;
  /** Who ran it (the operating system's user name); null when unknown (absent: recorded before schema 7). */
  readonly run_by?: string | null;
  /** A correction or a late month (schema 7); null otherwise. */
  readonly amendment?: Amendment | null;
}
