import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_AS_OF, monthEndAfter } from '../src/contract/months';
import { CHURN } from '../tools/churn-contract';
import { generateMonths } from '../tools/seeds/generate';
import { REAL, REAL_EXPORTS, requirePrerequisite } from './helpers';

// The real exports are test input only: the header comparison needs them.
const REAL_MONTH = path.join(REAL, 'month_000');
const TABLES = CHURN.tables.map((t) => t.name);

// The CSV column order of SPEC §1.
const HEADERS: Record<string, string[]> = {
  users: ['user_id', 'signup_date', 'user_gender', 'user_is_senior', 'has_family', 'has_dependents'],
  subscriptions: [
    'user_id',
    'months_active',
    'plan_stream_tv',
    'plan_stream_movies',
    'contract_type',
    'paperless_billing',
    'monthly_fee',
    'total_paid',
    'net_service',
  ],
  usage_agg_30d: ['user_id', 'watch_hours_30d', 'avg_session_mins_7d', 'unique_devices_30d', 'skips_7d', 'rebuffer_events_7d'],
  payments_agg_90d: ['user_id', 'failed_payments_90d'],
  support_agg_90d: ['user_id', 'support_tickets_90d', 'ticket_avg_resolution_hrs_90d'],
  labels: ['user_id', 'churn_label'],
};

const USERS = 2000;
const NEW_USERS_PER_MONTH = 20; // the default: 1% of USERS
const MONTHS = 3;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamflow-seeds-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

interface Csv {
  text: string;
  header: string[];
  /** Data lines, without the header. */
  lines: string[];
  /** Each data line as a column name → field record. */
  records: Record<string, string>[];
}

function readCsv(file: string): Csv {
  const text = fs.readFileSync(file, 'utf8');
  const [headerLine, ...rest] = text.split('\n');
  const lines = rest.slice(0, -1); // the file ends with a newline
  const header = headerLine.split(',');
  const records = lines.map((line) => Object.fromEntries(line.split(',').map((field, i) => [header[i], field])));
  return { text, header, lines, records };
}

function readMonth(out: string, month: number): Record<string, Csv> {
  const dir = path.join(out, `month_${String(month).padStart(3, '0')}`);
  return Object.fromEntries(TABLES.map((table) => [table, readCsv(path.join(dir, `${table}.csv`))])) as Record<string, Csv>;
}

function column(csv: Csv, name: string): string[] {
  return csv.records.map((record) => record[name]);
}

function expectAllMatch(values: string[], pattern: RegExp): void {
  expect(values.filter((value) => !pattern.test(value)).slice(0, 5)).toEqual([]);
}

function expectIntegersIn(values: string[], min: number, max: number): void {
  expectAllMatch(values, /^(0|[1-9]\d*)$/);
  expect(
    values
      .map(Number)
      .filter((value) => value < min || value > max)
      .slice(0, 5),
  ).toEqual([]);
}

/** Shortest round-trip double text, Python style: `16.0`, `24.483650766787413`. */
function isPythonFloat(text: string): boolean {
  if (!/^\d+\.\d+$/.test(text)) return false;
  const shortest = String(Number(text));
  return shortest === text || `${shortest}.0` === text;
}

/** Share of lines that differ between two equally long lists. */
function changedShare(before: string[], after: string[]): number {
  return before.filter((line, i) => line !== after[i]).length / before.length;
}

