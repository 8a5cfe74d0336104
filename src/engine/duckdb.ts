// The one module that talks to the DuckDB driver. Every stage receives an `Engine`
// and speaks SQL through it; nothing else imports @duckdb/node-api.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuckDBType, DuckDBValue, DuckDBValueConverter, Json } from '@duckdb/node-api';
import {
  type DuckDBConnection,
  type DuckDBDateValue,
  type DuckDBDecimalType,
  type DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  StatementType,
} from '@duckdb/node-api';
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

/**
 * A result column's type as the engine knows it, independent of the driver. Values per kind:
 * boolean → boolean; int8/16/32, float64 → number; int64 → bigint; decimal → bigint, the
 * unscaled value (123.45 at scale 2 is 12345n); date → days since 1970-01-01;
 * timestamp (UTC when `timezone`) → microseconds since the epoch as bigint; json and text
 * → string (a type without a kind of its own, e.g. a LIST, as its JSON text). NULL is null.
 */
export type ColumnKind = 'boolean' | 'int8' | 'int16' | 'int32' | 'int64' | 'float64' | 'decimal' | 'date' | 'timestamp' | 'json' | 'text';

export interface ColumnType {
  readonly kind: ColumnKind;
  /** The SQL type as DuckDB names it, e.g. DECIMAL(10,2). */
  readonly sql: string;
  readonly precision?: number;
  readonly scale?: number;
  /** For timestamps: 'UTC' when the column is TIMESTAMP WITH TIME ZONE. */
  readonly timezone?: string;
}

export interface ResultColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly values: readonly unknown[];
}

/**
 * A result left in DuckDB's memory in its chunks (of ~2,048 rows), read a value at a time:
 * for lookups into a million rows that would cost seconds to convert whole.
 */
export interface HeldResult {
  readonly chunks: readonly HeldChunk[];
}

export interface HeldChunk {
  readonly rowCount: number;
  /** The value at (column, row) as text; null for NULL. */
  text(column: number, row: number): string | null;
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
  /** The result column by column, each with its type: for outputs that keep the engine's types (Arrow, JSON numbers). */
  columns(sql: string, params?: SqlParams): Promise<ResultColumn[]>;
  /** The result streamed a chunk (~2,048 rows) at a time, each typed as `columns` types it: for results too big to hold whole. */
  batches(sql: string, params?: SqlParams): AsyncGenerator<ResultColumn[]>;
  /** The result kept in the engine's memory (valid until the engine closes); its columns must be VARCHAR. */
  hold(sql: string, params?: SqlParams): Promise<HeldResult>;
  /** DuckDB's own classification of each statement in `sql` (SELECT, COPY, ATTACH, …), found by parsing and binding, not running. */
  statementTypes(sql: string): Promise<string[]>;
  /** Runs `work` inside BEGIN … COMMIT; rolls back when it throws. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Runs `work` for every item, on up to `width` connections of this engine's database at
   * once, and returns the results in item order. For independent read-only work: each
   * connection sees what is committed (the staged month, the attached warehouse), not
   * another connection's open transaction.
   */
  concurrently<I, R>(items: readonly I[], work: (engine: Engine, item: I) => Promise<R>, width?: number): Promise<R[]>;
  close(): void;
}

/**
 * Side by side on two connections: DuckDB parallelises a scan, but an aggregate's
 * DISTINCT and its final steps run on one thread (measured at 1M users: the expectation
 * scans of the six tables 13.0 s of wall for 6.5 s of CPU one after the other, 9.3 s two
 * at a time, on a shared machine).
 */
const CONCURRENT_QUERIES = 2;

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
  return wrap(instance, connection, () => instance.closeSync());
}

