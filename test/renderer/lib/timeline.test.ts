import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HealthPoint } from '../../../src-shared/bridge/contract.ts';
import type { Decision, SampleRecord } from '../../../src-shared/release/release.schema.ts';
import {
  formatTimeOfDay,
  panWindow,
  timeTicks,
  valueTicks,
  zoomWindow,
} from '../../../src-renderer/lib/timeline-axes.ts';
import {
  bucketWidthMs,
  drawable,
  keepUnchanged,
  nearestPoint,
  thinMinMax,
} from '../../../src-renderer/lib/timeline-drawable.ts';
import {
  decisionMarkers,
  nearestSample,
  phaseBands,
  spreadLabels,
} from '../../../src-renderer/lib/timeline-marks.ts';
import {
  appendHealth,
  appendPoint,
  emptySeries,
  lowerBound,
  type VersionSeries,
  type XY,
} from '../../../src-renderer/lib/timeline-series.ts';

function point(atMs: number, version: string, errorRate: number | null = 0.01): HealthPoint {
  return { atMs, version, errorRate, p95Ms: 100, p99Ms: 200, rps: 50 };
}

function decision(seq: number, kind: Decision['kind'], atMs: number, stepIndex: number | null): Decision {
  return {
    seq,
    kind,
    cause: 'operator',
    atMs,
    by: 'engine',
    stepIndex,
    summary: `${kind} ${seq}`,
    evidence: [],
  };
}

function sample(atMs: number, metric: string, version: string, stepIndex: number | null = 0): SampleRecord {
  return {
    atMs,
    source: 'analysis',
    stepIndex,
    group: 'g',
    metric,
    version,
    query: `q-${metric}-${atMs}`,
    outcome: 'success',
    value: 1,
  };
}

describe('appendHealth', () => {
  it('splits per version, keeps no-data as NaN and puts late points in time order', () => {
    const s = appendHealth(undefined, [
      point(3, 'v2'),
      point(1, 'v1'),
      point(2, 'v2', null),
      point(1, 'v2'),
    ]).series;
    expect([...s.keys()]).toEqual(['v2', 'v1']);
    expect(cols(s.get('v2')!).xs).toEqual([1, 2, 3]);
    expect(cols(s.get('v2')!).errorRate).toEqual([0.01, Number.NaN, 0.01]);
  });
});

describe('appendHealth over time', () => {
  it('extends the columns, counts the points and gives a new history only when points arrived', () => {
    const a = appendHealth(undefined, [point(1, 'v1'), point(2, 'v1')]);
    const b = appendHealth(a, [point(3, 'v1'), point(3, 'v2')]);
    expect(b).not.toBe(a);
    expect(b.count).toBe(4);
    expect(cols(b.series.get('v1')!).xs).toEqual([1, 2, 3]);
    expect(cols(b.series.get('v2')!).xs).toEqual([3]);
    expect(appendHealth(b, [])).toBe(b);
  });
  it('takes in interleaved versions in any batch sizes as one batch would', () => {
    const points = Array.from({ length: 9_000 }, (_, i) => point(Math.floor(i / 3) * 1000, `v${i % 3}`, i));
    let live = appendHealth(undefined, []);
    for (let i = 0; i < points.length; i += 700) live = appendHealth(live, points.slice(i, i + 700));
    const once = appendHealth(undefined, points);
    for (const v of ['v0', 'v1', 'v2']) expect(cols(live.series.get(v)!)).toEqual(cols(once.series.get(v)!));
  });
});

/** The valid part of a series' columns as plain arrays. */
function cols(s: VersionSeries): { xs: number[]; errorRate: number[] } {
  return {
    xs: Array.from(s.xs.subarray(0, s.length)),
    errorRate: Array.from(s.values.errorRate.subarray(0, s.length)),
  };
}

function seriesAt(xs: number[], ys: number[]): VersionSeries {
  const s = emptySeries(4);
  xs.forEach((x, i) =>
    appendPoint(s, { atMs: x, version: 'v', errorRate: ys[i]!, p95Ms: ys[i]!, p99Ms: ys[i]!, rps: ys[i]! }),
  );
  return s;
}

function series(ys: number[]): VersionSeries {
  return seriesAt(
    ys.map((_, i) => i * 1000),
    ys,
  );
}

