// The month-over-month charts, as inline SVG: a histogram of this month over the previous
// one, category bars side by side, and a trend line across frozen months. Every chart has
// labelled axes whose ticks carry their values, and every mark a <title>, so a figure can
// be read exactly by hovering it. Data attributes (data-bins, data-share, data-value,
// data-y-min/max) carry the drawn figures for tests and for a reader of the source.
import { formatNumber, formatPercent } from '../format';
import { type Html, html } from './html';
import { axisRange, ticks } from './scale';

/** One bin or category: its label and each month's share (then is null for a first month). */
export interface PairedShare {
  readonly label: string;
  readonly then: number | null;
  readonly now: number;
}

const round = (value: number) => Math.round(value * 10) / 10;
const percentTick = (share: number) => formatPercent(100 * share);

/** Equal-width bins on a value axis: bin i spans start + i·width to start + (i + 1)·width. */
export interface HistogramInput {
  readonly bins: readonly PairedShare[];
  readonly start: number;
  readonly width: number;
  /** Whole-number values: ticks on whole numbers only. */
  readonly integer: boolean;
  /** The x axis's title: what the values are, in what unit. */
  readonly xLabel: string;
  /** The y axis's title: the share of what. */
  readonly yLabel: string;
  readonly caption: string;
}

/**
 * Columns per bin over a value axis: the previous month wide and grey, this month narrow
 * and blue in front; y in share of rows from 0, with gridlines at its ticks.
 */
export function histogram({ bins, start, width: binWidth, integer, xLabel, yLabel, caption }: HistogramInput): Html {
  const width = 320;
  const height = 152;
  const pad = { left: 42, right: 8, top: 8, bottom: 36 };
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const bottom = pad.top + plotHeight;
  const end = start + bins.length * binWidth;
  const y = axisRange(
    bins.flatMap((bin) => [bin.then ?? 0, bin.now]),
    4,
    1,
  );
  const px = (value: number) => round(pad.left + ((value - start) / (end - start)) * plotWidth);
  const py = (share: number) => round(bottom - (share / y.high) * plotHeight);
  const slot = plotWidth / bins.length;
  const bar = (share: number, x: number, w: number, tone: string, index: number, title: string) => {
    const top = py(share);
    return html`<rect class="${tone}" x="${round(x)}" y="${top}" width="${round(Math.max(w, 1))}" height="${round(bottom - top)}" data-bin="${index}" data-share="${share.toFixed(6)}"><title>${title}</title></rect>`;
  };
  const columns = bins.map((bin, index) => {
    const x = pad.left + index * slot;
    const title = `${bin.label}: ${bin.then === null ? '' : `previous ${formatPercent(100 * bin.then)}, `}now ${formatPercent(100 * bin.now)}`;
    return html`<g>${bin.then === null ? null : bar(bin.then, x + 0.5, slot - 1, 'then', index, title)}${bar(bin.now, x + slot * 0.2, slot * 0.6, 'now', index, title)}</g>`;
  });
  const yTicks = y.ticks.map(
    (tick) =>
      html`<line class="grid" x1="${pad.left}" x2="${width - pad.right}" y1="${py(tick)}" y2="${py(tick)}"/><text class="tick-label y-tick" x="${pad.left - 4}" y="${py(tick) + 3}" text-anchor="end">${percentTick(tick)}</text>`,
  );
  const xValues = ticks(start, end, 5).filter((value) => !integer || Number.isInteger(value));
  const xTicks = xValues.map(
    (value) =>
      html`<line class="tick" x1="${px(value)}" x2="${px(value)}" y1="${bottom}" y2="${bottom + 4}"/><text class="tick-label x-tick" x="${px(value)}" y="${bottom + 14}" text-anchor="middle" data-value="${value}">${formatNumber(value)}</text>`,
  );
  const labels = html`<text class="x-label" x="${pad.left + plotWidth / 2}" y="${height - 3}" text-anchor="middle">${xLabel}</text><text class="y-label" transform="translate(10 ${pad.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`;
  return html`<svg class="chart histogram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${caption}" data-bins="${bins.length}" data-start="${start}" data-width="${binWidth}" data-y-max="${y.high}"><title>${caption}</title>${yTicks}${columns}<line class="axis" x1="${pad.left}" x2="${width - pad.right}" y1="${bottom}" y2="${bottom}"/><line class="axis" x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${bottom}"/>${xTicks}${labels}</svg>`;
}

