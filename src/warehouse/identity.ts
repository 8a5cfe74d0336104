// A warehouse's identity: an id created with it (meta.schema_info), recorded in every
// partition manifest it freezes and in the PostgreSQL ledger of every mirror it syncs,
// so that nothing from another warehouse is adopted or overwritten (SPEC §4, "One
// warehouse, one history").
import { type Engine, sqlFile } from '../engine/duckdb';

/** The identity of the warehouse attached as `wh` (created or upgraded to schema 5 by attachWarehouseCreatingIt). */
export async function readWarehouseId(engine: Engine): Promise<string> {
  const id = await readWarehouseIdIfAny(engine);
  if (id === null)
    throw new Error('the attached warehouse has no identity (meta.schema_info warehouse_id): it was not opened through attachWarehouseCreatingIt');
  return id;
}

/** The identity of the warehouse attached as `wh`; null for one attached read-only before schema 5 gave it one (a reader upgrades nothing). */
export async function readWarehouseIdIfAny(engine: Engine): Promise<string | null> {
  const [row] = await engine.rows<{ value: string }>(sqlFile('catalog/warehouse-id'));
  return row?.value ?? null;
}
