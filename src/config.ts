// Settings: a flag wins over the environment, the environment over a `.env` file in the
// working directory, that over the project file (streamflow.yaml), and that over the
// default. `streamflow config` prints the result. The project file is `--project FILE`,
// else STREAMFLOW_PROJECT, else the nearest streamflow.yaml at or above the working
// folder, else the churn project this package ships (its seeds and warehouse paths are
// then the working folder's, as they always were).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Contract, PROJECT_FILE } from './contract/contract';
import { FIRST_AS_OF } from './contract/months';
import type { Project } from './contract/project';
import { findProjectFile, readProject } from './contract/project-file';
import { InvocationError } from './errors';
import { PACKAGE_ROOT } from './package-root';

export type LogFormat = 'pretty' | 'json';
export type Verbosity = 'quiet' | 'normal' | 'verbose';

export interface Settings {
  /** The project file read (streamflow.yaml) and its name. */
  readonly project: { readonly name: string; readonly file: string };
  /** The project's contract: its tables, suites, feature views and label. */
  readonly contract: Contract;
  /** What the project file holds that streamflow does not read: each a `file:line:col: what` to warn of. */
  readonly projectWarnings: readonly string[];
  readonly seedsDir: string;
  readonly warehouseDir: string;
  readonly json: boolean;
  readonly logFormat: LogFormat;
  readonly verbosity: Verbosity;
  /** DuckDB threads; undefined: DuckDB's default (all cores). */
  readonly threads?: number;
  /** DuckDB memory_limit, e.g. "4GB"; undefined: DuckDB's default (80 % of RAM). */
  readonly memoryLimit?: string;
  /** How long a run waits for another run's lock before exit 3. */
  readonly lockTimeoutMs: number;
  /** as_of of month_000 for backfill's month_NNN → month-end rule. */
  readonly firstAsOf: string;
  /** PostgreSQL for the sync stage; a secret (masked by `config`). */
  readonly databaseUrl?: string;
  /** A progress bar appears for a task still running after this long (terminal only). */
  readonly progressDelayMs: number;
  /** PostgreSQL schema the sync mirrors into. */
  readonly postgresSchema: string;
  /** ingest ends with the sync task. */
  readonly syncPostgres: boolean;
}

export interface SettingFlags {
  readonly project?: string;
  readonly seeds?: string;
  readonly warehouse?: string;
  readonly json?: boolean;
  readonly logFormat?: string;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
  readonly threads?: string;
  readonly memoryLimit?: string;
  readonly lockTimeout?: string;
  readonly firstAsOf?: string;
  readonly url?: string;
  readonly progressDelay?: string;
  readonly schema?: string;
  readonly syncPostgres?: boolean;
}

export type SettingSource = 'flag' | 'env' | '.env' | 'project' | 'default';

interface Definition {
  readonly key: keyof Settings;
  readonly flag: keyof SettingFlags;
  readonly env?: string;
  readonly fallback?: string;
  readonly secret?: boolean;
}

const DEFINITIONS: readonly Definition[] = [
  { key: 'seedsDir', flag: 'seeds', env: 'SEED_DIR', fallback: 'seeds' },
  { key: 'warehouseDir', flag: 'warehouse', env: 'WAREHOUSE_DIR', fallback: 'warehouse' },
  { key: 'logFormat', flag: 'logFormat', env: 'STREAMFLOW_LOG_FORMAT', fallback: 'pretty' },
  { key: 'threads', flag: 'threads', env: 'STREAMFLOW_THREADS' },
  { key: 'memoryLimit', flag: 'memoryLimit', env: 'STREAMFLOW_MEMORY_LIMIT' },
  { key: 'lockTimeoutMs', flag: 'lockTimeout', env: 'STREAMFLOW_LOCK_TIMEOUT_MS', fallback: '10000' },
  { key: 'firstAsOf', flag: 'firstAsOf', env: 'STREAMFLOW_FIRST_AS_OF', fallback: FIRST_AS_OF },
  { key: 'databaseUrl', flag: 'url', env: 'DATABASE_URL', secret: true },
  { key: 'progressDelayMs', flag: 'progressDelay', env: 'STREAMFLOW_PROGRESS_DELAY_MS', fallback: '1000' },
  { key: 'postgresSchema', flag: 'schema', env: 'STREAMFLOW_PG_SCHEMA', fallback: 'public' },
  { key: 'syncPostgres', flag: 'syncPostgres', env: 'STREAMFLOW_SYNC_POSTGRES', fallback: 'false' },
];

export interface ResolvedSetting {
  readonly key: string;
  readonly value: string | null;
  readonly source: SettingSource;
}

/** The project file named by flag or environment, else found at or above `cwd`, else the package's own; and how it was found. */
export function projectFile(flags: SettingFlags, env: NodeJS.ProcessEnv, cwd: string): ResolvedSetting {
  if (flags.project !== undefined) return { key: 'project', value: path.resolve(cwd, flags.project), source: 'flag' };
  if (env.STREAMFLOW_PROJECT) return { key: 'project', value: path.resolve(cwd, env.STREAMFLOW_PROJECT), source: 'env' };
  const found = findProjectFile(cwd);
  return found ? { key: 'project', value: found, source: 'project' } : { key: 'project', value: path.join(PACKAGE_ROOT, PROJECT_FILE), source: 'default' };
}

