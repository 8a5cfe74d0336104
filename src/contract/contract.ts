// The contract as one value: the tables with their compiled suites, the feature views,
// and the label, read from the project file and its ODCS contract
// (project.ts, odcs.ts). Every stage takes it as an argument; nothing in src/ names a
// table or a column of any dataset.
import type { FeatureView, LabelSpec } from './features';
import type { TableSpec } from './tables';

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

export function featureViewOf(contract: Contract, name: string): FeatureView | undefined {
  return contract.featureViews.find((view) => view.name === name);
}
