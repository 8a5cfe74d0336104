// Vitest global setup, after build-bin.ts: the real exports ingested once, month_000 into
// `january`, then month_000 and month_001 into `february`, by the built bin, for the test
// files that need such a warehouse as their starting point rather than as the thing they
// test (`realWarehouse` in helpers.ts copies one into the test's own folder). Eleven files
// each ingested both months themselves: 22 ingests, ~12 s of the suite on two cores.
// pipeline-real.test.ts and the README test still ingest on their own: that is what they test.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { BIN, REAL, realExportsMissing } from './paths';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder holding `january` and `february`, or null without the real exports. */
    realWarehouses: string | null;
  }
}

export default function buildRealWarehouses(project: TestProject): () => void {
  if (realExportsMissing() !== null) {
    project.provide('realWarehouses', null);
    return () => undefined;
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'streamflow-real-warehouses-'));
  const ingest = (warehouse: string, month: string, asOf: string) =>
    execFileSync(process.execPath, [BIN, '--quiet', '--seeds', REAL, '--warehouse', warehouse, 'ingest', month, asOf], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  ingest(path.join(root, 'january'), 'month_000', '2024-01-31');
  fs.cpSync(path.join(root, 'january'), path.join(root, 'february'), { recursive: true });
  ingest(path.join(root, 'february'), 'month_001', '2024-02-29');
  project.provide('realWarehouses', root);
  return () => fs.rmSync(root, { recursive: true, force: true });
}
