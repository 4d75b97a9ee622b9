import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import {
  flagRampPlan,
  injectErrorRate,
  loadPlan,
  rehearse,
  useConsoleSession,
  waitForStatus,
  waitForStep,
} from './console-helpers.ts';

const s = useConsoleSession();

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
  }, 240_000);
});
