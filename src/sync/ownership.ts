// Whose mirror a PostgreSQL schema holds (SPEC §4, "One warehouse, one history"): the
// sync writes only into what it created, for the warehouse it mirrors, and refuses
// (exit 3) before anything is written otherwise.
//
// The record is a mark on each object: `COMMENT ON` every table, view and function the
// sync creates, `streamflow mirror of warehouse <warehouse_id>: …`, and the warehouse_id on
// every row of the ledger. A mark rather than a list of created names in a table of our
// own, because the mark lives and dies with the object itself: a table a user drops and
// re-creates under the same name has none, so it is refused, where a list of names would
// still vouch for it; a mark survives pg_dump/restore, where a list of OIDs would not; a
// DBA sees it in `\d+`; and one catalog query reads every mark at once. The ledger's
// warehouse_id says the same for the rows (two warehouses never share one ledger).
//
// A schema holding an object of a name the sync uses (table, view, or anything else in
// pg_class; the trigger function in pg_proc) is:
// - ours when every such object carries this warehouse's mark and the ledger's rows only
//   this warehouse's id: the sync goes on, creating what is missing;
// - another warehouse's when any object or ledger row names another id: refused, naming
//   both identities;
// - an earlier release's mirror when the ledger has that release's shape (no warehouse_id)
//   and no mark: claimed (marked, the ledger given the id) only when every partition its
//   ledger lists is one this warehouse froze (same table and as_of, and the same Parquet
//   sha256 or the same freezing run) and every unmarked object has the shape the sync
//   gives it; refused otherwise, naming the partitions that are not this warehouse's;
// - anything else unmarked (a user's table, whatever its columns): refused, naming it.
import type { SnapshotEntry } from '../artifacts';
import type { Contract } from '../contract/contract';
import { quoteLiteral } from '../engine/duckdb';
import { RefusedError } from '../errors';
import type { Postgres } from './postgres';
import { LEGACY_LEDGER_COLUMNS, type MirrorObject, mirrorObjects, qualified, SYNC_LEDGER } from './schema';

const MARK_PREFIX = 'streamflow mirror of warehouse ';

/** The comment the sync puts on every object it creates. */
function ownerMark(warehouseId: string): string {
  return `${MARK_PREFIX}${warehouseId}: created by streamflow sync-postgres, which writes into nothing it did not create`;
}

/** The warehouse id of a mark; null for an object without one. */
function markedOwner(comment: string | null): string | null {
  if (comment === null || !comment.startsWith(MARK_PREFIX)) return null;
  return /^[^\s:;]+/.exec(comment.slice(MARK_PREFIX.length))?.[0] ?? null;
}

/** The statement that marks `object` as created for the warehouse. */
export function markDdl(schema: string, object: MirrorObject, warehouseId: string): string {
  const target = object.kind === 'function' ? `FUNCTION ${qualified(schema, object.name)}()` : `${object.kind.toUpperCase()} ${qualified(schema, object.name)}`;
  return `COMMENT ON ${target} IS ${quoteLiteral(ownerMark(warehouseId))}`;
}

/** The warehouse being synced: its identity and the partitions it froze. */
export interface WarehouseIdentity {
  readonly id: string;
  readonly manifest: readonly SnapshotEntry[];
  /** The contract its tables follow: the mirror's objects are made from it. */
  readonly contract: Contract;
}

export interface Ownership {
  /** Objects not in the schema yet: the sync creates and marks them. */
  readonly missing: readonly MirrorObject[];
  /** Objects of an earlier release's mirror this warehouse claims: the sync marks them. */
  readonly claimed: readonly MirrorObject[];
  /** The ledger is an earlier release's (no warehouse_id): the sync adds the column, this warehouse's id on every row. */
  readonly legacyLedger: boolean;
  /** The columns of each table and view found, by name: a later contract version adds to them (schema.ts mirrorColumnAdditions). */
  readonly foundColumns: ReadonlyMap<string, readonly string[]>;
}

interface FoundObject {
  readonly name: string;
  /** pg_class.relkind, or 'function'. */
  readonly kind: string;
  readonly comment: string | null;
  readonly columns: string[];
}

