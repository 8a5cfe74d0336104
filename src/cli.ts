#!/usr/bin/env node
// The command line (SPEC §2). Parses arguments, calls the flow or a reader, prints, and
// maps errors onto exit codes. Summaries go to stdout, logs and errors to stderr.
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { warehouseOf } from './api';
import { REPORT_PATH_VERSION, RUN_SUMMARY_VERSION, SYNC_VERIFY_VERSION } from './artifacts';
import { projectOutlineText, runPageText, runSummaryText, runsText, snapshotsText, trainingSetText } from './cli/views';
import { describeSettings, projectFile, resolveSettings, type SettingFlags, type Settings } from './config';
import { type DraftContract, draftYaml, projectSnippet, suggestedLabel } from './contract/draft';
import { MONTH_FOLDER } from './contract/months';
import { outlineProject } from './contract/outline';
import { readProject } from './contract/project-file';
import { errorObject, exitCodeOf, InvocationError, StreamflowError } from './errors';
import { backfill } from './flow/backfill';
import { RunFailed, type RunSummary, runMonth } from './flow/ingest';
import { calendarAsOf, checkCalendar, parseAsOf, resolveMonth } from './flow/invocation';
import { createLogger, type Logger } from './flow/log';
import { inferContract, initProject, writeDraft } from './flow/project-files';
import { rebuildWarehouse } from './flow/rebuild';
import { mirroredVersions, syncTarget, syncWarehouse } from './flow/sync';
import { formatCount } from './format';
import { formatRecords, stdoutFormat } from './output';
import { resolveOutput } from './query';
import { knowledgeTime } from './query/time-travel';
import { reportOf, showRun } from './record/history';
import { openInViewer } from './record/open';
import { startServer } from './serve';
import { readRecordedManifest, verifySnapshots } from './snapshot/verify';
import { describeChecksum, verifyMirror } from './sync';
import { damagedDatabase } from './warehouse/damaged';
import { PARTITION_MANIFEST, warehouseLayout } from './warehouse/layout';
import { openReader } from './warehouse/reader';

async function settingsOf(command: Command): Promise<Settings> {
  const settings = await resolveSettings(command.optsWithGlobals<SettingFlags>());
  for (const warning of settings.projectWarnings) process.stderr.write(`warning: ${warning}\n`);
  return settings;
}

function loggerOf(settings: Settings): Logger {
  const tty = Boolean(process.stderr.isTTY);
  return createLogger({
    format: settings.logFormat,
    verbosity: settings.verbosity,
    tty,
    progress: tty && !settings.json,
    progressDelayMs: settings.progressDelayMs,
  });
}

/** One `--json` object on stdout, stamped with the version of the shapes. */
function printJson(value: object): void {
  process.stdout.write(`${JSON.stringify({ schema_version: RUN_SUMMARY_VERSION, ...value }, null, 2)}\n`);
}

function printSummary(settings: Settings, summary: RunSummary): void {
  if (settings.json) printJson(summary);
  else process.stdout.write(runSummaryText(summary));
}

/**
 * `asOfText` undefined: the month calendar's date for a month_NNN folder (or one named in
 * months.json); else, for validate, today, and for ingest an invocation error (a frozen
 * as_of is a fact of history, never a guess).
 */
async function runCommand(
  command: Command,
  month: string,
  asOfText: string | undefined,
  kind: 'ingest' | 'validate',
  { recompute = false, correction }: { recompute?: boolean; correction?: string } = {},
): Promise<void> {
  const settings = await settingsOf(command);
  const input = resolveMonth(settings.contract, settings.seedsDir, month);
  const fromCalendar = calendarAsOf(input, settings.firstAsOf);
  if (asOfText === undefined && fromCalendar === undefined && kind === 'ingest') {
    throw new InvocationError(
      `ingest ${month}: give its as_of (e.g. ingest ${month} 2024-03-31); ${input.name} is not a month_NNN folder of the calendar nor named in a months.json`,
    );
  }
  const asOf = parseAsOf(asOfText ?? fromCalendar ?? new Date().toISOString().slice(0, 10));
  checkCalendar(input, asOf, settings.firstAsOf);
  try {
    printSummary(settings, await runMonth(settings, { command: kind, month: input, asOf, recompute, correction }, loggerOf(settings)));
  } catch (error) {
    if (error instanceof RunFailed) {
      if (settings.json) printJson(error.summary);
    }
    throw error;
  }
}

