import { createLTTB } from 'downsample';
import type { HealthPoint } from '../../src-shared/bridge/contract.ts';
import type { Decision, SampleRecord, StepView } from '../../src-shared/release/release.schema.ts';

/** The health series the timeline draws, with their units. */
export const HEALTH_METRICS = [
  { key: 'errorRate', label: 'Error rate', unit: 'ratio' },
  { key: 'p95Ms', label: 'p95 latency', unit: 'ms' },
  { key: 'p99Ms', label: 'p99 latency', unit: 'ms' },
  { key: 'rps', label: 'Request rate', unit: 'req/s' },
] as const;
export type HealthMetric = (typeof HEALTH_METRICS)[number]['key'];

/** One drawable point: time in ms since the epoch, value in the metric's unit. */
export interface XY {
  x: number;
  y: number;
}

/** The full points of one version, oldest first, split per metric; null values are left out. */
export type VersionSeries = Record<HealthMetric, XY[]>;

const lttb = createLTTB<XY>({ x: 'x', y: 'y' });

/**
 * Adds health points to per-version series in place (sorted by time; null values left out).
 * Used incrementally by the live timeline: only new points are visited.
 */
export function appendSeries(
  into: Map<string, VersionSeries>,
  points: readonly HealthPoint[],
  from = 0,
): void {
  const touched = new Set<VersionSeries>();
  for (let i = from; i < points.length; i++) {
    const p = points[i]!;
    let s = into.get(p.version);
    if (!s) {
      s = { errorRate: [], p95Ms: [], p99Ms: [], rps: [] };
      into.set(p.version, s);
    }
    touched.add(s);
    for (const { key } of HEALTH_METRICS) {
      const v = p[key];
      if (v !== null) s[key].push({ x: p.atMs, y: v });
    }
  }
  for (const s of touched) {
    for (const { key } of HEALTH_METRICS) {
      const arr = s[key];
      // Points arrive in order; sort only when they did not.
      for (let i = Math.max(1, arr.length - (points.length - from)); i < arr.length; i++) {
        if (arr[i - 1]!.x > arr[i]!.x) {
          arr.sort((a, b) => a.x - b.x);
          break;
        }
      }
    }
  }
}

/**
 * Splits health points into one series per version and metric, keeping every point.
 * @returns version → metric → points sorted by time.
 */
export function splitSeries(points: readonly HealthPoint[]): Map<string, VersionSeries> {
  const out = new Map<string, VersionSeries>();
  appendSeries(out, points);
  return out;
}

/** The time span of all series, or null when they hold no point. */
export function seriesSpan(series: Map<string, VersionSeries>): { fromMs: number; toMs: number } | null {
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const s of series.values())
    for (const { key } of HEALTH_METRICS) {
      const arr = s[key];
      if (arr.length === 0) continue;
      fromMs = Math.min(fromMs, arr[0]!.x);
      toMs = Math.max(toMs, arr[arr.length - 1]!.x);
    }
  return fromMs === Infinity ? null : { fromMs, toMs };
}

/** A zoom window scaled around its centre by `factor` (<1 zooms in) and kept inside `span`. */
export function zoomWindow(
  win: { fromMs: number; toMs: number },
  span: { fromMs: number; toMs: number },
  factor: number,
): { fromMs: number; toMs: number } {
  const width = Math.max(1000, (win.toMs - win.fromMs) * factor);
  const centre = (win.fromMs + win.toMs) / 2;
  return clampWindow({ fromMs: centre - width / 2, toMs: centre + width / 2 }, span);
}

/** A zoom window moved by `fraction` of its width (negative = earlier), kept inside `span`. */
export function panWindow(
  win: { fromMs: number; toMs: number },
  span: { fromMs: number; toMs: number },
  fraction: number,
): { fromMs: number; toMs: number } {
  const shift = (win.toMs - win.fromMs) * fraction;
  return clampWindow({ fromMs: win.fromMs + shift, toMs: win.toMs + shift }, span);
}

function clampWindow(
  win: { fromMs: number; toMs: number },
  span: { fromMs: number; toMs: number },
): { fromMs: number; toMs: number } {
  const width = Math.min(win.toMs - win.fromMs, span.toMs - span.fromMs);
  const fromMs = Math.min(Math.max(win.fromMs, span.fromMs), span.toMs - width);
  return { fromMs, toMs: fromMs + width };
}