describe('drawable', () => {
  const s = series(Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 50) + (i === 5003 ? 10 : 0)));
  it.each([
    [0, 9_999_000, 500, 125, 500],
    [0, 99_000, 500, 100, 100],
    [1_000_000, 1_009_000, 5, 2, 5],
  ])('window %i..%i with at most %i points draws %i to %i', (from, to, max, least, most) => {
    const d = drawable(s, 'errorRate', from, to, max);
    expect(d.length).toBeGreaterThanOrEqual(least);
    expect(d.length).toBeLessThanOrEqual(most);
    expect(d[0]!.x).toBeGreaterThanOrEqual(from);
    expect(d[d.length - 1]!.x).toBeLessThanOrEqual(to);
    expect(d.every((p, i) => i === 0 || p.x > d[i - 1]!.x)).toBe(true);
  });
  it('keeps a one-second spike in a day-long range', () => {
    expect(drawable(s, 'errorRate', 0, Infinity, 200).some((p) => p.y > 5)).toBe(true);
  });
  it('keeps the full data: every bucket draws its real minimum and maximum samples', () => {
    const d = drawable(s, 'errorRate', 0, Infinity, 200);
    const ys = s.values.errorRate;
    for (const p of d) expect(ys[p.x / 1000]).toBe(p.y);
  });
  it('after appending live samples draws what a fresh series with the same data draws', () => {
    const ys = Array.from({ length: 5_000 }, (_, i) => Math.cos(i / 30) * (i % 97 === 0 ? 3 : 1));
    const live = series(ys.slice(0, 3_000));
    drawable(live, 'rps', 0, Infinity, 300); // builds the buckets
    for (let i = 3_000; i < ys.length; i++) {
      appendPoint(live, { atMs: i * 1000, version: 'v', errorRate: 0, p95Ms: 0, p99Ms: 0, rps: ys[i]! });
      if (i % 250 === 0) drawable(live, 'rps', 0, Infinity, 300);
    }
    expect(drawable(live, 'rps', 0, Infinity, 300)).toEqual(drawable(series(ys), 'rps', 0, Infinity, 300));
    expect(drawable(live, 'rps', 1_234_567, 2_345_678, 300)).toEqual(
      drawable(series(ys), 'rps', 1_234_567, 2_345_678, 300),
    );
  });
  it('redraws correctly after a late sample is inserted', () => {
    const live = series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    drawable(live, 'rps', 0, Infinity, 4);
    appendPoint(live, { atMs: 4_500, version: 'v', errorRate: 0, p95Ms: 0, p99Ms: 0, rps: 99 });
    expect(drawable(live, 'rps', 0, Infinity, 4).some((p) => p.x === 4_500 && p.y === 99)).toBe(true);
  });
  it.each([
    [86_400_000, 400, 256_000],
    [60_000, 400, 1_000],
    [3_600_000, 300, 16_000],
  ])('a %i ms window in at most %i buckets uses %i ms buckets', (span, max, width) => {
    expect(bucketWidthMs(span, max)).toBe(width);
  });
  it('given the previous drawing, returns it when nothing changed and keeps its unchanged points', () => {
    const live = series(Array.from({ length: 3_000 }, (_, i) => Math.sin(i / 40)));
    const before = drawable(live, 'rps', 0, 4_000_000, 300);
    expect(drawable(live, 'rps', 0, 4_000_000, 300, before)).toBe(before);
    appendPoint(live, { atMs: 3_000_000, version: 'v', errorRate: 0, p95Ms: 0, p99Ms: 0, rps: 5 });
    const after = drawable(live, 'rps', 0, 4_000_000, 300, before);
    expect(after).not.toBe(before);
    expect(after).toEqual(drawable(live, 'rps', 0, 4_000_000, 300));
    expect(after.at(-1)).toEqual({ x: 3_000_000, y: 5 });
    // Every point but the changed last bucket's is the same object as before.
    expect(after.filter((p, i) => p === before[i]).length).toBeGreaterThanOrEqual(before.length - 2);
  });
  it('leaves out no-data points', () => {
    expect(drawable(series([1, Number.NaN, 3]), 'rps', 0, Infinity, 10).map((p) => p.y)).toEqual([1, 3]);
  });
});

/** What `drawable` must draw, computed the plain way: every bucket's first minimum and first maximum. */
function reference(xs: number[], ys: number[], from: number, to: number, max: number): XY[] {
  const inside = xs.map((x, i) => i).filter((i) => xs[i]! >= from && xs[i]! <= to);
  if (inside.length <= max)
    return inside.filter((i) => !Number.isNaN(ys[i]!)).map((i) => ({ x: xs[i]!, y: ys[i]! }));
  const width = bucketWidthMs(xs[inside.at(-1)!]! - xs[inside[0]!]!, Math.floor(max / 2));
  const out: XY[] = [];
  let at = 0;
  while (at < inside.length) {
    const key = Math.floor(xs[inside[at]!]! / width);
    let lo = -1;
    let hi = -1;
    for (; at < inside.length && Math.floor(xs[inside[at]!]! / width) === key; at++) {
      const i = inside[at]!;
      if (Number.isNaN(ys[i]!)) continue;
      if (lo === -1 || ys[i]! < ys[lo]!) lo = i;
      if (hi === -1 || ys[i]! > ys[hi]!) hi = i;
    }
    if (lo === -1) continue;
    for (const i of lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)])
      out.push({ x: xs[i]!, y: ys[i]! });
  }
  return out;
}

