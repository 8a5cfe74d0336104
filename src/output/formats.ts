// The one list of output formats: what `--format` prints on stdout and what an `--out`
// file's extension asks for, for `query`, `training-set` and the library's results alike.
import * as path from 'node:path';
import { InvocationError } from '../errors';

/** What stdout carries (`--format`); Parquet is written to files only. */
const STDOUT_FORMATS = ['table', 'csv', 'json', 'arrow'] as const;
export type StdoutFormat = (typeof STDOUT_FORMATS)[number];

/** What an `--out` file's extension asks for: a table is for people on a terminal. */
const FILE_FORMATS_BY_EXTENSION = { '.csv': 'csv', '.json': 'json', '.parquet': 'parquet', '.arrow': 'arrow' } as const;
export type FileFormat = (typeof FILE_FORMATS_BY_EXTENSION)[keyof typeof FILE_FORMATS_BY_EXTENSION];

/** The format `--format NAME` asks for on stdout; exit 2 for any other name. */
export function stdoutFormat(name: string): StdoutFormat {
  const format = STDOUT_FORMATS.find((candidate) => candidate === name);
  if (format === undefined) throw new InvocationError(`--format ${name}: expected ${STDOUT_FORMATS.join(', ')}`);
  return format;
}

/** The format an output file's extension asks for (case-insensitive); exit 2 for any other extension. */
export function fileFormat(file: string, flag = '--out'): FileFormat {
  const extension = path.extname(file).toLowerCase();
  const format = Object.hasOwn(FILE_FORMATS_BY_EXTENSION, extension)
    ? FILE_FORMATS_BY_EXTENSION[extension as keyof typeof FILE_FORMATS_BY_EXTENSION]
    : undefined;
  if (format === undefined) {
    const extensions = Object.keys(FILE_FORMATS_BY_EXTENSION);
    throw new InvocationError(`${flag} ${file}: the extension says the format: ${extensions.slice(0, -1).join(', ')} or ${extensions.at(-1)}`);
  }
  return format;
}
