// The month against the previous frozen one (headline figures and the largest shifts,
// flagged or not) and the trends across every frozen month.
import type { ExpectationResult } from '../artifacts';
import { comparesMonths } from '../contract/expectations/registry';
import { formatCount, formatNumber, formatOfType, formatPercent, formatRatio } from '../format';
import type { ColumnMetrics } from '../validate';
import { type TrendPointValue, trendLine } from './charts';
import { statusOf } from './expectations';
import { badge, type Html, html, type Status } from './html';
import type { MonthProfile, TrendPoint } from './profile';

const SHIFTS_SHOWN = 6;

const isComparison = (result: ExpectationResult) => comparesMonths(result.expectation_config.type);

function worst(results: readonly ExpectationResult[]): Status {
  const statuses = results.map(statusOf);
  return statuses.includes('failed') ? 'failed' : statuses.includes('warning') ? 'warning' : 'passed';
}

const ofColumn = (results: readonly ExpectationResult[], table: string, column: string) =>
  results.filter((result) => isComparison(result) && result.meta.table === table && result.meta.column === column);

function fact(label: string, value: Html | string): Html {
  return html`<div class="fact"><dt>${label}</dt><dd>${value}</dd></div>`;
}

/** Columns whose mean moved, largest factor first: the shifts a reader should know of, flagged or not. */
function largestShifts(columns: readonly ColumnMetrics[], previous: readonly ColumnMetrics[], results: readonly ExpectationResult[]): Html {
  const moved = columns
    .filter((column) => column.mean_ratio !== null && column.mean_ratio > 0 && column.mean_ratio !== 1)
    .sort((a, b) => Math.abs(Math.log(b.mean_ratio!)) - Math.abs(Math.log(a.mean_ratio!)) || a.table_name.localeCompare(b.table_name))
    .slice(0, SHIFTS_SHOWN);
  if (moved.length === 0) return html`<p class="muted">No column's mean moved.</p>`;
  const items = moved.map((column) => {
    const before = previous.find((candidate) => candidate.table_name === column.table_name && candidate.column_name === column.column_name);
    const value = (mean: number) => (column.column_type === 'BOOLEAN' ? formatPercent(100 * mean) : formatOfType(mean, column.column_type));
    const status = worst(ofColumn(results, column.table_name, column.column_name));
    return html`<li class="${status}">${badge(status, status === 'passed' ? 'INFO' : undefined)} <span class="mono">${column.table_name}.${column.column_name}</span> ${
      column.column_type === 'BOOLEAN' ? 'share True' : 'mean'
    } ${before?.mean === null || before === undefined ? '—' : value(before.mean)} → ${value(column.mean!)} <strong>${formatRatio(column.mean_ratio!)}</strong>${
      column.psi === null ? null : html` <span class="muted">· PSI ${formatNumber(column.psi)}</span>`
    }</li>`;
  });
  return html`<ul class="shifts">${items}</ul>`;
}

export function monthOverMonth(profile: MonthProfile, results: readonly ExpectationResult[]): Html {
  const { columns, tables, previous } = profile.metrics;
  const previousAsOf = columns.find((column) => column.previous_as_of !== null)?.previous_as_of ?? null;
  if (previousAsOf === null) {
    return html`<section class="block month" id="month-over-month"><h2>Month over month</h2>
<p class="first-month">No previous month to compare with: no month before this one was frozen with its figures. Once this month is frozen, the next one is compared with it.</p></section>`;
  }
  const { entityTable, label: labelSpec } = profile;
  const entities = tables.find((table) => table.table_name === entityTable);
  const label = columns.find((column) => column.table_name === labelSpec.table && column.column_name === labelSpec.column);
  const labelBefore = previous.find((column) => column.table_name === labelSpec.table && column.column_name === labelSpec.column);
  const labelStatus = worst(ofColumn(results, labelSpec.table, labelSpec.column));
  const facts = [
    fact('compared with', html`<span class="mono">${previousAsOf}</span>`),
    entities && entities.previous_row_count !== null
      ? fact(
          entities.table_name,
          `${formatCount(entities.previous_row_count)} → ${formatCount(entities.row_count)} (${formatCount(entities.keys_added ?? 0)} new, ${formatCount(entities.keys_gone ?? 0)} gone)`,
        )
      : null,
    label?.mean != null && labelBefore?.mean != null
      ? fact('label rate', html`<span class="label-rate ${labelStatus}">${(100 * labelBefore.mean).toFixed(1)} % → ${(100 * label.mean).toFixed(1)} %</span>`)
      : null,
  ];
  return html`<section class="block month" id="month-over-month"><h2>Month over month</h2>
<dl class="facts">${facts}</dl>
<h3>Largest shifts of a mean</h3>${largestShifts(columns, previous, results)}</section>`;
}

