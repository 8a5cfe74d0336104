// report.html: the run's verdict and counts, what needs attention, what the run changed,
// the month against the previous one and the trends, its input files, then one section
// per table with its expectation results (passes folded) and a card per column.
import type { ExpectationResult, ValidationDocument } from '../artifacts';
import { describeExpectation, loadDetail } from '../contract/describe';
import { baseName, formatBytes, formatCount, formatPercent, shortHash } from '../format';
import type { RunChanges } from '../record';
import { columnCards } from './columns';
import { anchorOf, countByStatus, expectationsTable, observedText, statusOf, worstFirst } from './expectations';
import { badge, bar, dataTable, Html, html, type Status } from './html';
import { monthOverMonth, trends } from './month';
import type { MonthProfile } from './profile';
import { STYLES } from './styles';

type InputFile = ValidationDocument['meta']['tables'][number];

/** Results of load problems that name no table (a whole-month problem) go under this heading. */
const MONTH_SECTION = '(month)';

const VERDICT: Record<Status, { readonly text: string; readonly mark: string }> = {
  passed: { text: 'Passed', mark: '✓' },
  warning: { text: 'Passed with warnings', mark: '!' },
  failed: { text: 'Failed', mark: '✗' },
};

function verdictOf(document: ValidationDocument): Status {
  if (!document.success) return 'failed';
  return document.statistics.warnings > 0 ? 'warning' : 'passed';
}

/** Whether the month stopped at load: no file was read, so only load problems are listed. */
function stoppedAtLoad(document: ValidationDocument): boolean {
  return document.meta.tables.length === 0 && document.results.length > 0;
}

/** Tables in the order the run met them: input files, then results, then metrics. */
function tableNames(document: ValidationDocument, profile: MonthProfile | undefined): string[] {
  const names = [
    ...document.meta.tables.map((file) => file.table),
    ...document.results.map((result) => result.meta.table || MONTH_SECTION),
    ...(profile?.metrics.columns ?? []).map((column) => column.table_name),
  ];
  return [...new Set(names)];
}

const sectionId = (table: string) => `table-${table.replace(/[^A-Za-z0-9_-]/g, '-')}`;

function fact(label: string, value: Html | string): Html {
  return html`<div class="fact"><dt>${label}</dt><dd>${value}</dd></div>`;
}

function stat(label: string, value: number, status?: Status): Html {
  const tone = value === 0 ? 'zero' : status;
  return html`<div class="stat${tone ? html` ${tone}` : null}"><div class="stat-value">${formatCount(value)}</div><div class="stat-label">${label}</div></div>`;
}

/** What the verdict meant for the run (SPEC: a hard failure stops it before anything changes). */
function verdictNote(document: ValidationDocument, verdict: Status): Html | null {
  const reused = document.meta.reused_from_run;
  if (reused) {
    return html`<p class="verdict-note">Nothing was recomputed: the input files are byte-identical (sha256) to those of run <a class="mono" href="../${reused}/report.html">${reused}</a>, which validated them and froze this as_of under the same contract and release, and its snapshot files still match the manifest. Its results are shown; its report has the column statistics.</p>`;
  }
  if (stoppedAtLoad(document)) {
    return html`<p class="verdict-note">The month did not load, so no expectation suite ran: the problems found while loading are listed below. Live tables and snapshots were not changed.</p>`;
  }
  if (verdict === 'failed') {
    return html`<p class="verdict-note">A hard expectation failed: the run stopped before changing live tables or snapshots.</p>`;
  }
  return null;
}

function verdictBanner(document: ValidationDocument): Html {
  const verdict = verdictOf(document);
  const { evaluated_expectations: evaluated, successful_expectations: passed, warnings } = document.statistics;
  const failed = document.statistics.unsuccessful_expectations - warnings;
  const chart = bar(
    [
      { fraction: evaluated ? passed / evaluated : 0, tone: 'passed' },
      { fraction: evaluated ? warnings / evaluated : 0, tone: 'warning' },
      { fraction: evaluated ? failed / evaluated : 0, tone: 'failed' },
    ],
    `${formatCount(passed)} passed, ${formatCount(warnings)} warned, ${formatCount(failed)} failed of ${formatCount(evaluated)}`,
    360,
    12,
  );
  const note = verdictNote(document, verdict);
  return html`<section class="verdict ${verdict}" aria-label="verdict">
<div class="verdict-head"><span class="verdict-mark" aria-hidden="true">${VERDICT[verdict].mark}</span><span class="verdict-text">${VERDICT[verdict].text}</span></div>
<div class="stats">${stat('evaluated', evaluated)}${stat('passed', passed, 'passed')}${stat('failed', failed, 'failed')}${stat('warnings', warnings, 'warning')}<div class="stat chart">${chart}<div class="stat-label">${formatPercent(document.statistics.success_percent)} of expectations met</div></div></div>
${note}</section>`;
}

