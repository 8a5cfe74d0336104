// A run refused because another process held the database cannot write its own row: the
// file is what it could not get. It leaves its record here instead, one JSON file per run
// (written beside and renamed, so a reader never sees half of one), and the next run that
// commits records it in its own transaction, then removes the file. A file whose run is
// already in meta.runs (a crash between that commit and the removal) is not recorded twice.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunRecord, TaskRun } from '../artifacts';
import type { WarehouseLayout } from './layout';

export interface UnrecordedRun {
  readonly record: RunRecord;
  readonly tasks: readonly TaskRun[];
}

function unrecordedFile(layout: WarehouseLayout, runId: string): string {
  return path.join(layout.unrecorded, `${runId}.json`);
}

export function leaveUnrecordedRun(layout: WarehouseLayout, run: UnrecordedRun): void {
  const file = unrecordedFile(layout, run.record.run_id);
  fs.mkdirSync(layout.unrecorded, { recursive: true });
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(run, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** The runs left unrecorded, oldest first. */
export function unrecordedRuns(layout: WarehouseLayout): UnrecordedRun[] {
  if (!fs.existsSync(layout.unrecorded)) return [];
  return fs
    .readdirSync(layout.unrecorded)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(fs.readFileSync(path.join(layout.unrecorded, name), 'utf8')) as UnrecordedRun);
}

/** After the commit that recorded them. */
export function removeUnrecordedRuns(layout: WarehouseLayout, runs: readonly UnrecordedRun[]): void {
  for (const run of runs) fs.rmSync(unrecordedFile(layout, run.record.run_id), { force: true });
}
