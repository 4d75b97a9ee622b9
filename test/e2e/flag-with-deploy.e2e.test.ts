import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import { screenshot } from '../support/browser.ts';
import { go, openConsole, type ConsoleSession } from './console-helpers.ts';

// A flag with deploy written on the Plan screen: the "API breaking change" guidance pairs blue-green with a
// flag ramp, and using it gives one plan that deploys dark and then ramps the flag. The page runs on a Berlin
// clock, so the schedule is shown and written with that zone's offset. The sandbox's `flags` scenario holds
// FeatureFlag shop/checkout-flags, the object the drafted ramp names for shop/checkout.
let s: ConsoleSession;
let page: Page;
beforeAll(async () => {
  s = await openConsole({ sandbox: createSandboxProvider({ scenario: 'flags' }) });
  page = await s.browser.newPage({ viewport: { width: 1440, height: 900 }, timezoneId: 'Europe/Berlin' });
  page.setDefaultTimeout(15_000);
  await page.goto(s.app.shell.url);
  await page.getByRole('heading', { name: 'Switchyard' }).waitFor();
}, 120_000);
afterAll(async () => s?.close());

const yaml = () => page.getByRole('textbox', { name: 'Plan YAML' });
const verdict = () => page.getByRole('region', { name: 'Plan YAML' }).getByRole('status');
const schedule = () => page.getByRole('region', { name: 'Schedule of the ramp' });
const startOf = (step: number, what: string) =>
  schedule().getByLabel(`Step ${step}, ${what}: starts (Europe/Berlin)`);

