import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import {
  dismissToasts,
  go,
  planFromScenario,
  rehearse,
  reloadUntilPausedAt,
  useConsoleSession,
  waitForStatus,
  waitForStep,
  withCanarySteps,
} from './console-helpers.ts';

const s = useConsoleSession();

/** The time under the left edge of the error-rate chart: when its first health sample was taken. */
async function firstSampleTime(page: Page): Promise<string> {
  const area = page.getByRole('figure', { name: 'Error rate by version' }).locator('.health-plot-area');
  // The mouse reaches only what is on screen: the controls above the chart can push it below the fold.
  await area.scrollIntoViewIfNeeded();
  const box = (await area.boundingBox())!;
  await page.mouse.move(box.x + 1, box.y + box.height / 2);
  const time = await page.getByRole('tooltip').locator('.muted').first().innerText();
  await page.mouse.move(0, 0);
  return time;
}

const split = (page: Page) => page.getByRole('img', { name: /^Actual split: / }).getAttribute('aria-label');

describe('a page reload during a release', () => {
  it('finds the rehearsal live again, caught up, with working controls, and aborts it to stable', async () => {
    const { page, app } = s;
    await planFromScenario(page, 'Performance optimisation', 'canary', (yaml) =>
      withCanarySteps(yaml, ['setWeight: 25', 'pause: {}', 'setWeight: 100']),
    );
    await rehearse(page, 60);
    await waitForStep(page, 'pause until promoted');
    await expect.poll(() => split(page), { timeout: 30_000 }).toMatch(/canary 25 %/);
    // A few health samples at 25 % before the reload.
    await expect.poll(() => page.getByText('No health data yet.').count(), { timeout: 30_000 }).toBe(0);
    const first = await firstSampleTime(page);
    const id = (await app.handlers['release:list']({})).releases[0]!.id;

    // Back on Rehearse by itself, with the steps, the traffic split and the timeline since the start.
    await reloadUntilPausedAt(page, 'pause until promoted');
    expect(await split(page)).toMatch(/canary 25 %/);
    await expect.poll(() => firstSampleTime(page), { timeout: 10_000 }).toBe(first);
    expect(await page.getByRole('list', { name: 'Decisions' }).innerText()).not.toBe('');
    await screenshot(page, 'rehearse-reattached-after-reload');

    // History says a live process drives it here and opens its live view instead of resuming it.
    await go(page, 'History');
    // The table marks it as driven by this console.
    await page
      .getByRole('table', { name: 'Releases' })
      .getByRole('row')
      .filter({ has: page.getByRole('button', { name: new RegExp(`Open .*${id}`) }) })
      .getByText('live here')
      .waitFor();
    await page.getByRole('button', { name: new RegExp(`Open .*${id}`) }).click();
    await expect(page.getByRole('button', { name: 'Resume release' }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Open live view' }).click();
    await page.getByRole('main', { name: 'Rehearse' }).waitFor();

    await dismissToasts(page);
    await page
      .getByRole('region', { name: 'Release controls' })
      .getByRole('button', { name: /^Abort/ })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Confirm abort' });
    await dialog.getByRole('button', { name: 'Abort now' }).click();
    await waitForStatus(page, 'aborted', 60_000);
    await expect.poll(() => split(page), { timeout: 30_000 }).toMatch(/stable 100 %.*canary 0 %/);
    const end = await app.handlers['release:get']({ id });
    expect(end.snapshot?.traffic.actual).toMatchObject({ stable: 100, canary: 0 });
    expect(end.audit.some((a) => /ABORT|abort/.test(a.what))).toBe(true);
  }, 240_000);
});
