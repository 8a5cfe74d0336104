// What the command line prints for people (tools get the same facts with --json): a run's
// summary, the run history, one run's page, the snapshot list and a project's outline.
import * as path from 'node:path';
import type { Amendment, SnapshotVersion, TableDifference } from '../artifacts';
import { definitionOf } from '../contract/expectations/registry';
import type { ProjectOutline } from '../contract/outline';
import { type RunSummary, TASK_COUNT_UNITS } from '../flow/ingest';
import { formatBytes, formatCount, formatNumber } from '../format';
import { textTable } from '../output';
import type { RunDetails, RunListing } from '../record/history';
import type { TrainingSummary, VersionRead } from '../training/options';
import type { Finding } from '../validate';
import type { FlaggedComparison, MonthOverMonth } from '../validate/month-over-month';

/** Hashes in people's tables: 12 hex digits tell partitions apart; --long prints all 64. */
export const SHORT_HASH = 12;

const SEVERITY_WORD: Record<string, string> = { error: 'failure', warn: 'warning' };

/** One line per failed expectation: severity, table.column, rule and its figure. */
function findingLines(findings: readonly Finding[]): string[] {
  return findings.map((finding) => `${SEVERITY_WORD[finding.severity] ?? finding.severity}: ${finding.message}`);
}

function text(value: unknown): string {
  return value === null || value === undefined ? 'NULL' : String(value);
}

