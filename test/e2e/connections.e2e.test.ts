import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import type { SandboxHandle } from '../../src-main/sandbox/sandbox.ts';
import { launchBrowser, screenshot } from '../support/browser.ts';
import { startTestConsole, type TestConsole } from '../support/web-shell.ts';

const NS = 'platform-production';
let app: TestConsole;
let sb: SandboxHandle;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'sy-connections-'));
  const sandbox = createSandboxProvider();
  sb = await sandbox.handle();
  await addRollout();
  app = await startTestConsole({
    env: { KUBECONFIG: join(home, 'none.yaml') },
    home,
    dataDir: join(home, '.switchyard'),
    sandbox,
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  page.setDefaultTimeout(15_000);
  await page.goto(app.shell.url);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

function kubeconfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  return kc;
}

/** An Argo Rollout with the status its controller would write (the sandbox runs none). */
async function addRollout(): Promise<void> {
  await kubeconfig()
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: NS,
      plural: 'rollouts',
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'checkout', namespace: NS },
        spec: {
          replicas: 4,
          selector: { matchLabels: { app: 'checkout' } },
          template: {
            metadata: { labels: { app: 'checkout' } },
            spec: { containers: [{ name: 'checkout', image: 'registry.platform.com/checkout:v3.1.0' }] },
          },
        },
      },
    });
  const res = await fetch(`${sb.url}/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/checkout/status`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${sb.token}`, 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({
      status: { replicas: 4, readyReplicas: 4, updatedReplicas: 4, availableReplicas: 4 },
    }),
  });
  expect(res.status).toBe(200);
}

describe('the Connections screen', () => {
  it('shows the picked context as reachable with the signed-in identity', async () => {
    const sandbox = page.getByRole('button', { name: 'Context sandbox' });
    await expect
      .poll(() => sandbox.textContent())
      .toMatch(/Reachable · Signed in as sandbox-admin \(system:masters, system:authenticated\)/);
  });

  it('lists Deployments and Argo Rollouts with their kind, live', async () => {
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
    const row = page.getByRole('table', { name: 'Workloads' }).getByRole('row', { name: /agent-manager/ });
    // The Ready column reads ready/desired.
    const ready = () => row.getByRole('cell').nth(3).textContent();
    await expect.poll(ready).toMatch(/^\d+\/\d+$/);
    const desired = Number((await ready())!.split('/')[1]) + 4;
    const sent = performance.now();
    await kubeconfig()
      .makeApiClient(AppsV1Api)
      .patchNamespacedDeploymentScale({
        name: 'agent-manager',
        namespace: NS,
        body: [{ op: 'replace', path: '/spec/replicas', value: desired }],
      });
    await expect.poll(ready, { timeout: 2_000, interval: 50 }).toMatch(new RegExp(`/${desired}$`));
    expect(performance.now() - sent).toBeLessThan(2_000);
    await expect.poll(ready, { timeout: 15_000 }).toBe(`${desired}/${desired}`);
    await screenshot(page, 'connections-live');
  });
});
