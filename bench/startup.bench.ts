/**
 * `npm run bench:startup`: how long from `switchyard web` being started to a console a person can use.
 *
 * Each run spawns the CLI as a user would (`node bin/switchyard.mjs web` with an empty data dir and no
 * kubeconfig, so the sandbox is the only context), waits for the URL it prints, opens it in Debian's Chromium
 * and stops the clock when the Connections screen shows the sandbox context as reachable (the first thing a
 * user reads and clicks). The browser is started once beforehand: on a laptop it is the Electron window,
 * which is not what this measures. A target, never a test. It runs `bin/switchyard.mjs` as it finds it: the
 * build in out/cli when that is current (`npm run build:cli`), or the sources through tsx
 * (`SWITCHYARD_FROM_SOURCE=1 npm run bench:startup` measures that path on purpose).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { launchBrowser } from '../test/support/browser.ts';

const TARGET_MS = 1_500;
const RUNS = Number(process.env.RUNS ?? 7);
/** Extra Node options for the CLI process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where the time goes. */
const NODE_ARGS = (process.env.STARTUP_NODE_ARGS ?? '').split(' ').filter(Boolean);
const root = join(import.meta.dirname, '..');

interface Run {
  /** Spawn → the URL printed (Node start, engine, renderer files found, port open). */
  serving: number;
  /** Spawn → the sandbox context reads "Reachable" on the Connections screen. */
  interactive: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function once(browser: Awaited<ReturnType<typeof launchBrowser>>): Promise<Run> {
  const home = mkdtempSync(join(tmpdir(), 'sy-startup-bench-'));
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...NODE_ARGS, join(root, 'bin', 'switchyard.mjs'), 'web', '--data-dir', join(home, 'data')],
    {
      env: { ...process.env, HOME: home, KUBECONFIG: join(home, 'none.yaml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`switchyard web exited with ${code} before serving`)));
    });
    const serving = performance.now() - started;
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(url);
    await page
      .getByRole('button', { name: 'Context sandbox' })
      .filter({ hasText: 'Reachable' })
      .waitFor({ timeout: 60_000 });
    const interactive = performance.now() - started;
    await page.close();
    return { serving, interactive };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const browser = await launchBrowser();
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  const loadBefore = load();
  try {
    await once(browser); // warm the OS file cache: a laptop has started Node before
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i += 1) runs.push(await once(browser));
    const serving = runs.map((r) => r.serving);
    const interactive = runs.map((r) => r.interactive);
    const ms = (v: number) => `${Math.round(v)} ms`;
    console.log(`runs: ${RUNS} (after one warm-up); load average ${loadBefore} before, ${load()} after`);
    console.log(
      `serving (URL printed):      median ${ms(percentile(serving, 50))}, worst ${ms(Math.max(...serving))}`,
    );
    console.log(
      `interactive (sandbox ready): median ${ms(percentile(interactive, 50))}, worst ${ms(Math.max(...interactive))}`,
    );
    const median = percentile(interactive, 50);
    console.log(
      median <= TARGET_MS
        ? `target met: median ${ms(median)} ≤ ${ms(TARGET_MS)}`
        : `TARGET NOT MET: median ${ms(median)} > ${ms(TARGET_MS)}`,
    );
  } finally {
    await browser.close();
  }
}

await main();
