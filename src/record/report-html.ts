// report.html: one self-contained page (no network) a person reads after a run.
import escapeHtml from 'escape-html';
import type { ValidationDocument } from '.';
import type { TableProfiles } from './profile';

export function renderReport(document: ValidationDocument, profiles: TableProfiles | undefined): string {
  const rows = document.results
    .map(
      (result) => `<tr class="${result.success ? 'pass' : result.meta.severity}">
        <td>${escapeHtml(result.meta.table)}</td><td>${escapeHtml(result.meta.column ?? '')}</td>
        <td>${escapeHtml(result.expectation_config.type)}</td><td>${result.success ? 'pass' : 'FAIL'}</td>
        <td>${result.result.unexpected_count}</td></tr>`,
    )
    .join('\n');
  void profiles;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>streamflow validation ${escapeHtml(document.meta.run_id)}</title></head>
<body><h1>Validation of ${escapeHtml(document.meta.month)} (as_of ${escapeHtml(document.meta.as_of ?? '-')})</h1>
<p>${document.success ? 'Passed' : 'Failed'}: ${document.statistics.successful_expectations} of ${document.statistics.evaluated_expectations} expectations met.</p>
<table><thead><tr><th>table</th><th>column</th><th>expectation</th><th>result</th><th>unexpected</th></tr></thead>
<tbody>${rows}</tbody></table></body></html>
`;
}
