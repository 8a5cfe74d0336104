// The report's charts read as charts (issue 25): histograms on equal-width bins that show
// a distribution's shape, both months overlaid on the same bins, axes whose ticks carry
// values, and trend lines on a stated y axis from 0 across their card's width, one for
// every column flagged this month. Both real months' reports, as the run wrote them, in
// Chromium: month_000's has no previous month, month_001's draws month_000 under it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_BROWSER, LAUNCH_ARGS, openReport } from './chromium';
import { REAL_EXPORTS, REPO, realWarehouse, requirePrerequisite } from './helpers';

const SCREENSHOTS = path.join(REPO, 'test-artifacts', 'screenshots');

/** Columns whose values are far from uniform: their deciles drew ten bars of one height. */
const SKEWED = ['monthly_fee', 'total_paid', 'ticket_avg_resolution_hrs_90d'];
const NUMERIC_COLUMNS = 11;

/** The report of the run that ingested `month`, found by its validation.json. */
function reportOf(warehouse: string, month: string): string {
  const reports = path.join(warehouse, 'reports');
  const dir = fs
    .readdirSync(reports)
    .map((name) => path.join(reports, name))
    .find((candidate) => {
      const validation = path.join(candidate, 'validation.json');
      return fs.existsSync(validation) && JSON.parse(fs.readFileSync(validation, 'utf8')).meta.month === month;
    });
  if (!dir) throw new Error(`no report of ${month} under ${reports}`);
  return path.join(dir, 'report.html');
}

interface DrawnHistogram {
  readonly column: string;
  readonly bins: number;
  readonly now: number[];
  readonly nowHeights: number[];
  readonly then: number[];
  readonly xTicks: string[];
  readonly yTicks: string[];
  readonly xLabel: string;
  readonly yLabel: string;
}

async function histogramsOf(page: Page): Promise<DrawnHistogram[]> {
  return page.locator('article.column-card').evaluateAll((cards) =>
    cards.flatMap((card) => {
      const svg = card.querySelector('svg.chart.histogram');
      if (!svg) return [];
      const texts = (selector: string) => [...svg.querySelectorAll(selector)].map((node) => node.textContent?.trim() ?? '');
      const shares = (tone: string) => [...svg.querySelectorAll(`rect.${tone}`)].map((rect) => Number(rect.getAttribute('data-share')));
      return [
        {
          column: card.getAttribute('data-column') ?? '',
          bins: Number(svg.getAttribute('data-bins')),
          now: shares('now'),
          nowHeights: [...svg.querySelectorAll('rect.now')].map((rect) => rect.getBoundingClientRect().height),
          then: shares('then'),
          xTicks: texts('.x-tick'),
          yTicks: texts('.y-tick'),
          xLabel: texts('.x-label').join(''),
          yLabel: texts('.y-label').join(''),
        },
      ];
    }),
  );
}

interface DrawnTrend {
  readonly caption: string;
  readonly points: number;
  readonly yMin: number;
  readonly yMax: number;
  readonly yLabel: string;
  readonly yTicks: string[];
  readonly xTicks: string[];
  /** The chart's width over its card's content width. */
  readonly fill: number;
}

async function trendsOf(page: Page): Promise<DrawnTrend[]> {
  return page.locator('figure.trend-card').evaluateAll((cards) =>
    cards.map((card) => {
      const svg = card.querySelector('svg.chart.trend') as NonNullable<ReturnType<typeof card.querySelector>>;
      const texts = (selector: string) => [...svg.querySelectorAll(selector)].map((node) => node.textContent?.trim() ?? '');
      const style = (globalThis as any).getComputedStyle(card);
      const content = card.getBoundingClientRect().width - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight);
      return {
        caption: svg.getAttribute('aria-label') ?? '',
        points: Number(svg.getAttribute('data-points')),
        yMin: Number(svg.getAttribute('data-y-min')),
        yMax: Number(svg.getAttribute('data-y-max')),
        yLabel: texts('.y-label').join(''),
        yTicks: texts('.y-tick'),
        xTicks: texts('.x-tick'),
        fill: svg.getBoundingClientRect().width / content,
      };
    }),
  );
}

/** Tick labels of every category chart: its share axis. */
async function categoryTicksOf(page: Page): Promise<string[][]> {
  return page
    .locator('svg.chart.categories')
    .evaluateAll((charts) => charts.map((chart) => [...chart.querySelectorAll('.x-tick')].map((node) => node.textContent?.trim() ?? '')));
}

