import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { go, useConsoleSession } from './console-helpers.ts';

const s = useConsoleSession();

describe('the Plan screen', () => {
  it('is where Rehearse and Run send you while there is no plan yet', async () => {
    const { page } = s;
    for (const screen of ['Rehearse', 'Run'] as const) {
      await go(page, screen);
      await page.getByText('No plan yet.').waitFor();
      await page.getByRole('button', { name: 'Write or pick one on the Plan screen' }).click();
      await page.getByRole('button', { name: 'Recommend strategies' }).waitFor();
    }
  });
  it.each([
    {
      scenario: 'Performance optimisation',
      best: 'canary',
      kind: 'canary',
      shot: 'plan-guidance-performance',
    },
    { scenario: 'Hotfix', best: 'blue-green', kind: 'blue-green', shot: 'plan-guidance-hotfix' },
  ])(
    'ranks $best first for "$scenario" and loads its pre-filled plan',
    async ({ scenario, best, kind, shot }) => {
      const { page } = s;
      await go(page, 'Plan');
      await page.getByLabel('Scenario', { exact: true }).selectOption({ label: scenario });
      await page.getByRole('button', { name: 'Recommend strategies' }).click();
      const table = page.getByRole('table', { name: 'Ranked strategies' });
      const firstRow = table.getByRole('row').nth(1);
      await expect.poll(() => firstRow.getByRole('rowheader').innerText()).toMatch(new RegExp(`^${best}`));
      for (const column of ['Risk', 'Complexity', 'Cost', 'Rollback', 'Environment lacks', 'Why']) {
        await expect.poll(() => table.getByRole('columnheader', { name: column }).count()).toBe(1);
      }
      await firstRow.getByRole('button', { name: `Use ${best}`, exact: true }).click();
      const yaml = page.getByRole('textbox', { name: 'Plan YAML' });
      await expect.poll(() => yaml.inputValue()).toMatch(new RegExp(`kind: ${kind}\\b`));
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'valid plan' }).count()).toBe(1);
      await screenshot(page, shot);
    },
  );

  it('shows a problem at the field it belongs to, in the form and against the YAML line', async () => {
    const { page } = s;
    await go(page, 'Plan');
    const namespace = page.getByLabel('Target namespace');
    await namespace.fill('');
    await expect.poll(() => namespace.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await namespace.getAttribute('aria-describedby')) ?? '';
    const problem = page.locator(`[id="${describedBy}"]`);
    await expect.poll(() => problem.innerText()).toContain('target.namespace');
    await expect
      .poll(() => page.getByRole('list', { name: 'Plan problems' }).innerText())
      .toMatch(/line \d+ · target\.namespace/);
    await screenshot(page, 'plan-error-at-field');

    await namespace.fill('platform-production');
    await expect.poll(() => namespace.getAttribute('aria-invalid')).toBe('false');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'valid plan' }).count()).toBe(1);
  });

  it('saves the plan and opens it again', async () => {
    const { page } = s;
    await go(page, 'Plan');
    await page.getByLabel('Save as').fill('hotfix-plan');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Saved as hotfix-plan' }).count())
      .toBe(1);
    const before = await page.getByRole('textbox', { name: 'Plan YAML' }).inputValue();
    await page.getByRole('textbox', { name: 'Plan YAML' }).fill('name: scratch\n');
    await page.getByLabel('Saved plans').selectOption('hotfix-plan');
    await page.getByRole('button', { name: 'Open plan' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Plan YAML' }).inputValue()).toBe(before);
  });

  it('exports the plan to Argo Rollouts and lists what Argo cannot express', async () => {
    const { page } = s;
    await go(page, 'Plan');
    await page.getByRole('button', { name: 'Export to Argo Rollouts' }).click();
    const yaml = page.getByLabel('argo YAML');
    const error = page.getByRole('region', { name: 'Export' }).getByRole('alert');
    await expect.poll(async () => (await yaml.count()) + (await error.count())).toBeGreaterThan(0);
    await screenshot(page, 'plan-export');
    if ((await error.count()) > 0) throw new Error(`plan:export answered: ${await error.innerText()}`);
    expect(await yaml.innerText()).toContain('kind: Rollout');
  });

  it('downloads and copies the export whole, its long query lines wrapped in the panel', async () => {
    const { page } = s;
    const panel = page.getByRole('region', { name: 'Export' });
    const yaml = page.getByLabel('argo YAML');
    await yaml.waitFor();
    const shown = await yaml.innerText();
    expect(shown).toMatch(/query: .{120,}/);
    // Nothing runs off the panel: the widest line wraps instead of scrolling sideways.
    expect(await yaml.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);

    const [file] = await Promise.all([
      page.waitForEvent('download'),
      panel.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(file.suggestedFilename()).toMatch(/\.argo-rollouts\.yaml$/);
    const saved = await readFile(await file.path(), 'utf8');
    expect(saved.trim()).toBe(shown.trim());
    const said = (text: RegExp) => panel.getByRole('status').filter({ hasText: text });
    await said(/^Downloaded .+\.yaml\.$/).waitFor();

    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(page.url()).origin,
    });
    await panel.getByRole('button', { name: 'Copy' }).click();
    await said(/^Copied to the clipboard\.$/).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(saved);
  });
});
