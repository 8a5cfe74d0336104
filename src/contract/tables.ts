// The contract: the single source of truth for the six tables. load reads the column
// lists and types, validate the expectation suites, upsert the key, snapshot the
// column order. Change a table here and every stage follows.
import type { ColumnSpec, ColumnType } from './columns';
import type { ExpectationConfig } from './expectations';
import { commonSuite, domainRules, monthOverMonthSuite } from './suites';

export interface TableSpec {
  readonly name: TableName;
  readonly file: string;
  readonly key: readonly string[];
  /** Every key value must exist in this table (users is the parent of all others). */
  readonly parent?: TableName;
  readonly columns: readonly ColumnSpec[];
  readonly expectations: readonly ExpectationConfig[];
}

export const TABLE_NAMES = ['users', 'subscriptions', 'usage_agg_30d', 'payments_agg_90d', 'support_agg_90d', 'labels'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

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

export const CONTRACT: readonly TableSpec[] = TABLE_NAMES.map((name) => {
  const parent: TableName | undefined = name === 'users' ? undefined : 'users';
  const exported = columnsByTable[name].filter((column) => column.inExport);
  return {
    name,
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

export function tableSpec(name: TableName): TableSpec {
  const spec = CONTRACT.find((table) => table.name === name);
  if (!spec) throw new Error(`unknown table ${name}`);
  return spec;
}

export function exportColumns(table: TableSpec): ColumnSpec[] {
  return table.columns.filter((column) => column.inExport);
}
