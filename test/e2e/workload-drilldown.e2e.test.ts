import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import type { SandboxHandle } from '../../src-main/sandbox/sandbox.ts';
import { screenshot } from '../support/browser.ts';
import { scaleDeployment } from '../support/sandbox-workloads.ts';
import { openConsole, type ConsoleSession } from './console-helpers.ts';

let session: ConsoleSession;
let sb: SandboxHandle;
let page: Page;

beforeAll(async () => {
  const sandbox = createSandboxProvider();
  sb = await sandbox.handle();
  session = await openConsole({ sandbox });
  page = session.page;
}, 120_000);
afterAll(async () => session?.close());

const namespace = () => page.getByLabel('Namespace');
const workloads = () => page.getByRole('table', { name: 'Workloads' });

describe('Connections as a Lens user expects', () => {
  it('opens on the namespace that holds workloads, not an empty default', async () => {
    await expect.poll(() => namespace().inputValue()).toBe('platform-production');
    await expect
      .poll(() =>
        workloads()
          .getByRole('row', { name: /workflow-engine/ })
          .count(),
      )
      .toBe(1);
  });

  it('opens a workload row onto its ReplicaSets, pods, events and log, live', async () => {
    const row = workloads().getByRole('row', { name: /workflow-engine/ });
    const desired = Number((await row.getByRole('cell').nth(3).textContent())!.split('/')[1]) + 1;
    // A scale makes the deployment controller record an event (ScalingReplicaSet), as a real cluster does.
    await scaleDeployment(sb, 'workflow-engine', desired);
    await row.click();
    const detail = page.getByRole('region', { name: 'Workload workflow-engine' });
    await expect
      .poll(() => detail.getByRole('table', { name: 'ReplicaSets' }).textContent())
      .toMatch(/v1\.24\.0/);
    const pods = detail.getByRole('table', { name: 'Pods' });
    // The pod added by the scale appears without reopening: the drill-down follows the cluster.
    await expect.poll(() => pods.getByRole('row').count(), { timeout: 30_000 }).toBe(desired + 1);
    expect(await pods.getByRole('row').nth(1).textContent()).toMatch(
      /workflow-engine-.*(Running|ContainerCreating|Pending)/,
    );
    await expect
      .poll(() => detail.getByRole('table', { name: 'Events' }).textContent(), { timeout: 30_000 })
      .toMatch(/Scaled up replica set workflow-engine-/);
    await expect
      .poll(() => detail.getByLabel('Pod log').textContent(), { timeout: 30_000 })
      .toMatch(/INFO GET \/api\/v1\/workflows status=200/);
    await screenshot(page, 'connections-drilldown');
  });

  it('remembers the namespace picked in a context across a reload', async () => {
    const other = (await namespace().locator('option').allTextContents()).find(
      (n) => n !== 'platform-production',
    )!;
    await namespace().selectOption(other);
    await page.reload();
    await expect.poll(() => namespace().inputValue()).toBe(other);
    await namespace().selectOption('platform-production');
  });
});

/** Creates `count` Deployments of no pods in a new namespace, as a cluster with many small services has. */
async function manyWorkloads(namespace: string, count: number): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const apps = kc.makeApiClient(AppsV1Api);
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) => {
        const name = `svc-${String(i + j).padStart(4, '0')}`;
        return apps.createNamespacedDeployment({
          namespace,
          body: {
            metadata: { name, labels: { app: name } },
            spec: {
              replicas: 0,
              selector: { matchLabels: { app: name } },
              template: {
                metadata: { labels: { app: name } },
                spec: { containers: [{ name, image: `registry.platform.com/${name}:v2.0.${i + j}` }] },
              },
            },
          },
        });
      }),
    );
  }
}

describe('the workload table at scale', () => {
  it('draws only the rows in view of 300 workloads and reaches the last by scrolling', async () => {
    const ns = `many-${Date.now().toString(36)}`;
    await manyWorkloads(ns, 300);
    // The namespace list is read when a context is picked: a reload reads it again.
    await page.reload();
    await namespace().selectOption(ns);
    await expect.poll(() => workloads().getAttribute('aria-rowcount')).toBe('301');
    const drawn = await workloads().getByRole('row').count();
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(100);
    expect(
      await workloads()
        .getByRole('row', { name: /svc-0299/ })
        .count(),
    ).toBe(0);
    await page.getByTestId('workload-scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
    const last = workloads().getByRole('row', { name: /svc-0299/ });
    await expect.poll(() => last.textContent()).toMatch(/svc-0299.*v2\.0\.299/);
    await last.click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Workload svc-0299' }).textContent())
      .toMatch(/No pods\./);
  });
});
