import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { abRecommendation, sampleSize, twoProportionTest } from '../../../src-shared/stats/proportions.ts';
import refs from './fixtures/reference-values.json' with { type: 'json' };

describe('twoProportionTest against scipy (fixtures/generate-references.py)', () => {
  it.each(refs.twoProportion)('control $control treatment $treatment at $confidence', (ref) => {
    const r = twoProportionTest(
      { successes: ref.control[0]!, total: ref.control[1]! },
      { successes: ref.treatment[0]!, total: ref.treatment[1]! },
      ref.confidence,
    );
    expect(r.pValue).toBeCloseTo(ref.pValue, 9);
    expect(r.z * r.z).toBeCloseTo(ref.zSquared, 6);
    expect(r.ciLow).toBeCloseTo(ref.ciLow, 9);
    expect(r.ciHigh).toBeCloseTo(ref.ciHigh, 9);
    expect(r.lift).toBeCloseTo(ref.lift, 9);
    expect(r.significant).toBe(ref.pValue < 1 - ref.confidence);
  });

  it('follows the runbook rule: deploy above +5 %, reject below -5 %, else continue', () => {
    expect(
      twoProportionTest({ successes: 1000, total: 10000 }, { successes: 1100, total: 10000 }).recommendation,
    ).toBe('deploy');
    expect(
      twoProportionTest({ successes: 500, total: 5000 }, { successes: 430, total: 5000 }, 0.95)
        .recommendation,
    ).toBe('reject');
    expect(
      twoProportionTest({ successes: 48, total: 1000 }, { successes: 52, total: 1000 }).recommendation,
    ).toBe('continue');
  });

  it.each([
    [true, 0.06, 'deploy'],
    [true, 0.05, 'continue'],
    [true, -0.05, 'continue'],
    [true, -0.051, 'reject'],
    [false, 0.5, 'continue'],
    [true, null, 'continue'],
  ] as const)('significant %s lift %s → %s', (significant, lift, expected) => {
    expect(abRecommendation(significant, lift)).toBe(expected);
  });

  it('has no lift without control conversions and p = 1 when nothing converts', () => {
    const r = twoProportionTest({ successes: 0, total: 100 }, { successes: 0, total: 100 });
    expect(r).toMatchObject({ lift: null, pValue: 1, significant: false, recommendation: 'continue' });
  });

  it.each([
    [
      { successes: 5, total: 0 },
      { successes: 1, total: 10 },
      0.95,
      'control total must be a whole number above 0, got 0',
    ],
    [
      { successes: 5, total: 10 },
      { successes: 11, total: 10 },
      0.95,
      'treatment conversions must be a whole number between 0 and 10, got 11',
    ],
    [
      { successes: 5, total: 10 },
      { successes: 1, total: 10 },
      95,
      'confidence must be between 0 and 1 (e.g. 0.95), got 95',
    ],
  ])('refuses bad input with a sentence', (c, t, conf, message) => {
    expect(() => twoProportionTest(c, t, conf)).toThrow(message);
  });

  const sample = fc
    .integer({ min: 1, max: 100_000 })
    .chain((total) =>
      fc.record({ successes: fc.integer({ min: 0, max: total }), total: fc.constant(total) }),
    );

  it('p is in [0, 1] and the test is symmetric when the variants swap', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = twoProportionTest(a, b);
        const ba = twoProportionTest(b, a);
        expect(ab.pValue).toBeGreaterThanOrEqual(0);
        expect(ab.pValue).toBeLessThanOrEqual(1);
        expect(ab.pValue).toBeCloseTo(ba.pValue, 12);
        expect(ab.ciLow).toBeCloseTo(-ba.ciHigh, 12);
        expect(ab.ciLow).toBeLessThanOrEqual(ab.difference);
        expect(ab.ciHigh).toBeGreaterThanOrEqual(ab.difference);
      }),
    );
  });

  it('a larger difference at the same sizes never has a larger p-value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 10_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 50 }),
        (n, rate, step) => {
          const c = Math.floor(n * rate * 0.5);
          const near = twoProportionTest(
            { successes: c, total: n },
            { successes: Math.min(n, c + step), total: n },
          );
          const far = twoProportionTest(
            { successes: c, total: n },
            { successes: Math.min(n, c + step + 1), total: n },
          );
          expect(far.pValue).toBeLessThanOrEqual(near.pValue + 1e-12);
        },
      ),
    );
  });

  it('a higher confidence widens the interval', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const r95 = twoProportionTest(a, b, 0.95);
        const r99 = twoProportionTest(a, b, 0.99);
        expect(r99.ciHigh - r99.ciLow).toBeGreaterThanOrEqual(r95.ciHigh - r95.ciLow);
      }),
    );
  });
});

describe('sampleSize against the textbook formula evaluated with scipy', () => {
  it.each(refs.sampleSize)('baseline $baseline mde $mde confidence $confidence power $power', (ref) => {
    const r = sampleSize(ref.baseline, ref.mde, { confidence: ref.confidence, power: ref.power });
    expect(r).toEqual({ perVariant: ref.perVariant, days: null });
    // The reference shows this n is the smallest that reaches the power.
    expect(ref.powerAtN).toBeGreaterThanOrEqual(ref.power);
    expect(ref.powerAtNMinus1).toBeLessThan(ref.power);
  });

  it('matches the classic figure of 3841 per group for 10 % → 12 % (Fleiss, no continuity correction)', () => {
    expect(sampleSize(0.1, 0.2).perVariant).toBe(3841);
  });

  it('turns traffic into whole days', () => {
    // 31234 per variant at 0.1 rps = 8640 per day → 3.6 days → 4.
    expect(sampleSize(0.05, 0.1, { trafficPerVariantPerSecond: 0.1 })).toEqual({
      perVariant: 31234,
      days: 4,
    });
  });

  it.each([
    [0, 0.1, {}, 'baseline rate must be between 0 and 1'],
    [0.1, 0, {}, 'minimum detectable effect must be a relative change other than 0'],
    [0.6, 1, {}, 'outside 0..1'],
    [0.1, 0.1, { power: 1 }, 'power must be between 0 and 1'],
    [0.1, 0.1, { trafficPerVariantPerSecond: 0 }, 'traffic per variant must be above 0'],
  ])('refuses baseline %s mde %s %j', (b, m, o, message) => {
    expect(() => sampleSize(b, m, o)).toThrow(message);
  });

  it('needs more samples for smaller effects and more power', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        fc.double({ min: 0.02, max: 0.5, noNaN: true }),
        (base, mde) => {
          const n = sampleSize(base, mde).perVariant;
          expect(sampleSize(base, mde * 0.9).perVariant).toBeGreaterThanOrEqual(n);
          expect(sampleSize(base, mde, { power: 0.9 }).perVariant).toBeGreaterThanOrEqual(n);
          expect(sampleSize(base, mde, { confidence: 0.99 }).perVariant).toBeGreaterThanOrEqual(n);
        },
      ),
    );
  });
});
