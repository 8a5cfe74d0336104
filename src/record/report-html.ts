// report.html: one self-contained page (no network) a person reads after a run. Built
// from the pieces in ./report; inline CSS, charts as inline SVG, every value escaped.
export { renderPage as renderReport } from './report/page';
