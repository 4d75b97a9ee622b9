import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { V1MicroTime } from '@kubernetes/client-node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import { launchBrowser, screenshot } from '../support/browser.ts';
import { leaseApi } from '../support/laptop.ts';
import { startTestConsole, type TestConsole } from '../support/web-shell.ts';
import { go, planFromScenario, withCanarySteps, WORKLOAD } from './console-helpers.ts';

const LEASE = 'switchyard-deployment-workflow-engine';
// The console's built-in sandbox, kept here so the test can show the cluster another laptop's lease.
const sandbox = createSandboxProvider();
let app: TestConsole;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'sy-ui-lease-'));
  app = await startTestConsole({
    env: { KUBECONFIG: join(home, 'none.yaml') },
    home,
    dataDir: join(home, '.switchyard'),
    sandbox,
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(15_000);
  await page.goto(app.shell.url);
  await page.getByRole('heading', { name: 'Switchyard' }).waitFor();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('a workload another laptop left holding', () => {
  it('the Run screen names the holder and starts only after Take over is clicked', async () => {
    // erin's laptop started a release of workflow-engine and went away 3 minutes ago.
    const leases = leaseApi(await sandbox.handle());
    const gone = Date.now() - 3 * 60_000;
    await leases.createNamespacedLease({
      namespace: WORKLOAD.namespace,
      body: {
        metadata: {
          name: LEASE,
          namespace: WORKLOAD.namespace,
          annotations: { 'switchyard.dev/user': 'erin', 'switchyard.dev/host': 'laptop-e' },
        },
        spec: { holderIdentity: 'canary-erin', leaseDurationSeconds: 30, renewTime: new V1MicroTime(gone) },
      },
    });
    await planFromScenario(page, 'Performance optimisation', 'canary', (yaml) =>
      withCanarySteps(yaml, ['setWeight: 10', 'pause: {}', 'setWeight: 100']),
    );
    await go(page, 'Run');
    await page.getByRole('button', { name: 'Start release on sandbox' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'held by release canary-erin' });
    await alert.waitFor();
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
