/**
 * `npm run screenshots`: retakes the README's pictures of every screen, in the light and the dark theme, at
 * 1440×900, into resources/screenshots/<screen>-<theme>.png. It drives the built console (the web shell, the
 * engine and the built-in sandbox) in Debian's Chromium with the browser tests' helpers. Not a test: CI never
 * runs it (vitest only hosts it for its `expect.poll`); run `npx electron-vite build` first.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import { launchBrowser } from '../../test/support/browser.ts';
import { startTestConsole } from '../../test/support/web-shell.ts';
import {
  flagRampPlan,
  go,
  loadPlan,
  planFromScenario,
  rehearse,
  rehearseCanaryUntil,
  rehearseScenario,
  waitForStatus,
  waitForStep,
  withCanarySteps,
} from '../../test/e2e/console-helpers.ts';
import { flagWithDeployYaml } from '../../test/fixtures/plans/flag-with-deploy.ts';

const OUT = join(import.meta.dirname, '..', '..', 'resources', 'screenshots');
/** A flag with deploy held in its ramp: the canary at 25 % for 30 s, then the flag at 25 % until promoted. */
const FLAG_WITH_DEPLOY = () =>
  flagWithDeployYaml(['setWeight: 25', 'pause: { duration: 30s }'], ['setPercentage: 25', 'pause: {}']);

/** Dismisses the notification toasts, which also go away by themselves while they are being clicked. */
async function clearToasts(page: Page): Promise<void> {
  const dismiss = page.getByRole('log', { name: 'Notifications' }).getByRole('button');
  for (let i = 0; i < 20 && (await dismiss.count()) > 0; i += 1)
    await dismiss
      .first()
      .click({ timeout: 2_000 })
      .catch(() => undefined);
}

/**
 * The console as someone without a kubeconfig sees it (the sandbox is the only context, and no warning
 * about a missing file), in a 1440×900 window of the theme.
 */
async function openScreens(scheme: 'light' | 'dark') {
  const home = mkdtempSync(join(tmpdir(), 'sy-screens-'));
  const app = await startTestConsole({
    env: {},
    home,
    dataDir: join(home, '.switchyard'),
    sandbox: createSandboxProvider(),
  });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: scheme });
  page.setDefaultTimeout(30_000);
  await page.goto(app.shell.url);
  await page.getByRole('heading', { name: 'Switchyard' }).waitFor();
  return {
    page,
    async close() {
      await browser.close();
      await app.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Saves what the window shows (not the whole page), so every picture is 1440×900. */
async function shoot(page: Page, name: string, scheme: string, top?: Locator): Promise<void> {
  await clearToasts(page);
  // A little of the panel above the heading stays in view.
  if (top)
    await top.evaluate((el) =>
      el.ownerDocument.defaultView?.scrollBy(0, el.getBoundingClientRect().top - 28),
    );
  else await page.locator('body').evaluate((el) => el.ownerDocument.defaultView?.scrollTo(0, 0));
  await page.mouse.move(0, 0); // no hover state in the picture
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, `${name}-${scheme}.png`) });
}

