// reports/index.html: every run of the warehouse, newest first, with its verdict and a
// link to its report; rewritten after each recorded run.
import { formatCount } from '../format';
import { badge, dataTable, Html, html, type Status } from './html';
import { STYLES } from './styles';

export interface IndexedRun {
  readonly run_id: string;
  readonly command: string;
  readonly month: string;
  readonly as_of: string | null;
  readonly status: string;
  readonly exit_code: number;
  readonly started_at: string;
  readonly report_path: string | null;
  readonly warnings: number;
  readonly failures: number;
  /** A correction ("correction v2") or a late month ("late month"); null otherwise. */
  readonly history: string | null;
}

function verdict(run: IndexedRun): { status: Status; text: string } {
  if (run.exit_code !== 0 || run.failures > 0) return { status: 'failed', text: run.status === 'refused' ? 'refused' : 'failed' };
  if (run.warnings > 0) return { status: 'warning', text: `${formatCount(run.warnings)} warning${run.warnings === 1 ? '' : 's'}` };
  return { status: 'passed', text: 'passed' };
}

export function renderIndex(runs: readonly IndexedRun[]): string {
  const rows = runs.map((run) => {
    const { status, text } = verdict(run);
    // report_path is relative to the warehouse root, and this page sits in reports/.
    const link = run.report_path
      ? html`<a class="mono" href="${`../${run.report_path.split(/[\\/]/).join('/')}/report.html`}">${run.run_id}</a>`
      : html`<span class="mono">${run.run_id}</span>`;
    return {
      className: `result ${status}`,
      cells: [
        badge(status, text),
        link,
        run.command,
        html`<span class="mono">${run.month}</span>`,
        run.as_of ?? '—',
        run.history ? `${run.status} · ${run.history}` : run.status,
        { content: String(run.exit_code), className: 'num' },
        run.started_at,
      ],
    };
  });
  const body =
    runs.length === 0
      ? html`<p class="empty">No run yet.</p>`
      : dataTable('runs', ['Verdict', 'Run', 'Command', 'Month', 'as_of', 'Status', { content: 'Exit', className: 'num' }, 'Started'], rows);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>streamflow · runs</title><style>${new Html(STYLES)}</style></head>
<body><main class="page"><header class="page-head"><div class="eyebrow">streamflow · run history</div><h1>Runs <span class="as-of">${formatCount(runs.length)}</span></h1></header>
<section class="block">${body}</section></main></body></html>
`.value;
}
