// PostgreSQL tables of the mirror, generated from the contract: the six live tables
// (primary key user_id, foreign keys to users), `<table>_snapshots` keyed by
// (user_id, as_of), the feature-store views, and streamflow_sync, the ledger of what
// was sent. Everything is CREATE … IF NOT EXISTS, so a sync creates only what is missing.
import { CONTRACT, type ColumnType, type TableSpec } from '../contract/tables';
import { quoteIdent } from '../engine/duckdb';
import { FEATURE_SOURCES, type FeatureSource } from './feature-store';

const POSTGRES_TYPES: Record<ColumnType, string> = {
  VARCHAR: 'TEXT',
  DATE: 'DATE',
  BOOLEAN: 'BOOLEAN',
  INTEGER: 'INTEGER',
  DOUBLE: 'DOUBLE PRECISION',
  'DECIMAL(10,2)': 'NUMERIC(10,2)',
  'DECIMAL(12,2)': 'NUMERIC(12,2)',
};

export const SYNC_LEDGER = 'streamflow_sync';

export function snapshotTableName(table: TableSpec): string {
  return `${table.name}_snapshots`;
}

/** A table name qualified by the mirror's schema. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

function columnDefinitions(table: TableSpec): string[] {
  return table.columns.map((column) => `${quoteIdent(column.name)} ${POSTGRES_TYPES[column.type]}${column.nullable ? '' : ' NOT NULL'}`);
}

function liveTableDdl(schema: string, table: TableSpec): string {
  const key = table.key.map(quoteIdent).join(', ');
  const parent = table.parent ? `, FOREIGN KEY (${key}) REFERENCES ${qualified(schema, table.parent)} (${key})` : '';
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, table.name)} (${columnDefinitions(table).join(', ')}, PRIMARY KEY (${key})${parent})`;
}

function snapshotTableDdl(schema: string, table: TableSpec): string {
  const key = [...table.key, 'as_of'].map(quoteIdent).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, snapshotTableName(table))} (${[...columnDefinitions(table), '"as_of" DATE NOT NULL'].join(', ')}, PRIMARY KEY (${key}))`;
}

function featureViewDdl(schema: string, source: FeatureSource): string | null {
  const table = CONTRACT.find((candidate) => candidate.name === source.table)!;
  if (source.name === snapshotTableName(table) && source.columns === undefined) return null; // the snapshot table itself
  const columns = ['user_id', 'as_of', ...(source.columns ?? table.columns.filter((column) => column.name !== 'user_id').map((column) => column.name))];
  return `CREATE OR REPLACE VIEW ${qualified(schema, source.name)} AS SELECT ${columns.map(quoteIdent).join(', ')} FROM ${qualified(schema, snapshotTableName(table))}`;
}

function ledgerDdl(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, SYNC_LEDGER)} (
    table_name TEXT NOT NULL,
    as_of DATE NOT NULL,
    rows BIGINT NOT NULL,
    checksum TEXT NOT NULL,
    run_id TEXT,
    synced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (table_name, as_of))`;
}

/** Every statement that makes the mirror's schema whole, parents before children. */
export function mirrorDdl(schema: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`,
    ...CONTRACT.map((table) => liveTableDdl(schema, table)),
    ...CONTRACT.map((table) => snapshotTableDdl(schema, table)),
    ...FEATURE_SOURCES.map((source) => featureViewDdl(schema, source)).filter((ddl): ddl is string => ddl !== null),
    ledgerDdl(schema),
  ];
}
