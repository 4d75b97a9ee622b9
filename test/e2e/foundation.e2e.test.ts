import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src-main/sandbox/sandbox.ts';
import { launchBrowser, screenshot } from '../support/browser.ts';

let sandbox: SandboxHandle;
let web: ChildProcess;
let url: string;
let browser: Browser;
let page: Page;
const frames: string[] = [];

const BEARER = 'prod-bearer-token-that-must-stay-in-main';

beforeAll(async () => {
  sandbox = await startSandbox();
  const dir = mkdtempSync(join(tmpdir(), 'sy-e2e-'));
  const good = join(dir, 'sandbox.yaml');
  sandbox.writeKubeconfig(good, 'laptop-sandbox');
  const prod = join(dir, 'prod.yaml');
  writeFileSync(
    prod,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: eu',
      '  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}',
      'users:',
      `- name: eu-admin`,
      `  user: {token: ${BEARER}, username: admin, password: hunter2-secret}`,
      'contexts:',
      '- name: prod-eu',
      '  context: {cluster: eu, user: eu-admin}',
    ].join('\n'),
  );
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, 'contexts: [\n  - name: "unterminated\n');

  web = spawn(process.execPath, ['bin/switchyard.mjs', 'web', '--port', '0'], {
    env: { ...process.env, KUBECONFIG: [good, prod, broken].join(delimiter), HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  web.stderr?.on('data', (c: Buffer) => stderr.push(c.toString()));
  url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: web.stdout! });
    lines.once('line', resolve);
    web.once('exit', (code) => reject(new Error(`switchyard web exited ${code}: ${stderr.join('')}`)));
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => frames.push(String(f.payload)));
    ws.on('framesent', (f) => frames.push(String(f.payload)));
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  web?.kill('SIGTERM');
  await sandbox?.close();
});

describe('the console over the web shell', () => {
  it('prints its URL with the token as the first line', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  });

  it('lists kubeconfig contexts and the built-in sandbox, marks production, and names the broken file', async () => {
    await page.goto(url);
    const contexts = page.getByRole('listbox', { name: 'Contexts' });
    await expect.poll(() => contexts.getByRole('option').count()).toBe(3);
    await expect
      .poll(() => page.getByRole('button', { name: 'Context laptop-sandbox' }).isVisible())
      .toBe(true);
    await expect.poll(() => page.getByRole('button', { name: 'Context sandbox' }).isVisible()).toBe(true);
    const prod = page.getByRole('button', { name: 'Context prod-eu' });
    expect(await prod.textContent()).toMatch(/production/);
    expect(await page.getByRole('alert').first().textContent()).toMatch(/broken\.yaml.*not valid YAML/);
  });

  it('shows namespaces and Deployments of a picked context, live', async () => {
    await page.getByRole('button', { name: 'Context laptop-sandbox' }).click();
    await page.getByRole('combobox').selectOption('platform-production');
    const table = page.getByRole('table', { name: 'Workloads' });
    await expect
      .poll(() => table.getByRole('row', { name: /workflow-engine/ }).textContent(), { timeout: 15_000 })
      .toMatch(/v1\.24\.0.*20\/20/);
    await screenshot(page, 'connections');

    const kc = new KubeConfig();
    kc.loadFromString(sandbox.kubeconfigYaml());
    await kc.makeApiClient(AppsV1Api).patchNamespacedDeploymentScale({
      name: 'agent-manager',
      namespace: 'platform-production',
      // client-node sends a JSON patch by default, as kubectl patch --type=json does.
      body: [{ op: 'replace', path: '/spec/replicas', value: 5 }],
    });
    await expect
      .poll(() => table.getByRole('row', { name: /agent-manager/ }).textContent(), { timeout: 15_000 })
      .toMatch(/\/5/);
  });

  it('explains an unreachable cluster in plain words', async () => {
    await page.getByRole('button', { name: 'Context prod-eu' }).click();
    await expect
      .poll(() => page.getByRole('alert').allTextContents(), { timeout: 20_000 })
      .toContainEqual(
        expect.stringMatching(/Cannot reach the API server of "prod-eu"|API server of "prod-eu"/),
      );
    await expect
      .poll(() => page.getByRole('button', { name: 'Context prod-eu' }).textContent(), { timeout: 20_000 })
      .toMatch(/Unreachable: .*"prod-eu"/);
    await screenshot(page, 'connections-unreachable');
  });

  it('never sends a credential over the bridge', () => {
    const all = frames.join('\n');
    expect(frames.length).toBeGreaterThan(3);
    for (const secret of [sandbox.token, BEARER, 'hunter2-secret']) expect(all).not.toContain(secret);
  });
});
