// Fault points for the crash tests: with STREAMFLOW_FAULT_AT=<point> a run stops dead
// at that point (announcing it on stderr) until it is killed, so a test can kill -9 a
// run at a known instant instead of guessing with timers. With STREAMFLOW_FAULT_HOLD_MS
// it resumes after that long instead, so a test can change the world under it (stop a
// server) and see what the run makes of it.
//
// A run's points, in run order: before the transaction (loaded, validated), inside it
// (upserted, snapshot-partial, snapshotted, recorded), after COMMIT (committed), while
// publishing (publish-partial) and after.
export const RUN_FAULT_POINTS = [
  'loaded',
  'validated',
  'upserted',
  'snapshot-partial',
  'snapshotted',
  'recorded',
  'committed',
  'publish-partial',
  'published',
] as const;
/**
 * A correction's point of its own, while publishing: the version it supersedes moved to its
 * `_versions` folder, the new one not yet renamed into the partition folder.
 */
export const CORRECTION_FAULT_POINTS = ['superseded'] as const;
/** The PostgreSQL sync's points: mid-COPY, after the snapshot partitions, before its COMMIT. */
export const SYNC_FAULT_POINTS = ['sync-mid-copy', 'sync-snapshots-sent', 'sync-before-commit'] as const;
export type FaultPoint = (typeof RUN_FAULT_POINTS)[number] | (typeof CORRECTION_FAULT_POINTS)[number] | (typeof SYNC_FAULT_POINTS)[number];

export async function faultPoint(point: FaultPoint): Promise<void> {
  if (process.env.STREAMFLOW_FAULT_AT !== point) return;
  process.stderr.write(`fault point reached: ${point}\n`);
  const holdMs = process.env.STREAMFLOW_FAULT_HOLD_MS;
  if (holdMs !== undefined) return new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  setInterval(() => undefined, 60_000);
  await new Promise<never>(() => undefined);
}
