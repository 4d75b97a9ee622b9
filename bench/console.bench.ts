/**
 * `npm run bench:console`: the Connections screen on a big cluster.
 *
 * The sandbox runs the `huge` scenario's 5,000 Deployments and 50,000 pods (in this process: it stands for the
 * cluster), laid out as 5 namespaces of 1,000 Deployments so one table holds thousands of rows (`HUGE_LAYOUT=
 * builtin` keeps huge.yaml's 50 namespaces of 100). `switchyard web` runs as its own process with a kubeconfig
 * naming that sandbox, as a user would start it; Debian's Chromium opens it. Measured:
 * - first paint of workloads: picking a namespace → its first workload row on screen (target ≤ 1 s), and from
 *   opening the URL to the first row (start-up included, for reference);
 * - scrolling the workload table top to bottom, frame times from requestAnimationFrame in the page (target
 *   p95 ≤ 16 ms);
 * - the web shell's main-process RSS while it watches that namespace (target ≤ 300 MB).
 * A target, never a test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseYaml, stringify } from 'yaml';
import { scenarioDir } from '../src-main/sandbox/scenario.ts';
import { startSandbox } from '../src-main/sandbox/sandbox.ts';
import { launchBrowser } from '../test/support/browser.ts';

const TARGET_PAINT_MS = 1_000;
const TARGET_FRAME_MS = 16;
const TARGET_RSS_MB = 300;
const root = join(import.meta.dirname, '..');

/**
 * Runs in the page: scrolls the workload table 120 px per animation frame to the bottom and returns the frame
 * intervals (ms). A string, so tsx's helpers (`__name`) do not leak into the page.
 */
const SCROLL_SCRIPT = `new Promise((resolve) => {
  const box = document.querySelector('[data-testid="workload-scroll"]');
  const deltas = [];
  let last = performance.now();
  const step = (now) => {
    deltas.push(now - last);
    last = now;
    box.scrollTop += 120;
    if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1) resolve(deltas.slice(1));
    else requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})`;

