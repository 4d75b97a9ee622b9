import { describe, expect, it } from 'vitest';
import {
  elapsedMs,
  formatDuration,
  formatValue,
  remainingMs,
  unitOfMetric,
} from '../../../src-renderer/lib/format.ts';

describe('format', () => {
  it.each([
    [0, '0 s'],
    [-5, '0 s'],
    [45_999, '45 s'],
    [185_000, '3 min 5 s'],
    [7_440_000, '2 h 4 min'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
  it.each([
    [null, 'ratio', 'no data'],
    [0.0123, 'ratio', '1.23 %'],
    [0.0010000000000000002, 'ratio', '0.1 %'],
    [412.6, 'ms', '412.6 ms'],
    [3, 'count', '3'],
    [2.34567, 'count', '2.346'],
    [Number.NaN, 'ms', 'no data'],
  ])('%s %s reads %s', (v, unit, text) => {
    expect(formatValue(v, unit)).toBe(text);
  });
  it.each([
    ['error-rate', 'ratio'],
    ['success-rate', 'ratio'],
    ['p95-latency', 'ms'],
    ['latency-p99', 'ms'],
    ['pod-restarts', 'count'],
  ])('%s is a %s', (metric, unit) => {
    expect(unitOfMetric(metric)).toBe(unit);
  });
  it.each([
    [null, null, 100, null],
    [10, null, 100, 90],
    [10, 50, 100, 40],
  ])('elapsed from %s to %s at %i is %s', (start, end, now, out) => {
    expect(elapsedMs(start, end, now)).toBe(out);
  });
  it.each([
    [null, 100, null],
    [150, 100, 50],
    [50, 100, 0],
  ])('remaining until %s at %i is %s', (until, now, out) => {
    expect(remainingMs(until, now)).toBe(out);
  });
});
