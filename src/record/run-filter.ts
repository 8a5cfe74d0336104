// Which runs `runs` lists: apart from history.ts, so the library API's declarations reach it without the engine's.

export interface RunFilter {
  /** At most this many runs, newest first. */
  readonly limit?: number;
  readonly status?: string;
  /** A month folder name (month_001) or the folder's path as recorded. */
  readonly month?: string;
  /**
   * Also the `unchanged` runs (replays and backfills over frozen months, which change
   * nothing); asking for `--status unchanged` shows them too.
   */
  readonly all?: boolean;
}
