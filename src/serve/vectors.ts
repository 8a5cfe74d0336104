// The online features `serve` answers with: every feature of every view for every user of
// the newest frozen month, made by the training set's own point-in-time join
// (training/index.ts joinPointInTime) for one entity row per user at the newest as_of,
// so a served vector is the training row of that user and date by construction.
//
// Kept in DuckDB's memory as one JSON text per user (the view vectors, in view order),
// sorted by user: a lookup is a binary search and a JSON.parse of a few hundred bytes,
// and the values are encoded once, by DuckDB, when the month is loaded. A view's ttl is
// applied per request, against the request's time (here only which snapshot each view's
// values came from is recorded).
import type { SnapshotEntry } from '../artifacts';
import type { Contract } from '../contract/contract';
import type { FeatureView } from '../contract/features';
import { type HeldResult, quoteIdent } from '../engine/duckdb';
import { InvocationError } from '../errors';
import { partitionsAsOf } from '../query/time-travel';
import { readManifest } from '../snapshot';
import { dropPointInTime, joinPointInTime, POINT_IN_TIME_TABLE } from '../training';
import { loadServedEntities } from '../training/entities';
import type { PointInTimeView } from '../training/point-in-time';
import { sourceAsOfColumn } from '../training/select';
import { parseTtl } from '../training/ttl';
import { detachWarehouse } from '../warehouse/catalog';
import type { WarehouseLayout } from '../warehouse/layout';
import { openReader } from '../warehouse/reader';

export interface ServedView {
  readonly view: FeatureView;
  /** Milliseconds; null: no limit. */
  readonly ttlMs: number | null;
  /** The as_of of the snapshot the view's values come from; null: the view's table has none yet. */
  readonly asOf: string | null;
}

export interface OnlineVectors {
  /** The newest as_of frozen: what every view was read at. */
  readonly asOf: string;
  /** The entity key's one column: the name requests give their keys under. */
  readonly entityKey: string;
  /** Every feature view, in declaration order: the order of each vector's view entries. */
  readonly views: readonly ServedView[];
  /** Users served. */
  readonly entities: number;
  /** A user's vector: JSON `[v0, v1, …]`, one entry per view, each the view's feature values in order, or null when the user is not in the view's snapshot. */
  vector(user: string): string | undefined;
  /** Readies every lookup in the background, a little at a time; answers are right before it ends too, only slower. */
  warm(): Promise<void>;
  /** The manifest entries read, as `table/as_of/sha256`: equal for two loads of the same committed state. */
  readonly signature: string;
  /** Lets go of the engine holding the vectors. */
  close(): void;
}

/** The manifest's identity: a new freeze (or a rebuild) changes it, a reread of the same state does not. */
export function manifestSignature(manifest: readonly SnapshotEntry[]): string {
  return manifest
    .map((entry) => `${entry.table_name}/${entry.as_of}/${entry.sha256}`)
    .sort()
    .join('\n');
}

/**
 * Lookups into a held result of (key, vector) sorted by key: a binary search over
 * the chunks' first keys, then over the chunk's keys, converted to strings the first time
 * the chunk is searched or warmed (~1 ms for its 2,048 keys); a vector when asked for.
 * Converting a million vectors up front would cost ~2.5 s of start-up. (DuckDB sorts text
 * by bytes, JavaScript by UTF-16 units: the same order for every key outside the astral planes.)
 */
