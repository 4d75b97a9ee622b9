import { afterAll, describe, expect, it, vi } from 'vitest';
import { screenshot } from '../support/browser.ts';
import {
  useConsoleSession,
  planFromScenario,
  rehearse,
  waitForStep,
  withCanarySteps,
} from './console-helpers.ts';

const s = useConsoleSession();

afterAll(() => {
  vi.restoreAllMocks();
});

describe('the laptop sleeps during a rehearsal', () => {
  it('tells the operator how long it slept and moves past the pause that ended meanwhile', async () => {
    const { page } = s;
    await planFromScenario(page, 'Performance optimisation', 'canary', (yaml) =>
      withCanarySteps(yaml, ['setWeight: 10', 'pause: { duration: 20m }', 'setWeight: 30', 'pause: {}']),
    );
    // At 20× the 20 min pause takes a real minute unless the sleep counts.
    await rehearse(page, 20);
    await waitForStep(page, 'pause 20m');

    // The engine runs in this process: its wall clock jumps 30 minutes while its monotonic clock does not.
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 30 * 60_000);
    const jumped = performance.now();

    const toast = page
      .getByRole('log', { name: 'Notifications' })
      .getByText('The computer slept for 30 min', { exact: true });
    await toast.waitFor({ timeout: 20_000 });
    const panel = page.getByRole('region', { name: 'While the computer slept' });
    await panel.waitFor();
    expect(await panel.innerText()).toMatch(
      /The 20m pause at step 2 \(pause 20m\) was due to end at .* during the sleep; the sleep counts as elapsed time, so the release moved on to step [34]/,
    );
    await waitForStep(page, 'set weight 30 %', 20_000);
    expect(performance.now() - jumped).toBeLessThan(30_000);
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'sleep-notice');
  }, 240_000);
});
