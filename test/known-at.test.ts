// Reading by knowledge time (issue 23): `--known-at` parsed as ISO 8601 into a UTC instant,
// and `query`, `query --as-of` and `training-set` reading, per as_of, the newest version
// recorded at or before it, on the real exports.
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvocationError } from '../src/errors';
import { knowledgeTime } from '../src/query/time-travel';
import { parseKnownAt } from '../src/snapshot/versions';
import { cli, REAL, REAL_EXPORTS, realWarehouse, requirePrerequisite, sha256, tempDir, withFlippedLabels } from './helpers';

/** January's churners in the real export, and after the correction. */
const JANUARY_CHURNERS = 1869;
/** Three users month_000 says did not churn, and the corrected export says did. */
const FLIPPED = 3;
const CORRECTED_CHURNERS = JANUARY_CHURNERS + FLIPPED;
const CHURNERS = 'SELECT count(*) FILTER (WHERE churn_label)::INTEGER AS churners FROM labels';

describe('--known-at as ISO 8601', () => {
  it.each([
    ['a date: its first instant, UTC', '2024-03-10', '2024-03-10T00:00:00.000Z'],
    ['Z', '2024-03-10T14:30:00Z', '2024-03-10T14:30:00.000Z'],
    ['a fraction, cut to milliseconds', '2024-03-10T14:30:00.123456Z', '2024-03-10T14:30:00.123Z'],
    ['a short fraction', '2024-03-10T14:30:00.5Z', '2024-03-10T14:30:00.500Z'],
    ['+01:00 converted to UTC', '2024-03-10T14:30:00+01:00', '2024-03-10T13:30:00.000Z'],
    ['an offset without colon, across midnight', '2024-03-10T22:30:00-0230', '2024-03-11T01:00:00.000Z'],
    ['an offset back into February of a leap year', '2024-03-01T00:30:00+01:00', '2024-02-29T23:30:00.000Z'],
    ['no zone means UTC', '2024-03-10T14:30:00', '2024-03-10T14:30:00.000Z'],
    ['a space and no seconds', '2024-03-10 14:30', '2024-03-10T14:30:00.000Z'],
  ])('%s: %s', (_, text, utc) => {
    expect(parseKnownAt(text)).toBe(utc);
  });

  it.each(['', 'yesterday', '10/03/2024', '2024-3-10', '2024-02-30', '2023-02-29', '2024-03-10T24:00', '2024-03-10T14:60', '2024-03-10T14:30:00+1'])(
    'refuses %j (exit 2)',
    (text) => {
      expect(() => parseKnownAt(text)).toThrow(InvocationError);
      expect(() => parseKnownAt(text)).toThrow(/not an ISO 8601 timestamp/);
    },
  );

  it('refuses a knowledge time after now: what will be known then may still change', () => {
    const now = new Date('2024-03-10T12:00:00.000Z');
    expect(knowledgeTime('2024-03-10T12:00:00Z', now)).toBe('2024-03-10T12:00:00.000Z');
    expect(knowledgeTime('2024-03-10T13:00:00+01:00', now)).toBe('2024-03-10T12:00:00.000Z');
    expect(() => knowledgeTime('2024-03-10T12:00:00.001Z', now)).toThrow(/is in the future/);
  });
});

describe.runIf(requirePrerequisite(REAL_EXPORTS))('--known-at on the real exports', () => {
  it('query and training-set exit 2 on a malformed or future --known-at, naming it', async () => {
    const warehouse = realWarehouse('january');
    for (const args of [
      ['query', '--known-at', '2024-13-01', 'SELECT 1'],
      ['query', '--as-of', '2024-01-31', '--known-at', 'last week', 'SELECT 1'],
      ['training-set', '--as-of', '2024-01-31', '--known-at', '2999-01-01'],
    ]) {
      const result = await cli('--warehouse', warehouse, ...args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/--known-at .*(not an ISO 8601 timestamp|in the future)/);
    }
  });
});

