// One card per column: its figures (distinct count and quantiles marked ≈ when estimated, money to the cent), a chart of
// this month over the previous one, and the drift figures beside it, coloured by the
// month-over-month expectation that judged them.
import type { ExpectationResult } from '../artifacts';
import { columnDistinctValuesToBeInSet } from '../contract/expectations/column-distinct-values-to-be-in-set';
import { columnMeanRatioToPreviousToBeLessThan } from '../contract/expectations/column-mean-ratio-to-previous-to-be-less-than';
import { columnPsiToBeLessThan } from '../contract/expectations/column-psi-to-be-less-than';
import { formatCount, formatNumber, formatOfType, formatPercent, formatPoints, formatRatio } from '../format';
import { type ColumnMetrics, type EstimatedFigure, SAMPLE_EVERY } from '../validate';
import { categoryBars, histogram as histogramChart, type PairedShare } from './charts';
import { statusOf } from './expectations';
import type { EqualWidthHistogram } from './histograms';
import { type Html, html, type Status, valueHtml } from './html';
import { tidy } from './scale';

/** Categories drawn per column: the contract's have at most three; more would crowd the card. */
const CATEGORIES_SHOWN = 8;

const share = (count: number, total: number) => (total > 0 ? count / total : 0);

function numericFigure(value: string | null, type: string): Html {
  if (value === null) return html`<span class="muted">—</span>`;
  const number = Number(value);
  if (type === 'DATE' || type === 'VARCHAR' || type === 'BOOLEAN' || !Number.isFinite(number)) return valueHtml(value, 24);
  return html`<span title="${value}">${formatOfType(number, type)}</span>`;
}

const ESTIMATE_METHODS: Record<EstimatedFigure, string> = {
  quantiles: `estimated from every ${SAMPLE_EVERY}th line of the file: an exact sort of every value costs too much on a table this large`,
  distinct_count: `estimated: the distinct values among those whose hash is 0 modulo ${SAMPLE_EVERY}, times ${SAMPLE_EVERY} (an exact count of this many values costs too much on a table this large)`,
};

/** A figure marked ≈ when it is an estimate, the method in its tooltip (validate/metrics/profile.ts). */
function estimate(column: ColumnMetrics, figure: EstimatedFigure, text: string): Html | string {
  return column.estimated.includes(figure) ? html`<span title="${ESTIMATE_METHODS[figure]}">≈ ${text}</span>` : text;
}

function stat(label: string, value: Html | string): Html {
  return html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
}

function figures(column: ColumnMetrics): Html {
  const type = column.column_type;
  const quantiles = column.quantiles;
  return html`<dl class="col-stats">${[
    stat('rows', formatCount(column.row_count)),
    stat('NULLs', html`${formatCount(column.null_count)} <span class="pct">${formatPercent(100 * (column.null_share ?? 0))}</span>`),
    stat('distinct', estimate(column, 'distinct_count', formatCount(column.distinct_count))),
    type === 'BOOLEAN' ? null : stat('min', numericFigure(column.min_value, type)),
    type === 'BOOLEAN' ? null : stat('max', numericFigure(column.max_value, type)),
    column.mean === null
      ? null
      : stat(type === 'BOOLEAN' ? 'share True' : 'mean', type === 'BOOLEAN' ? formatPercent(100 * column.mean) : formatOfType(column.mean, type)),
    column.std === null || type === 'BOOLEAN' ? null : stat('std', formatOfType(column.std, type)),
    quantiles
      ? stat('p5 · p50 · p95', estimate(column, 'quantiles', [quantiles[0], quantiles[2], quantiles[4]].map((value) => formatOfType(value, type)).join(' · ')))
      : null,
  ]}</dl>`;
}

/** A bin's values in words: a whole-number bin by the whole numbers in it, any other by its edges. */
function binLabel(histogram: EqualWidthHistogram, index: number, type: string): string {
  const low = tidy(histogram.start + index * histogram.width);
  const high = tidy(low + histogram.width);
  const last = index === histogram.bins - 1;
  if (histogram.integer) {
    const first = Math.ceil(low);
    const final = Math.floor(high);
    if (first > final) return `${formatNumber(low)} – ${formatNumber(high)}: no whole value`;
    return first === final ? formatCount(first) : `${formatCount(first)} – ${formatCount(final)}`;
  }
  return `${formatOfType(low, type)} to ${last ? '' : 'under '}${formatOfType(high, type)}`;
}

/** This month's equal-width histogram over the previous month's, on the bins both months' range gave (histograms.ts). */
function numericChart(column: ColumnMetrics, histogram: EqualWidthHistogram | undefined): Html | null {
  if (!histogram) return null;
  const total = (counts: readonly number[]) => counts.reduce((sum, count) => sum + count, 0);
  const bins: PairedShare[] = histogram.now.map((count, index) => ({
    label: binLabel(histogram, index, column.column_type),
    then: histogram.then ? share(histogram.then[index], total(histogram.then)) : null,
    now: share(count, total(histogram.now)),
  }));
  const nulls = column.null_count > 0;
  const caption = `${column.column_name}: share of ${nulls ? 'non-NULL ' : ''}rows in ${formatCount(histogram.bins)} bins of equal width${
    histogram.then_as_of ? `, this month over ${histogram.then_as_of} as frozen` : ''
  }`;
  const unit = histogram.description || column.column_name;
  return histogramChart({
    bins,
    start: histogram.start,
    width: histogram.width,
    integer: histogram.integer,
    xLabel: unit.length > 56 ? `${unit.slice(0, 55)}…` : unit,
    yLabel: nulls ? 'share of non-NULL rows' : 'share of rows',
    caption,
  });
}

