// Where the project file is, and the project as read last time when neither of its files
// changed. Reading streamflow.yaml and its ODCS contract (the yaml and zod modules, every
// check, the compiled suites) costs about 150 ms at each command's start, more than the
// rest of a small month's ingest start-up; a command whose project is cached reads one
// JSON file instead, and loads neither module (project.ts is required only on a miss).
//
// Only the bundled bin caches (dist/cli.js, whose size and mtime name the code that
// compiled the entry): run from source, a change to the compiler would not show in the
// key. An entry is keyed by that, the working folder (messages name files relative to
// it), the project file's path and bytes, and holds the contract file's path and sha256:
// it is used only while that file still has them. The cache is $STREAMFLOW_CACHE_DIR,
// else $XDG_CACHE_HOME/streamflow, else ~/.cache/streamflow; one that cannot be read or
// written is passed by, never an error.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_FILE } from './contract';
import type { Project } from './project';

/** The nearest streamflow.yaml at or above `startDir`. */
export function findProjectFile(startDir: string): string | undefined {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, PROJECT_FILE);
    if (fs.statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

interface CacheEntry {
  readonly contractFile: string;
  readonly contractSha256: string;
  readonly project: Project;
}

function sha256(bytes: string | Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function cacheDir(env: NodeJS.ProcessEnv): string {
  return env.STREAMFLOW_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'streamflow');
}

/** The code's identity when it runs as the bundle; undefined from source (no caching then). */
function bundleIdentity(): string | undefined {
  if (!__filename.endsWith('.js')) return undefined;
  const stat = fs.statSync(__filename);
  return `${__filename} ${stat.size} ${stat.mtimeMs}`;
}

function readIfAny(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The project of `file` (project.ts loadProject), from the cache when it holds this very one. */
export async function readProject(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Project> {
  const code = bundleIdentity();
  // A file that cannot be read is loadProject's to report.
  const bytes = code === undefined ? undefined : readIfAny(file);
  const entryFile =
    code === undefined || bytes === undefined
      ? undefined
      : path.join(cacheDir(env), `project-${sha256(`${code}\n${process.cwd()}\n${path.resolve(file)}\n${sha256(bytes)}`)}.json`);
  if (entryFile !== undefined) {
    try {
      const entry = JSON.parse(fs.readFileSync(entryFile, 'utf8')) as CacheEntry;
      if (sha256(fs.readFileSync(entry.contractFile)) === entry.contractSha256) return entry.project;
    } catch {
      // No entry, or one that no longer holds: read the files.
    }
  }
  // A dynamic import: the bundle evaluates the reader (and yaml and zod) only here, on a miss.
  const { loadProject } = await import('./project');
  const project = loadProject(file);
  if (entryFile !== undefined) {
    try {
      const entry: CacheEntry = { contractFile: project.contractFile, contractSha256: sha256(fs.readFileSync(project.contractFile)), project };
      fs.mkdirSync(path.dirname(entryFile), { recursive: true });
      const temporary = `${entryFile}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, JSON.stringify(entry));
      fs.renameSync(temporary, entryFile);
    } catch {
      // A cache that cannot be written costs the next command the same read, nothing more.
    }
  }
  return project;
}
