// A second project, end to end through the built bin: a store chain's loyalty programme
// (test/fixtures/retail: its own streamflow.yaml and ODCS contract, four tables, a composite
// key, no table or column name shared with the default project). Nothing in src/ may know it:
// the months are ingested on the project's calendar, rejected with the line of the bad cell,
// replayed, travelled back in, turned into a training set, mirrored to PostgreSQL and shown
// in a browser exactly as the default project's are.
//
// The months are made by test/fixtures/retail/generate.py, whose docstring says which rows
// make which case; the figures below come from those files (counted here where they can be).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_BROWSER, LAUNCH_ARGS, openReport } from './chromium';
import { Csv } from './csv';
import { type BinRun, REPO, requirePrerequisite, runBin, snapshotFiles, tempDir } from './helpers';
import { createTestDatabase, POSTGRES, withClient } from './postgres';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'retail');
/** The project's calendar: month_000 is as of its first_as_of, month_001 a month end later. */
const MARCH = '2025-03-31';
const APRIL = '2025-04-30';
const TABLES = ['customers', 'orders', 'store_visits', 'outcomes'] as const;
/** The CSV file of each table in a month folder (outcomes names its own: a custom property of the contract). */
const FILES: Record<(typeof TABLES)[number], string> = {
  customers: 'customers.csv',
  orders: 'orders.csv',
  store_visits: 'store_visits.csv',
  outcomes: 'renewal_outcomes.csv',
};
/** The key of each table, in primaryKeyPosition order. */
const KEYS: Record<(typeof TABLES)[number], readonly string[]> = {
  customers: ['customer_id'],
  orders: ['customer_id', 'order_no'],
  store_visits: ['customer_id'],
  outcomes: ['customer_id'],
};
/** The contract's warning rule that month_001 breaks: four new customers in region `islands`. */
const WARNING_RULE = 'known_region';

const month = (name: string, table: (typeof TABLES)[number]) => Csv.read(path.join(FIXTURE, 'months', name, FILES[table]));

/** Rows of month_001 new to month_000 and rows whose key month_000 had with other values: what the upsert inserts and updates. */
function changesOf(table: (typeof TABLES)[number]): { rows_in: number; inserted: number; updated: number } {
  const keyOf = (csv: Csv) => (fields: string[]) => KEYS[table].map((column) => fields[csv.index(column)]).join('|');
  const before = month('month_000', table);
  const after = month('month_001', table);
  const previous = new Map(before.rows.map((fields) => [keyOf(before)(fields), fields.join(',')]));
  const inserted = after.rows.filter((fields) => !previous.has(keyOf(after)(fields))).length;
  const updated = after.rows.filter((fields) => previous.has(keyOf(after)(fields)) && previous.get(keyOf(after)(fields)) !== fields.join(',')).length;
  return { rows_in: after.rows.length, inserted, updated };
}

interface RunOptions {
  readonly warehouse: string;
  readonly json?: boolean;
  /** PostgreSQL URL (--url). */
  readonly url?: string;
}

