// PostgreSQL tables of the mirror, generated from the contract: the live tables
// (primary key the table's key, a foreign key to its parent), `<table>_snapshots` keyed
// by (key, as_of), the newest version of each as_of, `<table>_snapshot_versions` keyed
// by (key, as_of, version), every version (a correction adds one, never edits one), the
// feature-store views, streamflow_sync, the ledger of what was sent, and streamflow_sync_changes, where triggers note every change made to the
// mirrored tables by anything but a sync, so the next sync re-checks exactly those
// instead of re-reading everything. Each object is created only when missing, and
// marked (src/sync/ownership.ts) with the warehouse it mirrors when it is.
import { type ColumnType, decimalShape } from '../contract/columns';
import { type Contract, tableOf } from '../contract/contract';
import type { TableSpec } from '../contract/tables';
import { quoteIdent, quoteLiteral } from '../engine/duckdb';
import { RefusedError } from '../errors';
import { type FeatureSource, featureSources } from './feature-store';

/** The PostgreSQL type holding exactly the values of a DuckDB type. */
function postgresType(type: ColumnType): string {
  const decimal = decimalShape(type);
  if (decimal) return `NUMERIC(${decimal.precision},${decimal.scale})`;
  return { VARCHAR: 'TEXT', DOUBLE: 'DOUBLE PRECISION' }[type as string] ?? type;
}

export const SYNC_LEDGER = 'streamflow_sync';
export const CHANGE_LOG = 'streamflow_sync_changes';
/** Set (transaction-local) by a sync, so the triggers let its own writes pass unnoted. */
export const SYNCING_SETTING = 'streamflow.syncing';
const NOTE_CHANGE = 'streamflow_note_change';

export function snapshotTableName(table: TableSpec): string {
  return `${table.name}_snapshots`;
}

/** `<table>_snapshot_versions`: every version of every as_of, with its version and when it was recorded. */
export function versionsTableName(table: TableSpec): string {
  return `${table.name}_snapshot_versions`;
}

/** The history table's columns after the table's own and as_of. */
export const VERSION_COLUMNS = ['version', 'recorded_at'] as const;

/** A table name qualified by the mirror's schema. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

function columnDefinitions(table: TableSpec): string[] {
  return table.columns.map((column) => `${quoteIdent(column.name)} ${postgresType(column.type)}${column.nullable ? '' : ' NOT NULL'}`);
}

/** A relation or function of the mirror: its name in the schema, its kind, its columns (relations), and the statements that create it. */
export interface MirrorObject {
  readonly name: string;
  readonly kind: 'table' | 'view' | 'function';
  readonly columns: readonly string[];
  readonly ddl: readonly string[];
}

function liveTable(schema: string, contract: Contract, table: TableSpec): MirrorObject {
  const key = table.key.map(quoteIdent).join(', ');
  const parentKey = table.parent === undefined ? [] : tableOf(contract, table.parent).key;
  const parent = table.parent ? `, FOREIGN KEY (${key}) REFERENCES ${qualified(schema, table.parent)} (${parentKey.map(quoteIdent).join(', ')})` : '';
  return {
    name: table.name,
    kind: 'table',
    columns: table.columns.map((column) => column.name),
    ddl: [`CREATE TABLE ${qualified(schema, table.name)} (${columnDefinitions(table).join(', ')}, PRIMARY KEY (${key})${parent})`],
  };
}

function snapshotTable(schema: string, table: TableSpec): MirrorObject {
  const key = [...table.key, 'as_of'].map(quoteIdent).join(', ');
  return {
    name: snapshotTableName(table),
    kind: 'table',
    columns: [...table.columns.map((column) => column.name), 'as_of'],
    ddl: [
      `CREATE TABLE ${qualified(schema, snapshotTableName(table))} (${[...columnDefinitions(table), '"as_of" DATE NOT NULL'].join(', ')}, PRIMARY KEY (${key}))`,
    ],
  };
}

function versionsTable(schema: string, table: TableSpec): MirrorObject {
  const key = [...table.key, 'as_of', 'version'].map(quoteIdent).join(', ');
  return {
    name: versionsTableName(table),
    kind: 'table',
    columns: [...table.columns.map((column) => column.name), 'as_of', ...VERSION_COLUMNS],
    ddl: [
      `CREATE TABLE ${qualified(schema, versionsTableName(table))} (${[...columnDefinitions(table), '"as_of" DATE NOT NULL', '"version" INTEGER NOT NULL', '"recorded_at" TIMESTAMPTZ NOT NULL'].join(', ')}, PRIMARY KEY (${key}))`,
    ],
  };
}

