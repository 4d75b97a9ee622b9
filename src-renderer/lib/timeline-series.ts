import type { HealthPoint } from '../../src-shared/bridge/contract.ts';
import { trackColour } from './traffic-colours.ts';

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
export interface Buckets {
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

export function grown<T extends Float64Array | Int32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export function reserve(s: VersionSeries, need: number): void {
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

/** The prefix of a variant's series: a flag ramp's line is named `variant on`, a version's by the version. */
const VARIANT_PREFIX = 'variant ';

/** The series a point belongs to: its variant's (`variant on`) during a flag ramp, else its version's. */
export function seriesKey(p: HealthPoint): string {
  return p.variant === undefined ? p.version : `${VARIANT_PREFIX}${p.variant}`;
}

/** The variant a series is of (`on` for `variant on`), or null for a version's series. */
export function seriesVariant(key: string): string | null {
  return key.startsWith(VARIANT_PREFIX) ? key.slice(VARIANT_PREFIX.length) : null;
}

/**
 * The colour of each series (by key, in order): a version's the next of `versionColours`, a variant's that of its
 * exposure bar segment (the off variant first there, as it is sampled first), so both panels read alike.
 */
export function seriesColours(keys: readonly string[], versionColours: readonly string[]): string[] {
  let versions = 0;
  let variants = 0;
  return keys.map((key) => {
    const variant = seriesVariant(key);
    if (variant !== null) return trackColour(variant, variants++);
    return versionColours[versions++ % versionColours.length]!;
  });
}

/**
 * Adds health points to per-version (per-variant during a flag ramp) series in place, keeping every point in time order.
 * Used incrementally by the live timeline: only points from index `from` are visited.
 */
function appendSeries(into: Map<string, VersionSeries>, points: readonly HealthPoint[], from = 0): void {
  if (points.length - from > 4096) {
    // A large batch (a release opened with hours of data): size each version's columns once.
    const counts = new Map<string, number>();
    for (let i = from; i < points.length; i++) {
      const v = seriesKey(points[i]!);
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
    const key = seriesKey(p);
    let s = into.get(key);
    if (!s) {
      s = emptySeries();
      into.set(key, s);
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

/**
 * A release's health as the console keeps it: one column-wise series per version, and per variant while a
 * flag ramps (keyed by `seriesKey`). The store takes points
 * in as they arrive (`appendHealth`), so opening or redrawing a timeline never walks the raw points.
 */
export interface HealthHistory {
  /** Version (or `variant on`) → its series. The series only grow: an older history's map may see points added later. */
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