describe.runIf(requirePrerequisite(CHROMIUM_BROWSER, REAL_EXPORTS))('report charts in a browser', () => {
  let browser: Browser;
  let warehouse: string;

  beforeAll(async () => {
    warehouse = realWarehouse('february');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(month: string) {
    const opened = await openReport(browser, reportOf(warehouse, month));
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await opened.page.screenshot({ path: path.join(SCREENSHOTS, `report-charts-${month}.png`), fullPage: true });
    for (const table of ['subscriptions', 'usage_agg_30d', 'support_agg_90d']) {
      await opened.page
        .locator(`section[data-table="${table}"] .column-grid`)
        .screenshot({ path: path.join(SCREENSHOTS, `report-charts-${month}-${table}.png`) });
    }
    await opened.page.locator('#trends').screenshot({ path: path.join(SCREENSHOTS, `report-charts-${month}-trends.png`) });
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.requests).toEqual([]);
    return opened.page;
  }

  /** What both months' histograms must show, overlaid or not. */
  function expectReadableHistograms(histograms: readonly DrawnHistogram[]) {
    expect(histograms).toHaveLength(NUMERIC_COLUMNS);
    for (const histogram of histograms) {
      const context = histogram.column;
      expect(histogram.bins, context).toBeGreaterThanOrEqual(8);
      expect(histogram.now, context).toHaveLength(histogram.bins);
      // the shares of one month add up to the whole (every non-NULL value is in a bin)
      expect(
        histogram.now.reduce((sum, share) => sum + share, 0),
        context,
      ).toBeCloseTo(1, 4);
      // ticks with values on both axes, a share axis in %, and both axes titled
      expect(histogram.xTicks.length, context).toBeGreaterThanOrEqual(3);
      for (const tick of histogram.xTicks) expect(tick, context).toMatch(/^-?[\d,.]+$/);
      expect(histogram.yTicks.length, context).toBeGreaterThanOrEqual(3);
      for (const tick of histogram.yTicks) expect(tick, context).toMatch(/^[\d.]+%$/);
      expect(histogram.yTicks[0], context).toBe('0%');
      expect(histogram.yLabel, context).toBe('share of rows');
      expect(histogram.xLabel.length, context).toBeGreaterThan(3);
    }
    for (const column of SKEWED) {
      const histogram = histograms.find((candidate) => candidate.column === column);
      const heights = histogram?.nowHeights ?? [];
      // drawn unequal: many different heights, the tallest bar well above the typical one
      expect(new Set(heights.map((height) => Math.round(height))).size, column).toBeGreaterThanOrEqual(6);
      const sorted = [...heights].sort((a, b) => a - b);
      expect(sorted.at(-1) ?? 0, column).toBeGreaterThan(2 * sorted[Math.floor(sorted.length / 2)]);
    }
  }

  it("draws month_000's numeric columns alone on equal-width bins over its own range, every axis with its values", async () => {
    const page = await open('month_000');
    const histograms = await histogramsOf(page);
    expectReadableHistograms(histograms);
    for (const histogram of histograms) expect(histogram.then, histogram.column).toEqual([]);
    // a constant column draws one bar holding every row, in the middle
    const constant = histograms.find((histogram) => histogram.column === 'avg_session_mins_7d');
    expect(constant?.now.filter((share) => share > 0)).toEqual([1]);
    expect(constant?.now.indexOf(1)).toBe(Math.floor((constant?.bins ?? 0) / 2));

    const categories = await categoryTicksOf(page);
    expect(categories.length).toBe(10);
    for (const chartTicks of categories) expect(chartTicks).toEqual(['0%', '25%', '50%', '75%', '100%']);

    // a first month: one point per trend, each on a y axis from 0 with ticks and a title
    const trends = await trendsOf(page);
    expect(trends.map((trend) => trend.caption)).toContain('avg_session_mins_7d: mean per month');
    for (const trend of trends) {
      expect(trend.points, trend.caption).toBe(1);
      expect(trend.yLabel.length, trend.caption).toBeGreaterThan(0);
      expect(trend.yMin, trend.caption).toBe(0);
      expect(trend.yTicks.length, trend.caption).toBeGreaterThanOrEqual(2);
      expect(trend.xTicks, trend.caption).toEqual(['2024-01-31']);
    }
  });

  it("overlays month_000 under month_001 on the same bins, and draws every flagged column's trend on a stated axis", async () => {
    const page = await open('month_001');
    const histograms = await histogramsOf(page);
    expectReadableHistograms(histograms);
    for (const histogram of histograms) {
      expect(histogram.then, histogram.column).toHaveLength(histogram.bins);
      expect(
        histogram.then.reduce((sum, share) => sum + share, 0),
        histogram.column,
      ).toBeCloseTo(1, 4);
    }
    // the months differ where the data did: watch hours moved (its mean ×0.98), monthly fees did not
    const differs = (column: string) => {
      const histogram = histograms.find((candidate) => candidate.column === column);
      return histogram?.now.some((share, index) => Math.abs(share - (histogram.then[index] ?? 0)) > 1e-6);
    };
    expect(differs('watch_hours_30d')).toBe(true);
    expect(differs('monthly_fee')).toBe(false);

    const categories = await categoryTicksOf(page);
    expect(categories.length).toBe(10);
    for (const chartTicks of categories) expect(chartTicks.length).toBeGreaterThanOrEqual(3);

    const trends = await trendsOf(page);
    const captions = trends.map((trend) => trend.caption);
    // rows, the label rate, the two NULL shares, and the column flagged this month (a warning: one value for everybody)
    expect(captions).toEqual([
      'users: rows per month',
      'label rate per month',
      'plan_stream_tv: NULL share per month',
      'plan_stream_movies: NULL share per month',
      'avg_session_mins_7d: mean per month',
    ]);
    expect(await page.locator('figure.trend-card.warning svg[aria-label="avg_session_mins_7d: mean per month"]').count()).toBe(1);
    for (const trend of trends) {
      expect(trend.points, trend.caption).toBe(2);
      expect(trend.yLabel.length, trend.caption).toBeGreaterThan(0);
      // the range is stated: from 0, ticks at its round values, the top one above every point
      expect(trend.yMin, trend.caption).toBe(0);
      expect(trend.yTicks[0], trend.caption).toMatch(/^0%?$/);
      expect(trend.yTicks.length, trend.caption).toBeGreaterThanOrEqual(3);
      expect(trend.xTicks, trend.caption).toEqual(['2024-01-31', '2024-02-29']);
      // the card's full width, not two thirds of it
      expect(trend.fill, trend.caption).toBeGreaterThan(0.97);
    }
    // shares stay shares: a NULL share of about 21.7 % sits on an axis to 30 %, not stretched across the chart
    const nulls = trends.find((trend) => trend.caption === 'plan_stream_tv: NULL share per month');
    expect(nulls?.yMax).toBeCloseTo(0.3, 6);
  });
});
