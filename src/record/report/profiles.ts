// One table's column statistics: counts, NULLs with a bar, distinct values, range, mean
// and the most frequent values with their share as bars.
import type { ColumnProfile } from '../profile';
import { formatCount, formatNumber, formatPercent } from './format';
import { Html, bar, dataTable, html, valueHtml, type Row } from './html';

const share = (count: number, total: number) => (total > 0 ? count / total : 0);

/** A count with its bar and percentage; the tone says what the bar measures. */
function meter(count: number, total: number, tone: 'nulls' | 'share', what: string): Html {
  const percent = 100 * share(count, total);
  const label = `${what}: ${formatCount(count)} of ${formatCount(total)} (${formatPercent(percent)})`;
  return html`<span class="meter">${bar([{ fraction: share(count, total), tone }], label, 80, 8)}<span class="num">${formatCount(count)}</span> <span class="pct">${formatPercent(percent)}</span></span>`;
}

function topValues(profile: ColumnProfile): Html {
  if (profile.top_values.length === 0) return html`<span class="muted">—</span>`;
  const items = profile.top_values.map(
    ({ value, count }) => html`<li><span class="tv-value">${valueHtml(value, 28)}</span>${meter(count, profile.count, 'share', value ?? 'NULL')}</li>`,
  );
  return html`<ul class="top-values">${items}</ul>`;
}

const NUMERIC_TYPE = /^(INTEGER|BIGINT|DOUBLE|DECIMAL)/;

/** min/max as the profile gives them (text); numbers rounded for reading, exact in the tooltip. */
function extreme(value: string | null, type: string): Html {
  if (value === null) return html`<span class="muted">—</span>`;
  const number = Number(value);
  if (!NUMERIC_TYPE.test(type) || value.trim() === '' || !Number.isFinite(number)) return valueHtml(value, 24);
  return html`<span class="mono" title="${value}">${formatNumber(number)}</span>`;
}

function profileRow(profile: ColumnProfile): Row {
  return {
    cells: [
      html`<div class="mono col-name">${profile.column}</div><div class="type mono">${profile.type}</div>`,
      { content: formatCount(profile.count), className: 'num' },
      meter(profile.nulls, profile.count, 'nulls', 'NULL'),
      { content: `${profile.distinct_estimated ? '≈ ' : ''}${formatCount(profile.distinct)}`, className: 'num' },
      { content: extreme(profile.min, profile.type), className: 'num' },
      { content: extreme(profile.max, profile.type), className: 'num' },
      { content: profile.mean === null ? '—' : formatNumber(profile.mean), className: 'num' },
      topValues(profile),
    ],
  };
}

export function profileTable(profiles: readonly ColumnProfile[] | undefined): Html {
  if (!profiles || profiles.length === 0) {
    return html`<p class="empty">No column statistics: the table was not loaded in this run.</p>`;
  }
  const head = ['Column', { content: 'Rows', className: 'num' }, 'NULLs', { content: 'Distinct', className: 'num' }, { content: 'Min', className: 'num' }, { content: 'Max', className: 'num' }, { content: 'Mean', className: 'num' }, 'Top values'];
  return dataTable('profiles', head, profiles.map(profileRow));
}
