// What a run tells people while it works, always on stderr (process.stderr, which
// Node writes synchronously to files and pipes, so nothing is lost at exit): pino for the records
// (JSON lines with --log-format json, pino-pretty's human lines otherwise) and a
// cli-progress bar for long tasks, only on a terminal.

import type { SingleBar } from 'cli-progress';
import pino from 'pino';
import type { TaskRun } from '../artifacts';
import type { LogFormat, Verbosity } from '../config';

export interface LogOptions {
  readonly format: LogFormat;
  readonly verbosity: Verbosity;
  /** Whether stderr is a terminal: progress bars and colours only then. */
  readonly tty: boolean;
  /** Progress bars even on a terminal? Off for --json, whose caller reads a machine's output. Default true. */
  readonly progress?: boolean;
  /** A bar appears only for a task still going after this long, so short runs print none. Default 1000. */
  readonly progressDelayMs?: number;
}

export interface Logger {
  taskStarted(task: string): void;
  taskRetrying(task: string, nextAttempt: number, error: unknown): void;
  /** `unit` names what run.rows counts (default rows). */
  taskEnded(run: TaskRun, unit?: string): void;
  /** `done` of `total` units (bytes, tables) of a long task; `item` is what it works on now. */
  progress(task: string, done: number, total: number, unit: string, item?: string): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

const LEVELS: Record<Verbosity, pino.Level> = { quiet: 'warn', normal: 'info', verbose: 'debug' };

type PrettyStream = ReturnType<typeof import('pino-pretty')>;

/** One pretty stream per colour setting: each one adds listeners to process.stderr. */
const prettyStreams = new Map<boolean, PrettyStream>();

function prettyStream(colorize: boolean): PrettyStream {
  let stream = prettyStreams.get(colorize);
  if (!stream) {
    // Loaded on first use: pino-pretty adds ~45 ms of start-up that json or quiet runs never need.
    const pretty = require('pino-pretty') as typeof import('pino-pretty');
    stream = pretty({ destination: process.stderr, sync: true, colorize, hideObject: true, translateTime: 'HH:MM:ss.l' });
    prettyStreams.set(colorize, stream);
  }
  return stream;
}

function mebibytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

export function createLogger(options: LogOptions): Logger {
  const level = LEVELS[options.verbosity];
  const base = { base: undefined, level, timestamp: pino.stdTimeFunctions.isoTime };
  const log =
    options.format === 'json'
      ? pino(base, process.stderr)
      : // pino-pretty is made (and loaded) at the first line written; a quiet run may write none.
        pino(base, { write: (line: string) => prettyStream(options.tty).write(line) });
  const showProgress = options.tty && options.progress !== false && options.format === 'pretty' && options.verbosity !== 'quiet';
  const taskStarts = new Map<string, number>();
  let bar: { task: string; bar: SingleBar } | undefined;
  const stopBar = () => {
    bar?.bar.stop();
    bar = undefined;
  };

  return {
    taskStarted: (task) => {
      taskStarts.set(task, performance.now());
      log.debug({ task, state: 'running' }, `${task}: running`);
    },
    taskRetrying: (task, nextAttempt, error) =>
      log.warn(
        { task, state: 'retrying', attempt: nextAttempt, error: errorText(error) },
        `${task}: retrying (attempt ${nextAttempt}) after a transient fault: ${errorText(error)}`,
      ),
    taskEnded: (run, unit = 'rows') => {
      if (bar?.task === run.task) stopBar();
      const text = `${run.task}: ${run.state} in ${run.duration_ms} ms${run.rows === null ? '' : `, ${run.rows} ${unit}`}${run.attempts > 1 ? `, ${run.attempts} attempts` : ''}`;
      const fields = { task: run.task, state: run.state, duration_ms: run.duration_ms, rows: run.rows, attempts: run.attempts, error: run.error ?? undefined };
      if (run.state === 'failed') log.warn(fields, text);
      else log.info(fields, text);
    },
    progress: (task, done, total, unit, item) => {
      log.debug({ task, done, total, unit, item }, `${task}: ${done}/${total} ${unit}${item ? ` (${item})` : ''}`);
      if (!showProgress) return;
      if (bar?.task !== task) {
        if (performance.now() - (taskStarts.get(task) ?? performance.now()) < (options.progressDelayMs ?? 1000)) return;
        stopBar();
        // Loaded here, on a terminal only: a run in a pipe or a test never needs it.
        const { SingleBar: Bar } = require('cli-progress') as typeof import('cli-progress');
        const formatValue = (value: number, _options: unknown, kind: string) =>
          unit === 'bytes' && (kind === 'value' || kind === 'total') ? mebibytes(value) : String(value);
        bar = {
          task,
          bar: new Bar({
            format: `${task} [{bar}] {value}/{total} ${unit === 'bytes' ? 'MiB' : unit} {item}`,
            formatValue,
            stream: process.stderr,
            clearOnComplete: true,
            hideCursor: false,
          }),
        };
        bar.bar.start(total, done, { item: item ?? '' });
      }
      bar.bar.update(done, { item: item ?? '' });
    },
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
  };
}

/** For library use and tests: task lines on stderr, nothing else. */
export function defaultLogger(): Logger {
  return createLogger({ format: 'pretty', verbosity: 'normal', tty: false });
}
