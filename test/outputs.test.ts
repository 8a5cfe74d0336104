// Issue 21, outputs: nothing the tool writes outside its commit path can land on history.
// Every writing command (query --out in four formats, training-set --out in three) against
// every path shape: the snapshot file itself, new files inside the warehouse, a symlink
// and a hard link to a snapshot, a `..` path into the warehouse, a previous output file
// (replaced whole), a read-only folder and a full disk (small tmpfs mounts). One warehouse
// with both real months; the CLI runs in-process.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { openEngine, quoteLiteral } from '../src/engine/duckdb';
import { EnvironmentError, InvocationError, RefusedError } from '../src/errors';
import { warehouseLayout } from '../src/warehouse/layout';
import { checkUserOutput, writeToolFile, writeUserOutput } from '../src/warehouse/output';
import { cli, REAL_EXPORTS, realWarehouse, requireInTest, requirePrerequisite, sha256, snapshotFiles, tempDir } from './helpers';

const JANUARY_LABELS = path.join('snapshots', 'labels', 'as_of=2024-01-31', 'data_0.parquet');
const JANUARY_MANIFEST = path.join('snapshots', 'labels', 'as_of=2024-01-31', '_manifest.json');
/** Large enough in every format (≥ 190 kB) to overflow the 64 kB disk. */
const QUERY = 'SELECT * FROM snapshots.subscriptions ORDER BY user_id, as_of';
const PREVIOUS = 'previous output, kept until a complete new one replaces it\n';

interface WritingCommand {
  readonly name: string;
  readonly extension: string;
  /** Rows of its complete output. */
  readonly rows: number;
  readonly args: (out: string) => string[];
}

const COMMANDS: readonly WritingCommand[] = [
  ...['csv', 'json', 'parquet', 'arrow'].map((extension) => ({
    name: `query --out .${extension}`,
    extension,
    rows: 14086,
    args: (out: string) => ['query', '--out', out, QUERY],
  })),
  ...['parquet', 'csv', 'arrow'].map((extension) => ({
    name: `training-set --out .${extension}`,
    extension,
    rows: 7043,
    args: (out: string) => ['training-set', '--as-of', '2024-01-31', '--out', out],
  })),
];

/** A name per command, safe in a file name: `query-csv`, `training-set-arrow`. */
const slug = (command: WritingCommand) => `${command.name.split(' ')[0]}-${command.extension}`;

