import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM = process.env.SWITCHYARD_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Launches headless Chromium, failing with the install command when it is missing. */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run "apt-get install -y chromium" (the README's test command does).`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...ARGS, ...extraArgs],
    headless: true,
  });
  // Every page of every context is watched, so each browser test fails on a console error or a page error.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args: Parameters<Browser['newContext']>): Promise<BrowserContext> => {
    const context = await newContext(...args);
    context.on('page', watchPage);
    return context;
  };
  return browser;
}

/** What pages logged with console.error or threw since the last `takePageProblems`. */
const problems: string[] = [];
/** Problems the current test expects (a test that cuts the socket on purpose), cleared with the problems. */
const expected: RegExp[] = [];

function watchPage(page: Page): void {
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()} (${m.location().url || page.url()})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}

/** Declares console errors the current test causes on purpose; others still fail it. */
export function expectPageProblems(...patterns: RegExp[]): void {
  expected.push(...patterns);
}

/** The console errors and page errors logged since the last call that no test expected; clears both lists. */
export function takePageProblems(): string[] {
  const unexpected = problems.filter((p) => !expected.some((e) => e.test(p)));
  problems.length = 0;
  expected.length = 0;
  return unexpected;
}

/** Where the browser tests save screenshots for people to look at (not committed). */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

/** Saves a full-page screenshot as test-results/screenshots/NAME.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
