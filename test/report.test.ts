// report.html: the page a person reads after a run. Unit tests of renderReport on
// hand-built documents, and a real browser (Chromium) rendering a real run's report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ExpectationResult, ValidationDocument } from '../src/artifacts';
import { entityTableOf } from '../src/contract/contract';
import type { ExpectationConfig, LoadCheckConfig } from '../src/contract/expectations';
import { validationDocument } from '../src/record';
import { renderReport } from '../src/report/page';
import type { MonthProfile } from '../src/report/profile';
import type { ColumnMetrics } from '../src/validate';
import { CHURN } from '../tools/churn-contract';
import { CHROMIUM, CHROMIUM_BROWSER, LAUNCH_ARGS, openReport } from './chromium';
import { cli, REAL, REAL_EXPORTS, REPO, requirePrerequisite, tempDir } from './helpers';

const HOSTILE = '<script>alert("owned")</script>';
const HOSTILE_IMG = '<img src=x onerror=alert(1)>';
/** Where the browser tests leave their screenshots for a person (and CI) to look at: gitignored, replaced by the next run. */
const SCREENSHOTS = path.join(REPO, 'test-artifacts', 'screenshots');

type Config = ExpectationResult['expectation_config'];

function result(
  table: string,
  index: number,
  config: ExpectationConfig,
  outcome: { success: boolean; unexpected?: number; samples?: { value: string | null; user_id: string | null; line: number }[]; observed?: unknown },
): ExpectationResult {
  const samples = outcome.samples ?? [];
  const column = 'column' in config.kwargs ? (config.kwargs.column as string) : undefined;
  return {
    expectation_config: { ...config, id: `${table}.${String(index).padStart(2, '0')}.${config.type}` } as Config,
    success: outcome.success,
    result: {
      element_count: 100,
      missing_count: 0,
      unexpected_count: outcome.unexpected ?? 0,
      unexpected_percent: outcome.unexpected ?? 0,
      partial_unexpected_list: samples.map((sample) => sample.value),
      partial_unexpected_index_list: samples.map(({ user_id, line }) => ({ user_id, line })),
      ...(outcome.observed === undefined ? {} : { observed_value: outcome.observed }),
    },
    meta: { table, column, severity: config.kwargs.severity ?? 'error' },
  };
}

const META = {
  run_id: '20240131T000000Z-abc123',
  month: 'month_test',
  as_of: '2024-01-31',
  validation_time: '2024-02-01T08:00:00.000Z',
  tables: [
    { table: 'users', file: '/data/month_test/users.csv', sha256: 'a'.repeat(64), bytes: 2048, rows: 100 },
    { table: 'usage_agg_30d', file: `/data/month_test/${HOSTILE}.csv`, sha256: 'b'.repeat(64), bytes: 4096, rows: 100 },
  ],
};

/** users: a pass, a failure with hostile samples (listed after the pass in suite order), a warning. */
function failingDocument(): ValidationDocument {
  return validationDocument(
    [
      result('users', 0, { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1, max_value: 50_000_000 } }, { success: true, observed: 100 }),
      result(
        'users',
        1,
        {
          type: 'expect_column_values_to_be_in_set',
          kwargs: { column: 'user_gender', value_set: ['Female', 'Male'] },
          meta: { notes: 'the CRM offers these two values' },
        },
        {
          success: false,
          unexpected: 3,
          samples: [
            { value: HOSTILE, user_id: '0001-AAAAA', line: 2 },
            { value: HOSTILE_IMG, user_id: `"><b>${HOSTILE}`, line: 7 },
            { value: null, user_id: '0003-CCCCC', line: 9 },
          ],
        },
      ),
      result(
        'users',
        2,
        { type: 'expect_column_values_to_match_regex', kwargs: { column: 'user_id', regex: '^[0-9]{4}-[A-Z]{5}$', severity: 'warn' } },
        { success: false, unexpected: 1, samples: [{ value: 'bad id', user_id: 'bad id', line: 4 }] },
      ),
      result(
        'usage_agg_30d',
        0,
        {
          type: 'expect_column_values_to_be_between',
          kwargs: { column: 'watch_hours_30d', min_value: 0, max_value: 720 },
          meta: { notes: 'a 30-day window has 720 hours' },
        },
        { success: true },
      ),
    ],
    META,
  );
}

