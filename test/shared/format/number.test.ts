import { describe, expect, it } from 'vitest';
import {
  formatMetricValue,
  formatNumber,
  formatPercent,
  formatThreshold,
  formatWeights,
  unitOfMetric,
} from '../../../src-shared/format/number.ts';

describe('formatNumber', () => {
  it.each([
    [0.0010000000000000002, '0.001'],
    [185.52546136328547, '185.5'],
    [12345.6, '12,350'],
    [3, '3'],
    [-0.00000001, '-0.00000001'],
    [0, '0'],
    [null, 'no value'],
    [Number.NaN, 'no value'],
  ])('%s → %s', (value, text) => expect(formatNumber(value)).toBe(text));
});

describe('formatMetricValue shows the unit, ratios as percent', () => {
  it.each([
    [0.0010000000000000002, 'ratio', '0.1 %'],
    [0.021, 'ratio', '2.1 %'],
    [0.07, 'ratio', '7 %'],
    [1, 'ratio', '100 %'],
    [185.52546136328547, 'ms', '185.5 ms'],
    [12_345, 'ms', '12.35 s'],
    [3, 'count', '3'],
    [0.123456, 'none', '0.1235'],
    [null, 'ratio', 'no value'],
  ] as const)('%s %s → %s', (value, unit, text) => expect(formatMetricValue(value, unit)).toBe(text));
});

describe('thresholds read in the samples’ unit', () => {
  it.each([
    ['<', 0.02, 'ratio', '< 2 %'],
    ['>', 0.8, 'ratio', '> 80 %'],
    ['<=', 500, 'ms', '<= 500 ms'],
    ['>', 3, 'count', '> 3'],
  ] as const)('%s %s %s → %s', (op, t, unit, text) => expect(formatThreshold(op, t, unit)).toBe(text));
});

describe('unitOfMetric', () => {
  it.each([
    ['error-rate', 'ratio'],
    ['success-rate', 'ratio'],
    ['saturation', 'ratio'],
    ['latency-p95', 'ms'],
    ['checkout-p99', 'ms'],
    ['pod-restarts', 'count'],
    ['conversion', 'none'],
  ])('%s → %s', (metric, unit) => expect(unitOfMetric(metric)).toBe(unit));
});

describe('weights', () => {
  it.each([
    [{ stable: 90, canary: 10 }, 'stable 90 % · canary 10 %'],
    [{ blue: 33.33333, green: 66.66667 }, 'blue 33.33 % · green 66.67 %'],
    [null, 'not read yet'],
    [{}, 'not read yet'],
  ])('%j → %s', (w, text) => expect(formatWeights(w)).toBe(text));
  it('formats a single share', () => expect(formatPercent(12.5)).toBe('12.5 %'));
});
