// backfill: every month folder of the seeds dir, in order, each with its as_of. A month
// already frozen is replayed, which verifies it and changes nothing; the first failure
// stops the backfill, and a rerun passes the verified months again and resumes there.
import * as fs from 'node:fs';
import { RUN_SUMMARY_VERSION } from '../artifacts';
import type { Settings } from '../config';
import { MONTH_FOLDER } from '../contract/months';
import { InvocationError } from '../errors';
import { type RunSummary, runMonth } from './ingest';
import { folderNames, monthEndRule, parseAsOf, readMonthsFile, resolveMonth } from './invocation';
import type { Logger } from './log';

export interface BackfillRange {
  readonly from?: string;
  readonly to?: string;
}

export interface PlannedMonth {
  readonly month: string;
  readonly asOf: string;
}

/**
 * The months to ingest, in order, with their as_of: from `<seeds>/months.json`
 * ({"month_000": "2024-01-31", …}) when present, else month_NNN → the month end NNN
 * months after `firstAsOf`.
 */
export function planBackfill(seedsDir: string, firstAsOf: string, range: BackfillRange): PlannedMonth[] {
  const mapping = readMonthsFile(seedsDir);
  if (!fs.existsSync(seedsDir) || !fs.statSync(seedsDir).isDirectory()) throw new InvocationError(`seeds dir ${seedsDir} not found (set --seeds or SEED_DIR)`);
  // A month folder may be a link to where the export lives: listed like any folder.
  const folders = folderNames(seedsDir)
    .filter((name) => (mapping ? name in mapping : MONTH_FOLDER.test(name)))
    .sort();
  for (const bound of [range.from, range.to]) {
    if (bound !== undefined && !folders.includes(bound)) throw new InvocationError(`no month folder ${bound} in ${seedsDir}`);
  }
  return folders
    .filter((month) => (range.from === undefined || month >= range.from) && (range.to === undefined || month <= range.to))
    .map((month) => ({ month, asOf: parseAsOf(mapping ? mapping[month] : monthEndRule(month, firstAsOf)!) }));
}

export interface BackfillSummary {
  readonly schema_version: string;
  readonly months: readonly { readonly month: string; readonly as_of: string }[];
  readonly runs: readonly RunSummary[];
}

/** Ingests the planned months in order; throws the first failure (its run is recorded). */
export async function backfill(settings: Settings, range: BackfillRange, logger: Logger): Promise<BackfillSummary> {
  const months = planBackfill(settings.seedsDir, parseAsOf(settings.firstAsOf), range);
  const runs: RunSummary[] = [];
  for (const { month, asOf } of months) {
    logger.info(`backfill: ${month} as_of ${asOf}`, { month, as_of: asOf });
    runs.push(await runMonth(settings, { command: 'ingest', month: resolveMonth(settings.contract, settings.seedsDir, month), asOf }, logger));
  }
  return { schema_version: RUN_SUMMARY_VERSION, months: months.map(({ month, asOf }) => ({ month, as_of: asOf })), runs };
}