function sortedLookup(held: HeldResult, closed: () => boolean): { lookup: (user: string) => string | undefined; warm: () => Promise<void> } {
  const firstKeys = held.chunks.map((chunk) => chunk.text(0, 0)!);
  const keysOf: (string[] | undefined)[] = [];
  const keys = (index: number) => (keysOf[index] ??= Array.from({ length: held.chunks[index].rowCount }, (_, row) => held.chunks[index].text(0, row)!));
  // One chunk a turn of the event loop: a request waits for at most one chunk's ~1 ms.
  const warm = async () => {
    for (let index = 0; index < held.chunks.length && !closed(); index += 1) {
      keys(index);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const lookup = (user: string) => {
    let low = 0;
    let high = firstKeys.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (firstKeys[middle] <= user) low = middle;
      else high = middle - 1;
    }
    const chunk = held.chunks[low];
    if (chunk === undefined) return undefined;
    const sorted = keys(low);
    let from = 0;
    let to = sorted.length - 1;
    while (from <= to) {
      const middle = (from + to) >> 1;
      if (sorted[middle] === user) return chunk.text(1, middle) ?? undefined;
      if (sorted[middle] < user) from = middle + 1;
      else to = middle - 1;
    }
    return undefined;
  };
  return { lookup, warm };
}

/**
 * Reads the vectors of the newest frozen month into an engine of their own, kept open
 * until `close`. `previous`, when given and the manifest has not changed, is returned as
 * it is: nothing is re-read.
 */
export async function loadOnlineVectors(
  layout: WarehouseLayout,
  contract: Contract,
  limits: { threads?: number; memoryLimit?: string },
  previous?: OnlineVectors,
): Promise<OnlineVectors> {
  if (contract.entity.length !== 1) {
    throw new InvocationError(`serve answers lookups by a one-column entity key; this contract's entity is (${contract.entity.join(', ')})`);
  }
  const [entityKey] = contract.entity;
  const engine = await openReader(layout, limits);
  try {
    const manifest = await readManifest(engine);
    const signature = manifestSignature(manifest);
    if (previous !== undefined && previous.signature === signature) {
      engine.close();
      return previous;
    }
    const asOf = manifest
      .map((entry) => entry.as_of)
      .sort()
      .at(-1);
    if (asOf === undefined) throw new InvocationError(`no snapshot in ${layout.root} yet: ingest a month before serving its features`);
    // No ttl in the join: every view reads its newest snapshot at or before the as_of, and the
    // request's clock decides whether that is too old (OUTSIDE_MAX_AGE).
    const views: PointInTimeView[] = contract.featureViews.map((view) => ({
      view,
      features: view.features.map((column) => ({ column, output: `${view.name}__${column}` })),
      ttlSeconds: null,
    }));
    // Each view table's newest partition at or before the as_of: the users served, and when each view's values are from.
    const bound = partitionsAsOf(manifest, asOf);
    const viewTables = [...new Set(views.map(({ view }) => view.table))];
    const entities = await loadServedEntities(
      engine,
      contract,
      layout,
      viewTables.flatMap((table) => bound.get(table) ?? []),
      asOf,
    );
    await joinPointInTime(engine, contract, layout, manifest, views, { from: 'none' });
    const vector = views
      .map(({ view, features }) => {
        const values = features.map((feature) => quoteIdent(feature.output)).join(', ');
        return `CASE WHEN ${quoteIdent(sourceAsOfColumn(view))} IS NULL THEN NULL ELSE json_array(${values}) END`;
      })
      .join(', ');
    // Sorted by the key's text, as the lookup's binary search compares (JavaScript's order of strings is the code point order DuckDB sorts text in).
    const key = `${quoteIdent(entityKey)}::VARCHAR`;
    const held = await engine.hold(`SELECT ${key} AS "key", json_array(${vector})::VARCHAR AS vector FROM ${POINT_IN_TIME_TABLE} ORDER BY ${key}`);
    // The held result is a copy: the join's tables go, and with them most of the memory.
    await dropPointInTime(engine);
    // Let go of the warehouse file: a run in another process may write it while these vectors answer.
    await detachWarehouse(engine);
    let closed = false;
    const lookups = sortedLookup(held, () => closed);
    return {
      asOf,
      entityKey,
      views: views.map(({ view }) => ({
        view,
        ttlMs: view.ttl === null ? null : parseTtl(view.ttl, `feature view ${view.name} ttl`) * 1000,
        asOf: bound.get(view.table)?.as_of ?? null,
      })),
      entities,
      vector: lookups.lookup,
      warm: lookups.warm,
      signature,
      close: () => {
        closed = true;
        engine.close();
      },
    };
  } catch (error) {
    engine.close();
    throw error;
  }
}
