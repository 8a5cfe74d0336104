// A drafted ODCS contract as YAML text: what `contract infer` (flow/project-files.ts) saw in
// one month's CSV files, written in the subset odcs.ts reads, marked `status: draft`, each
// guess a reviewer should weigh commented beside it. Also the naming rules both `infer`
// and `init` share, and the streamflow.yaml lines that would name a drafted contract.
// Pure text: the profiling that fills a DraftContract lives in the flow.
import { stringify } from 'yaml';
import type { ColumnType } from './columns';

export interface DraftProperty {
  /** The CSV header's name (a plain name: a header that is not one is refused before). */
  readonly name: string;
  readonly type: ColumnType;
  /** No value was empty. */
  readonly required: boolean;
  /** 1-based place in the table's key, when the column is part of it. */
  readonly keyPosition?: number;
  /** Observed range of a number, as exact numeric text, inclusive; absent when there is none to give. */
  readonly minimum?: string;
  readonly maximum?: string;
  /** `table.column` this column's values all exist in. */
  readonly references?: string;
  /** A BOOLEAN's CSV spelling when it is not true / false. */
  readonly booleans?: { readonly true: string; readonly false: string };
  /** Comment lines for the reviewer: what was observed, why a type was not chosen. */
  readonly notes: readonly string[];
}

export interface DraftTable {
  /** A plain name made from the file's name. */
  readonly name: string;
  /** The CSV file's name in the month folder. */
  readonly file: string;
  readonly rows: number;
  readonly properties: readonly DraftProperty[];
  /** Comment lines on the table (its key, what was not found). */
  readonly notes: readonly string[];
}

export interface DraftContract {
  readonly id: string;
  /** The month folder the draft was made from, as the header names it. */
  readonly source: string;
  /** Parents (referenced tables) before their children. */
  readonly tables: readonly DraftTable[];
}

/** Letters, digits and _, not starting with a digit: what odcs.ts and project.ts accept as a name. */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isPlainName(text: string): boolean {
  return PLAIN_NAME.test(text);
}

/**
 * `text` as a plain name: lower case, every run of other characters one `_`, none at
 * either end, `_` before a leading digit; `fallback` when nothing is left.
 * "My Project" → my_project, "2024 exports" → _2024_exports.
 */
