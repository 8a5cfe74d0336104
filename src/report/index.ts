// report: the pages people read, built from what the stages recorded: report.html of one
// run (page.ts, from its validation document and month profile, whose metric history of
// the frozen months profile.ts reads) and reports/index.html of all runs. Self-contained HTML: inline CSS, charts as inline SVG, every value escaped.
// May import: base, contract, artifacts, config, engine, warehouse, load, validate, upsert, snapshot, record, sync, query, training (the layer rule, .dependency-cruiser.cjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Engine, sqlFile } from '../engine/duckdb';
import type { WarehouseLayout } from '../warehouse/layout';
import { writeToolFile } from '../warehouse/output';
import { type IndexedRun, renderIndex } from './index-page';

/**
 * Rewrites reports/index.html from meta.runs: every run, newest first, with its verdict
 * and a link to its report. Written beside it and renamed (warehouse/output.ts), so a reader never sees half a page.
 */
export async function writeReportIndex(engine: Engine, layout: WarehouseLayout): Promise<void> {
  const runs = await engine.rows<IndexedRun & Record<string, unknown>>(sqlFile('history/report-index-runs'));
  fs.mkdirSync(layout.reports, { recursive: true });
  const page = renderIndex(runs);
  await writeToolFile(path.join(layout.reports, 'index.html'), (temporary) => fs.writeFileSync(temporary, page));
}
