// What a project compiles to, as `streamflow contract check` shows it: per table its CSV
// file, key, columns and every expectation of its suite with its id and its sentence; the
// entity, label and feature views; the warnings of the project file and the contract.
import { describeExpectation } from './describe';
import { columnOf, expectationId, severityOf } from './expectations';
import type { Project } from './project';

export interface TableOutline {
  readonly name: string;
  readonly file: string;
  readonly key: readonly string[];
  readonly parent: string | null;
  readonly columns: readonly { readonly name: string; readonly type: string; readonly required: boolean; readonly exported: boolean }[];
  readonly expectations: readonly {
    readonly id: string;
    readonly type: string;
    readonly column: string | null;
    readonly severity: string;
    readonly description: string;
  }[];
}

export interface ProjectOutline {
  readonly project: { readonly name: string; readonly file: string };
  readonly contract: { readonly id: string; readonly name: string; readonly version: string; readonly file: string };
  readonly entity: readonly string[];
  readonly label: { readonly table: string; readonly column: string; readonly ttl: string };
  readonly feature_views: readonly {
    readonly name: string;
    readonly table: string;
    readonly features: readonly string[];
    readonly ttl: string | null;
    readonly default: boolean;
  }[];
  readonly tables: readonly TableOutline[];
  readonly warnings: readonly string[];
}

export function outlineProject(project: Project): ProjectOutline {
  const { contract } = project;
  return {
    project: { name: project.name, file: project.file },
    contract: { id: contract.id, name: contract.name, version: contract.version, file: project.contractFile },
    entity: contract.entity,
    label: contract.label,
    feature_views: contract.featureViews,
    tables: contract.tables.map((table) => ({
      name: table.name,
      file: table.file,
      key: table.key,
      parent: table.parent ?? null,
      columns: table.columns.map((column) => ({ name: column.name, type: column.type, required: !column.nullable, exported: column.inExport })),
      expectations: table.expectations.map((config, index) => ({
        id: expectationId(table.name, index, config.type),
        type: config.type,
        column: columnOf(config) ?? null,
        severity: severityOf(config),
        description: describeExpectation(config),
      })),
    })),
    warnings: project.warnings,
  };
}
