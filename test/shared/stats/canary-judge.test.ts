import { describe, expect, it } from 'vitest';
import { canaryScore, judgeMetric } from '../../../src-shared/stats/canary-judge.ts';

const baseline = [100, 102, 98, 101, 99, 103, 97, 100, 101, 99, 100, 102, 98, 101, 99];
const slower = baseline.map((v) => v + 30);

describe('judgeMetric', () => {
  it.each([
    ['latency up, increase is bad', slower, 'increase', 'high'],
    ['latency up, decrease is bad', slower, 'decrease', 'pass'],
    ['latency up, either is bad', slower, 'either', 'high'],
    ['same distribution', [...baseline].reverse(), 'either', 'pass'],
    ['success rate down, decrease is bad', baseline.map((v) => v - 30), 'decrease', 'low'],
  ] as const)('%s → %s', (_label, canary, direction, verdict) => {
    expect(judgeMetric(canary, baseline, { direction }).verdict).toBe(verdict);
  });

  it('gives nodata for an empty sample, never a pass', () => {
    expect(judgeMetric([], baseline, { direction: 'increase' })).toEqual({
      verdict: 'nodata',
      reason: 'no data: 0 canary and 15 baseline values',
    });
  });

  it('ignores a significant but tiny effect when a minimum effect size is set', () => {
    const many = Array.from({ length: 400 }, (_, i) => i % 100);
    const nudged = many.map((v, i) => (i % 5 === 0 ? v + 8 : v));
    expect(judgeMetric(nudged, many, { direction: 'increase', alpha: 0.5 }).verdict).toBe('high');
    expect(judgeMetric(nudged, many, { direction: 'increase', alpha: 0.5, minEffectSize: 0.3 }).verdict).toBe(
      'pass',
    );
  });
});

describe('canaryScore', () => {
  it.each([
    [
      [
        { name: 'a', verdict: 'pass' },
        { name: 'b', verdict: 'pass' },
      ],
      100,
      'pass',
    ],
    [
      [
        { name: 'a', verdict: 'pass' },
        { name: 'b', verdict: 'high' },
        { name: 'c', verdict: 'pass' },
        { name: 'd', verdict: 'pass' },
      ],
      75,
      'marginal',
    ],
    [
      [
        { name: 'a', verdict: 'pass' },
        { name: 'b', verdict: 'high' },
      ],
      50,
      'fail',
    ],
    [
      [
        { name: 'a', verdict: 'pass', weight: 19 },
        { name: 'b', verdict: 'low', weight: 1 },
      ],
      95,
      'pass',
    ],
    [
      [
        { name: 'a', verdict: 'pass' },
        { name: 'b', verdict: 'nodata' },
      ],
      100,
      'pass',
    ],
    [[{ name: 'a', verdict: 'nodata' }], 0, 'fail'],
    [
      [
        { name: 'a', verdict: 'pass', weight: 10 },
        { name: 'b', verdict: 'high', critical: true },
      ],
      0,
      'fail',
    ],
  ] as const)('%j → %d %s', (verdicts, score, classification) => {
    const r = canaryScore(verdicts);
    expect(r.score).toBeCloseTo(score, 9);
    expect(r.classification).toBe(classification);
  });

  it('explains a critical failure', () => {
    expect(canaryScore([{ name: 'errors', verdict: 'high', critical: true }]).reason).toBe(
      'critical metric errors failed (high)',
    );
  });
});

describe('canaryScore reasons', () => {
  it('names the thresholds and the failed metrics', () => {
    expect(
      canaryScore([
        { name: 'a', verdict: 'pass' },
        { name: 'b', verdict: 'high' },
        { name: 'c', verdict: 'pass' },
        { name: 'd', verdict: 'pass' },
        { name: 'e', verdict: 'nodata' },
      ]).reason,
    ).toBe('score 75.0 < pass 95, ≥ marginal 75; failed: b (high); 1 without data');
  });
});
