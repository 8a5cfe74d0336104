// The project file, streamflow.yaml: what a dataset is (its ODCS contract), where its
// exports and its warehouse are, its label and feature views, and how far a month may
// drift from the previous one. Found in the working folder or the nearest folder above
// it (findProjectFile), read once at start (loadProject). Every problem is reported at
// its place, `file:line:column: what; expected what` (ContractError, exit 2); an unknown
// top-level key is only a warning (Project.warnings), an unknown key below one an error.
//
// Keys (paths are relative to the folder holding streamflow.yaml):
//
//   name: retail                   required; the project's name.
//   contract: contracts/retail.odcs.yaml
//                                  required; the ODCS v3 contract (odcs.ts says what of it is read).
//   seeds: seeds                   the folder of month folders (month_000/, …); default: none
//                                  (the command line's own default then).
//   warehouse: warehouse           the warehouse folder; default: none (as seeds).
//   calendar:
//     first_as_of: 2024-01-31      as_of of month_000, a month's last day; default: none.
//   label:                         required: what every training row is labelled with.
//     table: outcomes              a table of the contract; its key is the entity every
//                                  training row and online lookup is about.
//     column: renewed              an exported column of it outside the key.
//     ttl: 31d                     how far from a row's event_timestamp the label's snapshot may
//                                  be: a whole number and a unit w, d, h or m; default 31d.
//   feature_views:                 default: one view per table keyed by the entity other than
//                                  the label's, named after it, all its features, no ttl, default.
//     - name: visit_activity       required; letters, digits and _.
//       table: store_visits        required; a table keyed by the entity.
//       features: all              required: a list of exported columns of the table outside
//                                  its key, in output order, or `all` (every one, in contract order).
//       ttl: 31d                   oldest a snapshot may be; absent or null: no limit.
//       default: true              in a training set when --features is not given; default false.
//   drift:                         month-over-month comparison with the previous frozen month;
//                                  each bound warns above `warn` and is an error above `error`,
//                                  `reason` is shown in the report. Defaults (compile.ts DEFAULT_DRIFT):
//     tables: [customers]          the tables whose row count ratio and key churn are checked;
//                                  default: the tables with no parent keyed by the entity.
//     row_count_ratio: { warn: 1.1, error: 2, reason: … }
//                                  the row count as a factor of the previous month's, max(now/then, then/now).
//     key_churn: { warn: 0.005, error: 0.05, reason: … }
//                                  share of the keys the warehouse holds that the export lacks.
//     psi: { warn: 0.2, reason: … }
//                                  population stability index per column (no error bound by default).
//     mean_ratio: { warn: 1.25, error: 2, reason: … }
//                                  factor of change of a numeric column's mean and median.
//     label_mean_ratio: { warn: 1.2, error: 1.6, reason: … }
//                                  the same for a BOOLEAN label column: the label rate.
//     null_share_increase: { max: 0.05, reason: … }
//                                  how many points a nullable column's NULL share may rise over the
//                                  live table (a property's customProperty maxNullShareIncrease wins).
//     new_values: { reason: … }    the reason shown for a VARCHAR value the previous month did not hold.
//                                  Any field left out keeps its default; `error: null` removes an error bound.
//   postgres:
//     schema: public               the PostgreSQL schema the sync mirrors into; default: none.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { DEFAULT_DRIFT, type DriftBound, type DriftSettings, type TableRules } from './compile';
import { type Contract, PROJECT_FILE } from './contract';
import type { FeatureView, LabelSpec } from './features';
import { compileOdcs, type OdcsModel, parseOdcs } from './odcs';
import { oneOf, quoted, type YamlPath, YamlSource } from './yaml-source';

export interface Project {
  readonly name: string;
  /** streamflow.yaml, absolute. */
  readonly file: string;
  /** The folder holding it: relative paths in it start here. */
  readonly root: string;
  /** The ODCS contract, absolute. */
  readonly contractFile: string;
  readonly contract: Contract;
  /** Absolute, when the project names them. */
  readonly seeds?: string;
  readonly warehouse?: string;
  /** as_of of month_000. */
  readonly firstAsOf?: string;
  readonly postgresSchema?: string;
  /** What was ignored: unknown top-level keys, contract parts streamflow does not check; each `file:line:col: what`. */
  readonly warnings: readonly string[];
}

const DURATION = /^([0-9]+)([wdhm])$/;
const SECONDS_PER_UNIT: Record<string, number> = { w: 7 * 86_400, d: 86_400, h: 3_600, m: 60 };
/** As the command line's --ttl (training/ttl.ts): from a minute to 100 years. */
const MAX_TTL_DAYS = 36_500;
const DURATION_EXPECTED = `a whole number and a unit w, d, h or m, from 1m to ${MAX_TTL_DAYS}d (100 years), e.g. 90d, 2w, 12h`;

