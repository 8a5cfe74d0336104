// Headless Chromium for the tests that open report.html: Debian's package (.ci/run
// installs it), driven by playwright-core, with nothing that reaches the network.
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { Prerequisite } from './helpers';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_BROWSER: Prerequisite = {
  name: 'Chromium',
  missing: fs.existsSync(CHROMIUM) ? null : `no ${CHROMIUM} (Debian's chromium package, which .ci/run installs)`,
};

export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Opens a report file and records every request the page makes besides loading itself. */
export async function openReport(browser: Browser, file: string): Promise<{ page: Page; requests: string[]; dialogs: string[]; consoleErrors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1320, height: 900 } });
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const dialogs: string[] = [];
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => {
    if (request.url() !== url) requests.push(request.url());
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, requests, dialogs, consoleErrors };
}