/** The index of the first point at or after `x` (binary search; `points.length` when none). */
export function lowerBound(points: readonly XY[], x: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.x < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What is drawn of a series inside a time window: at most `maxPoints` points chosen by LTTB,
 * the full series is untouched (hover and export read it).
 */
export function drawable(points: readonly XY[], fromMs: number, toMs: number, maxPoints: number): XY[] {
  const slice = points.slice(lowerBound(points, fromMs), lowerBound(points, toMs + 1));
  if (slice.length <= maxPoints) return slice;
  return lttb(slice, maxPoints) as XY[];
}

/** The point of the full series closest in time to `x`, or null when the series is empty. */
export function nearestPoint(points: readonly XY[], x: number): XY | null {
  if (points.length === 0) return null;
  const i = lowerBound(points, x);
  const after = points[Math.min(i, points.length - 1)]!;
  const before = points[Math.max(i - 1, 0)]!;
  return Math.abs(before.x - x) <= Math.abs(after.x - x) ? before : after;
}

/** The metric names the engine's samples use for a timeline series (best effort, by name). */
export function sampleMatchesMetric(sampleMetric: string, metric: HealthMetric): boolean {
  const m = sampleMetric.toLowerCase();
  if (metric === 'errorRate') return m.includes('error') || m.includes('success');
  if (metric === 'p95Ms') return m.includes('p95');
  if (metric === 'p99Ms') return m.includes('p99');
  return m.includes('rps') || m.includes('request-rate') || m.includes('throughput');
}

/**
 * The engine sample nearest to a hovered time for a series and version, so hover can show its query.
 * @returns the sample, or null when none matches.
 */
export function nearestSample(
  samples: readonly SampleRecord[],
  metric: HealthMetric,
  version: string,
  x: number,
): SampleRecord | null {
  let best: SampleRecord | null = null;
  for (const s of samples) {
    if (s.version !== version || !sampleMatchesMetric(s.metric, metric)) continue;
    if (!best || Math.abs(s.atMs - x) < Math.abs(best.atMs - x)) best = s;
  }
  return best;
}

/** A vertical marker on the timeline for a decision the operator should see. */
export interface Marker {
  atMs: number;
  kind: 'promote' | 'pause' | 'abort' | 'rollback';
  label: string;
  summary: string;
}

const MARKER_KINDS = new Set<Marker['kind']>(['promote', 'pause', 'abort', 'rollback']);

/** Markers for promotions, pauses, aborts and roll-backs, oldest first. */
export function decisionMarkers(decisions: readonly Decision[]): Marker[] {
  return decisions
    .filter((d): d is Decision & { kind: Marker['kind'] } => MARKER_KINDS.has(d.kind as Marker['kind']))
    .map((d) => ({
      atMs: d.atMs,
      kind: d.kind,
      label: d.kind === 'rollback' ? 'roll back' : d.kind,
      summary: d.summary,
    }))
    .sort((a, b) => a.atMs - b.atMs);
}

/** A shaded time span of one plan step. */
export interface PhaseBand {
  stepIndex: number;
  label: string;
  fromMs: number;
  toMs: number;
}

/**
 * Time spans of the plan steps, from the times of the samples and decisions that name each step;
 * each band runs until the next one starts (the last until `nowMs`).
 */
export function phaseBands(
  steps: readonly StepView[],
  decisions: readonly Decision[],
  samples: readonly SampleRecord[],
  nowMs: number,
): PhaseBand[] {
  const first = new Map<number, number>();
  for (const e of [...decisions, ...samples]) {
    if (e.stepIndex === null) continue;
    const at = first.get(e.stepIndex);
    if (at === undefined || e.atMs < at) first.set(e.stepIndex, e.atMs);
  }
  const starts = [...first.entries()].sort((a, b) => a[1] - b[1]);
  return starts.map(([stepIndex, fromMs], i) => ({
    stepIndex,
    label: steps.find((s) => s.index === stepIndex)?.label ?? `step ${stepIndex + 1}`,
    fromMs,
    toMs: Math.max(fromMs, starts[i + 1]?.[1] ?? nowMs),
  }));
}

/** A horizontal threshold line from the plan. */
export interface ThresholdLine {
  metric: HealthMetric;
  value: number;
  label: string;
}

/** Per-version series kept across live updates; `update` visits only points appended since the last call. */
export interface SeriesCache {
  /** @returns a new Map (new identity) holding every point of `points`. */
  update(points: readonly HealthPoint[]): Map<string, VersionSeries>;
}

/** A cache for `appendSeries`; a different first point or a shorter list starts over. */
export function createSeriesCache(): SeriesCache {
  let first: HealthPoint | undefined;
  let seen = 0;
  let series = new Map<string, VersionSeries>();
  return {
    update(points) {
      if (first !== points[0] || points.length < seen) {
        first = points[0];
        seen = 0;
        series = new Map();
      }
      appendSeries(series, points, seen);
      seen = points.length;
      return new Map(series);
    },
  };
}
