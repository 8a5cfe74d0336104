// The contract as one value: the tables with their compiled suites, the feature views,
// and the label, read from the project file and its ODCS contract
// (project.ts, odcs.ts). Every stage takes it as an argument; nothing in src/ names a
// table or a column of any dataset.
import type { FeatureView, LabelSpec } from './features';
import type { TableSpec } from './tables';

/** The project file's name: found in the working folder or the nearest one above it. */
export const PROJECT_FILE = 'streamflow.yaml';

export interface Contract {
  /** ODCS `id`, `name` and `version`: the version is recorded with every run and snapshot. */
  readonly id: string;
  readonly name: string;
  readonly version: string;
  /** In contract order; a parent before its children. */
  readonly tables: readonly TableSpec[];
  /** The entity a training row and an online lookup are about: the label table's key. */
  readonly entity: readonly string[];
  readonly featureViews: readonly FeatureView[];
  readonly label: LabelSpec;
}

export function tableOf(contract: Contract, name: string): TableSpec {
  const table = contract.tables.find((candidate) => candidate.name === name);
  if (!table) throw new Error(`unknown table ${name}`);
  return table;
}

/** The table of the entities themselves: keyed by the entity, with no parent (the retail project's customers). */
export function entityTableOf(contract: Contract): TableSpec | undefined {
  const sameKey = (key: readonly string[]) => key.length === contract.entity.length && key.every((column, index) => contract.entity[index] === column);
  return contract.tables.find((table) => table.parent === undefined && sameKey(table.key));
}

export function featureViewOf(contract: Contract, name: string): FeatureView | undefined {
  return contract.featureViews.find((view) => view.name === name);
}
