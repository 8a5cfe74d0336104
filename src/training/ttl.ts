// Feature ttls as people write them (`90d`, `2w`, `12h`, `30m`): a whole number and one
// unit. A dozen lines here instead of a dependency such as `ms`, which would also accept
// `90` (milliseconds) or `1.5 years` — neither a sensible ttl for monthly snapshots.
import { InvocationError } from '../errors';

const SECONDS_PER_UNIT: Record<string, number> = { w: 7 * 86_400, d: 86_400, h: 3_600, m: 60 };

/** A ttl in seconds; `what` names the flag or view the text came from. */
export function parseTtl(text: string, what = '--ttl'): number {
  const match = /^([0-9]+)([wdhm])$/.exec(text.trim());
  if (!match) throw new InvocationError(`${what} ${JSON.stringify(text)}: expected a whole number and a unit w, d, h or m, e.g. 90d, 2w, 12h`);
  return Number(match[1]) * SECONDS_PER_UNIT[match[2]];
}
