import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import { launchBrowser } from '../support/browser.ts';
import { startTestConsole, type TestConsole } from '../support/web-shell.ts';

/** The real console (engine, built-in sandbox, web shell) and a Chromium page on it, at 1280×800. */
export interface ConsoleSession {
  app: TestConsole;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** Starts the console with no kubeconfig (the sandbox is the only context) and opens it. */
export async function openConsole(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<ConsoleSession> {
  const home = mkdtempSync(join(tmpdir(), 'sy-ui-'));
  const app = await startTestConsole({
    env: { KUBECONFIG: join(home, 'none.yaml') },
    home,
    dataDir: join(home, '.switchyard'),
    sandbox: createSandboxProvider(),
  });
  const browser = await launchBrowser();
  const page = await browser.newPage({
    viewport: { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  page.setDefaultTimeout(15_000);
  await page.goto(app.shell.url);
  await page.getByRole('heading', { name: 'Switchyard' }).waitFor();
  return {
    app,
    browser,
    page,
    async close() {
      await browser.close();
      await app.close();
    },
  };
}

/** Opens a screen from the navigation. */
export async function go(
  page: Page,
  screen: 'Connections' | 'Plan' | 'Rehearse' | 'Run' | 'History',
): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: screen }).click();
}

/** Loads the guidance's pre-filled plan for a scenario into the editor and waits until main validated it. */
export async function planFromScenario(page: Page, scenario: string, strategy: string): Promise<void> {
  await go(page, 'Plan');
  await page.getByLabel('Scenario', { exact: true }).selectOption({ label: scenario });
  await page.getByRole('button', { name: 'Recommend strategies' }).click();
  await page.getByRole('button', { name: `Use ${strategy}`, exact: true }).click();
  await page
    .getByRole('status')
    .filter({ hasText: /valid plan|problem/ })
    .waitFor();
}
