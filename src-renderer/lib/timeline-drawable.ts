import {
  grown,
  HEALTH_METRICS,
  lowerBound,
  type Buckets,
  type HealthMetric,
  type VersionSeries,
  type XY,
} from './timeline-series.ts';

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
