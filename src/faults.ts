// Fault points for the crash tests: with STREAMFLOW_FAULT_AT=<point> a run stops dead
// at that point (announcing it on stderr) until it is killed, so a test can kill -9 a
// run at a known instant instead of guessing with timers. With STREAMFLOW_FAULT_HOLD_MS
// it resumes after that long instead, so a test can change the world under it (stop a
// server) and see what the run makes of it.
export type FaultPoint = 'loaded' | 'validated' | 'upserted' | 'snapshot-partial' | 'snapshotted' | 'published' | 'committed' | 'sync-mid-copy' | 'sync-snapshots-sent' | 'sync-before-commit';

export async function faultPoint(point: FaultPoint): Promise<void> {
  if (process.env.STREAMFLOW_FAULT_AT !== point) return;
  process.stderr.write(`fault point reached: ${point}\n`);
  const holdMs = process.env.STREAMFLOW_FAULT_HOLD_MS;
  if (holdMs !== undefined) return new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  setInterval(() => undefined, 60_000);
  await new Promise<never>(() => undefined);
}