function featureView(schema: string, source: FeatureSource): MirrorObject {
  const columns = [...source.table.key, 'as_of', ...source.columns];
  return {
    name: source.name,
    kind: 'view',
    columns,
    ddl: [
      `CREATE VIEW ${qualified(schema, source.name)} AS SELECT ${columns.map(quoteIdent).join(', ')} FROM ${qualified(schema, snapshotTableName(source.table))}`,
    ],
  };
}

/** The ledger's columns as the release before warehouse identities made it (no warehouse_id). */
export const LEGACY_LEDGER_COLUMNS = ['table_name', 'as_of', 'rows', 'checksum', 'run_id', 'synced_at', 'source_sha256'] as const;

function ledger(schema: string): MirrorObject {
  return {
    name: SYNC_LEDGER,
    kind: 'table',
    columns: [...LEGACY_LEDGER_COLUMNS, 'warehouse_id', 'version'],
    ddl: [
      `CREATE TABLE ${qualified(schema, SYNC_LEDGER)} (
    table_name TEXT NOT NULL,
    as_of DATE NOT NULL,
    rows BIGINT NOT NULL,
    checksum TEXT NOT NULL,
    run_id TEXT,
    synced_at TIMESTAMPTZ NOT NULL,
    source_sha256 TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (table_name, as_of, version))`,
    ],
  };
}

/**
 * Adds `version` to a ledger made before versions (every row it holds is of version 1, the
 * only one there was), and makes it part of the key: `<table>_snapshot_versions` has a
 * row per version of an as_of. `primaryKey` is the name of the ledger's primary key constraint (undefined: it has none).
 */
export function ledgerVersionDdl(schema: string, primaryKey: string | undefined): string[] {
  const ledgerTable = qualified(schema, SYNC_LEDGER);
  return [
    `ALTER TABLE ${ledgerTable} ADD COLUMN version INTEGER NOT NULL DEFAULT 1`,
    `ALTER TABLE ${ledgerTable} ALTER COLUMN version DROP DEFAULT`,
    `ALTER TABLE ${ledgerTable} ${primaryKey === undefined ? '' : `DROP CONSTRAINT ${quoteIdent(primaryKey)}, `}ADD PRIMARY KEY (table_name, as_of, version)`,
  ];
}

/** Adds the warehouse's identity to a ledger made by the release before identities: every row it holds is the claiming warehouse's. */
export function ledgerIdentityDdl(schema: string, warehouseId: string): string[] {
  return [
    `ALTER TABLE ${qualified(schema, SYNC_LEDGER)} ADD COLUMN warehouse_id TEXT NOT NULL DEFAULT ${quoteLiteral(warehouseId)}`,
    `ALTER TABLE ${qualified(schema, SYNC_LEDGER)} ALTER COLUMN warehouse_id DROP DEFAULT`,
  ];
}

/**
 * Notes which partitions a statement touched: as_of values for updates and deletes of
 * snapshot rows (from the transition tables), the whole table (as_of NULL) for inserts,
 * truncates and any change to a live table. Statement-level, and without transition
 * tables on INSERT, so the sync's bulk COPY costs nothing extra.
 */
function changeLog(schema: string): MirrorObject[] {
  const log = qualified(schema, CHANGE_LOG);
  return [
    { name: CHANGE_LOG, kind: 'table', columns: ['table_name', 'as_of'], ddl: [`CREATE TABLE ${log} (table_name TEXT NOT NULL, as_of DATE)`] },
    {
      name: NOTE_CHANGE,
      kind: 'function',
      columns: [],
      ddl: [
        `CREATE FUNCTION ${qualified(schema, NOTE_CHANGE)}() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF coalesce(current_setting('${SYNCING_SETTING}', true), '') = 'on' THEN RETURN NULL; END IF;
       IF TG_OP IN ('INSERT', 'TRUNCATE') OR TG_ARGV[0] = 'live' THEN
         INSERT INTO ${log} (table_name, as_of) VALUES (TG_TABLE_NAME, NULL);
       ELSIF TG_OP = 'DELETE' THEN
         INSERT INTO ${log} (table_name, as_of) SELECT DISTINCT TG_TABLE_NAME, as_of FROM old_rows;
       ELSE
         INSERT INTO ${log} (table_name, as_of) SELECT TG_TABLE_NAME, as_of FROM old_rows UNION SELECT TG_TABLE_NAME, as_of FROM new_rows;
       END IF;
       RETURN NULL;
     END $$`,
      ],
    },
  ];
}