describe('a second project: the retail fixture through the built bin', () => {
  /** The fixture copied: nothing writes into the repository. */
  const projectDir = tempDir('streamflow-retail-');
  const project = path.join(projectDir, 'streamflow.yaml');
  /** The runs' working folder: no streamflow.yaml in it or above, so the project is only found through --project / STREAMFLOW_PROJECT, and its relative paths must resolve from its own folder. */
  const elsewhere = tempDir('streamflow-cwd-');
  const warehouse = tempDir('streamflow-retail-wh-');
  /** `warehouse` as month_000 left it: every rejection starts from a copy. */
  const march = tempDir('streamflow-retail-march-');
  const out = tempDir('streamflow-retail-out-');
  let aprilRunId: string;

  /** `streamflow [--warehouse W] [--json] [--url U] <command> --project <file> [args]`, as a process of its own, with STREAMFLOW_PROJECT set too. */
  function sf(command: string, args: readonly string[], options: RunOptions): Promise<BinRun> {
    const argv = [
      '--warehouse',
      options.warehouse,
      ...(options.json ? ['--json'] : []),
      ...(options.url === undefined ? [] : ['--url', options.url]),
      ...command.split(' '),
      '--project',
      project,
      ...args,
    ];
    return runBin(argv, { cwd: elsewhere, env: { STREAMFLOW_PROJECT: project } });
  }

  /** Rows of a read-only query (`query --format json`), live tables or, with asOf, each table at its snapshot then. */
  async function query(at: string, sql: string, asOf?: string): Promise<Record<string, unknown>[]> {
    const result = await sf('query', [...(asOf ? ['--as-of', asOf] : []), '--format', 'json', sql], { warehouse: at });
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  }

  /** Everything a rejected run must leave as it was: the snapshot files, the snapshot listing, every live table's rows. */
  async function state(at: string): Promise<unknown> {
    const listing = await sf('snapshots', [], { warehouse: at, json: true });
    expect(listing.code, listing.stderr).toBe(0);
    const digests = TABLES.map(
      (table) =>
        `SELECT '${table}' AS table_name, count(*)::INTEGER AS n, coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') AS digest FROM ${table} AS t`,
    );
    const live = await query(at, `${digests.join(' UNION ALL ')} ORDER BY table_name`);
    return { files: snapshotFiles(at), snapshots: listing.json.snapshots, live };
  }

  /** The partitions as `snapshots --json` lists them: table, as_of, rows. */
  async function partitions(at: string): Promise<[string, string, number][]> {
    const listing = await sf('snapshots', [], { warehouse: at, json: true });
    expect(listing.code, listing.stderr).toBe(0);
    const entries: { table_name: string; as_of: string; rows: number }[] = listing.json.snapshots;
    return entries
      .map((entry): [string, string, number] => [entry.table_name, entry.as_of, entry.rows])
      .sort((a, b) => `${a[0]} ${a[1]}`.localeCompare(`${b[0]} ${b[1]}`));
  }

  beforeAll(() => {
    fs.cpSync(FIXTURE, projectDir, { recursive: true });
  });

  it('ingests month_000 on the project calendar (as_of 2025-03-31): every rule of the contract passes, all four tables frozen', async () => {
    const run = await sf('ingest', ['month_000'], { warehouse, json: true });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ month: 'month_000', as_of: MARCH, status: 'succeeded', exit_code: 0, warnings: 0, findings: [] });
    const rows = Object.fromEntries(TABLES.map((table) => [table, month('month_000', table).rows.length]));
    expect(rows).toEqual({ customers: 300, orders: 820, store_visits: 300, outcomes: 300 });
    expect(
      Object.fromEntries(run.json.tables.map((entry: { table: string; rows_in: number; inserted: number; updated: number }) => [entry.table, entry])),
    ).toMatchObject(Object.fromEntries(TABLES.map((table) => [table, { rows_in: rows[table], inserted: rows[table], updated: 0 }])));
    expect(await partitions(warehouse)).toEqual([
      ['customers', MARCH, 300],
      ['orders', MARCH, 820],
      ['outcomes', MARCH, 300],
      ['store_visits', MARCH, 300],
    ]);
    fs.cpSync(warehouse, march, { recursive: true });
  });

  it('reads every type as the contract declares it: DECIMAL(12,4) exactly, TIMESTAMP with microseconds or a T, Y/N booleans, empty fields NULL', async () => {
    const visits = month('month_000', 'store_visits');
    const clickCollect = visits.rows.filter((fields) => fields[visits.index('used_click_collect')] === 'Y').length;
    const noVisit = visits.rows.filter((fields) => fields[visits.index('last_visit_at')] === '').length;
    const orders = month('month_000', 'orders');
    const noPromo = orders.rows.filter((fields) => fields[orders.index('promo_code')] === '').length;
    expect(
      await query(
        march,
        `SELECT (SELECT order_total::VARCHAR FROM orders WHERE customer_id = 'CU-10123' AND order_no = 3) AS bulk_total,
                (SELECT strftime(placed_at, '%Y-%m-%d %H:%M:%S') FROM orders WHERE customer_id = 'CU-10011' AND order_no = 2) AS placed_at,
                (SELECT strftime(joined_at, '%Y-%m-%d %H:%M:%S.%f') FROM customers WHERE customer_id = 'CU-10003') AS joined_at,
                (SELECT count(*) FILTER (WHERE used_click_collect)::INTEGER FROM store_visits) AS click_collect,
                (SELECT count(*) FILTER (WHERE last_visit_at IS NULL)::INTEGER FROM store_visits) AS no_visit,
                (SELECT count(*) FILTER (WHERE promo_code IS NULL)::INTEGER FROM orders) AS no_promo,
                (SELECT count(*) FILTER (WHERE renewed)::INTEGER FROM outcomes) AS renewed`,
      ),
    ).toEqual([
      {
        bulk_total: '17430.8480',
        placed_at: '2025-03-30 19:05:44',
        joined_at: '2019-01-18 06:22:00.047158',
        click_collect: clickCollect,
        no_visit: noVisit,
        no_promo: noPromo,
        renewed: month('month_000', 'outcomes').rows.filter((fields) => fields[1] === 'true').length,
      },
    ]);
  });

  interface Rejection {
    readonly name: string;
    readonly table: (typeof TABLES)[number];
    /** Changes month_001's file; returns the CSV lines of which the message must name one. */
    readonly change: (csv: Csv) => number[];
    /** Text the message line must hold besides the line: where (table.column) and the value. */
    readonly mentions: readonly string[];
  }

  const REJECTIONS: readonly Rejection[] = [
    {
      name: "text in a DECIMAL(12,4) column (order_total 'abc')",
      table: 'orders',
      change: (csv) => [csv.set(10, 'order_total', 'abc')],
      mentions: ['orders.order_total', 'abc'],
    },
    {
      name: "an impossible TIMESTAMP (joined_at '2025-02-30 10:00:00')",
      table: 'customers',
      change: (csv) => [csv.set(20, 'joined_at', '2025-02-30 10:00:00')],
      mentions: ['customers.joined_at', '2025-02-30 10:00:00'],
    },
    {
      name: 'a composite key (customer_id, order_no) twice, with other values',
      table: 'orders',
      change: (csv) => {
        const copy = [...csv.rows[30]];
        copy[csv.index('order_total')] = '1.0000';
        csv.rows.splice(31, 0, copy);
        return [Csv.line(30), Csv.line(31)];
      },
      mentions: ['orders', 'order_no'],
    },
    {
      name: 'an order of a customer missing from customers.csv (CU-99999)',
      table: 'orders',
      change: (csv) => {
        csv.rows.push(['CU-99999', '1', '2025-04-20T15:30:00', 'web', 'placed', '2', '54.1230', '']);
        return [Csv.line(csv.rows.length - 1)];
      },
      mentions: ['orders.customer_id', 'CU-99999'],
    },
  ];

  it.each(REJECTIONS)(
    'rejects month_001 with $name: exit 1, the table, column and CSV line named, the warehouse unchanged',
    async ({ table, change, mentions }) => {
      const copy = tempDir('streamflow-retail-wh-');
      fs.cpSync(march, copy, { recursive: true });
      const before = await state(copy);
      // A seeds folder of its own holding the changed month_001 (the folder's name keeps it on the calendar).
      const seeds = tempDir('streamflow-retail-seeds-');
      fs.cpSync(path.join(FIXTURE, 'months', 'month_001'), path.join(seeds, 'month_001'), { recursive: true });
      const file = path.join(seeds, 'month_001', FILES[table]);
      const csv = Csv.read(file);
      const lines = change(csv);
      csv.write(file);

      const run = await sf('ingest', [path.join(seeds, 'month_001'), APRIL], { warehouse: copy, json: true });
      expect(run.code, run.stderr).toBe(1);
      expect(run.json?.status).toBe('rejected');
      const named = run.stderr
        .split('\n')
        .find((line) => mentions.every((text) => line.includes(text)) && new RegExp(`\\bline (${lines.join('|')})\\b`).test(line));
      expect(named, `no line naming ${mentions.join(', ')} and line ${lines.join(' or ')} in:\n${run.stderr}`).toBeDefined();
      expect(await state(copy)).toEqual(before);
    },
  );

  it('ingests month_001 (as_of 2025-04-30) with exit 0: the warning rule known_region named for the four customers in islands, the changed rows upserted', async () => {
    const run = await sf('ingest', ['month_001'], { warehouse, json: true });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ month: 'month_001', as_of: APRIL, status: 'succeeded', exit_code: 0 });
    aprilRunId = run.json.run_id;
    const findings: { severity: string; table: string; column: string | null; message: string }[] = run.json.findings;
    expect(findings.filter((finding) => finding.severity === 'error')).toEqual([]);
    expect(run.json.warnings).toBeGreaterThanOrEqual(1);
    const region = findings.find((finding) => finding.table === 'customers' && finding.column === 'region' && finding.message.includes('islands'));
    expect(region, JSON.stringify(findings, null, 2)).toBeDefined();
    expect(region!.severity).not.toBe('error');
    expect(region!.message).toMatch(/\b4 rows\b/);
    expect(run.stdout + run.stderr).toContain(WARNING_RULE);

    // 12 new customers, 19 changed (CU-10007's tier, CU-10020's region, …); 52 new orders, 16 moved on.
    const expected = Object.fromEntries(TABLES.map((table) => [table, changesOf(table)]));
    expect(expected).toEqual({
      customers: { rows_in: 312, inserted: 12, updated: 19 },
      orders: { rows_in: 872, inserted: 52, updated: 16 },
      store_visits: { rows_in: 312, inserted: 12, updated: 259 },
      outcomes: { rows_in: 312, inserted: 12, updated: 9 },
    });
    expect(Object.fromEntries(run.json.tables.map((entry: { table: string }) => [entry.table, entry]))).toMatchObject(expected);
    expect(await partitions(warehouse)).toEqual([
      ['customers', MARCH, 300],
      ['customers', APRIL, 312],
      ['orders', MARCH, 820],
      ['orders', APRIL, 872],
      ['outcomes', MARCH, 300],
      ['outcomes', APRIL, 312],
      ['store_visits', MARCH, 300],
      ['store_visits', APRIL, 312],
    ]);
  });

  it('replays month_001 as a verified no-op: exit 0, status unchanged, no snapshot file touched', async () => {
    const before = await state(warehouse);
    const run = await sf('ingest', ['month_001', APRIL], { warehouse, json: true });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.status).toBe('unchanged');
    expect(await state(warehouse)).toEqual(before);
  });

  it("query --as-of 2025-03-31 reads month_000's values of what month_001 changed; live tables hold month_001's", async () => {
    // CU-10007 went silver -> gold, CU-10020 east -> west; CU-10011's order 2 was placed the day before the first export.
    const changed = `SELECT c.customer_id, c.region, c.loyalty_tier, o.status AS order_2
                     FROM customers c LEFT JOIN orders o ON o.customer_id = c.customer_id AND o.order_no = 2
                     WHERE c.customer_id IN ('CU-10007', 'CU-10011', 'CU-10020') ORDER BY c.customer_id`;
    expect(await query(warehouse, changed, MARCH)).toEqual([
      { customer_id: 'CU-10007', region: 'west', loyalty_tier: 'silver', order_2: 'delivered' },
      { customer_id: 'CU-10011', region: 'central', loyalty_tier: 'bronze', order_2: 'placed' },
      { customer_id: 'CU-10020', region: 'east', loyalty_tier: 'bronze', order_2: 'delivered' },
    ]);
    expect(await query(warehouse, changed)).toEqual([
      { customer_id: 'CU-10007', region: 'west', loyalty_tier: 'gold', order_2: 'delivered' },
      { customer_id: 'CU-10011', region: 'central', loyalty_tier: 'bronze', order_2: 'delivered' },
      { customer_id: 'CU-10020', region: 'west', loyalty_tier: 'bronze', order_2: 'delivered' },
    ]);
    const counts = `SELECT (SELECT count(*) FROM customers)::INTEGER AS customers, (SELECT count(*) FROM orders)::INTEGER AS orders,
                           (SELECT count(*) FROM customers WHERE region = 'islands')::INTEGER AS islands`;
    expect(await query(warehouse, counts, MARCH)).toEqual([{ customers: 300, orders: 820, islands: 0 }]);
    expect(await query(warehouse, counts)).toEqual([{ customers: 312, orders: 872, islands: 4 }]);
  });

  it('training-set --as-of gives one row per customer keyed by customer_id, the default views’ features and the renewed label of that month', async () => {
    const expectedColumns = [
      'customer_id',
      'event_timestamp',
      'region',
      'loyalty_tier',
      'birth_year',
      'visits_30d',
      'minutes_in_store_30d',
      'used_click_collect',
      'last_visit_at',
      'renewed',
    ];
    for (const [asOf, name, customers] of [
      [MARCH, 'month_000', 300],
      [APRIL, 'month_001', 312],
    ] as const) {
      const file = path.join(out, `training-${asOf}.csv`);
      const run = await sf('training-set', ['--as-of', asOf, '--out', file], { warehouse, json: true });
      expect(run.code, run.stderr).toBe(0);
      expect(run.json).toMatchObject({
        rows: customers,
        label: 'same_as_of',
        rows_missing_features: { customer_profile: 0, visit_activity: 0 },
        source_as_of: { min: asOf, max: asOf },
      });
      expect(run.json.columns.slice(0, 2)).toEqual(['customer_id', 'event_timestamp']);
      expect([...run.json.columns].sort()).toEqual([...expectedColumns].sort());

      const set = Csv.read(file);
      expect(set.header).toEqual(run.json.columns);
      expect(set.rows).toHaveLength(customers);
      expect(new Set(set.rows.map((fields) => fields[set.index('customer_id')])).size).toBe(customers);
      const row = set.find((row) => set.get(row, 'customer_id') === 'CU-10007');
      const visits = month(name, 'store_visits');
      const visitRow = visits.find((row) => visits.get(row, 'customer_id') === 'CU-10007');
      const outcome = month(name, 'outcomes').rows.find((fields) => fields[0] === 'CU-10007')!;
      expect({
        loyalty_tier: set.get(row, 'loyalty_tier'),
        visits_30d: set.get(row, 'visits_30d'),
        renewed: set.get(row, 'renewed'),
      }).toEqual({
        loyalty_tier: asOf === MARCH ? 'silver' : 'gold',
        visits_30d: visits.get(visitRow, 'visits_30d'),
        renewed: outcome[1],
      });
      // every label of the month, by customer
      const renewed = new Map(month(name, 'outcomes').rows.map((fields) => [fields[0], fields[1]]));
      expect(set.rows.filter((fields) => renewed.get(fields[set.index('customer_id')]) !== fields[set.index('renewed')])).toEqual([]);
    }
  });

  it.runIf(requirePrerequisite(POSTGRES))(
    "sync-postgres mirrors the warehouse into the project's schema (retail), verify --postgres finds it equal, a second sync writes nothing",
    async () => {
      const database = await createTestDatabase('streamflow_retail_test');
      try {
        const sync = await sf('sync-postgres', [], { warehouse, json: true, url: database.url });
        expect(sync.code, sync.stderr).toBe(0);
        expect(sync.json.schema).toBe('retail');
        expect(sync.json.rows_written).toBeGreaterThan(0);
        const verify = await sf('verify', ['--postgres'], { warehouse, json: true, url: database.url });
        expect(verify.code, verify.stderr).toBe(0);
        expect(verify.json).toMatchObject({ ok: true, schema: 'retail', compared: 20, findings: [] });

        await withClient(database.url, async (client) => {
          const frozen = await client.query(
            `SELECT to_char(as_of, 'YYYY-MM-DD') AS as_of, count(*)::int AS n, count(*) FILTER (WHERE order_total > 10000)::int AS bulk
             FROM retail.orders_snapshots GROUP BY 1 ORDER BY 1`,
          );
          expect(frozen.rows).toEqual([
            { as_of: MARCH, n: 820, bulk: 2 },
            { as_of: APRIL, n: 872, bulk: 3 },
          ]);
          const key = await client.query(
            `SELECT a.attname AS column_name FROM pg_index i JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE i.indrelid = 'retail.orders'::regclass AND i.indisprimary ORDER BY k.position`,
          );
          expect(key.rows.map((row) => row.column_name)).toEqual(['customer_id', 'order_no']);
          const columns = await client.query(
            `SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable FROM information_schema.columns
             WHERE table_schema = 'retail' AND table_name = 'orders' AND column_name IN ('order_total', 'placed_at', 'promo_code') ORDER BY column_name`,
          );
          expect(columns.rows).toEqual([
            { column_name: 'order_total', data_type: 'numeric', numeric_precision: 12, numeric_scale: 4, is_nullable: 'NO' },
            { column_name: 'placed_at', data_type: 'timestamp without time zone', numeric_precision: null, numeric_scale: null, is_nullable: 'NO' },
            { column_name: 'promo_code', data_type: 'text', numeric_precision: null, numeric_scale: null, is_nullable: 'YES' },
          ]);
          const live = await client.query(
            `SELECT (SELECT loyalty_tier FROM retail.customers WHERE customer_id = 'CU-10007') AS tier,
                    (SELECT order_total::text FROM retail.orders WHERE customer_id = 'CU-10123' AND order_no = 3) AS bulk_total`,
          );
          expect(live.rows).toEqual([{ tier: 'gold', bulk_total: '17430.8480' }]);
          // Every table in the project's schema, none left in public.
          const tables = await client.query(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('public', 'retail')`);
          expect(tables.rows.filter((row) => row.table_schema === 'public')).toEqual([]);
          expect(tables.rows.map((row) => row.table_name)).toEqual(expect.arrayContaining(TABLES.flatMap((table) => [table, `${table}_snapshots`])));
        });

        const again = await sf('sync-postgres', [], { warehouse, json: true, url: database.url });
        expect(again.code, again.stderr).toBe(0);
        expect(again.json.rows_written).toBe(0);
      } finally {
        await database.drop();
      }
    },
  );

  it.runIf(requirePrerequisite(CHROMIUM_BROWSER))(
    "report of month_001's run renders in Chromium: passed with warnings, the warning rule named, a section per table, no console error, no request",
    async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
      try {
        const located = await sf('report', [aprilRunId], { warehouse, json: true });
        expect(located.code, located.stderr).toBe(0);
        const file: string = located.json.report;
        expect(fs.existsSync(file), file).toBe(true);

        const { page, requests, consoleErrors } = await openReport(browser, file);
        try {
          const screenshots = path.join(REPO, 'test-artifacts', 'screenshots');
          fs.mkdirSync(screenshots, { recursive: true });
          await page.screenshot({ path: path.join(screenshots, 'report-retail.png'), fullPage: true });

          expect(await page.locator('.verdict-text').textContent()).toBe('Passed with warnings');
          expect(await page.locator('section.table-section').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-table')))).toEqual([...TABLES]);
          const text = (await page.locator('body').textContent()) ?? '';
          expect(text).toContain(WARNING_RULE);
          expect(text).toContain('islands');
          expect(text).not.toMatch(/\b(user_id|churn_label|usage_agg_30d)\b/);
          expect(consoleErrors).toEqual([]);
          expect(requests).toEqual([]);
        } finally {
          await page.close();
        }
      } finally {
        await browser.close();
      }
    },
  );
});
