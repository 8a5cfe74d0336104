// plan: what a month's ingest is to do to the warehouse, decided before any write from the
// manifest and the run history alone. Two questions, each a function: before load, is this
// an exact replay whose earlier run stands for it (replay.ts)? After validate, may the
// month be applied, is it already there (nothing to do), or would it alter history
// (refused, with the reason)?
import type { Amendment, LoadedTable, SnapshotEntry, SnapshotVersion, TableDifference } from '../artifacts';
import type { Contract } from '../contract/contract';
import { type Engine, sqlFile } from '../engine/duckdb';
import { InvocationError, RefusedError } from '../errors';
import type { MonthInput } from '../load';
import { compareWithFrozen, readManifest } from '../snapshot';
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
 * What applying a month does. `apply`: the newest month, merged into the live tables and
 * frozen from them. `late`: an as_of older than the newest frozen one, never frozen: frozen
 * over the as_of before it, live tables untouched. `correct`: a frozen as_of whose content
 * differs, declared a correction: frozen as the next version over the as_of before it,
 * the live tables taking the corrected state only when it is the newest frozen as_of.
 */
export type MonthPlan =
  | { readonly action: 'unchanged' }
  | { readonly action: 'apply' }
  | { readonly action: 'late'; readonly newest: string }
  | {
      readonly action: 'correct';
      readonly version: number;
      /** The versions it supersedes, one per table (path where each is now). */
      readonly replaces: readonly SnapshotVersion[];
      /** What it changes against them, per table. */
      readonly differences: readonly TableDifference[];
      /** The newest frozen as_of is a later one: its live state stands. */
      readonly newerFrozen: string | null;
    };

/** What a correction or a late month does to history, as the run records it; null for a newest month (or nothing applied). */
export function amendmentOf(plan: MonthPlan, reason: string | undefined): Amendment | null {
  if (plan.action === 'late') return { kind: 'late', version: 1, reason: null, replaces_version: null, live_kept_for: plan.newest, differences: [] };
  if (plan.action !== 'correct') return null;
  return {
    kind: 'correction',
    version: plan.version,
    reason: reason ?? null,
    replaces_version: plan.version - 1,
    live_kept_for: plan.newerFrozen,
    differences: plan.differences,
  };
}

/** A month to plan, and the correction's reason when the run declares one (`ingest --correction`). */
export interface MonthToApply extends MonthToPlan {
  readonly correction?: string;
}

/**
 * Inputs already frozen under another as_of are not frozen again; an as_of already
 * frozen must reproduce its snapshot exactly (then there is nothing to apply), from
 * files that are still intact, unless the run declares a correction; one older than the
 * newest frozen one is a late month. Throws RefusedError for a month that would alter history.
 */
export async function planMonth(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  month: MonthToApply,
  loaded: readonly LoadedTable[],
): Promise<MonthPlan> {
  const manifest = await readManifest(engine);
  const asOf = month.asOf;
  await refuseRefreezing(engine, month, loaded, manifest);
  const newest = manifest
    .map((entry) => entry.as_of)
    .sort()
    .at(-1);
  const frozen = manifest.filter((entry) => entry.as_of === asOf);
  if (frozen.length === 0) {
    if (month.correction !== undefined) {
      throw new InvocationError(`--correction: as_of ${asOf} is not frozen, so there is nothing to correct; ingest ${month.month.name} ${asOf} without it`);
    }
    return newest !== undefined && asOf < newest ? { action: 'late', newest } : { action: 'apply' };
  }
  // What compareWithFrozen reads: per table the frozen partition and the one before it.
  const tables = [...new Set(manifest.map((entry) => entry.table_name))];
  await refuseDamagedHistory(
    layout,
    tables.flatMap((table) => manifest.filter((entry) => entry.table_name === table && entry.as_of <= asOf).slice(-2)),
  );
  const differences = await compareWithFrozen(engine, contract, layout, manifest, asOf);
  if (differences.length === 0) return { action: 'unchanged' };
  if (month.correction === undefined) throw new RefusedError(frozenDifferently(month, differences, manifest));
  return {
    action: 'correct',
    version: Math.max(...frozen.map((entry) => entry.version)) + 1,
    replaces: frozen,
    differences,
    newerFrozen: newest !== undefined && newest > asOf ? newest : null,
  };
}

/**
 * The refusal of an as_of frozen with other content: per table how many keys changed, are
 * only in this month or only in the frozen snapshot, and which run froze it; the way
 * forward when it is a corrected export (`--correction`); when the month shares no key at
 * all with what is frozen, the likelier story: another history's warehouse.
 */
function frozenDifferently(month: MonthToPlan, differences: readonly TableDifference[], manifest: readonly SnapshotVersion[]): string {
  const asOf = month.asOf;
  const lines = differences.map(
    (difference) =>
      `${difference.table}: ${difference.keys} keys differ: ${difference.changed} changed, ${difference.only_new} only in this month, ` +
      `${difference.only_frozen} only in the frozen snapshot (e.g. ${difference.sample_keys.slice(0, 5).join(', ')})`,
  );
  const frozen = manifest.filter((entry) => entry.as_of === asOf);
  const runs = [...new Set(frozen.map((entry) => entry.run_id))].join(', ');
  const version = Math.max(...frozen.map((entry) => entry.version));
  const foreign = differences.every((difference) => difference.shared === 0)
    ? `\nno key of this month is in what is frozen for ${asOf}: this warehouse looks like another history's; give the --warehouse of this one`
    : `\nif ${month.month.name} is a corrected export of ${asOf}, ingest it with --correction "<reason>": it becomes version ${version + 1} of ${asOf}, and version ${version} stays as it is, readable with --known-at`;
  return `as_of ${asOf} is already frozen (${version > 1 ? `version ${version}, ` : ''}by run ${runs}) with different content; refusing to alter history:\n${lines.join('\n')}${foreign}`;
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
