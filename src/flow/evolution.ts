// A contract change against the history: the project's contract may be a later version
// than the one the newest snapshots were frozen under. A later version may add columns
// that are not required (earlier snapshots read them as NULL, snapshot/frozen.ts);
// removing or retyping a column takes a new major version; any change of the columns
// takes a new version. Checked before a run reads anything, refused as an invocation
// error (exit 2) naming the column: the contract is the user's to fix, nothing was done.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Contract } from '../contract/contract';
import { type Engine, sqlFile } from '../engine/duckdb';
import { InvocationError } from '../errors';
import { readManifest } from '../snapshot';
import { frozenColumns } from '../snapshot/frozen';
import type { WarehouseLayout } from '../warehouse/layout';

/** The leading number of a version (`2.1.0` → 2); NaN for a version that does not start with one. */
function majorOf(version: string): number {
  return Number.parseInt(version, 10);
}

/** Throws InvocationError when the contract changes the columns of the newest snapshots in a way its version does not allow. */
export async function checkContractChange(engine: Engine, contract: Contract, layout: WarehouseLayout): Promise<void> {
  const manifest = await readManifest(engine);
  for (const table of contract.tables) {
    const newest = manifest.filter((entry) => entry.table_name === table.name).at(-1);
    const file = newest && path.join(layout.root, newest.path);
    // A missing or damaged file is for the run's own checks to name (plan.ts refuses a history it cannot read).
    if (!newest || !file || !fs.existsSync(file)) continue;
    const held = await frozenColumns(engine, [file]).catch(() => undefined);
    if (!held) continue;
    held.delete('as_of');
    const declared = new Map(table.columns.map((column) => [column.name, column]));
    const added = table.columns.filter((column) => !held.has(column.name));
    const removed = [...held.keys()].filter((name) => !declared.has(name));
    const retyped = [...held].filter(([name, type]) => declared.has(name) && declared.get(name)!.type !== type);
    if (added.length + removed.length + retyped.length === 0) continue;

    const [run] = await engine.rows<{ contract_version: string | null }>(sqlFile('replay/freezing-run'), { run_id: newest.run_id });
    const frozenUnder = run?.contract_version ?? null;
    const where = `table ${table.name} (its newest snapshot, as_of ${newest.as_of}, was frozen under contract version ${frozenUnder ?? 'unknown'})`;
    const changes = [
      ...added.map((column) => `adds ${column.name}`),
      ...removed.map((name) => `removes ${name}`),
      ...retyped.map(([name, type]) => `retypes ${name} from ${type} to ${declared.get(name)!.type}`),
    ].join(', ');
    if (frozenUnder === contract.version) {
      throw new InvocationError(`contract ${contract.id} version ${contract.version} ${changes} in ${where}: a change of columns needs a new version`);
    }
    const required = added.find((column) => !column.nullable);
    if (required) {
      throw new InvocationError(
        `contract ${contract.id} version ${contract.version} adds the required column ${table.name}.${required.name}, but earlier snapshots of ${table.name} have no value for it: a column added by a later version must not be required`,
      );
    }
    const breaking = [...removed, ...retyped.map(([name]) => name)];
    if (breaking.length > 0 && !(majorOf(contract.version) > majorOf(frozenUnder ?? '0'))) {
      throw new InvocationError(
        `contract ${contract.id} version ${contract.version} ${changes} in ${where}: removing or retyping a column (${breaking.join(', ')}) needs a new major version; earlier snapshots keep their own columns`,
      );
    }
  }
}
