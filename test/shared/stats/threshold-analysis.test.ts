import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assessMeasurements,
  classifyMeasurement,
  combineStatuses,
  type MeasurementOutcome,
} from '../../../src-shared/stats/threshold-analysis.ts';

const S: MeasurementOutcome = 'success';
const F: MeasurementOutcome = 'failure';
const I: MeasurementOutcome = 'inconclusive';
const E: MeasurementOutcome = 'error';
const rules = { count: 5, failureLimit: 3, inconclusiveLimit: 0, consecutive: false };

describe('assessMeasurements counts as Argo Rollouts does', () => {
  it.each([
    ['nothing measured yet', rules, [], 'running', '0 of 5 measurements taken, failed 0 ≤ failureLimit 3'],
    [
      'three failures are within the limit',
      rules,
      [F, F, S, F],
      'running',
      '4 of 5 measurements taken, failed 3 ≤ failureLimit 3',
    ],
    ['the fourth failure exceeds the limit', rules, [F, S, F, F, F], 'failed', 'failed 4 > failureLimit 3'],
    [
      'count reached with failures within the limit',
      rules,
      [F, S, F, S, F],
      'successful',
      '5 of 5 measurements taken, failed 3 ≤ failureLimit 3',
    ],
    [
      'a failure with failureLimit 0 fails at once',
      { ...rules, failureLimit: 0 },
      [F],
      'failed',
      'failed 1 > failureLimit 0',
    ],
    [
      'no data with inconclusiveLimit 0',
      rules,
      [S, I],
      'inconclusive',
      'inconclusive 1 > inconclusiveLimit 0',
    ],
    [
      'no data within inconclusiveLimit 2',
      { ...rules, inconclusiveLimit: 2 },
      [I, I, S],
      'running',
      '3 of 5 measurements taken, failed 0 ≤ failureLimit 3',
    ],
    [
      'failures win over inconclusive',
      { ...rules, failureLimit: 0 },
      [I, F],
      'failed',
      'failed 1 > failureLimit 0',
    ],
    [
      'five consecutive errors',
      rules,
      [E, E, E, E, E],
      'failed',
      '5 consecutive errors > consecutiveErrorLimit 4',
    ],
    [
      'errors reset by a success',
      { ...rules, count: 10 },
      [E, E, E, E, S, E],
      'running',
      '6 of 10 measurements taken, failed 0 ≤ failureLimit 3',
    ],
    [
      'consecutive: scattered failures pass',
      { ...rules, count: 8, failureLimit: 2, consecutive: true },
      [F, F, S, F, F, S, F, S],
      'successful',
      '8 of 8 measurements taken, 2 consecutive failures ≤ failureLimit 2',
    ],
    [
      'consecutive: a run of three fails',
      { ...rules, count: 8, failureLimit: 2, consecutive: true },
      [F, S, F, F, F],
      'failed',
      '3 consecutive failures > failureLimit 2',
    ],
    [
      'total: the same scattered failures fail',
      { ...rules, count: 8, failureLimit: 2 },
      [F, F, S, F],
      'failed',
      'failed 3 > failureLimit 2',
    ],
  ] as const)('%s', (_label, r, outcomes, status, reason) => {
    const v = assessMeasurements(r, outcomes);
    expect(v.status).toBe(status);
    expect(v.reason).toBe(reason);
  });

  it('reports the counters', () => {
    expect(assessMeasurements(rules, [S, F, I, E, F])).toMatchObject({
      measured: 5,
      successes: 1,
      failures: 2,
      inconclusive: 1,
      errors: 1,
      consecutiveFailures: 1,
    });
  });

  const outcome = fc.constantFrom<MeasurementOutcome>(S, F, I, E);
  const anyRules = fc.record({
    count: fc.integer({ min: 1, max: 12 }),
    failureLimit: fc.integer({ min: 0, max: 5 }),
    inconclusiveLimit: fc.integer({ min: 0, max: 5 }),
    consecutive: fc.boolean(),
  });

  it('once failed, more measurements never make it pass', () => {
    fc.assert(
      fc.property(
        anyRules,
        fc.array(outcome, { maxLength: 20 }),
        fc.array(outcome, { maxLength: 5 }),
        (r, xs, more) => {
          if (assessMeasurements(r, xs).status === 'failed')
            expect(assessMeasurements(r, [...xs, ...more]).status).toBe('failed');
        },
      ),
    );
  });

  it('all successes are running before count and successful from count on', () => {
    fc.assert(
      fc.property(anyRules, fc.integer({ min: 0, max: 15 }), (r, n) => {
        expect(assessMeasurements(r, Array<MeasurementOutcome>(n).fill(S)).status).toBe(
          n >= r.count ? 'successful' : 'running',
        );
      }),
    );
  });
});

describe('classifyMeasurement', () => {
  it.each([
    [0.004, '<', 0.01, 'success'],
    [0.01, '<', 0.01, 'failure'],
    [0.01, '<=', 0.01, 'success'],
    [0.96, '>=', 0.95, 'success'],
    [null, '<', 1, 'inconclusive'],
    [Number.NaN, '<', 1, 'inconclusive'],
    [undefined, '>', 1, 'inconclusive'],
    [Number.POSITIVE_INFINITY, '<', 500, 'failure'],
  ] as const)('%s %s %s → %s', (value, op, threshold, expected) => {
    expect(classifyMeasurement(value, { op, threshold })).toBe(expected);
  });
});

describe('combineStatuses', () => {
  it.each([
    [['successful', 'failed', 'running'], 'failed'],
    [['successful', 'inconclusive', 'running'], 'inconclusive'],
    [['successful', 'running'], 'running'],
    [['successful', 'successful'], 'successful'],
  ] as const)('%j → %s', (statuses, expected) => {
    expect(combineStatuses(statuses)).toBe(expected);
  });
});