/** A path as short as it reads: relative to the working directory when inside it. */
function displayPath(file: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

export function reportHtml(reportDir: string | null): string | null {
  return reportDir === null ? null : path.join(reportDir, 'report.html');
}

/** The terminal summary of ingest/validate: counts per table, every warning and failure named, then the report page. */
export function runSummaryText(summary: RunSummary): string {
  const lines = [
    `${summary.command} ${summary.month} as_of ${summary.as_of}: ${summary.status} (run ${summary.run_id}, ${summary.duration_ms} ms)`,
    ...summary.tables.map(
      (table) =>
        `  ${table.table.padEnd(18)} ${String(table.rows_in).padStart(9)} in  ${String(table.inserted).padStart(8)} inserted  ${String(table.updated).padStart(8)} updated  ${String(table.unchanged).padStart(8)} unchanged`,
    ),
    ...amendmentLines(summary.as_of, summary.amendment).map((line) => `  ${line}`),
    ...monthOverMonthLines(summary.month_over_month).map((line) => `  ${line}`),
    ...findingLines(summary.findings).map((line) => `  ${line}`),
    `  report: ${text(reportHtml(summary.report_path))}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** A correction or a late month, said as such: the version frozen, the reason, what changed against the version replaced, what became of the live tables. */
export function amendmentLines(asOf: string | null, amendment: Amendment | null | undefined): string[] {
  if (!amendment) return [];
  const live =
    amendment.live_kept_for === null
      ? 'live tables: set to the corrected state (it is the newest frozen as_of)'
      : `live tables: unchanged, they keep the newer frozen month ${amendment.live_kept_for}`;
  if (amendment.kind === 'late') return [`late month: ${asOf} frozen (version 1), older than the newest frozen month; later months stay as frozen`, live];
  return [
    `correction: version ${amendment.version} of ${asOf}, replacing version ${amendment.replaces_version}: ${JSON.stringify(amendment.reason)}`,
    ...amendment.differences.map((difference) => `  ${differenceText(difference)}`),
    live,
  ];
}

/** One table's changes against the version replaced: counts, columns, keys. */
export function differenceText(difference: TableDifference): string {
  const columns = difference.columns.map((column) => `${column.column} (${formatCount(column.rows)})`).join(', ');
  const keys = `${difference.sample_keys.join(', ')}${difference.keys > difference.sample_keys.length ? `, … (${formatCount(difference.keys)} in all)` : ''}`;
  return (
    `${difference.table}: ${formatCount(difference.changed)} changed, ${formatCount(difference.only_new)} added, ${formatCount(difference.only_frozen)} removed` +
    `${columns ? `; columns ${columns}` : ''}; keys ${keys}`
  );
}

/** A share as a percentage of one decimal, as the report writes it: 0.2654 → "26.5 %". */
function rate(share: number | null): string {
  return share === null ? '—' : `${(100 * share).toFixed(1)} %`;
}

/** One flagged month-over-month figure, worded by its type: "orders.amount mean ×1.52 (warn)". */
function flaggedText(flag: FlaggedComparison): string {
  const name = flag.column === null ? flag.table : `${flag.table}.${flag.column}`;
  const worded = definitionOf(flag.type)?.wording.flagged?.(flag) ?? `${flag.type} ${flag.figure === null ? 'not computed' : formatNumber(flag.figure)}`;
  return `${name} ${worded} (${flag.severity})`;
}

/**
 * The month against the previous frozen one, a few lines for people (the exact figures are
 * in --json): the entity table's rows and key churn, the label's rate, each flagged figure.
 */
export function monthOverMonthLines(block: MonthOverMonth | null): string[] {
  if (block === null) return [];
  const { entity, label } = block;
  return [
    `month over month, compared with ${block.previous_as_of}:`,
    ...(entity
      ? [
          `  ${entity.table}: ${entity.rows_then === null ? '—' : formatCount(entity.rows_then)} → ${formatCount(entity.rows_now)} rows` +
            (entity.keys_added === null || entity.keys_gone === null ? '' : ` (${formatCount(entity.keys_added)} new, ${formatCount(entity.keys_gone)} gone)`),
        ]
      : []),
    ...(label ? [`  label ${label.table}.${label.column}: ${rate(label.rate_then)} → ${rate(label.rate_now)} true`] : []),
    ...(block.flagged.length > 0 ? block.flagged.map((flag) => `  ${flaggedText(flag)}`) : ['  no month-over-month figure flagged']),
  ];
}

/** What `runs` and `runs show` print for what a rebuilt run did not measure. */
const NOT_MEASURED = '—';

export function runsText(listing: RunListing): string {
  const header = ['run_id', 'command', 'month', 'as_of', 'status', 'exit', 'ms', 'rows_in', 'inserted', 'updated', 'seeds folder', 'history'];
  const rows = listing.runs.map((run) => [
    ...[run.run_id, run.command, run.month, run.as_of, run.status, run.exit_code].map(text),
    ...[run.duration_ms, run.rows_in, run.rows_inserted, run.rows_updated].map((value) =>
      run.rebuilt === true && value === null ? NOT_MEASURED : text(value),
    ),
    displayPath(String(run.month_path)),
    amendmentLabel(run.amendment as Amendment | null),
  ]);
  const hidden = listing.hidden_unchanged > 0 ? `(${listing.hidden_unchanged} unchanged replay run(s) hidden; --all shows them)\n` : '';
  const rebuilt = listing.runs.some((run) => run.rebuilt === true) ? `(${NOT_MEASURED}: not measured, the run was restored by \`streamflow rebuild\`)\n` : '';
  return textTable(header, rows) + hidden + rebuilt;
}

/** A run's change to history in a word or three, for `runs`: "correction v2: labels fixed", "late month". */
function amendmentLabel(amendment: Amendment | null): string {
  if (!amendment) return '';
  return amendment.kind === 'late' ? 'late month' : `correction v${amendment.version}: ${amendment.reason ?? ''}`;
}

interface TableCount {
  readonly table: string;
  readonly rows_in: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
}

interface InputFile {
  readonly table: string;
  readonly file: string;
  readonly bytes: number;
  readonly rows: number;
  readonly sha256: string;
}

function milliseconds(value: unknown): string {
  return value === null || value === undefined ? '' : `${Math.round(Number(value))} ms`;
}

/** `runs show <id>`: a readable page of one run. */
export function runPageText(run: RunDetails): string {
  const inputs = (run.input_files ?? []) as InputFile[];
  const counts = (run.table_counts ?? []) as TableCount[];
  const snapshots = run.snapshots as unknown as SnapshotVersion[];
  const tables = inputs.map((input) => {
    const count = counts.find((candidate) => candidate.table === input.table);
    const snapshot = snapshots.find((candidate) => candidate.table_name === input.table);
    return [
      input.table,
      formatBytes(input.bytes),
      formatCount(input.rows),
      ...(count ? [count.inserted, count.updated, count.unchanged].map(formatCount) : Array(3).fill(run.rebuilt ? NOT_MEASURED : '')),
      snapshot ? `${formatCount(snapshot.rows)} rows, ${snapshot.sha256.slice(0, SHORT_HASH)}` : '',
    ];
  });
  const findings = run.findings === null ? ["(the run's validation.json is missing)"] : findingLines(run.findings);
  const sections = [
    [
      `run ${run.run_id}: ${text(run.command)} ${text(run.month)} as_of ${text(run.as_of)}: ${text(run.status)} (exit ${text(run.exit_code)})`,
      `  seeds folder  ${text(run.month_path)}`,
      `  started       ${text(run.started_at)}`,
      `  ended         ${run.rebuilt ? 'not measured (restored by `streamflow rebuild`)' : text(run.ended_at)}`,
      ...(run.run_by ? [`  run by        ${text(run.run_by)}`] : []),
      `  report        ${text(run.report_html)}`,
    ].join('\n'),
    ...(run.amendment ? [amendmentLines(text(run.as_of), run.amendment as Amendment).join('\n')] : []),
    run.rebuilt && run.tasks.length === 0
      ? 'tasks\n  not measured (restored by `streamflow rebuild`: its tasks, timings and counts are not in the snapshot manifests)'
      : `tasks\n${indent(
          textTable(
            ['task', 'state', 'attempts', 'duration', 'count', 'error'],
            run.tasks.map((task) => [
              text(task.task),
              text(task.state),
              text(task.attempts),
              milliseconds(task.duration_ms),
              task.rows === null ? '' : `${formatCount(Number(task.rows))} ${TASK_COUNT_UNITS[String(task.task)] ?? 'rows'}`,
              task.error === null ? '' : String(task.error).split('\n')[0],
            ]),
          ),
        )}`,
    `tables\n${indent(textTable(['table', 'file size', 'rows in', 'inserted', 'updated', 'unchanged', 'snapshot'], tables))}`,
    ...(run.month_over_month ? [monthOverMonthLines(run.month_over_month).join('\n')] : []),
    `warnings and failures\n${findings.length > 0 ? findings.map((line) => `  ${line}`).join('\n') : '  none'}`,
    ...(run.error ? [`error\n${indent(`${String(run.error)}\n`)}`] : []),
  ];
  return `${sections.join('\n\n').trimEnd()}\n`;
}

function indent(block: string): string {
  return block
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** `snapshots`: every version of every partition, the newest of each as_of last; a correction's reason at the end of its rows. */
export function snapshotsText(entries: readonly SnapshotVersion[], long: boolean): string {
  return textTable(
    ['table', 'as_of', 'version', 'recorded_at', 'rows', 'bytes', 'sha256', 'run_id', 'reason'],
    entries.map((entry) => [
      entry.table_name,
      entry.as_of,
      String(entry.version),
      entry.recorded_at,
      String(entry.rows),
      String(entry.bytes),
      long ? entry.sha256 : entry.sha256.slice(0, SHORT_HASH),
      entry.run_id,
      entry.reason ?? '',
    ]),
  );
}

/** The training set's summary on stderr: rows, where the labels came from, the snapshot range read, rows without features per view. */
export function trainingSetText(summary: TrainingSummary): string {
  const missing = Object.entries(summary.rows_missing_features).map(([view, rows]) => `  ${view.padEnd(22)} ${rows} rows without features`);
  const labels = { entities: 'from the entity file', same_as_of: "frozen at the features' as_of", next_as_of: 'from the next frozen month' }[summary.label];
  return `${[
    `training set: ${summary.rows} rows from ${summary.entities}${summary.out ? ` → ${summary.out}` : ''}`,
    `  labels ${labels}${summary.labels_left_out > 0 ? `; ${summary.labels_left_out} rows left out (their next month is not frozen)` : ''}${summary.rows_without_label > 0 ? `; ${summary.rows_without_label} rows without a label` : ''}`,
    `  feature values from snapshots ${summary.source_as_of.min ?? '-'} … ${summary.source_as_of.max ?? '-'}`,
    ...(summary.timestamps_converted_to_utc > 0 ? [`  ${summary.timestamps_converted_to_utc} event timestamps with a zone or offset converted to UTC`] : []),
    ...missing,
    ...versionsReadText(summary),
  ].join('\n')}\n`;
}

/** Which version of which as_of each view and the label read, and the knowledge time that rebuilds the same set. */
function versionsReadText({ known_at, versions_read, label }: TrainingSummary): string[] {
  const versions = (read: readonly VersionRead[]) =>
    read.length === 0 ? 'none' : read.map((entry) => `${entry.table_name} ${entry.as_of} v${entry.version}`).join(', ');
  return [
    `  read as known at ${known_at} (--known-at ${known_at} rebuilds this set)`,
    ...(versions_read.entities ? [`    ${'entities'.padEnd(22)} ${versions([versions_read.entities])}`] : []),
    ...Object.entries(versions_read.features).map(([view, read]) => `    ${view.padEnd(22)} ${versions(read)}`),
    ...(label !== 'entities' ? [`    ${'label'.padEnd(22)} ${versions(versions_read.label)}`] : []),
  ];
}

/** Lines of cells, each column as wide as its widest cell, two spaces apart. */
function aligned(rows: readonly (readonly string[])[], prefix: string): string[] {
  const widths = rows.reduce<number[]>((found, row) => row.map((cell, index) => Math.max(found[index] ?? 0, cell.length)), []);
  return rows.map((row) => `${prefix}${row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]))).join('  ')}`.trimEnd());
}

/** `contract check`: the project, its entity, label and views, then per table its file, key, columns and expectations; the warnings last. */
export function projectOutlineText(outline: ProjectOutline): string {
  const expectations = outline.tables.reduce((sum, table) => sum + table.expectations.length, 0);
  const views = outline.feature_views.map((view) => `${view.name} (${view.table}${view.default ? ', default' : ''}, ttl ${view.ttl ?? 'none'})`);
  const head = [
    `project ${outline.project.name}: ${displayPath(outline.project.file)}`,
    `contract ${outline.contract.name} ${outline.contract.version} (id ${outline.contract.id}): ${displayPath(outline.contract.file)}: ${outline.tables.length} tables, ${expectations} expectations`,
    `entity: ${outline.entity.join(', ')} (the key of ${outline.label.table}); label: ${outline.label.table}.${outline.label.column}, ttl ${outline.label.ttl}`,
    `feature views: ${views.length > 0 ? views.join(', ') : 'none'}`,
  ].join('\n');
  const tables = outline.tables.map((table) =>
    [
      `${table.name}: ${table.file}, key ${table.key.join(', ')}${table.parent ? `, every key in ${table.parent}` : ''}, ${table.columns.length} columns, ${table.expectations.length} expectations`,
      '  columns',
      ...aligned(
        table.columns.map((column) => [
          column.name,
          column.type,
          column.required ? 'required' : 'nullable',
          [table.key.includes(column.name) ? 'key' : '', column.exported ? '' : 'not exported'].filter(Boolean).join(', '),
        ]),
        '    ',
      ),
      '  expectations',
      ...aligned(
        // The id names the type (<table>.<NN>.<type>): not repeated.
        table.expectations.map((expectation) => [
          expectation.id,
          expectation.column ?? '-',
          `${expectation.description}${expectation.severity === 'error' ? '' : ` [${expectation.severity}]`}`,
        ]),
        '    ',
      ),
    ].join('\n'),
  );
  const warnings = outline.warnings.length > 0 ? `warnings\n${outline.warnings.map((warning) => `  ${warning}`).join('\n')}` : 'no warnings';
  return `${[head, ...tables, warnings].join('\n\n')}\n`;
}
