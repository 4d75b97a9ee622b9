import { describe, expect, it } from 'vitest';
import type { HealthPoint } from '../../../src-shared/bridge/contract.ts';
import { trackColour, trackColourClass } from '../../../src-renderer/lib/traffic-colours.ts';
import {
  appendHealth,
  seriesColours,
  seriesKey,
  seriesVariant,
} from '../../../src-renderer/lib/timeline-series.ts';

const VERSION_COLOURS = ['v-1', 'v-2', 'v-3', 'v-4'];

const FIGURES = { p95Ms: 100, p99Ms: 200, rps: 50 };
/** A health point of `version`, of the users served `variant` when given. */
const point = (atMs: number, version: string, variant?: string, errorRate = 0.01): HealthPoint =>
  variant === undefined
    ? { atMs, version, errorRate, ...FIGURES }
    : { atMs, version, variant, errorRate, ...FIGURES };

describe('a flag ramp health: one series per variant', () => {
  it('splits a flag with deploy into its versions before the ramp and its variants during it', () => {
    const s = appendHealth(undefined, [
      point(1, 'v2.2.0'),
      point(1, 'v2.3.0'),
      point(2, 'v2.3.0', 'off', 0.01),
      point(2, 'v2.3.0', 'on', 0.3),
      point(3, 'v2.3.0', 'off', 0.02),
      point(3, 'v2.3.0', 'on', 0.31),
    ]).series;
    expect([...s.keys()]).toEqual(['v2.2.0', 'v2.3.0', 'variant off', 'variant on']);
    expect([...s.get('variant on')!.values.errorRate.subarray(0, 2)]).toEqual([0.3, 0.31]);
    expect([...s.get('variant off')!.values.errorRate.subarray(0, 2)]).toEqual([0.01, 0.02]);
    expect(s.get('v2.3.0')!.length).toBe(1);
  });

  it('names a series by its variant, and reads the variant back from the name', () => {
    expect(seriesKey(point(1, 'v2.3.0', 'on'))).toBe('variant on');
    expect(seriesKey(point(1, 'v2.3.0'))).toBe('v2.3.0');
    expect(seriesVariant('variant on')).toBe('on');
    expect(seriesVariant('v2.3.0')).toBeNull();
  });

  it('colours a variant as its exposure bar segment, versions as before', () => {
    const keys = ['v2.2.0', 'v2.3.0', 'variant off', 'variant on'];
    // The exposure bar lists the off variant first, then the new one.
    expect(seriesColours(keys, VERSION_COLOURS)).toEqual([
      'v-1',
      'v-2',
      'var(--series-1)',
      'var(--series-2)',
    ]);
    expect(trackColourClass('off', 0)).toBe('seg-0');
    expect(trackColourClass('on', 1)).toBe('seg-1');
    // Variants named like tracks keep the track's colour, as in the bar.
    expect(seriesColours(['variant control', 'variant treatment'], VERSION_COLOURS)).toEqual([
      trackColour('control', 0),
      'var(--series-2)',
    ]);
    expect(trackColour('control', 0)).toBe('#475569');
  });
});