describe('a flag with deploy on the Plan screen', () => {
  it('a companion recommendation gives one plan: blue-green deploys dark, then the flag ramps', async () => {
    await go(page, 'Plan');
    await page.getByLabel('Namespace', { exact: true }).fill('shop');
    await page.getByLabel('Workload name').fill('checkout');
    await page.getByLabel('New image').fill('registry.platform.com/checkout:v2.3.0');
    await page.getByLabel('Scenario', { exact: true }).selectOption({ label: 'API breaking change' });
    await page.getByRole('button', { name: 'Recommend strategies' }).click();
    const row = page.getByRole('row', { name: /blue-green/ });
    await expect
      .poll(() => row.getByRole('rowheader').innerText())
      .toMatch(/with flag-rollout\s+one plan: deploys dark, then ramps the flag/);
    await row.getByRole('button', { name: 'Use blue-green', exact: true }).click();

    await expect.poll(() => yaml().inputValue()).toMatch(/\nflagRamp:\n/);
    await verdict().filter({ hasText: 'valid plan' }).waitFor();
    const ramp = page.getByRole('region', { name: 'Flag ramp after the blue-green' });
    await expect.poll(() => ramp.getByLabel('Flag key').inputValue()).toBe('checkout-release');
    await expect.poll(() => ramp.getByLabel('FeatureFlag object').inputValue()).toBe('checkout-flags');
    // The strategy's own form stays the blue-green's; the ramp's steps are in its schedule.
    await expect.poll(() => page.getByRole('region', { name: 'Flag', exact: true }).count()).toBe(0);
    await expect.poll(() => schedule().getByRole('listitem').count()).toBe(8);

    const picker = page.getByRole('region', { name: 'Flag of the ramp' });
    await picker.getByRole('button', { name: 'List flags on sandbox' }).click();
    await picker.getByRole('radio', { name: /^new-checkout/ }).check();
    await expect.poll(() => ramp.getByLabel('Flag key').inputValue()).toBe('new-checkout');
    await expect
      .poll(() => yaml().inputValue())
      .toMatch(/\nflagRamp:\n(\s{2}.*\n)*\s{2}flag: new-checkout\n/);
  }, 120_000);

  it('edits the schedule on the Berlin clock: a past time and one before an earlier step are named at their field', async () => {
    const step3 = startOf(3, 'flag at 25 %');
    await step3.fill('2020-01-06T09:00');
    const problem3 = schedule().getByRole('listitem').nth(2).getByRole('alert');
    await expect
      .poll(() => problem3.innerText())
      .toMatch(/2020-01-06 09:00 \(Europe\/Berlin\) is in the past/);
    await expect.poll(() => step3.getAttribute('aria-invalid')).toBe('true');

    await step3.fill('2030-12-08T09:00');
    await expect.poll(() => yaml().inputValue()).toContain('at: 2030-12-08T09:00:00+01:00');
    await expect.poll(() => problem3.count()).toBe(0);
    await expect.poll(() => schedule().innerText()).toContain('in the plan: 2030-12-08T09:00:00+01:00');

    // Summer time: the same wall clock is another offset.
    const step5 = startOf(5, 'flag at 50 %');
    await step5.fill('2031-07-01T10:30');
    await expect.poll(() => yaml().inputValue()).toContain('at: 2031-07-01T10:30:00+02:00');

    const step1 = startOf(1, 'flag at 5 %');
    await step1.fill('2030-12-09T09:00');
    await expect
      .poll(() => problem3.innerText())
      .toContain('2030-12-08 09:00 is earlier than step 1, which starts 2030-12-09 09:00 (Europe/Berlin)');
    await screenshot(page, 'plan-flag-with-deploy-schedule-1440');
    await page.setViewportSize({ width: 1024, height: 700 });
    await screenshot(page, 'plan-flag-with-deploy-schedule-1024');
    await page.setViewportSize({ width: 1440, height: 900 });

    await schedule().getByRole('button', { name: 'No schedule for step 1' }).click();
    await expect.poll(() => problem3.count()).toBe(0);
    await expect.poll(() => step1.inputValue()).toBe('');
    await verdict().filter({ hasText: 'valid plan' }).waitFor();
  }, 120_000);

  it('saves the plan; after a reload it opens with the ramp, its flag and its schedule kept', async () => {
    await page.getByLabel('Save as').fill('checkout-flag-with-deploy');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as checkout-flag-with-deploy' }).waitFor();
    const saved = await yaml().inputValue();

    await page.reload();
    await page.getByRole('heading', { name: 'Switchyard' }).waitFor();
    await go(page, 'Plan');
    await page.getByLabel('Saved plans').selectOption('checkout-flag-with-deploy');
    await page.getByRole('button', { name: 'Open plan' }).click();
    await expect.poll(() => yaml().inputValue()).toBe(saved);
    const ramp = page.getByRole('region', { name: 'Flag ramp after the blue-green' });
    await expect.poll(() => ramp.getByLabel('Flag key').inputValue()).toBe('new-checkout');
    await expect.poll(() => startOf(3, 'flag at 25 %').inputValue()).toBe('2030-12-08T09:00');
    await expect.poll(() => startOf(5, 'flag at 50 %').inputValue()).toBe('2031-07-01T10:30');
    await expect.poll(() => startOf(1, 'flag at 5 %').inputValue()).toBe('');
    await verdict().filter({ hasText: 'valid plan' }).waitFor();
    await screenshot(page, 'plan-flag-with-deploy-reopened');

    // A colleague in New York opens the same plan: the same instants, on their own clock.
    const colleague = await s.browser.newPage({
      viewport: { width: 1024, height: 700 },
      timezoneId: 'America/New_York',
    });
    try {
      await colleague.goto(s.app.shell.url);
      await go(colleague, 'Plan');
      await colleague.getByLabel('Saved plans').selectOption('checkout-flag-with-deploy');
      await colleague.getByRole('button', { name: 'Open plan' }).click();
      const theirs = colleague
        .getByRole('region', { name: 'Schedule of the ramp' })
        .getByLabel('Step 3, flag at 25 %: starts (America/New_York)');
      await expect.poll(() => theirs.inputValue()).toBe('2030-12-08T03:00');
      await expect
        .poll(() => colleague.getByRole('region', { name: 'Schedule of the ramp' }).innerText())
        .toContain('America/New_York, UTC-05:00');
    } finally {
      await colleague.close();
    }
  }, 120_000);

  it('schedules a flag-rollout plan’s own steps the same way', async () => {
    await yaml().fill(
      readFileSync(join(import.meta.dirname, '../fixtures/plans/flag-rollout-sandbox-fast.yaml'), 'utf8'),
    );
    const own = page.getByRole('region', { name: 'Schedule', exact: true });
    await own.getByLabel('Step 3, flag at 50 %: starts (Europe/Berlin)').fill('2030-12-08T09:00');
    await expect
      .poll(() => yaml().inputValue())
      .toMatch(/- setPercentage: 50\n\s+at: 2030-12-08T09:00:00\+01:00\n/);
    await verdict().filter({ hasText: 'valid plan' }).waitFor();
    await screenshot(page, 'plan-flag-rollout-schedule-1440');
    await page.setViewportSize({ width: 1024, height: 700 });
    await screenshot(page, 'plan-flag-rollout-schedule-1024');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByLabel('Saved plans').selectOption('checkout-flag-with-deploy');
    await page.getByRole('button', { name: 'Open plan' }).click();
    await expect.poll(() => yaml().inputValue()).toMatch(/\nflagRamp:\n/);
  }, 120_000);

  it('removes the flag ramp in one action: the plan deploys the code only, and stays valid', async () => {
    await page
      .getByRole('region', { name: 'Flag ramp after the blue-green' })
      .getByRole('button', { name: 'Remove the flag ramp' })
      .click();
    await expect.poll(() => yaml().inputValue()).not.toMatch(/flagRamp:/);
    await expect.poll(() => schedule().count()).toBe(0);
    await expect.poll(() => page.getByRole('region', { name: 'Flag of the ramp' }).count()).toBe(0);
    await verdict().filter({ hasText: 'valid plan' }).waitFor();
    expect(await yaml().inputValue()).toMatch(/\nstrategy:\n\s+kind: blue-green\n/);

    // Changed their mind: one action puts a drafted ramp back, with the templates its steps name.
    await page.getByRole('button', { name: 'Add a flag ramp after the blue-green' }).click();
    const ramp = page.getByRole('region', { name: 'Flag ramp after the blue-green' });
    await expect.poll(() => ramp.getByLabel('Flag key').inputValue()).toBe('checkout-release');
    await expect.poll(() => schedule().getByRole('listitem').count()).toBe(8);
    await verdict().filter({ hasText: 'valid plan' }).waitFor();
    await expect
      .poll(() => page.getByRole('button', { name: 'Add a flag ramp after the blue-green' }).count())
      .toBe(0);
  }, 120_000);
});
