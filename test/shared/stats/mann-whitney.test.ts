import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mannWhitneyU } from '../../../src-shared/stats/mann-whitney.ts';
import refs from './fixtures/reference-values.json' with { type: 'json' };

describe('mannWhitneyU against scipy.stats.mannwhitneyu (asymptotic, continuity-corrected)', () => {
  it.each(refs.mannWhitney.map((r, i) => ({ ...r, i })))('case $i', (ref) => {
    const r = mannWhitneyU(ref.canary, ref.baseline);
    expect(r.u).toBeCloseTo(ref.u, 9);
    expect(r.pValue).toBeCloseTo(ref.pValue, 9);
    expect(r.effectSize).toBeCloseTo(ref.effectSize, 9);
  });

  it('refuses empty or non-finite samples', () => {
    expect(() => mannWhitneyU([], [1])).toThrow('both samples need values, got 0 canary and 1 baseline');
    expect(() => mannWhitneyU([Number.NaN], [1])).toThrow('finite numbers only');
  });

  const values = fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 40 });

  it('p is in [0, 1]; swapping the samples keeps p and negates the effect', () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        const ab = mannWhitneyU(a, b);
        const ba = mannWhitneyU(b, a);
        expect(ab.pValue).toBeGreaterThanOrEqual(0);
        expect(ab.pValue).toBeLessThanOrEqual(1);
        expect(ab.pValue).toBeCloseTo(ba.pValue, 12);
        expect(ab.effectSize).toBeCloseTo(-ba.effectSize, 12);
        expect(ab.u + ab.uBaseline).toBe(a.length * b.length);
      }),
    );
  });

  it('shifting the canary upward never lowers its effect size', () => {
    fc.assert(
      fc.property(values, values, fc.integer({ min: 1, max: 20 }), (a, b, shift) => {
        expect(
          mannWhitneyU(
            a.map((v) => v + shift),
            b,
          ).effectSize,
        ).toBeGreaterThanOrEqual(mannWhitneyU(a, b).effectSize);
      }),
    );
  });
});