describe('drawable against the plain computation', () => {
  it('draws what the plain computation draws, whatever the data, the window and the arrival in pieces', () => {
    const value = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(Number.NaN));
    fc.assert(
      fc.property(
        // size 'max': long series (fast-check's default keeps arrays short), so buckets hold many samples.
        fc.array(fc.tuple(fc.integer({ min: 1, max: 3_000 }), value), { maxLength: 2_000, size: 'max' }),
        fc.array(fc.integer({ min: 20, max: 400 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(1_000, 2_000, 8_000, 32_000),
        fc.integer({ min: 0, max: 3_000_000 }),
        fc.integer({ min: 0, max: 3_000_000 }),
        (gaps, pieces, widthMs, a, b) => {
          // Samples at increasing times (gaps in ms, so many share a bucket), arriving in pieces.
          const xs = gaps.reduce<number[]>((acc, [gap]) => [...acc, (acc.at(-1) ?? 0) + gap], []);
          const ys = gaps.map(([, y]) => y);
          // The most points that keep the whole data in buckets of `widthMs`, as the span grows, so the
          // cached buckets are extended piece after piece (the live case) rather than rebuilt.
          const maxFor = (spanMs: number) => 2 * Math.max(1, Math.ceil(spanMs / widthMs));
          const live = emptySeries(4);
          let next = 0;
          for (let p = 0; next < xs.length; p++) {
            const end = Math.min(xs.length, next + pieces[p % pieces.length]!);
            for (; next < end; next++)
              appendPoint(live, {
                atMs: xs[next]!,
                version: 'v',
                errorRate: 0,
                p95Ms: ys[next]!,
                p99Ms: 0,
                rps: 0,
              });
            const max = maxFor(xs[next - 1]! - xs[0]!);
            expect(drawable(live, 'p95Ms', -Infinity, Infinity, max)).toEqual(
              reference(xs.slice(0, next), ys, -Infinity, Infinity, max),
            );
          }
          const [from, to] = a <= b ? [a, b] : [b, a];
          const max = maxFor((xs.at(-1) ?? 0) - (xs[0] ?? 0));
          expect(drawable(live, 'p95Ms', from, to, max)).toEqual(reference(xs, ys, from, to, max));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('thinMinMax', () => {
  it('keeps at most the asked points, in time order, with the lowest and highest of the data', () => {
    const points = Array.from({ length: 1_000 }, (_, i) => ({
      x: i,
      y: i === 321 ? 99 : i === 654 ? -5 : i % 7,
    }));
    const thin = thinMinMax(points, 100);
    expect(thin.length).toBeLessThanOrEqual(100);
    expect(thin.every((p, i) => i === 0 || p.x > thin[i - 1]!.x)).toBe(true);
    expect(thin.some((p) => p.y === 99)).toBe(true);
    expect(thin.some((p) => p.y === -5)).toBe(true);
    expect(thinMinMax(points.slice(0, 10), 100)).toEqual(points.slice(0, 10));
  });
});

describe('axis ticks', () => {
  it.each([
    [0.021, [0, 0.01, 0.02, 0.03]],
    [0.5, [0, 0.2, 0.4, 0.6]],
    [1_000, [0, 250, 500, 750, 1_000]],
    [4.9, [0, 2, 4, 6]],
    [0, [0, 1]],
  ])('value ticks up to %d are %j', (max, ticks) => {
    expect(valueTicks(max)).toEqual(ticks);
  });
  it('time ticks fall on round clock times inside the window, at most the asked number', () => {
    const from = Date.UTC(2026, 0, 1, 10, 7, 13);
    for (const [span, step] of [
      [24 * 3_600_000, 6 * 3_600_000],
      [3_600_000, 15 * 60_000],
      [90_000, 30_000],
    ] as const) {
      const ticks = timeTicks(from, from + span);
      expect(ticks.length).toBeLessThanOrEqual(6);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      for (const t of ticks) {
        expect(t).toBeGreaterThanOrEqual(from);
        expect(t).toBeLessThanOrEqual(from + span);
        // On the step in local clock time.
        expect((t - new Date(t).getTimezoneOffset() * 60_000) % step).toBe(0);
      }
    }
  });
});

describe('spreadLabels', () => {
  it('keeps labels that are apart where they are and moves close ones up, keeping their order', () => {
    expect(spreadLabels([100, 50], 11)).toEqual([100, 50]);
    expect(spreadLabels([100, 98, 101], 11)).toEqual([90, 79, 101]);
  });
});

describe('keepUnchanged', () => {
  it('returns the previous array when nothing changed and reuses unchanged points otherwise', () => {
    const prev = [
      { x: 1, y: 1 },
      { x: 2, y: 2 },
    ];
    expect(
      keepUnchanged(prev, [
        { x: 1, y: 1 },
        { x: 2, y: 2 },
      ]),
    ).toBe(prev);
    const next = keepUnchanged(prev, [
      { x: 1, y: 1 },
      { x: 2, y: 3 },
    ]);
    expect(next).not.toBe(prev);
    expect(next[0]).toBe(prev[0]);
    expect(next[1]).toEqual({ x: 2, y: 3 });
  });
});

describe('formatTimeOfDay', () => {
  it('writes the same clock time as toLocaleTimeString', () => {
    const at = Date.UTC(2026, 0, 1, 13, 4, 5);
    expect(formatTimeOfDay(at)).toBe(new Date(at).toLocaleTimeString([], { hour12: false }));
  });
});

describe('lowerBound and nearestPoint', () => {
  const s = seriesAt([10, 20, 30, 40], [10, 20, 30, Number.NaN]);
  it.each([
    [5, 0, 10],
    [10, 0, 10],
    [24, 2, 20],
    [26, 2, 30],
    [39, 3, 30],
    [99, 4, 30],
  ])('at %i: first index %i, nearest point with data at %i', (x, index, nearest) => {
    expect(lowerBound(s.xs, x)).toBe(index);
    expect(nearestPoint(s, 'errorRate', x)?.x).toBe(nearest);
  });
  it('has no nearest point in an empty series', () => {
    expect(nearestPoint(series([]), 'rps', 1)).toBeNull();
  });
});

describe('nearestSample', () => {
  const samples = [
    sample(100, 'error-rate', 'v2'),
    sample(200, 'p95-latency', 'v2'),
    sample(300, 'error-rate', 'v1'),
  ];
  it.each([
    ['errorRate', 'v2', 250, 'q-error-rate-100'],
    ['p95Ms', 'v2', 0, 'q-p95-latency-200'],
    ['errorRate', 'v1', 0, 'q-error-rate-300'],
    ['p99Ms', 'v2', 0, null],
  ] as const)('%s of %s near %i has query %s', (metric, version, x, query) => {
    expect(nearestSample(samples, metric, version, x)?.query ?? null).toBe(query);
  });
});

describe('decisionMarkers', () => {
  it('marks promotions, pauses, aborts and roll-backs only, in time order', () => {
    const m = decisionMarkers([
      decision(1, 'promote', 300, 0),
      decision(2, 'continue', 100, 0),
      decision(3, 'abort', 200, 1),
      decision(4, 'rollback', 400, null),
      decision(5, 'pause', 50, 0),
    ]);
    expect(m.map((x) => x.label)).toEqual(['pause', 'abort', 'promote', 'roll back']);
    expect(m[1]!.summary).toBe('abort 3');
  });
});

describe('phaseBands', () => {
  it('runs each step from its first event to the next step, the last to now', () => {
    const steps = [
      { index: 0, label: 'set weight 10 %', state: 'done' as const },
      { index: 1, label: 'pause 10m', state: 'active' as const },
    ];
    const bands = phaseBands(
      steps,
      [decision(1, 'promote', 500, 1)],
      [sample(100, 'x', 'v', 0), sample(700, 'x', 'v', 1)],
      900,
    );
    expect(bands).toEqual([
      { stepIndex: 0, label: 'set weight 10 %', fromMs: 100, toMs: 500 },
      { stepIndex: 1, label: 'pause 10m', fromMs: 500, toMs: 900 },
    ]);
  });
});

describe('zoom and pan', () => {
  const span = { fromMs: 0, toMs: 1_000_000 };
  it.each([
    [{ fromMs: 0, toMs: 1_000_000 }, 0.5, { fromMs: 250_000, toMs: 750_000 }],
    [{ fromMs: 0, toMs: 100_000 }, 2, { fromMs: 0, toMs: 200_000 }],
    [{ fromMs: 0, toMs: 1_000_000 }, 4, span],
  ])('zooms %j by %d to %j (inside the data)', (win, factor, out) => {
    expect(zoomWindow(win, span, factor)).toEqual(out);
  });
  it.each([
    [{ fromMs: 100_000, toMs: 200_000 }, 0.5, { fromMs: 150_000, toMs: 250_000 }],
    [{ fromMs: 0, toMs: 100_000 }, -1, { fromMs: 0, toMs: 100_000 }],
    [{ fromMs: 900_000, toMs: 1_000_000 }, 1, { fromMs: 900_000, toMs: 1_000_000 }],
  ])('pans %j by %d to %j (inside the data)', (win, fraction, out) => {
    expect(panWindow(win, span, fraction)).toEqual(out);
  });
});
