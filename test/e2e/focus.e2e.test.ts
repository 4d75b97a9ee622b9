import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  go,
  planFromScenario,
  useConsoleSession,
  waitForStatus,
  waitForStep,
  WORKLOAD,
  withCanarySteps,
} from './console-helpers.ts';

/** What has keyboard focus, as a person would name it: its role's tag and its text or label. */
async function focused(page: Page): Promise<string> {
  return page.evaluate<string>(`(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'the page';
    return el.tagName.toLowerCase() + ' "' + (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().split('\\n')[0] + '"';
  })()`);
}

/** Presses Tab until the focused element's text starts with `text`, as a keyboard user would. */
async function tabTo(page: Page, text: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if ((await focused(page)).includes(`"${text}`)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached "${text}"; focus is on ${await focused(page)}`);
}

describe('keyboard focus after each action', () => {
  const s = useConsoleSession();

  it('moves to the ranked strategies after "Recommend strategies"', async () => {
    const { page } = s;
    await go(page, 'Plan');
    await page.getByLabel('Namespace', { exact: true }).focus();
    await page.keyboard.type(WORKLOAD.namespace);
    await page.keyboard.press('Tab');
    await page.keyboard.type(WORKLOAD.name);
    await page.keyboard.press('Tab');
    await page.keyboard.type(WORKLOAD.image);
    await tabTo(page, 'Recommend strategies');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('h2 "Strategies, best first"');
    // From the results heading, the next Tab stops are the results' own controls.
    await tabTo(page, 'Use canary');
  });

  it('goes back to Abort when its confirmation is cancelled, and stays in the controls when it is confirmed', async () => {
    const { page } = s;
    await planFromScenario(page, 'Performance optimisation', 'canary', (yaml) =>
      withCanarySteps(yaml, ['setWeight: 10', 'pause: {}', 'setWeight: 100']),
    );
    await go(page, 'Run');
    await tabTo(page, 'Start release on sandbox');
    await page.keyboard.press('Enter');
    await waitForStep(page, 'pause until promoted');
    await page
      .getByRole('region', { name: 'Release controls' })
      .getByRole('button', { name: /^Abort/ })
      .waitFor();

    await tabTo(page, 'Abort');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Confirm abort' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => focused(page)).toMatch(/^button "Abort/);

    await page.keyboard.press('Enter');
    await dialog.waitFor();
    // Focus starts in the dialog (on its reason field); Enter there confirms.
    await expect
      .poll(() => page.evaluate<boolean>("!!document.activeElement?.closest('dialog[open]')"))
      .toBe(true);
    await page.keyboard.press('Enter');
    await waitForStatus(page, 'aborted');
    // Abort cannot be pressed again once sent, so focus stays on the controls panel, not on the page.
    const inControls = (): Promise<boolean> =>
      page.evaluate<boolean>(`!!document.activeElement?.closest('[aria-label="Release controls"]')`);
    await expect.poll(inControls).toBe(true);
  }, 240_000);
});
