import { describe, expect, it } from 'vitest';
import { sliceFor, viewAt } from '../../../src-renderer/components/use-visible-rows.ts';

const ROW = 33;
const HEIGHT = 680;

describe('the workload table window', () => {
  it('draws every row in view at every scroll position of 1,000 rows, and a few dozen rows at most', () => {
    const count = 1_000;
    for (let top = 0; top <= count * ROW - HEIGHT; top += 7) {
      const rows = sliceFor(viewAt(top, HEIGHT, ROW), count, ROW);
      expect(rows.first).toBeLessThanOrEqual(Math.floor(top / ROW));
      expect(rows.last).toBeGreaterThanOrEqual(Math.min(count, Math.ceil((top + HEIGHT) / ROW)));
      expect(rows.last - rows.first).toBeLessThan(60);
      // The spacers and the rows drawn add up to the whole list's height, so the scroll bar stays true.
      expect(rows.padTop + (rows.last - rows.first) * ROW + rows.padBottom).toBe(count * ROW);
    }
  });

  it('renders again only when the scroll enters another step of rows, not on every frame', () => {
    const views = new Set<number>();
    // Scrolling 2,000 px at 120 px a frame: 17 frames.
    for (let top = 0; top < 2_000; top += 120) views.add(viewAt(top, HEIGHT, ROW).top);
    expect(views.size).toBeLessThan(10);
    expect(views.size).toBeGreaterThan(1);
  });

  it('draws a short list whole, and nothing for an empty one', () => {
    expect(sliceFor(viewAt(0, HEIGHT, ROW), 5, ROW)).toEqual({ first: 0, last: 5, padTop: 0, padBottom: 0 });
    expect(sliceFor(viewAt(0, HEIGHT, ROW), 0, ROW)).toEqual({ first: 0, last: 0, padTop: 0, padBottom: 0 });
  });
});
