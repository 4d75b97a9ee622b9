import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatPlanDuration,
  formatRelative,
  heldWords,
} from '../../../src-shared/format/duration.ts';

describe('formatDuration: the two largest parts, units named', () => {
  it.each([
    [0, '0 s'],
    [-5, '0 s'],
    [450, '450 ms'],
    [45_000, '45 s'],
    [136_000, '2 min 16 s'],
    [120_000, '2 min'],
    [3_840_000, '1 h 4 min'],
    [3_600_000 + 59_000, '1 h'],
    [(3 * 24 + 2) * 3_600_000, '3 d 2 h'],
    [59_600, '1 min'],
  ])('%s ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('plan durations and held-for', () => {
  it.each([
    ['2m', '2 min'],
    ['1h30m', '1 h 30 min'],
    ['30s', '30 s'],
    ['soon', 'soon'],
  ])('%s → %s', (text, words) => expect(formatPlanDuration(text)).toBe(words));
  it('says how long of how long', () => {
    expect(heldWords(136_000, '2m')).toBe('held 2 min 16 s of 2 min');
    expect(heldWords(120_000, 120_000)).toBe('held 2 min of 2 min');
  });
});

describe('formatRelative', () => {
  const now = Date.UTC(2026, 11, 6, 12);
  it.each([
    [now, 'now'],
    [now - 20_000, '20 seconds ago'],
    [now - 180_000, '3 minutes ago'],
    [now + 7_200_000, 'in 2 hours'],
    [now - 86_400_000, 'yesterday'],
  ])('%s → %s', (ms, text) => expect(formatRelative(ms, now)).toBe(text));
});
