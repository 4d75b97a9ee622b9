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

/**
 * The full points of one version, column-wise (cheap to keep for 24 h of 1-second points):
 * `xs` are times (ms since the epoch, ascending), `values[metric][i]` the value at `xs[i]`, NaN for no data.
 */
export interface VersionSeries {
  xs: number[];
  values: Record<HealthMetric, number[]>;
}

const lttb = createLTTB<XY>({ x: 'x', y: 'y' });

function emptySeries(): VersionSeries {
  return { xs: [], values: { errorRate: [], p95Ms: [], p99Ms: [], rps: [] } };
}

function insertAt(s: VersionSeries, i: number, p: HealthPoint): void {
  s.xs.splice(i, 0, p.atMs);
  for (const { key } of HEALTH_METRICS) s.values[key].splice(i, 0, p[key] ?? Number.NaN);
}

/**
 * Adds health points to per-version series in place, keeping every point in time order.
 * Used incrementally by the live timeline: only points from index `from` are visited.
 */
export function appendSeries(
  into: Map<string, VersionSeries>,
  points: readonly HealthPoint[],
  from = 0,
): void {
  for (let i = from; i < points.length; i++) {
    const p = points[i]!;
    let s = into.get(p.version);
    if (!s) {
      s = emptySeries();
      into.set(p.version, s);
    }
    const n = s.xs.length;
    if (n > 0 && s.xs[n - 1]! > p.atMs) {
      // Late points are rare; insert them where they belong.
      insertAt(s, lowerBound(s.xs, p.atMs + 1), p);
      continue;
    }
    s.xs.push(p.atMs);
    s.values.errorRate.push(p.errorRate ?? Number.NaN);
    s.values.p95Ms.push(p.p95Ms ?? Number.NaN);
    s.values.p99Ms.push(p.p99Ms ?? Number.NaN);
    s.values.rps.push(p.rps ?? Number.NaN);
  }
}

/**
 * Splits health points into one series per version, keeping every point.
 * @returns version → column-wise series sorted by time.
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
  for (const s of series.values()) {
    if (s.xs.length === 0) continue;
    fromMs = Math.min(fromMs, s.xs[0]!);
    toMs = Math.max(toMs, s.xs[s.xs.length - 1]!);
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

/** The index of the first time at or after `x` in ascending `xs` (binary search; `xs.length` when none). */
export function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What is drawn of one metric of a series inside a time window: at most `maxPoints` points.
 * Long ranges first keep each bucket's minimum and maximum (so no spike is lost and LTTB gets a few
 * thousand points instead of 86 400), then LTTB picks the drawn points. The full series is untouched.
 */
export function drawable(
  series: VersionSeries,
  metric: HealthMetric,
  fromMs: number,
  toMs: number,
  maxPoints: number,
): XY[] {
  const { xs } = series;
  const ys = series.values[metric];
  const i0 = lowerBound(xs, fromMs);
  const i1 = lowerBound(xs, toMs + 1);
  const out: XY[] = [];
  if (i1 - i0 <= maxPoints) {
    for (let i = i0; i < i1; i++) if (!Number.isNaN(ys[i]!)) out.push({ x: xs[i]!, y: ys[i]! });
    return out;
  }
  const buckets = maxPoints * 2;
  const size = (i1 - i0) / buckets;
  for (let b = 0; b < buckets; b++) {
    const start = i0 + Math.floor(b * size);
    const end = Math.min(i1, i0 + Math.floor((b + 1) * size));
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const y = ys[i]!;
      if (Number.isNaN(y)) continue;
      if (lo === -1 || y < ys[lo]!) lo = i;
      if (hi === -1 || y > ys[hi]!) hi = i;
    }
    if (lo === -1) continue;
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    out.push({ x: xs[first]!, y: ys[first]! });
    if (second !== first) out.push({ x: xs[second]!, y: ys[second]! });
  }
  return out.length <= maxPoints ? out : (lttb(out, maxPoints) as XY[]);
}

/** The point with data of one metric closest in time to `x`, or null when there is none. */
export function nearestPoint(series: VersionSeries, metric: HealthMetric, x: number): XY | null {
  const { xs } = series;
  const ys = series.values[metric];
  const i = lowerBound(xs, x);
  let after = i;
  while (after < xs.length && Number.isNaN(ys[after]!)) after++;
  let before = i - 1;
  while (before >= 0 && Number.isNaN(ys[before]!)) before--;
  const candidates = [before, after].filter((j) => j >= 0 && j < xs.length);
  if (candidates.length === 0) return null;
  const best = candidates.reduce((a, b) => (Math.abs(xs[b]! - x) < Math.abs(xs[a]! - x) ? b : a));
  return { x: xs[best]!, y: ys[best]! };
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
