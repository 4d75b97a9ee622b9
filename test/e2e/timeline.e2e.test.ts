import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { rehearseCanaryUntil, useConsoleSession, waitForStatus } from './console-helpers.ts';

const s = useConsoleSession();

type Box = { x: number; y: number; width: number; height: number };

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The boxes of what the notifications must never cover: each chart, the zoom buttons and the release controls. */
async function coveredBoxes(page: Page): Promise<{ name: string; box: Box }[]> {
  const out: { name: string; box: Box }[] = [];
  const add = async (name: string, l: Locator) => {
    for (const [i, el] of (await l.all()).entries()) {
      const box = await el.boundingBox();
      if (box) out.push({ name: `${name} ${i + 1}`, box });
    }
  };
  await add('chart', page.locator('.timeline figure.chart'));
  await add('zoom buttons', page.getByRole('group', { name: 'Zoom and pan' }));
  await add('release controls', page.getByRole('region', { name: 'Release controls' }));
  return out;
}

/** Every notification box that covers a chart, the zoom buttons or the controls, by name. */
async function covered(page: Page): Promise<string[]> {
  const toasts = await page.getByRole('log', { name: 'Notifications' }).locator('.toast').all();
  const boxes = await coveredBoxes(page);
  const hits: string[] = [];
  for (const t of toasts) {
    const tb = await t.boundingBox();
    if (!tb) continue;
    for (const { name, box } of boxes) if (overlaps(tb, box)) hits.push(name);
  }
  return hits;
}

describe('the health timeline of a live release', () => {
  it('stays zoomed on a live canary without errors, labels the sandbox clock, and keeps notifications off the charts and controls when it aborts', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1440, height: 900 });
    await rehearseCanaryUntil(
      page,
      ['setWeight: 10', 'pause: { duration: 1m }', 'setWeight: 25', 'pause: { duration: 20m }'],
      'set weight 25 %',
    );

    // The sandbox's compressed clock is labelled on the time axis.
    const axis = page.getByRole('figure', { name: 'Error rate by version' }).locator('.health-axis text');
    await expect.poll(() => axis.allTextContents()).toContain('sim');

    // Zoomed in while samples keep arriving: the charts keep drawing new points (and the page logs no
    // NaN attribute: every browser test fails on a console error).
    const zoom = page.getByRole('group', { name: 'Zoom and pan' });
    await zoom.getByRole('button', { name: 'Zoom in' }).click();
    const drawnTo = async () =>
      Number(await page.locator('.timeline .health-lines').first().getAttribute('data-drawn-to'));
    const before = await drawnTo();
    await expect.poll(drawnTo, { timeout: 60_000 }).toBeGreaterThan(before + 10_000);
    await zoom.getByRole('button', { name: 'Zoom out' }).click();
    await zoom.getByRole('button', { name: 'Show all' }).click();

    // Notifications go after 12 s: each check below first makes sure some are on screen.
    const notifications = page.getByRole('log', { name: 'Notifications' }).locator('.toast');
    const shown = notifications.filter({ hasText: /abort/i }).first().waitFor({ timeout: 180_000 });
    await page.getByLabel('Error rate (%)').fill('30');
    await page.getByRole('button', { name: 'Inject fault' }).click();
    await shown;
    const uncovered = async () => {
      await page.getByRole('heading', { name: 'Health timeline' }).scrollIntoViewIfNeeded();
      expect(await notifications.count()).toBeGreaterThan(0);
      expect(await covered(page)).toEqual([]);
    };
    await uncovered();
    await page.setViewportSize({ width: 1024, height: 700 });
    await uncovered();
    await screenshot(page, 'timeline-notifications-1024');
    await page.setViewportSize({ width: 1440, height: 900 });
    await uncovered();
    await screenshot(page, 'timeline-notifications-1440');
    await waitForStatus(page, 'aborted');
  }, 240_000);
});
