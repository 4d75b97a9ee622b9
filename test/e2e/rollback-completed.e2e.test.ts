import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import { launchBrowser, screenshot } from '../support/browser.ts';
import { startTestConsole, type TestConsole } from '../support/web-shell.ts';
import { go } from './console-helpers.ts';

const home = mkdtempSync(join(tmpdir(), 'sy-ui-rollback-'));
const sandbox = createSandboxProvider({ speed: 60 });
let c: TestConsole | undefined;

afterAll(async () => {
  await c?.close();
  await sandbox.close();
});

const PLAN = `
name: bg-history
target: { namespace: platform-production, name: workflow-engine, container: workflow-engine, image: registry.platform.com/workflow-engine:v1.25.0 }
router: { kind: istio, virtualService: workflow-engine, destinationRule: workflow-engine }
strategy:
  kind: blue-green
  warmup: { requests: 0 }
  settle: 10s
  validation: { duration: 20s, interval: 10s, window: 20s, checks: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }] }
`;

describe('History rolls a completed release back', () => {
  it('asks first, then shows the traffic read back and the status rolled back', async () => {
    c = await startTestConsole({
      env: { KUBECONFIG: join(home, 'none.yaml') },
      home,
      dataDir: join(home, '.switchyard'),
      sandbox,
    });
    const console = c;
    const { id } = await console.handlers['release:start']({
      mode: 'run',
      context: 'sandbox',
      text: PLAN,
      speed: 1,
      stepThrough: false,
    });
    await expect
      .poll(async () => (await console.handlers['release:get']({ id })).snapshot?.status, { timeout: 60_000 })
      .toBe('completed');

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(15_000);
      await page.goto(console.shell.url);
      await go(page, 'History');
      await page.getByRole('button', { name: new RegExp(`Open .*${id}`) }).click();
      await page.getByRole('button', { name: 'Roll back completed release' }).click();
      const dialog = page.getByRole('dialog', { name: 'Confirm roll back' });
      await dialog.getByRole('textbox').last().fill('checkout errors after the release');
      await dialog.getByRole('button', { name: 'Roll back now' }).click();
      const done = page.getByRole('status').filter({ hasText: 'rolled the completed release back to blue' });
      await done.waitFor({ timeout: 60_000 });
      expect(await done.textContent()).toMatch(
        /\(checkout errors after the release\); traffic reads back blue 100 % \/ green 0 %/,
      );
      await screenshot(page, 'history-rolled-back-completed');
      // The release itself now reads rolled back, in the list and in its decisions.
      const list = await console.handlers['release:list']({});
      expect(list.releases.find((r) => r.id === id)?.status).toBe('rolledBack');
      const detail = await console.handlers['release:get']({ id });
      expect(detail.snapshot?.status).toBe('rolledBack');
      expect(detail.audit.at(-1)?.what).toBe('rollback');
      // Nothing more to roll back: the button is gone.
      await expect
        .poll(() => page.getByRole('button', { name: 'Roll back completed release' }).count())
        .toBe(0);
    } finally {
      await browser.close();
    }
  }, 150_000);
});
