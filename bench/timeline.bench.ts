import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { launchBrowser } from '../test/support/browser.ts';

/** What the bench page (src-renderer/bench/timeline-bench.tsx) leaves on its window. */
type TimelineBenchResult = {
  points: number;
  firstRenderMs: number;
  updateMs: number[];
  commitMs: number[];
  computeMs: number;
};
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
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(
      `http://127.0.0.1:${port}/bench/timeline.html${process.env.MAX ? `?max=${process.env.MAX}` : ''}`,
    );
    await page.waitForFunction(() => (globalThis as BenchGlobal).__benchResult !== undefined, undefined, {
      timeout: 120_000,
    });
    const result = await page.evaluate(() => (globalThis as BenchGlobal).__benchResult!);
    if ('error' in result) throw new Error(result.error);
    const first = Math.round(result.firstRenderMs);
    const median = Math.round(percentile(result.updateMs, 50));
    const p95 = Math.round(percentile(result.updateMs, 95));
    console.log(`health points: ${result.points} (24 h × 1 s × 2 versions, 4 series each)`);
    console.log(`first render: ${first} ms (target ≤ ${TARGET_FIRST_RENDER_MS} ms)`);
    console.log(
      `live update: median ${median} ms, p95 ${p95} ms over ${result.updateMs.length} updates (target ≤ ${TARGET_UPDATE_MS} ms)`,
    );
    console.log(`split and downsample of the full data alone: ${Math.round(result.computeMs)} ms`);
    console.log(
      `  of which React render and commit: median ${Math.round(percentile(result.commitMs, 50))} ms`,
    );
    console.log(
      JSON.stringify({
        bench: 'timeline',
        points: result.points,
        first_render_ms: first,
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