describe.runIf(requirePrerequisite(REAL_EXPORTS))('a correction of January, read by knowledge time (both months frozen)', () => {
  let warehouse: string;
  const out = tempDir();
  const at = (...args: string[]) => cli('--warehouse', warehouse, ...args);
  const churners = async (...flags: string[]) => {
    const result = await at('--json', 'query', '--as-of', '2024-01-31', ...flags, CHURNERS);
    expect(result.code, result.stderr).toBe(0);
    return { churners: result.json[0].churners as number, stderr: result.stderr };
  };
  /** The training set over January before the correction, and the knowledge time its summary names. */
  let before: { file: string; knownAt: string };

  beforeAll(async () => {
    warehouse = realWarehouse('february');
    const file = path.join(out, 'before.parquet');
    const built = await at('--json', 'training-set', '--as-of', '2024-01-31', '--out', file);
    expect(built.code, built.stderr).toBe(0);
    before = { file, knownAt: built.json.known_at };
    const { seeds } = withFlippedLabels(REAL, 'month_000', FLIPPED);
    const corrected = await cli('--seeds', seeds, '--warehouse', warehouse, 'ingest', 'month_000', '2024-01-31', '--correction', 'labels fixed');
    expect(corrected.code, corrected.stderr).toBe(0);
  });

  it('query --as-of 2024-01-31 counts the corrected churners; --known-at before the correction 1,869 again', async () => {
    expect(await churners()).toMatchObject({ churners: CORRECTED_CHURNERS });
    const known = await churners('--known-at', before.knownAt);
    expect(known.churners).toBe(JANUARY_CHURNERS);
    expect(known.stderr).toMatch(`version 1 of every table, as known at ${before.knownAt}`);
    // The newest version names itself and its reason.
    expect((await churners()).stderr).toMatch(/version 2 of labels \(labels fixed\)/);
  });

  it('snapshots.<table> reads one version per as_of: the newest, or the one known at --known-at', async () => {
    const perAsOf = `SELECT strftime(as_of, '%Y-%m-%d') AS as_of, count(*)::INTEGER AS n, count(*) FILTER (WHERE churn_label)::INTEGER AS churners
                     FROM snapshots.labels GROUP BY ALL ORDER BY 1`;
    const newest = await at('--json', 'query', perAsOf);
    expect(newest.json).toEqual([
      { as_of: '2024-01-31', n: 7043, churners: CORRECTED_CHURNERS },
      { as_of: '2024-02-29', n: 7043, churners: 1701 },
    ]);
    const known = await at('--json', 'query', '--known-at', before.knownAt, perAsOf);
    expect(known.json[0]).toEqual({ as_of: '2024-01-31', n: 7043, churners: JANUARY_CHURNERS });
  });

  it("the training set over January rebuilt --known-at the first build's time is byte-identical; without it, it reads the correction", async () => {
    const rebuilt = path.join(out, 'rebuilt.parquet');
    const known = await at('--json', 'training-set', '--as-of', '2024-01-31', '--known-at', before.knownAt, '--out', rebuilt);
    expect(known.code, known.stderr).toBe(0);
    expect(sha256(rebuilt)).toBe(sha256(before.file));
    expect(known.json.known_at).toBe(before.knownAt);
    expect(known.json.versions_read.label).toMatchObject([{ table_name: 'labels', as_of: '2024-01-31', version: 1 }]);

    const newest = path.join(out, 'newest.parquet');
    const corrected = await at('--json', 'training-set', '--as-of', '2024-01-31', '--out', newest);
    expect(corrected.code, corrected.stderr).toBe(0);
    expect(sha256(newest)).not.toBe(sha256(before.file));
    expect(corrected.json.versions_read.label).toMatchObject([{ table_name: 'labels', as_of: '2024-01-31', version: 2 }]);
    expect(corrected.json.versions_read.entities).toMatchObject({ table_name: 'labels', as_of: '2024-01-31', version: 2 });
    expect(corrected.json.known_at > before.knownAt).toBe(true);
  });
});
