import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { contrastRatio, lowContrastText, pageBackground, type Rgba } from '../support/contrast.ts';
import {
  go,
  openConsole,
  planFromScenario,
  waitForStep,
  withCanarySteps,
  type ConsoleSession,
} from './console-helpers.ts';

const SCREENS = ['Connections', 'Plan', 'Rehearse', 'Run', 'History'] as const;
const backgrounds: Partial<Record<'light' | 'dark', Rgba>> = {};

/** Opens a screen and waits for its first heading, so its contents are drawn before they are judged. */
async function show(page: Page, screen: (typeof SCREENS)[number]): Promise<void> {
  await go(page, screen);
  await page.locator('main h2').first().waitFor();
}

describe.each(['light', 'dark'] as const)('the console in the %s theme the OS asks for', (scheme) => {
  let s: ConsoleSession | undefined;
  afterAll(async () => s?.close());

  it('shows every main screen, a paused canary included, with text at 4.5:1 contrast or more', async () => {
    await s?.close(); // a retry starts on a fresh console
    s = await openConsole({ colorScheme: scheme });
    const { page } = s;
    backgrounds[scheme] = await pageBackground(page);
    await planFromScenario(page, 'Performance optimisation', 'canary', (yaml) =>
      withCanarySteps(yaml, ['setWeight: 10', 'pause: {}', 'setWeight: 100']),
    );
    await go(page, 'Run');
    await page.getByRole('button', { name: 'Start release on sandbox' }).click();
    await waitForStep(page, 'pause until promoted');
    for (const screen of SCREENS) {
      await show(page, screen);
      await screenshot(page, `theme-${screen.toLowerCase()}-${scheme}`);
      expect(await lowContrastText(page), `${screen} screen, ${scheme} theme`).toEqual([]);
    }
  }, 240_000);
});

describe('the two themes', () => {
  it('paint the page differently: a light background in light, a dark one in dark', () => {
    const { light, dark } = backgrounds;
    if (!light || !dark) throw new Error('a theme test above did not get as far as reading the background');
    expect(contrastRatio(light, dark)).toBeGreaterThan(10);
  });
});