/** `--correction "<reason>"`: the reason is recorded with the version, so it must say something. */
function correctionReason(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  if (reason.trim() === '') throw new InvocationError('--correction needs a reason, recorded with the new version: --correction "labels fixed"');
  return reason.trim();
}

const KNOWN_AT_HELP =
  'knowledge time: read only snapshot versions recorded at or before it (ISO 8601 date or date-time, Z or offset, none = UTC; default: the newest versions)';

const FIRST_AS_OF_HELP =
  'as_of of month_000 in the month calendar: month_NNN is the month end NNN months later (env STREAMFLOW_FIRST_AS_OF, default 2024-01-31)';

async function verifyPostgres(settings: Settings): Promise<void> {
  const target = syncTarget(settings);
  const layout = warehouseLayout(settings.warehouseDir);
  const engine = await openReader(layout);
  try {
    const { server, compared, findings } = await verifyMirror(engine, settings.contract, layout, await mirroredVersions(engine), target);
    if (settings.json) printJson({ schema_version: SYNC_VERIFY_VERSION, server, schema: target.schema, compared, ok: findings.length === 0, findings });
    else if (findings.length === 0) process.stdout.write(`verified ${compared} tables and partitions in PostgreSQL at ${server}: all match the warehouse\n`);
    if (!settings.json)
      for (const finding of findings)
        process.stderr.write(
          `${finding.problem}: ${finding.table} as_of ${finding.as_of} version ${finding.version} (warehouse ${describeChecksum(finding.warehouse)}; PostgreSQL ${describeChecksum(finding.postgres)})\n`,
        );
    if (findings.length > 0) process.exitCode = 1;
  } finally {
    engine.close();
  }
}