type Figure = Pick<TrendPoint, 'row_count' | 'null_share' | 'mean' | 'distinct_count'>;

/** One series: the earlier frozen months' figure, then this month's. */
function series(history: readonly TrendPoint[], current: ColumnMetrics, pick: (point: Figure) => number | null): TrendPointValue[] {
  const earlier = history
    .filter((point) => point.table_name === current.table_name && point.column_name === current.column_name)
    .flatMap((point) => {
      const value = pick(point);
      return value === null ? [] : [{ as_of: point.as_of, value: Number(value) }];
    });
  const now = pick(current);
  return now === null ? earlier : [...earlier, { as_of: current.as_of, value: Number(now) }];
}

function trendCard(title: string, subtitle: string, chart: Html, status: Status = 'passed'): Html {
  return html`<figure class="trend-card ${status}"><figcaption><span class="mono">${title}</span> <span class="muted">${subtitle}</span></figcaption>${chart}</figure>`;
}

/** Whatever failed on the column this month, warn or error, a month-over-month comparison or not. */
const failedOn = (results: readonly ExpectationResult[], table: string, column: string) =>
  results.filter((result) => !result.success && result.meta.table === table && result.meta.column === column);

const percent = (value: number) => formatPercent(100 * value);

/**
 * A flagged column's figure across months: its mean (the share True of a BOOLEAN), or its
 * number of distinct values for a column that has no mean (text, dates).
 */
function flaggedTrend(history: readonly TrendPoint[], column: ColumnMetrics): Html {
  if (column.mean === null) {
    return trendLine(
      series(history, column, (point) => point.distinct_count),
      { label: 'distinct values', format: formatCount },
      `${column.column_name}: distinct values per month`,
      'flagged',
    );
  }
  const boolean = column.column_type === 'BOOLEAN';
  return trendLine(
    series(history, column, (point) => point.mean),
    boolean ? { label: 'share True', format: percent, ceiling: 1 } : { label: 'mean', format: (value) => formatOfType(value, column.column_type) },
    `${column.column_name}: ${boolean ? 'share True' : 'mean'} per month`,
    'flagged',
  );
}

/**
 * Row counts, the label rate, NULL shares and every column flagged this month (any failed
 * expectation, warn or error), across the frozen months and this one (the last point).
 * Each y axis starts at 0 (shares end at 100 % at most) and states its range.
 */
export function trends(profile: MonthProfile, results: readonly ExpectationResult[]): Html {
  const { columns } = profile.metrics;
  const { entityTable, label: labelSpec } = profile;
  const key = columns.find((column) => column.table_name === entityTable && column.kind === 'key');
  const label = columns.find((column) => column.table_name === labelSpec.table && column.column_name === labelSpec.column);
  const nullable = columns.filter(
    (column) =>
      (column.null_share ?? 0) > 0 ||
      profile.history.some((point) => point.table_name === column.table_name && point.column_name === column.column_name && (point.null_share ?? 0) > 0),
  );
  const flagged = columns.filter((column) => column !== label && failedOn(results, column.table_name, column.column_name).length > 0);
  const cards = [
    key &&
      trendCard(
        key.table_name,
        'rows',
        trendLine(
          series(profile.history, key, (point) => point.row_count),
          { label: 'rows', format: formatCount },
          `${key.table_name}: rows per month`,
        ),
      ),
    label &&
      trendCard(
        `${labelSpec.table}.${labelSpec.column}`,
        'label rate',
        trendLine(
          series(profile.history, label, (point) => point.mean),
          { label: 'label rate', format: percent, ceiling: 1 },
          'label rate per month',
        ),
        worst(ofColumn(results, labelSpec.table, labelSpec.column)),
      ),
    ...nullable.map((column) =>
      trendCard(
        `${column.table_name}.${column.column_name}`,
        'NULL share',
        trendLine(
          series(profile.history, column, (point) => point.null_share),
          { label: 'NULL share', format: percent, ceiling: 1 },
          `${column.column_name}: NULL share per month`,
        ),
      ),
    ),
    ...flagged.map((column) =>
      trendCard(
        `${column.table_name}.${column.column_name}`,
        `${column.mean === null ? 'distinct values' : column.column_type === 'BOOLEAN' ? 'share True' : 'mean'} (flagged)`,
        flaggedTrend(profile.history, column),
        worst(failedOn(results, column.table_name, column.column_name)),
      ),
    ),
  ];
  const months = new Set([...profile.history.map((point) => point.as_of), columns[0]?.as_of]).size;
  return html`<section class="block trends" id="trends"><h2>Trends <span class="muted">${formatCount(months)} month${months === 1 ? '' : 's'}, this one last</span></h2><div class="trend-grid">${cards}</div></section>`;
}
