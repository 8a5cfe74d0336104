// training-set (issue 12) on the real exports, both months frozen: point-in-time values,
// which label, ttl, no leakage, the output formats, determinism, and query --as-of.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { tableOf } from '../src/contract/contract';
import { openEngine, quoteIdent, quoteLiteral } from '../src/engine/duckdb';
import { assertNoLeakage, LeakageError } from '../src/training';
import { selectFeatures } from '../src/training/select';
import { CHURN } from '../tools/churn-contract';
import { cli, REAL, REAL_EXPORTS, realWarehouse, requirePrerequisite, sha256, tempDir } from './helpers';

const REFERENCE = path.resolve(REAL, '..', 'streamflow-reference', 'training_df_2024-01-31.csv');
const DEFAULT_VIEWS = CHURN.featureViews.filter((view) => view.default);
/** Users with net_service = 'No': plan_stream_tv/movies are NULL for them. */
const WITHOUT_INTERNET = 1526;

/** Runs one SQL statement in a fresh engine (no warehouse attached) and returns its rows. */
async function sql<T extends Record<string, unknown> = Record<string, unknown>>(statement: string): Promise<T[]> {
  const engine = await openEngine();
  try {
    return await engine.rows<T>(statement);
  } finally {
    engine.close();
  }
}

/**
 * Per feature column and the label: rows of a training set whose value differs from the
 * month's CSV read with the contract's type (NULL = NULL), plus `joined`, the rows matched by user.
 */
async function differencesFromMonth(trainingSet: string, month: string): Promise<Record<string, number>> {
  const sources = [...DEFAULT_VIEWS.map((view) => ({ table: view.table, columns: view.features })), { table: 'labels' as const, columns: ['churn_label'] }];
  const result: Record<string, number> = {};
  for (const { table, columns } of sources) {
    const spec = tableOf(CHURN, table);
    const checks = columns.map((column) => {
      const type = spec.columns.find((candidate) => candidate.name === column)!.type;
      return `count(*) FILTER (WHERE t.${quoteIdent(column)} IS DISTINCT FROM TRY_CAST(m.${quoteIdent(column)} AS ${type})) AS ${quoteIdent(column)}`;
    });
    const [row] = await sql<Record<string, number>>(
      `SELECT count(*) AS joined, ${checks.join(', ')}
       FROM read_parquet(${quoteLiteral(trainingSet)}) AS t
       JOIN read_csv(${quoteLiteral(path.join(REAL, month, `${table}.csv`))}, header = true, all_varchar = true) AS m USING ("user_id")`,
    );
    expect(row.joined, `${table} rows joined`).toBe(7043);
    for (const column of columns) result[column] = row[column];
  }
  return result;
}

function zeroes(columns: readonly string[]): Record<string, number> {
  return Object.fromEntries(columns.map((column) => [column, 0]));
}

const ALL_COLUMNS = [...DEFAULT_VIEWS.flatMap((view) => view.features), 'churn_label'];

// Needs no warehouse: its rows are planted.
describe('the leakage check', () => {
  it('fails loudly on a value frozen after its row', async () => {
    const engine = await openEngine();
    try {
      const views = selectFeatures(CHURN, 'usage_agg_30d.*').map((selected) => ({ ...selected, ttlSeconds: null }));
      await engine.run(
        `CREATE TABLE planted AS SELECT * FROM (VALUES ('0002-ORFBO', TIMESTAMP '2024-02-15', DATE '2024-01-31'), ('0003-MKNFE', TIMESTAMP '2024-02-15', DATE '2024-02-29'))
         AS t("user_id", "event_timestamp", "usage_agg_30d__as_of")`,
      );
      await expect(assertNoLeakage(engine, CHURN, 'planted', views)).rejects.toThrow(LeakageError);
      await expect(assertNoLeakage(engine, CHURN, 'planted', views)).rejects.toThrow(/1 rows of view usage_agg_30d .*0003-MKNFE/);
      await engine.run(`DELETE FROM planted WHERE "user_id" = '0003-MKNFE'`);
      await expect(assertNoLeakage(engine, CHURN, 'planted', views)).resolves.toBeUndefined();
    } finally {
      engine.close();
    }
  });
});

