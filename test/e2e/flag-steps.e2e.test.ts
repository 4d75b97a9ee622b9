import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { flagRampPlan, go, planFromScenario, useConsoleSession } from './console-helpers.ts';

// A flag ramp's steps and prerequisites built in the Plan screen's form, from a plan that has none yet.
const s = useConsoleSession();

const PLAN = flagRampPlan(['x']).replace('  steps:\n    - x\n', '  steps: []\n');

const yaml = (page: Page) => page.getByRole('textbox', { name: 'Plan YAML' });
const verdict = (page: Page) => page.getByRole('region', { name: 'Plan YAML' }).getByRole('status');
const steps = (page: Page) => page.getByRole('region', { name: 'Steps', exact: true });
const step = (page: Page, n: number) => steps(page).getByRole('group', { name: `Step ${n}`, exact: true });
const prerequisites = (page: Page) => page.getByRole('region', { name: 'Prerequisites', exact: true });
const focusedId = (page: Page) => page.evaluate<string>('document.activeElement?.id ?? ""');

/** Adds a step through the "Add a step" form, as a keyboard user would: kind, value, Enter on Add step. */
async function addStep(page: Page, kind: 'Set percentage' | 'Pause' | 'Analysis', value?: string) {
  const form = steps(page).getByRole('group', { name: 'Add a step' });
  await form.getByLabel('New step').selectOption({ label: kind });
  if (kind === 'Set percentage') await form.getByLabel('Set percentage (%)').fill(value ?? '');
  if (kind === 'Pause') await form.getByLabel('Pause for (empty: until promoted)').fill(value ?? '');
  if (kind === 'Analysis' && value) await form.getByLabel('Template').selectOption(value);
  await form.getByRole('button', { name: 'Add step' }).focus();
  await page.keyboard.press('Enter');
}

describe('a flag ramp’s steps and prerequisites edited on the Plan screen', () => {
  it('builds the steps from scratch, reorders them with their schedule, adds a prerequisite; saved, reloaded and kept', async () => {
    const { page } = s;
    await go(page, 'Plan');
    await yaml(page).fill(PLAN);
    await steps(page).getByText('No steps yet').waitFor();
    await expect.poll(() => steps(page).innerText()).toContain('must list at least one step');

    await addStep(page, 'Set percentage', '10');
    // Focus lands on the new step's value, so it can be corrected at once.
    await expect.poll(() => focusedId(page)).toBe('ramp-step-strategy-0-value');
    await addStep(page, 'Pause');
    await addStep(page, 'Analysis', 'variant-health');
    await addStep(page, 'Set percentage', '150');
    await expect.poll(() => focusedId(page)).toBe('ramp-step-strategy-3-value');
    // The plan's own validation names the bad percentage at its step.
    await expect.poll(() => step(page, 4).innerText()).toContain('strategy.steps[3].setPercentage');
    expect(await step(page, 1).innerText()).not.toContain('strategy.steps');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('100');
    await expect.poll(() => step(page, 4).innerText()).not.toContain('strategy.steps[3]');
    await verdict(page).filter({ hasText: 'valid plan' }).waitFor();
    await expect
      .poll(() => yaml(page).inputValue())
      .toMatch(
        /steps:\n {4}- setPercentage: 10\n {4}- pause: \{\}\n {4}- analysis: \{ templates: \[ ?variant-health ?\] \}\n {4}- setPercentage: 100\n/,
      );

    // The analysis gets a schedule, then moves before the pause: its schedule goes with it.
    const schedule = page.getByRole('region', { name: 'Schedule', exact: true });
    await schedule.getByLabel(/^Step 3, analysis variant-health: starts/).fill('2030-12-08T09:00');
    await expect.poll(() => yaml(page).inputValue()).toMatch(/variant-health.*\n {6}at: 2030-12-08T09:00/);
    await step(page, 3).getByRole('button', { name: 'Move step 3 up' }).click();
    await expect.poll(() => focusedId(page)).toBe('ramp-step-strategy-1-up');
    await expect
      .poll(() => schedule.getByLabel(/^Step 2, analysis variant-health: starts/).inputValue())
      .toBe('2030-12-08T09:00');
    expect(await schedule.getByLabel(/^Step 3, pause until promoted: starts/).inputValue()).toBe('');
    // Up again reaches the top, where Up is off: focus moves to the same step's Down.
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedId(page)).toBe('ramp-step-strategy-0-down');
    expect(await step(page, 1).getByLabel('Analysis template').inputValue()).toBe('variant-health');
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedId(page)).toBe('ramp-step-strategy-1-down');
    expect(await step(page, 2).getByLabel('Analysis template').inputValue()).toBe('variant-health');
    expect(await step(page, 1).getByLabel('Set percentage (%)').inputValue()).toBe('10');

    // A prerequisite: first the flag itself, which the plan refuses at the field, then another flag.
    await prerequisites(page).getByText('No prerequisites').waitFor();
    await prerequisites(page).getByRole('button', { name: 'Add prerequisite' }).click();
    await expect.poll(() => focusedId(page)).toBe('prerequisite-strategy-0-flag');
    await page.keyboard.type('new-checkout');
    const pre = prerequisites(page).getByRole('group', { name: 'Prerequisite 1' });
    await expect
      .poll(() => pre.innerText())
      .toContain('a flag cannot be its own prerequisite ("new-checkout")');
    await pre.getByLabel('Flag key').fill('dark-mode');
    await expect.poll(() => pre.innerText()).not.toContain('own prerequisite');
    await pre.getByLabel('Must be').selectOption({ label: 'serving a variant' });
    await pre.getByLabel('Variant').fill('enabled');
    await expect
      .poll(() => yaml(page).inputValue())
      .toContain('prerequisites:\n    - { flag: dark-mode, variant: enabled }\n');
    await verdict(page).filter({ hasText: 'valid plan' }).waitFor();
    for (const [width, height] of [
      [1440, 900],
      [1024, 700],
    ] as const) {
      await page.setViewportSize({ width, height });
      await steps(page).scrollIntoViewIfNeeded();
      await screenshot(page, `plan-flag-steps-${width}`);
    }

    await page.getByLabel('Save as').fill('checkout-steps');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as checkout-steps' }).waitFor();
    const saved = await yaml(page).inputValue();
    await page.reload();
    await page.getByRole('heading', { name: 'Switchyard' }).waitFor();
    await go(page, 'Plan');
    await page.getByLabel('Saved plans').selectOption('checkout-steps');
    await page.getByRole('button', { name: 'Open plan' }).click();
    await expect.poll(() => yaml(page).inputValue()).toBe(saved);
    await expect.poll(() => step(page, 1).getByLabel('Set percentage (%)').inputValue()).toBe('10');
    expect(await step(page, 2).getByLabel('Analysis template').inputValue()).toBe('variant-health');
    expect(await step(page, 3).getByLabel('Pause for (empty: until promoted)').inputValue()).toBe('');
    expect(await step(page, 4).getByLabel('Set percentage (%)').inputValue()).toBe('100');
    expect(await schedule.getByLabel(/^Step 2, analysis variant-health: starts/).inputValue()).toBe(
      '2030-12-08T09:00',
    );
    expect(await pre.getByLabel('Flag key').inputValue()).toBe('dark-mode');
    expect(await pre.getByLabel('Variant').inputValue()).toBe('enabled');
    await verdict(page).filter({ hasText: 'valid plan' }).waitFor();

    // Removing keeps focus in the list: on the next step's Remove, then on Add prerequisite.
    await step(page, 2).getByRole('button', { name: 'Remove step 2' }).click();
    await expect.poll(() => focusedId(page)).toBe('ramp-step-strategy-1-remove');
    expect(await step(page, 2).getByLabel('Pause for (empty: until promoted)').inputValue()).toBe('');
    expect(await yaml(page).inputValue()).not.toContain('at: 2030');
    await pre.getByRole('button', { name: 'Remove prerequisite 1' }).click();
    await expect.poll(() => focusedId(page)).toBe('add-prerequisite-strategy');
    await expect.poll(() => yaml(page).inputValue()).not.toContain('prerequisites');
  }, 180_000);
});