const KIND_NAMES: Record<string, string> = {
  r: 'table',
  p: 'partitioned table',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
  S: 'sequence',
  i: 'index',
  I: 'partitioned index',
  c: 'composite type',
  function: 'function',
};
const EXPECTED_KIND: Record<MirrorObject['kind'], string> = { table: 'r', view: 'v', function: 'function' };

interface LegacyLedgerRow {
  readonly table_name: string;
  readonly as_of: string;
  readonly run_id: string | null;
  readonly source_sha256: string;
}

/** Whether the warehouse froze the partition a ledger row of an earlier release names (a live table's row names its newest partition). */
function frozenHere(contract: Contract, row: LegacyLedgerRow, frozen: ReadonlyMap<string, SnapshotEntry>): boolean {
  const table = contract.tables.find((candidate) => row.table_name === candidate.name || row.table_name === `${candidate.name}_snapshots`);
  const entry = table && frozen.get(`${table.name}@${row.as_of}`);
  return entry !== undefined && (entry.sha256 === row.source_sha256 || entry.run_id === row.run_id);
}

function sameColumns(found: readonly string[], expected: readonly string[]): boolean {
  return found.length === expected.length && found.every((column, index) => column === expected[index]);
}

/** At most `limit` lines, and how many more. */
function listed(lines: readonly string[], limit = 10): string {
  const shown = lines.slice(0, limit).map((line) => `  ${line}`);
  if (lines.length > limit) shown.push(`  … and ${lines.length - limit} more`);
  return shown.join('\n');
}

/**
 * Reads who the schema's mirror belongs to and throws RefusedError unless it is this
 * warehouse's (or nobody's yet, or an earlier release's that it may claim). Reads only;
 * the first thing a sync does in its transaction. Its one lock is the ledger's ACCESS
 * SHARE, so a session holding the ledger makes it wait at most lock_timeout.
 */
