// Feature views: which snapshot columns a training set (and `serve`) may carry, grouped
// as Feast's feature views are, each with the ttl beyond which a snapshot value is too
// old to stand for "now"; and the label every training row carries. Declared in the
// project file (project.ts) and checked against the contract's tables there.

export interface FeatureView {
  readonly name: string;
  /** The table whose snapshots the features are read from; its key is the contract's entity. */
  readonly table: string;
  /** Columns of `table`, in output order. */
  readonly features: readonly string[];
  /** Oldest a snapshot may be, relative to the row's event_timestamp (`--ttl` overrides); null: no limit. */
  readonly ttl: string | null;
  /** In the training set when `--features` is not given. */
  readonly default: boolean;
}

/**
 * The label: a column of a table keyed by the entity, and how far from a row's
 * event_timestamp its snapshot may be (`--label-ttl` overrides); beyond that the label
 * is NULL (and counted), as a feature past its view's ttl is.
 */
export interface LabelSpec {
  readonly table: string;
  readonly column: string;
  readonly ttl: string;
}