describe.runIf(requirePrerequisite(REAL_EXPORTS))('training-set on the real exports', () => {
  const warehouse = tempDir();
  const out = tempDir('streamflow-training-');
  const trainingSet = (...args: string[]) => cli('--warehouse', warehouse, ...args);
  /** Writes an entity CSV into the output folder and returns its path. */
  const entityFile = (name: string, lines: readonly string[]) => {
    const file = path.join(out, name);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  let january: string;
  let januaryNextLabel: string;

  beforeAll(async () => {
    realWarehouse('february', warehouse);
    january = path.join(out, 'january.parquet');
    januaryNextLabel = path.join(out, 'january-horizon-1.parquet');
    expect((await trainingSet('training-set', '--as-of', '2024-01-31', '--out', january)).code).toBe(0);
    expect((await trainingSet('training-set', '--as-of', '2024-01-31', '--label-horizon', '1', '--out', januaryNextLabel)).code).toBe(0);
  });

  it('--as-of 2024-01-31 gives 7,043 rows with month_000 values and labels, plan_stream_* NULL for the 1,526 users without internet', async () => {
    const [shape] = await sql<{ rows: number; dates: string[]; tv_null: number; movies_null: number; no_internet: number }>(
      `SELECT count(*) AS rows, list(DISTINCT strftime(event_timestamp, '%Y-%m-%d')) AS dates,
              count(*) FILTER (WHERE plan_stream_tv IS NULL) AS tv_null, count(*) FILTER (WHERE plan_stream_movies IS NULL) AS movies_null,
              count(*) FILTER (WHERE plan_stream_tv IS NULL AND net_service = 'No') AS no_internet
       FROM read_parquet(${quoteLiteral(january)})`,
    );
    expect(shape).toEqual({ rows: 7043, dates: ['2024-01-31'], tv_null: WITHOUT_INTERNET, movies_null: WITHOUT_INTERNET, no_internet: WITHOUT_INTERNET });
    expect(await differencesFromMonth(january, 'month_000')).toEqual(zeroes(ALL_COLUMNS));
  });

  it('--as-of 2024-02-29 gives month_001 values and labels', async () => {
    const february = path.join(out, 'february.parquet');
    const result = await trainingSet('--json', 'training-set', '--as-of', '2024-02-29', '--out', february);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ schema_version: '1.2', rows: 7043, label: 'same_as_of', source_as_of: { min: '2024-02-29', max: '2024-02-29' } });
    expect(await differencesFromMonth(february, 'month_001')).toEqual(zeroes(ALL_COLUMNS));
  });

  it('matches the reference training set: every feature equal except the 1,526 plan_stream_* it turned into True; its labels are --label-horizon 1', async () => {
    const features = DEFAULT_VIEWS.flatMap((view) =>
      view.features.map((column) => ({ column, type: tableOf(CHURN, view.table).columns.find((c) => c.name === column)!.type })),
    );
    // Money to the cent (the reference went through floats), floats to 1e-9, the rest exactly.
    const differs = (column: string, type: string) => {
      const ours = `t.${quoteIdent(column)}`;
      const theirs = `r.${quoteIdent(column)}`;
      if (type.startsWith('DECIMAL')) return `round(${theirs}::DOUBLE, 2)::${type} IS DISTINCT FROM ${ours}`;
      if (type === 'DOUBLE') return `NOT (abs(${theirs}::DOUBLE - ${ours}) <= 1e-9)`;
      return `TRY_CAST(${theirs} AS ${type}) IS DISTINCT FROM ${ours}`;
    };
    const [row] = await sql<Record<string, number>>(
      `SELECT count(*) AS joined, ${features.map(({ column, type }) => `count(*) FILTER (WHERE ${differs(column, type)}) AS ${quoteIdent(column)}`).join(', ')},
              count(*) FILTER (WHERE t.plan_stream_tv IS NULL AND r.plan_stream_tv = 'True' AND t.plan_stream_movies IS NULL AND r.plan_stream_movies = 'True') AS nulls_made_true,
              count(*) FILTER (WHERE r.churn_label::BOOLEAN IS DISTINCT FROM h.churn_label) AS label_vs_horizon_1,
              count(*) FILTER (WHERE t.churn_label IS DISTINCT FROM h.churn_label) AS same_month_vs_horizon_1
       FROM read_csv(${quoteLiteral(REFERENCE)}, header = true, all_varchar = true) AS r
       JOIN read_parquet(${quoteLiteral(january)}) AS t USING ("user_id")
       JOIN read_parquet(${quoteLiteral(januaryNextLabel)}) AS h USING ("user_id")`,
    );
    expect(row).toEqual({
      joined: 7043,
      ...zeroes(features.map((feature) => feature.column)),
      plan_stream_tv: WITHOUT_INTERNET,
      plan_stream_movies: WITHOUT_INTERNET,
      nulls_made_true: WITHOUT_INTERNET,
      label_vs_horizon_1: 0,
      same_month_vs_horizon_1: 2652,
    });
  });

  it('--label-horizon 1 with no next month frozen: exit 1 naming why and nothing written; with --allow-empty the counted empty set', async () => {
    const target = path.join(out, 'no-next.csv');
    const refused = await trainingSet('--json', 'training-set', '--as-of', '2024-02-29', '--label-horizon', '1', '--out', target);
    expect(refused.code).toBe(1);
    expect(refused.json.error).toMatchObject({ kind: 'data_rejected', exit_code: 1 });
    expect(refused.json.error.message).toMatch(
      /^training-set: 0 rows: all 7043 entity rows of labels snapshot as_of 2024-02-29 were left out for want of a label, the next frozen month's \(--label-horizon 1\), and no such labels snapshot is frozen yet; .*--allow-empty/,
    );
    expect(fs.existsSync(target)).toBe(false);
    const allowed = await trainingSet('--json', 'training-set', '--as-of', '2024-02-29', '--label-horizon', '1', '--allow-empty', '--out', target);
    expect(allowed.code).toBe(0);
    expect(allowed.json).toMatchObject({ rows: 0, labels_left_out: 7043, label: 'next_as_of' });
    expect(fs.readFileSync(target, 'utf8').trim().split('\n')).toHaveLength(1); // the header alone
    const noRows = entityFile('no-rows.csv', ['user_id,event_timestamp']);
    const empty = await trainingSet('training-set', '--entities', noRows, '--out', path.join(out, 'none.parquet'));
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/training-set: the entity rows \(.*no-rows\.csv\) are empty/);
  });

  it('entity rows get the newest snapshot at or before their time within the ttl, in entity order; a later snapshot is never used', async () => {
    const [user] = await sql<{ user_id: string; january: number; february: number }>(
      `SELECT j.user_id, j.watch_hours_30d::DOUBLE AS january, f.watch_hours_30d::DOUBLE AS february
       FROM read_csv(${quoteLiteral(path.join(REAL, 'month_000', 'usage_agg_30d.csv'))}, all_varchar = true) AS j
       JOIN read_csv(${quoteLiteral(path.join(REAL, 'month_001', 'usage_agg_30d.csv'))}, all_varchar = true) AS f USING (user_id)
       ORDER BY user_id LIMIT 1`,
    );
    expect(user.january).not.toBe(user.february);
    // The February snapshot (2024-02-29) is dated after all but the last row: the row one second before it must not see it.
    // And a partition planted by hand (February's values dated 2024-02-10, in no manifest) must not be read at all.
    const planted = path.join(warehouse, 'snapshots', 'usage_agg_30d', 'as_of=2024-02-10');
    fs.mkdirSync(planted);
    fs.copyFileSync(path.join(warehouse, 'snapshots', 'usage_agg_30d', 'as_of=2024-02-29', 'data_0.parquet'), path.join(planted, 'data_0.parquet'));
    onTestFinished(() => fs.rmSync(planted, { recursive: true }));
    const entities = entityFile('entities.csv', [
      'user_id,event_timestamp',
      `${user.user_id},2024-02-15`,
      `${user.user_id},2024-01-15`,
      `${user.user_id},2024-02-28 23:59:59`,
      `${user.user_id},2024-02-29`,
    ]);
    const result = await trainingSet('--json', 'training-set', '--entities', entities, '--with-source-as-of', '--out', path.join(out, 'entities.csv.parquet'));
    expect(result.code).toBe(0);
    const rows = await sql<{ ts: string; watch: number | null; fee: string | null; usage_as_of: string | null; label: boolean | null }>(
      `SELECT strftime(event_timestamp, '%Y-%m-%d %H:%M:%S') AS ts, watch_hours_30d AS watch, monthly_fee::VARCHAR AS fee,
              strftime(usage_agg_30d__as_of, '%Y-%m-%d') AS usage_as_of, churn_label AS label
       FROM read_parquet(${quoteLiteral(path.join(out, 'entities.csv.parquet'))})`,
    );
    expect(rows.map(({ ts, watch, usage_as_of }) => [ts, watch, usage_as_of])).toEqual([
      ['2024-02-15 00:00:00', user.january, '2024-01-31'],
      ['2024-01-15 00:00:00', null, null],
      ['2024-02-28 23:59:59', user.january, '2024-01-31'],
      ['2024-02-29 00:00:00', user.february, '2024-02-29'],
    ]);
    expect(rows[1].fee).toBeNull();
    expect(rows[1].label).toBeNull();
    expect(result.json).toMatchObject({ rows: 4, rows_without_label: 1, rows_missing_features: { usage_agg_30d: 1, subscriptions_profile: 1 } });

    const shortTtl = await trainingSet('--json', 'training-set', '--entities', entities, '--ttl', '10d', '--out', path.join(out, 'ttl.parquet'));
    expect(shortTtl.code).toBe(0);
    const watched = await sql<{ watch: number | null }>(`SELECT watch_hours_30d AS watch FROM read_parquet(${quoteLiteral(path.join(out, 'ttl.parquet'))})`);
    expect(watched.map((row) => row.watch)).toEqual([null, null, null, user.february]);
  });

  // The tables of a date are read side by side, row by row: a snapshot lacking its first user
  // lines up with the others no more, and is read on its own. The first table read (subscriptions)
  // is the one the entity rows are looked up in: lacking its last user, it still lines up with
  // the others where it holds a row, and the user it lacks must still get their other values.
  it.each([
    { table: 'usage_agg_30d', view: 'usage_agg_30d', lacks: 'first' },
    { table: 'subscriptions', view: 'subscriptions_profile', lacks: 'last' },
  ])(
    'a $table snapshot lacking its $lacks user, whom the other tables of that date hold, gives that user NULL for view $view alone, and every other user its own values',
    async ({ table, view, lacks }) => {
      const [first, second] = await sql<{ user_id: string; watch: number; fee: string }>(
        `SELECT u.user_id, u.watch_hours_30d::DOUBLE AS watch, s.monthly_fee AS fee
       FROM read_csv(${quoteLiteral(path.join(REAL, 'month_000', 'usage_agg_30d.csv'))}, all_varchar = true) AS u
       JOIN read_csv(${quoteLiteral(path.join(REAL, 'month_000', 'subscriptions.csv'))}, all_varchar = true) AS s USING (user_id)
       ORDER BY user_id ${lacks === 'first' ? 'ASC' : 'DESC'} LIMIT 2`,
      );
      const snapshot = path.join(warehouse, 'snapshots', table, 'as_of=2024-01-31', 'data_0.parquet');
      const kept = `${snapshot}.kept`;
      fs.copyFileSync(snapshot, kept);
      onTestFinished(() => fs.renameSync(kept, snapshot));
      await sql(
        `COPY (SELECT * FROM read_parquet(${quoteLiteral(kept)}) WHERE user_id <> ${quoteLiteral(first.user_id)} ORDER BY user_id) TO ${quoteLiteral(snapshot)} (FORMAT parquet)`,
      );
      const entities = entityFile('one-fewer.csv', ['user_id,event_timestamp', `${first.user_id},2024-02-15`, `${second.user_id},2024-02-15`]);
      const result = await trainingSet('--json', 'training-set', '--entities', entities, '--with-source-as-of', '--out', path.join(out, 'one-fewer.parquet'));
      expect(result.code).toBe(0);
      const rows = await sql<{ user_id: string; watch: number | null; usage_as_of: string | null; fee: string | null; label: boolean | null }>(
        `SELECT user_id, watch_hours_30d AS watch, strftime(usage_agg_30d__as_of, '%Y-%m-%d') AS usage_as_of, monthly_fee::VARCHAR AS fee, churn_label AS label
       FROM read_parquet(${quoteLiteral(path.join(out, 'one-fewer.parquet'))})`,
      );
      const usageLacks = view === 'usage_agg_30d';
      expect(rows.map(({ user_id, watch, usage_as_of, fee }) => [user_id, watch, usage_as_of, fee === null ? null : Number(fee)])).toEqual([
        [first.user_id, usageLacks ? null : first.watch, usageLacks ? null : '2024-01-31', usageLacks ? Number(first.fee) : null],
        [second.user_id, second.watch, '2024-01-31', Number(second.fee)],
      ]);
      expect(rows.every((row) => row.label !== null)).toBe(true);
      expect(result.json).toMatchObject({
        rows: 2,
        rows_missing_features: { usage_agg_30d: usageLacks ? 1 : 0, subscriptions_profile: usageLacks ? 0 : 1, payments_agg_90d: 0, support_agg_90d: 0 },
      });
    },
  );

  it('a snapshot of several row groups is read in two halves of its keys, and gives the same training set byte for byte', async () => {
    const subscriptions = path.join(warehouse, 'snapshots', 'subscriptions', 'as_of=2024-01-31', 'data_0.parquet');
    const kept = `${subscriptions}.kept`;
    fs.copyFileSync(subscriptions, kept);
    onTestFinished(() => fs.renameSync(kept, subscriptions));
    await sql(
      `COPY (SELECT * FROM read_parquet(${quoteLiteral(kept)}) ORDER BY user_id) TO ${quoteLiteral(subscriptions)} (FORMAT parquet, ROW_GROUP_SIZE 2048)`,
    );
    const [{ groups }] = await sql<{ groups: number }>(`SELECT count(DISTINCT row_group_id) AS groups FROM parquet_metadata(${quoteLiteral(subscriptions)})`);
    expect(groups).toBe(4);
    const halves = path.join(out, 'january-halves.parquet');
    expect((await trainingSet('training-set', '--as-of', '2024-01-31', '--out', halves)).code).toBe(0);
    expect(sha256(halves)).toBe(sha256(january));
  });

  it('the label has a ttl too: a row months after the newest labels snapshot gets a NULL label, counted; --label-ttl widens it', async () => {
    const entities = entityFile('late.csv', ['user_id,event_timestamp', '7590-VHVEG,2024-06-30', '7590-VHVEG,2024-03-15']);
    const late = await trainingSet('--json', 'training-set', '--entities', entities, '--out', path.join(out, 'late.parquet'));
    expect(late.code, late.stderr).toBe(0);
    // 2024-06-30 is 122 days after February's labels (default label ttl 31d); 2024-03-15 is 15 days after.
    expect(late.json).toMatchObject({ rows: 2, labels_past_ttl: 1, rows_without_label: 1, rows_missing_features: { usage_agg_30d: 1 } });
    const labels = async (file: string) =>
      (await sql<{ label: boolean | null }>(`SELECT churn_label AS label FROM read_parquet(${quoteLiteral(file)})`)).map((row) => row.label === null);
    expect(await labels(path.join(out, 'late.parquet'))).toEqual([true, false]);
    const wide = await trainingSet('--json', 'training-set', '--entities', entities, '--label-ttl', '150d', '--out', path.join(out, 'wide.parquet'));
    expect(wide.json).toMatchObject({ labels_past_ttl: 0, rows_without_label: 0 });
    expect(await labels(path.join(out, 'wide.parquet'))).toEqual([false, false]);
    const bad = await trainingSet('training-set', '--entities', entities, '--label-ttl', 'soon', '--out', path.join(out, 'bad.parquet'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--label-ttl "soon" is not a duration/);
  });

  it('an entity file with its own churn_label keeps it; the label horizon then does not apply', async () => {
    const entities = entityFile('labelled.csv', ['user_id,event_timestamp,churn_label', '0002-ORFBO,2024-02-15,True']);
    const result = await trainingSet('--json', 'training-set', '--entities', entities, '--out', path.join(out, 'labelled.parquet'));
    expect(result.json).toMatchObject({ rows: 1, label: 'entities' });
    expect(await sql(`SELECT churn_label FROM read_parquet(${quoteLiteral(path.join(out, 'labelled.parquet'))})`)).toEqual([{ churn_label: true }]);
    expect((await trainingSet('training-set', '--entities', entities, '--label-horizon', '1', '--out', path.join(out, 'x.parquet'))).code).toBe(2);
  });

  it('--features selects views and columns, named as in the reference or view__column with --full-names', async () => {
    const result = await trainingSet(
      '--json',
      'training-set',
      '--as-of',
      '2024-01-31',
      '--features',
      'subscriptions_profile.monthly_fee,users.*',
      '--full-names',
      '--out',
      path.join(out, 'selected.csv'),
    );
    expect(result.code).toBe(0);
    expect(result.json.columns).toEqual([
      'user_id',
      'event_timestamp',
      'subscriptions_profile__monthly_fee',
      ...CHURN.featureViews.find((view) => view.name === 'users')!.features.map((column) => `users__${column}`),
      'churn_label',
    ]);
    const [header] = fs.readFileSync(path.join(out, 'selected.csv'), 'utf8').split('\n');
    expect(header.split(',')).toEqual(result.json.columns);
  });

  it('writes Parquet, CSV and Arrow with their types, byte-identical on a rerun with four DuckDB threads instead of one', async () => {
    const files = ['types.parquet', 'types.csv', 'types.arrow'].map((name) => path.join(out, name));
    const digests: string[] = [];
    for (const file of files) {
      expect((await trainingSet('training-set', '--as-of', '2024-01-31', '--out', file)).code).toBe(0);
      digests.push(sha256(file));
      expect((await trainingSet('--threads', '4', 'training-set', '--as-of', '2024-01-31', '--out', file)).code).toBe(0);
      expect(sha256(file), `${path.basename(file)} rerun`).toBe(digests.at(-1));
    }
    const parquet = await sql<{ column_type: string }>(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(files[0])})`);
    expect(parquet.slice(0, 6).map((column) => column.column_type)).toEqual(['VARCHAR', 'DATE', 'INTEGER', 'DECIMAL(10,2)', 'BOOLEAN', 'BOOLEAN']);
    const [csvDiff] = await sql<{ differing: number; rows: number }>(
      `SELECT count(*) AS rows, count(*) FILTER (WHERE c.monthly_fee::DECIMAL(10,2) <> p.monthly_fee OR c.watch_hours_30d::DOUBLE <> p.watch_hours_30d OR c.plan_stream_tv::BOOLEAN IS DISTINCT FROM p.plan_stream_tv) AS differing
       FROM read_csv(${quoteLiteral(files[1])}, header = true, all_varchar = true) AS c JOIN read_parquet(${quoteLiteral(files[0])}) AS p USING (user_id)`,
    );
    expect(csvDiff).toEqual({ rows: 7043, differing: 0 });

    const arrow = tableFromIPC(fs.readFileSync(files[2]));
    expect(arrow.numRows).toBe(7043);
    const typeOf = (name: string) => String(arrow.schema.fields.find((field) => field.name === name)!.type);
    expect(['event_timestamp', 'monthly_fee', 'months_active', 'paperless_billing', 'watch_hours_30d', 'net_service'].map(typeOf)).toEqual([
      'Date32<DAY>',
      'Decimal[10e+2]',
      'Int32',
      'Bool',
      'Float64',
      'Utf8',
    ]);
    const first = arrow.get(0)!.toJSON();
    const [expected] = await sql<{ user_id: string; monthly_fee: string; watch_hours_30d: number; plan_stream_tv: boolean | null }>(
      `SELECT user_id, monthly_fee::VARCHAR AS monthly_fee, watch_hours_30d, plan_stream_tv FROM read_parquet(${quoteLiteral(files[0])}) LIMIT 1`,
    );
    expect(first.user_id).toBe(expected.user_id);
    expect(first.event_timestamp).toBe(Date.UTC(2024, 0, 31));
    expect(first.watch_hours_30d).toBe(expected.watch_hours_30d);
    expect(first.plan_stream_tv).toBe(expected.plan_stream_tv);
    // A 128-bit decimal's low word holds the unscaled value (cents) for these amounts.
    expect((first.monthly_fee as Uint32Array)[0]).toBe(Math.round(Number(expected.monthly_fee) * 100));
    expect(arrow.getChild('plan_stream_tv')!.nullCount).toBe(WITHOUT_INTERNET);
  });

  it('prints a table on stdout and the summary on stderr without --out', async () => {
    const result = await trainingSet(
      'training-set',
      '--entities',
      entityFile('one.csv', ['user_id,event_timestamp', '0002-ORFBO,2024-02-29']),
      '--features',
      'payments_agg_90d.*',
    );
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0].split(/\s+/)).toEqual(['user_id', 'event_timestamp', 'failed_payments_90d', 'churn_label']);
    expect(result.stderr).toMatch(/training set: 1 rows/);
  });

  it.each([
    ['an unknown view', ['--as-of', '2024-01-31', '--features', 'nope.*'], /unknown feature view "nope"/],
    ['an unknown column', ['--as-of', '2024-01-31', '--features', 'usage_agg_30d.churn'], /has no feature "churn"/],
    ['a bad ttl', ['--as-of', '2024-01-31', '--ttl', '10 days'], /--ttl "10 days"/],
    ['an as_of with no labels snapshot', ['--as-of', '2024-02-15'], /no labels snapshot at that as_of \(frozen: 2024-01-31, 2024-02-29\)/],
    ['both --as-of and --entities', ['--as-of', '2024-01-31', '--entities', 'x.csv'], /exactly one of/],
  ])('refuses %s (exit 2), writing nothing', async (_case, args, message) => {
    const target = path.join(out, 'refused.parquet');
    const result = await trainingSet('training-set', ...args, '--out', target);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('refuses entity files without user_id/event_timestamp or with unparseable timestamps, and an --out folder that does not exist', async () => {
    const target = path.join(out, 'refused-entities.parquet');
    const noTimestamp = await trainingSet('training-set', '--entities', entityFile('no-ts.csv', ['user_id,when', '0002-ORFBO,2024-02-15']), '--out', target);
    expect([noTimestamp.code, noTimestamp.stderr]).toEqual([2, expect.stringMatching(/no column event_timestamp \(columns: user_id, when\)/)]);
    const badTime = await trainingSet(
      'training-set',
      '--entities',
      entityFile('bad-ts.csv', ['user_id,event_timestamp', '0002-ORFBO,2024-02-15', '0003-MKNFE,yesterday']),
      '--out',
      target,
    );
    expect([badTime.code, badTime.stderr]).toEqual([
      2,
      expect.stringMatching(/event_timestamp failed parses_as_timestamp: 1 row; e.g. line 3 \(0003-MKNFE\): "yesterday"/),
    ]);
    expect(fs.existsSync(target)).toBe(false);
    const noFolder = await trainingSet('training-set', '--as-of', '2024-01-31', '--out', path.join(out, 'missing', 'x.parquet'));
    expect([noFolder.code, noFolder.stderr]).toEqual([2, expect.stringMatching(/folder .*missing does not exist/)]);
  });

  it('query --as-of says on stderr which as_of answered and how old it is (not with --quiet); stdout holds the result alone', async () => {
    const late = await cli('--warehouse', warehouse, 'query', '--as-of', '2025-01-01', '--format', 'csv', 'select count(*) AS n from labels');
    expect(late.code, late.stderr).toBe(0);
    expect(late.stderr).toBe('--as-of 2025-01-01: resolved to 2024-02-29, 307 days before 2025-01-01\n');
    expect(late.stdout).toBe('n\n7043\n');
    expect((await cli('--warehouse', warehouse, 'query', '--as-of', '2024-01-31', 'select 1')).stderr).toBe(
      '--as-of 2024-01-31: resolved to 2024-01-31, that day\n',
    );
    expect((await cli('--warehouse', warehouse, 'query', '--as-of', '2024-02-01', 'select 1')).stderr).toMatch(
      /resolved to 2024-01-31, 1 day before 2024-02-01/,
    );
    expect((await cli('--quiet', '--warehouse', warehouse, 'query', '--as-of', '2025-01-01', 'select 1')).stderr).toBe('');
    expect((await cli('--warehouse', warehouse, 'query', 'select 1')).stderr).toBe('');
  });

  it('query --as-of binds each table name to its snapshot at that date; snapshots.<table> keeps every as_of', async () => {
    const count = async (...args: string[]) => JSON.parse((await cli('--warehouse', warehouse, 'query', '--format', 'json', ...args)).stdout)[0].n;
    expect(await count('--as-of', '2024-01-31', 'select count(*) AS n from labels where churn_label')).toBe(1869);
    expect(await count('--as-of', '2024-02-29', 'select count(*) AS n from labels where churn_label')).toBe(1701);
    expect(await count('--as-of', '2024-02-15', 'select count(*) AS n from labels where churn_label')).toBe(1869);
    expect(await count('--as-of', '2024-01-31', 'select count(*) AS n from snapshots.labels')).toBe(2 * 7043);
    const before = await cli('--warehouse', warehouse, 'query', '--as-of', '2024-01-01', 'select 1');
    expect([before.code, before.stderr]).toEqual([2, expect.stringMatching(/no snapshot at or before that date \(the first is 2024-01-31\)/)]);
  });
});
