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

  it('follows pods live: a deleted pod leaves and its replacement appears without a reload', async () => {
    const detail = page.getByRole('region', { name: 'Workload workflow-engine' });
    await expect
      .poll(() => detail.getByRole('status', { name: 'Drill-down live state' }).textContent())
      .toBe('● Live');
    const pods = detail.getByRole('table', { name: 'Pods' });
    const victim = (await pods.getByRole('row').nth(1).getByRole('cell').first().textContent())!;
    const before = await pods.getByRole('row').count();
    const victimRow = () => pods.getByRole('row', { name: new RegExp(`^${victim}\\b`) });
    expect(await victimRow().count()).toBe(1);
    const kc = new KubeConfig();
    kc.loadFromString(sb.kubeconfigYaml());
    await kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: victim, namespace: 'platform-production' });
    await expect.poll(() => victimRow().count(), { timeout: 30_000 }).toBe(0);
    // The ReplicaSet makes a new pod: the table has as many rows again, one of them a new name.
    await expect.poll(() => pods.getByRole('row').count(), { timeout: 30_000 }).toBe(before);
    // Events are watched per object the drill-down shows, never the namespace's whole list.
    const watches = sb.openWatches();
    expect(watches.some((u) => /\/events\?.*involvedObject/.test(u))).toBe(true);
    expect(watches.some((u) => /\/events\?(?!.*fieldSelector)/.test(u))).toBe(false);
    for (const [w, h] of [
      [1440, 900],
      [1024, 700],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await screenshot(page, `connections-drilldown-live-${w}x${h}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('closing the drill-down ends its watches on the cluster (none leak)', async () => {
    const ofDrillDown = () =>
      sb.openWatches().filter((u) => /involvedObject|labelSelector=app%3Dworkflow-engine/.test(u));
    expect(ofDrillDown().length).toBeGreaterThan(2);
    await page.getByRole('button', { name: 'Close workload details' }).click();
    await expect.poll(() => ofDrillDown()).toEqual([]);
    // Opening and closing again, and leaving the screen with it open, leak nothing either.
    await workloads()
      .getByRole('row', { name: /workflow-engine/ })
      .click();
    let last: string[] = [];
    await expect
      .poll(() => ((last = sb.openWatches()), ofDrillDown().length))
      .toBeGreaterThan(2)
      .catch((e: unknown) => {
        throw new Error(`${String(e)}: ${JSON.stringify(last)}`);
      });
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Plan' }).click();
    await expect.poll(() => ofDrillDown()).toEqual([]);
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'Connections' })
      .click();
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
