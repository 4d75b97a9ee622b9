import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import {
  flagRampPlan,
  go,
  injectErrorRate,
  loadPlan,
  rehearse,
  useConsoleSession,
  waitForStatus,
  waitForStep,
} from './console-helpers.ts';

const s = useConsoleSession();

/**
 * Hovers the error-rate chart's latest samples and reads each variant's error rate from its tooltip: whether
 * it is above the plan's 2 %.
 */
async function hoverErrorRates(page: Page): Promise<Record<string, boolean>> {
  const plot = page.getByRole('figure', { name: 'Error rate by version' }).locator('.health-plot-area');
  await page.mouse.move(0, 0);
  const size = (await plot.boundingBox())!;
  await plot.hover({ position: { x: size.width - 2, y: size.height / 2 }, force: true });
  const text = await page.getByRole('tooltip').innerText({ timeout: 5_000 });
  const out: Record<string, boolean> = {};
  for (const m of text.matchAll(/variant (\w+) Error rate: ([\d.]+) ?%/g)) out[m[1]!] = Number(m[2]) > 2;
  return out;
}

/** The sandbox flag ramp with its steps replaced: 10 %, then a pause until promoted. */
const PLAN = flagRampPlan(['setPercentage: 10', 'pause: {}']);

describe('a flag ramp in the console', () => {
  it('rehearses a ramp, injects a fault on the new variant and pulls the kill switch: everyone back to off, read back', async () => {
    const { page } = s;
    await loadPlan(page, PLAN);
    await expect.poll(() => page.getByLabel('Flag key').inputValue()).toBe('new-checkout');
    expect(await page.getByLabel('FeatureFlag object').inputValue()).toBe('checkout-flags');

    await rehearse(page, 120);
    await waitForStep(page, 'pause until promoted');
    await waitForStatus(page, 'paused');
    const exposure = page.getByRole('table', { name: 'Exposure per variant' });
    await expect.poll(() => exposure.innerText()).toMatch(/on\s+10 %\s+10 %/);

    await injectErrorRate(page, 30, 'Fault applied to checkout, requests served variant on.');
    await screenshot(page, 'rehearse-flag-ramp-at-10');

    // The health timeline draws a line per variant, named in its legend, the fault on variant on's line only.
    const legend = page.getByLabel('Versions and variants');
    await expect.poll(async () => (await legend.innerText()).trim()).toMatch(/^variant off\s+variant on$/);
    const errors = page.getByRole('figure', { name: 'Error rate by version' });
    const line = (variant: string) =>
      errors.locator(`path.health-line[data-series="variant ${variant}/errorRate"]`);
    await expect.poll(() => line('on').count()).toBe(1);
    await expect.poll(() => line('off').count()).toBe(1);
    // Each variant's line and legend swatch in its exposure bar colour.
    const colour = (l: Locator, prop: 'stroke' | 'backgroundColor') =>
      l.evaluate((el, p) => el.ownerDocument.defaultView!.getComputedStyle(el)[p], prop);
    for (const variant of ['off', 'on']) {
      const bar = page
        .getByRole('list', { name: 'Traffic per track in the bar' })
        .getByRole('listitem')
        .filter({ hasText: new RegExp(`^\\s*${variant}\\s`) })
        .locator('.split-swatch');
      const swatch = legend.locator('span', { hasText: `variant ${variant}` }).locator('.swatch');
      const inBar = await colour(bar, 'backgroundColor');
      expect(await colour(swatch, 'backgroundColor')).toBe(inBar);
      expect(await colour(line(variant), 'stroke')).toBe(inBar);
    }
    expect(await colour(line('on'), 'stroke')).not.toBe(await colour(line('off'), 'stroke'));
    // The fault shows: variant on's error rate climbs above the plan's 2 % while variant off stays under it.
    await expect
      .poll(() => hoverErrorRates(page), { timeout: 60_000 })
      .toMatchObject({ on: true, off: false });
    for (const [width, height] of [
      [1440, 900],
      [1024, 700],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.mouse.move(0, 0);
      await page.evaluate('window.scrollTo(0, 0)');
      await screenshot(page, `rehearse-flag-ramp-timeline-per-variant-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });

    await page.getByRole('button', { name: /^Kill switch/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm kill switch' });
    await dialog.getByText('Pull the kill switch on this flag ramp?').waitFor();
    await page.keyboard.press('Enter');
    await waitForStatus(page, 'aborted');
    await expect.poll(() => exposure.innerText()).toMatch(/on\s+0 %\s+0 %/);
    await expect
      .poll(() => page.getByRole('list', { name: 'Decisions' }).innerText())
      .toMatch(/Kill switch pulled: flag "new-checkout" serves 0 % on/);
    await screenshot(page, 'rehearse-flag-ramp-killed');

    // History, read from the journal, draws the same two lines with the same legend.
    await go(page, 'History');
    await page
      .getByRole('table', { name: 'Releases' })
      .getByRole('button', { name: /^Open / })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await expect.poll(async () => (await legend.innerText()).trim()).toMatch(/^variant off\s+variant on$/);
    await expect.poll(() => line('on').count()).toBe(1);
    await expect.poll(() => line('off').count()).toBe(1);
    // Variant on's error-rate line climbs well above variant off's (which stays by the axis).
    const box = async (variant: string) => (await line(variant).boundingBox())!;
    const [lineOn, lineOff] = [await box('on'), await box('off')];
    expect(lineOn.y + 20).toBeLessThan(lineOff.y);
  }, 240_000);
});
