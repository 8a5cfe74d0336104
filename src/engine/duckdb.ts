// The one module that talks to the DuckDB driver. Every stage receives an `Engine`
// and speaks SQL through it; nothing else imports @duckdb/node-api.
import { DuckDBConnection, DuckDBInstance, DuckDBTimestampTZValue, DuckDBTypeId, JsonDuckDBValueConverter, StatementType } from '@duckdb/node-api';
import type { DuckDBValueConverter, Json } from '@duckdb/node-api';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../package-root';

export type SqlParams = Record<string, string | number | boolean | null> | readonly (string | number | boolean | null)[];
export type JsonRow = Record<string, unknown>;

export interface EngineOptions {
  /** DuckDB `threads`; undefined keeps DuckDB's default (all cores). */
  readonly threads?: number;
  /** DuckDB `memory_limit`, e.g. "2GB"; spills to `tempDirectory` beyond it. */
  readonly memoryLimit?: string;
  readonly tempDirectory?: string;
  /**
   * Opens this database file read-only instead of an in-memory one: every database the
   * instance attaches is then read-only too, and no extension is installed or loaded.
   */
  readonly readOnlyDatabase?: string;
}

export interface Engine {
  /** Runs statements that return nothing of interest. */
  run(sql: string, params?: SqlParams): Promise<void>;
  /**
   * Rows as JSON-safe objects: integers that fit a double become numbers (larger ones
   * and DECIMALs strings, so no digit is lost), DATE 'YYYY-MM-DD', TIMESTAMPTZ ISO 8601,
   * JSON columns parsed.
   */
  rows<T extends JsonRow = JsonRow>(sql: string, params?: SqlParams): Promise<T[]>;
  /** DuckDB's own classification of each statement in `sql` (SELECT, COPY, ATTACH, …), found by parsing and binding, not running. */
  statementTypes(sql: string): Promise<string[]>;
  /** Runs `work` inside BEGIN … COMMIT; rolls back when it throws. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  close(): void;
}

/** An in-memory engine: the pipeline stages data here and ATTACHes the warehouse file. */
export async function openEngine(options: EngineOptions = {}): Promise<Engine> {
  const config: Record<string, string> = {};
  if (options.threads !== undefined) config.threads = String(options.threads);
  if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
  if (options.tempDirectory !== undefined) {
    fs.mkdirSync(options.tempDirectory, { recursive: true });
    config.temp_directory = options.tempDirectory;
  }
  if (options.readOnlyDatabase !== undefined) {
    Object.assign(config, { access_mode: 'READ_ONLY', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  }
  const instance = await DuckDBInstance.create(options.readOnlyDatabase ?? ':memory:', config);
  const connection = await instance.connect();
  return wrap(instance, connection);
}

function wrap(instance: DuckDBInstance, connection: DuckDBConnection): Engine {
  const engine: Engine = {
    async run(sql, params) {
      await connection.run(sql, params as never);
    },
    async rows(sql, params) {
      const reader = await connection.runAndReadAll(sql, params as never);
      const rows = reader.convertRowObjects(readableValue);
      // Column types carry the JSON alias; the per-value types the converter sees do not.
      const jsonColumns = reader.columnNames().filter((_, index) => reader.columnType(index).alias === 'JSON');
      for (const row of rows) for (const column of jsonColumns) if (typeof row[column] === 'string') row[column] = JSON.parse(row[column] as string) as Json;
      return rows as never;
    },
    async statementTypes(sql) {
      const statements = await connection.extractStatements(sql);
      const types: string[] = [];
      for (let index = 0; index < statements.count; index += 1) types.push(StatementType[(await statements.prepare(index)).statementType]);
      return types;
    },
    async transaction(work) {
      await connection.run('BEGIN TRANSACTION');
      try {
        const result = await work();
        await connection.run('COMMIT');
        return result;
      } catch (error) {
        await connection.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
  return engine;
}

const WIDE_INTEGERS = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);

const readableValue: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (value !== null && WIDE_INTEGERS.has(type.typeId)) {
    const number = Number(value as bigint);
    return Number.isSafeInteger(number) ? number : String(value);
  }
  if (value instanceof DuckDBTimestampTZValue) return new Date(Number(value.micros / 1000n)).toISOString();
  return JsonDuckDBValueConverter(value, type, converter);
};

/** Double-quotes an identifier for DuckDB (and PostgreSQL): `a"b` → `"a""b"`. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A string literal for the few places DuckDB takes no bound parameter (file paths in COPY/ATTACH). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const sqlDir = path.join(PACKAGE_ROOT, 'sql');

export function sqlFile(name: string): string {
  return fs.readFileSync(path.join(sqlDir, `${name}.sql`), 'utf8');
}