export function plainName(text: string, fallback: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  if (name === '') return fallback;
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

const LOGICAL_TYPES: Record<string, string> = {
  VARCHAR: 'string',
  BOOLEAN: 'boolean',
  INTEGER: 'integer',
  BIGINT: 'integer',
  DOUBLE: 'number',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  TIMESTAMPTZ: 'timestamp',
};

function logicalType(type: ColumnType): string {
  return LOGICAL_TYPES[type] ?? 'number';
}

/** A YAML scalar on one line, quoted only when it must be. */
function scalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

function comments(notes: readonly string[], indent: string): string[] {
  return notes.map((note) => `${indent}# ${note}`);
}

function propertyLines(property: DraftProperty): string[] {
  const lines = [
    `      - name: ${scalar(property.name)}`,
    ...comments(property.notes, '        '),
    `        logicalType: ${logicalType(property.type)}`,
    `        physicalType: ${property.type}`,
  ];
  if (property.keyPosition !== undefined) lines.push('        primaryKey: true', `        primaryKeyPosition: ${property.keyPosition}`);
  lines.push(`        required: ${property.required}`);
  const bounds = [
    property.minimum === undefined ? undefined : `minimum: ${property.minimum}`,
    property.maximum === undefined ? undefined : `maximum: ${property.maximum}`,
  ].filter((bound) => bound !== undefined);
  if (bounds.length > 0) lines.push(`        logicalTypeOptions: { ${bounds.join(', ')} }`);
  if (property.booleans !== undefined) {
    lines.push(
      '        customProperties:',
      '          - property: trueValues',
      // Quoted: a YAML 1.1 reader takes a bare Yes or No for a boolean.
      `            value: [${JSON.stringify(property.booleans.true)}]`,
      '          - property: falseValues',
      `            value: [${JSON.stringify(property.booleans.false)}]`,
    );
  }
  if (property.references !== undefined) lines.push('        relationships:', `          - to: ${scalar(property.references)}`, '            type: foreignKey');
  return lines;
}

function tableLines(table: DraftTable): string[] {
  return [
    `  - name: ${scalar(table.name)}`,
    ...comments(table.notes, '    '),
    '    physicalType: table',
    ...(table.file === `${table.name}.csv` ? [] : ['    customProperties:', '      - property: file', `        value: ${scalar(table.file)}`]),
    '    properties:',
    ...table.properties.flatMap(propertyLines),
  ];
}

/** The draft as an ODCS v3.1 document, in the subset odcs.ts reads. */
export function draftYaml(draft: DraftContract): string {
  const lines = [
    `# drafted by streamflow contract infer from ${draft.source} — review before use.`,
    '# Every type, key, required flag, range and relationship below is what that one month',
    '# held, not what the data means: a range is the observed one (widen it to what the',
    '# column may hold), a column seen without an empty value is required. Month-over-month',
    "# drift checks are derived from the project's drift settings and only warn at first.",
    '# Add quality rules (odcs.ts lists what is read), then set status: active.',
    'apiVersion: v3.1.0',
    'kind: DataContract',
    `id: ${scalar(draft.id)}`,
    `name: ${scalar(draft.id)}`,
    'version: 0.1.0',
    'status: draft',
    'schema:',
    ...draft.tables.flatMap(tableLines),
  ];
  return `${lines.join('\n')}\n`;
}

/** The columns of `table` a label may be: exported, outside the key (project.ts). */
function valueProperties(table: DraftTable): DraftProperty[] {
  return table.properties.filter((property) => property.keyPosition === undefined);
}

const LABEL_WORDS = /label|target|churn|outcome|renew|convert|fraud|default|response/i;

/**
 * The label a project could start from: a BOOLEAN column of a table keyed like another
 * table (its key is then the entity every training row is about), best when its table or
 * its own name says so, or it is its table's only column outside the key; else any
 * column outside a key. Undefined when no table has one.
 */
export function suggestedLabel(draft: DraftContract): { readonly table: string; readonly column: string } | undefined {
  const keyOf = (table: DraftTable) =>
    table.properties
      .filter((property) => property.keyPosition !== undefined)
      .map((property) => property.name)
      .sort()
      .join(',');
  const keyedLikeAnother = (table: DraftTable) => draft.tables.some((other) => other !== table && keyOf(other) === keyOf(table));
  const candidates = draft.tables.flatMap((table) =>
    valueProperties(table).map((property) => ({
      table: table.name,
      column: property.name,
      score:
        (property.type === 'BOOLEAN' ? 8 : 0) +
        (keyedLikeAnother(table) ? 4 : 0) +
        (LABEL_WORDS.test(table.name) || LABEL_WORDS.test(property.name) ? 2 : 0) +
        (valueProperties(table).length === 1 ? 1 : 0) +
        (property.required ? 1 : 0),
    })),
  );
  const best = candidates.reduce<(typeof candidates)[number] | undefined>(
    (found, candidate) => (found && found.score >= candidate.score ? found : candidate),
    undefined,
  );
  return best && { table: best.table, column: best.column };
}

/** The streamflow.yaml lines that name a drafted contract: the least a project needs, with its label to review. */
export function projectSnippet(
  name: string,
  contractPath: string,
  label: { readonly table: string; readonly column: string } | undefined,
  seeds?: string,
): string {
  const lines = [
    `name: ${scalar(name)}`,
    `contract: ${scalar(contractPath)}`,
    ...(seeds === undefined ? [] : [`seeds: ${scalar(seeds)}`]),
    'warehouse: warehouse',
    "# calendar: { first_as_of: <as_of of month_000, a month's last day; default 2024-01-31> }",
    label === undefined
      ? '# label: { table: <a table>, column: <its column every training row is labelled with> }'
      : `label:   # what every training row is labelled with: review\n  table: ${scalar(label.table)}\n  column: ${scalar(label.column)}`,
  ];
  return `${lines.join('\n')}\n`;
}
