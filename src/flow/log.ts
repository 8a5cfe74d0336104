// What a run tells a person while it works, on stderr. (Replaced by the structured logger of issue 5.)
import type { TaskRun } from './tasks';

export interface Logger {
  taskStarted(task: string): void;
  taskRetrying(task: string, nextAttempt: number, error: unknown): void;
  taskEnded(run: TaskRun): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

export function stderrLogger(): Logger {
  const write = (line: string) => process.stderr.write(`${line}\n`);
  return {
    taskStarted: () => undefined,
    taskRetrying: (task, nextAttempt, error) => write(`${task}: attempt ${nextAttempt} after ${(error as Error)?.message ?? error}`),
    taskEnded: (run) => write(`${run.task}: ${run.state} in ${run.duration_ms} ms${run.rows === null ? '' : `, ${run.rows} rows`}`),
    info: (message) => write(message),
  };
}
