import { describe, expect, it } from 'vitest';
import { foreignDuration } from '../../../src-shared/interop/metric-mapping.ts';
import { importPlan } from '../../../src-shared/interop/interop.ts';
import { durationMs } from '../../../src-shared/plan/duration.ts';

describe('foreignDuration', () => {
  it.each([
    { value: 600, expected: '600s' },
    { value: 0.5, expected: '0.5s' },
    { value: '90', expected: '90s' },
    { value: '1h30m', expected: '1h30m' },
    // Numbers JavaScript writes with an exponent: found by the bad-input property test (5e-324 threw).
    { value: 5e-324, expected: '0ms' },
    { value: 1e-7, expected: '0ms' },
    { value: 1e21, expected: null },
    { value: -1, expected: null },
    { value: 'soon', expected: null },
  ])('$value → $expected', ({ value, expected }) => {
    const d = foreignDuration(value);
    expect(d).toBe(expected);
    if (d !== null) expect(Number.isFinite(durationMs(d))).toBe(true);
  });

  it('a runbook phase whose duration YAML reads as 5e-324 imports instead of throwing', () => {
    const text = [
      'canary_rollout:',
      '  phases:',
      '    - name: Initial Canary',
      '      weight: 10',
      '      duration: 5e-324',
      '      success_criteria:',
      '        error_rate: < 1%',
    ].join('\n');
    expect(() => importPlan(text, 'runbook')).not.toThrow();
  });
});
