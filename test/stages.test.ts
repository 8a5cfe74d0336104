// Each stage on its own, against a real in-memory DuckDB and the committed seeds.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExpectationResult, TableChanges } from '../src/artifacts';
import { tableOf } from '../src/contract/contract';
import { exportColumns } from '../src/contract/tables';
import { type Engine, openEngine, quoteIdent } from '../src/engine/duckdb';
import { pipelineFingerprint } from '../src/flow/replay';
import { loadMonth } from '../src/load';
import { recordMonthMetrics, recordRun } from '../src/record';
import { compareWithFrozen, readManifest, writeSnapshots } from '../src/snapshot';
import { upsertMonth } from '../src/upsert';
import { validateMonth } from '../src/validate';
import { takeKeyCensus } from '../src/validate/keys';
import { EXACT_ROWS, measureMonth, metricsAggregate, settleTableMetrics } from '../src/validate/metrics';
import { attachWarehouse, attachWarehouseCreatingIt, detachWarehouse } from '../src/warehouse/catalog';
import { warehouseLayout } from '../src/warehouse/layout';
import { publishStaged, stageRun } from '../src/warehouse/recover';
import { CHURN } from '../tools/churn-contract';
import { contractExpectationIds, copyMonths, SEEDS, tempDir } from './helpers';

const month = (name: string) => ({ name, dir: path.join(SEEDS, name) });