/** Horizontal bars per category: the previous month's share above this month's, on a 0–100 % axis. */
export function categoryBars(categories: readonly PairedShare[], caption: string): Html {
  const width = 320;
  const labelWidth = 104;
  const barWidth = width - labelWidth - 56;
  const rowHeight = 22;
  const axisAt = categories.length * rowHeight + 2;
  const height = axisAt + 26;
  const length = (share: number) => round(Math.max(share > 0 ? 1 : 0, share * barWidth));
  const rows = categories.map((category, index) => {
    const y = index * rowHeight;
    const title = `${category.label}: ${category.then === null ? '' : `previous ${formatPercent(100 * category.then)}, `}now ${formatPercent(100 * category.now)}`;
    const label = category.label.length > 16 ? `${category.label.slice(0, 15)}…` : category.label;
    return html`<g><title>${title}</title><text class="cat-label" x="0" y="${y + 14}">${label}</text>${
      category.then === null
        ? null
        : html`<rect class="then" x="${labelWidth}" y="${y + 3}" width="${length(category.then)}" height="7" data-share="${category.then.toFixed(6)}"/>`
    }<rect class="now" x="${labelWidth}" y="${y + 11}" width="${length(category.now)}" height="7" data-share="${category.now.toFixed(6)}"/><text class="cat-share" x="${width}" y="${y + 16}" text-anchor="end">${formatPercent(100 * category.now)}</text></g>`;
  });
  const axis = [0, 0.25, 0.5, 0.75, 1].map(
    (tick) =>
      html`<line class="tick" x1="${labelWidth + tick * barWidth}" x2="${labelWidth + tick * barWidth}" y1="${axisAt}" y2="${axisAt + 4}"/><text class="tick-label x-tick" x="${labelWidth + tick * barWidth}" y="${axisAt + 14}" text-anchor="middle">${percentTick(tick)}</text>`,
  );
  return html`<svg class="chart categories" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${caption}" data-bins="${categories.length}"><title>${caption}</title>${rows}<line class="axis" x1="${labelWidth}" x2="${labelWidth + barWidth}" y1="${axisAt}" y2="${axisAt}"/>${axis}<text class="x-label" x="${labelWidth + barWidth / 2}" y="${height - 1}" text-anchor="middle">share of rows</text></svg>`;
}

export interface TrendPointValue {
  readonly as_of: string;
  readonly value: number;
}

export interface TrendAxis {
  /** The y axis's title: the figure drawn. */
  readonly label: string;
  readonly format: (value: number) => string;
  /** The largest value the axis may reach (1 for a share: 100 %). */
  readonly ceiling?: number;
}

/**
 * A line across the frozen months (and this one, last and marked) on a y axis that starts
 * at 0 (or below, for values below 0) and says its range; the chart takes its card's full
 * width. The first and last figures are written out above it.
 */
export function trendLine(points: readonly TrendPointValue[], axis: TrendAxis, caption: string, tone = 'line'): Html {
  const width = 300;
  const height = 116;
  const pad = { left: 46, right: 12, top: 18, bottom: 20 };
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const bottom = pad.top + plotHeight;
  const y = axisRange(
    points.map((point) => point.value),
    3,
    axis.ceiling,
  );
  const x = (index: number) => round(points.length === 1 ? pad.left + plotWidth / 2 : pad.left + (index * plotWidth) / (points.length - 1));
  const py = (value: number) => round(bottom - ((value - y.low) / (y.high - y.low)) * plotHeight);
  const coordinates = points.map((point, index) => `${x(index)},${py(point.value)}`).join(' ');
  const marks = points.map(
    (point, index) =>
      html`<circle class="${index === points.length - 1 ? 'current' : 'point'}" cx="${x(index)}" cy="${py(point.value)}" r="3" data-value="${point.value}"><title>${point.as_of}: ${axis.format(point.value)}</title></circle>`,
  );
  const yTicks = y.ticks.map(
    (tick) =>
      html`<line class="grid" x1="${pad.left}" x2="${width - pad.right}" y1="${py(tick)}" y2="${py(tick)}"/><text class="tick-label y-tick" x="${pad.left - 4}" y="${py(tick) + 3}" text-anchor="end">${axis.format(tick)}</text>`,
  );
  const first = points[0];
  const last = points[points.length - 1];
  const labels = html`<text class="trend-value" x="${width - pad.right}" y="11" text-anchor="end">${
    points.length > 1 ? `${axis.format(first.value)} → ${axis.format(last.value)}` : axis.format(last.value)
  }</text><text class="tick-label x-tick" x="${pad.left}" y="${height - 5}"${points.length === 1 ? html` text-anchor="middle" dx="${plotWidth / 2}"` : null}>${first.as_of}</text>${
    points.length > 1 ? html`<text class="tick-label x-tick" x="${width - pad.right}" y="${height - 5}" text-anchor="end">${last.as_of}</text>` : null
  }<text class="y-label" transform="translate(10 ${pad.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${axis.label}</text>`;
  return html`<svg class="chart trend ${tone}" width="100%" viewBox="0 0 ${width} ${height}" role="img" aria-label="${caption}" data-points="${points.length}" data-y-min="${y.low}" data-y-max="${y.high}"><title>${caption}</title>${yTicks}<line class="axis" x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${bottom}"/><line class="axis" x1="${pad.left}" x2="${width - pad.right}" y1="${bottom}" y2="${bottom}"/>${
    points.length > 1 ? html`<polyline class="trend-line" points="${coordinates}"/>` : null
  }${marks}${labels}</svg>`;
}
