// `--features`: which columns of which views a training set carries, and their names.
import { type Contract, featureViewOf } from '../contract/contract';
import type { FeatureView } from '../contract/features';
import { InvocationError } from '../errors';

export interface SelectedFeature {
  readonly column: string;
  /** The column's name in the training set: `column`, or `view__column` with --full-names. */
  readonly output: string;
}

export interface SelectedView {
  readonly view: FeatureView;
  readonly features: readonly SelectedFeature[];
}

/** Columns every training set has besides the features: the entity key and the moment. */
export function entityColumns(contract: Contract): string[] {
  return [...contract.entity, 'event_timestamp'];
}

/** `<view>__as_of`: where --with-source-as-of says which snapshot a view's values came from. */
export function sourceAsOfColumn(view: FeatureView): string {
  return `${view.name}__as_of`;
}

function viewNamed(contract: Contract, name: string): FeatureView {
  const view = featureViewOf(contract, name);
  if (!view)
    throw new InvocationError(
      `--features: unknown feature view ${JSON.stringify(name)}; views: ${contract.featureViews.map((known) => known.name).join(', ')}`,
    );
  return view;
}

/**
 * Parses `view.column,view.*,…` (default: every column of the default views) into views
 * in first-mention order, each with its columns in mention order (`*`: declared order).
 */
export function selectFeatures(contract: Contract, spec: string | undefined, { fullNames = false }: { fullNames?: boolean } = {}): SelectedView[] {
  const items =
    spec === undefined ? contract.featureViews.filter((view) => view.default).map((view) => `${view.name}.*`) : spec.split(',').map((item) => item.trim());
  const columnsByView = new Map<FeatureView, string[]>();
  for (const item of items) {
    const dot = item.indexOf('.');
    if (dot <= 0 || dot === item.length - 1) throw new InvocationError(`--features: ${JSON.stringify(item)} is not of the form view.column or view.*`);
    const view = viewNamed(contract, item.slice(0, dot));
    const column = item.slice(dot + 1);
    if (column !== '*' && !view.features.includes(column)) {
      throw new InvocationError(`--features: view ${view.name} has no feature ${JSON.stringify(column)}; its features: ${view.features.join(', ')}`);
    }
    const chosen = columnsByView.get(view) ?? [];
    for (const feature of column === '*' ? view.features : [column]) if (!chosen.includes(feature)) chosen.push(feature);
    columnsByView.set(view, chosen);
  }
  const selected = [...columnsByView].map(([view, columns]) => ({
    view,
    features: columns.map((column) => ({ column, output: fullNames ? `${view.name}__${column}` : column })),
  }));
  const taken = new Map<string, string>([...entityColumns(contract), contract.label.column].map((name) => [name, 'the training set itself']));
  for (const { view, features } of selected) {
    for (const feature of features) {
      const owner = taken.get(feature.output);
      if (owner) throw new InvocationError(`--features: ${view.name}.${feature.column} and ${owner} would both be column ${feature.output}; use --full-names`);
      taken.set(feature.output, `${view.name}.${feature.column}`);
    }
  }
  return selected;
}
