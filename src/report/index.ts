// report: the pages people read, built from what the stages recorded: report.html of one
// run (page.ts, from its validation document and month profile, whose metric history of
// the frozen months profile.ts reads) and reports/index.html of all runs. Self-contained HTML: inline CSS, charts as inline SVG, every value escaped.
// May import: base, contract, artifacts, config, engine, warehouse, load, validate, upsert, snapshot, record, sync, query, training (the layer rule, .dependency-cruiser.cjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Engine, sqlFile } from '../engine/duckdb';
import type { WarehouseLayout } from '../warehouse/layout';
import { type IndexedRun, renderIndex } from './index-page';

/**
 * Rewrites reports/index.html from meta.runs: every run, newest first, with its verdict
 * and a link to its report. Written aside and renamed, so a reader never sees half a page.
 */
export async function writeReportIndex(engine: Engine, layout: WarehouseLayout): Promise<void> {
  const runs = await engine.rows<IndexedRun & Record<string, unknown>>(sqlFile('history/report-index-runs'));
  fs.mkdirSync(layout.reports, { recursive: true });
  fs.mkdirSync(layout.staging, { recursive: true });
  const partial = path.join(layout.staging, `reports-index-${process.pid}.html`);
  fs.writeFileSync(partial, renderIndex(runs));
  fs.renameSync(partial, path.join(layout.reports, 'index.html'));
}