/** The settings a project file gives, as texts; none of its paths when it is the package's own (they would point into the package). */
function projectValues(project: Project, source: SettingSource): Partial<Record<keyof Settings, string>> {
  const paths = source === 'default' ? {} : { seedsDir: project.seeds, warehouseDir: project.warehouse };
  const values = { ...paths, firstAsOf: project.firstAsOf, postgresSchema: project.postgresSchema };
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

function resolveRaw(
  flags: SettingFlags,
  env: NodeJS.ProcessEnv,
  dotenv: Record<string, string>,
  fromProject: Partial<Record<keyof Settings, string>>,
): ResolvedSetting[] {
  return DEFINITIONS.map((definition) => {
    const flag = flags[definition.flag];
    if (flag !== undefined && typeof flag === 'string') return { key: definition.key, value: flag, source: 'flag' };
    if (definition.env && env[definition.env] !== undefined) return { key: definition.key, value: env[definition.env]!, source: 'env' };
    if (definition.env && dotenv[definition.env] !== undefined) return { key: definition.key, value: dotenv[definition.env], source: '.env' };
    const projected = fromProject[definition.key];
    if (projected !== undefined) return { key: definition.key, value: projected, source: 'project' };
    return { key: definition.key, value: definition.fallback ?? null, source: 'default' };
  });
}

function readDotenv(cwd: string): Record<string, string> {
  const file = path.join(cwd, '.env');
  if (!fs.existsSync(file)) return {};
  // Loaded only when there is a file to parse.
  const { parse } = require('dotenv') as typeof import('dotenv');
  return parse(fs.readFileSync(file));
}

function positiveInteger(key: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new InvocationError(`${key} must be a whole number ≥ 0, not ${JSON.stringify(text)}`);
  return value;
}

function threadCount(text: string): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || value < 1) {
    throw new InvocationError(`--threads / STREAMFLOW_THREADS must be a whole number ≥ 1, not ${JSON.stringify(text)} (usage: --threads 4)`);
  }
  return value;
}

/** A size DuckDB's memory_limit takes: a number and a unit. */
function memoryLimit(text: string): string {
  if (!/^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i.test(text)) {
    throw new InvocationError(
      `--memory-limit / STREAMFLOW_MEMORY_LIMIT must be a size such as 512MB or 4GB, not ${JSON.stringify(text)} (usage: --memory-limit 4GB)`,
    );
  }
  return text.trim();
}

/** The nearest path at or above `dir` that exists (the root at worst), and the part of `dir` below it. */
function nearestExisting(dir: string): { existing: string; rest: string } {
  let existing = dir;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  return { existing, rest: path.relative(existing, dir) };
}

/**
 * Folders a warehouse may never be: the file system's root, the system's own folders
 * (Linux's FHS top level and the few below it that hold the system itself; macOS's), the
 * shared temporary folders and the user's home folder itself. A warehouse owns its folder:
 * it writes streamflow.duckdb, snapshots/, reports/, .staging/ and .lock there, and
 * recovery cleans what it staged, so it needs a folder of its own. A folder *under* one of
 * these is fine (`/var/lib/streamflow`, `~/warehouse`), except under the pseudo file
 * systems (/proc, /sys), where nothing can be stored.
 */
const SYSTEM_FOLDERS = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/media',
  '/mnt',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/usr/bin',
  '/usr/lib',
  '/usr/lib64',
  '/usr/local',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/share',
  '/var',
  '/var/lib',
  '/var/log',
  '/var/tmp',
  '/Applications',
  '/Library',
  '/System',
  '/Users',
  '/Volumes',
  '/private',
  '/private/etc',
  '/private/tmp',
  '/private/var',
];
const PSEUDO_FILE_SYSTEMS = ['/proc', '/sys'];

