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
 * The full points of one version, column-wise in typed arrays that grow by doubling (appending is
 * amortised O(1), 24 h of 1-second points is ~3.5 MB per version). Only indices below `length` are valid:
 * `xs` are times (ms since the epoch, ascending), `values[metric][i]` the value at `xs[i]`, NaN for no data.
 */
export interface VersionSeries {
  length: number;
  xs: Float64Array;
  values: Record<HealthMetric, Float64Array>;
  /** Bumped when a point is inserted before the end (a late point), which invalidates the bucket caches. */
  revision: number;
  /** Min-max buckets per bucket width (ms), kept up to date incrementally; see `drawable`. */
  buckets: Map<number, Buckets>;
}

/** Per fixed time bucket (`floor(x / widthMs)`) the first sample index and, per metric, where its minimum and maximum are. */
interface Buckets {
  widthMs: number;
  revision: number;
  /** Samples folded in so far. */
  upTo: number;
  count: number;
  keys: Float64Array;
  first: Int32Array;
  lo: Record<HealthMetric, Int32Array>;
  hi: Record<HealthMetric, Int32Array>;
}

// One formatter for every tick and tooltip: toLocaleTimeString builds a new one per call, which costs
// more than drawing the chart when recharts formats dozens of tick candidates per render.
const clock = new Intl.DateTimeFormat([], {
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  hour12: false,
});

/** A clock time `HH:MM:SS` (local), as `formatClock` writes it, from a cached formatter. */
export function formatTimeOfDay(ms: number): string {
  return clock.format(ms);
}

/** Creates an empty series with room for `capacity` points. */
export function emptySeries(capacity = 1024): VersionSeries {
  return {
    length: 0,
    xs: new Float64Array(capacity),
    values: {
      errorRate: new Float64Array(capacity),
      p95Ms: new Float64Array(capacity),
      p99Ms: new Float64Array(capacity),
      rps: new Float64Array(capacity),
    },
    revision: 0,
    buckets: new Map(),
  };
}

function grown<T extends Float64Array | Int32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

function reserve(s: VersionSeries, need: number): void {
  if (need <= s.xs.length) return;
  s.xs = grown(s.xs, need);
  for (const { key } of HEALTH_METRICS) s.values[key] = grown(s.values[key], need);
}

/** Appends one point to a series, or inserts it in time order when it is late. */
export function appendPoint(s: VersionSeries, p: HealthPoint): void {
  reserve(s, s.length + 1);
  const n = s.length;
  let at = n;
  if (n > 0 && s.xs[n - 1]! > p.atMs) {
    // Late points are rare; shift the tail to insert them where they belong.
    at = lowerBound(s.xs, p.atMs + 1, n);
    s.xs.copyWithin(at + 1, at, n);
    for (const { key } of HEALTH_METRICS) s.values[key].copyWithin(at + 1, at, n);
    s.revision++;
  }
  writeAt(s, at, p);
  s.length = n + 1;
}

function writeAt(s: VersionSeries, at: number, p: HealthPoint): void {
  s.xs[at] = p.atMs;
  s.values.errorRate[at] = p.errorRate ?? Number.NaN;
  s.values.p95Ms[at] = p.p95Ms ?? Number.NaN;
  s.values.p99Ms[at] = p.p99Ms ?? Number.NaN;
  s.values.rps[at] = p.rps ?? Number.NaN;
}

/**
 * Adds health points to per-version series in place, keeping every point in time order.
 * Used incrementally by the live timeline: only points from index `from` are visited.
 */