/** The rows of a complete output: Parquet read back by DuckDB, an Arrow stream, a JSON array, CSV lines after the header. */
async function rowsOf(file: string, extension: string): Promise<number> {
  const bytes = fs.readFileSync(file);
  if (extension === 'parquet') {
    const engine = await openEngine();
    try {
      const [{ n }] = await engine.rows<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM read_parquet(${quoteLiteral(file)})`);
      return n;
    } finally {
      engine.close();
    }
  }
  if (extension === 'arrow') return tableFromIPC(bytes).numRows;
  if (extension === 'json') return (JSON.parse(bytes.toString('utf8')) as unknown[]).length;
  return bytes.toString('utf8').trimEnd().split('\n').length - 1;
}

/** Every file under `dir` (recursively) with its sha256. */
function everyFile(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else result[path.relative(dir, full)] = entry.isFile() ? sha256(full) : 'not a regular file';
    }
  };
  walk(dir);
  return result;
}

/** Mounts a tmpfs at `dir`; null when done, or why it could not be. */
function mountTmpfs(dir: string, options: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `mount -t tmpfs -o ${options} is not permitted here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
}

/** A test that needs a mount its fixture could not make: skipped, saying why; under CI a failure instead (requireInTest). */
function needMount(context: TestContext, reason: string | null): void {
  requireInTest(context, { name: 'a tmpfs mount', missing: reason });
}

describe.runIf(requirePrerequisite(REAL_EXPORTS))('outputs never land on history (issue 21)', () => {
  const warehouse = tempDir('streamflow-outputs-wh-');
  const outside = tempDir('streamflow-outputs-');
  const fullDisk = tempDir('streamflow-full-disk-');
  const readOnly = tempDir('streamflow-read-only-');
  const mounted: string[] = [];
  let fullDiskSkip: string | null = null;
  let readOnlySkip: string | null = null;
  let snapshotsBefore: Record<string, string>;
  let warehouseBefore: Record<string, string>;

  const run = (command: WritingCommand, out: string, ...global: string[]) => cli('--warehouse', warehouse, ...global, ...command.args(out));
  const previousFile = (dir: string, command: WritingCommand) => path.join(dir, `previous-${slug(command)}.${command.extension}`);

  beforeAll(async () => {
    realWarehouse('february', warehouse);
    snapshotsBefore = snapshotFiles(warehouse);
    warehouseBefore = everyFile(warehouse);

    fullDiskSkip = mountTmpfs(fullDisk, 'size=64k');
    if (fullDiskSkip === null) {
      mounted.push(fullDisk);
      for (const command of COMMANDS) fs.writeFileSync(previousFile(fullDisk, command), PREVIOUS);
    }
    // As root, chmod 555 does not stop a write: a read-only mount does. Written first, then remounted read-only.
    readOnlySkip = mountTmpfs(readOnly, 'size=1m');
    if (readOnlySkip === null) {
      mounted.push(readOnly);
      for (const command of COMMANDS) fs.writeFileSync(previousFile(readOnly, command), PREVIOUS);
      try {
        execFileSync('mount', ['-o', 'remount,ro', readOnly], { stdio: 'pipe' });
      } catch (error) {
        readOnlySkip = `mount -o remount,ro is not permitted here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
      }
    }
  });

  afterAll(() => {
    for (const dir of mounted.splice(0)) execFileSync('umount', [dir], { stdio: 'pipe' });
  });

  /** The warehouse as it was after the two ingests: every snapshot byte, and no file more or less anywhere in it. */
  function expectWarehouseUntouched(): void {
    expect(snapshotFiles(warehouse)).toEqual(snapshotsBefore);
    expect(everyFile(warehouse)).toEqual(warehouseBefore);
  }

  /** A refusal: exit 3, one line naming the path, nothing written, the warehouse as it was. */
  async function expectRefused(command: WritingCommand, out: string, message: RegExp): Promise<void> {
    const result = await run(command, out);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain(out);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
    expectWarehouseUntouched();
  }

  describe.each(COMMANDS)('$name', (command) => {
    it('refuses the snapshot file itself (or, for .json, its partition manifest)', async () => {
      const committed = command.extension === 'json' ? JANUARY_MANIFEST : JANUARY_LABELS;
      await expectRefused(
        command,
        path.join(warehouse, committed),
        new RegExp(`is the warehouse's file ${committed.replace(/[.=]/g, '\\$&')}, inside the warehouse`),
      );
    });

    it('refuses a new file inside snapshots/', async () => {
      const out = path.join(warehouse, 'snapshots', 'labels', `new-${slug(command)}.${command.extension}`);
      await expectRefused(command, out, /inside the warehouse .*a new file under snapshots\/ would stop every later ingest/);
      expect(fs.existsSync(out)).toBe(false);
    });

    it('refuses a new file elsewhere inside the warehouse', async () => {
      const out = path.join(warehouse, 'reports', `new-${slug(command)}.${command.extension}`);
      await expectRefused(command, out, /resolves to .*, inside the warehouse .*name a path outside/);
      expect(fs.existsSync(out)).toBe(false);
    });

    it('refuses a symlink outside the warehouse that points at a snapshot file', async () => {
      const link = path.join(outside, `symlink-${slug(command)}.${command.extension}`);
      fs.symlinkSync(path.join(warehouse, JANUARY_LABELS), link);
      await expectRefused(command, link, /is a symlink to the warehouse's file snapshots\/labels\/as_of=2024-01-31\/data_0\.parquet, inside the warehouse/);
      expect(fs.readlinkSync(link)).toBe(path.join(warehouse, JANUARY_LABELS));
    });

    it('refuses a hard link outside the warehouse to a snapshot file (as cp -al backups make)', async () => {
      const link = path.join(outside, `hardlink-${slug(command)}.${command.extension}`);
      fs.linkSync(path.join(warehouse, JANUARY_LABELS), link);
      await expectRefused(command, link, /is a hard link to snapshots\/labels\/as_of=2024-01-31\/data_0\.parquet of the warehouse .*remove the link first/);
      expect(sha256(link)).toBe(snapshotsBefore[JANUARY_LABELS]);
    });

    it('refuses a path with .. that lands inside the warehouse', async () => {
      const out = `${outside}${path.sep}..${path.sep}${path.basename(warehouse)}${path.sep}dotdot-${slug(command)}.${command.extension}`;
      await expectRefused(command, out, new RegExp(`resolves to ${path.join(warehouse, `dotdot-${slug(command)}`)}.*, inside the warehouse`));
      expect(fs.existsSync(path.join(warehouse, `dotdot-${slug(command)}.${command.extension}`))).toBe(false);
    });

    it('replaces an existing previous output whole, by rename (a hard link to the old file keeps its bytes)', async () => {
      const out = previousFile(outside, command);
      fs.writeFileSync(out, PREVIOUS);
      const otherName = `${out}.other-name`;
      fs.linkSync(out, otherName);
      const result = await run(command, out);
      expect(result.code, result.stderr).toBe(0);
      expect(await rowsOf(out, command.extension), `${out}: a complete ${command.extension} file`).toBe(command.rows);
      // Written beside and renamed: the old inode was never opened for writing.
      expect(fs.readFileSync(otherName, 'utf8')).toBe(PREVIOUS);
      expect(fs.readdirSync(outside).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      expectWarehouseUntouched();
    });

    it('a read-only folder: exit 2 naming the folder, before any work; the previous file intact', async (context) => {
      needMount(context, readOnlySkip);
      const out = previousFile(readOnly, command);
      const before = fs.readdirSync(readOnly).sort();
      const result = await run(command, out);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toBe(
        `error: cannot write to ${readOnly}: read-only file system (EROFS); nothing was written. Name a file in a folder you can write to.\n`,
      );
      expect(fs.readFileSync(out, 'utf8')).toBe(PREVIOUS);
      expect(fs.readdirSync(readOnly).sort()).toEqual(before);
      expectWarehouseUntouched();
    });

    it('a full disk: exit 70 in one line without a stack trace; the previous file intact byte for byte, no temporary file left', async (context) => {
      needMount(context, fullDiskSkip);
      const out = previousFile(fullDisk, command);
      const before = everyFile(fullDisk);
      const result = await run(command, out);
      expect(result.code, result.stderr).toBe(70);
      expect(result.stderr).toBe(
        `error: cannot write ${out}: no space left on device (ENOSPC). Nothing was changed: the previous ${path.basename(out)} is intact ` +
          'and no temporary file is left. Free some space (or name a file on another disk) and run it again.\n',
      );
      expect(result.stdout).toBe('');
      expect(everyFile(fullDisk)).toEqual(before);
      expect(fs.readFileSync(out, 'utf8')).toBe(PREVIOUS);
      expectWarehouseUntouched();
    });
  });

  it('--json: a full disk is {kind: internal, exit_code: 70}; a hard link is {kind: refused, exit_code: 3}', async (context) => {
    const link = path.join(outside, 'json-hardlink.csv');
    fs.linkSync(path.join(warehouse, JANUARY_LABELS), link);
    const refused = await run(COMMANDS[0], link, '--json');
    expect([refused.code, refused.json?.error?.kind, refused.json?.error?.exit_code]).toEqual([3, 'refused', 3]);
    needMount(context, fullDiskSkip);
    const full = await run(COMMANDS[0], previousFile(fullDisk, COMMANDS[0]), '--json');
    expect([full.code, full.json?.error?.kind, full.json?.error?.exit_code]).toEqual([70, 'internal', 70]);
    expect(full.json.error.message).toMatch(/no space left on device/);
    expectWarehouseUntouched();
  });

  it('an --out folder that does not exist or is a file: exit 2, nothing written', async () => {
    const notAFolder = path.join(outside, 'plain-file');
    fs.writeFileSync(notAFolder, 'x');
    for (const out of [path.join(outside, 'missing', 'x.csv'), path.join(notAFolder, 'x.csv')]) {
      for (const command of [COMMANDS[0], COMMANDS[5]]) {
        const result = await run(command, out);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(/(folder .* does not exist|is not a folder)/);
      }
    }
    expectWarehouseUntouched();
  });

  describe('the rule itself (warehouse/output.ts)', () => {
    it('a warehouse at / holds every path: the inside check still fires (the check never compares against "//")', () => {
      expect(() => checkUserOutput(warehouseLayout('/'), path.join(outside, 'x.csv'))).toThrow(RefusedError);
      expect(() => checkUserOutput(warehouseLayout(warehouse), path.join(outside, 'x.csv'))).not.toThrow();
    });

    it('checks the target again right before the rename: a hard link to a snapshot put there meanwhile is refused, not replaced', async () => {
      const out = path.join(outside, 'raced.csv');
      const output = checkUserOutput(warehouseLayout(warehouse), out);
      await expect(
        writeUserOutput(output, (temporary) => {
          fs.writeFileSync(temporary, 'new rows\n');
          fs.linkSync(path.join(warehouse, JANUARY_LABELS), out);
        }),
      ).rejects.toThrow(/is a hard link to snapshots\/labels\/as_of=2024-01-31\/data_0\.parquet/);
      expect(sha256(out)).toBe(snapshotsBefore[JANUARY_LABELS]);
      expect(fs.existsSync(output.temporary)).toBe(false);
      expectWarehouseUntouched();
    });

    it('the tool files (reports/index.html) are written beside and renamed; the ingests left no temporary file', async (context) => {
      const reports = path.join(warehouse, 'reports');
      expect(fs.existsSync(path.join(reports, 'index.html'))).toBe(true);
      expect(fs.readdirSync(reports).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      needMount(context, fullDiskSkip);
      const page = path.join(fullDisk, 'index.html');
      const error = await writeToolFile(page, (temporary) => fs.writeFileSync(temporary, Buffer.alloc(128 * 1024, 'x'))).catch((caught) => caught);
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(error.message).toMatch(/cannot write .*index\.html: no space left on device .*no index\.html was created/);
      expect(fs.readdirSync(fullDisk).filter((name) => name.includes('index.html'))).toEqual([]);
    });

    it('a read-only folder found at write time is an InvocationError naming the folder', async (context) => {
      needMount(context, readOnlySkip);
      const error = await writeToolFile(path.join(readOnly, 'index.html'), (temporary) => fs.writeFileSync(temporary, 'page')).catch((caught) => caught);
      expect(error).toBeInstanceOf(InvocationError);
      expect(error.message).toBe(`cannot write to ${readOnly}: read-only file system (EROFS); nothing was written. Name a file in a folder you can write to.`);
    });
  });
});
