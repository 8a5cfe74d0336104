// plan: what a month's ingest is to do to the warehouse, decided before any write from the
// manifest and the run history alone. Two questions, each a function: before load, is this
// an exact replay whose earlier run stands for it (replay.ts)? After validate, may the
// month be applied, is it already there (nothing to do), or would it alter history
// (refused, with the reason)?
import type { LoadedTable, SnapshotEntry } from '../artifacts';
import type { Contract } from '../contract/contract';
import { type Engine, sqlFile } from '../engine/duckdb';
import { RefusedError } from '../errors';
import type { MonthInput } from '../load';
import { compareWithFrozen, type ReplayDifference, readManifest } from '../snapshot';
import { checkFrozenFiles } from '../snapshot/verify';
import type { WarehouseLayout } from '../warehouse/layout';
import type { Logger } from './log';
import { checkIdenticalReplay, type IdenticalRun } from './replay';

export interface MonthToPlan {
  readonly month: MonthInput;
  readonly asOf: string;
}

/**
 * An ingest of a frozen as_of whose inputs are byte-identical to those of the run that
 * froze it, under the same pipeline, has nothing to recompute: that run's load and
 * validation stand for this one (replay.ts says why that is proof). undefined: recompute.
 */
export async function findIdenticalReplay(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  month: MonthToPlan,
  logger: Logger,
): Promise<IdenticalRun | undefined> {
  const frozen = (await readManifest(engine)).filter((entry) => entry.as_of === month.asOf);
  if (frozen.length === 0) return undefined;
  const check = await checkIdenticalReplay(engine, contract, layout, month.month, frozen);
  if ('recompute' in check) {
    logger.info(`load: as_of ${month.asOf} is frozen; recomputing it to compare, since ${check.recompute}`);
    return undefined;
  }
  logger.info(
    `load: the inputs are byte-identical to those of run ${check.identical.runId}, which froze as_of ${month.asOf} under this pipeline, and its files verify: nothing to recompute`,
  );
  return check.identical;
}

/**
 * Inputs already frozen under another as_of are not frozen again; an as_of already
 * frozen must reproduce its snapshot exactly (then there is nothing to apply), from
 * files that are still intact; an older one must not come after a newer one.
 * Throws RefusedError for a month that would alter history.
 */
export async function planMonth(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  month: MonthToPlan,
  loaded: readonly LoadedTable[],
): Promise<'apply' | 'unchanged'> {
  const manifest = await readManifest(engine);
  const asOf = month.asOf;
  await refuseRefreezing(engine, month, loaded, manifest);
  if (manifest.some((entry) => entry.as_of === asOf)) {
    // What compareWithFrozen reads: per table the frozen partition and the one before it.
    const tables = [...new Set(manifest.map((entry) => entry.table_name))];
    await refuseDamagedHistory(
      layout,
      tables.flatMap((table) => manifest.filter((entry) => entry.table_name === table && entry.as_of <= asOf).slice(-2)),
    );
    const differences = await compareWithFrozen(engine, contract, layout, manifest, asOf);
    if (differences.length === 0) return 'unchanged';
    throw new RefusedError(frozenDifferently(asOf, differences, manifest));
  }
  const newest = manifest
    .map((entry) => entry.as_of)
    .sort()
    .at(-1);
  if (newest !== undefined && asOf < newest) {
    throw new RefusedError(`as_of ${asOf} is older than the newest frozen month ${newest}; ingesting it would put older values back into the live tables`);
  }
  return 'apply';
}

/**
 * The refusal of an as_of frozen with other content: per table how many keys changed, are
 * only in this month or only in the frozen snapshot, and which run froze it; when the month
 * shares no key at all with what is frozen, the likelier story: another history's warehouse.
 */
function frozenDifferently(asOf: string, differences: readonly ReplayDifference[], manifest: readonly SnapshotEntry[]): string {
  const lines = differences.map(
    (difference) =>
      `${difference.table}: ${difference.keys} keys differ: ${difference.changed} changed, ${difference.only_new} only in this month, ` +
      `${difference.only_frozen} only in the frozen snapshot (e.g. ${difference.sample_keys.join(', ')})`,
  );
  const runs = [...new Set(manifest.filter((entry) => entry.as_of === asOf).map((entry) => entry.run_id))].join(', ');
  const foreign = differences.every((difference) => difference.shared === 0)
    ? `\nno key of this month is in what is frozen for ${asOf}: this warehouse looks like another history's; give the --warehouse of this one`
    : '';
  return `as_of ${asOf} is already frozen (by run ${runs}) with different content; refusing to alter history:\n${lines.join('\n')}${foreign}`;
}

/** SPEC §4 "One month, one freeze": the six input files byte-identical to those a run froze under another as_of. */
async function refuseRefreezing(engine: Engine, month: MonthToPlan, loaded: readonly LoadedTable[], manifest: readonly SnapshotEntry[]): Promise<void> {
  const inputs = JSON.stringify(loaded.map((table) => [table.table, table.sha256]).sort());
  const freezing = [...new Set(manifest.filter((entry) => entry.as_of !== month.asOf).map((entry) => entry.run_id))];
  if (freezing.length === 0) return;
  const runs = await engine.rows<{ as_of: string; month: string; input_files: LoadedTable[] | null }>(sqlFile('plan/freezing-runs'), {
    run_ids: JSON.stringify(freezing),
  });
  const same = runs.find((run) => JSON.stringify((run.input_files ?? []).map((table) => [table.table, table.sha256]).sort()) === inputs);
  if (!same) return;
  throw new RefusedError(
    `the inputs of ${month.month.name} are byte-identical to those of ${same.month}, already frozen as_of ${same.as_of}; ` +
      `refusing to freeze the same month again as_of ${month.asOf}`,
  );
}

/** A replay compares with frozen files: one that is missing or altered is named, with the way to find and mend it. */
async function refuseDamagedHistory(layout: WarehouseLayout, entries: readonly SnapshotEntry[]): Promise<void> {
  const damaged = await checkFrozenFiles(layout, entries);
  if (damaged.length === 0) return;
  throw new RefusedError(
    `frozen snapshot file ${damaged.map((finding) => `${finding.path} (${finding.problem})`).join(', ')} cannot be compared with: ` +
      'run `streamflow verify` to list the damage, then restore the file from a backup (or, with the database lost, `streamflow rebuild`)',
  );
}
