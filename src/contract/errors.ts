// A contract or project file that cannot be read as written: exit 2 like any other bad
// invocation (nothing was written), with the place in the file and what was expected there.
import { InvocationError } from '../errors';

/** A line and column in a file, both 1-based. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/** `<file>:<line>:<col>: <what is wrong>; expected <what>` (no line and column when the file itself is missing). */
export class ContractError extends InvocationError {
  constructor(
    readonly file: string,
    readonly position: Position | undefined,
    readonly problem: string,
    readonly expected: string,
  ) {
    super(`${file}${position ? `:${position.line}:${position.col}` : ''}: ${problem}; expected ${expected}`);
  }
}