const duration = z.string().refine(
  (text) => {
    const match = DURATION.exec(text.trim());
    const seconds = match ? Number(match[1]) * SECONDS_PER_UNIT[match[2]] : Number.NaN;
    return seconds >= 60 && seconds <= MAX_TTL_DAYS * 86_400;
  },
  { error: (issue) => `${quoted(issue.input)} is not a ttl; expected ${DURATION_EXPECTED}` },
);

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: (issue) => `${quoted(issue.input)} is not a plain name; expected letters, digits and _, not starting with a digit`,
});

const bound = z.strictObject({
  warn: z.number().positive().optional(),
  error: z.number().positive().nullable().optional(),
  reason: z.string().min(1).optional(),
});

const projectSchema = z.object({
  name: z.string().min(1),
  contract: z.string().min(1),
  seeds: z.string().min(1).optional(),
  warehouse: z.string().min(1).optional(),
  calendar: z.strictObject({ first_as_of: z.string().optional() }).optional(),
  label: z.strictObject({ table: z.string().min(1), column: z.string().min(1), ttl: duration.optional() }),
  feature_views: z
    .array(
      z.strictObject({
        name,
        table: z.string().min(1),
        features: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]),
        ttl: duration.nullable().optional(),
        default: z.boolean().optional(),
      }),
    )
    .optional(),
  drift: z
    .strictObject({
      tables: z.array(z.string().min(1)).min(1).optional(),
      row_count_ratio: bound.optional(),
      key_churn: bound.optional(),
      psi: bound.optional(),
      mean_ratio: bound.optional(),
      label_mean_ratio: bound.optional(),
      null_share_increase: z.strictObject({ max: z.number().min(0).max(1).optional(), reason: z.string().min(1).optional() }).optional(),
      new_values: z.strictObject({ reason: z.string().min(1).optional() }).optional(),
    })
    .optional(),
  postgres: z.strictObject({ schema: z.string().min(1).optional() }).optional(),
});

type ProjectFile = z.infer<typeof projectSchema>;
const TOP_LEVEL_KEYS = Object.keys(projectSchema.shape);

/** How a message names a file: relative to the working folder when inside it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((column) => b.includes(column));
}

/** The drift settings: each given field over its default. */
function driftSettings(source: YamlSource, drift: ProjectFile['drift']): DriftSettings {
  const merged = (key: string, given: z.infer<typeof bound> | undefined, fallback: DriftBound, ratio: boolean): DriftBound => {
    const warn = given?.warn ?? fallback.warn;
    const error = given?.error === null ? undefined : (given?.error ?? fallback.error);
    const at = (field: string) => (source.has(['drift', key, field]) ? ['drift', key, field] : ['drift', key]);
    if (ratio && warn <= 1) throw source.error(at('warn'), `${key}.warn is ${warn}`, 'a factor above 1 (the ratio is max(now/then, then/now), never below 1)');
    if (!ratio && key === 'key_churn' && warn > 1) throw source.error(at('warn'), `${key}.warn is ${warn}`, 'a share from 0 to 1');
    if (error !== undefined && error < warn)
      throw source.error(at('error'), `${key}.error ${error} is below its warn bound ${warn}`, `an error bound of at least ${warn}`);
    return { warn, ...(error === undefined ? {} : { error }), reason: given?.reason ?? fallback.reason };
  };
  return {
    ...(drift?.tables ? { tables: drift.tables } : {}),
    rowCountRatio: merged('row_count_ratio', drift?.row_count_ratio, DEFAULT_DRIFT.rowCountRatio, true),
    keyChurn: merged('key_churn', drift?.key_churn, DEFAULT_DRIFT.keyChurn, false),
    psi: merged('psi', drift?.psi, DEFAULT_DRIFT.psi, false),
    meanRatio: merged('mean_ratio', drift?.mean_ratio, DEFAULT_DRIFT.meanRatio, true),
    labelMeanRatio: merged('label_mean_ratio', drift?.label_mean_ratio, DEFAULT_DRIFT.labelMeanRatio, true),
    nullShareIncrease: {
      max: drift?.null_share_increase?.max ?? DEFAULT_DRIFT.nullShareIncrease.max,
      reason: drift?.null_share_increase?.reason ?? DEFAULT_DRIFT.nullShareIncrease.reason,
    },
    newValues: { reason: drift?.new_values?.reason ?? DEFAULT_DRIFT.newValues.reason },
  };
}

function tableNamed(source: YamlSource, at: YamlPath, tables: readonly TableRules[], table: string): TableRules {
  const found = tables.find((candidate) => candidate.name === table);
  if (!found) throw source.error(at, `unknown table ${quoted(table)}`, `one of the contract's tables: ${oneOf(tables.map((t) => t.name))}`);
  return found;
}

/** The exported columns of `table` outside its key: what a feature or the label may be. */
function valueColumns(table: TableRules): string[] {
  return table.properties.filter((property) => property.column.inExport && !table.key.includes(property.column.name)).map((property) => property.column.name);
}

