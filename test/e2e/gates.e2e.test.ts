import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import {
  dismissToasts,
  planFromScenario,
  rehearse,
  useConsoleSession,
  waitForStatus,
  waitForStep,
  withCanarySteps,
} from './console-helpers.ts';

const s = useConsoleSession();

/** A canary wrapped in two manual migration gates, with a pause for the operator in between. */
const withGates = (yaml: string) =>
  `${withCanarySteps(yaml, ['setWeight: 10', 'pause: {}', 'setWeight: 100'])}
migration:
  expand: { action: { kind: manual, instructions: Add the nullable column tenant_id. } }
  contract: { action: { kind: manual, instructions: Drop the column legacy_tenant. } }
`;

describe('migration gates in the console', () => {
  it('confirms both gates with the Confirm button and key; disabled controls say why; a completed release leaves only History', async () => {
    const { page } = s;
    await planFromScenario(page, 'Performance optimisation', 'canary', withGates);
    await rehearse(page, 120);
    const controls = page.getByRole('region', { name: 'Release controls' });
    const button = (name: string) => controls.getByRole('button', { name, exact: true });
    const row = (event: string) => controls.locator(`[data-control="${event}"]`);
    const gate = controls.getByRole('note', { name: 'Migration gate' });

    // The expand gate: its instructions, Confirm enabled, and every control that does not apply says why.
    await waitForStatus(page, 'paused');
    await expect.poll(() => gate.innerText()).toContain('Expand gate: Add the nullable column tenant_id.');
    expect(await button('Confirm').isEnabled()).toBe(true);
    expect(await button('Abort').isEnabled()).toBe(true);
    for (const name of ['Resume', 'Promote', 'Promote to full'])
      expect(await button(name).isDisabled()).toBe(true);
    expect(await row('RESUME').innerText()).toContain(
      'The release waits at a migration gate: confirm it, or abort.',
    );
    expect(await row('PAUSE').innerText()).toMatch(
      /The release is already paused at step 1 of \d \(expand migration\)\./,
    );
    expect(await controls.innerText()).not.toMatch(/expand\.awaiting|running\.steps/);
    await dismissToasts(page);
    await screenshot(page, 'gate-expand-waiting');

    await button('Confirm').click();
    const dialog = page.getByRole('dialog', { name: 'Confirm the migration gate' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Add the nullable column tenant_id.');
    await screenshot(page, 'gate-expand-confirm-dialog');
    await dialog.getByLabel('Reason (for the audit log, optional)').fill('column added');
    await dialog.getByRole('button', { name: 'Confirm now' }).click();

    // The canary's own pause: no gate now, so Confirm says why; Resume continues to the next step.
    await waitForStep(page, 'pause until promoted');
    await waitForStatus(page, 'paused');
    await expect
      .poll(() => row('CONFIRM').innerText())
      .toMatch(
        /No gate waits for a confirmation: the release is paused at step \d of \d \(pause until promoted\)\./,
      );
    expect(await gate.count()).toBe(0);
    expect(await button('Resume').isEnabled()).toBe(true);
    await dismissToasts(page);
    await screenshot(page, 'gate-canary-pause-reasons');
    await page.getByRole('heading', { name: 'Health timeline' }).click();
    await page.keyboard.press('r');

    // The contract gate, confirmed by its key.
    await expect
      .poll(() => gate.innerText(), { timeout: 120_000 })
      .toContain('Contract gate: Drop the column legacy_tenant.');
    await page.getByRole('heading', { name: 'Health timeline' }).click();
    await page.keyboard.press('c');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Confirm now' }).click();

    await waitForStatus(page, 'completed');
    const decisions = page.getByRole('list', { name: 'Decisions' });
    await expect.poll(() => decisions.innerText()).toMatch(/confirmed the expand migration \(column added\)/);
    await expect.poll(() => decisions.innerText()).toMatch(/confirmed the contract migration is done/);
    await expect.poll(() => decisions.innerText()).toMatch(/resumed the release after the pause at step/);
    // Completed: nothing is left on this screen; the one reason points to History.
    for (const name of ['Pause', 'Resume', 'Promote', 'Promote to full', 'Confirm', 'Abort', 'Roll back'])
      await expect.poll(() => button(name).isDisabled()).toBe(true);
    expect(await controls.getByText('The release completed; roll it back from History.').count()).toBe(1);
    await page.keyboard.press('a');
    await controls.getByRole('status').filter({ hasText: 'Not done: The release completed' }).waitFor();
    expect(await page.getByRole('dialog', { name: 'Confirm abort' }).isVisible()).toBe(false);
    await screenshot(page, 'gate-completed-controls');
  }, 300_000);
});
