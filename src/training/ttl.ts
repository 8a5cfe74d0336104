// Feature ttls as people write them (`90d`, `2w`, `12h`, `30m`): a whole number and one
// unit. A dozen lines here instead of a dependency such as `ms`, which would also accept
// `90` (milliseconds) or `1.5 years` — neither a sensible ttl for monthly snapshots.
import { InvocationError } from '../errors';

const SECONDS_PER_UNIT: Record<string, number> = { w: 7 * 86_400, d: 86_400, h: 3_600, m: 60 };

/**
 * The accepted range: at least a minute (a ttl of 0 would keep only a snapshot frozen at
 * the very instant of the row), at most 100 years (36500d), far beyond any monthly history
 * and well inside what the engine's intervals hold.
 */
const MIN_SECONDS = 60;
const MAX_DAYS = 36_500;
const MAX_SECONDS = MAX_DAYS * 86_400;

/** A ttl in seconds; `what` names the flag or view the text came from. */
export function parseTtl(text: string, what = '--ttl'): number {
  const match = /^([0-9]+)([wdhm])$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * SECONDS_PER_UNIT[match[2]] : Number.NaN;
  if (!(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS)) {
    const problem = match ? 'is out of range' : 'is not a duration';
    throw new InvocationError(
      `${what} ${JSON.stringify(text)} ${problem}: expected a whole number and a unit w, d, h or m, from 1m to ${MAX_DAYS}d (100 years), e.g. 90d, 2w, 12h`,
    );
  }
  return seconds;
}
