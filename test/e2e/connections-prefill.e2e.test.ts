import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import type { SandboxHandle } from '../../src-main/sandbox/sandbox.ts';
import { screenshot } from '../support/browser.ts';
import { go, useConsoleSession } from './console-helpers.ts';

const sandbox = createSandboxProvider();
const session = useConsoleSession({ sandbox });
let sb: SandboxHandle;
let page: Page;

beforeAll(async () => {
  sb = await sandbox.handle();
  page = session.page;
  // Wide enough for the workload rows' Plan button (a narrow table leaves it to the drill-down).
  await page.setViewportSize({ width: 1440, height: 900 });
});

const workloads = () => page.getByRole('table', { name: 'Workloads' });
const guidance = () => page.getByRole('region', { name: 'Decision guidance' });

describe('Plan a release of a workload picked in Connections', () => {
  it('fills the guidance from the cluster, says where each field came from, and drafts a plan naming it', async () => {
    await workloads().getByRole('button', { name: 'Plan a release of workflow-engine' }).click();
    await guidance().waitFor();
    const g = guidance();
    await expect
      .poll(() => g.getByRole('status').textContent())
      .toMatch(/Prefilled from Deployment platform-production\/workflow-engine on sandbox/);
    expect(await g.getByLabel('Namespace', { exact: true }).inputValue()).toBe('platform-production');
    expect(await g.getByLabel('Workload name').inputValue()).toBe('workflow-engine');
    expect(await g.getByLabel('Context', { exact: true }).inputValue()).toBe('sandbox');
    expect(await g.getByLabel('Container', { exact: true }).inputValue()).toBe('workflow-engine');
    expect(await g.getByLabel('Prometheus job').inputValue()).toBe('workflow-engine');
    expect(await g.getByLabel('Service mesh').inputValue()).toBe('istio');
    expect(await g.getByLabel('VirtualService', { exact: true }).inputValue()).toBe('workflow-engine');
    expect(Number(await g.getByLabel('Replicas').inputValue())).toBeGreaterThan(0);
    // The new image is the user's: empty, with the running one as the example.
    const image = g.getByLabel('New image');
    expect(await image.inputValue()).toBe('');
    expect(await image.getAttribute('placeholder')).toBe(
      'e.g. registry.platform.com/workflow-engine:v1.24.0',
    );
    // Each prefilled field says where it was read.
    await expect
      .poll(() => g.getByLabel('Service mesh').evaluate((el) => el.getAttribute('aria-describedby')))
      .toBe('source-mesh');
    expect(await page.getByTestId('source-mesh').textContent()).toMatch(
      /from VirtualService "workflow-engine" \(route primary\) sends traffic to workflow-engine/,
    );
    expect(await page.getByTestId('source-replicas').textContent()).toMatch(/spec\.replicas/);
    expect(await page.getByTestId('source-job').textContent()).toMatch(/pod label app/);

    // Every field stays editable: the user changes the job, then gives the new image.
    await g.getByLabel('Prometheus job').fill('workflow-engine-api');
    // A changed field no longer claims to hold what was read.
    expect(await page.getByTestId('source-job').count()).toBe(0);
    expect(await page.getByTestId('source-container').count()).toBe(1);
    await image.fill('registry.platform.com/workflow-engine:v1.25.0');
    for (const [w, h] of [
      [1440, 900],
      [1024, 700],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await screenshot(page, `plan-prefilled-${w}x${h}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole('button', { name: 'Recommend strategies' }).click();
    const firstRow = page.getByRole('table', { name: 'Ranked strategies' }).getByRole('row').nth(1);
    await firstRow.getByRole('button', { name: /^Use / }).click();
    const yaml = page.getByRole('textbox', { name: 'Plan YAML' });
    await expect.poll(() => yaml.inputValue()).toMatch(/name: workflow-engine\b/);
    const text = await yaml.inputValue();
    expect(text).toMatch(/namespace: platform-production/);
    expect(text).toMatch(/context: sandbox/);
    expect(text).toMatch(/container: workflow-engine/);
    expect(text).toMatch(/job: workflow-engine-api/);
    expect(text).toMatch(/image: registry\.platform\.com\/workflow-engine:v1\.25\.0/);
    expect(text).not.toMatch(/my-service|default\//);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'valid plan' }).count()).toBe(1);
  });

  it('plans from the drill-down too', async () => {
    await go(page, 'Connections');
    await workloads()
      .getByRole('row', { name: /agent-manager/ })
      .click();
    const detail = page.getByRole('region', { name: 'Workload agent-manager' });
    await detail.getByRole('button', { name: 'Plan a release of this' }).click();
    await expect.poll(() => guidance().getByLabel('Workload name').inputValue()).toBe('agent-manager');
    expect(await guidance().getByLabel('Service mesh').inputValue()).toBe('none');
    expect(await page.getByTestId('source-mesh').textContent()).toMatch(
      /Service "agent-manager" selects the pods of Deployment "agent-manager"; no VirtualService or HTTPRoute/,
    );
    expect(await guidance().getByLabel('Service', { exact: true }).inputValue()).toBe('agent-manager');
  });
});

describe('a narrow workload table', () => {
  it('leaves planning to the drill-down, so the counts keep their room', async () => {
    await go(page, 'Connections');
    const row = workloads().getByRole('row', { name: /workflow-engine/ });
    await expect.poll(() => row.getByRole('button', { name: /Plan a release/ }).isVisible()).toBe(true);
    await page.setViewportSize({ width: 1024, height: 700 });
    await expect.poll(() => row.getByRole('button', { name: /Plan a release/ }).isVisible()).toBe(false);
    await page.setViewportSize({ width: 1440, height: 900 });
  });
});

describe('the journey on from a prefilled plan', () => {
  it('passes preflight on the sandbox as drafted: the router objects it names are there', async () => {
    await go(page, 'Connections');
    await workloads().getByRole('button', { name: 'Plan a release of workflow-engine' }).click();
    await guidance().getByLabel('New image').fill('registry.platform.com/workflow-engine:v1.25.0');
    await page.getByRole('button', { name: 'Recommend strategies' }).click();
    const firstRow = page.getByRole('table', { name: 'Ranked strategies' }).getByRole('row').nth(1);
    await firstRow.getByRole('button', { name: /^Use / }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'valid plan' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Run preflight on sandbox' }).click();
    const findings = page.getByLabel('Preflight findings');
    await expect
      .poll(() => findings.textContent(), { timeout: 60_000 })
      .toMatch(/VirtualService platform-production\/workflow-engine is there/);
    expect(await page.getByRole('status').filter({ hasText: 'Preflight passed.' }).count()).toBe(1);
  });
});

describe('the namespace list follows the cluster', () => {
  it('shows a namespace created after the context was picked, without picking it again or reloading', async () => {
    await go(page, 'Connections');
    const picker = page.getByLabel('Namespace');
    await expect.poll(() => picker.inputValue()).toBe('platform-production');
    const name = `late-${Date.now().toString(36)}`;
    const kc = new KubeConfig();
    kc.loadFromString(sb.kubeconfigYaml());
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
    // Main watches the namespaces: the new one appears without a reload, re-picking the context or a focus.
    await expect.poll(() => picker.locator('option', { hasText: name }).count()).toBe(1);
    await picker.selectOption(name);
    await expect
      .poll(() => page.getByText('No Deployments or Argo Rollouts in this namespace.').count())
      .toBe(1);
    expect(await picker.inputValue()).toBe(name);
    await picker.selectOption('platform-production');
  });
});
