// The page's only stylesheet, inlined: system fonts, no external resource.
export const STYLES = `
:root {
  --text: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft-line: #e8ecf0; --bg: #f6f8fa; --card: #ffffff;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9; --warn: #9a6700; --warn-bg: #fff8c5;
  --accent: #0969da; --nulls: #bc4c00; --track: #eaeef2;
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; color: var(--text); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif; }
.page { max-width: 1240px; margin: 0 auto; padding: 32px 28px 48px; }
.mono, code { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace; font-size: 0.92em; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
h1 { font-size: 30px; line-height: 1.2; margin: 4px 0 12px; font-weight: 650; }
h1 .as-of { color: var(--muted); font-weight: 400; font-size: 22px; }
h2 { font-size: 18px; margin: 0 0 12px; font-weight: 620; }
h3 { font-size: 12px; margin: 20px 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.06em; font-weight: 600; }
.muted { color: var(--muted); }
.empty { color: var(--muted); font-style: italic; margin: 4px 0; }

.eyebrow { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.08em; font-weight: 600; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 32px; margin: 0; }
.fact dt { color: var(--muted); font-size: 12px; }
.fact dd { margin: 0; font-weight: 500; }

.verdict { margin: 24px 0 16px; padding: 20px 24px; background: var(--card); border: 1px solid var(--line); border-left: 8px solid; border-radius: 10px; }
.verdict.passed { border-left-color: var(--pass); }
.verdict.warning { border-left-color: #d4a72c; }
.verdict.failed { border-left-color: var(--fail); background: linear-gradient(90deg, var(--fail-bg), var(--card) 45%); }
.verdict-head { display: flex; align-items: center; gap: 14px; }
.verdict-mark { display: inline-flex; align-items: center; justify-content: center; width: 44px; height: 44px; border-radius: 50%; color: #fff; font-size: 26px; font-weight: 700; }
.verdict.passed .verdict-mark { background: var(--pass); }
.verdict.warning .verdict-mark { background: #d4a72c; }
.verdict.failed .verdict-mark { background: var(--fail); }
.verdict-text { font-size: 34px; font-weight: 700; letter-spacing: -0.01em; }
.verdict.passed .verdict-text { color: var(--pass); }
.verdict.warning .verdict-text { color: var(--warn); }
.verdict.failed .verdict-text { color: var(--fail); }
.verdict-note { margin: 14px 0 0; color: var(--text); }
.stats { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 12px 36px; margin-top: 16px; }
.stat-value { font-size: 26px; font-weight: 650; line-height: 1.1; font-variant-numeric: tabular-nums; }
.stat-label { color: var(--muted); font-size: 12px; }
.stat.passed .stat-value { color: var(--pass); }
.stat.failed .stat-value { color: var(--fail); }
.stat.warning .stat-value { color: var(--warn); }
.stat.zero .stat-value { color: var(--muted); }
.stat.chart { margin-left: auto; }

.toc ul { list-style: none; display: flex; flex-wrap: wrap; gap: 8px; padding: 0; margin: 0 0 16px; }
.chip { display: inline-flex; align-items: center; gap: 6px; padding: 3px 12px; border: 1px solid var(--line); border-radius: 999px; background: var(--card); color: var(--text); font-size: 13px; }
.chip .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--pass); }
.chip.failed { border-color: var(--fail); }
.chip.failed .dot { background: var(--fail); }
.chip.warning .dot { background: #d4a72c; }

.block, .table-section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; margin: 16px 0; }
.attention.failed { border-color: var(--fail); }
.attention.warning { border-color: #d4a72c; background: #fffdf2; }
.problems { list-style: none; padding: 0; margin: 0; }
.problems li { padding: 6px 0; border-top: 1px solid var(--soft-line); }
.problems li:first-child { border-top: 0; }
.section-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 16px; border-bottom: 1px solid var(--soft-line); padding-bottom: 10px; }
.section-head h2 { margin: 0; font-size: 20px; }
.table-status { margin-left: auto; display: inline-flex; gap: 6px; }

table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; font-size: 11px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); font-weight: 600; padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 7px 10px; border-bottom: 1px solid var(--soft-line); vertical-align: top; }
tbody tr:last-child td { border-bottom: 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pct { color: var(--muted); font-variant-numeric: tabular-nums; }

.badge { display: inline-block; min-width: 44px; text-align: center; padding: 1px 8px; border-radius: 999px; font-size: 11px; font-weight: 700; letter-spacing: 0.04em; border: 1px solid; white-space: nowrap; }
.badge.passed { color: var(--pass); background: var(--pass-bg); border-color: #aceebb; }
.badge.failed { color: #fff; background: var(--fail); border-color: var(--fail); }
.badge.warning { color: var(--warn); background: var(--warn-bg); border-color: #d4a72c; }

.expectations > tbody > tr > td:first-child { width: 64px; }
.expectations > tbody > tr.result > td:nth-child(2) { white-space: nowrap; }
.expectations > tbody > tr.result > td:nth-child(4) { width: 240px; }
.expectations > tbody > tr > td.why { color: var(--muted); width: 30%; }
.rule { font-weight: 500; word-break: break-word; }
.type { color: var(--muted); font-size: 11px; }
.tag { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; background: var(--warn-bg); color: var(--warn); font-family: system-ui, sans-serif; font-size: 10px; font-weight: 600; }
.observed { color: var(--text); }
strong.bad { color: var(--fail); }
tr.result.failed > td { background: var(--fail-bg); }
tr.result.failed > td:first-child { box-shadow: inset 4px 0 0 var(--fail); }
tr.result.warning > td { background: #fffbe6; }
tr.result.warning > td:first-child { box-shadow: inset 4px 0 0 #d4a72c; }
tr.result.failed:has(+ tr.detail) > td, tr.result.warning:has(+ tr.detail) > td { border-bottom: 0; }
tr.detail > td { padding: 0 10px 14px 84px; }
tr.detail.failed > td { background: var(--fail-bg); box-shadow: inset 4px 0 0 var(--fail); }
tr.detail.warning > td { background: #fffbe6; box-shadow: inset 4px 0 0 #d4a72c; }
.found { color: var(--text); word-break: break-word; }
.samples .caption { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
.sample-table { width: auto; min-width: 420px; background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
.sample-table th, .sample-table td { padding: 2px 12px; line-height: 1.45; }
.null { font-family: ui-monospace, monospace; font-size: 11px; color: var(--muted); background: var(--track); border-radius: 3px; padding: 0 4px; }
.value { white-space: pre-wrap; word-break: break-all; }

.profiles td { vertical-align: middle; }
.profiles .col-name { font-weight: 600; }
.meter { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.meter .num { min-width: 44px; }
.meter .pct { min-width: 48px; text-align: right; }
.top-values { list-style: none; margin: 0; padding: 0; }
.top-values li { display: flex; align-items: center; gap: 8px; line-height: 1.6; }
.tv-value { display: inline-block; width: 130px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tv-value .value { white-space: nowrap; }
svg.bar { display: inline-block; vertical-align: middle; border-radius: 2px; overflow: hidden; flex: none; }
svg.bar .track { fill: var(--track); }
svg.bar .passed { fill: #2da44e; }
svg.bar .warning { fill: #d4a72c; }
svg.bar .failed { fill: var(--fail); }
svg.bar .nulls { fill: var(--nulls); }
svg.bar .share { fill: var(--accent); }

details.passes { margin: 8px 0 0; }
details.passes summary { cursor: pointer; color: var(--pass); font-weight: 600; padding: 4px 0; }
details.passes ul { list-style: none; margin: 4px 0 0; padding: 0; }
details.passes li { padding: 3px 0; border-top: 1px solid var(--soft-line); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }

.column-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(350px, 1fr)); gap: 12px; }
.column-card { border: 1px solid var(--soft-line); border-radius: 8px; padding: 10px 14px; }
.column-card.warning { border-color: #d4a72c; box-shadow: inset 4px 0 0 #d4a72c; }
.column-card.failed { border-color: var(--fail); box-shadow: inset 4px 0 0 var(--fail); }
.column-card header { margin-bottom: 6px; }
.column-card .col-name { font-weight: 650; }
.col-stats { display: grid; grid-template-columns: repeat(4, auto); gap: 2px 12px; margin: 0 0 8px; font-size: 12px; }
.col-stats dt { color: var(--muted); font-size: 11px; }
.col-stats dd { margin: 0; font-variant-numeric: tabular-nums; }
.chart-box { margin: 4px 0; }
.deciles { margin: 0 0 4px; font-size: 11px; font-variant-numeric: tabular-nums; }
svg.chart { display: block; overflow: visible; }
svg.chart .then { fill: #c8d1da; }
svg.chart .now { fill: var(--accent); }
svg.chart .axis, svg.chart .tick { stroke: #8c959f; }
svg.chart .grid { stroke: var(--soft-line); }
svg.chart.trend { width: 100%; height: auto; }
svg.chart text { font: 10px system-ui, sans-serif; fill: var(--muted); }
svg.chart .x-label, svg.chart .y-label { fill: var(--text); font-size: 10.5px; }
svg.chart .cat-label { fill: var(--text); font-size: 11px; }
svg.chart .cat-share { fill: var(--text); }
svg.chart .trend-line { fill: none; stroke: var(--accent); stroke-width: 2; }
svg.chart.flagged .trend-line { stroke: #d4a72c; }
svg.chart circle.point { fill: var(--card); stroke: var(--accent); stroke-width: 2; }
svg.chart circle.current { fill: var(--accent); }
svg.chart .trend-value { fill: var(--text); font-size: 11px; font-weight: 600; }
.drift { list-style: none; margin: 6px 0 0; padding: 0; font-size: 12px; display: flex; flex-wrap: wrap; gap: 2px 14px; }
.drift li.warning { color: var(--warn); font-weight: 600; }
.drift li.failed { color: var(--fail); font-weight: 600; }
.drift-label { color: var(--muted); }
.legend { font-size: 12px; color: var(--muted); }
.legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; vertical-align: middle; margin: 0 4px 0 10px; }
.swatch.then { background: #c8d1da; }
.swatch.now { background: var(--accent); }
.shifts { list-style: none; padding: 0; margin: 0; }
.shifts li { padding: 4px 0; border-top: 1px solid var(--soft-line); }
.label-rate { font-weight: 650; }
.label-rate.warning { color: var(--warn); }
.label-rate.failed { color: var(--fail); }
.first-month { margin: 0; }
.trend-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 12px; }
.trend-card { margin: 0; border: 1px solid var(--soft-line); border-radius: 8px; padding: 8px 10px; }
.trend-card.warning { border-color: #d4a72c; }
.trend-card.failed { border-color: var(--fail); }
.trend-card figcaption { font-size: 12px; margin-bottom: 4px; }

.page-foot { margin-top: 24px; color: var(--muted); font-size: 12px; text-align: center; }
@media print { html { background: #fff; } .block, .table-section, .verdict { break-inside: avoid-page; } }
`;
