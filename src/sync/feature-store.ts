// The reference design's feature-store sources (a Feast PostgreSQL offline store reads
// them): name, the snapshot table it reads, and its columns. Three of them are exactly
// a `<table>_snapshots` table (same name, every column), so they are those tables; the
// profile picks columns from subscriptions_snapshots and is a view, which always agrees
// with the table under it and costs no second copy. Kept here, in one list, until the
// contract names its feature views.
import type { TableName } from '../contract/tables';

export interface FeatureSource {
  readonly name: string;
  readonly table: TableName;
  /** Columns besides user_id and as_of; undefined: every column of the table. */
  readonly columns?: readonly string[];
}

export const FEATURE_SOURCES: readonly FeatureSource[] = [
  {
    name: 'subscriptions_profile_snapshots',
    table: 'subscriptions',
    columns: ['months_active', 'monthly_fee', 'paperless_billing', 'plan_stream_tv', 'plan_stream_movies', 'net_service'],
  },
  { name: 'usage_agg_30d_snapshots', table: 'usage_agg_30d' },
  { name: 'payments_agg_90d_snapshots', table: 'payments_agg_90d' },
  { name: 'support_agg_90d_snapshots', table: 'support_agg_90d' },
];
