// Retries for transient faults only (a busy lock, a file briefly unreadable), with
// exponential backoff and full jitter from `exponential-backoff`. Data errors are
// never transient: `isTransient` decides, and anything else fails at the first attempt.
import { backOff } from 'exponential-backoff';

export interface RetryPolicy {
  readonly isTransient: (error: unknown) => boolean;
  readonly attempts?: number;
  readonly startingDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Called before each new attempt, e.g. to log it. */
  readonly onRetry?: (error: unknown, nextAttempt: number) => void;
}

export async function withRetry<T>(work: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const attempts = policy.attempts ?? 20;
  return backOff(work, {
    numOfAttempts: attempts,
    startingDelay: policy.startingDelayMs ?? 25,
    timeMultiple: 2,
    maxDelay: policy.maxDelayMs ?? 1000,
    jitter: 'full',
    // exponential-backoff passes the number of the attempt that just failed.
    retry: (error, failedAttempt) => {
      if (!policy.isTransient(error)) return false;
      // exponential-backoff asks after the last attempt too: no "retrying (attempt 7)" of 6.
      if (failedAttempt < attempts) policy.onRetry?.(error, failedAttempt + 1);
      return true;
    },
  });
}