describe('seed generator', () => {
  let out: string;
  let months: Record<string, Csv>[];

  beforeAll(async () => {
    out = tempDir();
    const result = await generateMonths({ users: USERS, months: MONTHS, out, seed: 42 });
    expect(result.months).toEqual(['month_000', 'month_001', 'month_002']);
    expect(result.rows).toEqual({ month_000: 2000, month_001: 2020, month_002: 2040 });
    months = Array.from({ length: MONTHS }, (_, month) => readMonth(out, month));
  });

  it('is deterministic: the same options give byte-identical files', async () => {
    const [first, second, otherSeed] = [tempDir(), tempDir(), tempDir()];
    await generateMonths({ users: 300, months: 2, out: first, seed: 7 });
    await generateMonths({ users: 300, months: 2, out: second, seed: 7 });
    await generateMonths({ users: 300, months: 2, out: otherSeed, seed: 8 });
    for (const month of ['month_000', 'month_001']) {
      for (const table of TABLES) {
        const file = path.join(month, `${table}.csv`);
        const bytes = fs.readFileSync(path.join(first, file));
        expect(bytes.equals(fs.readFileSync(path.join(second, file))), file).toBe(true);
        expect(bytes.equals(fs.readFileSync(path.join(otherSeed, file))), `${file} with another seed`).toBe(false);
      }
    }
    expect(fs.readdirSync(first).sort()).toEqual(['month_000', 'month_001']);
  });

  it('writes the headers of SPEC §1, in order', () => {
    for (const month of months) {
      for (const table of TABLES) expect(month[table].header).toEqual(HEADERS[table]);
    }
  });

  it.runIf(requirePrerequisite(REAL_EXPORTS))('writes the same headers as the real exports', () => {
    for (const table of TABLES) {
      const real = fs.readFileSync(path.join(REAL_MONTH, `${table}.csv`), 'utf8').split('\n')[0];
      expect(months[0][table].header.join(','), table).toBe(real);
    }
  });

  it('writes plain LF CSV: no quotes, no CR, no trailing spaces, a field for every column', () => {
    for (const month of months) {
      for (const table of TABLES) {
        const csv = month[table];
        expect(csv.text, table).not.toMatch(/["\r]|[ \t]\n/);
        expect(csv.text.endsWith('\n'), table).toBe(true);
        expect(csv.lines.filter((line) => line.split(',').length !== csv.header.length)).toEqual([]);
      }
    }
  });

  it('gives every user a unique id like 7590-VHVEG, in the same order in all six tables', () => {
    for (const month of months) {
      const ids = column(month.users, 'user_id');
      expectAllMatch(ids, /^\d{4}-[A-Z]{5}$/);
      expect(new Set(ids).size).toBe(ids.length);
      for (const table of TABLES) expect(column(month[table], 'user_id'), table).toEqual(ids);
    }
  });

  it('writes booleans as True/False and dates as YYYY-MM-DD', () => {
    const month = months[MONTHS - 1];
    for (const name of ['user_is_senior', 'has_family', 'has_dependents']) expectAllMatch(column(month.users, name), /^(True|False)$/);
    expectAllMatch(column(month.subscriptions, 'paperless_billing'), /^(True|False)$/);
    expectAllMatch(column(month.labels, 'churn_label'), /^(True|False)$/);
    expectAllMatch(column(month.users, 'signup_date'), /^\d{4}-\d{2}-\d{2}$/);
    const lastDay = monthEndAfter(FIRST_AS_OF, MONTHS - 1);
    const dates = column(month.users, 'signup_date');
    expect(dates.filter((date) => Number.isNaN(Date.parse(date)) || date > lastDay || date < '2022-01-01')).toEqual([]);
    expectAllMatch(column(month.users, 'user_gender'), /^(Female|Male)$/);
  });

  it('leaves plan_stream_tv/plan_stream_movies empty exactly when net_service is No', () => {
    const rows = months[MONTHS - 1].subscriptions.records;
    for (const record of rows) {
      for (const plan of ['plan_stream_tv', 'plan_stream_movies']) {
        expect(record[plan], `${record.user_id} ${plan}`).toMatch(record.net_service === 'No' ? /^$/ : /^(True|False)$/);
      }
    }
    const noNetShare = rows.filter((record) => record.net_service === 'No').length / rows.length;
    expect(noNetShare).toBeGreaterThan(0.18);
    expect(noNetShare).toBeLessThan(0.26);
  });

  it('formats subscriptions like the real export', () => {
    const csv = months[MONTHS - 1].subscriptions;
    expectIntegersIn(column(csv, 'months_active'), 0, 72);
    expectAllMatch(column(csv, 'contract_type'), /^(Month-to-month|One year|Two year)$/);
    expectAllMatch(column(csv, 'net_service'), /^(DSL|Fiber optic|No)$/);
    // Python float style with at most two decimals: 29.85, 100.0, 0.0 — never 100 or 100.00.
    const money = /^(0|[1-9]\d*)\.(\d|\d[1-9])$/;
    expectAllMatch(column(csv, 'monthly_fee'), money);
    expectAllMatch(column(csv, 'total_paid'), money);
    const fees = column(csv, 'monthly_fee').map(Number);
    expect(Math.min(...fees)).toBeGreaterThanOrEqual(18.25);
    expect(Math.max(...fees)).toBeLessThanOrEqual(118.75);
    for (const record of csv.records) {
      const expected = Number(record.months_active) * Number(record.monthly_fee);
      expect(Math.abs(Number(record.total_paid) - expected), record.user_id).toBeLessThanOrEqual(0.05 * expected + 0.01);
    }
  });

  it('formats the aggregates like the real exports', () => {
    const month = months[MONTHS - 1];
    for (const name of ['watch_hours_30d', 'avg_session_mins_7d']) {
      const values = column(month.usage_agg_30d, name);
      expect(values.filter((value) => !isPythonFloat(value)).slice(0, 5), name).toEqual([]);
      expect(
        values
          .map(Number)
          .filter((value) => value <= 0 || value > 60)
          .slice(0, 5),
        name,
      ).toEqual([]);
    }
    expectIntegersIn(column(month.usage_agg_30d, 'unique_devices_30d'), 1, 3);
    expectIntegersIn(column(month.usage_agg_30d, 'skips_7d'), 0, 15);
    expectIntegersIn(column(month.usage_agg_30d, 'rebuffer_events_7d'), 0, 10);
    expectIntegersIn(column(month.payments_agg_90d, 'failed_payments_90d'), 0, 3);
    expectIntegersIn(column(month.support_agg_90d, 'support_tickets_90d'), 0, 4);
    const hours = column(month.support_agg_90d, 'ticket_avg_resolution_hrs_90d');
    expectAllMatch(hours, /^\d+\.\d$/);
    expect(hours.map(Number).filter((value) => value < 1 || value > 24.9)).toEqual([]);
    const churnShare = column(month.labels, 'churn_label').filter((label) => label === 'True').length / USERS;
    expect(churnShare).toBeGreaterThan(0.22);
    expect(churnShare).toBeLessThan(0.31);
  });

  it('changes from month to month like the real exports', () => {
    for (let month = 1; month < MONTHS; month++) {
      const [before, after] = [months[month - 1], months[month]];
      const known = before.users.lines.length;
      const existing = (csv: Csv) => csv.lines.slice(0, known);
      expect(existing(after.users)).toEqual(before.users.lines);
      expect(existing(after.subscriptions)).toEqual(before.subscriptions.lines);
      const usageChanged = changedShare(before.usage_agg_30d.lines, existing(after.usage_agg_30d));
      expect(usageChanged).toBe(1);
      const paymentsChanged = changedShare(before.payments_agg_90d.lines, existing(after.payments_agg_90d));
      expect(paymentsChanged).toBeGreaterThan(0.015);
      expect(paymentsChanged).toBeLessThan(0.05);
      const supportChanged = changedShare(before.support_agg_90d.lines, existing(after.support_agg_90d));
      expect(supportChanged).toBeGreaterThan(0.03);
      expect(supportChanged).toBeLessThan(0.075);
      const labelsChanged = changedShare(before.labels.lines, existing(after.labels));
      expect(labelsChanged).toBeGreaterThan(0.28);
      expect(labelsChanged).toBeLessThan(0.42);
    }
  });

  it("appends the month's new users after the existing ones, signed up within that month", () => {
    for (let month = 1; month < MONTHS; month++) {
      const [before, after] = [months[month - 1], months[month]];
      for (const table of TABLES) expect(after[table].lines.length, table).toBe(before[table].lines.length + NEW_USERS_PER_MONTH);
      const newUsers = after.users.records.slice(before.users.lines.length);
      const firstDay = `${monthEndAfter(FIRST_AS_OF, month).slice(0, 8)}01`;
      for (const user of newUsers) {
        expect(user.signup_date >= firstDay && user.signup_date <= monthEndAfter(FIRST_AS_OF, month), user.signup_date).toBe(true);
      }
      const newSubscriptions = after.subscriptions.records.slice(before.users.lines.length);
      expect(newSubscriptions.every((record) => record.months_active === '0' && record.total_paid === '0.0')).toBe(true);
    }
  });

  it('rejects options that are not small whole numbers', async () => {
    const out = tempDir();
    await expect(generateMonths({ users: 0, months: 1, out })).rejects.toThrow(RangeError);
    await expect(generateMonths({ users: 10, months: 1.5, out })).rejects.toThrow(/months/);
    await expect(generateMonths({ users: 10, months: 1, out, seed: Number.NaN })).rejects.toThrow(/seed/);
    await expect(generateMonths({ users: 10, months: 1, out, newUsersPerMonth: -1 })).rejects.toThrow(/newUsersPerMonth/);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
