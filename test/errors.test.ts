// Issue 21, the errors part: what the tool is handed that it cannot use is named in one
// line with the right exit code, never an internal error with a stack, and leaves the
// warehouse as it was. Entity timestamps with a zone, --warehouse naming a file or a
// system folder, a TMPDIR that is no folder, the run lock removed mid-run, an
// out-of-range --ttl, a month folder that is a link, a damaged streamflow.duckdb.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEngine, quoteLiteral } from '../src/engine/duckdb';
import { RefusedError } from '../src/errors';
import { damagedDatabase } from '../src/warehouse/damaged';
import {
  type CliResult,
  cli,
  query,
  REAL,
  REAL_EXPORTS,
  realWarehouse,
  requirePrerequisite,
  SEEDS,
  sha256,
  snapshotFiles,
  spawnCli,
  tempDir,
  warehouseState,
} from './helpers';

const DATABASE = 'streamflow.duckdb';

/** A refusal or invocation error as the issue wants it: the exit code, one line on stderr without a stack, the message's key words. */
function expectOneLine(result: CliResult, code: number, message: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines.at(-1), result.stderr).toMatch(/^error: /);
  expect(lines.at(-1)).toMatch(message);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
}

/** A copy of a built warehouse, for a case that may damage it. */
function copyWarehouse(from: string): string {
  const to = path.join(tempDir('streamflow-errors-'), 'warehouse');
  fs.cpSync(from, to, { recursive: true });
  return to;
}

/** Every file under `dir` with its sha256, the database included: what a refused command must leave as it was. */
function tree(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else result[path.relative(dir, full)] = sha256(full);
    }
  };
  walk(dir);
  return result;
}

