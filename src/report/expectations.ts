// One table's expectation results: failed first, then warnings, then passes; each with
// its readable rule, its reason, what was found and the unexpected samples.
import type { ExpectationResult } from '../artifacts';
import { describeExpectation, loadDetail } from '../contract/describe';
import { definitionOf } from '../contract/expectations/registry';
import { formatCount, formatPercent, plain } from '../format';
import { badge, dataTable, type Html, html, type Row, type Status, valueHtml } from './html';

/**
 * A failed info rule (ODCS `severity: info`) shows as a warning, tagged "info only" (see
 * expectationCell) and listed after the warnings: a status of its own would reach every
 * page's status records and styles for a result that only informs. The run's verdict and
 * its warning count leave it out (validationDocument counts severity warn).
 */
export function statusOf(result: ExpectationResult): Status {
  if (result.success) return 'passed';
  return result.meta.severity === 'error' ? 'failed' : 'warning';
}

const RANK: Record<Status, number> = { failed: 0, warning: 1, passed: 2 };

/** Failed, then warnings, then failed info rules, then passed; suite order within each (Array.sort is stable). */
export function worstFirst(results: readonly ExpectationResult[]): ExpectationResult[] {
  const rank = (result: ExpectationResult) => RANK[statusOf(result)] + (!result.success && result.meta.severity === 'info' ? 0.5 : 0);
  return [...results].sort((a, b) => rank(a) - rank(b));
}

export function countByStatus(results: readonly ExpectationResult[]): Record<Status, number> {
  const counts: Record<Status, number> = { failed: 0, warning: 0, passed: 0 };
  for (const result of results) counts[statusOf(result)] += 1;
  return counts;
}