/** The decile edges validation compares months on (PSI): figures, not a chart, since their bins hold equal shares by construction. */
function deciles(column: ColumnMetrics): Html | null {
  const edges = column.bin_edges;
  if (column.kind !== 'numeric' || !edges || edges.length === 0) return null;
  return html`<p class="deciles"><span class="muted">decile edges${column.estimated.includes('quantiles') ? ' (≈)' : ''}</span> ${edges
    .map((edge) => formatOfType(edge, column.column_type))
    .join(' · ')}</p>`;
}

function categoricalChart(column: ColumnMetrics, previous: ColumnMetrics | undefined): Html | null {
  if (!column.categories) return null;
  const values = [...new Set([...column.categories, ...(previous?.categories ?? [])].map((category) => category.value))].slice(0, CATEGORIES_SHOWN);
  const countIn = (metrics: ColumnMetrics, value: string) => metrics.categories?.find((category) => category.value === value)?.count ?? 0;
  const rows: PairedShare[] = values.map((value) => ({
    label: value,
    then: previous ? share(countIn(previous, value), previous.row_count) : null,
    now: share(countIn(column, value), column.row_count),
  }));
  if (column.null_count > 0 || (previous?.null_count ?? 0) > 0) {
    rows.push({ label: 'NULL', then: previous ? share(previous.null_count, previous.row_count) : null, now: share(column.null_count, column.row_count) });
  }
  return categoryBars(rows, `${column.column_name}: share of rows per value${previous ? ` against ${previous.as_of}` : ''}`);
}

/** The status of the month-over-month expectation of `type` on this column; passed when none judged it. */
function judged(results: readonly ExpectationResult[], type: string): Status {
  const result = results.find((candidate) => candidate.expectation_config.type === type);
  return result ? statusOf(result) : 'passed';
}

function driftFigures(column: ColumnMetrics, previous: ColumnMetrics | undefined, results: readonly ExpectationResult[]): Html {
  if (!column.previous_as_of || !previous) return html`<p class="drift muted">No previous month to compare with.</p>`;
  const type = column.column_type;
  const item = (status: Status, label: string, value: Html | string) => html`<li class="${status}"><span class="drift-label">${label}</span> ${value}</li>`;
  const items = [
    column.psi === null ? null : item(judged(results, columnPsiToBeLessThan.type), 'PSI', formatNumber(column.psi)),
    column.mean === null || previous.mean === null
      ? null
      : item(
          judged(results, columnMeanRatioToPreviousToBeLessThan.type),
          type === 'BOOLEAN' ? 'share True' : 'mean',
          `${type === 'BOOLEAN' ? formatPercent(100 * previous.mean) : formatOfType(previous.mean, type)} → ${type === 'BOOLEAN' ? formatPercent(100 * column.mean) : formatOfType(column.mean, type)}${column.mean_ratio === null ? '' : ` (${formatRatio(column.mean_ratio)})`}`,
        ),
    column.median_ratio === null || !column.quantiles || !previous.quantiles
      ? null
      : item(
          judged(results, columnMeanRatioToPreviousToBeLessThan.type),
          'median',
          `${formatOfType(previous.quantiles[2], type)} → ${formatOfType(column.quantiles[2], type)} (${formatRatio(column.median_ratio)})`,
        ),
    column.null_share_change === null || column.null_share_change === 0
      ? null
      : item('passed', 'NULL share', `${column.null_share_change > 0 ? '+' : ''}${formatPoints(column.null_share_change)}`),
    column.new_values && column.new_values.length > 0
      ? item(judged(results, columnDistinctValuesToBeInSet.type), 'new values', column.new_values.join(', '))
      : null,
  ];
  return html`<ul class="drift">${items}</ul>`;
}

function columnCard(
  column: ColumnMetrics,
  previous: ColumnMetrics | undefined,
  histogram: EqualWidthHistogram | undefined,
  results: readonly ExpectationResult[],
): Html {
  const chart = column.kind === 'numeric' ? numericChart(column, histogram) : column.kind === 'categorical' ? categoricalChart(column, previous) : null;
  const worst = results.some((result) => statusOf(result) === 'failed')
    ? 'failed'
    : results.some((result) => statusOf(result) === 'warning')
      ? 'warning'
      : 'passed';
  return html`<article class="column-card ${worst}" data-column="${column.column_name}">
<header><span class="mono col-name">${column.column_name}</span> <span class="type mono">${column.column_type}</span></header>
${figures(column)}${deciles(column)}${chart && html`<div class="chart-box">${chart}</div>`}${column.kind === 'key' || column.kind === 'date' ? null : driftFigures(column, previous, results)}
</article>`;
}

/** The cards of one table's columns. */
export function columnCards(
  columns: readonly ColumnMetrics[],
  previous: readonly ColumnMetrics[],
  histograms: readonly EqualWidthHistogram[],
  results: readonly ExpectationResult[],
): Html {
  if (columns.length === 0) return html`<p class="empty">No column statistics: the table was not loaded in this run.</p>`;
  const cards = columns.map((column) =>
    columnCard(
      column,
      previous.find((candidate) => candidate.column_name === column.column_name),
      histograms.find((candidate) => candidate.column_name === column.column_name),
      results.filter((result) => result.meta.column === column.column_name),
    ),
  );
  return html`<div class="column-grid">${cards}</div>`;
}
