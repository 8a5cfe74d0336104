// The one output writer: a SELECT's result printed on stdout (`--format`) or written to a
// user-named file (`--out`, by its extension), for `query`, `training-set` and the library's
// results. One list of formats (formats.ts), each rendered by one function (render.ts) whose
// values' texts are DuckDB's own; files are written beside their target and renamed over
// it, with every check of warehouse/output.ts.
// May import: base, contract, artifacts, config, engine, warehouse (the layer rule, .dependency-cruiser.cjs).
import * as fs from 'node:fs';
import type { Engine } from '../engine/duckdb';
import { type UserOutput, writeUserOutput } from '../warehouse/output';
import type { FileFormat, StdoutFormat } from './formats';
import { arrowBytes, csvText, jsonText, type ParquetOptions, type RenderOptions, tableText, writeParquet } from './render';

// One function per format (render.ts: tableText, csvText, jsonText, arrowBytes) for callers that want the content itself.
export { type FileFormat, fileFormat, type StdoutFormat, stdoutFormat } from './formats';
export { type RenderOptions, tableText } from './render';
export { formatRecords, textTable } from './table';

export type WriteOptions = RenderOptions & ParquetOptions;

/** `sql`'s result for stdout in `format`: text, or Arrow IPC bytes. */
export async function printableResult(engine: Engine, sql: string, format: StdoutFormat, options: RenderOptions = {}): Promise<string | Uint8Array> {
  switch (format) {
    case 'table':
      return tableText(engine, sql);
    case 'csv':
      return (await csvText(engine, sql)).text;
    case 'json':
      return (await jsonText(engine, sql, options)).text;
    case 'arrow':
      return (await arrowBytes(engine, sql)).bytes;
  }
}

/**
 * Writes `sql`'s result in `format` to a checked user-named output (warehouse/output.ts
 * checkUserOutput): into its temporary file, renamed over the target once the checks hold
 * again. Returns the rows written. Only Parquet is written by DuckDB itself, so only
 * `output.temporary` need be allowed to a sealed engine.
 */
export async function writeResult(engine: Engine, sql: string, output: UserOutput, format: FileFormat, options: WriteOptions = {}): Promise<number> {
  if (format === 'parquet') return writeUserOutput(output, (temporary) => writeParquet(engine, sql, temporary, options));
  const { content, rows } = await fileContent(engine, sql, format, options);
  await writeUserOutput(output, (temporary) => fs.writeFileSync(temporary, content));
  return rows;
}

async function fileContent(
  engine: Engine,
  sql: string,
  format: Exclude<FileFormat, 'parquet'>,
  options: RenderOptions,
): Promise<{ content: string | Uint8Array; rows: number }> {
  switch (format) {
    case 'csv': {
      const { text, rows } = await csvText(engine, sql);
      return { content: text, rows };
    }
    case 'json': {
      const { text, rows } = await jsonText(engine, sql, options);
      return { content: text, rows };
    }
    case 'arrow': {
      const { bytes, rows } = await arrowBytes(engine, sql);
      return { content: bytes, rows };
    }
  }
}