describe('stages on the committed seeds', () => {
  let engine: Engine;
  let layout: ReturnType<typeof warehouseLayout>;

  beforeEach(async () => {
    layout = warehouseLayout(tempDir());
    engine = await openEngine({ threads: 2 });
    await attachWarehouseCreatingIt(engine, CHURN, layout);
    await detachWarehouse(engine);
    await attachWarehouse(engine, layout, 'read_write');
  });
  afterEach(() => engine.close());

  it('load: types every column as declared and keeps the CSV line of each row', async () => {
    const loaded = await loadMonth(engine, CHURN, month('month_000'));
    expect(loaded.map((table) => [table.table, table.rows])).toEqual(CHURN.tables.map((table) => [table.name, 2500]));
    expect(loaded[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    const types = await engine.rows<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'staging' AND table_name = 'subscriptions' ORDER BY ordinal_position`,
    );
    expect(types.map((column) => `${column.column_name} ${column.data_type}`)).toEqual([
      '_line BIGINT',
      ...CHURN.tables.find((table) => table.name === 'subscriptions')!.columns.map((column) => `${column.name} ${column.type}`),
      '_unparseable BOOLEAN',
    ]);
    const [first] = await engine.rows(`SELECT _line, user_id FROM staging.users ORDER BY _line LIMIT 1`);
    const secondLine = fs.readFileSync(path.join(SEEDS, 'month_000', 'users.csv'), 'utf8').split('\n')[1];
    expect(first).toEqual({ _line: 2, user_id: secondLine.split(',')[0] });
    const [nulls] = await engine.rows(
      `SELECT count(*) FILTER (WHERE plan_stream_tv IS NULL) AS missing, count(*) FILTER (WHERE net_service = 'No') AS no_internet FROM staging.subscriptions`,
    );
    expect(nulls.missing).toBe(nulls.no_internet);
  });

  it('validate: every expectation of every suite is evaluated, over every row, and passes on a clean month', async () => {
    await loadMonth(engine, CHURN, month('month_000'));
    const outcome = await validateMonth(engine, CHURN, { asOf: '2024-01-31', liveAttached: true });
    expect(outcome.results.map((result) => result.expectation_config.id)).toEqual(contractExpectationIds());
    expect(outcome.errors).toEqual([]);
    expect(outcome.warnings).toEqual([]);
    // Each counts the rows it checked: all 2,500 of its table, or those its row_condition selects.
    for (const result of outcome.results) {
      const condition = (result.expectation_config.kwargs as { row_condition?: string }).row_condition ?? 'true';
      const [{ rows }] = await engine.rows(`SELECT count(*) AS rows FROM staging.${quoteIdent(result.meta.table)} WHERE ${condition}`);
      expect(result.result.element_count, result.expectation_config.id).toBe(rows);
    }
  });

  it('validate: the key census settles the key rules when every file lists the users in the same order, and the exact rules run when not', async () => {
    /** month_000 with each file's data lines passed through `edit` (a table left out is copied as is). */
    const edited = (edits: Partial<Record<string, (lines: string[]) => string[]>>) => {
      const seeds = copyMonths(SEEDS, ['month_000']);
      for (const [table, edit] of Object.entries(edits)) {
        const file = path.join(seeds, 'month_000', `${table}.csv`);
        const [header, ...lines] = fs.readFileSync(file, 'utf8').replace(/\n$/, '').split('\n');
        fs.writeFileSync(file, `${[header, ...edit!(lines)].join('\n')}\n`);
      }
      return { name: 'month_000', dir: path.join(seeds, 'month_000') };
    };
    const keyRules = (results: readonly ExpectationResult[]) =>
      results
        .filter((result) => result.meta.column === 'user_id' && /unique|other_table/.test(result.expectation_config.type))
        .map((result) => `${result.meta.table} ${result.expectation_config.type.replace('expect_column_values_to_be_', '')} ${result.result.unexpected_count}`);

    await loadMonth(engine, CHURN, month('month_000'));
    const aligned = await takeKeyCensus(engine, CHURN.tables);
    expect(aligned.get('users')).toEqual({ table: 'users', column: 'user_id', nonNullKeys: 2500, distinctKeys: 2500 });
    expect(aligned.get('labels')).toEqual({
      table: 'labels',
      column: 'user_id',
      nonNullKeys: 2500,
      distinctKeys: 2500,
      parent: { table: 'users', column: 'user_id', aligned: true },
    });

    // Labels in reverse order: nothing is wrong, the census cannot tell, the exact rules say so.
    await loadMonth(engine, CHURN, edited({ labels: (lines) => lines.reverse() }));
    expect((await takeKeyCensus(engine, CHURN.tables)).get('labels')).toMatchObject({ distinctKeys: null, parent: { aligned: false } });
    const reversed = await validateMonth(engine, CHURN, { asOf: '2024-01-31', liveAttached: false });
    expect(reversed.errors).toEqual([]);

    // The last user twice in every file, in the same place: aligned, and every table's
    // duplicate is counted by the exact rule (two rows each), none settled as unique.
    const repeatLast = (lines: string[]) => [...lines, lines[lines.length - 1]];
    await loadMonth(engine, CHURN, edited(Object.fromEntries(CHURN.tables.map((table) => [table.name, repeatLast]))));
    const repeated = await validateMonth(engine, CHURN, { asOf: '2024-01-31', liveAttached: false });
    expect(keyRules(repeated.errors)).toEqual(CHURN.tables.map((table) => `${table.name} unique 2`));

    // A key of labels replaced by one unknown to users: misaligned, the lookup finds it.
    await loadMonth(engine, CHURN, edited({ labels: (lines) => lines.map((line, index) => (index === 7 ? line.replace(/^[^,]+/, '0000-ZZZZZ') : line)) }));
    const unknown = await validateMonth(engine, CHURN, { asOf: '2024-01-31', liveAttached: false });
    expect(keyRules(unknown.errors)).toEqual(['labels in_other_table 1']);
  });

  it('upsert: counts inserted, updated and unchanged rows, and a second merge changes nothing', async () => {
    await loadMonth(engine, CHURN, month('month_000'));
    const first = await upsertMonth(engine, CHURN, { asOf: '2024-01-31', runId: 'run-0' });
    for (const table of first) expect(table).toMatchObject({ rows_in: 2500, inserted: 2500, updated: 0, unchanged: 0 });
    await loadMonth(engine, CHURN, month('month_001'));
    // What the merge must count, from the data before it: per table, the staged rows whose key
    // the live table lacks (inserted), holds with another value in some column (updated), or
    // holds with every value equal (unchanged).
    const counted: TableChanges[] = [];
    for (const table of CHURN.tables) {
      const same = exportColumns(table)
        .filter((column) => column.name !== 'user_id')
        .map(({ name }) => `s.${quoteIdent(name)} IS NOT DISTINCT FROM l.${quoteIdent(name)}`)
        .join(' AND ');
      const [row] = await engine.rows<Omit<TableChanges, 'table'>>(
        `SELECT count(*) AS rows_in, count(*) FILTER (WHERE l.user_id IS NULL) AS inserted,
                count(*) FILTER (WHERE l.user_id IS NOT NULL AND NOT (${same})) AS updated, count(*) FILTER (WHERE l.user_id IS NOT NULL AND ${same}) AS unchanged
         FROM staging.${quoteIdent(table.name)} AS s LEFT JOIN wh.main.${quoteIdent(table.name)} AS l ON s.user_id = l.user_id`,
      );
      counted.push({ table: table.name, ...row });
    }
    const changes = await upsertMonth(engine, CHURN, { asOf: '2024-02-29', runId: 'run-1' });
    expect(changes).toEqual(counted);
    const labels = counted.find((table) => table.table === 'labels')!;
    expect([labels.inserted, labels.updated > 0]).toEqual([25, true]); // the seeds: 25 new users, some labels flipped
    for (const table of counted) {
      const [audit] = await engine.rows(`SELECT count(*) FILTER (WHERE _changed_run_id = 'run-1') AS changed FROM wh.main.${quoteIdent(table.table)}`);
      expect(audit.changed, table.table).toBe(table.inserted + table.updated);
    }

    const again = await upsertMonth(engine, CHURN, { asOf: '2024-02-29', runId: 'run-2' });
    for (const table of again) expect(table).toMatchObject({ inserted: 0, updated: 0, unchanged: table.rows_in });
  });

  it('snapshot: freezes the whole live state when the month lacks some of its rows or values (written from the live table)', async () => {
    await loadMonth(engine, CHURN, month('month_001'));
    await upsertMonth(engine, CHURN, { asOf: '2024-02-29', runId: 'run-1' });
    await engine.run(`UPDATE wh.main.subscriptions SET add_on_security = true WHERE user_id = (SELECT min(user_id) FROM wh.main.subscriptions)`);
    await loadMonth(engine, CHURN, month('month_000')); // 25 users fewer than month_001
    await upsertMonth(engine, CHURN, { asOf: '2024-03-31', runId: 'run-2' });
    const entries = await writeSnapshots(engine, CHURN, path.join(layout.staging, 'c'), { asOf: '2024-03-31', runId: 'run-2', version: 1 });
    for (const entry of entries) {
      const table = CHURN.tables.find((candidate) => candidate.name === entry.table_name)!;
      const columns = table.columns.map((column) => `"${column.name}"`).join(', ');
      const file = `'${path.join(layout.staging, 'c', entry.path)}'`;
      const [difference] = await engine.rows(
        `SELECT (SELECT count(*) FROM (SELECT ${columns} FROM wh.main."${table.name}" EXCEPT ALL SELECT ${columns} FROM read_parquet(${file}))) +
                (SELECT count(*) FROM (SELECT ${columns} FROM read_parquet(${file}) EXCEPT ALL SELECT ${columns} FROM wh.main."${table.name}")) AS rows`,
      );
      expect([entry.table_name, entry.rows, difference.rows]).toEqual([table.name, 2525, 0]);
    }
    const [kept] = await engine.rows(
      `SELECT count(*) FILTER (WHERE add_on_security) AS rows FROM read_parquet('${path.join(layout.staging, 'c', entries[1].path)}')`,
    );
    expect(kept.rows).toBe(1);
  });

  it('snapshot: byte-identical files from the same state, and a replay comparison that sees one changed row', async () => {
    await loadMonth(engine, CHURN, month('month_000'));
    await measureMonth(engine, CHURN, { asOf: '2024-01-31', liveAttached: true });
    await upsertMonth(engine, CHURN, { asOf: '2024-01-31', runId: 'run-0' });
    const marker = { run_id: '20240131T000000Z-00000a', warehouse_id: 'a test warehouse' }; // a run's staging, as publishStaged takes it
    const first = await writeSnapshots(engine, CHURN, stageRun(layout, marker), { asOf: '2024-01-31', runId: 'run-0', version: 1 });
    const second = await writeSnapshots(engine, CHURN, path.join(layout.staging, 'b'), { asOf: '2024-01-31', runId: 'run-0', version: 1 });
    expect(second.map((entry) => entry.sha256)).toEqual(first.map((entry) => entry.sha256));
    const [columns] = await engine.rows(
      `SELECT list(name ORDER BY name) AS names FROM parquet_schema(${`'${path.join(layout.staging, marker.run_id, first[5].path)}'`}) WHERE name <> 'duckdb_schema'`,
    );
    expect(columns.names).toEqual(['as_of', 'churn_label', 'user_id']);

    await publishStaged(layout, marker);
    const now = new Date().toISOString();
    const run = { run_id: 'run-0', command: 'ingest', month: 'month_000', month_path: '', as_of: '2024-01-31', started_at: now, ended_at: now } as const;
    await recordRun(
      engine,
      {
        ...run,
        status: 'succeeded',
        exit_code: 0,
        input_files: [],
        table_counts: [],
        error: null,
        report_path: null,
        pipeline_fingerprint: pipelineFingerprint(CHURN),
        contract_version: CHURN.version,
      },
      [],
      first,
    );
    await recordMonthMetrics(engine, run.run_id, { replacing: false });
    // A run that freezes a month keeps its metrics with it.
    expect(await engine.rows(`SELECT count(*)::INTEGER AS n FROM wh.meta.column_metrics WHERE as_of = DATE '2024-01-31'`)).toEqual([{ n: 28 }]);
    const manifest = await readManifest(engine);
    expect(await compareWithFrozen(engine, CHURN, layout, manifest, '2024-01-31')).toEqual([]);
    await engine.run(`UPDATE staging.rows_labels SET churn_label = NOT churn_label WHERE rowid = 0`);
    const differences = await compareWithFrozen(engine, CHURN, layout, manifest, '2024-01-31');
    expect(differences.map(({ table, keys, changed, only_new, only_frozen }) => [table, keys, changed, only_new, only_frozen])).toEqual([
      ['labels', 1, 1, 0, 0],
    ]);
  });

  it('metrics: exact up to EXACT_ROWS rows; above, a numeric column says which figures are estimated (quantiles; a distinct count of many values), and its bin counts stay exact', async () => {
    const usage = tableOf(CHURN, 'usage_agg_30d');
    const measure = async (rows: number) => {
      // A staged usage table of `rows` rows: watch hours take 1,000 values evenly, 0.0 … 99.9;
      // session minutes a different value on every row.
      await engine.run(
        `CREATE SCHEMA IF NOT EXISTS staging;
         CREATE OR REPLACE VIEW staging.usage_agg_30d AS
         SELECT i + 2 AS _line, printf('%04d-X%04d', i // 10000, i % 10000) AS user_id, (i % 1000) / 10 AS watch_hours_30d,
                i / 1000 AS avg_session_mins_7d, 1 AS unique_devices_30d, 2 AS skips_7d, 0 AS rebuffer_events_7d
         FROM range(${rows}) AS r(i)`,
      );
      const [scan] = await engine.rows<{ metrics: Record<string, unknown>[] }>(
        `SELECT ${await metricsAggregate(engine, usage)} AS metrics FROM staging.usage_agg_30d`,
      );
      const { columns } = await settleTableMetrics(
        engine,
        usage,
        scan.metrics,
        { asOf: null, columns: [], tables: [] },
        { asOf: '2024-01-31', liveAttached: false },
      );
      return (name: string) => columns.find((column) => column.column_name === name)!;
    };
    const small = await measure(EXACT_ROWS);
    expect([small('watch_hours_30d').distinct_count, small('watch_hours_30d').estimated]).toEqual([1000, []]);
    expect([small('avg_session_mins_7d').distinct_count, small('avg_session_mins_7d').estimated]).toEqual([EXACT_ROWS, []]);
    expect(small('watch_hours_30d').quantiles?.[2]).toBe(49.9);

    const large = await measure(EXACT_ROWS + 50_000);
    // Few distinct values: counted exactly even above EXACT_ROWS (the sample says they are few).
    const hours = large('watch_hours_30d');
    expect([hours.estimated, hours.distinct_count]).toEqual([['quantiles'], 1000]);
    // Many: estimated from the values whose hash is 0 modulo SAMPLE_EVERY, and labelled.
    const minutes = large('avg_session_mins_7d');
    expect(minutes.estimated).toEqual(['quantiles', 'distinct_count']);
    expect(Math.abs(minutes.distinct_count / (EXACT_ROWS + 50_000) - 1)).toBeLessThan(0.03);
    expect(Math.abs((hours.quantiles?.[2] ?? 0) - 49.9)).toBeLessThanOrEqual(0.5);
    // Cut points may be estimated; the rows counted on them are every row.
    expect(hours.bin_counts?.reduce((sum, count) => sum + count, 0)).toBe(EXACT_ROWS + 50_000);
    expect([large('user_id').distinct_count, large('user_id').estimated]).toEqual([EXACT_ROWS + 50_000, []]);
  });
});
