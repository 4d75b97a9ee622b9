import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, takePageProblems } from '../support/browser.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => browser?.close());

describe('browser tests see every console error and page error', () => {
  it('collects console.error and an uncaught error from any page', async () => {
    const page = await browser.newPage();
    await page.setContent(
      `<script>console.error('broken on purpose'); setTimeout(() => { throw new Error('thrown on purpose'); });</script>`,
    );
    const seen: string[] = [];
    await expect
      .poll(() => (seen.push(...takePageProblems()), seen.join('\n')), { timeout: 5_000 })
      .toMatch(/broken on purpose[\s\S]*thrown on purpose/);
    await page.close();
  });

  it('collects them from a page of a context the test made itself', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.setContent(`<script>console.error('from a context')</script>`);
    await expect.poll(() => takePageProblems().join('\n'), { timeout: 5_000 }).toMatch(/from a context/);
    await context.close();
  });
});
