import { describe, expect, it } from 'vitest';
import { cli } from '../../support/cli.ts';
import refs from '../../shared/stats/fixtures/reference-values.json' with { type: 'json' };

describe('switchyard ab-test analyze', () => {
  it('prints the runbook analysis as JSON, matching scipy', async () => {
    const ref = refs.twoProportion[0]!;
    const r = await cli([
      'ab-test',
      'analyze',
      '--control',
      ref.control.join('/'),
      '--treatment',
      ref.treatment.join('/'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['pValue', 'ciLow', 'ciHigh', 'lift', 'significant', 'recommendation']);
    expect(out.pValue).toBeCloseTo(ref.pValue, 9);
    expect(out.ciLow).toBeCloseTo(ref.ciLow, 9);
    expect(out.ciHigh).toBeCloseTo(ref.ciHigh, 9);
    expect(out).toMatchObject({ significant: true, recommendation: 'deploy' });
    expect(out.lift).toBeCloseTo(0.1, 9);
  });

  it.each([
    ['500/5000', '430/5000', 'reject'],
    ['48/1000', '52/1000', 'continue'],
  ])('%s vs %s → %s', async (control, treatment, recommendation) => {
    const r = await cli(['ab-test', 'analyze', '--control', control, '--treatment', treatment, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ recommendation });
  });

  it('honours --confidence (a 99 % level makes p = 0.0211 not significant)', async () => {
    const r = await cli([
      'ab-test',
      'analyze',
      '--control',
      '1000/10000',
      '--treatment',
      '1100/10000',
      '--confidence',
      '0.99',
      '--json',
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({ significant: false, recommendation: 'continue' });
  });

  it('prints a readable summary', async () => {
    const r = await cli(['ab-test', 'analyze', '--control', '1000/10000', '--treatment', '1100/10000']);
    expect(r.stdout).toBe(
      'control 10.00 %, treatment 11.00 %, lift +10.00 %\np-value 0.02108 (significant at 0.95)\n95 % CI of the difference: 0.15 % to 1.85 %\nrecommendation: deploy\n',
    );
  });

  it('lists every bad value at once', async () => {
    const r = await cli(['ab-test', 'analyze', '--control', '12', '--treatment', '5/3', '--confidence', '2']);
    expect(r.code).toBe(64);
    expect(r.stderr.trim().split('\n')).toEqual([
      'error: --control must be CONVERSIONS/TOTAL such as 120/1000, got "12"',
      'error: --treatment needs 0 ≤ conversions ≤ total and total above 0, got "5/3"',
      'error: --confidence must be a number above 0 and below 1 (a ratio, or a percentage like 5%), got "2"',
    ]);
  });

  it('needs both samples', async () => {
    const r = await cli(['ab-test', 'analyze', '--control', '1/10']);
    expect(r).toMatchObject({ code: 64, stderr: 'error: missing --treatment <c/n>\n' });
  });
});

describe('switchyard ab-test size', () => {
  it.each(refs.sampleSize)('baseline $baseline mde $mde confidence $confidence power $power', async (ref) => {
    const r = await cli([
      'ab-test',
      'size',
      '--baseline',
      String(ref.baseline),
      '--mde',
      String(ref.mde),
      '--confidence',
      String(ref.confidence),
      '--power',
      String(ref.power),
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ perVariant: ref.perVariant, days: null });
  });

  it('accepts percentages and turns traffic into days', async () => {
    const r = await cli([
      'ab-test',
      'size',
      '--baseline',
      '10%',
      '--mde',
      '20%',
      '--rps-per-variant',
      '0.01',
      '--json',
    ]);
    // 3841 / (0.01 × 86400 = 864 per day) = 4.4 → 5 days.
    expect(JSON.parse(r.stdout)).toEqual({ perVariant: 3841, days: 5 });
  });

  it('names both missing flags', async () => {
    const r = await cli(['ab-test', 'size']);
    expect(r).toMatchObject({
      code: 64,
      stderr: 'error: missing --baseline <rate>\nerror: missing --mde <relative>\n',
    });
  });

  it('refuses impossible rates', async () => {
    const r = await cli(['ab-test', 'size', '--baseline', '0.6', '--mde', '1']);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe('error: baseline 0.6 changed by 1 gives a rate of 1.2, outside 0..1\n');
  });
});
