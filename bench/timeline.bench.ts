import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import type { TimelineBenchResult } from '../src-renderer/bench/timeline-bench.result.ts';
import { launchBrowser } from '../test/support/browser.ts';

type BenchGlobal = { __benchResult?: TimelineBenchResult | { error: string } };

const TARGET_FIRST_RENDER_MS = 300;
const TARGET_UPDATE_MS = 50;
const root = join(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'sy-timeline-bench-'));

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

type CpuProfile = {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples?: number[];
  timeDeltas?: number[];
};

/** Prints the functions that took the most time, by total (with callees) and by self time. */
function printProfile(profile: CpuProfile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  (profile.samples ?? []).forEach((id, i) => {
    const ms = (profile.timeDeltas?.[i] ?? 0) / 1000;
    self.set(name(id), (self.get(name(id)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      if (seen.has(name(at))) continue;
      seen.add(name(at));
      total.set(name(at), (total.get(name(at)) ?? 0) + ms);
    }
  });
  for (const [title, by] of [
    ['total (with callees)', total],
    ['self', self],
  ] as const) {
    console.log(`-- ${title}`);
    for (const [key, ms] of [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30))
      console.log(`${ms.toFixed(0).padStart(7)} ms  ${key}`);
  }
}

async function main(): Promise<void> {
  console.log('building the timeline bench page…');
  await build({
    root: join(root, 'src-renderer'),
    base: './',
    plugins: [react()],
    logLevel: 'error',
    build: {
      outDir: out,
      emptyOutDir: true,
      minify: !process.env.PROFILE,
      rollupOptions: { input: join(root, 'src-renderer', 'bench', 'timeline.html') },
    },
  });
  const server = createServer((req, res) => {
    const path = normalize(join(out, decodeURIComponent((req.url ?? '/').split('?')[0]!)));
    if (!path.startsWith(out) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  // gc() lets the page collect its own generated test data before the clock starts.
  const browser = await launchBrowser(['--js-flags=--expose-gc']);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // PROFILE=1 prints where the page's main thread spent the first render (the page profiles just that).
    const cdp = process.env.PROFILE ? await page.context().newCDPSession(page) : null;
    const profiled = new Promise<CpuProfile>((resolve) =>
      cdp?.on('Profiler.consoleProfileFinished', (e: { profile: CpuProfile }) => resolve(e.profile)),
    );
    await cdp?.send('Profiler.enable');
    await cdp?.send('Profiler.setSamplingInterval', { interval: 200 });
    const query = new URLSearchParams();
    if (process.env.MAX) query.set('max', process.env.MAX);
    if (cdp) query.set('profile', '1');
    await page.goto(`http://127.0.0.1:${port}/bench/timeline.html?${query}`);
    await page.waitForFunction(() => (globalThis as BenchGlobal).__benchResult !== undefined, undefined, {
      timeout: 120_000,
    });
    const result = await page.evaluate(() => (globalThis as BenchGlobal).__benchResult!);
    if (cdp) printProfile(await profiled);
    if ('error' in result) throw new Error(result.error);
    const first = Math.round(result.firstRenderMs);
    const median = Math.round(percentile(result.updateMs, 50));
    const p95 = Math.round(percentile(result.updateMs, 95));
    console.log(
      `full data: ${result.values} values at first render (24 h × 1 s × 4 series × 2 versions), ${result.points} health points after the updates`,
    );
    console.log(`drawn: ${result.drawnPoints} points over all lines`);
    if (result.unchanged > 0) throw new Error(`${result.unchanged} updates were not drawn within 20 frames`);
    console.log(
      `taking the points in as they arrive (the store's work, before any render): ${Math.round(result.takeInMs)} ms`,
    );
    console.log(
      `first render: ${first} ms (target ≤ ${TARGET_FIRST_RENDER_MS} ms), of which downsample, React render and commit ${Math.round(result.firstCommitMs)} ms`,
    );
    console.log(
      `zoom overview (mounted after the charts' first paint) drawn at ${Math.round(result.overviewMs)} ms`,
    );
    console.log(
      `live update: median ${median} ms, p95 ${p95} ms over ${result.updateMs.length} updates (target ≤ ${TARGET_UPDATE_MS} ms)`,
    );
    console.log(`taking in and downsampling the full data again, warm: ${Math.round(result.computeMs)} ms`);
    console.log(
      `  of which the synchronous React render and commit: median ${Math.round(percentile(result.commitMs, 50))} ms`,
    );
    console.log(
      JSON.stringify({
        bench: 'timeline',
        points: result.points,
        values: result.values,
        drawn_points: result.drawnPoints,
        take_in_ms: Math.round(result.takeInMs),
        first_render_ms: first,
        overview_ms: Math.round(result.overviewMs),
        update_median_ms: median,
        update_p95_ms: p95,
        target_first_render_ms: TARGET_FIRST_RENDER_MS,
        target_update_ms: TARGET_UPDATE_MS,
      }),
    );
  } finally {
    await browser.close();
    server.close();
    rmSync(out, { recursive: true, force: true });
  }
}

await main();