/** Runs in the page: two seconds of animation frames with nothing to do, the machine's own frame-time floor. */
const IDLE_SCRIPT = `new Promise((resolve) => {
  const deltas = [];
  let last = performance.now();
  const end = last + 2000;
  const step = (now) => {
    deltas.push(now - last);
    last = now;
    if (now >= end) resolve(deltas.slice(1));
    else requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Resident memory of a process, MB (Linux /proc). */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : NaN;
}

function verdict(name: string, value: number, target: number, unit: string): string {
  const v = `${Math.round(value)} ${unit}`;
  return value <= target
    ? `${name}: ${v} (target ≤ ${target} ${unit}: met)`
    : `${name}: ${v} (target ≤ ${target} ${unit}: NOT MET)`;
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'sy-console-bench-'));
  const huge = parseYaml(readFileSync(join(scenarioDir, 'huge.yaml'), 'utf8')) as {
    generate: Record<string, unknown>;
  };
  const layout =
    process.env.HUGE_LAYOUT === 'builtin'
      ? huge.generate
      : { ...huge.generate, namespaces: 5, deploymentsPerNamespace: 1000 };
  const scenarioFile = join(home, 'huge-bench.yaml');
  writeFileSync(scenarioFile, stringify({ ...huge, name: 'huge-bench', generate: layout }));
  let t = performance.now();
  const sb = await startSandbox({ scenario: scenarioFile });
  console.log(
    `sandbox: ${Number(layout.namespaces) * Number(layout.deploymentsPerNamespace)} Deployments, ` +
      `${Number(layout.namespaces) * Number(layout.deploymentsPerNamespace) * Number(layout.replicas)} pods ` +
      `in ${String(layout.namespaces)} namespaces, seeded in ${Math.round(performance.now() - t)} ms`,
  );
  const kubeconfig = join(home, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, sb.kubeconfigYaml('huge'), { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'switchyard.mjs'), 'web', '--data-dir', join(home, 'data')],
    { env: { ...process.env, HOME: home, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const browser = await launchBrowser();
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`switchyard web exited with ${code} before serving`)));
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(60_000);
    const rowsOf = () => page.getByRole('table', { name: 'Workloads' }).getByRole('row');
    t = performance.now();
    await page.goto(url);
    await rowsOf().nth(1).waitFor();
    const openToRows = performance.now() - t;
    const select = page.getByLabel('Namespace');
    const namespaces = (await select.locator('option').allTextContents()).filter((n) =>
      n.startsWith('bulk-'),
    );
    // Switching namespaces, each a cold list and watch of its Deployments (the first was opened at start).
    const switches: number[] = [];
    const per = Number(layout.deploymentsPerNamespace);
    for (const ns of namespaces.slice(1, 4)) {
      // Generated names count across namespaces: bulk-0k holds svc-(k·per) onwards, so its first row is known.
      const first = `svc-${String(Number(ns.slice('bulk-'.length)) * per).padStart(4, '0')}`;
      t = performance.now();
      await select.selectOption(ns);
      await page
        .getByRole('table', { name: 'Workloads' })
        .getByRole('row', { name: new RegExp(`^${first} `) })
        .waitFor();
      switches.push(performance.now() - t);
    }
    const rowCount = Number(
      await page.getByRole('table', { name: 'Workloads' }).getAttribute('aria-rowcount'),
    );
    const rendered = await rowsOf().count();
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(rssMb(child.pid!)), 250);
    const idle = (await page.evaluate(IDLE_SCRIPT)) as number[];
    const frames = (await page.evaluate(SCROLL_SCRIPT)) as number[];
    // Keep watching for 10 s more: the feed's memory once the namespace is settled.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    clearInterval(sampler);
    const ms = (v: number) => `${Math.round(v)} ms`;
    console.log(`workload table: ${rowCount - 1} workloads, ${rendered - 1} rows rendered at a time`);
    console.log(`open URL → first workload row (start-up included): ${ms(openToRows)}`);
    console.log(`namespace switches: ${switches.map(ms).join(', ')}`);
    console.log(
      verdict(
        'first paint of workloads (worst namespace switch)',
        Math.max(...switches),
        TARGET_PAINT_MS,
        'ms',
      ),
    );
    console.log(
      `scroll: ${frames.length} frames, median ${percentile(frames, 50).toFixed(1)} ms, worst ${Math.max(...frames).toFixed(1)} ms`,
    );
    console.log(
      `idle frames (nothing scrolling, the machine's floor): median ${percentile(idle, 50).toFixed(1)} ms, p95 ${percentile(idle, 95).toFixed(1)} ms`,
    );
    console.log(verdict('scroll frame time p95', percentile(frames, 95), TARGET_FRAME_MS, 'ms'));
    console.log(
      verdict('web shell main-process RSS while watching (peak)', Math.max(...rss), TARGET_RSS_MB, 'MB'),
    );
    console.log(
      JSON.stringify({
        bench: 'console',
        deployments: Number(layout.namespaces) * per,
        pods: Number(layout.namespaces) * per * Number(layout.replicas),
        table_rows: rowCount - 1,
        rows_drawn: rendered - 1,
        open_to_rows_ms: Math.round(openToRows),
        first_paint_ms: Math.round(Math.max(...switches)),
        scroll_frame_median_ms: Number(percentile(frames, 50).toFixed(1)),
        scroll_frame_p95_ms: Number(percentile(frames, 95).toFixed(1)),
        idle_frame_p95_ms: Number(percentile(idle, 95).toFixed(1)),
        rss_peak_mb: Math.round(Math.max(...rss)),
        target_first_paint_ms: TARGET_PAINT_MS,
        target_frame_ms: TARGET_FRAME_MS,
        target_rss_mb: TARGET_RSS_MB,
      }),
    );
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    await sb.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