/** How a setting was given, for a message: `--warehouse /etc`, `WAREHOUSE_DIR=/etc (from .env)`, `the default warehouse`. */
function givenAs(setting: ResolvedSetting): string {
  const definition = DEFINITIONS.find((candidate) => candidate.key === setting.key)!;
  const flag = `--${definition.flag.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
  if (setting.source === 'flag') return `${flag} ${setting.value}`;
  if (setting.source === 'default') return `the default ${flag} ${setting.value}`;
  if (setting.source === 'project') return `${definition.key === 'warehouseDir' ? 'warehouse' : 'seeds'}: ${setting.value} (from the project file)`;
  return `${definition.env}=${setting.value}${setting.source === '.env' ? ' (from .env)' : ''}`;
}

/** What is wrong with `dir` as a warehouse folder, as an invocation error; nothing when it can be one (it is created when missing). */
function checkWarehouseDir(dir: string, given: string): void {
  const { existing, rest } = nearestExisting(dir);
  if (!fs.statSync(existing).isDirectory()) {
    throw new InvocationError(
      existing === dir
        ? `${given}: ${dir} is a file, not a folder; name a folder for the warehouse (it is created when missing)`
        : `${given}: ${existing} is a file, so no folder can be made under it; name a folder for the warehouse`,
    );
  }
  // Links resolved: a link to / is /.
  const real = path.join(fs.realpathSync(existing), rest);
  const home = os.homedir();
  const isHome = real === home || real === safeRealpath(home);
  const pseudo = PSEUDO_FILE_SYSTEMS.find((folder) => real.startsWith(folder + path.sep));
  if (isHome || pseudo || real === path.parse(real).root || SYSTEM_FOLDERS.includes(real)) {
    const what = isHome ? 'your home folder itself' : pseudo ? `under ${pseudo}, which holds no files` : `the system folder ${real}`;
    throw new InvocationError(
      `${given}: ${dir === real ? dir : `${dir} (${real})`} is ${what}; a warehouse writes streamflow.duckdb, snapshots/, reports/ and .staging/ into its folder and needs one of its own, e.g. ${path.join(home, 'streamflow', 'warehouse')}`,
    );
  }
}

function safeRealpath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * The temporary folder (os.tmpdir(): TMPDIR, else /tmp) that query, training sets and the
 * sync work in must be a folder this process can write; checked up front so a wrong
 * TMPDIR is named, not met as a raw error halfway through.
 */
function checkTempDir(): void {
  const dir = os.tmpdir();
  const named = process.env.TMPDIR ? `TMPDIR ${dir}` : `the temporary folder ${dir} (TMPDIR is not set)`;
  let problem: string | undefined;
  try {
    if (!fs.statSync(dir).isDirectory()) problem = 'is a file, not a folder';
    else fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    problem = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not writable';
  }
  if (problem) throw new InvocationError(`${named} ${problem}: set TMPDIR to a folder you can write (or unset it to use /tmp)`);
}

export async function resolveSettings(flags: SettingFlags, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Promise<Settings> {
  const file = projectFile(flags, env, cwd);
  const project = await readProject(file.value!, env);
  const resolved = resolveRaw(flags, env, readDotenv(cwd), projectValues(project, file.source));
  const raw = Object.fromEntries(resolved.map((setting) => [setting.key, setting.value]));
  const logFormat = raw.logFormat;
  if (logFormat !== 'pretty' && logFormat !== 'json') throw new InvocationError(`--log-format must be pretty or json, not ${JSON.stringify(logFormat)}`);
  if (flags.quiet && flags.verbose) throw new InvocationError('--quiet and --verbose exclude each other');
  const warehouseDir = path.resolve(raw.warehouseDir!);
  checkWarehouseDir(warehouseDir, givenAs(resolved.find((setting) => setting.key === 'warehouseDir')!));
  checkTempDir();
  return {
    project: { name: project.name, file: project.file },
    contract: project.contract,
    projectWarnings: project.warnings,
    seedsDir: path.resolve(raw.seedsDir!),
    warehouseDir,
    json: flags.json ?? false,
    logFormat,
    verbosity: flags.quiet ? 'quiet' : flags.verbose ? 'verbose' : 'normal',
    threads: raw.threads === null ? undefined : threadCount(raw.threads),
    memoryLimit: raw.memoryLimit === null ? undefined : memoryLimit(raw.memoryLimit),
    lockTimeoutMs: positiveInteger('lock timeout', raw.lockTimeoutMs!),
    firstAsOf: raw.firstAsOf!,
    databaseUrl: raw.databaseUrl ?? undefined,
    progressDelayMs: positiveInteger('progress delay', raw.progressDelayMs!),
    postgresSchema: raw.postgresSchema!,
    syncPostgres: flags.syncPostgres === true || /^(1|true|yes)$/i.test(raw.syncPostgres!),
  };
}

/** Every setting with its source, secrets masked (a URL keeps all but its password). */
export async function describeSettings(flags: SettingFlags, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Promise<ResolvedSetting[]> {
  const file = projectFile(flags, env, cwd);
  const project = await readProject(file.value!, env);
  return [file, ...resolveRaw(flags, env, readDotenv(cwd), projectValues(project, file.source))].map((setting) => {
    const secret = DEFINITIONS.find((candidate) => candidate.key === setting.key)?.secret === true;
    return secret && setting.value !== null ? { ...setting, value: maskSecret(setting.value) } : setting;
  });
}

/** Query parameters of a connection URL that carry a password (libpq's `password` and `sslpassword`), any case. */
const PASSWORD_PARAMETER = /^(ssl)?password$/i;

/** A URL with every password in it masked (user info and password parameters); anything that is no URL is masked whole. */
export function maskSecret(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '****';
    for (const key of [...url.searchParams.keys()]) if (PASSWORD_PARAMETER.test(key)) url.searchParams.set(key, '****');
    return url.toString();
  } catch {
    return '****';
  }
}
