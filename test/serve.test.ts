// serve (issue 27) on the real exports: Feast's feature-server protocol, the served vector
// equal to the training-set row (zero skew), a new freeze picked up under load, the ttl
// against the request's clock, and every bad request a 4xx naming its field.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, quoteIdent, quoteLiteral } from '../src/engine/duckdb';
import { AS_OF_HEADER, type RunningServer, startServer } from '../src/serve';
import { MAX_ENTITIES } from '../src/serve/protocol';
import { warehouseLayout } from '../src/warehouse/layout';
import { CHURN } from '../tools/churn-contract';
import { cli, copyMonths, REAL, REAL_EXPORTS, realWarehouse, requirePrerequisite, spawnCli, tempDir } from './helpers';

const FEBRUARY = '2024-02-29';
const ALL_FEATURES = CHURN.featureViews.flatMap((view) => view.features.map((feature) => `${view.name}:${feature}`));

interface Answer {
  readonly status: number;
  readonly asOf: string | null;
  readonly body: any;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}/get-online-features`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, asOf: response.headers.get(AS_OF_HEADER), body: await response.json() };
}

function serveOptions(warehouse: string, extra: Partial<Parameters<typeof startServer>[0]> = {}): Parameters<typeof startServer>[0] {
  return { layout: warehouseLayout(warehouse), contract: CHURN, host: '127.0.0.1', port: 0, pollMs: 100, limits: {}, log: () => undefined, ...extra };
}

describe.runIf(requirePrerequisite(REAL_EXPORTS))('serve on the real exports', () => {
  const january = tempDir();
  const both = tempDir();
  let server: RunningServer;

  beforeAll(async () => {
    realWarehouse('january', january);
    realWarehouse('february', both);
    server = await startServer(serveOptions(both, { nowMs: Date.parse(`${FEBRUARY}T00:00:00Z`) }));
  });
  afterAll(async () => {
    await server?.close();
  });

  it("zero skew: every one of the 7,043 users' served vector (every view) equals its training-set row at the newest as_of, value for value", async () => {
    const out = path.join(tempDir(), 'training.parquet');
    const features = CHURN.featureViews.map((view) => `${view.name}.*`).join(',');
    const built = await cli('--warehouse', both, 'training-set', '--as-of', FEBRUARY, '--features', features, '--full-names', '--out', out);
    expect(built.code, built.stderr).toBe(0);
    // The training set's values as JSON values, encoded by DuckDB from the Parquet file: numbers, booleans, text, DATE as text.
    const columns = CHURN.featureViews.flatMap((view) => view.features.map((feature) => `${view.name}__${feature}`));
    const engine = await openEngine();
    let expected: { user_id: string; vector: string }[];
    try {
      expected = await engine.rows(
        `SELECT "user_id", json_array(${columns.map(quoteIdent).join(', ')})::VARCHAR AS vector FROM read_parquet(${quoteLiteral(out)}) ORDER BY "user_id"`,
      );
    } finally {
      engine.close();
    }
    expect(expected).toHaveLength(7043);

    const served: unknown[][] = [];
    for (let start = 0; start < expected.length; start += MAX_ENTITIES) {
      const users = expected.slice(start, start + MAX_ENTITIES).map((row) => row.user_id);
      const answer = await post(server.url, { features: ALL_FEATURES, entities: { user_id: users }, full_feature_names: true });
      expect(answer.status).toBe(200);
      expect(answer.asOf).toBe(FEBRUARY);
      expect(answer.body.metadata.feature_names).toEqual(['user_id', ...columns]);
      expect(answer.body.results[0].values).toEqual(users);
      for (const [index, user] of users.entries())
        served.push([user, ...answer.body.results.slice(1).map((result: { values: unknown[] }) => result.values[index])]);
    }
    expect(served).toEqual(expected.map((row) => [row.user_id, ...JSON.parse(row.vector)]));
    // The NULLs the course's pipeline turned into True are served as NULLs, with their status.
    const noInternet = await post(server.url, {
      features: ['subscriptions_profile:plan_stream_tv'],
      entities: { user_id: expected.map((row) => row.user_id).slice(0, 1000) },
    });
    const nulls = noInternet.body.results[1].statuses.filter((status: string) => status === 'NULL_VALUE').length;
    expect(nulls).toBe(noInternet.body.results[1].values.filter((value: unknown) => value === null).length);
    expect(nulls).toBeGreaterThan(100);
  });

  it("answers Feast's shape: the entity key first, statuses PRESENT / NULL_VALUE / NOT_FOUND, event timestamps the snapshot's as_of", async () => {
    const answer = await post(server.url, {
      feature_service: 'default',
      entities: { user_id: ['7590-VHVEG', 'no-such-user'] },
    });
    expect(answer.status).toBe(200);
    const defaults = CHURN.featureViews.filter((view) => view.default).flatMap((view) => view.features);
    expect(answer.body.metadata.feature_names).toEqual(['user_id', ...defaults]);
    expect(answer.body.results[0]).toEqual({
      values: ['7590-VHVEG', 'no-such-user'],
      statuses: ['PRESENT', 'PRESENT'],
      event_timestamps: ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'],
    });
    for (const result of answer.body.results.slice(1)) {
      expect(result.statuses[1]).toBe('NOT_FOUND');
      expect(result.values[1]).toBeNull();
      expect(result.event_timestamps).toEqual([`${FEBRUARY}T00:00:00Z`, '1970-01-01T00:00:00Z']);
    }
    const views = (await (await fetch(`${server.url}/feature-views`)).json()) as { feature_views: { name: string; as_of: string }[] };
    expect(views.feature_views.map((view) => [view.name, view.as_of])).toEqual(CHURN.featureViews.map((view) => [view.name, FEBRUARY]));
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok', as_of: FEBRUARY });
  });

  it('applies each view’s ttl against the request clock: past it a value is OUTSIDE_MAX_AGE and null; a view without a ttl is served', async () => {
    const later = await startServer(serveOptions(both, { nowMs: Date.parse('2024-04-15T00:00:00Z') }));
    try {
      const answer = await post(later.url, {
        features: ['usage_agg_30d:watch_hours_30d', 'subscriptions_profile:monthly_fee', 'users:signup_date'],
        entities: { user_id: ['7590-VHVEG'] },
      });
      expect(answer.body.results.slice(1).map((result: { statuses: string[]; values: unknown[] }) => [result.statuses[0], result.values[0] === null])).toEqual([
        ['OUTSIDE_MAX_AGE', true], // 31d: 2024-02-29 is 46 days before
        ['PRESENT', false], // 90d
        ['PRESENT', false], // no ttl
      ]);
    } finally {
      await later.close();
    }
  });

  it('after a correction of the served month, answers from its newest version without a restart', async () => {
    const warehouse = realWarehouse('february');
    const corrected = await startServer(serveOptions(warehouse, { nowMs: Date.parse(`${FEBRUARY}T00:00:00Z`) }));
    try {
      const watchHours = async () =>
        (await post(corrected.url, { features: ['usage_agg_30d:watch_hours_30d'], entities: { user_id: ['7590-VHVEG'] } })).body.results[1].values[0];
      expect(await watchHours()).toBeCloseTo(24.21779534835315, 12);
      // February's export again, with the user's watch hours corrected to 30.5.
      const seeds = copyMonths(REAL, ['month_001']);
      const usage = path.join(seeds, 'month_001', 'usage_agg_30d.csv');
      fs.writeFileSync(usage, fs.readFileSync(usage, 'utf8').replace(/^7590-VHVEG,[^,]+,/m, '7590-VHVEG,30.5,'));
      const run = await cli('--seeds', seeds, '--warehouse', warehouse, 'ingest', 'month_001', FEBRUARY, '--correction', 'watch hours fixed');
      expect(run.code, run.stderr).toBe(0);
      const deadline = Date.now() + 15_000;
      while ((await watchHours()) !== 30.5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await watchHours()).toBe(30.5);
    } finally {
      await corrected.close();
    }
  });

  it('picks up a new freeze without a restart, with no failed or mixed answer while a load runs across it', async () => {
    const warehouse = tempDir();
    fs.cpSync(january, warehouse, { recursive: true });
    const live = await startServer(serveOptions(warehouse, { nowMs: Date.parse(`${FEBRUARY}T00:00:00Z`) }));
    // The user's watch hours in each month, from the snapshots: what an answer from that month must carry.
    const watchHours = async (dir: string, asOf: string) =>
      (
        await cli(
          '--warehouse',
          dir,
          '--json',
          'query',
          `SELECT watch_hours_30d FROM snapshots.usage_agg_30d WHERE user_id = '7590-VHVEG' AND as_of = DATE '${asOf}'`,
        )
      ).stdout;
    const byMonth: Record<string, number> = {
      '2024-01-31': JSON.parse(await watchHours(both, '2024-01-31'))[0].watch_hours_30d,
      [FEBRUARY]: JSON.parse(await watchHours(both, FEBRUARY))[0].watch_hours_30d,
    };
    expect(byMonth['2024-01-31']).not.toBe(byMonth[FEBRUARY]);
    const answers: Answer[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) answers.push(await post(live.url, { features: ['usage_agg_30d:watch_hours_30d'], entities: { user_id: ['7590-VHVEG'] } }));
    })();
    try {
      expect((await cli('--seeds', REAL, '--warehouse', warehouse, 'ingest', 'month_001', FEBRUARY)).code).toBe(0);
      const deadline = Date.now() + 30_000;
      while (live.current().asOf !== FEBRUARY && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      loading = false;
      await load;
      await live.close();
    }
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    // Every answer carries the values of the month its header names; January first, February last.
    for (const answer of answers) expect(answer.body.results[1].values[0]).toBe(byMonth[answer.asOf!]);
    expect(answers[0].asOf).toBe('2024-01-31');
    expect(answers.at(-1)!.asOf).toBe(FEBRUARY);
    expect(answers.length).toBeGreaterThan(20);
  });

  describe('bad requests get a 4xx naming the field, and the server keeps answering', () => {
    const user = { user_id: ['7590-VHVEG'] };
    const ONE = ALL_FEATURES[0];
    const cases: [string, unknown, number, RegExp][] = [
      [
        'an unknown feature view',
        { features: ['nope:monthly_fee'], entities: user },
        400,
        /features\[0\]: unknown feature view "nope"; views: subscriptions_profile/,
      ],
      [
        'an unknown feature',
        { features: ['subscriptions_profile:nope'], entities: user },
        400,
        /features\[0\]: feature view subscriptions_profile has no feature "nope"/,
      ],
      ['a reference without a view', { features: ['monthly_fee'], entities: user }, 400, /features\[0\]: "monthly_fee" is not of the form "view:feature"/],
      [
        'a wrong entity key',
        { features: [ONE], entities: { customer_id: ['1'] } },
        400,
        /entities: unknown entity key "customer_id"; the feature views are keyed by user_id/,
      ],
      ['an entity value of the wrong type', { features: [ONE], entities: { user_id: [7590] } }, 400, /body\/entities\/user_id\/0 must be string/],
      ['two entity keys', { features: [ONE], entities: { user_id: ['a'], other: ['b'] } }, 400, /body\/entities must NOT have more than 1 properties/],
      [
        'more entities than the limit',
        { features: [ONE], entities: { user_id: Array.from({ length: MAX_ENTITIES + 1 }, (_, index) => `u${index}`) } },
        400,
        /body\/entities\/user_id must NOT have more than 1000 items/,
      ],
      ['no entities', { features: [ONE] }, 400, /body must have required property 'entities'/],
      ['features of the wrong type', { features: ONE, entities: user }, 400, /body\/features must be array/],
      [
        'both features and a feature service',
        { features: [ONE], feature_service: 'default', entities: user },
        400,
        /exactly one of features .* or feature_service/,
      ],
      ['an unknown feature service', { feature_service: 'nope', entities: user }, 400, /feature_service: unknown feature service "nope"; services: default/],
      [
        'a feature asked for twice by name',
        { features: ['usage_agg_30d:watch_hours_30d', 'usage_agg_30d:watch_hours_30d'], entities: user },
        400,
        /features: watch_hours_30d is asked for twice/,
      ],
      ['an unknown field', { features: [ONE], entities: user, extra: 1 }, 400, /body must NOT have additional properties/],
      ['a body that is not JSON', '{"features": [', 400, /JSON/],
    ];
    it.each(cases)('%s', async (_name, body, status, message) => {
      const answer = await post(server.url, body);
      expect(answer.status).toBe(status);
      expect(answer.body.error).toMatch(message);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    });

    it('a token: missing or wrong is 401; right is answered; /health needs none', async () => {
      const guarded = await startServer(serveOptions(both, { token: 's3cret' }));
      try {
        const body = { features: [ONE], entities: user };
        expect((await post(guarded.url, body)).status).toBe(401);
        expect((await post(guarded.url, body, { authorization: 'Bearer wrong' })).status).toBe(401);
        expect((await post(guarded.url, body, { authorization: 'Bearer s3cret' })).status).toBe(200);
        expect((await fetch(`${guarded.url}/health`)).status).toBe(200);
      } finally {
        await guarded.close();
      }
    });
  });

  it('the bin: serve starts, answers, picks up a month another process froze, and stops on SIGTERM with exit 0; off loopback without a token it refuses (exit 2)', async () => {
    const warehouse = tempDir();
    fs.cpSync(january, warehouse, { recursive: true });
    const run = spawnCli(['--warehouse', warehouse, 'serve', '--port', '0', '--poll', '100', '--now', FEBRUARY]);
    const url = await new Promise<string>((resolve) => {
      let stdout = '';
      run.child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const found = /^serve: answering at (http:\/\/\S+) from as_of 2024-01-31 \(7043 entities\)/m.exec(stdout);
        if (found) resolve(found[1]);
      });
    });
    expect((await post(url, { feature_service: 'default', entities: { user_id: ['7590-VHVEG'] } })).status).toBe(200);
    // This process writes the warehouse while the server's process answers from it: the server holds no lock on it.
    const ingested = await cli('--seeds', REAL, '--warehouse', warehouse, 'ingest', 'month_001', FEBRUARY);
    expect(ingested.code, ingested.stderr).toBe(0);
    const deadline = Date.now() + 30_000;
    let health: { as_of: string } = { as_of: '' };
    while (health.as_of !== FEBRUARY && Date.now() < deadline) {
      health = (await (await fetch(`${url}/health`)).json()) as { as_of: string };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(health.as_of).toBe(FEBRUARY);
    run.child.kill('SIGTERM');
    expect((await run.done).code).toBe(0);

    const exposed = await cli('--warehouse', both, 'serve', '--host', '0.0.0.0');
    expect(exposed.code).toBe(2);
    expect(exposed.stderr).toMatch(/--host 0\.0\.0\.0 is reachable from other machines: give --token/);
    const empty = await cli('--warehouse', tempDir(), 'serve');
    expect(empty.code).toBe(2);
  });
});
