// The month-over-month charts, as inline SVG: a histogram of this month over the previous
// one, category bars side by side, and a trend line across frozen months. Every mark
// carries a <title>, so a figure can be read exactly by hovering it.
import { formatPercent } from '../format';
import { type Html, html } from './html';

/** One bin or category: its label and each month's share (then is null for a first month). */
export interface PairedShare {
  readonly label: string;
  readonly then: number | null;
  readonly now: number;
}

const round = (value: number) => Math.round(value * 10) / 10;

/** Columns per bin: the previous month wide and grey, this month narrow and blue in front. */
export function histogram(bins: readonly PairedShare[], edgeLabels: readonly string[], caption: string): Html {
  const width = 320;
  const plot = 96;
  const height = plot + 18;
  const top = Math.max(...bins.flatMap((bin) => [bin.then ?? 0, bin.now]), 1e-9);
  const slot = width / bins.length;
  const bar = (share: number, x: number, w: number, tone: string, title: string) => {
    const h = round((share / top) * (plot - 4));
    return html`<rect class="${tone}" x="${round(x)}" y="${round(plot - h)}" width="${round(w)}" height="${h}" data-share="${share.toFixed(6)}"><title>${title}</title></rect>`;
  };
  const columns = bins.map((bin, index) => {
    const x = index * slot;
    const title = `${bin.label}: ${bin.then === null ? '' : `previous ${formatPercent(100 * bin.then)}, `}now ${formatPercent(100 * bin.now)}`;
    return html`<g>${bin.then === null ? null : bar(bin.then, x + 1, slot - 2, 'then', title)}${bar(bin.now, x + slot * 0.25, slot * 0.5, 'now', title)}</g>`;
  });
  // Edge labels sit under the bin boundaries: the first, the middle and the last, so they never overlap.
  const shown = [...new Set([0, Math.floor(edgeLabels.length / 2), edgeLabels.length - 1])].filter((index) => index >= 0 && index < edgeLabels.length);
  const ticks = shown.map((index) => {
    const x = round((index + 1) * slot);
    return html`<line class="tick" x1="${x}" x2="${x}" y1="${plot}" y2="${plot + 4}"/><text class="tick-label" x="${x}" y="${plot + 15}" text-anchor="middle">${edgeLabels[index]}</text>`;
  });
  return html`<svg class="chart histogram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${caption}" data-bins="${bins.length}"><title>${caption}</title><line class="axis" x1="0" x2="${width}" y1="${plot}" y2="${plot}"/>${columns}${ticks}</svg>`;
}

/** Horizontal bars per category: the previous month's share above this month's. */
export function categoryBars(categories: readonly PairedShare[], caption: string): Html {
  const width = 320;
  const labelWidth = 104;
  const barWidth = width - labelWidth - 56;
  const rowHeight = 22;
  const height = categories.length * rowHeight;
  const rows = categories.map((category, index) => {
    const y = index * rowHeight;
    const length = (share: number) => round(Math.max(share > 0 ? 1 : 0, share * barWidth));
    const title = `${category.label}: ${category.then === null ? '' : `previous ${formatPercent(100 * category.then)}, `}now ${formatPercent(100 * category.now)}`;
    const label = category.label.length > 16 ? `${category.label.slice(0, 15)}…` : category.label;
    return html`<g><title>${title}</title><text class="cat-label" x="0" y="${y + 14}">${label}</text>${
      category.then === null
        ? null
        : html`<rect class="then" x="${labelWidth}" y="${y + 3}" width="${length(category.then)}" height="7" data-share="${category.then.toFixed(6)}"/>`
    }<rect class="now" x="${labelWidth}" y="${y + 11}" width="${length(category.now)}" height="7" data-share="${category.now.toFixed(6)}"/><text class="cat-share" x="${width}" y="${y + 16}" text-anchor="end">${formatPercent(100 * category.now)}</text></g>`;
  });
  return html`<svg class="chart categories" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${caption}" data-bins="${categories.length}"><title>${caption}</title>${rows}</svg>`;
}

export interface TrendPointValue {
  readonly as_of: string;
  readonly value: number;
}

/** A line across the frozen months (and this one, last and marked), with the first and last figures written out. */
export function trendLine(points: readonly TrendPointValue[], format: (value: number) => string, caption: string, tone = 'line'): Html {
  const width = 260;
  const height = 84;
  const pad = { left: 8, right: 8, top: 16, bottom: 18 };
  const values = points.map((point) => point.value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const span = high - low || Math.abs(high) || 1;
  const x = (index: number) => round(points.length === 1 ? width / 2 : pad.left + (index * (width - pad.left - pad.right)) / (points.length - 1));
  const y = (value: number) =>
    round(
      pad.top +
        (1 - (value - low) / span) * (height - pad.top - pad.bottom) * (high === low ? 0.5 : 1) +
        (high === low ? (height - pad.top - pad.bottom) / 2 : 0),
    );
  const coordinates = points.map((point, index) => `${x(index)},${y(point.value)}`).join(' ');
  const marks = points.map(
    (point, index) =>
      html`<circle class="${index === points.length - 1 ? 'current' : 'point'}" cx="${x(index)}" cy="${y(point.value)}" r="3" data-value="${point.value}"><title>${point.as_of}: ${format(point.value)}</title></circle>`,
  );
  const first = points[0];
  const last = points[points.length - 1];
  const labels = html`<text class="trend-value" x="${pad.left}" y="11">${format(first.value)}</text>${
    points.length > 1 ? html`<text class="trend-value" x="${width - pad.right}" y="11" text-anchor="end">${format(last.value)}</text>` : null
  }<text class="tick-label" x="${pad.left}" y="${height - 4}">${first.as_of}</text>${
    points.length > 1 ? html`<text class="tick-label" x="${width - pad.right}" y="${height - 4}" text-anchor="end">${last.as_of}</text>` : null
  }`;
  return html`<svg class="chart trend ${tone}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${caption}" data-points="${points.length}"><title>${caption}</title>${
    points.length > 1 ? html`<polyline class="trend-line" points="${coordinates}"/>` : null
  }${marks}${labels}</svg>`;
}