/** Trigger name → its definition, per mirrored table; created when pg_trigger lacks the name. */
export function changeTriggers(schema: string, contract: Contract): { table: string; name: string; ddl: string }[] {
  const note = qualified(schema, NOTE_CHANGE);
  return contract.tables.flatMap((table) => {
    const live = qualified(schema, table.name);
    return [
      {
        table: table.name,
        name: 'streamflow_note_live_change',
        ddl: `CREATE TRIGGER streamflow_note_live_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${live} FOR EACH STATEMENT EXECUTE FUNCTION ${note}('live')`,
      },
      ...[snapshotTableName(table), versionsTableName(table)].flatMap((name) => {
        const snapshots = qualified(schema, name);
        return [
          {
            table: name,
            name: 'streamflow_note_insert',
            ddl: `CREATE TRIGGER streamflow_note_insert AFTER INSERT OR TRUNCATE ON ${snapshots} FOR EACH STATEMENT EXECUTE FUNCTION ${note}()`,
          },
          {
            table: name,
            name: 'streamflow_note_update',
            ddl: `CREATE TRIGGER streamflow_note_update AFTER UPDATE ON ${snapshots} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${note}()`,
          },
          {
            table: name,
            name: 'streamflow_note_delete',
            ddl: `CREATE TRIGGER streamflow_note_delete AFTER DELETE ON ${snapshots} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${note}()`,
          },
        ];
      }),
    ];
  });
}

/**
 * What a later contract version adds to the mirror's tables that exist: each new column,
 * NULL in the rows already there, as the warehouse reads it in the partitions frozen
 * before it (snapshot/frozen.ts). A column the contract no longer has, or has with another
 * type (a new major version), is not changed in place: refused, naming what to drop, so
 * that the next sync makes those tables afresh.
 */
export function mirrorColumnAdditions(schema: string, contract: Contract, found: ReadonlyMap<string, readonly string[]>): string[] {
  return contract.tables.flatMap((table) =>
    [table.name, snapshotTableName(table), versionsTableName(table)].flatMap((name) => {
      const columns = found.get(name);
      if (columns === undefined) return [];
      const ours = ['as_of', ...(name === versionsTableName(table) ? VERSION_COLUMNS : [])];
      const stale = columns.filter((column) => !ours.includes(column) && !table.columns.some((spec) => spec.name === column));
      if (stale.length > 0) {
        throw new RefusedError(
          `the mirror's ${schema}.${name} has column(s) ${stale.join(', ')}, which contract ${contract.id} version ${contract.version} no longer has; ` +
            `drop ${schema}.${table.name}, ${schema}.${snapshotTableName(table)} and ${schema}.${versionsTableName(table)} (and their rows in ${schema}.${SYNC_LEDGER}) and sync again to mirror it afresh`,
        );
      }
      return table.columns
        .filter((column) => !columns.includes(column.name))
        .map((column) => `ALTER TABLE ${qualified(schema, name)} ADD COLUMN ${quoteIdent(column.name)} ${postgresType(column.type)}`);
    }),
  );
}

/** Every object of the mirror, parents before children (a view after its table, the function after the table it writes). */
export function mirrorObjects(schema: string, contract: Contract): MirrorObject[] {
  return [
    ...contract.tables.map((table) => liveTable(schema, contract, table)),
    ...contract.tables.map((table) => snapshotTable(schema, table)),
    ...contract.tables.map((table) => versionsTable(schema, table)),
    ...featureSources(contract).map((source) => featureView(schema, source)),
    ledger(schema),
    ...changeLog(schema),
  ];
}

/** Every statement that makes the mirror's schema in an empty one (the bench builds its baseline with it). */
export function mirrorDdl(schema: string, contract: Contract): string[] {
  return [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`, ...mirrorObjects(schema, contract).flatMap((object) => object.ddl)];
}
