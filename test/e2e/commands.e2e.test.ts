import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { go, useConsoleSession, planFromScenario } from './console-helpers.ts';

const s = useConsoleSession();
const dir = mkdtempSync(join(tmpdir(), 'sy-ui-commands-'));
const marker = join(dir, 'smoke-ran.json');
const argv = [
  process.execPath,
  '-e',
  'require("node:fs").writeFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)))',
  marker,
  'it is; not a shell',
];

describe('a plan that runs a command asks before it starts', () => {
  it('shows each argv exactly; Cancel and Escape start nothing; confirming starts and runs it once per session', async () => {
    const { page } = s;
    await planFromScenario(page, 'Hotfix', 'blue-green', (yaml) => {
      const plan = parse(yaml) as { strategy: { smoke?: Record<string, unknown> } };
      plan.strategy.smoke = { ...plan.strategy.smoke, command: argv };
      return stringify(plan);
    });
    await go(page, 'Rehearse');
    const start = page.getByRole('button', { name: 'Start rehearsal' });
    const dialog = page.getByRole('dialog', { name: 'This plan runs a command' });
    const status = page.getByRole('status', { name: /^Release status / });

    await start.click();
    await dialog.waitFor();
    const words = dialog.getByRole('list', { name: 'Commands the plan runs' });
    expect(await words.innerText()).toContain('blue-green smoke check');
    expect(await words.innerText()).toContain('Runs on this computer');
    expect(await dialog.getByLabel('Command 1 words').innerText()).toBe(JSON.stringify(argv));
    // Enter on the opened dialog must not run anything: focus starts on Cancel.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Cancel');
    await screenshot(page, 'commands-dialog');

    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await start.click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForTimeout(500);
    expect(await status.count()).toBe(0);
    expect((await s.app.handlers['release:list']({})).releases).toEqual([]);
    expect(existsSync(marker)).toBe(false);

    await start.click();
    await dialog.getByRole('button', { name: 'Run these commands' }).click();
    await status.waitFor({ timeout: 60_000 });
    await expect.poll(() => existsSync(marker), { timeout: 60_000 }).toBe(true);
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toEqual(['it is; not a shell']);

    // Confirmed once in this session: the same commands start without asking again.
    await start.click();
    await page.waitForTimeout(300);
    expect(await dialog.isVisible()).toBe(false);
    await expect
      .poll(async () => (await s.app.handlers['release:list']({})).releases.length, { timeout: 60_000 })
      .toBe(2);
  }, 240_000);
});
