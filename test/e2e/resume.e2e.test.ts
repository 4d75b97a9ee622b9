import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPlan } from '../../src-shared/plan/plan.defaults.ts';
import { createSandboxProvider, type EmbeddedSandbox } from '../../src-main/app/sandbox-provider.ts';
import { launchBrowser, screenshot } from '../support/browser.ts';
import { startTestConsole, type TestConsole } from '../support/web-shell.ts';
import { WORKLOAD, go } from './console-helpers.ts';

const home = mkdtempSync(join(tmpdir(), 'sy-ui-resume-'));
const sandbox = createSandboxProvider({ speed: 60 });
/** One cluster for both consoles: closing the first must not take the sandbox with it. */
const shared: EmbeddedSandbox = { ...sandbox, close: async () => {} };
const consoles: TestConsole[] = [];

async function console(): Promise<TestConsole> {
  const c = await startTestConsole({
    env: { KUBECONFIG: join(home, 'none.yaml') },
    home,
    dataDir: join(home, '.switchyard'),
    sandbox: shared,
  });
  consoles.push(c);
  return c;
}

afterAll(async () => {
  for (const c of consoles) await c.close();
  await sandbox.close();
});

describe('a release left behind by a closed console', () => {
  it('is offered in History and resumed to completion from the next console', async () => {
    const first = await console();
    const plan = stringify({
      ...defaultPlan('canary', WORKLOAD),
      strategy: { kind: 'canary', steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 100 }] },
    });
    const r = await first.handlers['release:start']({
      mode: 'run',
      context: 'sandbox',
      text: plan,
      speed: 1,
      stepThrough: false,
    });
    await expect
      .poll(async () => (await first.handlers['release:get']({ id: r.id })).snapshot?.status, {
        timeout: 20_000,
      })
      .toBe('paused');
    await first.close();

    const second = await console();
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(15_000);
      await page.goto(second.shell.url);
      await go(page, 'History');
      await page.getByRole('button', { name: new RegExp(`Open .*${r.id}`) }).click();
      await page.getByRole('button', { name: 'Resume release' }).click();
      // The Run screen's controls appear once the release is picked up (History shows none).
      await page
        .getByRole('button', { name: /^Promote/ })
        .first()
        .waitFor({ timeout: 30_000 });
      // The split shown is the one read as the release resumed, and says so.
      await expect
        .poll(() => page.getByRole('list', { name: 'Traffic per track in the bar' }).innerText())
        .toContain('read back when the release was resumed');
      await screenshot(page, 'run-resumed-from-history');
      await page
        .getByRole('button', { name: /^Promote/ })
        .first()
        .click();
      await expect
        .poll(async () => (await second.handlers['release:get']({ id: r.id })).snapshot?.status, {
          timeout: 30_000,
        })
        .toBe('completed');
    } finally {
      await browser.close();
    }
  }, 120_000);
});
