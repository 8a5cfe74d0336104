// The feature-store sources a Feast PostgreSQL offline store reads, one per feature view
// of the contract: a view whose features are every exported column of its table, under
// the table's own name, is exactly `<table>_snapshots` and needs no object of its own;
// any other is a PostgreSQL view `<view>_snapshots` picking the key, as_of and its
// features from that table, which always agrees with the table under it and costs no
// second copy.
import type { Contract } from '../contract/contract';
import { exportColumns, type TableSpec } from '../contract/tables';

export interface FeatureSource {
  readonly name: string;
  readonly table: TableSpec;
  /** Columns besides the key and as_of. */
  readonly columns: readonly string[];
}

/** The views that need an object of their own (see above). */
export function featureSources(contract: Contract): FeatureSource[] {
  return contract.featureViews.flatMap((view) => {
    const table = contract.tables.find((candidate) => candidate.name === view.table)!;
    const every = exportColumns(table)
      .filter((column) => !table.key.includes(column.name))
      .map((column) => column.name);
    const isTheTable = view.name === table.name && every.length === view.features.length && every.every((name, index) => view.features[index] === name);
    return isTheTable ? [] : [{ name: `${view.name}_snapshots`, table, columns: view.features }];
  });
}
