import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SCREENSHOT_DIR, screenshot } from '../support/browser.ts';
import { dismissToasts, go, rehearseScenario, useConsoleSession, waitForStatus } from './console-helpers.ts';

const s = useConsoleSession();

const ROLLING = { scenario: 'Performance optimisation', strategy: 'rolling', speed: 30 };

/**
 * Screenshots of the release screen at the README's two window sizes, and of the traffic panel with the
 * steps beside it at each (`<name>-<width>-panel.png`).
 */
async function bothSizes(page: Page, name: string, panel: string): Promise<void> {
  for (const [w, h] of [
    [1440, 900],
    [1024, 700],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await dismissToasts(page);
    await page.getByRole('heading', { name: panel }).scrollIntoViewIfNeeded();
    await screenshot(page, `${name}-${w}`);
    await page
      .locator('.columns', { has: page.getByRole('heading', { name: panel }) })
      .screenshot({ path: join(SCREENSHOT_DIR, `${name}-${w}-panel.png`) });
  }
}

/** The pod counts as the panel reads them: [updated, ready, total]. */
async function podCounts(page: Page): Promise<number[]> {
  const text = await page.getByLabel('Pod counts').innerText();
  const m = /pods updated (\d+) \/ ready (\d+) \/ total (\d+)/.exec(text);
  return m ? m.slice(1).map(Number) : [];
}

/** Plans `strategy` from a scenario for the sandbox workload, rehearses it at `speed`, and returns the panel. */
async function rehearseStrategy(
  page: Page,
  plan: { scenario: string; strategy: string; speed: number },
  panel: string,
): Promise<Locator> {
  await rehearseScenario(page, plan);
  const region = page.getByRole('region', { name: panel });
  await region.waitFor();
  return region;
}

describe('the traffic panel', () => {
  it('shows a rolling release as pods updated / ready / total, moving to 20 / 20 / 20', async () => {
    const { page } = s;
    const panel = await rehearseStrategy(page, ROLLING, 'Rolling update');
    // Part-way: fewer than 20 updated, read from the Deployment, the surge and unavailable pods in flight.
    await expect
      .poll(async () => {
        const [updated] = await podCounts(page);
        return updated !== undefined && updated > 0 && updated < 20;
      })
      .toBe(true);
    expect(await panel.innerText()).toMatch(
      /20 wanted · surge \d+ of 5 allowed · unavailable \d+ of 2 allowed/,
    );
    expect(await panel.innerText()).toContain('Read from Deployment platform-production/workflow-engine');
    await bothSizes(page, 'traffic-rolling-part-way', 'Rolling update');
    await page.setViewportSize({ width: 1280, height: 800 });

    await expect.poll(() => podCounts(page), { timeout: 60_000 }).toEqual([20, 20, 20]);
    const bar = panel.getByRole('progressbar', { name: 'Pods updated' });
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    await waitForStatus(page, 'completed');
    // After completion the final numbers stay.
    await expect.poll(() => podCounts(page)).toEqual([20, 20, 20]);
    expect(await panel.innerText()).toContain('Pods moving to v1.25.0');
  }, 240_000);

  it('shows a rolling release undone after a failed validation as pods moving back, ending 20 / 20 / 20 on v1.24.0', async () => {
    const { page } = s;
    const panel = await rehearseStrategy(page, ROLLING, 'Rolling update');
    await page.getByLabel('Error rate (%)').fill('30');
    await page.getByRole('button', { name: 'Inject fault' }).click();
    await page.getByRole('status').filter({ hasText: 'Fault applied' }).waitFor();
    await waitForStatus(page, 'rolledBack');
    // The panels under the status redraw at most once a second: they follow it shortly.
    await expect.poll(() => panel.innerText()).toContain('Pods moving back to v1.24.0');
    // The step list says what happened: the image was set and rolled out, its validation failed.
    const steps = page.getByRole('list', { name: 'Release steps' });
    await expect
      .poll(async () => (await steps.getByRole('listitem').allInnerTexts()).map((t) => t.trim()))
      .toEqual(['done set the image', 'done follow the rollout', 'failed validate']);
    await expect.poll(() => podCounts(page)).toEqual([20, 20, 20]);
    await bothSizes(page, 'traffic-rolling-rolled-back', 'Rolling update');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Opened later from History (from the journal, as a colleague would), the same final numbers.
    await go(page, 'History');
    await page.getByLabel('Status', { exact: true }).selectOption('rolledBack');
    await page.getByLabel('Strategy', { exact: true }).selectOption('rolling');
    await page
      .getByRole('table', { name: 'Releases' })
      .getByRole('button', { name: /^Open / })
      .first()
      .click();
    const kept = page.getByRole('region', { name: 'Rolling update' });
    await expect.poll(() => kept.innerText()).toContain('Pods moving back to v1.24.0');
    await expect.poll(() => podCounts(page)).toEqual([20, 20, 20]);
  }, 240_000);

  it('shows an A/B test as its cohort rules beside the weighted split of the cohort', async () => {
    const { page } = s;
    const ab = { scenario: 'UI redesign', strategy: 'ab-test', speed: 120 };
    const panel = await rehearseStrategy(page, ab, 'Traffic split of the cohort');
    // Never blank: the cohort's planned split, marked, until the router is read.
    await expect
      .poll(() => page.getByRole('list', { name: 'Traffic per track in the bar' }).innerText())
      .toMatch(/control 50 %[\s\S]*treatment 50 %/);
    // Once routed, the router's own words on stickiness show (Istio hashes the header within a variant only).
    const note = panel.getByRole('note').first();
    await note.waitFor({ timeout: 60_000 });
    expect(await note.innerText()).toMatch(/^Sticky on x-user-id: DestinationRule/);
    const rows = async () =>
      (await panel.getByRole('table', { name: 'Cohort routing' }).getByRole('row').allInnerTexts()).map((r) =>
        r.replace(/\s+/g, ' ').trim(),
      );
    expect(await rows()).toEqual([
      'Rule Requests Go to Share',
      'pin x-user-segment = premium treatment not known',
      'cohort x-user-segment matches free|basic control 50 % · treatment 50 % not known',
      'everyone else no rule above control not known',
    ]);
    expect(await panel.innerText()).toContain('Sticky on header x-user-id, as the plan asks.');
    expect(await panel.getByRole('table', { name: 'Traffic per track' }).innerText()).toMatch(
      /control\s+50 %\s+50 %[\s\S]*treatment\s+50 %\s+50 %/,
    );
    await bothSizes(page, 'traffic-ab-cohorts', 'Traffic split of the cohort');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Stopped: everyone is back on stable, read from the main route, with no false "differs" alarm.
    await page
      .getByRole('region', { name: 'Release controls' })
      .getByRole('button', { name: /^Abort/ })
      .click();
    await page
      .getByRole('dialog', { name: 'Confirm abort' })
      .getByRole('button', { name: /^Abort/ })
      .click();
    await waitForStatus(page, 'aborted');
    const after = page.getByRole('region', { name: 'Traffic split' });
    await expect
      .poll(() => after.getByRole('heading', { name: 'Routing while the test ran' }).count())
      .toBe(1);
    await expect
      .poll(() => page.getByRole('list', { name: 'Traffic per track in the bar' }).innerText())
      .toMatch(/stable 100 %/);
    expect(await after.getByText('does not hold the split').count()).toBe(0);
  }, 240_000);
});