function wrap(instance: DuckDBInstance, connection: DuckDBConnection, closeInstance: () => void): Engine {
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
    async columns(sql, params) {
      const reader = await connection.runAndReadAll(sql, params as never);
      const columns = reader.getColumns();
      // An empty result has no column vectors at all, only names and types.
      return reader.columnNames().map((name, index) => typedColumn(name, reader.columnType(index), columns[index] ?? []));
    },
    async *batches(sql, params) {
      const result = await connection.stream(sql, params as never);
      const names = result.columnNames();
      const types = result.columnTypes();
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        const values = chunk.getColumns();
        yield names.map((name, index) => typedColumn(name, types[index], values[index]));
      }
    },
    async hold(sql, params) {
      const result = await connection.run(sql, params as never);
      const chunks: HeldChunk[] = [];
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const vectors = Array.from({ length: chunk.columnCount }, (_, column) => chunk.getColumnVector(column));
        chunks.push({ rowCount: chunk.rowCount, text: (column, row) => vectors[column].getItem(row) as string | null });
      }
      return { chunks };
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
    async concurrently(items, work, width = CONCURRENT_QUERIES) {
      const results = new Array(items.length);
      let next = 0;
      const worker = async (engineOfWorker: Engine) => {
        for (let index = next++; index < items.length; index = next++) results[index] = await work(engineOfWorker, items[index]);
      };
      const others = await Promise.all(
        Array.from({ length: Math.max(0, Math.min(width, items.length) - 1) }, async () => wrap(instance, await instance.connect(), () => undefined)),
      );
      try {
        await Promise.all([engine, ...others].map(worker));
      } finally {
        for (const other of others) other.close();
      }
      return results;
    },
    close() {
      connection.closeSync();
      closeInstance();
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

const KIND_OF_TYPE: Partial<Record<DuckDBTypeId, ColumnKind>> = {
  [DuckDBTypeId.BOOLEAN]: 'boolean',
  [DuckDBTypeId.TINYINT]: 'int8',
  [DuckDBTypeId.SMALLINT]: 'int16',
  [DuckDBTypeId.UTINYINT]: 'int16',
  [DuckDBTypeId.INTEGER]: 'int32',
  [DuckDBTypeId.USMALLINT]: 'int32',
  [DuckDBTypeId.BIGINT]: 'int64',
  [DuckDBTypeId.UINTEGER]: 'int64',
  [DuckDBTypeId.FLOAT]: 'float64',
  [DuckDBTypeId.DOUBLE]: 'float64',
  [DuckDBTypeId.DECIMAL]: 'decimal',
  [DuckDBTypeId.DATE]: 'date',
  [DuckDBTypeId.TIMESTAMP]: 'timestamp',
  [DuckDBTypeId.TIMESTAMP_TZ]: 'timestamp',
};

/** Integers wider than BIGINT: exact as DECIMAL(precision, 0), as DuckDB's own Arrow export gives them. */
const WIDE_INTEGER_PRECISION: Partial<Record<DuckDBTypeId, number>> = { [DuckDBTypeId.UBIGINT]: 20, [DuckDBTypeId.HUGEINT]: 38 };

function typedColumn(name: string, type: DuckDBType, values: readonly DuckDBValue[]): ResultColumn {
  const sql = type.toString();
  const widePrecision = WIDE_INTEGER_PRECISION[type.typeId];
  if (widePrecision !== undefined) return { name, type: { kind: 'decimal', sql, precision: widePrecision, scale: 0 }, values };
  const kind = type.alias === 'JSON' ? 'json' : (KIND_OF_TYPE[type.typeId] ?? 'text');
  switch (kind) {
    case 'decimal': {
      const { width, scale } = type as DuckDBDecimalType;
      return {
        name,
        type: { kind, sql, precision: width, scale },
        values: values.map((value) => (value === null ? null : (value as DuckDBDecimalValue).value)),
      };
    }
    case 'date':
      return { name, type: { kind, sql }, values: values.map((value) => (value === null ? null : (value as DuckDBDateValue).days)) };
    case 'timestamp': {
      const timezone = type.typeId === DuckDBTypeId.TIMESTAMP_TZ ? { timezone: 'UTC' } : {};
      return { name, type: { kind, sql, ...timezone }, values: values.map((value) => (value === null ? null : (value as DuckDBTimestampValue).micros)) };
    }
    case 'int64':
      return { name, type: { kind, sql }, values: values.map((value) => (value === null ? null : BigInt(value as number | bigint))) };
    case 'text':
      return { name, type: { kind, sql }, values: values.map((value) => (value === null || typeof value === 'string' ? value : textOf(value, type))) };
    default:
      return { name, type: { kind, sql }, values };
  }
}

function textOf(value: DuckDBValue, type: DuckDBType): string {
  const json = JsonDuckDBValueConverter(value, type, JsonDuckDBValueConverter);
  return typeof json === 'string' ? json : JSON.stringify(json);
}

// Identifiers double-quoted (`a"b` → `"a""b"`, valid for PostgreSQL too) and string literals
// single-quoted, for the few places DuckDB takes no bound parameter (file paths in COPY/ATTACH):
// the driver's own quoting, passed on so nothing else imports the driver.
export { quotedIdentifier as quoteIdent, quotedString as quoteLiteral } from '@duckdb/node-api';

const sqlDir = path.join(PACKAGE_ROOT, 'sql');

const sqlTexts = new Map<string, string>();

/** The fixed statement in sql/<name>.sql, read once per process. */
export function sqlFile(name: string): string {
  let text = sqlTexts.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(sqlDir, `${name}.sql`), 'utf8');
    sqlTexts.set(name, text);
  }
  return text;
}