function header(document: ValidationDocument): Html {
  const { month, as_of: asOf, run_id: runId, validation_time: time } = document.meta;
  return html`<header class="page-head">
<div class="eyebrow">streamflow · validation report</div>
<h1>${month}${asOf ? html` <span class="as-of">as of ${asOf}</span>` : null}</h1>
<dl class="facts">${fact('Month', month)}${fact('as_of', asOf ?? '—')}${fact('Run id', html`<span class="mono">${runId}</span>`)}${fact('Validated at', time)}</dl>
</header>`;
}

function inputFiles(files: readonly InputFile[]): Html {
  const body =
    files.length === 0
      ? html`<p class="empty">No input file could be loaded: the problems below say why.</p>`
      : dataTable(
          'inputs',
          ['Table', 'File', { content: 'Rows', className: 'num' }, { content: 'Size', className: 'num' }, 'sha256'],
          files.map((file) => ({
            cells: [
              html`<a href="#${sectionId(file.table)}">${file.table}</a>`,
              html`<span class="mono" title="${file.file}">${baseName(file.file)}</span>`,
              { content: formatCount(file.rows), className: 'num' },
              { content: formatBytes(file.bytes), className: 'num' },
              html`<span class="mono" title="${file.sha256}">${shortHash(file.sha256)}</span>`,
            ],
          })),
        );
  return html`<section class="block"><h2>Input files</h2>${body}</section>`;
}

/** Every failed or warning expectation in one list, linked to its row below. */
function attention(document: ValidationDocument): Html | null {
  const problems = worstFirst(document.results.filter((result) => !result.success));
  if (problems.length === 0) return null;
  const items = problems.map((result) => {
    const observed = observedText(result);
    return html`<li class="${statusOf(result)}">${badge(statusOf(result))} <a href="#${anchorOf(result)}"><span class="mono">${[result.meta.table || MONTH_SECTION, result.meta.column].filter(Boolean).join('.')}</span></a> ${describeExpectation(result.expectation_config, document.meta.as_of)}${
      observed === undefined ? null : html` <span class="muted">— ${observed}</span>`
    }${unexpectedSuffix(result)}${detailSuffix(result)}</li>`;
  });
  const tone = problems.some((result) => statusOf(result) === 'failed') ? 'failed' : 'warning';
  return html`<section class="block attention ${tone}"><h2>Needs attention</h2><ul class="problems">${items}</ul></section>`;
}

const CHANGE_NOTE: Partial<Record<RunChanges['status'], string>> = {
  unchanged: 'Nothing changed: this as_of is already frozen with exactly this content, so its snapshot was reused.',
  validated: 'Nothing changed: validate checks a month without writing it.',
  rejected: 'Nothing changed: the month was rejected before any live table or snapshot was touched.',
  refused: 'Nothing changed: the run was refused, so history stays as it was.',
};

/** Rows inserted and updated per table, and the snapshot written (or why nothing was). */
function runChanges(run: RunChanges | undefined): Html | null {
  if (!run) return null;
  if (run.status !== 'succeeded')
    return html`<section class="block changes"><h2>What the run changed</h2><p>${CHANGE_NOTE[run.status] ?? 'Nothing changed.'}</p></section>`;
  const rows = run.changes.map((table) => {
    const snapshot = run.snapshots.find((entry) => entry.table_name === table.table);
    return {
      cells: [
        html`<a class="mono" href="#${sectionId(table.table)}">${table.table}</a>`,
        { content: formatCount(table.rows_in), className: 'num' },
        { content: formatCount(table.inserted), className: 'num' },
        { content: formatCount(table.updated), className: 'num' },
        { content: formatCount(table.unchanged), className: 'num' },
        snapshot
          ? html`<span class="mono" title="${snapshot.sha256}">${snapshot.path}</span> <span class="muted">${formatCount(snapshot.rows)} rows</span>`
          : html`<span class="muted">—</span>`,
      ],
    };
  });
  const head = [
    'Table',
    { content: 'Rows in', className: 'num' },
    { content: 'Inserted', className: 'num' },
    { content: 'Updated', className: 'num' },
    { content: 'Unchanged', className: 'num' },
    'Snapshot written',
  ];
  return html`<section class="block changes"><h2>What the run changed</h2>${dataTable('changes', head, rows)}</section>`;
}

/**
 * A correction, said as such: the version it adds, the one it replaces, its reason, and per
 * table the rows changed, added and removed against that version, with their columns and keys;
 * a late month, that it is one. Either way, what became of the live tables.
 */