describe.runIf(requirePrerequisite(REAL_EXPORTS))('errors on the real exports', () => {
  /** month_000 ingested. */
  let january: string;
  /** month_000 and month_001 ingested. */
  let both: string;
  const scratch = tempDir('streamflow-errors-scratch-');

  beforeAll(async () => {
    january = realWarehouse('january', path.join(tempDir('streamflow-errors-'), 'warehouse'));
    both = realWarehouse('february', path.join(tempDir('streamflow-errors-'), 'warehouse'));
  }, 60_000);

  describe('entity timestamps with a zone or offset are converted to UTC', () => {
    /** A user whose label differs between January and February, and both labels. */
    let user: { user_id: string; january: boolean; february: boolean };

    beforeAll(async () => {
      [user] = await query<{ user_id: string; january: boolean; february: boolean }>(
        both,
        `SELECT user_id, a.churn_label AS january, b.churn_label AS february
         FROM snapshots.labels a JOIN snapshots.labels b USING (user_id)
         WHERE a.as_of = DATE '2024-01-31' AND b.as_of = DATE '2024-02-29' AND a.churn_label <> b.churn_label
         ORDER BY user_id LIMIT 1`,
      );
    });

    async function trainingRows(entities: string): Promise<{ summary: any; rows: Record<string, any>[] }> {
      const out = path.join(scratch, `${path.basename(entities)}.parquet`);
      const result = await cli('--warehouse', both, '--json', 'training-set', '--entities', entities, '--with-source-as-of', '--out', out);
      expect(result.code, result.stderr).toBe(0);
      const engine = await openEngine();
      try {
        const rows = await engine.rows(
          `SELECT strftime(event_timestamp, '%Y-%m-%d %H:%M:%S') AS ts, subscriptions_profile__as_of::VARCHAR AS features_as_of,
                  churn_label, churn_label__as_of::VARCHAR AS label_as_of
           FROM read_parquet(${quoteLiteral(out)})`,
        );
        return { summary: result.json, rows };
      } finally {
        engine.close();
      }
    }

    it('CSV: +05:00 on Feb 29 01:00 is Feb 28 20:00 UTC and gets January; Z, a zone-less time and a negative offset reaching Feb 29 get February', async () => {
      const file = path.join(scratch, 'zoned.csv');
      fs.writeFileSync(
        file,
        [
          'user_id,event_timestamp',
          `${user.user_id},2024-02-29T01:00:00+05:00`,
          `${user.user_id},2024-02-29T01:00:00Z`,
          `${user.user_id},2024-02-29 01:00:00`,
          `${user.user_id},2024-02-28T22:00:00-0300`,
          `${user.user_id},2024-02-29 00:30:00 Europe/Paris`,
          '',
        ].join('\n'),
      );
      const { summary, rows } = await trainingRows(file);
      expect(summary.timestamps_converted_to_utc).toBe(4);
      expect(rows).toEqual([
        { ts: '2024-02-28 20:00:00', features_as_of: '2024-01-31', churn_label: user.january, label_as_of: '2024-01-31' },
        { ts: '2024-02-29 01:00:00', features_as_of: '2024-02-29', churn_label: user.february, label_as_of: '2024-02-29' },
        { ts: '2024-02-29 01:00:00', features_as_of: '2024-02-29', churn_label: user.february, label_as_of: '2024-02-29' },
        { ts: '2024-02-29 01:00:00', features_as_of: '2024-02-29', churn_label: user.february, label_as_of: '2024-02-29' },
        { ts: '2024-02-28 23:30:00', features_as_of: '2024-01-31', churn_label: user.january, label_as_of: '2024-01-31' },
      ]);
      const text = await cli('--warehouse', both, 'training-set', '--entities', file, '--out', path.join(scratch, 'zoned-text.parquet'));
      expect(text.stderr).toContain('4 event timestamps with a zone or offset converted to UTC');
    });

    it('Parquet: a TIMESTAMPTZ column is converted to UTC; a TIMESTAMP column is UTC already', async () => {
      const file = path.join(scratch, 'zoned.parquet');
      const engine = await openEngine();
      try {
        await engine.run(
          `COPY (SELECT * FROM (VALUES (${quoteLiteral(user.user_id)}, TIMESTAMPTZ '2024-02-29 01:00:00+05:00'),
                                       (${quoteLiteral(user.user_id)}, TIMESTAMPTZ '2024-02-29 01:00:00+00:00'))
                 AS t(user_id, event_timestamp)) TO ${quoteLiteral(file)} (FORMAT parquet)`,
        );
      } finally {
        engine.close();
      }
      const { summary, rows } = await trainingRows(file);
      expect(summary.timestamps_converted_to_utc).toBe(2);
      expect(rows.map((row) => [row.ts, row.features_as_of, row.churn_label])).toEqual([
        ['2024-02-28 20:00:00', '2024-01-31', user.january],
        ['2024-02-29 01:00:00', '2024-02-29', user.february],
      ]);
      const naive = path.join(scratch, 'naive.parquet');
      const writer = await openEngine();
      try {
        await writer.run(
          `COPY (SELECT ${quoteLiteral(user.user_id)} AS user_id, TIMESTAMP '2024-02-29 01:00:00' AS event_timestamp) TO ${quoteLiteral(naive)} (FORMAT parquet)`,
        );
      } finally {
        writer.close();
      }
      const plain = await trainingRows(naive);
      expect(plain.summary.timestamps_converted_to_utc).toBe(0);
      expect(plain.rows.map((row) => [row.ts, row.features_as_of])).toEqual([['2024-02-29 01:00:00', '2024-02-29']]);
    });

    it('an unparseable timestamp or zone is exit 2 naming its line', async () => {
      const file = path.join(scratch, 'bad-zone.csv');
      fs.writeFileSync(file, `user_id,event_timestamp\n${user.user_id},2024-02-29T01:00:00Z\n${user.user_id},2024-02-29 01:00:00 Mars/Olympus\n`);
      const result = await cli('--warehouse', both, 'training-set', '--entities', file, '--out', path.join(scratch, 'never.parquet'));
      expectOneLine(result, 2, /event_timestamp failed parses_as_timestamp: 1 row; e\.g\. line 3 .*Mars\/Olympus/);
      expect(fs.existsSync(path.join(scratch, 'never.parquet'))).toBe(false);
    });
  });

  describe('a TMPDIR that is missing or a file is exit 2 naming TMPDIR', () => {
    async function withTmpdir(value: string, run: () => Promise<void>): Promise<void> {
      const previous = process.env.TMPDIR;
      process.env.TMPDIR = value;
      try {
        await run();
      } finally {
        if (previous === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = previous;
      }
    }

    it.each([
      ['missing', () => path.join(scratch, 'no-such-tmp'), /TMPDIR .*no-such-tmp does not exist: set TMPDIR to a folder/],
      ['a file', () => path.join(scratch, 'tmp-file'), /TMPDIR .*tmp-file is a file, not a folder: set TMPDIR to a folder/],
    ])('%s', async (_name, dir, message) => {
      fs.writeFileSync(path.join(scratch, 'tmp-file'), '');
      const before = tree(both);
      await withTmpdir(dir(), async () => {
        expectOneLine(await cli('--warehouse', both, 'query', 'SELECT count(*) FROM users'), 2, message);
        expectOneLine(await cli('--warehouse', both, '--memory-limit', '1GB', 'training-set', '--as-of', '2024-01-31'), 2, message);
        expectOneLine(await cli('--warehouse', both, 'runs'), 2, message);
      });
      expect(tree(both)).toEqual(before);
    });
  });

  describe('the run lock removed mid-run', () => {
    it('is exit 3 with the warehouse unchanged (rolled back before COMMIT), and the next ingest succeeds', async () => {
      const warehouse = copyWarehouse(january);
      const before = await warehouseState(warehouse);
      const run = spawnCli(['--seeds', REAL, '--warehouse', warehouse, '--quiet', 'ingest', 'month_001', '2024-02-29'], {
        STREAMFLOW_FAULT_AT: 'upserted',
        STREAMFLOW_FAULT_HOLD_MS: '3000',
      });
      await run.waitFor('fault point reached: upserted');
      fs.rmSync(path.join(warehouse, '.lock'), { recursive: true, force: true });
      const ended = await run.done;
      expect(ended.code, ended.stderr).toBe(3);
      expect(ended.stderr).toMatch(/error: the warehouse lock .*\.lock was removed while this run held it: nothing was committed/);
      expect(ended.stderr).not.toMatch(/ECOMPROMISED|internal error|\n\s+at /);
      expect(await warehouseState(warehouse)).toEqual(before);
      const staging = path.join(warehouse, '.staging');
      expect(fs.existsSync(staging) ? fs.readdirSync(staging).filter((name) => name !== 'spill') : []).toEqual([]);
      const next = await cli('--seeds', REAL, '--warehouse', warehouse, '--quiet', 'ingest', 'month_001', '2024-02-29');
      expect(next.code, next.stderr).toBe(0);
      expect(snapshotFiles(warehouse)).toEqual(snapshotFiles(both));
    }, 90_000);
  });

  describe('--ttl out of range', () => {
    it.each([['99999999999d'], ['0d'], ['0'], ['36501d'], ['5300w']])('%s is exit 2 naming the flag and the accepted range', async (ttl) => {
      const out = path.join(scratch, 'ttl.parquet');
      const result = await cli('--warehouse', both, '--json', 'training-set', '--as-of', '2024-01-31', '--ttl', ttl, '--out', out);
      expect(result.code).toBe(2);
      expect(result.json.error).toEqual({
        kind: 'invalid_invocation',
        message: expect.stringMatching(new RegExp(`^--ttl "${ttl}" is (out of range|not a duration): .*from 1m to 36500d`)),
        exit_code: 2,
      });
      expect(fs.existsSync(out)).toBe(false);
    });

    it('the bounds themselves are accepted (control)', async () => {
      for (const ttl of ['1m', '36500d']) {
        const result = await cli('--warehouse', both, 'training-set', '--as-of', '2024-01-31', '--ttl', ttl, '--out', path.join(scratch, `ttl-${ttl}.parquet`));
        expect(result.code, result.stderr).toBe(0);
      }
    });
  });

  describe('a month folder that is a link', () => {
    it('is listed by backfill and ingested, the run recording the name and path given', async () => {
      const seeds = tempDir('streamflow-errors-seeds-');
      const exports = tempDir('streamflow-errors-exports-');
      fs.cpSync(path.join(REAL, 'month_001'), path.join(exports, 'february-export'), { recursive: true });
      fs.symlinkSync(path.join(REAL, 'month_000'), path.join(seeds, 'month_000'));
      fs.symlinkSync(path.join(exports, 'february-export'), path.join(seeds, 'month_001'));
      fs.symlinkSync(path.join(exports, 'nowhere'), path.join(seeds, 'month_002')); // dangling: no month
      fs.symlinkSync(path.join(REAL, 'month_000', 'users.csv'), path.join(seeds, 'month_003')); // a file: no month
      const warehouse = path.join(tempDir('streamflow-errors-'), 'warehouse');
      const result = await cli('--seeds', seeds, '--warehouse', warehouse, '--json', '--quiet', 'backfill');
      expect(result.code, result.stderr).toBe(0);
      expect(result.json.months).toEqual([
        { month: 'month_000', as_of: '2024-01-31' },
        { month: 'month_001', as_of: '2024-02-29' },
      ]);
      expect(result.json.runs.map((run: { month: string; status: string }) => [run.month, run.status])).toEqual([
        ['month_000', 'succeeded'],
        ['month_001', 'succeeded'],
      ]);
      const runs = await query<{ month: string; month_path: string }>(warehouse, 'SELECT month, month_path FROM meta.runs ORDER BY as_of');
      expect(runs).toEqual([
        { month: 'month_000', month_path: path.join(seeds, 'month_000') },
        { month: 'month_001', month_path: path.join(seeds, 'month_001') },
      ]);
      expect(snapshotFiles(warehouse)).toEqual(snapshotFiles(both));
      // The link, named in the month calendar, is paired with its own as_of; a replay through it changes nothing.
      expectOneLine(
        await cli('--seeds', seeds, '--warehouse', warehouse, 'ingest', 'month_001', '2024-01-31'),
        2,
        /month_001 is the export of as_of 2024-02-29/,
      );
      const replay = await cli('--seeds', seeds, '--warehouse', warehouse, '--json', 'ingest', 'month_001', '2024-02-29');
      expect(replay.json).toMatchObject({ month: 'month_001', status: 'unchanged', exit_code: 0 });
    }, 60_000);

    it('whose table file leads outside the folder it links to is still refused', async () => {
      const seeds = tempDir('streamflow-errors-seeds-');
      const month = path.join(tempDir('streamflow-errors-exports-'), 'export');
      fs.cpSync(path.join(REAL, 'month_000'), month, { recursive: true });
      fs.rmSync(path.join(month, 'labels.csv'));
      fs.symlinkSync(path.join(REAL, 'month_000', 'labels.csv'), path.join(month, 'labels.csv'));
      fs.symlinkSync(month, path.join(seeds, 'month_000'));
      const result = await cli('--seeds', seeds, '--warehouse', path.join(scratch, 'escape'), 'validate', 'month_000');
      expectOneLine(result, 2, /labels\.csv resolves to .*, outside the month folder/);
    });
  });

  describe('a damaged streamflow.duckdb is refused (exit 3) by every command that opens it, naming the way back', () => {
    const commands: readonly (readonly string[])[] = [
      ['--seeds', REAL, 'ingest', 'month_001', '2024-02-29'],
      ['--seeds', REAL, 'validate', 'month_001'],
      ['query', 'SELECT count(*) FROM users'],
      ['runs'],
      ['runs', 'show', 'latest'],
      ['snapshots'],
      ['verify'],
      ['training-set', '--as-of', '2024-01-31'],
    ];
    const damages: readonly [string, (file: string) => void, RegExp][] = [
      ['empty (0 bytes)', (file) => fs.truncateSync(file, 0), /it is empty \(0 bytes\)/],
      ['cut inside its headers', (file) => fs.truncateSync(file, 100), /it is truncated \(100 bytes, shorter than the 12288 bytes/],
      ['cut in half', (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2)), /it is truncated \(it ends at \d+ bytes, but its data runs on/],
      [
        'with its header overwritten',
        (file) => {
          const handle = fs.openSync(file, 'r+');
          fs.writeSync(handle, Buffer.alloc(64, 0x2a), 0, 64, 0);
          fs.closeSync(handle);
        },
        /it is not a DuckDB database file/,
      ],
    ];

    it.each(damages)('%s', async (_name, damage, what) => {
      const warehouse = copyWarehouse(january);
      const database = path.join(warehouse, DATABASE);
      damage(database);
      const before = tree(warehouse);
      for (const args of commands) {
        const result = await cli('--warehouse', warehouse, ...args);
        expectOneLine(result, 3, new RegExp(`${database} is damaged: `));
        expect(result.stderr).toMatch(what);
        expect(result.stderr).toMatch(/Nothing was changed.*Restore it from a backup, or move it aside \(mv .*\) and run `streamflow rebuild`/);
        expect(tree(warehouse), args.join(' ')).toEqual(before);
      }
      const json = await cli('--warehouse', warehouse, '--json', 'runs');
      expect(json.json).toEqual({ schema_version: '2.2', error: { kind: 'refused', message: expect.stringMatching(/is damaged/), exit_code: 3 } });
    });

    it('the way back: moved aside, `rebuild` recreates it and the next ingest succeeds', async () => {
      const warehouse = copyWarehouse(january);
      const database = path.join(warehouse, DATABASE);
      fs.truncateSync(database, 0);
      const message = (await cli('--warehouse', warehouse, 'runs')).stderr;
      const aside = /\(mv (\S+) (\S+)\)/.exec(message)!;
      fs.renameSync(aside[1], aside[2]);
      const rebuilt = await cli('--warehouse', warehouse, 'rebuild');
      expect(rebuilt.code, rebuilt.stderr).toBe(0);
      const next = await cli('--seeds', REAL, '--warehouse', warehouse, '--quiet', 'ingest', 'month_001', '2024-02-29');
      expect(next.code, next.stderr).toBe(0);
    });
  });
});

// The refusals below are decided before any month is read, or from an error message alone:
// they need no real export (the committed seeds stand in where a command names a month).
describe('--warehouse naming a file or a system folder is exit 2 for every command', () => {
  const scratch = tempDir('streamflow-errors-scratch-');
  const file = path.join(scratch, 'not-a-folder');
  const commands: readonly (readonly string[])[] = [
    ['--seeds', SEEDS, 'ingest', 'month_000', '2024-01-31'],
    ['--seeds', SEEDS, 'validate', 'month_000'],
    ['--seeds', SEEDS, 'backfill'],
    ['query', 'SELECT 1'],
    ['runs'],
    ['runs', 'show', 'latest'],
    ['snapshots'],
    ['verify'],
    ['training-set', '--as-of', '2024-01-31'],
    ['rebuild'],
    ['report'],
    ['sync-postgres', '--url', 'postgres://nobody@127.0.0.1:1/none'],
  ];

  beforeAll(() => fs.writeFileSync(file, 'a file\n'));

  it.each(commands.map((args) => [args.filter((arg) => !arg.startsWith('-') && arg !== SEEDS)[0], args]))('%s', async (_name, args) => {
    expectOneLine(await cli('--warehouse', file, ...args), 2, new RegExp(`--warehouse ${file}: ${file} is a file, not a folder`));
    expectOneLine(await cli('--warehouse', path.join(file, 'warehouse'), ...args), 2, /not-a-folder is a file, so no folder can be made under it/);
    expect(fs.readFileSync(file, 'utf8')).toBe('a file\n');
  });

  it.each([['/'], ['/etc'], ['/usr'], ['/bin'], ['/var'], ['/tmp'], ['/dev'], ['/proc'], ['/sys'], ['/boot'], ['/home'], [os.homedir()]])(
    '%s is refused by the reading commands',
    async (folder) => {
      for (const args of [['runs'], ['snapshots'], ['query', 'SELECT 1'], ['verify']]) {
        expectOneLine(await cli('--warehouse', folder, ...args), 2, /is (the system folder|your home folder itself).*needs one of its own/);
      }
    },
  );

  it('and by the writing ones, also through a link, WAREHOUSE_DIR or a path under /proc; --json gives {schema_version, error}', async () => {
    const link = path.join(scratch, 'link-to-sys');
    fs.symlinkSync('/sys', link);
    for (const args of commands) expectOneLine(await cli('--warehouse', link, ...args), 2, /link-to-sys \(\/sys\) is the system folder \/sys/);
    expectOneLine(await cli('--warehouse', '/proc/streamflow', '--seeds', SEEDS, 'ingest', 'month_000', '2024-01-31'), 2, /under \/proc, which holds no files/);
    const json = await cli('--warehouse', '/proc', '--json', '--seeds', SEEDS, 'backfill');
    expect(json.json).toEqual({
      schema_version: '2.2',
      error: { kind: 'invalid_invocation', message: expect.stringMatching(/^--warehouse \/proc: \/proc is the system folder \/proc/), exit_code: 2 },
    });
    const previous = process.env.WAREHOUSE_DIR;
    process.env.WAREHOUSE_DIR = '/';
    try {
      expectOneLine(await cli('runs'), 2, /^error: WAREHOUSE_DIR=\/: \/ is the system folder \//);
    } finally {
      if (previous === undefined) delete process.env.WAREHOUSE_DIR;
      else process.env.WAREHOUSE_DIR = previous;
    }
    for (const written of ['/streamflow.duckdb', '/.lock', '/sys/.lock']) expect(fs.existsSync(written)).toBe(false);
  });

  it('a folder below a system folder or the home folder is fine (control)', async () => {
    const result = await cli('--warehouse', path.join(scratch, 'nothing-here'), 'runs');
    expectOneLine(result, 2, /no warehouse at/);
  });
});

describe('a damaged streamflow.duckdb, recognised from the error alone', () => {
  const scratch = tempDir('streamflow-errors-scratch-');

  it('a read off the end of a truncated database after it was attached is the same refusal', () => {
    const file = path.join(scratch, DATABASE);
    fs.writeFileSync(file, Buffer.alloc(20_000));
    const refused = damagedDatabase(
      new Error(`IO Error: Could not read enough bytes from file "${file}": attempted to read 262144 bytes from location 5517312`),
    );
    expect(refused).toBeInstanceOf(RefusedError);
    expect(refused!.message).toMatch(new RegExp(`^${file} is damaged: it is truncated \\(it ends at 20000 bytes, but its data runs on to byte 5779456`));
    // Other files and other errors are not taken for a damaged warehouse.
    expect(
      damagedDatabase(new Error('IO Error: Could not read enough bytes from file "/tmp/views.duckdb": attempted to read 1 bytes from location 2')),
    ).toBeUndefined();
    expect(damagedDatabase(new Error('Binder Error: table users does not exist'))).toBeUndefined();
  });
});
