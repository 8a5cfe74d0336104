// What a training set is asked for and what it reports, apart from how it is built (index.ts):
// the library API's declarations (api/) reach these without the engine's.
import type { TRAINING_SUMMARY_VERSION } from '../artifacts';

/** `training-set`'s flags, by the same names. */
export interface TrainingOptions {
  /** `view.column,view.*,…`; default: the default views. */
  readonly features?: string;
  /** Name feature columns view__column. */
  readonly fullNames?: boolean;
  /** Overrides every selected view's ttl, e.g. `10d`. */
  readonly ttl?: string;
  /** 1: the label of the next frozen month; default 0, the month of the features. */
  readonly labelHorizon?: number;
  /** How far the labels snapshot may be from the row, e.g. `60d`; default the project's label ttl. */
  readonly labelTtl?: string;
  /** Add <view>__as_of columns: the snapshot each value came from. */
  readonly withSourceAsOf?: boolean;
  /** Write (or return) a training set of no rows; without it that is an error (exit 1) naming why. */
  readonly allowEmpty?: boolean;
  /** Knowledge time (ISO 8601, as `--known-at` takes it): read each as_of's newest version recorded at or before it; default now. */
  readonly knownAt?: string;
}

/** A snapshot version a training set read: which version of which as_of, and when it became known. */
export interface VersionRead {
  readonly table_name: string;
  readonly as_of: string;
  readonly version: number;
  readonly recorded_at: string;
}

/** The versions a training set read, so that it can be told apart from one read after a correction, and rebuilt. */
export interface VersionsRead {
  /** --as-of: the label table's snapshot whose entities are the rows; null for an entity file. */
  readonly entities: VersionRead | null;
  /** Per feature view, every snapshot some row's values came from, by as_of. */
  readonly features: Record<string, VersionRead[]>;
  /** The labels snapshots the rows' labels came from, by as_of (none when the entity file carries them). */
  readonly label: VersionRead[];
}

export interface TrainingSummary {
  readonly schema_version: typeof TRAINING_SUMMARY_VERSION;
  readonly entities: string;
  /** Rows in the training set. */
  readonly rows: number;
  /** --as-of rows dropped because their label-horizon month is not frozen yet. */
  readonly labels_left_out: number;
  /** --entities rows kept with a NULL label (no labels snapshot for them, or only one beyond the label ttl). */
  readonly rows_without_label: number;
  /** Rows whose labels snapshot lay beyond the label ttl from their event_timestamp: label NULL (--as-of: left out). */
  readonly labels_past_ttl: number;
  /** --entities rows whose event_timestamp carried a zone or offset, converted to UTC (one without is UTC already). */
  readonly timestamps_converted_to_utc: number;
  /** `entities` (the file's own label column), `same_as_of` or `next_as_of`. */
  readonly label: 'entities' | 'same_as_of' | 'next_as_of';
  /** Per view: rows with no snapshot at or before the row within the ttl (all its features NULL). */
  readonly rows_missing_features: Record<string, number>;
  /** Oldest and newest snapshot as_of any feature value came from (null: none). */
  readonly source_as_of: { readonly min: string | null; readonly max: string | null };
  readonly columns: readonly string[];
  readonly out: string | null;
  /** The knowledge time read with (UTC, ISO 8601): --known-at, else the moment of reading; `--known-at` it again to rebuild the same set. */
  readonly known_at: string;
  readonly versions_read: VersionsRead;
}