describe('a flag ramp after the deploy, edited on the Plan screen', () => {
  it('reorders and removes the ramp’s steps and adds a prerequisite, leaving the canary’s steps alone', async () => {
    const { page } = s;
    await planFromScenario(page, 'Performance optimisation', 'canary');
    await page.getByRole('button', { name: 'Add a flag ramp after the canary' }).click();
    const ramp = page.getByRole('region', { name: 'Steps of the ramp' });
    await ramp.getByRole('group', { name: 'Step 2', exact: true }).waitFor();
    const canarySteps = (text: string) => /strategy:[\s\S]*?\nflagRamp:/.exec(text)?.[0];
    const before = await yaml(page).inputValue();
    const count = await ramp.getByRole('group', { name: /^Step \d+$/ }).count();
    const second = await ramp.getByRole('group', { name: 'Step 2', exact: true }).innerText();

    await ramp.getByRole('button', { name: 'Move step 2 up' }).click();
    await expect.poll(() => focusedId(page)).toBe('ramp-step-flagRamp-0-down');
    await expect
      .poll(() => ramp.getByRole('group', { name: 'Step 1', exact: true }).innerText())
      .toBe(second.replace('Step 2', 'Step 1'));
    await ramp.getByRole('button', { name: 'Remove step 1' }).click();
    await expect.poll(() => focusedId(page)).toBe('ramp-step-flagRamp-0-remove');
    await expect.poll(() => ramp.getByRole('group', { name: /^Step \d+$/ }).count()).toBe(count - 1);

    const pre = page.getByRole('region', { name: 'Prerequisites of the ramp' });
    await pre.getByRole('button', { name: 'Add prerequisite' }).click();
    await page.keyboard.type('dark-mode');
    await expect
      .poll(() => yaml(page).inputValue())
      .toMatch(/flagRamp:[\s\S]*\n {2}prerequisites:\n {4}- \{ flag: dark-mode, percent: 100 \}\n/);
    await verdict(page).filter({ hasText: 'valid plan' }).waitFor();
    expect(canarySteps(await yaml(page).inputValue())).toBe(canarySteps(before));
    // The strategy's own panels are not shown for a canary: only the ramp's.
    expect(await page.getByRole('region', { name: 'Steps', exact: true }).count()).toBe(0);
  }, 120_000);
});