export function buildProgram(): Command {
  const program = new Command('streamflow')
    .description('Monthly CSV exports → validated, time-travelling DuckDB warehouse')
    .option('--project <file>', 'the project file, streamflow.yaml (env STREAMFLOW_PROJECT; default: the nearest one at or above the working folder)')
    .option('--seeds <dir>', 'folder of month folders (env SEED_DIR, default ./seeds)')
    .option('--warehouse <dir>', 'warehouse folder (env WAREHOUSE_DIR, default ./warehouse)')
    .option('--json', 'print one machine-readable object on stdout')
    .option('--log-format <format>', 'pretty | json: log lines on stderr (env STREAMFLOW_LOG_FORMAT)')
    .option('--quiet', 'log warnings and errors only')
    .option('--verbose', 'log task starts, progress and details')
    .option('--threads <n>', 'DuckDB threads (env STREAMFLOW_THREADS)')
    .option('--memory-limit <size>', 'DuckDB memory limit, e.g. 4GB (env STREAMFLOW_MEMORY_LIMIT)')
    .option(
      '--lock-timeout <ms>',
      'how long to wait for another run, or another process holding streamflow.duckdb (env STREAMFLOW_LOCK_TIMEOUT_MS, default 10000)',
    )
    .option('--url <url>', 'PostgreSQL URL for the sync stage (env DATABASE_URL)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  program
    .command('ingest <month> [as_of]')
    .description("load, validate, upsert, snapshot and record one month (as_of: default the month calendar's date of a month_NNN folder)")
    .option('--recompute', 'recompute a frozen as_of and compare, even when its inputs are byte-identical to the run that froze it')
    .option(
      '--correction <reason>',
      'the month is a corrected export of a frozen as_of: freeze it as the next version of that as_of (earlier versions stay, readable with --known-at); the reason is recorded',
    )
    .option('--first-as-of <date>', FIRST_AS_OF_HELP)
    .option('--sync-postgres', 'end with the sync task: mirror the warehouse to PostgreSQL (env STREAMFLOW_SYNC_POSTGRES=1)')
    .option('--schema <name>', 'PostgreSQL schema for --sync-postgres (env STREAMFLOW_PG_SCHEMA, default public)')
    .action((month: string, asOf: string | undefined, options: { recompute?: boolean; correction?: string }, command: Command) =>
      runCommand(command, month, asOf, 'ingest', { recompute: options.recompute === true, correction: correctionReason(options.correction) }),
    );

  program
    .command('validate <month>')
    .description('load and validate only; writes the report, changes no data')
    .option('--as-of <date>', "date the month is checked against (default: a month_NNN folder's calendar date, else today)")
    .option('--first-as-of <date>', FIRST_AS_OF_HELP)
    .action((month: string, options: { asOf?: string }, command: Command) => runCommand(command, month, options.asOf, 'validate'));

  program
    .command('backfill')
    .description('ingest every month folder of the seeds dir in order; frozen months are verified and skipped')
    .option('--from <month>', 'first month folder, e.g. month_000')
    .option('--to <month>', 'last month folder, e.g. month_011')
    .option('--first-as-of <date>', FIRST_AS_OF_HELP)
    .action(async (options: { from?: string; to?: string }, command: Command) => {
      const settings = await settingsOf(command);
      try {
        const summary = await backfill(settings, options, loggerOf(settings));
        if (settings.json) return printJson(summary);
        for (const run of summary.runs) printSummary(settings, run);
      } catch (error) {
        if (error instanceof RunFailed && settings.json) printJson(error.summary);
        throw error;
      }
    });

  program
    .command('config')
    .description('print the resolved settings and where each comes from (secrets masked)')
    .action(async (_options, command: Command) => {
      const flags = command.optsWithGlobals<SettingFlags>();
      const settings = await describeSettings(flags);
      if (flags.json) return printJson({ settings });
      process.stdout.write(formatRecords(settings as unknown as Record<string, unknown>[]));
    });

  program
    .command('init [dir]')
    .description('start a project in DIR (default: the working folder): streamflow.yaml, a contract with one example table, and a month that passes it')
    .option('--name <name>', "the project's name (default: the folder's name as a plain name)")
    .action((dir: string | undefined, options: { name?: string }, command: Command) => {
      const flags = command.optsWithGlobals<SettingFlags>();
      const result = initProject(dir ?? '.', { name: options.name });
      if (flags.json) return printJson({ project: result.name, written: result.written });
      const folder = shownPath(result.dir);
      const next = `${folder === '.' ? '' : `cd ${shellWord(folder)} && `}streamflow ingest month_000`;
      process.stdout.write(
        `${[
          `project ${result.name} started in ${result.dir}`,
          ...result.written.map((file) => `  wrote ${shownPath(file)}`),
          '',
          `next: ${next}`,
          '  then `streamflow contract check` lists every check the contract compiles to, and',
          '  `streamflow contract infer <month folder> --out contracts/<name>.odcs.yaml` drafts a contract from your own exports',
        ].join('\n')}\n`,
      );
    });

  const contract = program
    .command('contract')
    .description("draft an ODCS contract from a month's CSV files, or check the project and list what its contract compiles to");
  contract
    .command('infer <folder>')
    .description("draft an ODCS contract from a month folder's CSV files (types, keys, required columns, observed ranges, relationships), marked status: draft")
    .option('--out <file>', 'write it to this file (default: stdout); an existing file only with --force')
    .option('--force', 'replace the --out file when it exists')
    .option('--no-ranges', "leave out the numbers' observed ranges (the month's own minimum and maximum, which a later month may well pass)")
    .option('--name <name>', "the contract's id and name (default: the folder's name; for a month_NNN folder, the name of the folder above it)")
    .action(async (folder: string, options: { out?: string; force?: boolean; name?: string; ranges: boolean }, command: Command) => {
      const flags = command.optsWithGlobals<SettingFlags>();
      if (options.force && options.out === undefined) throw new InvocationError('--force replaces the --out file: give --out FILE with it');
      const draft = await inferContract(folder, { id: options.name, ranges: options.ranges });
      const text = draftYaml(draft);
      const label = suggestedLabel(draft);
      for (const table of draft.tables.filter((candidate) => candidate.properties.every((property) => property.keyPosition === undefined))) {
        process.stderr.write(
          `warning: ${table.file}: no column nor pair of columns is present and distinct in every row; declare ${table.name}'s key (primaryKey) in the draft\n`,
        );
      }
      if (options.out === undefined) {
        if (flags.json) return printJson({ written: [], contract: text, tables: draftSummary(draft), label: label ?? null });
        process.stdout.write(text);
        if (!flags.quiet) {
          process.stderr.write(
            `${draftLine(draft)}\nsaved as contracts/${draft.id}.odcs.yaml, a streamflow.yaml beside contracts/ could name it:\n${indented(projectSnippet(draft.id, `contracts/${draft.id}.odcs.yaml`, label))}`,
          );
        }
        return;
      }
      const written = await writeDraft(options.out, text, options.force === true);
      if (flags.json) return printJson({ written: [written], tables: draftSummary(draft), label: label ?? null });
      const root = path.basename(path.dirname(written)) === 'contracts' ? path.dirname(path.dirname(written)) : path.dirname(written);
      const month = path.resolve(folder);
      const seedsRelative = path.relative(root, path.dirname(month));
      const seeds = MONTH_FOLDER.test(path.basename(month)) ? (seedsRelative.startsWith('..') ? path.dirname(month) : seedsRelative || '.') : undefined;
      process.stdout.write(
        `wrote ${shownPath(written)}: ${draftLine(draft)}\n\nnext: review it, then name it in ${shownPath(path.join(root, 'streamflow.yaml'))}, e.g.\n${indented(
          projectSnippet(draft.id, path.relative(root, written), label, seeds),
        )}`,
      );
    });
  contract
    .command('check')
    .description(
      'read the project and its contract (a mistake: exit 2, naming its line and column) and list per table its file, key, columns and the expectations it compiles to',
    )
    .action(async (_options, command: Command) => {
      const flags = command.optsWithGlobals<SettingFlags>();
      const file = projectFile(flags, process.env, process.cwd());
      const outline = outlineProject(await readProject(file.value!));
      if (flags.json) return printJson(outline);
      process.stdout.write(projectOutlineText(outline));
    });

  program
    .command('snapshots')
    .description(
      'list every version of every snapshot partition: table, as_of, version, recorded_at, rows, bytes, sha256 (first 12 hex digits), run id, reason',
    )
    .option('--table <table>', 'only this table')
    .option('--as-of <date>', 'only this as_of')
    .option('--long', 'full sha256 hashes')
    .action(async (options: { table?: string; asOf?: string; long?: boolean }, command: Command) => {
      const settings = await settingsOf(command);
      const tables = settings.contract.tables;
      if (options.table !== undefined && !tables.some((table) => table.name === options.table)) {
        throw new InvocationError(`--table ${options.table}: expected one of ${tables.map((table) => table.name).join(', ')}`);
      }
      const manifest = await warehouseOf(settings).manifest({ table: options.table, asOf: options.asOf });
      if (settings.json) return printJson({ snapshots: manifest });
      process.stdout.write(snapshotsText(manifest, options.long === true));
    });

  program
    .command('sync-postgres')
    .description('mirror live and snapshot tables to PostgreSQL (--url or DATABASE_URL), incremental, in one transaction')
    .option('--schema <name>', 'PostgreSQL schema (env STREAMFLOW_PG_SCHEMA, default public)')
    .addHelpText(
      'after',
      '\nWrites only into what it created for this warehouse: a table or view it did not create, or the\n' +
        'mirror of another warehouse, in the schema is refused (exit 3). Never waits without bound (exit 4\n' +
        'instead); the bounds in ms, from the environment: STREAMFLOW_PG_CONNECT_TIMEOUT_MS (10000),\n' +
        'STREAMFLOW_PG_STATEMENT_TIMEOUT_MS (300000), STREAMFLOW_PG_LOCK_TIMEOUT_MS (10000).',
    )
    .action(async (_options, command: Command) => {
      const settings = await settingsOf(command);
      const summary = await syncWarehouse(settings, loggerOf(settings));
      if (settings.json) return printJson(summary);
      const lines = summary.written.map(
        (table) =>
          `  ${table.table.padEnd(26)} as_of ${table.as_of}  ${String(table.inserted).padStart(8)} inserted  ${String(table.updated).padStart(8)} updated  ${String(table.deleted).padStart(8)} deleted`,
      );
      process.stdout.write(
        `sync to PostgreSQL at ${summary.server}, schema ${summary.schema}: ${summary.rows_written} rows written${summary.rows_written === 0 ? ' (already up to date)' : ''}\n${lines.map((line) => `${line}\n`).join('')}`,
      );
    });

  program
    .command('verify')
    .description("re-read every snapshot file and every partition's _manifest.json and check them against the manifest")
    .option('--postgres', 'instead compare the PostgreSQL mirror (--url or DATABASE_URL) with the warehouse: rows and checksum per table and as_of')
    .option('--schema <name>', 'PostgreSQL schema for --postgres (env STREAMFLOW_PG_SCHEMA, default public)')
    .action(async (options: { postgres?: boolean }, command: Command) => {
      const settings = await settingsOf(command);
      if (options.postgres) return verifyPostgres(settings);
      const layout = warehouseLayout(settings.warehouseDir);
      const engine = await openReader(layout);
      const recorded = await readRecordedManifest(engine).finally(() => engine.close());
      const findings = await verifySnapshots(layout, recorded);
      const files = recorded.entries.length;
      if (settings.json) printJson({ files, ok: findings.length === 0, findings });
      else if (findings.length === 0) process.stdout.write(`verified ${files} snapshot files and their ${PARTITION_MANIFEST}: all match the manifest\n`);
      else for (const finding of findings) process.stderr.write(`${finding.problem}: ${finding.path} (${finding.detail})\n`);
      if (findings.length > 0) process.exitCode = 1;
    });

  const runs = program
    .command('runs')
    .description('run history, newest first; replays that changed nothing (status unchanged) only with --all')
    .option('--limit <n>', 'the newest n runs')
    .option('--status <status>', 'succeeded | unchanged | validated | rejected | refused | failed')
    .option('--month <month>', 'runs of this month folder (name, or the path it was read from)')
    .option('--all', 'also the unchanged replays')
    .action(async (options: { limit?: string; status?: string; month?: string; all?: boolean }, command: Command) => {
      const settings = await settingsOf(command);
      const limit = options.limit === undefined ? undefined : Number(options.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
        throw new InvocationError(`--limit must be a whole number ≥ 1, not ${JSON.stringify(options.limit)}`);
      const listing = await warehouseOf(settings).listRuns({ limit, status: options.status, month: options.month, all: options.all });
      if (settings.json) return printJson(listing);
      process.stdout.write(runsText(listing));
    });
  runs
    .command('show <run_id>')
    .description("one run's details: tasks, counts, warnings and failures, report path (run_id or latest)")
    .action(async (runId: string, _options, command: Command) => {
      const settings = await settingsOf(command);
      const run = await showRun(warehouseLayout(settings.warehouseDir), settings.contract, runId);
      if (settings.json) return printJson(run);
      process.stdout.write(runPageText(run));
    });

  program
    .command('report [run_id]')
    .description("path of a run's report.html (default: latest); reports/index.html lists every run")
    .option('--open', 'open it with xdg-open')
    .action(async (runId: string | undefined, options: { open?: boolean }, command: Command) => {
      const settings = await settingsOf(command);
      const file = await reportOf(warehouseLayout(settings.warehouseDir), runId ?? 'latest');
      if (settings.json) printJson({ schema_version: REPORT_PATH_VERSION, report: file });
      else process.stdout.write(`${file}\n`);
      if (options.open) {
        const opened = openInViewer(file);
        if (opened !== true) process.stderr.write(`cannot open the report: ${opened}\n`);
      }
    });

  program
    .command('query <sql>')
    .description('read-only SQL over live tables (users, …), snapshots.<table> views and meta.* tables')
    .option('--format <format>', 'table | csv | json | arrow (default table; json with --json)')
    .option('--decimals-as-strings', 'json (stdout or --out .json): DECIMAL values as exact strings ("29.85") instead of exact numbers')
    .option('--as-of <date>', 'time travel: each table name reads its snapshot at the newest as_of <= date')
    .option('--known-at <timestamp>', KNOWN_AT_HELP)
    .option('--out <file>', 'write the result to a file instead, format by extension: .csv, .json, .parquet, .arrow (never inside the warehouse)')
    .action(async (sql: string, options: { format?: string; decimalsAsStrings?: boolean; out?: string; asOf?: string; knownAt?: string }, command: Command) => {
      const settings = await settingsOf(command);
      const format = stdoutFormat(options.format ?? (settings.json ? 'json' : 'table'));
      if (settings.json && format !== 'json') throw new InvocationError(`--json prints JSON; it cannot go with --format ${format}`);
      if (format === 'arrow' && options.out === undefined && process.stdout.isTTY) {
        throw new InvocationError('--format arrow writes binary Arrow IPC: redirect it to a file (> result.arrows) or pipe it to a reader');
      }
      const layout = warehouseLayout(settings.warehouseDir);
      const out = options.out === undefined ? undefined : resolveOutput(layout, options.out);
      const asOf = options.asOf === undefined ? undefined : parseAsOf(options.asOf);
      await warehouseOf(settings).withQuery({ out, asOf, knownAt: options.knownAt }, async (engine) => {
        // Which month answered, and how old it is: on stderr, beside the result, never in it.
        if (engine.resolution !== undefined && settings.verbosity !== 'quiet') process.stderr.write(`${engine.resolution}\n`);
        if (out) {
          const rows = await engine.export(sql, { decimalsAsStrings: options.decimalsAsStrings });
          if (settings.json) return printJson({ out: out.file, format: out.format, rows });
          return void process.stdout.write(`wrote ${rows} rows to ${out.file}\n`);
        }
        process.stdout.write(await engine.print(sql, format, { decimalsAsStrings: options.decimalsAsStrings }));
      });
    });

  program
    .command('rebuild')
    .description('recreate a lost streamflow.duckdb from the snapshot files and their manifests')
    .option('--allow-missing-partitions', "rebuild even when a frozen as_of lacks some table's partition (listed in the summary); refused otherwise")
    .action(async (options: { allowMissingPartitions?: boolean }, command: Command) => {
      const settings = await settingsOf(command);
      const summary = await rebuildWarehouse(settings, loggerOf(settings), { allowMissingPartitions: options.allowMissingPartitions === true });
      if (settings.json) return printJson(summary);
      const missing = summary.missing_partitions.map(({ table, as_of }) => `${table} ${as_of}`);
      process.stdout.write(
        `rebuilt ${summary.database} (warehouse ${summary.warehouse_id}) from ${summary.partitions} snapshot partitions of ${summary.runs.length} runs\n` +
          (missing.length > 0 ? `without the missing partitions: ${missing.join(', ')}\n` : ''),
      );
    });

  program
    .command('training-set')
    .description("point-in-time join of snapshot features and labels (no value from after a row's event_timestamp)")
    .option('--as-of <date>', 'one row per user of the labels snapshot at that as_of')
    .option('--entities <file>', 'CSV or Parquet with the entity key, event_timestamp and optionally the label (`contract check` names them)')
    .option('--features <list>', 'view.column or view.* items, comma-separated (default: the four default views)')
    .option('--full-names', 'name feature columns view__column')
    .option('--ttl <duration>', "oldest snapshot a value may come from, e.g. 90d, 2w, 12h (default: each view's ttl)")
    .option('--label-horizon <n>', "0: label frozen at the features' as_of (default); 1: the next frozen month's label")
    .option('--label-ttl <duration>', 'how far from a row its labels snapshot may be, e.g. 60d (default 31d); beyond it the label is NULL')
    .option('--with-source-as-of', 'add <view>__as_of columns: the snapshot each value came from')
    .option('--out <file>', '.parquet, .csv, .json or .arrow (default: a table on stdout)')
    .option('--allow-empty', 'write a training set of no rows (without it: exit 1, naming why)')
    .option('--known-at <timestamp>', `${KNOWN_AT_HELP}; the summary names the one read with`)
    .action(async (options: TrainingSetFlags, command: Command) => {
      const settings = await settingsOf(command);
      if ((options.asOf === undefined) === (options.entities === undefined))
        throw new InvocationError('training-set: give exactly one of --as-of DATE or --entities FILE');
      if (settings.json && options.out === undefined) throw new InvocationError('training-set --json: give --out FILE (stdout carries the summary)');
      if (options.labelHorizon !== undefined && !/^[0-9]+$/.test(options.labelHorizon))
        throw new InvocationError(`--label-horizon ${options.labelHorizon}: expected 0 or 1`);
      const { summary, table } = await warehouseOf(settings).buildTrainingSet({
        entities: options.asOf !== undefined ? { asOf: parseAsOf(options.asOf) } : { file: path.resolve(options.entities!) },
        features: options.features,
        fullNames: options.fullNames,
        ttl: options.ttl,
        labelHorizon: options.labelHorizon === undefined ? undefined : Number(options.labelHorizon),
        withSourceAsOf: options.withSourceAsOf,
        out: options.out,
        allowEmpty: options.allowEmpty === true,
        labelTtl: options.labelTtl,
        knownAt: options.knownAt === undefined ? undefined : knowledgeTime(options.knownAt),
      });
      if (table !== undefined) process.stdout.write(table);
      if (settings.json) printJson(summary);
      else process.stderr.write(trainingSetText(summary));
    });

  program
    .command('serve')
    .description("serve the newest frozen month's feature views over HTTP in Feast's protocol (POST /get-online-features)")
    .option('--port <n>', 'port to listen on', '6566')
    .option('--host <address>', 'address to listen on (off loopback only with --token)', '127.0.0.1')
    .option('--token <secret>', 'bearer token every caller must send (env STREAMFLOW_SERVE_TOKEN)')
    .option('--now <timestamp>', "the clock the views' ttls are checked against, e.g. 2024-02-29 (default: each request's time)")
    .option('--poll <ms>', 'how often the warehouse is looked at for a new freeze', '1000')
    .action(async (options: ServeFlags, command: Command) => {
      const settings = await settingsOf(command);
      const logger = loggerOf(settings);
      const running = await startServer({
        layout: warehouseLayout(settings.warehouseDir),
        contract: settings.contract,
        host: options.host,
        port: wholeNumber('--port', options.port, 0, 65_535),
        token: options.token ?? process.env.STREAMFLOW_SERVE_TOKEN,
        nowMs: options.now === undefined ? undefined : parseInstant('--now', options.now),
        pollMs: wholeNumber('--poll', options.poll, 50, 3_600_000),
        limits: { threads: settings.threads, memoryLimit: settings.memoryLimit },
        log: (message) => logger.info(message),
      });
      const vectors = running.current();
      // On stdout, as a summary is: the one line a caller needs (the URL, with --port 0 too), --quiet or not.
      process.stdout.write(`serve: answering at ${running.url} from as_of ${vectors.asOf} (${vectors.entities} entities); Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void running.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });

  return program;
}

/** A path as short as it reads: relative to the working folder when inside it, `.` for the folder itself. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** A word as a POSIX shell reads it back: quoted when it holds anything but plain characters. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

function indented(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}

/** "6 tables, 23 columns from month_000 (7,043 rows in users.csv, …)". */
function draftLine(draft: DraftContract): string {
  const columns = draft.tables.reduce((sum, table) => sum + table.properties.length, 0);
  return `a draft contract of ${draft.tables.length} table${draft.tables.length === 1 ? '' : 's'} and ${columns} columns from ${draft.source}: ${draft.tables.map((table) => `${table.name} (${formatCount(table.rows)} row${table.rows === 1 ? '' : 's'})`).join(', ')}`;
}

function draftSummary(draft: DraftContract): object[] {
  return draft.tables.map((table) => ({
    name: table.name,
    file: table.file,
    rows: table.rows,
    key: table.properties.filter((property) => property.keyPosition !== undefined).map((property) => property.name),
    columns: table.properties.map((property) => ({
      name: property.name,
      type: property.type,
      required: property.required,
      references: property.references ?? null,
    })),
  }));
}

/** A flag's whole number within a range, or an invocation error naming it. */
function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new InvocationError(`${flag} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`);
  return value;
}

/** A date or timestamp given on the command line, as ms since the epoch (no zone: UTC). */
function parseInstant(flag: string, text: string): number {
  const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(text) || /^\d{4}-\d{2}-\d{2}$/.test(text);
  const value = Date.parse(zoned ? text : `${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(value))
    throw new InvocationError(`${flag} ${JSON.stringify(text)}: expected a date or timestamp such as 2024-02-29 or 2024-02-29T12:00:00Z`);
  return value;
}

interface ServeFlags {
  readonly port: string;
  readonly host: string;
  readonly token?: string;
  readonly now?: string;
  readonly poll: string;
}

interface TrainingSetFlags {
  readonly allowEmpty?: boolean;
  readonly labelTtl?: string;
  readonly asOf?: string;
  readonly entities?: string;
  readonly features?: string;
  readonly fullNames?: boolean;
  readonly ttl?: string;
  readonly labelHorizon?: string;
  readonly withSourceAsOf?: boolean;
  readonly out?: string;
  readonly knownAt?: string;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (caught) {
    // A read that runs off the end of a truncated streamflow.duckdb, long after it was attached: refused like one found at attach.
    const error = damagedDatabase(caught) ?? caught;
    if (error instanceof CommanderError) {
      if (error.exitCode !== 0 && argv.includes('--json')) printJson({ error: { kind: 'invalid_invocation', message: error.message, exit_code: 2 } });
      return error.exitCode === 0 ? 0 : 2;
    }
    // A recorded run printed its summary, error included, already.
    if (argv.includes('--json') && !(error instanceof RunFailed)) printJson({ error: errorObject(error) });
    const code = exitCodeOf(error);
    const known = error instanceof StreamflowError;
    process.stderr.write(`${known ? 'error' : 'internal error'}: ${error instanceof Error ? (known ? error.message : error.stack) : String(error)}\n`);
    return code;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
