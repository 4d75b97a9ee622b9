import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { createSandboxProvider, type EmbeddedSandbox } from '../../src-main/app/sandbox-provider.ts';
import { launchBrowser, screenshot } from '../support/browser.ts';
import { startTestConsole, type TestConsole } from '../support/web-shell.ts';

/** The real console (engine, built-in sandbox, web shell) and a Chromium page on it, at 1280×800. */
export interface ConsoleSession {
  app: TestConsole;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/**
 * One console for a test file (opened as `openConsole(options)` does): opened before all its tests, closed
 * after them, and a screenshot of the page saved (`failed-<test name>`) when a test fails. The returned session
 * reads through to the open one, so use it inside tests and hooks only.
 */
export function useConsoleSession(options: Parameters<typeof openConsole>[0] = {}): ConsoleSession {
  let open: ConsoleSession | undefined;
  const current = (): ConsoleSession => {
    if (!open) throw new Error('the console is not open yet (use the session inside a test)');
    return open;
  };
  beforeAll(async () => {
    open = await openConsole(options);
  }, 120_000);
  afterAll(async () => open?.close());
  beforeEach((ctx) => {
    ctx.onTestFailed(async () => {
      if (open) await screenshot(open.page, `failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    });
  });
  return {
    get app() {
      return current().app;
    },
    get browser() {
      return current().browser;
    },
    get page() {
      return current().page;
    },
    close: async () => current().close(),
  };
}

/** Starts the console with no kubeconfig (the sandbox is the only context) and opens it. */
export async function openConsole(
  options: { colorScheme?: 'light' | 'dark'; sandbox?: EmbeddedSandbox } = {},
): Promise<ConsoleSession> {
  const home = mkdtempSync(join(tmpdir(), 'sy-ui-'));
  const app = await startTestConsole({
    env: { KUBECONFIG: join(home, 'none.yaml') },
    home,
    dataDir: join(home, '.switchyard'),
    sandbox: options.sandbox ?? createSandboxProvider(),
  });
  const browser = await launchBrowser();
  const page = await browser.newPage({
    viewport: { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  page.setDefaultTimeout(15_000);
  await page.goto(app.shell.url);
  await page.getByRole('heading', { name: 'Switchyard' }).waitFor();
  return {
    app,
    browser,
    page,
    async close() {
      await browser.close();
      await app.close();
    },
  };
}

/** Opens a screen from the navigation. */
export async function go(
  page: Page,
  screen: 'Connections' | 'Plan' | 'Rehearse' | 'Run' | 'History',
): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: screen }).click();
}

/** The workload of the sandbox's reference scenario that the release flows change. */
export const WORKLOAD = {
  namespace: 'platform-production',
  name: 'workflow-engine',
  image: 'registry.platform.com/workflow-engine:v1.25.0',
};

/**
 * Loads the guidance's pre-filled plan for a scenario (naming WORKLOAD) into the editor, optionally
 * rewrites its YAML, and waits until main says it is valid.
 */
export async function planFromScenario(
  page: Page,
  scenario: string,
  strategy: string,
  rewrite?: (yaml: string) => string,
): Promise<void> {
  await go(page, 'Plan');
  await page.getByLabel('Namespace', { exact: true }).fill(WORKLOAD.namespace);
  await page.getByLabel('Workload name').fill(WORKLOAD.name);
  await page.getByLabel('New image').fill(WORKLOAD.image);
  await page.getByLabel('Scenario', { exact: true }).selectOption({ label: scenario });
  await page.getByRole('button', { name: 'Recommend strategies' }).click();
  await page.getByRole('button', { name: `Use ${strategy}`, exact: true }).click();
  const yaml = page.getByRole('textbox', { name: 'Plan YAML' });
  await expect.poll(() => yaml.inputValue()).toContain('kind:');
  if (rewrite) await yaml.fill(rewrite(await yaml.inputValue()));
  const verdict = page.getByRole('region', { name: 'Plan YAML' }).getByRole('status');
  await verdict.filter({ hasText: /valid plan|problem/ }).waitFor();
  const text = await verdict.innerText();
  if (!text.includes('valid plan')) {
    throw new Error(
      `the plan is not valid: ${await page.getByRole('list', { name: 'Plan problems' }).innerText()}`,
    );
  }
}

/** Replaces the canary steps of plan YAML (the `steps:` block under `strategy:`). */
export function withCanarySteps(yaml: string, steps: string[]): string {
  return yaml.replace(/(\n {2}steps:\n)( {4,}.*\n)+/, `$1${steps.map((s) => `    - ${s}\n`).join('')}`);
}

/**
 * Plans a "Performance optimisation" canary of the sandbox workload with these steps, rehearses it at full
 * speed and waits until the step labelled `until` is reached.
 */
export async function rehearseCanaryUntil(page: Page, steps: string[], until: string): Promise<void> {
  await planFromScenario(page, 'Performance optimisation', 'canary', (yaml) => withCanarySteps(yaml, steps));
  await rehearse(page, 120);
  await waitForStep(page, until);
}

/** Starts a rehearsal of the editor's plan at a speed (1..120). */
export async function rehearse(page: Page, speed: number): Promise<void> {
  await go(page, 'Rehearse');
  await page.getByRole('slider', { name: 'Speed' }).fill(String(speed));
  await page.getByRole('button', { name: 'Start rehearsal' }).click();
  await page.getByRole('status', { name: /^Release status / }).waitFor({ timeout: 60_000 });
}

/** Waits until the shown release reaches a status (`aborted`, `paused`, …), failing with the last one seen. */
export async function waitForStatus(page: Page, status: string, timeoutMs = 120_000): Promise<void> {
  try {
    await page.getByRole('status', { name: `Release status ${status}` }).waitFor({ timeout: timeoutMs });
  } catch {
    const seen = await page.getByRole('status', { name: /^Release status / }).getAttribute('aria-label');
    const decisions = await page
      .getByRole('list', { name: 'Decisions' })
      .innerText()
      .catch(() => 'none');
    throw new Error(`the release did not become ${status}; last seen "${seen}"; decisions: ${decisions}`);
  }
}

/** What the shown release says about itself, for failure messages. */
async function releaseState(page: Page): Promise<string> {
  const seen = await page.getByRole('status', { name: /^Release status / }).getAttribute('aria-label');
  const decisions = await page
    .getByRole('list', { name: 'Decisions' })
    .innerText()
    .catch(() => 'none');
  return `last seen "${seen}"; decisions: ${decisions}`;
}

/** Waits until a release step (by its label) is active or done. */
export async function waitForStep(page: Page, label: string, timeoutMs = 120_000): Promise<void> {
  const step = page
    .getByRole('list', { name: 'Release steps' })
    .getByRole('listitem')
    .filter({ hasText: label });
  try {
    await step.and(page.locator('.step-active, .step-done')).first().waitFor({ timeout: timeoutMs });
  } catch {
    throw new Error(`the release never reached the step "${label}"; ${await releaseState(page)}`);
  }
}

/** Dismisses every notification toast on screen (they sit over the lower right of the page). */
export async function dismissToasts(page: Page): Promise<void> {
  for (const dismiss of await page.getByRole('log', { name: 'Notifications' }).getByRole('button').all())
    await dismiss.click();
}

/** Plans `strategy` from a guidance scenario for the sandbox workload (the guidance's plan as is) and rehearses it at `speed`. */
export async function rehearseScenario(
  page: Page,
  plan: { scenario: string; strategy: string; speed: number },
): Promise<void> {
  await planFromScenario(page, plan.scenario, plan.strategy);
  await rehearse(page, plan.speed);
}

/** Reloads the page and waits until the console is back on Rehearse with its release paused at the step `label`. */
export async function reloadUntilPausedAt(page: Page, label: string): Promise<void> {
  await page.reload();
  await page.getByRole('heading', { name: 'Switchyard' }).waitFor();
  // Back on Rehearse by itself, with the release on screen.
  await page.getByRole('main', { name: 'Rehearse' }).waitFor();
  await waitForStatus(page, 'paused', 30_000);
  await waitForStep(page, label, 10_000);
}

/** Injects an error rate of `percent` % from the fault panel and waits until it says so (`applied`, its words). */
export async function injectErrorRate(page: Page, percent: number, applied: string): Promise<void> {
  await page.getByLabel('Error rate (%)').fill(String(percent));
  await page.getByRole('button', { name: 'Inject fault' }).click();
  await page.getByRole('status').filter({ hasText: applied }).waitFor();
}

/** The sandbox's flag ramp of new-checkout (`flag-rollout-sandbox-fast.yaml`) with its steps replaced by `steps`. */
export function flagRampPlan(steps: string[]): string {
  return readFileSync(
    join(import.meta.dirname, '../fixtures/plans/flag-rollout-sandbox-fast.yaml'),
    'utf8',
  ).replace(/ {2}steps:\n( {4}- .*\n)+/, `  steps:\n${steps.map((step) => `    - ${step}\n`).join('')}`);
}

/** Writes `text` into the plan editor and waits until main says it is a valid plan. */
export async function loadPlan(page: Page, text: string): Promise<void> {
  await go(page, 'Plan');
  await page.getByRole('textbox', { name: 'Plan YAML' }).fill(text);
  await page
    .getByRole('region', { name: 'Plan YAML' })
    .getByRole('status')
    .filter({ hasText: 'valid plan' })
    .waitFor();
}
