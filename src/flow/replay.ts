// A replay with nothing to recompute. The pipeline is deterministic, so when an as_of was
// frozen by a run whose six input files had the same sha256 as today's, under the same
// pipeline (contract and release), recomputing it would reproduce that snapshot byte
// for byte. The replay proves that instead of recomputing: the inputs hash the same,
// the frozen files still hash to their manifest entries, and the earlier run's
// validation report is there to stand for this run's. Anything else — other bytes,
// another contract or release, a damaged frozen file, a lost report — recomputes in full
// and compares, and `ingest --recompute` always does.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoadedTable, SnapshotEntry, ValidationDocument } from '../artifacts';
import type { Contract } from '../contract/contract';
import { type Engine, sqlFile } from '../engine/duckdb';
import { sha256File } from '../engine/files';
import type { MonthInput } from '../load';
import { PACKAGE_ROOT } from '../package-root';
import { checkFrozenFiles } from '../snapshot/verify';
import type { WarehouseLayout } from '../warehouse/layout';

const RELEASE = (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * What turns inputs into snapshots: the contract (columns, types, keys, expectations and
 * their bounds) and the release for the code. A release that changes what a run
 * produces bumps the version, and with it this fingerprint.
 */
export function pipelineFingerprint(contract: Contract): string {
  return createHash('sha256')
    .update(JSON.stringify({ release: RELEASE, contract }))
    .digest('hex');
}

export interface IdenticalRun {
  readonly runId: string;
  /** Today's files, with the rows the earlier run loaded from the same bytes. */
  readonly inputFiles: readonly LoadedTable[];
  readonly document: ValidationDocument;
}

export type ReplayCheck = { readonly identical: IdenticalRun } | { readonly recompute: string };

interface FreezingRunRow {
  readonly input_files: LoadedTable[] | null;
  readonly pipeline_fingerprint: string | null;
  readonly contract_version: string | null;
  readonly report_path: string | null;
}

/** Whether ingesting `month` as `asOf` is an exact replay of the run that froze `asOf`. */
export async function checkIdenticalReplay(
  engine: Engine,
  contract: Contract,
  layout: WarehouseLayout,
  month: MonthInput,
  frozen: readonly SnapshotEntry[],
): Promise<ReplayCheck> {
  const runIds = [...new Set(frozen.map((entry) => entry.run_id))];
  if (runIds.length !== 1) return { recompute: 'the frozen partitions do not come from one run' };
  const [runId] = runIds;
  const [run] = await engine.rows<FreezingRunRow & Record<string, unknown>>(sqlFile('replay/freezing-run'), { run_id: runId });
  // A month frozen under an earlier version of the contract stays as it was frozen (a
  // snapshot never changes): its byte-identical inputs are a replay, not a month to
  // recompute under rules (or columns) it was never exported for.
  const earlierVersion = run?.contract_version != null && run.contract_version !== contract.version;
  if (!earlierVersion && frozen.length !== contract.tables.length) return { recompute: 'the frozen partitions do not come from one run' };
  if (!earlierVersion && run?.pipeline_fingerprint !== pipelineFingerprint(contract)) {
    return { recompute: `run ${runId} froze it under another contract or release` };
  }

  const inputFiles: LoadedTable[] = [];
  const frozenTables = contract.tables.filter((table) => frozen.some((entry) => entry.table_name === table.name));
  for (const table of earlierVersion ? frozenTables : contract.tables) {
    const earlier = run.input_files?.find((input) => input.table === table.name);
    const file = path.join(month.dir, table.file);
    const bytes = fs.statSync(file, { throwIfNoEntry: false })?.size;
    if (!earlier || bytes !== earlier.bytes || (await sha256File(file)) !== earlier.sha256) {
      return { recompute: `${table.file} is not byte-identical to the input of run ${runId}` };
    }
    inputFiles.push({ ...earlier, file });
  }

  const damaged = await checkFrozenFiles(layout, frozen);
  if (damaged.length > 0) return { recompute: `frozen file ${damaged[0].path} is ${damaged[0].problem}` };
  const document = readDocument(path.join(layout.root, run.report_path ?? '', 'validation.json'));
  if (!document) return { recompute: `the report of run ${runId} is missing` };
  return { identical: { runId, inputFiles, document } };
}

function readDocument(file: string): ValidationDocument | null {
  try {
    const document = JSON.parse(fs.readFileSync(file, 'utf8')) as ValidationDocument;
    return Array.isArray(document.results) && document.results.length > 0 ? document : null;
  } catch {
    return null;
  }
}