/** A column's metrics with nothing compared, then whatever the test sets. */
function metrics(column: Partial<ColumnMetrics> & Pick<ColumnMetrics, 'table_name' | 'column_name' | 'column_type' | 'kind'>): ColumnMetrics {
  return {
    as_of: '2024-01-31',
    row_count: 100,
    null_count: 0,
    null_share: 0,
    distinct_count: 100,
    estimated: [],
    min_value: null,
    max_value: null,
    mean: null,
    std: null,
    quantiles: null,
    bin_edges: null,
    bin_counts: null,
    categories: null,
    previous_as_of: null,
    previous_bin_counts: null,
    psi: null,
    mean_ratio: null,
    median_ratio: null,
    null_share_change: null,
    new_values: null,
    ...column,
  };
}

const PREVIOUS_FEES = metrics({
  as_of: '2023-12-31',
  table_name: 'usage_agg_30d',
  column_name: 'monthly_fee',
  column_type: 'DECIMAL(10,2)',
  kind: 'numeric',
  mean: 60,
  quantiles: [20, 40, 60, 80, 100],
  bin_edges: [40, 80],
  bin_counts: [30, 40, 30],
});

const PROFILES: MonthProfile = {
  metrics: {
    columns: [
      metrics({
        table_name: 'users',
        column_name: 'user_gender',
        column_type: 'VARCHAR',
        kind: 'categorical',
        null_count: 10,
        null_share: 0.1,
        distinct_count: 3,
        min_value: HOSTILE,
        max_value: 'Male',
        categories: [
          { value: 'Female', count: 50 },
          { value: HOSTILE_IMG, count: 40 },
        ],
      }),
      metrics({
        table_name: 'usage_agg_30d',
        column_name: 'watch_hours_30d',
        column_type: 'DOUBLE',
        kind: 'numeric',
        distinct_count: 97,
        min_value: '0.5',
        max_value: '700.123456789',
        mean: 25.25,
        std: 3,
        quantiles: [1, 10, 20, 30, 600],
        bin_edges: [10, 20, 30],
        bin_counts: [25, 25, 25, 25],
      }),
      metrics({
        table_name: 'usage_agg_30d',
        column_name: 'monthly_fee',
        column_type: 'DECIMAL(10,2)',
        kind: 'numeric',
        distinct_count: 1585,
        min_value: '18.25',
        max_value: '8684.8',
        mean: 90,
        std: 10,
        quantiles: [30, 60, 90, 120, 150],
        bin_edges: [60, 120],
        bin_counts: [25, 50, 25],
        previous_as_of: '2023-12-31',
        previous_bin_counts: [10, 30, 60],
        psi: 0.61,
        mean_ratio: 1.5,
        median_ratio: 1.5,
      }),
    ],
    tables: [],
    previous: [PREVIOUS_FEES],
  },
  entityTable: entityTableOf(CHURN)?.name,
  label: CHURN.label,
  history: [{ as_of: '2023-12-31', table_name: 'usage_agg_30d', column_name: 'monthly_fee', row_count: 100, null_share: 0, mean: 60, distinct_count: 90 }],
  // Equal-width bins over both months' range, as profileMonth counts them (src/report/histograms.ts).
  histograms: [
    {
      table_name: 'usage_agg_30d',
      column_name: 'watch_hours_30d',
      description: 'hours watched in the last 30 days',
      start: 0,
      width: 50,
      bins: 15,
      integer: false,
      now: [40, 30, 15, 8, 4, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      then: null,
      then_as_of: null,
    },
    {
      table_name: 'usage_agg_30d',
      column_name: 'monthly_fee',
      description: 'current monthly charge',
      start: 0,
      width: 20,
      bins: 10,
      integer: false,
      now: [0, 5, 10, 20, 25, 20, 10, 5, 3, 2],
      then: [10, 30, 20, 15, 10, 5, 4, 3, 2, 1],
      then_as_of: '2023-12-31',
    },
  ],
};

/** A month that stopped at load: only failed load results, no input files, no profiles. */
function failedLoadDocument(): ValidationDocument {
  const load = (table: string, type: string, kwargs: LoadCheckConfig['kwargs'], extra: Partial<ExpectationResult['result']> = {}): ExpectationResult => ({
    expectation_config: { id: `${table || 'month'}.load00.${type}`, type, kwargs },
    success: false,
    result: {
      element_count: 0,
      missing_count: 0,
      unexpected_count: 0,
      unexpected_percent: 0,
      partial_unexpected_list: [],
      partial_unexpected_index_list: [],
      ...extra,
    },
    meta: { table, column: kwargs.column, severity: 'error' },
  });
  return validationDocument(
    [
      load('labels', 'expect_table_file_to_exist', { detail: '/data/month_bad/labels.csv is missing' }),
      load(
        'payments_agg_90d',
        'expect_column_values_to_be_of_type',
        { column: 'failed_payments_90d', detail: 'not a INTEGER: expected a whole number' },
        {
          unexpected_count: 2,
          unexpected_percent: 0.08,
          partial_unexpected_list: ['abc', HOSTILE],
          partial_unexpected_index_list: [
            { user_id: '7102-YCXMR', line: 4 },
            { user_id: '8573-JFTTV', line: 9 },
          ],
        },
      ),
      load('', 'expect_month_folder_to_be_readable', { detail: 'permission denied' }),
    ],
    { ...META, month: 'month_bad', tables: [] },
  );
}

describe('renderReport', () => {
  it('renders every value from the data inert', () => {
    const page = renderReport(failingDocument(), PROFILES);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).not.toContain('"><b>');
    expect(page).toContain('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // no tag carries an event handler or a source, whatever the values hold (quoted attribute values aside)
    const tags = page.replace(/"[^"]*"/g, '""');
    expect(tags).not.toMatch(/<[^>]*\son[a-z]+=/i);
    expect(tags).not.toMatch(/<[^>]*\ssrc=/i);
  });

  it('lists failed results first, then warnings, then passes, failures highlighted', () => {
    const page = renderReport(failingDocument(), PROFILES);
    const users = page.slice(page.indexOf('id="table-users"'), page.indexOf('id="table-usage_agg_30d"'));
    const failed = users.indexOf('id="exp-users.01.expect_column_values_to_be_in_set"');
    const warned = users.indexOf('id="exp-users.02.expect_column_values_to_match_regex"');
    const passed = users.indexOf('id="exp-users.00.expect_table_row_count_to_be_between"');
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(warned);
    expect(warned).toBeLessThan(passed);
    expect(users).toMatch(/<tr class="result failed" id="exp-users\.01[^"]*"><td><span class="badge failed">FAIL<\/span>/);
    expect(users).toContain('<span class="badge warning">WARN</span>');
  });

  it('shows the header, verdict, counts and input files', () => {
    const page = renderReport(failingDocument(), PROFILES);
    expect(page).toContain('month_test');
    expect(page).toContain('2024-01-31');
    expect(page).toContain('20240131T000000Z-abc123');
    expect(page).toMatch(/<span class="verdict-text">Failed<\/span>/);
    expect(page).toMatch(/stat-value">4<\/div><div class="stat-label">evaluated/);
    expect(page).toMatch(/stat-value">1<\/div><div class="stat-label">failed/);
    expect(page).toMatch(/stat-value">1<\/div><div class="stat-label">warnings/);
    expect(page).toContain('users.csv');
    expect(page).toContain('aaaaaaaaaaaa');
    expect(page).not.toContain(`${'a'.repeat(13)}<`);
  });

  it('spells expectations out with their reason, counts and samples', () => {
    const page = renderReport(failingDocument(), PROFILES);
    expect(page).toContain('values between 0 and 720');
    expect(page).toContain('values in {Female, Male}');
    expect(page).toContain('row count between 1 and 50,000,000');
    expect(page).toContain('the CRM offers these two values');
    expect(page).toContain('3</strong> <span class="muted">of 100</span> <span class="muted">unexpected</span> <span class="pct">(3%)</span>');
    expect(page).toContain('0001-AAAAA');
    expect(page).toMatch(/<td class="num">7<\/td>/);
    expect(page).toContain('<span class="null">NULL</span>');
  });

  it('shows a card per column: exact figures, money to the cent, a histogram against the previous month, category bars', () => {
    const page = renderReport(failingDocument(), PROFILES);
    const fees = page.slice(page.indexOf('data-column="monthly_fee"'));
    expect(fees).toContain('title="8684.8">8,684.80<');
    expect(fees).toContain('<dt>distinct</dt><dd>1,585</dd>');
    // equal-width bins as profileMonth counted them, both months on them, shares of each month's values
    expect(fees).toMatch(/<svg class="chart histogram"[^>]*data-bins="10" data-start="0" data-width="20"/);
    expect(fees).toMatch(/<rect class="then"[^>]*data-bin="1" data-share="0.300000"><title>20.00 to under 40.00: previous 30%, now 5%<\/title>/);
    expect(fees).toMatch(/<rect class="now"[^>]*data-bin="4" data-share="0.250000"/);
    expect(fees).toContain('<text class="y-label" transform="translate(10 62) rotate(-90)" text-anchor="middle">share of rows</text>');
    expect(fees).toMatch(/<text class="x-label"[^>]*>current monthly charge<\/text>/);
    expect(fees).toContain('decile edges</span> 60.00 · 120.00');
    expect(fees).toContain('60.00 → 90.00 (×1.50)');
    expect(page).toMatch(/<svg class="chart categories"[^>]*data-bins="3"/);
    expect(page).toContain('title="700.123456789">700.12<');
    expect(page).not.toContain('≈');
  });

  it('marks estimated figures ≈, with the method in the tooltip, and only those', () => {
    const estimated = (column: ColumnMetrics): ColumnMetrics =>
      column.column_name === 'monthly_fee' ? { ...column, estimated: ['quantiles', 'distinct_count'] } : column;
    const page = renderReport(failingDocument(), { ...PROFILES, metrics: { ...PROFILES.metrics, columns: PROFILES.metrics.columns.map(estimated) } });
    const fees = page.slice(page.indexOf('data-column="monthly_fee"'));
    expect(fees).toMatch(/<dt>distinct<\/dt><dd><span title="estimated: the distinct values among those whose hash is 0 modulo 16[^"]*">≈ 1,585<\/span><\/dd>/);
    expect(fees).toMatch(/<span title="estimated from every 16th line[^"]*">≈ /);
    expect(fees).toContain('<span class="muted">decile edges (≈)</span>');
    expect(page.match(/≈/g)).toHaveLength(3);
  });

  it('draws trends across frozen months and names the first month as having nothing to compare', () => {
    const page = renderReport(failingDocument(), PROFILES);
    expect(page).toMatch(/<svg class="chart trend flagged"|<svg class="chart trend line"/);
    // every trend states its y axis: a title, and ticks from 0
    expect(page).toMatch(/<svg class="chart trend line"[^>]*data-y-min="0"/);
    expect(page).toContain('<text class="y-label"');
    const first = renderReport(failingDocument(), {
      ...PROFILES,
      metrics: { ...PROFILES.metrics, columns: PROFILES.metrics.columns.slice(0, 2), previous: [] },
      history: [],
    });
    expect(first).toContain('No previous month to compare with');
  });

  it('folds passing expectations, one line each, and draws a warning-only attention box amber', () => {
    const page = renderReport(failingDocument(), PROFILES);
    expect(page).toMatch(/<details class="passes"><summary>1 passing expectation<\/summary><ul><li id="exp-users\.00/);
    const document = failingDocument();
    const warnOnly = validationDocument(
      document.results.filter((result) => result.success || result.meta.severity === 'warn'),
      document.meta,
    );
    expect(renderReport(warnOnly, PROFILES)).toContain('<section class="block attention warning">');
    expect(page).toContain('<section class="block attention failed">');
  });

  it('says "passed with warnings" when only warnings failed', () => {
    const document = failingDocument();
    const warnOnly = validationDocument(
      document.results.filter((result) => result.success || result.meta.severity === 'warn'),
      document.meta,
    );
    expect(renderReport(warnOnly, PROFILES)).toContain('<span class="verdict-text">Passed with warnings</span>');
  });

  it('says when an exact replay reused the results of the run that froze the month, and links its report', () => {
    const document = failingDocument();
    const passing = document.results.filter((result) => result.success);
    const page = renderReport(validationDocument(passing, { ...document.meta, reused_from_run: '20240131T000000Z-abc123' }), undefined);
    expect(page).toContain('Nothing was recomputed');
    expect(page).toContain('<a class="mono" href="../20240131T000000Z-abc123/report.html">20240131T000000Z-abc123</a>');
    expect(renderReport(validationDocument(passing, document.meta), PROFILES)).not.toContain('Nothing was recomputed');
  });

  it('renders a month that failed to load, with no profiles', () => {
    const page = renderReport(failedLoadDocument(), undefined);
    expect(page).toContain('<span class="verdict-text">Failed</span>');
    expect(page).toContain('The month did not load');
    expect(page).toContain('No input file could be loaded: the problems below say why.');
    expect(page).toContain('/data/month_bad/labels.csv is missing');
    expect(page).toContain('the table file is present');
    expect(page).toContain('values parse as the declared type');
    expect(page).toContain('No column statistics');
    expect(page).toContain('data-table="(month)"');
    expect(page.match(/<section class="table-section"/g)).toHaveLength(3);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toContain('undefined');
    expect(page).not.toContain('NaN');
  });

  it('references nothing outside the page', () => {
    for (const page of [renderReport(failingDocument(), PROFILES), renderReport(failedLoadDocument(), undefined)]) {
      expect(page).not.toMatch(/https?:\/\//i);
      expect(page).not.toMatch(/<script[^>]*\ssrc/i);
      expect(page).not.toMatch(/<link/i);
      expect(page).not.toMatch(/@import|url\(/i);
    }
  });

  it('is the same page for the same input, whatever the clock says', () => {
    const first = renderReport(failingDocument(), PROFILES);
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2031-06-01T12:00:00Z'));
      expect(renderReport(failingDocument(), PROFILES)).toBe(first);
    } finally {
      vi.useRealTimers();
    }
  });
});

/** A region of a page, in CSS pixels from the top left of the whole page (a full-page screenshot's pixels). */
interface Region {
  readonly name: string;
  /** The element's class attribute. */
  readonly kind: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where the elements `selector` matches are drawn on the page. */
async function regionsOf(page: Page, selector: string): Promise<Region[]> {
  return page.locator(selector).evaluateAll((nodes) =>
    nodes.map((node, index) => {
      const box = node.getBoundingClientRect();
      const view = globalThis as any;
      return {
        name: `${node.getAttribute('aria-label') ?? node.getAttribute('class')} #${index}`,
        kind: node.getAttribute('class') ?? '',
        x: Math.round(box.left + view.scrollX),
        y: Math.round(box.top + view.scrollY),
        width: Math.round(box.width),
        height: Math.round(box.height),
      };
    }),
  );
}

/**
 * The regions whose share of coloured pixels is below what one drawn holds: a histogram's
 * bars, a category chart's, a trend's line through two points or more, a verdict's mark and bar.
 */
function blankRegions(regions: readonly Region[], shares: readonly number[]): string[] {
  const least = (kind: string) => (kind.includes('histogram') ? 0.02 : kind.includes('categories') ? 0.03 : kind.includes('verdict') ? 0.02 : 0.01);
  return regions.flatMap((region, index) => (shares[index] < least(region.kind) ? [`${region.name}: ${shares[index]}`] : []));
}

/** A full-page screenshot, kept under SCREENSHOTS; returns its path. */
async function keepScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * For each region of a PNG file, the share of its pixels in colour: the report draws its
 * figures (bars, lines, points, verdict marks) in colour, and text, axes and backgrounds in
 * greys, so a region drawn blank, or holding only its labels, has next to none. The browser
 * decodes the file as written.
 */
async function colourShares(browser: Browser, png: string, regions: readonly Region[]): Promise<number[]> {
  const page = await browser.newPage();
  try {
    const shares = await page.evaluate(
      async ({ data, regions }) => {
        const view = globalThis as any;
        const image = new view.Image();
        image.src = `data:image/png;base64,${data}`;
        await image.decode();
        const canvas = view.document.createElement('canvas');
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        const context = canvas.getContext('2d');
        context.drawImage(image, 0, 0);
        return regions.map(({ x, y, width, height }) => {
          const pixels: Uint8ClampedArray = context.getImageData(x, y, width, height).data;
          let coloured = 0;
          for (let at = 0; at < pixels.length; at += 4) {
            const channels = [pixels[at], pixels[at + 1], pixels[at + 2]];
            if (Math.max(...channels) - Math.min(...channels) > 64) coloured += 1;
          }
          return coloured / (width * height);
        });
      },
      { data: fs.readFileSync(png).toString('base64'), regions },
    );
    return shares;
  } finally {
    await page.close();
  }
}

describe.runIf(requirePrerequisite(CHROMIUM_BROWSER))('report.html in a browser', () => {
  let browser: Browser;
  const dir = tempDir('streamflow-report-');

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it.runIf(requirePrerequisite(REAL_EXPORTS))(
    'shows a real run: verdict, a section per table, histograms and trend lines drawn, no console error, no request leaves the page',
    async () => {
      const warehouse = path.join(dir, 'warehouse');
      const january = await cli('--seeds', REAL, '--warehouse', warehouse, '--json', 'ingest', 'month_000', '2024-01-31');
      expect(january.code, january.stderr).toBe(0);
      const run = await cli('--seeds', REAL, '--warehouse', warehouse, '--json', 'ingest', 'month_001', '2024-02-29');
      expect(run.code, run.stderr).toBe(0);
      const reportDir = path.resolve(warehouse, run.json.report_path);
      const file = path.join(reportDir, 'report.html');
      const validation = JSON.parse(fs.readFileSync(path.join(reportDir, 'validation.json'), 'utf8')) as ValidationDocument;

      const { page, requests, consoleErrors } = await openReport(browser, file);
      const screenshot = await keepScreenshot(page, 'report-real.png');
      expect(consoleErrors).toEqual([]);

      const verdict = page.locator('.verdict-text');
      expect(await verdict.isVisible()).toBe(true);
      // The real months carry one warning: avg_session_mins_7d is constant.
      expect(await verdict.textContent()).toBe('Passed with warnings');
      expect(await page.locator('.stat').first().textContent()).toContain(String(validation.statistics.evaluated_expectations));
      expect(await page.locator('section.attention').getAttribute('class')).toBe('block attention warning');

      const sections = page.locator('section.table-section');
      const tables = await sections.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-table')));
      expect(tables).toEqual(['users', 'subscriptions', 'usage_agg_30d', 'payments_agg_90d', 'support_agg_90d', 'labels']);
      for (const table of tables) {
        const section = page.locator(`section[data-table="${table}"]`);
        expect(await section.locator('h2').textContent()).toBe(table);
        expect(await section.locator('details.passes li').count()).toBeGreaterThan(0);
        // folded: the passing lines take no room until opened
        expect(await section.locator('details.passes li').first().isVisible()).toBe(false);
        expect(await section.locator('article.column-card').count()).toBeGreaterThan(1);
      }
      // Histograms of this month over the previous one, with bars of both months that have a height.
      const histograms = page.locator('svg.chart.histogram');
      expect(await histograms.count()).toBe(11);
      const drawn = await page
        .locator('svg.chart.histogram rect.now')
        .evaluateAll((rects) => rects.filter((rect) => rect.getBoundingClientRect().height > 0).length);
      expect(drawn).toBeGreaterThan(30);
      expect(await page.locator('svg.chart.histogram rect.then').count()).toBeGreaterThan(30);
      expect(await page.locator('svg.chart.categories rect.now').count()).toBeGreaterThan(10);
      // Trend lines across both frozen months: a line through two points each, the label rate among them,
      // and the column flagged this month (avg_session_mins_7d's warning).
      const trends = page.locator('svg.chart.trend');
      expect(await trends.count()).toBe(5);
      expect(await page.locator('svg.chart.trend.flagged[aria-label="avg_session_mins_7d: mean per month"]').count()).toBe(1);
      for (const trend of await trends.all()) {
        expect(await trend.getAttribute('data-points')).toBe('2');
        expect(await trend.locator('polyline').count()).toBe(1);
      }
      expect(
        await page
          .locator('svg.chart.trend[aria-label="label rate per month"] circle')
          .evaluateAll((marks) => marks.map((mark) => Number(mark.getAttribute('data-value')).toFixed(3))),
      ).toEqual(['0.265', '0.242']);
      expect(await page.locator('#month-over-month').textContent()).toContain('26.5 % → 24.2 %');
      // readable at a laptop's width, and no longer the 11,000 px page of every expectation unfolded
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      expect(Number(await page.evaluate('document.documentElement.scrollHeight'))).toBeLessThan(7000);
      expect(requests).toEqual([]);
      // The screenshot as kept shows every chart drawn: 5 trend lines, 11 histograms, 10 category
      // charts, each with a share of coloured pixels well above what its labels and axes give
      // (at least 1 % for a trend line, 3 % for category bars, 2 % for a histogram — a constant
      // column's one bar the least — where labels, axes and gridlines alone give 0.3 % or less).
      const charts = await regionsOf(page, 'svg.chart');
      expect(charts.map((chart) => chart.kind.split(' ')[1]).sort()).toEqual(
        [...Array(11).fill('histogram'), ...Array(10).fill('categories'), ...Array(5).fill('trend')].sort(),
      );
      expect(blankRegions(charts, await colourShares(browser, screenshot, charts))).toEqual([]);

      // The run index links this report.
      const index = await openReport(browser, path.join(warehouse, 'reports', 'index.html'));
      expect(index.consoleErrors).toEqual([]);
      expect(await index.page.locator('table.runs tbody tr').count()).toBe(2);
      await index.page.locator(`a:text("${run.json.run_id}")`).click();
      expect(index.page.url()).toBe(pathToFileURL(file).href);
    },
  );

  it('keeps hostile values inert in the browser, and a failed load readable', async () => {
    const file = path.join(dir, 'report-hostile.html');
    fs.writeFileSync(file, renderReport(failingDocument(), PROFILES));
    const { page, requests, dialogs } = await openReport(browser, file);
    const screenshot = await keepScreenshot(page, 'report-hostile.png');
    expect(dialogs).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('script, img, link, iframe').count()).toBe(0);
    expect(await page.evaluate('[...document.querySelectorAll("*")].some((node) => [...node.attributes].some((a) => a.name.startsWith("on")))')).toBe(false);
    expect(await page.locator('.sample-table').first().textContent()).toContain(HOSTILE);
    expect(await page.locator('.verdict-text').textContent()).toBe('Failed');
    expect(await page.locator('tr.result').first().getAttribute('class')).toBe('result failed');

    const loadFile = path.join(dir, 'report-load.html');
    fs.writeFileSync(loadFile, renderReport(failedLoadDocument(), undefined));
    const load = await openReport(browser, loadFile);
    const loadScreenshot = await keepScreenshot(load.page, 'report-load.png');
    expect(await load.page.locator('.verdict-text').isVisible()).toBe(true);
    expect(await load.page.locator('section.table-section').count()).toBe(3);
    expect(load.requests).toEqual([]);
    // Both screenshots, as kept, show the verdict's red mark and bar, and the hostile page its histograms and category bars.
    const hostileRegions = await regionsOf(page, 'section.verdict, svg.chart.histogram, svg.chart.categories');
    expect(hostileRegions.map((region) => region.kind)).toEqual(['verdict failed', 'chart categories', 'chart histogram', 'chart histogram']);
    expect(blankRegions(hostileRegions, await colourShares(browser, screenshot, hostileRegions))).toEqual([]);
    const loadRegions = await regionsOf(load.page, 'section.verdict, svg.chart');
    expect(loadRegions.map((region) => region.kind)).toEqual(['verdict failed']);
    expect(blankRegions(loadRegions, await colourShares(browser, loadScreenshot, loadRegions))).toEqual([]);
  });
});
