// The floors an ingest is held to (issues 16 and 28): plain DuckDB SQL over the same CSVs,
// no checks, each as a child process of its own (Node, @duckdb/node-api, the statements,
// exit), so that a floor is measured exactly as an ingest is: process wall, of which the
// report takes what lies beyond Node start-up.
//
// The CSV → Parquet floor reads every CSV with its declared types and writes it as Parquet.
// The contract floor writes what the SPEC requires of a month — each table in a database
// file, committed, and each as a Parquet file sorted by its key — in several plain-SQL
// ways; the cheapest (lowest median) is the one ingests are held to, the others are
// printed beside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Contract } from '../src/contract/contract';
import { exportColumns, type TableSpec } from '../src/contract/tables';
import { quoteIdent, quoteLiteral } from '../src/engine/duckdb';
import { measureNode } from './measure';

/** A floor's statements, grouped in named steps whose times are added up. */
export interface FloorPlan {
  /** A database file opened directly (created fresh), or `:memory:`. */
  readonly database: string;
  readonly statements: readonly { readonly step: string; readonly sql: string }[];
}

export interface FloorRun {
  /** Process wall, Node start-up included. */
  readonly wall_ms: number;
  /** Milliseconds per step, measured inside the child. */
  readonly steps: Record<string, number>;
}

/** The DuckDB settings of every floor and ingest (the bench's --threads and --memory-limit). */
export interface FloorSettings {
  readonly threads?: number;
  readonly memoryLimit?: string;
}

// The child: open the database, run the statements in order timing each step, close, print the step times.
const CHILD = `
const { DuckDBInstance } = require('@duckdb/node-api');
const { plan, config } = JSON.parse(process.argv[1]);
(async () => {
  const instance = await DuckDBInstance.create(plan.database, config);
  const connection = await instance.connect();
  const steps = {};
  for (const { step, sql } of plan.statements) {
    const started = performance.now();
    await connection.run(sql);
    steps[step] = (steps[step] ?? 0) + performance.now() - started;
  }
  connection.closeSync();
  instance.closeSync();
  process.stdout.write(JSON.stringify(steps));
})();`;

/** The contract floors, by name; `floor` is the CSV → Parquet one. */
export const CONTRACT_FLOORS = ['direct, one checkpoint, zstd', 'direct, one checkpoint, zstd level 1', 'attached, checkpoint per table, zstd'] as const;
export type ContractFloorName = (typeof CONTRACT_FLOORS)[number];

/** What each contract floor does, for the report. */
export const CONTRACT_FLOOR_TEXT: Record<ContractFloorName, string> = {
  'direct, one checkpoint, zstd':
    'a fresh database file opened directly; each CSV into a table; one CHECKPOINT; each table COPY … ORDER BY key to zstd Parquet',
  'direct, one checkpoint, zstd level 1': 'the same, zstd at COMPRESSION_LEVEL 1 (as snapshots are written)',
  'attached, checkpoint per table, zstd':
    'an in-memory engine with a fresh database file attached; per table: CSV into a table, CHECKPOINT, COPY … ORDER BY key to zstd Parquet',
};

/** read_csv of a month's table with the contract's declared types, no check, no guessing. */
function typedCsv(folder: string, table: TableSpec): string {
  const columns = exportColumns(table).map((column) => `${quoteLiteral(column.name)}: ${quoteLiteral(column.type)}`);
  return `read_csv(${quoteLiteral(path.join(folder, table.file))}, header = true, auto_detect = false, columns = {${columns.join(', ')}})`;
}

function sortedParquet(table: TableSpec, relation: string, out: string, options: string): string {
  return `COPY (SELECT * FROM ${relation} ORDER BY ${table.key.map(quoteIdent).join(', ')}) TO ${quoteLiteral(path.join(out, `${table.name}.parquet`))} (${options})`;
}

function csvToParquetPlan(contract: Contract, folder: string, out: string): FloorPlan {
  return {
    database: ':memory:',
    statements: contract.tables.map((table) => ({
      step: table.name,
      sql: `COPY (SELECT * FROM ${typedCsv(folder, table)}) TO ${quoteLiteral(path.join(out, `${table.name}.parquet`))} (FORMAT parquet)`,
    })),
  };
}

function contractPlan(name: ContractFloorName, contract: Contract, folder: string, out: string): FloorPlan {
  const file = path.join(out, 'contract.duckdb');
  if (name === 'attached, checkpoint per table, zstd') {
    return {
      database: ':memory:',
      statements: [
        { step: 'load', sql: `ATTACH ${quoteLiteral(file)} AS contract` },
        ...contract.tables.flatMap((table) => {
          const name = `contract.main.${quoteIdent(table.name)}`;
          return [
            { step: 'load', sql: `CREATE TABLE ${name} AS SELECT * FROM ${typedCsv(folder, table)}` },
            { step: 'checkpoint', sql: 'CHECKPOINT contract' },
            { step: 'parquet', sql: sortedParquet(table, name, out, 'FORMAT parquet, COMPRESSION zstd') },
          ];
        }),
      ],
    };
  }
  const options = name === 'direct, one checkpoint, zstd' ? 'FORMAT parquet, COMPRESSION zstd' : 'FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1';
  return {
    database: file,
    statements: [
      ...contract.tables.map((table) => ({ step: 'load', sql: `CREATE TABLE ${quoteIdent(table.name)} AS SELECT * FROM ${typedCsv(folder, table)}` })),
      { step: 'checkpoint', sql: 'CHECKPOINT' },
      ...contract.tables.map((table) => ({ step: 'parquet', sql: sortedParquet(table, quoteIdent(table.name), out, options) })),
    ],
  };
}

/** Runs a plan as a child process (started in `cwd`, where @duckdb/node-api resolves) in an empty scratch folder `out`, removed after. */
export function runPlan(plan: FloorPlan, out: string, settings: FloorSettings, cwd: string): FloorRun {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const config: Record<string, string> = { temp_directory: path.join(out, 'spill') };
  if (settings.threads !== undefined) config.threads = String(settings.threads);
  if (settings.memoryLimit !== undefined) config.memory_limit = settings.memoryLimit;
  const measured = measureNode(['-e', CHILD, JSON.stringify({ plan, config })], { cwd });
  fs.rmSync(out, { recursive: true, force: true });
  if (measured.exitCode !== 0) throw new Error(`a floor exited ${measured.exitCode}:\n${measured.stderr.trim()}`);
  return { wall_ms: measured.wallMs, steps: JSON.parse(measured.stdout) as Record<string, number> };
}

/** The CSV → Parquet floor of a month's folder. */
export function measureCsvToParquet(contract: Contract, folder: string, scratch: string, settings: FloorSettings, cwd: string): FloorRun {
  return runPlan(csvToParquetPlan(contract, folder, scratch), scratch, settings, cwd);
}

/** The named contract floors of a month's folder, one after the other. */
export function measureContractFloors(
  contract: Contract,
  folder: string,
  scratch: string,
  settings: FloorSettings,
  cwd: string,
  names: readonly ContractFloorName[],
): Partial<Record<ContractFloorName, FloorRun>> {
  return Object.fromEntries(names.map((name) => [name, runPlan(contractPlan(name, contract, folder, scratch), scratch, settings, cwd)]));
}
