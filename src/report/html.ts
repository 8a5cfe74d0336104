// Markup with escaping by default: every value interpolated into `html`...`` goes
// through escape-html unless it is already markup (an Html built the same way).
// The few shared building blocks of the page (tables, status badges, bars) live here.
import escapeHtml from 'escape-html';
import { truncate } from '../format';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** null, undefined and false render as nothing, so `${condition && html`…`}` reads naturally. */
type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  return new Html(strings.reduce((out, text, index) => out + text + (index < values.length ? render(values[index]) : ''), ''));
}

export type Status = 'passed' | 'failed' | 'warning';

const STATUS_LABEL: Record<Status, string> = { passed: 'PASS', failed: 'FAIL', warning: 'WARN' };

/** Colour plus a text label, so the status reads without colour too. */
export function badge(status: Status, label: string = STATUS_LABEL[status]): Html {
  return html`<span class="badge ${status}">${label}</span>`;
}

export interface Cell {
  readonly content: Interpolation;
  /** `num` right-aligns figures; `mono` for identifiers and raw values. */
  readonly className?: string;
  readonly colSpan?: number;
}

export interface Row {
  readonly cells: readonly (Cell | Interpolation)[];
  readonly className?: string;
  readonly id?: string;
}

function isCell(cell: Cell | Interpolation): cell is Cell {
  return typeof cell === 'object' && cell !== null && !(cell instanceof Html) && !Array.isArray(cell);
}

function cellHtml(tag: 'td' | 'th', cell: Cell | Interpolation): Html {
  const { content, className, colSpan } = isCell(cell) ? cell : { content: cell, className: undefined, colSpan: undefined };
  const name = new Html(tag);
  return html`<${name}${className && html` class="${className}"`}${colSpan ? html` colspan="${colSpan}"` : null}>${content}</${name}>`;
}

/** The one table builder of the page: a header row of `Cell`s, then the rows. */
export function dataTable(className: string, head: readonly (Cell | string)[], rows: readonly Row[]): Html {
  const body = rows.map(
    (row) =>
      html`<tr${row.className && html` class="${row.className}"`}${row.id && html` id="${row.id}"`}>${row.cells.map((cell) => cellHtml('td', cell))}</tr>`,
  );
  return html`<table class="${className}"><thead><tr>${head.map((cell) => cellHtml('th', cell))}</tr></thead><tbody>${body}</tbody></table>`;
}

export interface BarSegment {
  /** 0..1 of the bar's width. */
  readonly fraction: number;
  /** A CSS class giving the fill colour: passed, failed, warning, nulls, share. */
  readonly tone: string;
}

const clamp = (fraction: number) => (Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0);

/**
 * The one chart of the page: a horizontal bar as inline SVG, one or more segments laid
 * end to end over a grey track. A non-zero share gets at least one pixel, so it shows.
 */
export function bar(segments: readonly BarSegment[], label: string, width = 120, height = 10): Html {
  let x = 0;
  const rects = segments.map(({ fraction, tone }) => {
    const share = clamp(fraction);
    const w = share === 0 ? 0 : Math.max(1, Math.round(share * width * 10) / 10);
    const rect = html`<rect class="${tone}" x="${x}" y="0" width="${Math.min(w, width - x)}" height="${height}"/>`;
    x = Math.min(width, Math.round((x + w) * 10) / 10);
    return rect;
  });
  return html`<svg class="bar" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}"><title>${label}</title><rect class="track" width="${width}" height="${height}"/>${rects}</svg>`;
}

/** A value from the data: NULL marked as such, long text cut. */
export function valueHtml(value: string | null, max = 80): Html {
  return value === null ? html`<span class="null">NULL</span>` : html`<span class="mono value">${truncate(value, max)}</span>`;
}
