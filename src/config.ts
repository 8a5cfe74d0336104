// Settings: a flag wins over the environment, the environment over the default.
import * as path from 'node:path';

export interface Settings {
  readonly seedsDir: string;
  readonly warehouseDir: string;
  readonly json: boolean;
  /** DuckDB threads; default: DuckDB's (all cores). */
  readonly threads?: number;
  /** DuckDB memory_limit, e.g. "4GB"; default: DuckDB's (80 % of RAM). */
  readonly memoryLimit?: string;
  /** How long a run waits for another run's lock before exit 3. */
  readonly lockTimeoutMs: number;
}

export interface SettingFlags {
  readonly seeds?: string;
  readonly warehouse?: string;
  readonly json?: boolean;
  readonly threads?: string;
  readonly memoryLimit?: string;
  readonly lockTimeout?: string;
}

export function resolveSettings(flags: SettingFlags, env: NodeJS.ProcessEnv = process.env): Settings {
  const threads = flags.threads ?? env.STREAMFLOW_THREADS;
  return {
    seedsDir: path.resolve(flags.seeds ?? env.SEED_DIR ?? 'seeds'),
    warehouseDir: path.resolve(flags.warehouse ?? env.WAREHOUSE_DIR ?? 'warehouse'),
    json: flags.json ?? false,
    threads: threads === undefined ? undefined : Number(threads),
    memoryLimit: flags.memoryLimit ?? env.STREAMFLOW_MEMORY_LIMIT,
    lockTimeoutMs: Number(flags.lockTimeout ?? env.STREAMFLOW_LOCK_TIMEOUT_MS ?? 10_000),
  };
}
