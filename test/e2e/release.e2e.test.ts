import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import {
  dismissToasts,
  go,
  useConsoleSession,
  planFromScenario,
  rehearse,
  waitForStatus,
  waitForStep,
  withCanarySteps,
} from './console-helpers.ts';

const s = useConsoleSession();

describe('rehearsing and running releases on the sandbox', () => {
  it('aborts a canary when a fault is injected at the 25 % step, with the abort marker and reason on the timeline', async () => {
    const { page } = s;
    await planFromScenario(page, 'Performance optimisation', 'canary', (yaml) =>
      withCanarySteps(yaml, [
        'setWeight: 10',
        'pause: { duration: 1m }',
        'setWeight: 25',
        'pause: { duration: 60m }',
        'analysis: { templates: [initial-canary] }',
        'setWeight: 100',
      ]),
    );
    await rehearse(page, 120);
    await waitForStep(page, 'set weight 25 %');
    // Every track is named beside the bar, whole (no "anary 10 %" cut by a narrow segment).
    // The weight moves once the canary's extra pods are ready; the 60 min pause (30 s at 120×) leaves time to look.
    await expect
      .poll(() => page.getByRole('list', { name: 'Traffic per track in the bar' }).innerText(), {
        timeout: 30_000,
      })
      .toMatch(/stable 75 %[\s\S]*canary 25 %/);
    await screenshot(page, 'rehearse-canary-at-25');

    await page.getByLabel('Error rate (%)').fill('30');
    await page.getByRole('button', { name: 'Inject fault' }).click();
    await page.getByRole('status').filter({ hasText: 'Fault applied' }).waitFor();

    await waitForStatus(page, 'aborted');
    // The abort is a failed verdict: red, titled by what happened.
    await expect
      .poll(() => page.locator('.decision-verdict-fail .badge').first().innerText())
      .toBe('Aborted');
    const markers = page.getByRole('list', { name: 'Timeline markers' });
    await expect.poll(() => markers.innerText()).toMatch(/abort/);
    const reason = await page.getByRole('alert').filter({ hasText: /./ }).first().innerText();
    expect(await markers.innerText()).toContain(reason.trim());
    expect(await page.locator('.timeline svg text', { hasText: /^abort$/ }).count()).toBeGreaterThan(0);
    // The step list says where it stopped and that nothing comes next.
    await page
      .getByRole('list', { name: 'Release steps' })
      .getByRole('listitem')
      .filter({ hasText: /^stopped / })
      .waitFor({ timeout: 10_000 });
    expect(await page.getByText('nothing: the release was aborted').count()).toBe(1);
    await dismissToasts(page); // they would cover the timeline's abort marker in the picture
    await page.getByRole('heading', { name: 'Health timeline' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'rehearse-canary-aborted');
  }, 240_000);

  it('opens the aborted rehearsal in History and exports it as Markdown and JSON', async () => {
    const { page } = s;
    await go(page, 'History');
    await page.getByLabel('Status', { exact: true }).selectOption('aborted');
    const open = page
      .getByRole('table', { name: 'Releases' })
      .getByRole('button', { name: /^Open / })
      .first();
    await open.click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await expect
      .poll(() => page.getByRole('list', { name: 'Timeline markers' }).innerText())
      .toMatch(/abort/);
    // The plan comes back from the journal, so History draws its thresholds like the Run screen.
    const thresholdLabels = page.locator('.timeline svg text', { hasText: / (<|>|<=|>=) [\d.]+/ });
    await expect.poll(() => thresholdLabels.count()).toBeGreaterThan(0);
    await page.getByRole('heading', { name: 'Health timeline' }).scrollIntoViewIfNeeded();
    await dismissToasts(page);
    // Hovering the error rate near the abort shows the sample behind it and its query.
    const plot = page.getByRole('figure', { name: 'Error rate by version' }).locator('svg.health-chart');
    const size = (await plot.boundingBox())!;
    await plot.hover({ position: { x: size.width * 0.9, y: size.height / 2 } });
    await expect.poll(() => page.getByRole('tooltip').innerText()).toContain('sum(rate(');
    await screenshot(page, 'history-release');

    // Zoom and pan: the buttons and the overview's window (by keyboard) change the time the charts show.
    const times = async () => {
      const texts = await page
        .getByRole('figure', { name: 'Error rate by version' })
        .locator('svg.health-chart .health-axis text')
        .allTextContents();
      return texts.filter((t) => /^\d\d:\d\d:\d\d$/.test(t)).map(seconds);
    };
    const all = await times();
    const zoom = page.getByRole('group', { name: 'Zoom and pan' });
    await zoom.getByRole('button', { name: 'Zoom in' }).click();
    await expect.poll(async () => spacing(await times())).toBeLessThan(spacing(all));
    const zoomed = await times();
    // Earlier moves the window by a quarter of its width, which can be less than the tick spacing: then the
    // first tick keeps its time but moves right. Either shows an earlier window.
    const axis = page
      .getByRole('figure', { name: 'Error rate by version' })
      .locator('svg.health-chart .health-axis text');
    const firstLabel = (await axis.allTextContents()).find((t) => /^\d\d:\d\d:\d\d$/.test(t))!;
    const xOf = async (label: string) =>
      (await axis.filter({ hasText: label }).first().boundingBox())?.x ?? -1;
    const xBefore = await xOf(firstLabel);
    await zoom.getByRole('button', { name: 'Earlier' }).click();
    await expect
      .poll(async () => (await times())[0]! < zoomed[0]! || (await xOf(firstLabel)) > xBefore)
      .toBe(true);
    await zoom.getByRole('button', { name: 'Show all' }).click();
    await expect.poll(times).toEqual(all);
    const edge = page.getByRole('slider', { name: 'Zoom window edge' }).first();
    await edge.focus();
    // Moved right far enough, the window starts after the whole release's first tick.
    for (let i = 0; i < 400 && ((await times())[0] ?? 0) <= all[0]!; i += 10)
      for (let k = 0; k < 10; k++) await edge.press('ArrowRight');
    expect((await times())[0]).toBeGreaterThan(all[0]!);
    expect(await zoom.getByRole('button', { name: 'Show all' }).isEnabled()).toBe(true);
    await zoom.getByRole('button', { name: 'Show all' }).click();
    await expect.poll(times).toEqual(all);

    for (const [button, ext] of [
      ['Export Markdown', '.md'],
      ['Export JSON', '.json'],
    ] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: button }).click(),
      ]);
      expect(download.suggestedFilename().endsWith(ext)).toBe(true);
      const text = readFileSync((await download.path())!, 'utf8');
      expect(text).toContain('workflow-engine');
      // The Markdown reads as a post-incident report: outcome in the title, the summary before the timeline.
      if (ext === '.md') expect(text).toMatch(/^# Release of .+: .+\n[\s\S]*## Summary[\s\S]*## Timeline/);
    }
  }, 120_000);

  it('promotes a canary paused for the operator with the keyboard', async () => {
    const { page } = s;
    await planFromScenario(page, 'Performance optimisation', 'canary', (yaml) =>
      withCanarySteps(yaml, ['setWeight: 10', 'pause: {}', 'setWeight: 100']),
    );
    await rehearse(page, 120);
    await waitForStep(page, 'pause until promoted');
    await waitForStatus(page, 'paused');
    await screenshot(page, 'rehearse-canary-paused');

    await page.getByRole('heading', { name: 'Health timeline' }).click();
    await page.keyboard.press('n');
    await waitForStatus(page, 'completed');
    await expect.poll(() => page.getByRole('list', { name: 'Decisions' }).innerText()).toMatch(/Promoted/);
    await screenshot(page, 'rehearse-canary-promoted');
  }, 240_000);

  it('rolls back a blue-green release in one confirmed step', async () => {
    const { page } = s;
    // A 60 min validation window (30 s at 120×) leaves time to click under load; the default 5 min did not.
    await planFromScenario(page, 'Hotfix', 'blue-green', (yaml) =>
      yaml.replace(/(\n {2}validation:\n {4}duration:) 5m/, '$1 60m'),
    );
    await rehearse(page, 120);
    // Once validating, traffic is on the new colour (a roll back before the switch would abandon instead).
    await waitForStep(page, 'validate');
    await page.getByRole('button', { name: /^Roll back/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm roll back' });
    await dialog.waitFor();
    await screenshot(page, 'run-bluegreen-confirm-rollback');
    await dialog.getByRole('button', { name: 'Roll back now' }).click();
    await waitForStatus(page, 'rolledBack');
    // The split shown is read back from the router: all traffic on the old colour again.
    await expect
      .poll(() => page.getByRole('img', { name: /^Actual split:/ }).getAttribute('aria-label'), {
        timeout: 10_000,
      })
      .toMatch(/blue 100 %/);
    // The steps still say how far it got: the switch was done before the roll back.
    await page
      .getByRole('list', { name: 'Release steps' })
      .getByRole('listitem')
      .filter({ hasText: 'switch traffic' })
      .and(page.locator('.step-done'))
      .waitFor({ timeout: 10_000 });
    await screenshot(page, 'run-bluegreen-rolled-back');
  }, 240_000);

  it('runs a canary on the sandbox context from the Run screen and aborts it by keyboard with one confirmation', async () => {
    const { page } = s;
    await planFromScenario(page, 'Performance optimisation', 'canary', (yaml) =>
      withCanarySteps(yaml, ['setWeight: 10', 'pause: {}', 'setWeight: 100']),
    );
    await go(page, 'Run');
    await page.getByRole('button', { name: 'Start release on sandbox' }).click();
    await page.getByRole('status', { name: /^Release status / }).waitFor({ timeout: 90_000 });
    await waitForStep(page, 'pause until promoted');
    await screenshot(page, 'run-canary-paused');

    await page.getByRole('heading', { name: 'Health timeline' }).click();
    await page.keyboard.press('a');
    const dialog = page.getByRole('dialog', { name: 'Confirm abort' });
    await dialog.waitFor();
    await screenshot(page, 'run-canary-confirm-abort');
    await page.keyboard.press('Enter');
    await waitForStatus(page, 'aborted');
    await expect
      .poll(() => page.getByRole('list', { name: 'Timeline markers' }).innerText())
      .toMatch(/abort/);
    await screenshot(page, 'run-canary-aborted');
  }, 240_000);
});

/** Seconds since midnight of a `HH:MM:SS` axis label. */
function seconds(label: string): number {
  const [h, m, sec] = label.split(':').map(Number);
  return h! * 3600 + m! * 60 + sec!;
}

/** The time between the first two axis labels, s (Infinity with fewer than two). */
function spacing(labels: number[]): number {
  return labels.length < 2 ? Infinity : labels[1]! - labels[0]!;
}
