// Tasks of a flow run, as an orchestrator would keep them: a state each (pending,
// running, completed, failed, retrying, skipped), attempts and times. Retries apply to
// transient faults only, through withRetry; a data error fails at its first attempt.
import type { TaskRun } from '../artifacts';
import { withRetry } from '../engine/retry';
import type { Logger } from './log';

export interface TaskPolicy {
  /** Attempts in all, the first included. Default 1: no retry. */
  readonly attempts?: number;
  readonly isTransient?: (error: unknown) => boolean;
  readonly startingDelayMs?: number;
}

export interface TaskOutcome<T> {
  readonly value: T;
  readonly rows?: number;
  /** What `rows` counts, when not rows (e.g. validate's expectations): for the log line. */
  readonly unit?: string;
  /**
   * The task ran to its end and found against the month (a rejection, a refusal): it is
   * recorded as failed with this reason, and its value (the run's verdict) still handed on.
   */
  readonly failed?: Error;
}

export class FlowTasks {
  readonly runs: TaskRun[];

  constructor(
    names: readonly string[],
    private readonly logger: Logger,
  ) {
    this.runs = names.map((task) => ({ task, state: 'pending', attempts: 0, started_at: null, ended_at: null, duration_ms: null, rows: null, error: null }));
  }

  /** Adds a task after the others (one the flow decides to run late, like sync); returns its position. */
  append(name: string): number {
    this.runs.push({ task: name, state: 'pending', attempts: 0, started_at: null, ended_at: null, duration_ms: null, rows: null, error: null });
    return this.runs.length - 1;
  }

  private get(name: string): TaskRun {
    const run = this.runs.find((candidate) => candidate.task === name);
    if (!run) throw new Error(`task ${name} is not part of this flow`);
    return run;
  }

  async run<T>(name: string, work: () => Promise<TaskOutcome<T>>, policy: TaskPolicy = {}): Promise<T> {
    const run = this.get(name);
    const started = performance.now();
    let unit: string | undefined;
    run.state = 'running';
    run.started_at = new Date().toISOString();
    this.logger.taskStarted(name);
    try {
      const outcome = await withRetry(
        () => {
          run.attempts += 1;
          return work();
        },
        {
          attempts: policy.attempts ?? 1,
          startingDelayMs: policy.startingDelayMs ?? 50,
          isTransient: policy.isTransient ?? (() => false),
          onRetry: (error, nextAttempt) => {
            run.state = 'retrying';
            this.logger.taskRetrying(name, nextAttempt, error);
          },
        },
      );
      if (outcome.failed) {
        markFailed(run, outcome.failed);
      } else {
        run.state = 'completed';
        run.rows = outcome.rows ?? null;
        unit = outcome.unit;
      }
      return outcome.value;
    } catch (error) {
      markFailed(run, error);
      throw error;
    } finally {
      run.ended_at = new Date().toISOString();
      run.duration_ms = Math.round((performance.now() - started) * 1000) / 1000;
      this.logger.taskEnded(run, unit);
    }
  }

  /** A progress callback for a long task (shown as a bar on a terminal). */
  progress(task: string, unit: string): (done: number, total: number, item?: string) => void {
    return (done, total, item) => this.logger.progress(task, done, total, unit, item);
  }

  /** Marks every task still pending as skipped (the run ended before them). */
  skipPending(): void {
    for (const run of this.runs) if (run.state === 'pending') run.state = 'skipped';
  }
}

function markFailed(run: TaskRun, error: unknown): void {
  run.state = 'failed';
  run.error = error instanceof Error ? error.message : String(error);
}
