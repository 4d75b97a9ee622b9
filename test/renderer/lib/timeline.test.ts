import { describe, expect, it } from 'vitest';
import type { HealthPoint } from '../../../src-shared/bridge/contract.ts';
import type { Decision, SampleRecord } from '../../../src-shared/release/release.schema.ts';
import {
  appendPoint,
  bucketWidthMs,
  createSeriesCache,
  decisionMarkers,
  drawable,
  emptySeries,
  formatTimeOfDay,
  keepUnchanged,
  lowerBound,
  nearestPoint,
  nearestSample,
  panWindow,
  phaseBands,
  splitSeries,
  zoomWindow,
  type VersionSeries,
} from '../../../src-renderer/lib/timeline.ts';

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

describe('splitSeries', () => {
  it('splits per version, keeps no-data as NaN and puts late points in time order', () => {
    const s = splitSeries([point(3, 'v2'), point(1, 'v1'), point(2, 'v2', null), point(1, 'v2')]);
    expect([...s.keys()]).toEqual(['v2', 'v1']);
    expect(cols(s.get('v2')!).xs).toEqual([1, 2, 3]);
    expect(cols(s.get('v2')!).errorRate).toEqual([0.01, Number.NaN, 0.01]);
  });
});

describe('createSeriesCache', () => {
  it('adds only appended points and starts over on a different list', () => {
    const cache = createSeriesCache();
    const a = [point(1, 'v1'), point(2, 'v1')];
    expect(cache.update(a).get('v1')!.length).toBe(2);
    expect(cols(cache.update([...a, point(3, 'v1')]).get('v1')!).xs).toEqual([1, 2, 3]);
    expect(cache.update([point(9, 'v9')]).has('v1')).toBe(false);
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
  it('leaves out no-data points', () => {
    expect(drawable(series([1, Number.NaN, 3]), 'rps', 0, Infinity, 10).map((p) => p.y)).toEqual([1, 3]);
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