/** A fragment id for links from the summary to a result. */
export function anchorOf(result: ExpectationResult): string {
  return `exp-${result.expectation_config.id.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

/** What an aggregate expectation saw, in words (its type's own, else the figure); undefined for row-level expectations. */
export function observedText(result: ExpectationResult): string | undefined {
  const observed = result.result.observed_value;
  if (observed === undefined || observed === null) return undefined;
  const { type, kwargs } = result.expectation_config;
  const worded = definitionOf(type)?.wording.report?.(observed, { success: result.success, kwargs: kwargs as Record<string, unknown> });
  return worded ?? `observed ${plain(observed)}`;
}

/** "12 of 7,043 unexpected (0.17%)"; undefined when the check counted no rows (aggregates, a missing file). */
function unexpectedHtml(result: ExpectationResult): Html | undefined {
  const { unexpected_count: unexpected, unexpected_percent: percent, element_count: elements } = result.result;
  if (unexpected === 0 && elements === 0) return undefined;
  const of = elements > 0 ? html` <span class="muted">of ${formatCount(elements)}</span>` : null;
  const share = unexpected > 0 ? html` <span class="pct">(${formatPercent(percent)})</span>` : null;
  return html`<strong${unexpected > 0 ? html` class="bad"` : null}>${formatCount(unexpected)}</strong>${of} <span class="muted">unexpected</span>${share}`;
}

/** What the check found: what an aggregate observed, or the unexpected rows; and what load reported. */
function resultCell(result: ExpectationResult): Html {
  const observed = observedText(result);
  const detail = loadDetail(result.expectation_config);
  const lines = [
    observed === undefined ? unexpectedHtml(result) : html`<span class="observed">${observed}</span>`,
    detail === undefined ? undefined : html`<span class="found">${detail}</span>`,
  ].filter((line): line is Html => line !== undefined);
  return lines.length > 0 ? html`${lines.map((line) => html`<div>${line}</div>`)}` : html`<span class="muted">—</span>`;
}

function expectationCell(result: ExpectationResult, asOf: string | null): Html {
  const config = result.expectation_config;
  // The severity the result was judged with: a comparison past its severe bound fails as an error though its kwargs say warn.
  const tag = { error: undefined, warn: 'warn only', info: 'info only' }[result.meta.severity];
  const severity = tag === undefined ? null : html` <span class="tag">${tag}</span>`;
  // A rule the contract named (ODCS `name`) is shown by that name first: it is how its author knows it.
  const name = config.meta?.name ? html`<span class="rule-name mono">${config.meta.name}</span> ` : null;
  return html`<div class="rule">${name}${describeExpectation(config, asOf)}</div><div class="type mono">${config.type}${severity}</div>`;
}

function samplesTable(result: ExpectationResult): Html | null {
  const { partial_unexpected_list: values, partial_unexpected_index_list: indexes } = result.result;
  const count = Math.max(values.length, indexes.length);
  if (count === 0) return null;
  // The key's columns, as the samples name them (none for a problem of the file itself).
  const keyColumns = [...new Set(indexes.flatMap((index) => Object.keys(index).filter((name) => name !== 'line')))];
  const rows: Row[] = Array.from({ length: count }, (_, position) => ({
    cells: [
      { content: indexes[position]?.line === undefined ? '—' : formatCount(indexes[position].line), className: 'num' },
      ...keyColumns.map((column) => ({ content: String(indexes[position]?.[column] ?? '—'), className: 'mono' })),
      valueHtml(values[position] ?? null),
    ],
  }));
  const shown = result.result.unexpected_count > count ? ` (first ${count} of ${formatCount(result.result.unexpected_count)})` : '';
  return html`<div class="samples"><div class="caption">Unexpected samples${shown}</div>${dataTable('sample-table', [{ content: 'CSV line', className: 'num' }, ...keyColumns, 'value'], rows)}</div>`;
}

/** The row under a failed or warning result: its unexpected samples. */
function detailRow(result: ExpectationResult, status: Status): Row | null {
  const samples = samplesTable(result);
  return samples && { className: `detail ${status}`, cells: [{ content: samples, colSpan: 5 }] };
}

function resultRows(result: ExpectationResult, asOf: string | null): Row[] {
  const status = statusOf(result);
  const main: Row = {
    id: anchorOf(result),
    className: `result ${status}`,
    cells: [
      badge(status),
      { content: result.meta.column ?? html`<span class="muted">table</span>`, className: 'mono' },
      expectationCell(result, asOf),
      resultCell(result),
      { content: result.expectation_config.meta?.notes ?? '', className: 'why' },
    ],
  };
  const detail = status === 'passed' ? null : detailRow(result, status);
  return detail ? [main, detail] : [main];
}

/** Passing expectations, folded: one line each once opened. */
function passedList(results: readonly ExpectationResult[], asOf: string | null): Html | null {
  if (results.length === 0) return null;
  const items = results.map((result) => {
    const observed = observedText(result);
    return html`<li id="${anchorOf(result)}" title="${result.expectation_config.meta?.notes ?? ''}">${badge('passed')} <span class="mono">${result.meta.column ?? 'table'}</span> ${describeExpectation(result.expectation_config, asOf)}${
      observed === undefined ? null : html` <span class="muted">— ${observed}</span>`
    }</li>`;
  });
  return html`<details class="passes"><summary>${formatCount(results.length)} passing expectation${results.length === 1 ? '' : 's'}</summary><ul>${items}</ul></details>`;
}

/** Failures and warnings in full (rule, finding, reason, samples); passes folded below them. */
export function expectationsTable(results: readonly ExpectationResult[], asOf: string | null): Html {
  if (results.length === 0) return html`<p class="empty">No expectations were evaluated for this table.</p>`;
  const open = worstFirst(results).filter((result) => !result.success);
  const table =
    open.length === 0
      ? null
      : dataTable(
          'expectations',
          ['Status', 'Column', 'Expectation', 'Result', 'Why'],
          open.flatMap((result) => resultRows(result, asOf)),
        );
  return html`${table}${passedList(
    results.filter((result) => result.success),
    asOf,
  )}`;
}
