import { describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import { screenshot } from '../support/browser.ts';
import { leaseApi, leaseOfAnotherLaptop } from '../support/laptop.ts';
import { go, planFromScenario, useConsoleSession, withCanarySteps, WORKLOAD } from './console-helpers.ts';

const LEASE = 'switchyard-deployment-workflow-engine';
// The console's built-in sandbox, kept here so the test can show the cluster another laptop's lease.
const sandbox = createSandboxProvider();
const s = useConsoleSession({ sandbox });

describe('a workload another laptop left holding', () => {
  it('the Run screen names the holder and starts only after Take over is clicked', async () => {
    const { page } = s;
    // erin's laptop started a release of workflow-engine and went away 3 minutes ago.
    const leases = leaseApi(await sandbox.handle());
    const gone = Date.now() - 3 * 60_000;
    await leaseOfAnotherLaptop(leases, {
      releaseId: 'canary-erin',
      user: 'erin',
      host: 'laptop-e',
      renewedAtMs: gone,
    });
    await planFromScenario(page, 'Performance optimisation', 'canary', (yaml) =>
      withCanarySteps(yaml, ['setWeight: 10', 'pause: {}', 'setWeight: 100']),
    );
    await go(page, 'Run');
    await page.getByRole('button', { name: 'Start release on sandbox' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'held by release canary-erin' });
    await alert.waitFor({ timeout: 60_000 });
    expect(await alert.innerText()).toMatch(
      /deployment platform-production\/workflow-engine is held by release canary-erin of erin on laptop-e .*\(3 min ago\)\); it stopped renewing its 30 s lease/,
    );
    const takeOver = page.getByRole('button', { name: 'Take over and start the release' });
    await screenshot(page, 'run-lease-take-over');
    await takeOver.click();
    await page.getByRole('status', { name: /^Release status / }).waitFor({ timeout: 60_000 });
    await expect
      .poll(
        async () =>
          (await leases.readNamespacedLease({ name: LEASE, namespace: WORKLOAD.namespace })).spec
            ?.holderIdentity,
      )
      .not.toBe('canary-erin');
    expect(await takeOver.count()).toBe(0);
  }, 180_000);
});
