// TEMPORARY: today's churn contract as TypeScript, until the project file and its ODCS
// contract replace it (issue 22). Deleted with that change.
import type { ColumnSpec, ColumnType } from './columns';
import type { Contract } from './contract';
import type { FeatureView } from './features';
import { commonSuite, domainRules, monthOverMonthSuite } from './suites';
import type { TableSpec } from './tables';

const TABLE_NAMES = ['users', 'subscriptions', 'usage_agg_30d', 'payments_agg_90d', 'support_agg_90d', 'labels'] as const;
type TableName = (typeof TABLE_NAMES)[number];

type ColumnTuple = readonly [name: string, type: ColumnType, description: string, options?: { nullable?: boolean; inExport?: boolean }];

function columns(...tuples: ColumnTuple[]): ColumnSpec[] {
  return tuples.map(([name, type, description, options]) => ({
    name,
    type,
    description,
    nullable: options?.nullable ?? false,
    inExport: options?.inExport ?? true,
  }));
}

const userId: ColumnTuple = ['user_id', 'VARCHAR', 'customer id, e.g. 7590-VHVEG'];
const absentAddOn = { nullable: true, inExport: false } as const;

const columnsByTable: Record<TableName, ColumnSpec[]> = {
  users: columns(
    userId,
    ['signup_date', 'DATE', 'day the account was created'],
    ['user_gender', 'VARCHAR', 'Female or Male'],
    ['user_is_senior', 'BOOLEAN', 'senior citizen'],
    ['has_family', 'BOOLEAN', 'has a partner'],
    ['has_dependents', 'BOOLEAN', 'has dependents'],
  ),
  subscriptions: columns(
    userId,
    ['months_active', 'INTEGER', 'tenure in months'],
    ['plan_stream_tv', 'BOOLEAN', 'streams TV; NULL exactly when net_service = No', { nullable: true }],
    ['plan_stream_movies', 'BOOLEAN', 'streams movies; NULL exactly when net_service = No', { nullable: true }],
    ['contract_type', 'VARCHAR', 'Month-to-month, One year or Two year'],
    ['paperless_billing', 'BOOLEAN', 'paperless billing'],
    ['monthly_fee', 'DECIMAL(10,2)', 'current monthly charge, exact to the cent'],
    ['total_paid', 'DECIMAL(12,2)', 'lifetime charges, exact to the cent'],
    ['net_service', 'VARCHAR', 'internet service: DSL, Fiber optic or No'],
    ['add_on_security', 'BOOLEAN', "not in today's exports", absentAddOn],
    ['add_on_backup', 'BOOLEAN', "not in today's exports", absentAddOn],
    ['add_on_device_protect', 'BOOLEAN', "not in today's exports", absentAddOn],
    ['add_on_support', 'BOOLEAN', "not in today's exports", absentAddOn],
  ),
  usage_agg_30d: columns(
    userId,
    ['watch_hours_30d', 'DOUBLE', 'hours watched in the last 30 days'],
    ['avg_session_mins_7d', 'DOUBLE', 'mean session length over the last 7 days, minutes'],
    ['unique_devices_30d', 'INTEGER', 'distinct devices in the last 30 days'],
    ['skips_7d', 'INTEGER', 'skips in the last 7 days'],
    ['rebuffer_events_7d', 'INTEGER', 'rebuffering events in the last 7 days'],
  ),
  payments_agg_90d: columns(userId, ['failed_payments_90d', 'INTEGER', 'failed payments in the last 90 days']),
  support_agg_90d: columns(
    userId,
    ['support_tickets_90d', 'INTEGER', 'tickets opened in the last 90 days'],
    ['ticket_avg_resolution_hrs_90d', 'DOUBLE', 'mean hours to resolve a ticket, last 90 days'],
  ),
  labels: columns(userId, ['churn_label', 'BOOLEAN', 'churned; never NULL']),
};

const TABLES: readonly TableSpec[] = TABLE_NAMES.map((name) => {
  const parent: TableName | undefined = name === 'users' ? undefined : 'users';
  const exported = columnsByTable[name].filter((column) => column.inExport);
  return {
    name,
    description: '',
    file: `${name}.csv`,
    key: ['user_id'],
    parent,
    columns: columnsByTable[name],
    expectations: [
      ...commonSuite({ table: name, columns: exported, parent }),
      ...domainRules[name],
      ...monthOverMonthSuite({ table: name, columns: exported }),
    ],
  };
});

function nonKeyColumns(table: TableName): string[] {
  const spec = TABLES.find((candidate) => candidate.name === table)!;
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
    features: ['months_active', 'monthly_fee', 'paperless_billing', 'plan_stream_tv', 'plan_stream_movies', 'net_service'],
    ttl: '90d',
    default: true,
  },
  { name: 'usage_agg_30d', table: 'usage_agg_30d', features: nonKeyColumns('usage_agg_30d'), ttl: '31d', default: true },
  { name: 'payments_agg_90d', table: 'payments_agg_90d', features: nonKeyColumns('payments_agg_90d'), ttl: '90d', default: true },
  { name: 'support_agg_90d', table: 'support_agg_90d', features: nonKeyColumns('support_agg_90d'), ttl: '90d', default: true },
  { name: 'users', table: 'users', features: nonKeyColumns('users'), ttl: null, default: false },
];

export const LEGACY_CONTRACT: Contract = {
  id: 'churn',
  name: 'churn',
  version: '1.0.0',
  tables: TABLES,
  entity: ['user_id'],
  featureViews: DECLARED,
  label: { table: 'labels', column: 'churn_label', ttl: '31d' },
};
