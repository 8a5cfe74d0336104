// Feature views: which snapshot columns a training set may carry, grouped as the reference
// design's Feast feature views are, each with the ttl beyond which a snapshot value is
// too old to stand for "now". Declared once here; `training-set` and its docs read them.
import { type TableName, tableSpec } from './tables';

export interface FeatureView {
  readonly name: string;
  /** The table whose snapshots the features are read from. */
  readonly table: TableName;
  /** The entity key joining a view to a training row (every table is keyed by user). */
  readonly entity: 'user_id';
  /** Columns of `table`, in output order. */
  readonly features: readonly string[];
  /** Oldest a snapshot may be, relative to the row's event_timestamp (`--ttl` overrides); null: no limit. */
  readonly ttl: string | null;
  /** In the training set when `--features` is not given. */
  readonly default: boolean;
}

/** Every column of a table but its key. */
function nonKeyColumns(table: TableName): string[] {
  const spec = tableSpec(table);
  return spec.columns.filter((column) => column.inExport && !spec.key.includes(column.name)).map((column) => column.name);
}

// ttl: a month-end snapshot is at most 31 days older than any moment before the next one,
// so 31 days keeps monthly data usable without reaching back over a missed month for a
// 30-day aggregate; 90-day aggregates and the subscription profile may be a quarter old.
// users (signup date, demographics) does not go stale.
const DECLARED: readonly FeatureView[] = [
  {
    name: 'subscriptions_profile',
    table: 'subscriptions',
    entity: 'user_id',
    features: ['months_active', 'monthly_fee', 'paperless_billing', 'plan_stream_tv', 'plan_stream_movies', 'net_service'],
    ttl: '90d',
    default: true,
  },
  { name: 'usage_agg_30d', table: 'usage_agg_30d', entity: 'user_id', features: nonKeyColumns('usage_agg_30d'), ttl: '31d', default: true },
  { name: 'payments_agg_90d', table: 'payments_agg_90d', entity: 'user_id', features: nonKeyColumns('payments_agg_90d'), ttl: '90d', default: true },
  { name: 'support_agg_90d', table: 'support_agg_90d', entity: 'user_id', features: nonKeyColumns('support_agg_90d'), ttl: '90d', default: true },
  { name: 'users', table: 'users', entity: 'user_id', features: nonKeyColumns('users'), ttl: null, default: false },
];

/** Checks each declaration against the table contract, so a renamed column fails at load, not in a join. */
function checked(views: readonly FeatureView[]): readonly FeatureView[] {
  for (const view of views) {
    const columns = new Set(tableSpec(view.table).columns.map((column) => column.name));
    const unknown = view.features.filter((feature) => !columns.has(feature) || feature === view.entity);
    if (unknown.length > 0) throw new Error(`feature view ${view.name}: ${unknown.join(', ')} not a feature column of table ${view.table}`);
  }
  return views;
}

export const FEATURE_VIEWS: readonly FeatureView[] = checked(DECLARED);

/**
 * The label every training row carries: a column of the labels table, and how far from a
 * row's event_timestamp its labels snapshot may be (`--label-ttl` overrides): a month-end
 * label stands for the month before it, so 31 days; beyond that the label is NULL (and
 * counted), as a feature past its view's ttl is.
 */
export const LABEL = { table: 'labels', column: 'churn_label', ttl: '31d' } as const satisfies { table: TableName; column: string; ttl: string };

export function featureView(name: string): FeatureView | undefined {
  return FEATURE_VIEWS.find((view) => view.name === name);
}
