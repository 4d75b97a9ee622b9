import { describe, expect, it } from 'vitest';
import {
  formatDateTime,
  formatIsoDateTime,
  formatTime,
  monotonicTimes,
} from '../../../src-shared/format/time.ts';
import { trendDirection, trendWords } from '../../../src-shared/format/trend.ts';

const at = Date.UTC(2026, 11, 6, 13, 3, 25);

describe('formatTime: one format, the zone named, simulated time labelled', () => {
  it.each([
    ['Europe/Paris', '14:03:25 CET'],
    ['UTC', '13:03:25 UTC'],
    ['America/New_York', '08:03:25 EST'],
    ['Asia/Kolkata', '18:33:25 GMT+5:30'],
  ])('%s → %s', (timeZone, text) => expect(formatTime(at, { timeZone })).toBe(text));
  it('labels the sandbox clock and names no zone', () =>
    expect(formatTime(at, { simulated: true, timeZone: 'UTC' })).toBe('sim 13:03:25'));
  it('adds the date', () => {
    expect(formatDateTime(at, { timeZone: 'Europe/Paris' })).toBe('2026-12-06 14:03:25 CET');
    expect(formatDateTime(at, { timeZone: 'UTC', simulated: true })).toBe('sim 2026-12-06 13:03:25');
  });
  it.each([
    ['2026-12-06T13:03:25.000Z', '2026-12-06 14:03:25 CET'],
    ['2026-12-06T13:03:25Z', '2026-12-06 14:03:25 CET'],
    ['not a time', 'not a time'],
  ])('reads the ISO time %j as %j', (iso, text) =>
    expect(formatIsoDateTime(iso, { timeZone: 'Europe/Paris' })).toBe(text),
  );
});

describe('monotonicTimes', () => {
  it('never shows a time earlier than one already shown', () => {
    const t = monotonicTimes({ timeZone: 'UTC' });
    expect([at, at + 5_000, at + 2_000, at + 6_000].map(t)).toEqual([
      '13:03:25 UTC',
      '13:03:30 UTC',
      '13:03:30 UTC',
      '13:03:31 UTC',
    ]);
  });
});

describe('trend', () => {
  it.each([
    [[0.021, 0.05, 0.07], 'ratio', '2.1 % → 7 %, rising'],
    [[0.07, 0.021], 'ratio', '7 % → 2.1 %, falling'],
    [[185.52546, 185.5254, 186], 'ms', '185.5 ms → 186 ms, steady'],
    [[0.0010000000000000002, 0.001], 'ratio', '0.1 %, steady'],
    [[0.001], 'ratio', '0.1 %'],
    [[null, null], 'ratio', 'no values'],
  ] as const)('%j → %s', (values, unit, text) => expect(trendWords(values, unit)).toBe(text));
  it('a level series is steady', () => expect(trendDirection([0, 0, 0])).toBe('steady'));
});