function appendSeries(into: Map<string, VersionSeries>, points: readonly HealthPoint[], from = 0): void {
  if (points.length - from > 4096) {
    // A large batch (a release opened with hours of data): size each version's columns once.
    const counts = new Map<string, number>();
    for (let i = from; i < points.length; i++) {
      const v = points[i]!.version;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    for (const [v, n] of counts) {
      const s = into.get(v);
      if (s) reserve(s, s.length + n);
      else into.set(v, emptySeries(n + 1024));
    }
  }
  for (let i = from; i < points.length; i++) {
    const p = points[i]!;
    let s = into.get(p.version);
    if (!s) {
      s = emptySeries();
      into.set(p.version, s);
    }
    const n = s.length;
    if (n === s.xs.length || (n > 0 && s.xs[n - 1]! > p.atMs)) {
      appendPoint(s, p); // grows the columns or inserts a late point
      continue;
    }
    writeAt(s, n, p);
    s.length = n + 1;
  }
}

/** The time span of all series, or null when they hold no point. */
export function seriesSpan(
  series: ReadonlyMap<string, VersionSeries>,
): { fromMs: number; toMs: number } | null {
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const s of series.values()) {
    if (s.length === 0) continue;
    fromMs = Math.min(fromMs, s.xs[0]!);
    toMs = Math.max(toMs, s.xs[s.length - 1]!);
  }
  return fromMs === Infinity ? null : { fromMs, toMs };
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `v` (an axis top that reads well); 1 for `v` ≤ 0. */
function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/**
 * Ticks for a value axis from 0: a step of 1, 2, 2.5 or 5 × 10^k giving at most `count` intervals, up to
 * the first tick at or above `max` (the axis top).
 */
export function valueTicks(max: number, count = 4): number[] {
  const step = niceCeil(max / count);
  const n = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const TIME_STEPS = [
  ...[1, 2, 5, 10, 15, 30].map((n) => n * SECOND),
  ...[1, 2, 5, 10, 15, 30].map((n) => n * MINUTE),
  ...[1, 2, 3, 6, 12, 24, 48, 168].map((n) => n * HOUR),
];

/**
 * Ticks for a time axis: the smallest step of the usual clock steps (1 s … 30 min, 1 h … 1 week) giving at
 * most `maxTicks` ticks inside the window, placed on round local clock times (on the hour, every 15 min…).
 */
export function timeTicks(fromMs: number, toMs: number, maxTicks = 6): number[] {
  if (!(toMs > fromMs)) return [fromMs];
  const step =
    TIME_STEPS.find((s) => (toMs - fromMs) / s < maxTicks) ??
    niceCeil((toMs - fromMs) / maxTicks / HOUR) * HOUR;
  // Local clock alignment: the offset at the window's start (a DST change inside it shifts later ticks).
  const offset = new Date(fromMs).getTimezoneOffset() * MINUTE;
  const out: number[] = [];
  for (let t = Math.ceil((fromMs - offset) / step) * step + offset; t <= toMs; t += step) out.push(t);
  return out;
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

/**
 * The index of the first time at or after `x` among the first `length` ascending times `xs`
 * (binary search; `length` when none).
 */
export function lowerBound(xs: ArrayLike<number>, x: number, length = xs.length): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function emptyBuckets(widthMs: number, revision: number): Buckets {
  const n = 64;
  const ints = () => ({
    errorRate: new Int32Array(n),
    p95Ms: new Int32Array(n),
    p99Ms: new Int32Array(n),
    rps: new Int32Array(n),
  });
  return {
    widthMs,
    revision,
    upTo: 0,
    count: 0,
    keys: new Float64Array(n),
    first: new Int32Array(n),
    lo: ints(),
    hi: ints(),
  };
}

/**
 * Writes where the minimum and maximum of `ys[start..end)` are (first ones, -1 when all are NaN) into
 * `lo[k]` and `hi[k]`. Small and called per bucket and metric, so the JIT optimises it early: opening a
 * day of samples runs it cold.
 */
function foldExtremes(
  ys: Float64Array,
  start: number,
  end: number,
  lo: Int32Array,
  hi: Int32Array,
  k: number,
): void {
  let l = -1;
  let h = -1;
  let lv = Infinity;
  let hv = -Infinity;
  for (let i = start; i < end; i++) {
    const y = ys[i]!; // NaN (no data) fails both comparisons
    if (y < lv) {
      lv = y;
      l = i;
    }
    if (y > hv) {
      hv = y;
      h = i;
    }
  }
  lo[k] = l;
  hi[k] = h;
}

function growBuckets(b: Buckets, need: number): void {
  b.keys = grown(b.keys, need);
  b.first = grown(b.first, need);
  for (const { key: m } of HEALTH_METRICS) {
    b.lo[m] = grown(b.lo[m], need);
    b.hi[m] = grown(b.hi[m], need);
  }
}

/** Folds the samples appended since the last call into the buckets: only the last bucket changes or a new one starts. */
function syncBuckets(s: VersionSeries, widthMs: number): Buckets {
  let b = s.buckets.get(widthMs);
  if (!b || b.revision !== s.revision) {
    b = emptyBuckets(widthMs, s.revision);
    s.buckets.set(widthMs, b);
  }
  const { xs, length } = s;
  const from = b.upTo;
  if (from === length) return b;
  // The last old bucket may have grown: fold it again with the new samples.
  let k = Math.max(0, b.count - 1);
  let i = b.count > 0 ? b.first[k]! : from;
  // Bucket by bucket, comparing times against the bucket's end rather than dividing per sample.
  while (i < length) {
    const key = Math.floor(xs[i]! / widthMs);
    const end = (key + 1) * widthMs;
    const start = i;
    while (i < length && xs[i]! < end) i++;
    if (k >= b.keys.length) growBuckets(b, k + 1);
    b.keys[k] = key;
    b.first[k] = start;
    for (const { key: m } of HEALTH_METRICS) foldExtremes(s.values[m], start, i, b.lo[m], b.hi[m], k);
    k++;
  }
  b.count = k;
  b.upTo = length;
  return b;
}

/** The bucket width (ms, a power of two of seconds) that gives at most `maxBuckets` buckets over `spanMs`. */
export function bucketWidthMs(spanMs: number, maxBuckets: number): number {
  const seconds = Math.max(1, spanMs / 1000 / Math.max(1, maxBuckets));
  return 1000 * 2 ** Math.ceil(Math.log2(seconds));
}

/**
 * Collects drawn points, reusing the previous drawing's point objects where they are unchanged: a live
 * update changes the last bucket or two, and the rest of the line should cost no allocation.
 */
class PointSink {
  readonly out: XY[] = [];
  same: boolean;
  constructor(private readonly prev: readonly XY[] | undefined) {
    this.same = prev !== undefined;
  }
  add(x: number, y: number): void {
    const p = this.prev?.[this.out.length];
    if (p !== undefined && p.x === x && p.y === y) this.out.push(p);
    else {
      this.out.push({ x, y });
      this.same = false;
    }
  }
  /** The previous drawing itself when nothing changed, so React sees the same array. */
  result(): XY[] {
    return this.same && this.prev!.length === this.out.length ? (this.prev as XY[]) : this.out;
  }
}

function addMinMax(sink: PointSink, xs: Float64Array, ys: Float64Array, a: number, b: number): void {
  if (a === -1) return;
  const first = Math.min(a, b);
  const second = Math.max(a, b);
  sink.add(xs[first]!, ys[first]!);
  if (second !== first) sink.add(xs[second]!, ys[second]!);
}

/**
 * What is drawn of one metric of a series inside a time window: at most `maxPoints` points.
 * A window with more samples is cut into fixed time buckets (aligned to the epoch, so appending a sample
 * changes only the last one) and each bucket draws its minimum and maximum, so no spike is lost.
 * The buckets are cached on the series per width and updated incrementally; the full series is untouched.
 * Given the previous drawing (`prev`), unchanged points keep their objects, and an unchanged drawing is
 * returned as `prev` itself.
 */
export function drawable(
  series: VersionSeries,
  metric: HealthMetric,
  fromMs: number,
  toMs: number,
  maxPoints: number,
  prev?: readonly XY[],
): XY[] {
  const { xs, length } = series;
  const ys = series.values[metric];
  const i0 = lowerBound(xs, fromMs, length);
  const i1 = lowerBound(xs, toMs + 1, length);
  const sink = new PointSink(prev);
  if (i1 - i0 <= maxPoints) {
    for (let i = i0; i < i1; i++) if (!Number.isNaN(ys[i]!)) sink.add(xs[i]!, ys[i]!);
    return sink.result();
  }
  const spanMs = xs[i1 - 1]! - xs[i0]!;
  const b = syncBuckets(series, bucketWidthMs(spanMs, Math.floor(maxPoints / 2)));
  const k0 = lowerBound(b.keys, Math.floor(xs[i0]! / b.widthMs), b.count);
  const k1 = lowerBound(b.keys, Math.floor(xs[i1 - 1]! / b.widthMs) + 1, b.count);
  for (let k = k0; k < k1; k++) {
    const start = b.first[k]!;
    const end = k + 1 < b.count ? b.first[k + 1]! : length;
    if (start >= i0 && end <= i1) {
      addMinMax(sink, xs, ys, b.lo[metric][k]!, b.hi[metric][k]!);
      continue;
    }
    // A bucket cut by the window's edge: its extremes inside the window only.
    let lo = -1;
    let hi = -1;
    for (let i = Math.max(start, i0); i < Math.min(end, i1); i++) {
      const y = ys[i]!;
      if (Number.isNaN(y)) continue;
      if (lo === -1 || y < ys[lo]!) lo = i;
      if (hi === -1 || y > ys[hi]!) hi = i;
    }
    addMinMax(sink, xs, ys, lo, hi);
  }
  return sink.result();
}

/**
 * At most `maxPoints` of `points` (in time order): consecutive runs of points each keep their lowest and
 * highest, in time order, so spikes stay visible. Cheap on drawn points; `drawable` does this for the data.
 */
export function thinMinMax(points: readonly XY[], maxPoints: number): XY[] {
  const groups = Math.max(1, Math.floor(maxPoints / 2));
  if (points.length <= maxPoints) return [...points];
  const out: XY[] = [];
  for (let g = 0; g < groups; g++) {
    const a = Math.floor((g * points.length) / groups);
    const b = Math.floor(((g + 1) * points.length) / groups);
    let lo = a;
    let hi = a;
    for (let i = a + 1; i < b; i++) {
      if (points[i]!.y < points[lo]!.y) lo = i;
      if (points[i]!.y > points[hi]!.y) hi = i;
    }
    out.push(points[Math.min(lo, hi)]!);
    if (lo !== hi) out.push(points[Math.max(lo, hi)]!);
  }
  return out;
}

/**
 * `next`, reusing the point objects of `prev` that are unchanged, or `prev` itself when nothing changed,
 * so a chart gets a new array only for a series whose drawn points changed.
 */
export function keepUnchanged(prev: readonly XY[] | undefined, next: XY[]): XY[] {
  if (!prev) return next;
  let same = prev.length === next.length;
  for (let i = 0; i < next.length && i < prev.length; i++) {
    const p = prev[i]!;
    const n = next[i]!;
    if (p.x === n.x && p.y === n.y) next[i] = p;
    else same = false;
  }
  return same ? (prev as XY[]) : next;
}

/** The point with data of one metric closest in time to `x` (binary search), or null when there is none. */
export function nearestPoint(series: VersionSeries, metric: HealthMetric, x: number): XY | null {
  const { xs, length } = series;
  const ys = series.values[metric];
  const i = lowerBound(xs, x, length);
  let after = i;
  while (after < length && Number.isNaN(ys[after]!)) after++;
  let before = i - 1;
  while (before >= 0 && Number.isNaN(ys[before]!)) before--;
  const candidates = [before, after].filter((j) => j >= 0 && j < length);
  if (candidates.length === 0) return null;
  const best = candidates.reduce((a, b) => (Math.abs(xs[b]! - x) < Math.abs(xs[a]! - x) ? b : a));
  return { x: xs[best]!, y: ys[best]! };
}

/** The metric names the engine's samples use for a timeline series (best effort, by name). */
function sampleMatchesMetric(sampleMetric: string, metric: HealthMetric): boolean {
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

/**
 * Label positions (SVG y, down is larger) moved apart so no two are closer than `gap`: each label keeps
 * its place unless the one below it is too close, then it moves up. Returned in the input's order.
 */
export function spreadLabels(ys: readonly number[], gap: number): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => b.y - a.y);
  const out = new Array<number>(ys.length);
  let below = Infinity;
  for (const { y, i } of order) {
    const placed = Math.min(y, below - gap);
    out[i] = placed;
    below = placed;
  }
  return out;
}

/** A horizontal threshold line from the plan. */
export interface ThresholdLine {
  metric: HealthMetric;
  value: number;
  label: string;
}

/**
 * A release's health as the console keeps it: one column-wise series per version. The store takes points
 * in as they arrive (`appendHealth`), so opening or redrawing a timeline never walks the raw points.
 */
export interface HealthHistory {
  /** Version → its series. The series only grow: an older history's map may see points added later. */
  readonly series: ReadonlyMap<string, VersionSeries>;
  /** Points taken in so far. */
  readonly count: number;
}

export const NO_HEALTH: HealthHistory = { series: new Map(), count: 0 };

/**
 * `prev` with `points` added (in time order per version, late points inserted where they belong).
 * @returns a new history (new identity, for React and zustand) sharing and extending `prev`'s columns.
 */
export function appendHealth(prev: HealthHistory | undefined, points: readonly HealthPoint[]): HealthHistory {
  if (points.length === 0 && prev) return prev;
  const series = new Map(prev?.series);
  appendSeries(series, points);
  return { series, count: (prev?.count ?? 0) + points.length };
}
