import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import { screenshot } from '../support/browser.ts';
import { go, openConsole, type ConsoleSession } from './console-helpers.ts';

// The plan screen's flag picker against the sandbox of the `flags` scenario (FeatureFlag shop/checkout-flags).
const PLAN = readFileSync(
  join(import.meta.dirname, '../fixtures/plans/flag-rollout-sandbox-fast.yaml'),
  'utf8',
).replace('flag: new-checkout', 'flag: to-be-picked');

let s: ConsoleSession;
beforeAll(async () => {
  s = await openConsole({ sandbox: createSandboxProvider({ scenario: 'flags' }) });
}, 120_000);
afterAll(async () => s?.close());

describe('the flag picker on the plan screen', () => {
  it('lists the flag system’s flags with their variants; picking one writes it into the plan', async () => {
    const { page } = s;
    await go(page, 'Plan');
    await page.getByRole('textbox', { name: 'Plan YAML' }).fill(PLAN);
    await expect.poll(() => page.getByLabel('Flag key').inputValue()).toBe('to-be-picked');

    const picker = page.getByRole('region', { name: 'Flag' });
    await picker.getByRole('button', { name: 'List flags on sandbox' }).click();
    const flags = picker.getByRole('list', { name: 'Flags of the flag system' });
    await expect.poll(() => flags.innerText()).toMatch(/new-checkout \((on, off|off, on)\)/);
    await flags.getByRole('radio', { name: /^new-checkout/ }).check();
    await expect.poll(() => page.getByLabel('Flag key').inputValue()).toBe('new-checkout');
    await expect
      .poll(() => page.getByRole('textbox', { name: 'Plan YAML' }).inputValue())
      .toMatch(/flag: new-checkout/);
    await screenshot(page, 'plan-flag-picker');
  }, 120_000);

  it('edits users-targeting segments in the form: added, changed and removed in the YAML, which stays valid', async () => {
    const { page } = s;
    const yaml = page.getByRole('textbox', { name: 'Plan YAML' });
    const verdict = page.getByRole('region', { name: 'Plan YAML' }).getByRole('status');
    const segments = page.getByRole('region', { name: 'Segments' });
    await segments.getByText('No segments').waitFor();
    await segments.getByRole('button', { name: 'Add segment' }).click();
    const row = segments.getByRole('group', { name: 'Segment 1' });
    // Typed key by key, as a person does: the comma stays while the next value is typed.
    await row.getByLabel('Values (comma-separated)').fill('');
    await row.getByLabel('Values (comma-separated)').pressSequentially('gold, platinum');
    await row.getByLabel('Name').fill('paying tiers');
    await expect
      .poll(() => yaml.inputValue())
      .toMatch(
        /name: paying tiers\n\s+attribute: tier\n\s+operator: in\n\s+values:\n\s+- gold\n\s+- platinum/,
      );
    await verdict.filter({ hasText: 'valid plan' }).waitFor();
    await screenshot(page, 'plan-flag-segments');
    await row.getByRole('button', { name: 'Remove segment' }).click();
    await expect.poll(() => yaml.inputValue()).not.toMatch(/segments:/);
  }, 120_000);
});
