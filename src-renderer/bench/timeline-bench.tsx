import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import type { HealthPoint } from '../../src-shared/bridge/contract.ts';
import type { Decision, SampleRecord, StepView } from '../../src-shared/release/release.schema.ts';
import { HealthTimeline } from '../components/release/HealthTimeline.tsx';
import { drawable } from '../lib/timeline-drawable.ts';
import type { ThresholdLine } from '../lib/timeline-marks.ts';
import { appendHealth, HEALTH_METRICS, type HealthHistory } from '../lib/timeline-series.ts';
import '../styles.css';
import type { TimelineBenchResult } from './timeline-bench.result.ts';

const SECONDS = 24 * 3600;
const START = Date.UTC(2026, 0, 1);
const UPDATES = 30;

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
// The app passes these through memos and stores, so they keep their identity between updates.
const samples: SampleRecord[] = [];
const thresholds: ThresholdLine[] = [
  { metric: 'p95Ms', value: 500, label: 'p95 <= 500' },
  { metric: 'errorRate', value: 0.02, label: 'roll back if > 0.02' },
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

const LINES = 8; // 2 versions × (error rate, p95, p99, request rate)
const CHARTS = 3; // error rate, latency (p95 and p99), request rate

function paths(): string[] {
  return [...document.querySelectorAll('.timeline figure.chart path.health-line')].map(
    (p) => p.getAttribute('d') ?? '',
  );
}

/** Waits until every line of the charts is drawn and painted (the task after the next animation frame). */
async function drawn(): Promise<void> {
  while (paths().filter((d) => d !== '').length < LINES) await frame();
  await frame();
}

/**
 * Waits until every chart's line layer has committed the sample at `atMs` (its paths are then in the
 * DOM), then until the browser painted it.
 * @returns whether all three charts committed it within 20 frames.
 */
async function redrawn(atMs: number): Promise<boolean> {
  const done = () =>
    document.querySelectorAll(`.timeline g.health-lines[data-drawn-to="${atMs}"]`).length === CHARTS;
  for (let i = 0; i < 20 && !done(); i++) await frame();
  const ok = done();
  await frame();
  return ok;
}

async function run(): Promise<TimelineBenchResult> {
  const params = new URLSearchParams(location.search);
  const root = createRoot(document.getElementById('root')!);
  const values = SECONDS * 2 * HEALTH_METRICS.length;
  const maxPoints = Number(params.get('max') ?? 800);
  const view = (h: HealthHistory) => (
    <HealthTimeline
      health={h}
      decisions={decisions}
      samples={samples}
      steps={steps}
      thresholds={thresholds}
      nowMs={START + SECONDS * 1000}
      maxPoints={maxPoints}
    />
  );
  await frame();
  // What the store does as the release's health arrives (cold, like the first release opened).
  let arrived: HealthPoint[] | null = makePoints();
  const a0 = performance.now();
  let health = appendHealth(undefined, arrived);
  const takeInMs = performance.now() - a0;
  arrived = null;
  // The raw points are garbage once taken in (the console keeps only the columns); collect them and
  // what the generator left before timing.
  (window as { gc?: () => void }).gc?.();
  await frame();
  // ?profile: a CPU profile of the first render only, for bench/timeline.bench.ts (PROFILE=1).
  const profile = params.has('profile');
  // console.profile is DevTools' (not in the DOM types); the bench's CDP session collects the profile.
  const devtools = console as Console & { profile(label: string): void; profileEnd(label: string): void };
  if (profile) devtools.profile('first-render');
  const t0 = performance.now();
  flushSync(() => root.render(view(health)));
  const firstCommitMs = performance.now() - t0;
  await drawn();
  const firstRenderMs = performance.now() - t0;
  if (profile) devtools.profileEnd('first-render');
  while (!document.querySelector('.timeline .recharts-brush')) await frame();
  await frame();
  const overviewMs = performance.now() - t0;
  const drawnPoints = paths().reduce((n, d) => n + (d.match(/L/g)?.length ?? 0) + 1, 0);
  const updateMs: number[] = [];
  const commitMs: number[] = [];
  let unchanged = 0;
  for (let i = 0; i < UPDATES; i++) {
    // One new live sample per series: each version's point carries its 4 series' values.
    const next = pointsAt(SECONDS + i);
    const t = performance.now();
    health = appendHealth(health, next);
    flushSync(() => root.render(view(health)));
    commitMs.push(performance.now() - t);
    if (!(await redrawn(next[0]!.atMs))) unchanged++;
    updateMs.push(performance.now() - t);
  }
  // Measured last, warm: taking in and downsampling the full data outside React.
  const again = makePoints();
  const c0 = performance.now();
  const probe = appendHealth(undefined, again);
  for (const v of probe.series.values())
    for (const m of HEALTH_METRICS) drawable(v, m.key, -Infinity, Infinity, maxPoints);
  const computeMs = performance.now() - c0;
  return {
    points: health.count,
    firstCommitMs,
    values,
    drawnPoints,
    takeInMs,
    firstRenderMs,
    overviewMs,
    updateMs,
    commitMs,
    computeMs,
    unchanged,
  };
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