function historyChange(run: RunChanges | undefined, asOf: string | null): Html | null {
  const amendment = run?.amendment;
  if (!amendment) return null;
  const live =
    amendment.live_kept_for === null
      ? 'The live tables now hold the corrected state: this is the newest frozen as_of.'
      : `The live tables are unchanged: they keep the newer frozen month ${amendment.live_kept_for}.`;
  if (amendment.kind === 'late') {
    return html`<section class="block changes"><h2>Late month</h2><p>${asOf} is older than the newest frozen month and was frozen for the first time (version 1), over the frozen month before it. Later months stay as they were frozen. ${live}</p></section>`;
  }
  const rows = amendment.differences.map((difference) => ({
    cells: [
      html`<span class="mono">${difference.table}</span>`,
      { content: formatCount(difference.changed), className: 'num' },
      { content: formatCount(difference.only_new), className: 'num' },
      { content: formatCount(difference.only_frozen), className: 'num' },
      difference.columns.map((column) => `${column.column} (${formatCount(column.rows)})`).join(', '),
      html`<span class="mono">${difference.sample_keys.join(', ')}</span>${
        difference.keys > difference.sample_keys.length ? html` <span class="muted">… ${formatCount(difference.keys)} keys in all</span>` : null
      }`,
    ],
  }));
  const head = [
    'Table',
    { content: 'Changed', className: 'num' },
    { content: 'Added', className: 'num' },
    { content: 'Removed', className: 'num' },
    'Columns changed',
    'Keys',
  ];
  return html`<section class="block changes correction"><h2>Correction: version ${amendment.version} of ${asOf}</h2>
<p>Reason: <strong>${amendment.reason ?? ''}</strong>. It replaces version ${amendment.replaces_version}, which stays as it was, readable with <span class="mono">--known-at</span>. Against it:</p>
${dataTable('correction', head, rows)}<p>${live}</p></section>`;
}

function unexpectedSuffix(result: ExpectationResult): Html | null {
  const count = result.result.unexpected_count;
  return count > 0 ? html` <span class="muted">— ${formatCount(count)} unexpected (${formatPercent(result.result.unexpected_percent)})</span>` : null;
}

function detailSuffix(result: ExpectationResult): Html | null {
  const detail = loadDetail(result.expectation_config);
  return detail ? html` <span class="muted">— ${detail}</span>` : null;
}

function tableStatus(results: readonly ExpectationResult[]): Html {
  const counts = countByStatus(results);
  const parts = (['failed', 'warning', 'passed'] as const)
    .filter((status) => counts[status] > 0)
    .map((status) => badge(status, `${formatCount(counts[status])} ${status === 'warning' ? 'warn' : status}`));
  return parts.length > 0 ? html`<span class="table-status">${parts}</span>` : html`<span class="muted">no results</span>`;
}

function tableSection(table: string, document: ValidationDocument, profile: MonthProfile | undefined): Html {
  const results = document.results.filter((result) => (result.meta.table || MONTH_SECTION) === table);
  const file = document.meta.tables.find((input) => input.table === table);
  const subtitle = file ? html`<span class="muted">${baseName(file.file)} · ${formatCount(file.rows)} rows</span>` : null;
  const columns = (profile?.metrics.columns ?? []).filter((column) => column.table_name === table);
  const previous = (profile?.metrics.previous ?? []).filter((column) => column.table_name === table);
  const histograms = (profile?.histograms ?? []).filter((histogram) => histogram.table_name === table);
  const statistics =
    table === MONTH_SECTION
      ? null
      : html`<h3>Columns <span class="legend"><span class="swatch then"></span>previous month<span class="swatch now"></span>this month</span></h3>${columnCards(columns, previous, histograms, results)}`;
  return html`<section class="table-section" id="${sectionId(table)}" data-table="${table}">
<div class="section-head"><h2 class="mono">${table}</h2>${subtitle}${tableStatus(results)}</div>
<h3>Expectations</h3>${expectationsTable(results, document.meta.as_of)}
${statistics}
</section>`;
}

function tableNav(tables: readonly string[], document: ValidationDocument): Html {
  const links = tables.map((table) => {
    const counts = countByStatus(document.results.filter((result) => (result.meta.table || MONTH_SECTION) === table));
    const status: Status = counts.failed > 0 ? 'failed' : counts.warning > 0 ? 'warning' : 'passed';
    return html`<li><a class="chip ${status}" href="#${sectionId(table)}"><span class="dot" aria-hidden="true"></span>${table}</a></li>`;
  });
  return html`<nav class="toc" aria-label="tables"><ul>${links}</ul></nav>`;
}

export function renderReport(document: ValidationDocument, profile: MonthProfile | undefined, run?: RunChanges): string {
  const tables = tableNames(document, profile);
  const title = `${VERDICT[verdictOf(document)].text} · ${document.meta.month} · streamflow ${document.meta.run_id}`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${new Html(STYLES)}</style></head>
<body><main class="page">
${header(document)}
${verdictBanner(document)}
${attention(document)}
${runChanges(run)}
${historyChange(run, document.meta.as_of)}
${tableNav(tables, document)}
${profile && monthOverMonth(profile, document.results)}
${profile && trends(profile, document.results)}
${inputFiles(document.meta.tables)}
${tables.map((table) => tableSection(table, document, profile))}
<footer class="page-foot">Report of run <span class="mono">${document.meta.run_id}</span> · validation schema ${document.schema_version}</footer>
</main></body></html>
`.value;
}
