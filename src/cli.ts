#!/usr/bin/env node
// The command line (SPEC §2). Parses arguments, calls the flow or a reader, prints, and
// maps errors onto exit codes. Summaries go to stdout, logs and errors to stderr.
import { Command, CommanderError } from 'commander';
import { describeSettings, resolveSettings, type SettingFlags, type Settings } from './config';
import { backfill } from './flow/backfill';
import { createLogger, type Logger } from './flow/log';
import { InvocationError, StreamflowError, exitCodeOf } from './errors';
import { parseAsOf, resolveMonth } from './flow/invocation';
import { RunFailed, runMonth, type RunSummary } from './flow/ingest';
import { formatArrow, formatRows, type OutputFormat } from './query/format';
import { openQueryEngine, openReader } from './query';
import { readManifest } from './snapshot';
import { verifySnapshots } from './snapshot/verify';
import { listRuns, showRun } from './record/history';
import { describeChecksum, verifyMirror } from './sync';
import { syncTarget, syncWarehouse } from './flow/sync';
import { warehouseLayout } from './warehouse/layout';

function settingsOf(command: Command): Settings {
  return resolveSettings(command.optsWithGlobals<SettingFlags>());
}

function loggerOf(settings: Settings): Logger {
  return createLogger({ format: settings.logFormat, verbosity: settings.verbosity, tty: Boolean(process.stderr.isTTY) });
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function printSummary(settings: Settings, summary: RunSummary): void {
  if (settings.json) return printJson(summary);
  const lines = [
    `${summary.command} ${summary.month} as_of ${summary.as_of}: ${summary.status} (run ${summary.run_id}, ${summary.duration_ms} ms)`,
    ...summary.tables.map(
      (table) => `  ${table.table.padEnd(18)} ${String(table.rows_in).padStart(9)} in  ${String(table.inserted).padStart(8)} inserted  ${String(table.updated).padStart(8)} updated  ${String(table.unchanged).padStart(8)} unchanged`,
    ),
    ...(summary.warnings > 0 ? [`  ${summary.warnings} warning(s): see the report`] : []),
    `  report: ${summary.report_path}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function runCommand(command: Command, month: string, asOfText: string, kind: 'ingest' | 'validate', recompute = false): Promise<void> {
  const settings = settingsOf(command);
  const asOf = parseAsOf(asOfText);
  const input = resolveMonth(settings.seedsDir, month);
  try {
    printSummary(settings, await runMonth(settings, { command: kind, month: input, asOf, recompute }, loggerOf(settings)));
  } catch (error) {
    if (error instanceof RunFailed) {
      if (settings.json) printJson(error.summary);
    }
    throw error;
  }
}

async function verifyPostgres(settings: Settings): Promise<void> {
  const target = syncTarget(settings);
  const layout = warehouseLayout(settings.warehouseDir);
  const engine = await openReader(layout);
  try {
    const { server, compared, findings } = await verifyMirror(engine, layout, await readManifest(engine), target);
    if (settings.json) printJson({ schema_version: '1.0', server, schema: target.schema, compared, ok: findings.length === 0, findings });
    else if (findings.length === 0) process.stdout.write(`verified ${compared} tables and partitions in PostgreSQL at ${server}: all match the warehouse\n`);
    if (!settings.json) for (const finding of findings) process.stderr.write(`${finding.problem}: ${finding.table} as_of ${finding.as_of} (warehouse ${describeChecksum(finding.warehouse)}; PostgreSQL ${describeChecksum(finding.postgres)})\n`);
    if (findings.length > 0) process.exitCode = 1;
  } finally {
    engine.close();
  }
}

export function buildProgram(): Command {
  const program = new Command('streamflow')
    .description('Monthly CSV exports → validated, time-travelling DuckDB warehouse')
    .option('--seeds <dir>', 'folder of month folders (env SEED_DIR, default ./seeds)')
    .option('--warehouse <dir>', 'warehouse folder (env WAREHOUSE_DIR, default ./warehouse)')
    .option('--json', 'print one machine-readable object on stdout')
    .option('--log-format <format>', 'pretty | json: log lines on stderr (env STREAMFLOW_LOG_FORMAT)')
    .option('--quiet', 'log warnings and errors only')
    .option('--verbose', 'log task starts, progress and details')
    .option('--threads <n>', 'DuckDB threads (env STREAMFLOW_THREADS)')
    .option('--memory-limit <size>', 'DuckDB memory limit, e.g. 4GB (env STREAMFLOW_MEMORY_LIMIT)')
    .option('--lock-timeout <ms>', 'how long to wait for another run (env STREAMFLOW_LOCK_TIMEOUT_MS, default 10000)')
    .option('--url <url>', 'PostgreSQL URL for the sync stage (env DATABASE_URL)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  program
    .command('ingest <month> <as_of>')
    .description('load, validate, upsert, snapshot and record one month')
    .option('--recompute', 'recompute a frozen as_of and compare, even when its inputs are byte-identical to the run that froze it')
    .option('--sync-postgres', 'end with the sync task: mirror the warehouse to PostgreSQL (env STREAMFLOW_SYNC_POSTGRES=1)')
    .option('--schema <name>', 'PostgreSQL schema for --sync-postgres (env STREAMFLOW_PG_SCHEMA, default public)')
    .action((month: string, asOf: string, options: { recompute?: boolean }, command: Command) =>
      runCommand(command, month, asOf, 'ingest', options.recompute === true),
    );

  program
    .command('validate <month>')
    .description('load and validate only; writes the report, changes no data')
    .option('--as-of <date>', 'date the month is checked against (default: today)')
    .action((month: string, options: { asOf?: string }, command: Command) =>
      runCommand(command, month, options.asOf ?? new Date().toISOString().slice(0, 10), 'validate'),
    );

  program
    .command('backfill')
    .description('ingest every month folder of the seeds dir in order; frozen months are verified and skipped')
    .option('--from <month>', 'first month folder, e.g. month_000')
    .option('--to <month>', 'last month folder, e.g. month_011')
    .option('--first-as-of <date>', 'as_of of month_000 for the month-end rule (env STREAMFLOW_FIRST_AS_OF, default 2024-01-31)')
    .action(async (options: { from?: string; to?: string }, command: Command) => {
      const settings = settingsOf(command);
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
    .action((_options, command: Command) => {
      const flags = command.optsWithGlobals<SettingFlags>();
      const settings = describeSettings(flags);
      if (flags.json) return printJson({ schema_version: '1.0', settings });
      process.stdout.write(formatRows(settings as unknown as Record<string, unknown>[], 'table'));
    });

  program
    .command('snapshots')
    .description('list snapshot partitions: table, as_of, rows, sha256, run id')
    .action(async (_options, command: Command) => {
      const settings = settingsOf(command);
      const engine = await openReader(warehouseLayout(settings.warehouseDir));
      try {
        const manifest = await readManifest(engine);
        if (settings.json) return printJson({ schema_version: '1.0', snapshots: manifest });
        process.stdout.write(formatRows(manifest as unknown as Record<string, unknown>[], 'table'));
      } finally {
        engine.close();
      }
    });

  program
    .command('sync-postgres')
    .description('mirror live and snapshot tables to PostgreSQL (--url or DATABASE_URL), incremental, in one transaction')
    .option('--schema <name>', 'PostgreSQL schema (env STREAMFLOW_PG_SCHEMA, default public)')
    .action(async (_options, command: Command) => {
      const settings = settingsOf(command);
      const summary = await syncWarehouse(settings, loggerOf(settings));
      if (settings.json) return printJson(summary);
      const lines = summary.written.map((table) => `  ${table.table.padEnd(26)} as_of ${table.as_of}  ${String(table.inserted).padStart(8)} inserted  ${String(table.updated).padStart(8)} updated  ${String(table.deleted).padStart(8)} deleted`);
      process.stdout.write(`sync to PostgreSQL at ${summary.server}, schema ${summary.schema}: ${summary.rows_written} rows written${summary.rows_written === 0 ? ' (already up to date)' : ''}\n${lines.map((line) => `${line}\n`).join('')}`);
    });

  program
    .command('verify')
    .description('re-read every snapshot file and check it against the manifest')
    .option('--postgres', 'instead compare the PostgreSQL mirror (--url or DATABASE_URL) with the warehouse: rows and checksum per table and as_of')
    .option('--schema <name>', 'PostgreSQL schema for --postgres (env STREAMFLOW_PG_SCHEMA, default public)')
    .action(async (options: { postgres?: boolean }, command: Command) => {
      const settings = settingsOf(command);
      if (options.postgres) return verifyPostgres(settings);
      const layout = warehouseLayout(settings.warehouseDir);
      const engine = await openReader(layout);
      const manifest = await readManifest(engine).finally(() => engine.close());
      const findings = await verifySnapshots(layout, manifest);
      if (settings.json) printJson({ schema_version: '1.0', files: manifest.length, ok: findings.length === 0, findings });
      else if (findings.length === 0) process.stdout.write(`verified ${manifest.length} snapshot files: all match the manifest\n`);
      else for (const finding of findings) process.stderr.write(`${finding.problem}: ${finding.path} (${finding.detail})\n`);
      if (findings.length > 0) process.exitCode = 1;
    });

  const runs = program
    .command('runs')
    .description('run history, newest first')
    .action(async (_options, command: Command) => {
      const settings = settingsOf(command);
      const history = await listRuns(warehouseLayout(settings.warehouseDir));
      if (settings.json) return printJson({ schema_version: '1.0', runs: history });
      process.stdout.write(formatRows(history as unknown as Record<string, unknown>[], 'table'));
    });
  runs
    .command('show <run_id>')
    .description("one run's details: tasks, counts, errors, report path")
    .action(async (runId: string, _options, command: Command) => {
      const settings = settingsOf(command);
      const run = await showRun(warehouseLayout(settings.warehouseDir), runId);
      printJson(run);
    });

  program
    .command('query <sql>')
    .description('SQL over live tables (users, …), snapshots.<table> views and meta.* tables')
    .option('--format <format>', 'table | csv | json | arrow', 'table')
    .action(async (sql: string, options: { format: OutputFormat }, command: Command) => {
      const settings = settingsOf(command);
      if (!['table', 'csv', 'json', 'arrow'].includes(options.format)) {
        throw new InvocationError(`--format ${options.format}: expected table, csv, json or arrow`);
      }
      const engine = await openQueryEngine(warehouseLayout(settings.warehouseDir));
      try {
        const rows = await engine.rows(sql).catch((error: Error) => {
          throw new InvocationError(`query failed: ${error.message}`);
        });
        process.stdout.write(options.format === 'arrow' ? await formatArrow(rows) : formatRows(rows, options.format));
      } finally {
        engine.close();
      }
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    const code = exitCodeOf(error);
    const prefix = error instanceof StreamflowError ? 'error' : 'internal error';
    process.stderr.write(`${prefix}: ${error instanceof Error ? (code === 70 ? error.stack : error.message) : String(error)}\n`);
    return code;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
