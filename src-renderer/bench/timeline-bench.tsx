import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import type { HealthPoint } from '../../src-shared/bridge/contract.ts';
import type { Decision, StepView } from '../../src-shared/release/release.schema.ts';
import { HealthTimeline } from '../components/release/HealthTimeline.tsx';
import { createSeriesCache, drawable, HEALTH_METRICS } from '../lib/timeline.ts';
import '../styles.css';

/** Figures the bench page leaves on `window.__benchResult` for bench/timeline.bench.ts. */
export interface TimelineBenchResult {
  points: number;
  firstRenderMs: number;
  updateMs: number[];
  /** The synchronous React render and commit part of each update (ms). */
  commitMs: number[];
  /** Splitting and downsampling the full data once, outside React (ms). */
  computeMs: number;
}

const SECONDS = 24 * 3600;
const START = Date.UTC(2026, 0, 1);

function makePoints(): HealthPoint[] {
  const out: HealthPoint[] = [];
  for (let i = 0; i < SECONDS; i++) out.push(...pointsAt(i));
  return out;
}

function pointsAt(i: number): HealthPoint[] {
  const atMs = START + i * 1000;
  const wave = Math.sin(i / 900);
  return ['v1.24.0', 'v1.25.0'].map((version, v) => ({
    atMs,
    version,
    errorRate: 0.004 + 0.002 * wave + (v === 1 && i % 7919 === 0 ? 0.03 : 0),
    p95Ms: 180 + 40 * wave + v * 15 + (i % 611 === 0 ? 300 : 0),
    p99Ms: 320 + 60 * wave + v * 25,
    rps: 200 + 80 * Math.sin(i / 5000) + (v === 0 ? 100 : 0),
  }));
}

const steps: StepView[] = [
  { index: 0, label: 'set weight 10 %', state: 'done' },
  { index: 1, label: 'pause 10m', state: 'done' },
  { index: 2, label: 'set weight 50 %', state: 'active' },
];
const decisions: Decision[] = [
  {
    seq: 1,
    kind: 'pause',
    cause: 'step-pause',
    atMs: START + 3600_000,
    by: 'engine',
    stepIndex: 1,
    summary: 'Paused for 10m.',
    evidence: [],
  },
  {
    seq: 2,
    kind: 'promote',
    cause: 'analysis-passed',
    atMs: START + 8 * 3600_000,
    by: 'engine',
    stepIndex: 2,
    summary: 'Analysis passed.',
    evidence: [],
  },
];

function frame(): Promise<void> {
  return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
}

/** Waits until every line of the four charts is drawn. */
async function drawn(): Promise<void> {
  for (;;) {
    const lines = document.querySelectorAll('.recharts-line-curve[d]');
    if (lines.length >= 8) return; // 2 versions × (error rate, p95, p99, request rate)
    await frame();
  }
}

async function run(): Promise<TimelineBenchResult> {
  const root = createRoot(document.getElementById('root')!);
  let points = makePoints();
  const view = (p: HealthPoint[]) => (
    <HealthTimeline
      points={p}
      decisions={decisions}
      samples={[]}
      steps={steps}
      thresholds={[
        { metric: 'p95Ms', value: 500, label: 'p95 <= 500' },
        { metric: 'errorRate', value: 0.02, label: 'roll back if > 0.02' },
      ]}
      nowMs={START + SECONDS * 1000}
      maxPoints={Number(new URLSearchParams(location.search).get('max') ?? 400)}
    />
  );
  const c0 = performance.now();
  const probe = createSeriesCache().update(points);
  for (const v of probe.values())
    for (const m of HEALTH_METRICS) drawable(v, m.key, -Infinity, Infinity, 400);
  const computeMs = performance.now() - c0;
  await frame();
  const t0 = performance.now();
  flushSync(() => root.render(view(points)));
  await drawn();
  const firstRenderMs = performance.now() - t0;
  const updateMs: number[] = [];
  const commitMs: number[] = [];
  for (let i = 0; i < 30; i++) {
    points = [...points, ...pointsAt(SECONDS + i)];
    const t = performance.now();
    flushSync(() => root.render(view(points)));
    commitMs.push(performance.now() - t);
    await frame();
    updateMs.push(performance.now() - t);
  }
  return { points: points.length, firstRenderMs, updateMs, commitMs, computeMs };
}

declare global {
  interface Window {
    __benchResult?: TimelineBenchResult | { error: string };
  }
}

run().then(
  (r) => (window.__benchResult = r),
  (e: unknown) => (window.__benchResult = { error: String(e) }),
);