export async function checkOwnership(pg: Postgres, schema: string, warehouse: WarehouseIdentity): Promise<Ownership> {
  const objects = mirrorObjects(schema, warehouse.contract);
  const relations = objects.filter((object) => object.kind !== 'function').map((object) => object.name);
  const functions = objects.filter((object) => object.kind === 'function').map((object) => object.name);
  const found = await pg.query<FoundObject & Record<string, unknown>>(
    `SELECT c.relname::text AS name, c.relkind::text AS kind, obj_description(c.oid, 'pg_class') AS comment,
       coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '{}') AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = ANY($2::text[])
     UNION ALL
     SELECT p.proname::text, 'function', obj_description(p.oid, 'pg_proc'), '{}'
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = $1 AND p.proname = ANY($3::text[])`,
    [schema, relations, functions],
  );
  const where = (object: FoundObject) => `${KIND_NAMES[object.kind] ?? 'relation'} ${schema}.${object.name}`;
  const ledger = found.find((object) => object.name === SYNC_LEDGER && object.kind === 'r');
  const ledgerTable = qualified(schema, SYNC_LEDGER);

  // Another warehouse's marks, or its rows in the ledger.
  const others = new Map<string, { marked: string[]; rows: number }>();
  const other = (id: string) => others.get(id) ?? others.set(id, { marked: [], rows: 0 }).get(id)!;
  for (const object of found) {
    const owner = markedOwner(object.comment);
    if (owner !== null && owner !== warehouse.id) other(owner).marked.push(where(object));
  }
  // The rows of a ledger the sync made (an unmarked table of that name is refused below, whatever it holds).
  if (ledger !== undefined && markedOwner(ledger.comment) !== null && ledger.columns.includes('warehouse_id')) {
    const ids = await pg.query<{ warehouse_id: string; rows: string }>(
      `SELECT warehouse_id::text AS warehouse_id, count(*) AS rows FROM ${ledgerTable} WHERE warehouse_id::text IS DISTINCT FROM $1 GROUP BY 1`,
      [warehouse.id],
    );
    for (const { warehouse_id: id, rows } of ids) other(String(id)).rows += Number(rows);
  }
  if (others.size > 0) {
    const evidence = ({ marked, rows }: { marked: string[]; rows: number }) =>
      [
        marked.length > 0 ? `its mark on ${marked.length === 1 ? marked[0] : `${marked.length} objects (${marked[0]}, …)`}` : '',
        rows > 0 ? `${rows} row(s) of ${schema}.${SYNC_LEDGER}` : '',
      ]
        .filter(Boolean)
        .join('; ');
    throw new RefusedError(
      `schema ${schema} in PostgreSQL at ${pg.where} holds the mirror of another warehouse, not of this one; refusing to adopt or overwrite it:\n` +
        `  this warehouse:     ${warehouse.id}\n` +
        [...others].map(([id, found]) => `  the mirror's owner: ${id} (${evidence(found)})`).join('\n') +
        `\nSync this warehouse into another schema (--schema), or drop that mirror if it is no longer wanted.`,
    );
  }

  const unmarked = found.filter((object) => markedOwner(object.comment) === null);
  const legacyLedger = ledger !== undefined && markedOwner(ledger.comment) === null && sameColumns(ledger.columns, LEGACY_LEDGER_COLUMNS);
  const missing = objects.filter((object) => !found.some((existing) => existing.name === object.name));
  const foundColumns = new Map(found.filter((object) => object.kind !== 'function').map((object) => [object.name, object.columns]));
  if (unmarked.length === 0) return { missing, claimed: [], legacyLedger: false, foundColumns };

  if (!legacyLedger) {
    throw new RefusedError(
      `PostgreSQL at ${pg.where} already has, in schema ${schema}, what the sync did not create (it carries no streamflow mark); the sync writes into nothing it did not create:\n` +
        `${listed(unmarked.map(where))}\n` +
        `Choose another schema (--schema), or drop or rename ${unmarked.map((object) => `${schema}.${object.name}`).join(', ')}.`,
    );
  }

  // An earlier release's mirror: it made every one of these objects, with these shapes.
  const misshapen = unmarked.filter((object) => {
    const expected = objects.find((candidate) => candidate.name === object.name)!;
    const columns = expected.name === SYNC_LEDGER ? LEGACY_LEDGER_COLUMNS : expected.columns;
    return object.kind !== EXPECTED_KIND[expected.kind] || (expected.kind !== 'function' && !sameColumns(object.columns, columns));
  });
  if (misshapen.length > 0) {
    throw new RefusedError(
      `PostgreSQL at ${pg.where} has, in schema ${schema}, an unmarked mirror ledger beside objects the sync would not have made (another kind or other columns); refusing to write into them:\n` +
        `${listed(misshapen.map((object) => `${where(object)} (${object.columns.join(', ') || 'no columns'})`))}\n` +
        `Choose another schema (--schema), or drop or rename them.`,
    );
  }
  const frozen = new Map(warehouse.manifest.map((entry) => [`${entry.table_name}@${entry.as_of}`, entry]));
  const rows = await pg.query<LegacyLedgerRow & Record<string, unknown>>(
    `SELECT table_name, to_char(as_of, 'YYYY-MM-DD') AS as_of, run_id, source_sha256 FROM ${ledgerTable} ORDER BY table_name, as_of`,
  );
  const foreign = rows.filter((row) => !frozenHere(warehouse.contract, row, frozen));
  if (foreign.length > 0) {
    throw new RefusedError(
      `schema ${schema} in PostgreSQL at ${pg.where} holds a mirror made by an earlier release, which recorded no warehouse identity, and its ledger lists ` +
        `${foreign.length} partition(s) this warehouse (${warehouse.id}) did not freeze; refusing to adopt it:\n` +
        `${listed(foreign.map((row) => `${row.table_name} as_of ${row.as_of} (run ${row.run_id ?? 'unknown'}, Parquet sha256 ${row.source_sha256.slice(0, 12)}…)`))}\n` +
        `Sync this warehouse into another schema (--schema), or drop that mirror if it is no longer wanted.`,
    );
  }
  return { missing, claimed: objects.filter((object) => unmarked.some((existing) => existing.name === object.name)), legacyLedger: true, foundColumns };
}
