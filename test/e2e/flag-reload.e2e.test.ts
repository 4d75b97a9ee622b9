import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import {
  flagRampPlan,
  injectErrorRate,
  loadPlan,
  rehearse,
  reloadUntilPausedAt,
  useConsoleSession,
  waitForStatus,
  waitForStep,
} from './console-helpers.ts';

const s = useConsoleSession();

/** The sandbox flag ramp: 10 %, a pause until promoted, 50 %, a pause of two hours (60 s at 120×), 100 %. */
const PLAN = flagRampPlan([
  'setPercentage: 10',
  'pause: {}',
  'setPercentage: 50',
  'pause: { duration: 120m }',
  'setPercentage: 100',
]);

const exposure = (page: Page) => page.getByRole('table', { name: 'Exposure per variant' }).innerText();
const control = (page: Page, name: RegExp) =>
  page.getByRole('region', { name: 'Release controls' }).getByRole('button', { name });
const noHealthYet = (page: Page) => page.getByText('No health data yet.').count();

describe('a page reload during a flag ramp', () => {
  it('finds the ramp again with its exposure and timeline; promote, pause, the kill switch and the fault panel work after it', async () => {
    const { page, app } = s;
    await loadPlan(page, PLAN);
    await rehearse(page, 120);
    await waitForStep(page, 'pause until promoted');
    await waitForStatus(page, 'paused');
    await expect.poll(() => exposure(page), { timeout: 30_000 }).toMatch(/on\s+10 %\s+10 %/);
    await expect.poll(() => noHealthYet(page), { timeout: 30_000 }).toBe(0);
    const id = (await app.handlers['release:list']({})).releases[0]!.id;

    await reloadUntilPausedAt(page, 'pause until promoted');
    // The ramp's exposure read back, its decisions and health timeline are back too.
    await expect.poll(() => exposure(page), { timeout: 10_000 }).toMatch(/on\s+10 %\s+10 %/);
    await expect.poll(() => noHealthYet(page), { timeout: 10_000 }).toBe(0);
    await page.getByRole('figure', { name: 'Error rate by version' }).waitFor();
    expect(await page.getByRole('list', { name: 'Decisions' }).innerText()).toMatch(/waits for an operator/);
    for (const [width, height] of [
      [1440, 900],
      [1024, 700],
    ] as const) {
      await page.setViewportSize({ width, height });
      await screenshot(page, `rehearse-flag-ramp-after-reload-${width}`);
    }
    // The fault panel still aims at the ramp's new variant, though the plan editor is empty after the reload.
    await page.getByText('checkout, requests served variant on').waitFor();
    await injectErrorRate(page, 5, 'Fault applied to checkout, requests served variant on.');

    // Promote: on to 50 % and its timed pause.
    await control(page, /^Promote\b/)
      .first()
      .click();
    await waitForStep(page, 'pause 120m');
    await expect.poll(() => exposure(page), { timeout: 30_000 }).toMatch(/on\s+50 %\s+50 %/);
    // Pause during the timed pause: the operator holds the ramp there.
    await waitForStatus(page, 'running', 30_000);
    await control(page, /^Pause\b/).click();
    await waitForStatus(page, 'paused', 30_000);
    expect(await exposure(page)).toMatch(/on\s+50 %\s+50 %/);

    // The kill switch: everyone back on off, read back from the flag.
    await control(page, /^Kill switch/).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm kill switch' });
    await dialog.getByText('Pull the kill switch on this flag ramp?').waitFor();
    await page.keyboard.press('Enter');
    await waitForStatus(page, 'aborted');
    await expect.poll(() => exposure(page), { timeout: 30_000 }).toMatch(/on\s+0 %\s+0 %/);
    const end = await app.handlers['release:get']({ id });
    expect(end.snapshot?.traffic.actual).toMatchObject({ on: 0, off: 100 });
    const what = end.audit.map((a) => a.what);
    expect(what).toEqual(expect.arrayContaining(['promote', 'abort', 'flagKill']));
    // The ramp's own pause at step 2, then the operator's.
    expect(what.filter((w) => w === 'pause')).toHaveLength(2);
  }, 240_000);
});
