import { beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import type { SandboxHandle } from '../../src-main/sandbox/sandbox.ts';
import { screenshot } from '../support/browser.ts';
import { createRollout, scaleDeployment, setRolloutStatus } from '../support/sandbox-workloads.ts';
import { useConsoleSession } from './console-helpers.ts';

const NS = 'platform-production';
// The console's built-in sandbox, with an Argo Rollout added before the console opens.
const sandbox = createSandboxProvider();
let sb: SandboxHandle;
beforeAll(async () => {
  sb = await sandbox.handle();
  await createRollout(sb, 'checkout', 'v3.1.0', 4);
  await setRolloutStatus(sb, 'checkout', {
    replicas: 4,
    readyReplicas: 4,
    updatedReplicas: 4,
    availableReplicas: 4,
  });
}, 120_000);
const s = useConsoleSession({ sandbox });

describe('the Connections screen', () => {
  it('shows the picked context as reachable with the signed-in identity', async () => {
    const { page } = s;
    const sandbox = page.getByRole('button', { name: 'Context sandbox' });
    await expect
      .poll(() => sandbox.textContent())
      .toMatch(/Reachable · Signed in as sandbox-admin \(system:masters, system:authenticated\)/);
  });

  it('lists Deployments and Argo Rollouts with their kind, live', async () => {
    const { page } = s;
    await page.getByLabel('Namespace').selectOption(NS);
    const table = page.getByRole('table', { name: 'Workloads' });
    await expect
      .poll(() => table.getByRole('row', { name: /checkout/ }).textContent())
      .toMatch(/Rollout.*v3\.1\.0.*4\/4/);
    expect(await table.getByRole('row', { name: /workflow-engine/ }).textContent()).toMatch(
      /Deployment.*v1\.24\.0/,
    );
    await expect.poll(() => page.getByRole('status', { name: 'Live feed' }).textContent()).toBe('● Live');
  });

  it('shows a replica count change within two seconds of a scale through the API', async () => {
    const { page } = s;
    const row = page.getByRole('table', { name: 'Workloads' }).getByRole('row', { name: /agent-manager/ });
    // The Ready column reads ready/desired.
    const ready = () => row.getByRole('cell').nth(3).textContent();
    await expect.poll(ready).toMatch(/^\d+\/\d+$/);
    const desired = Number((await ready())!.split('/')[1]) + 4;
    const sent = performance.now();
    await scaleDeployment(sb, 'agent-manager', desired);
    await expect.poll(ready, { timeout: 2_000, interval: 50 }).toMatch(new RegExp(`/${desired}$`));
    expect(performance.now() - sent).toBeLessThan(2_000);
    // New pods start (3 s) and turn ready (5 s) on the sandbox's clock; a loaded machine has taken over 15 s.
    await expect.poll(ready, { timeout: 30_000 }).toBe(`${desired}/${desired}`);
    await screenshot(page, 'connections-live');
  });
});