function checkValueColumn(source: YamlSource, at: YamlPath, table: TableRules, column: string): void {
  if (valueColumns(table).includes(column)) return;
  const known = table.properties.some((property) => property.column.name === column);
  const problem = !known
    ? `unknown column ${quoted(column)} of table ${table.name}`
    : table.key.includes(column)
      ? `${column} is the key of ${table.name}`
      : `${column} of ${table.name} is not exported`;
  throw source.error(at, problem, `one of ${oneOf(valueColumns(table))}`);
}

function featureViews(source: YamlSource, views: ProjectFile['feature_views'], model: OdcsModel, label: LabelSpec, entity: readonly string[]): FeatureView[] {
  if (views === undefined) {
    return model.tables
      .filter((table) => table.name !== label.table && sameColumns(table.key, entity))
      .map((table) => ({ name: table.name, table: table.name, features: valueColumns(table), ttl: null, default: true }));
  }
  const seen = new Set<string>();
  return views.map((view, index) => {
    const at = ['feature_views', index];
    if (seen.has(view.name)) throw source.error([...at, 'name'], `feature view ${view.name} is declared twice`, 'each view name once');
    seen.add(view.name);
    const table = tableNamed(source, [...at, 'table'], model.tables, view.table);
    if (!sameColumns(table.key, entity)) {
      throw source.error(
        [...at, 'table'],
        `table ${table.name} is keyed by ${table.key.join(', ')}`,
        `a table keyed by the entity (${entity.join(', ')}: the key of the label's table ${label.table})`,
      );
    }
    let features: string[];
    if (view.features === 'all') features = valueColumns(table);
    else {
      features = view.features;
      features.forEach((feature, position) => {
        checkValueColumn(source, [...at, 'features', position], table, feature);
        if (features.indexOf(feature) !== position)
          throw source.error([...at, 'features', position], `feature ${feature} is listed twice`, 'each feature once');
      });
    }
    return { name: view.name, table: table.name, features, ttl: view.ttl?.trim() ?? null, default: view.default ?? false };
  });
}

function checkMonthEnd(source: YamlSource, at: YamlPath, text: string): void {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const lastDay = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]), 0)).getUTCDate() : 0;
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12 || Number(match[3]) !== lastDay) {
    throw source.error(at, `first_as_of is ${quoted(text)}`, "a month's last day as YYYY-MM-DD, e.g. 2024-01-31");
  }
}

/** Reads streamflow.yaml and the contract it names. */
export function loadProject(file: string): Project {
  const absolute = path.resolve(file);
  const root = path.dirname(absolute);
  const source = YamlSource.read(absolute, shown(absolute));
  const raw = source.get([]);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw source.error([], `${PROJECT_FILE} holds ${quoted(raw)}`, 'a mapping of keys: name, contract, label, …');
  const warnings: string[] = Object.keys(raw)
    .filter((key) => !TOP_LEVEL_KEYS.includes(key))
    .map((key) => {
      const where = source.at([key], { key: true });
      return `${source.file}:${where.line}:${where.col}: unknown key "${key}" ignored; expected one of ${oneOf(TOP_LEVEL_KEYS)}`;
    });
  const project = source.parseWith(projectSchema);

  const contractFile = path.resolve(root, project.contract);
  if (!fs.statSync(contractFile, { throwIfNoEntry: false })?.isFile()) {
    throw source.error(['contract'], `no such file ${contractFile}`, `the ODCS contract's path, relative to ${shown(root) || '.'}`);
  }
  const model = parseOdcs(YamlSource.read(contractFile, shown(contractFile)));

  const labelTable = tableNamed(source, ['label', 'table'], model.tables, project.label.table);
  checkValueColumn(source, ['label', 'column'], labelTable, project.label.column);
  const label: LabelSpec = { table: labelTable.name, column: project.label.column, ttl: project.label.ttl?.trim() ?? '31d' };
  const entity = labelTable.key;

  const drift = driftSettings(source, project.drift);
  drift.tables?.forEach((table, index) => {
    tableNamed(source, ['drift', 'tables', index], model.tables, table);
  });
  const views = featureViews(source, project.feature_views, model, label, entity);
  const firstAsOf = project.calendar?.first_as_of;
  if (firstAsOf !== undefined) checkMonthEnd(source, ['calendar', 'first_as_of'], firstAsOf);

  const compiled = compileOdcs(model, { drift, label });
  const contract: Contract = {
    id: compiled.id,
    name: compiled.name,
    version: compiled.version,
    tables: compiled.tables,
    entity,
    featureViews: views,
    label,
  };
  return {
    name: project.name,
    file: absolute,
    root,
    contractFile,
    contract,
    ...(project.seeds === undefined ? {} : { seeds: path.resolve(root, project.seeds) }),
    ...(project.warehouse === undefined ? {} : { warehouse: path.resolve(root, project.warehouse) }),
    ...(firstAsOf === undefined ? {} : { firstAsOf }),
    ...(project.postgres?.schema === undefined ? {} : { postgresSchema: project.postgres.schema }),
    warnings: [...warnings, ...compiled.warnings],
  };
}
