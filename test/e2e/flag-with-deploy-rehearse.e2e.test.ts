import { describe, expect, it } from 'vitest';
import { flagWithDeployYaml } from '../fixtures/plans/flag-with-deploy.ts';
import { screenshot } from '../support/browser.ts';
import { loadPlan, rehearse, useConsoleSession, waitForStatus, waitForStep } from './console-helpers.ts';

const s = useConsoleSession();

/** Flag with deploy: a canary at 25 % for 30 s, then the flag at 25 % until promoted. */
const PLAN = flagWithDeployYaml(
  ['setWeight: 25', 'pause: { duration: 30s }'],
  ['setPercentage: 25', 'pause: {}'],
);

describe('a flag with deploy in the console', () => {
  it('rehearses the canary (Abort) then the ramp (Kill switch, exposure per variant) as one step list; the kill switch sends everyone to off', async () => {
    const { page } = s;
    await loadPlan(page, PLAN);

    await rehearse(page, 120);
    await page.getByRole('heading', { name: /· canary \+ flag ramp/ }).waitFor();
    await waitForStep(page, 'set weight 25 %');
    const steps = page.getByRole('list', { name: 'Release steps' }).getByRole('listitem');
    expect(await steps.allInnerTexts()).toHaveLength(4);
    await page.getByRole('button', { name: /^Abort/ }).waitFor();

    await waitForStep(page, 'pause until promoted');
    await waitForStatus(page, 'paused');
    const exposure = page.getByRole('table', { name: 'Exposure per variant' });
    await expect.poll(() => exposure.innerText()).toMatch(/on\s+25 %\s+25 %/);
    await screenshot(page, 'rehearse-flag-with-deploy-ramp');
    const wide = page.viewportSize();
    await page.setViewportSize({ width: 1024, height: 700 });
    await screenshot(page, 'rehearse-flag-with-deploy-ramp-1024');
    if (wide) await page.setViewportSize(wide);

    await page.getByRole('button', { name: /^Kill switch/ }).click();
    await page.getByRole('dialog', { name: 'Confirm kill switch' }).waitFor();
    await page.keyboard.press('Enter');
    await waitForStatus(page, 'aborted');
    await expect.poll(() => exposure.innerText()).toMatch(/on\s+0 %\s+0 %/);
    await expect
      .poll(() => page.getByRole('list', { name: 'Decisions' }).innerText())
      .toMatch(/pulled the kill switch on flag "new-checkout" at step 4/);
    await screenshot(page, 'rehearse-flag-with-deploy-killed');
  }, 240_000);
});
