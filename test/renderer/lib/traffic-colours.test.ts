import { describe, expect, it } from 'vitest';
import { labelFits, trackColourClass } from '../../../src-renderer/lib/traffic-colours.ts';

describe('track colours follow the track', () => {
  it.each([
    ['blue', 1, 'track-blue'],
    ['green', 0, 'track-green'],
    ['stable', 1, 'track-stable'],
    ['canary', 0, 'track-canary'],
    ['treatment', 1, 'seg-1'],
  ])('%s (#%i) → %s', (track, i, cls) => expect(trackColourClass(track, i)).toBe(cls));
});

describe('labels inside the bar only when they fit', () => {
  it.each([
    ['canary 10 %'.length, 10, 400, false],
    ['canary 10 %'.length, 25, 400, true],
    ['stable 90 %'.length, 90, 200, true],
    ['green 100 %'.length, 100, 60, false],
  ])('%i chars at %i %% of %i px → %s', (chars, pct, px, fits) =>
    expect(labelFits(chars, pct, px)).toBe(fits),
  );
});