describe.each(['light', 'dark'] as const)('every screen in the %s theme', (scheme) => {
  it('takes the pictures', async () => {
    const s = await openScreens(scheme);
    const { page } = s;
    try {
      // Connections, with a workload opened onto its ReplicaSets, pods, events and log.
      const workloads = page.getByRole('table', { name: 'Workloads' });
      await workloads.getByRole('row', { name: /agent-manager/ }).click();
      const detail = page.getByRole('region', { name: 'Workload agent-manager' });
      await expect
        .poll(() => detail.getByLabel('Pod log').textContent(), { timeout: 30_000 })
        .toMatch(/INFO/);
      await shoot(page, 'connections-drilldown', scheme);

      // Plan: the guidance's ranking for a scenario, and its pre-filled plan.
      await planFromScenario(page, 'Performance optimisation', 'canary');
      await shoot(page, 'plan-guidance', scheme);

      // Plan: preflight of that plan against the sandbox.
      await page.getByRole('button', { name: /^Run preflight on / }).click();
      const findings = page.getByRole('list', { name: 'Preflight findings' });
      await findings.getByRole('listitem').first().waitFor({ timeout: 60_000 });
      await shoot(page, 'plan-preflight', scheme, page.getByRole('heading', { name: 'Preflight' }));

      // Rehearse: a canary live at 25 % on a fresh sandbox at 120×; then a fault aborts it (for History).
      // The 60 min pause (30 s at 120×) holds the picture at 25 %.
      const liveCanary = ['setWeight: 10', 'setWeight: 25', 'pause: { duration: 60m }', 'setWeight: 100'];
      await rehearseCanaryUntil(page, liveCanary, 'pause 60m');
      const bar = page.getByRole('list', { name: 'Traffic per track in the bar' });
      await expect.poll(() => bar.innerText(), { timeout: 60_000 }).toMatch(/canary 25 %/);
      await shoot(page, 'rehearse-canary', scheme);
      await page.getByLabel('Error rate (%)').fill('30');
      await page.getByRole('button', { name: 'Inject fault' }).click();
      await waitForStatus(page, 'aborted');

      // A flag ramp rehearsed to 10 %, with its exposure per variant.
      await loadPlan(page, flagRampPlan(['setPercentage: 10', 'pause: {}']));
      await rehearse(page, 120);
      await waitForStatus(page, 'paused');
      await expect
        .poll(() => page.getByRole('table', { name: 'Exposure per variant' }).innerText())
        .toMatch(/on\s+10 %/);
      await shoot(page, 'flag-ramp', scheme);
      await page.getByRole('button', { name: /^Kill switch/ }).click();
      await page.getByRole('dialog', { name: 'Confirm kill switch' }).waitFor();
      await page.keyboard.press('Enter');
      await waitForStatus(page, 'aborted');

      // A flag with deploy: the canary went out dark, the flag's ramp holds at 25 %.
      await loadPlan(page, FLAG_WITH_DEPLOY());
      await rehearse(page, 120);
      await waitForStep(page, 'pause until promoted');
      await waitForStatus(page, 'paused');
      await expect
        .poll(() => page.getByRole('table', { name: 'Exposure per variant' }).innerText())
        .toMatch(/on\s+25 %\s+25 %/);
      await shoot(page, 'flag-with-deploy', scheme);
      await page.getByRole('button', { name: /^Kill switch/ }).click();
      await page.getByRole('dialog', { name: 'Confirm kill switch' }).waitFor();
      await page.keyboard.press('Enter');
      await waitForStatus(page, 'aborted');

      // A rolling release part-way: pods updated / ready / total.
      await rehearseScenario(page, { scenario: 'Performance optimisation', strategy: 'rolling', speed: 30 });
      await expect
        .poll(async () => {
          const m = /pods updated (\d+) \//.exec(await page.getByLabel('Pod counts').innerText());
          return m ? Number(m[1]) : 0;
        })
        .toBeGreaterThanOrEqual(6);
      await shoot(page, 'rehearse-rolling', scheme);
      await waitForStatus(page, 'completed');

      // Run: a canary on the sandbox context, paused for the operator with its controls.
      await planFromScenario(page, 'Performance optimisation', 'canary', (yaml) =>
        withCanarySteps(yaml, ['setWeight: 10', 'pause: {}', 'setWeight: 100']),
      );
      await go(page, 'Run');
      await page.getByRole('button', { name: 'Start release on sandbox' }).click();
      await waitForStep(page, 'pause until promoted');
      await shoot(page, 'run-paused', scheme);

      // History: the aborted canary rehearsal with its decisions and timeline.
      await go(page, 'History');
      await page
        .getByRole('table', { name: 'Releases' })
        .getByRole('row')
        .filter({ hasText: 'canary' })
        .filter({ hasText: 'aborted' })
        .first()
        .getByRole('button', { name: /^Open / })
        .click();
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      await shoot(page, 'history-release', scheme, page.getByRole('heading', { name: 'Decisions' }));
    } finally {
      await s.close();
    }
  }, 600_000);
});
