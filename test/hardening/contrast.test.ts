import { describe, expect, it } from 'vitest';
import { composite, contrastRatio, parseCssColour } from '../support/contrast.ts';

// The themes test judges text contrast with these helpers, so the arithmetic is checked against WCAG's own figures.
describe('contrast arithmetic', () => {
  it.each([
    ['rgb(0, 0, 0)', 'rgb(255, 255, 255)', 21],
    ['rgb(255, 255, 255)', 'rgb(255, 255, 255)', 1],
    ['rgb(119, 119, 119)', 'rgb(255, 255, 255)', 4.48],
    ['rgb(118, 118, 118)', 'rgb(255, 255, 255)', 4.54],
    ['rgb(37 99 235)', 'rgb(255 255 255)', 5.17],
  ])('%s on %s is %f:1', (fg, bg, ratio) => {
    expect(contrastRatio(parseCssColour(fg), parseCssColour(bg))).toBeCloseTo(ratio, 2);
  });

  it('paints a translucent colour over what is beneath it', () => {
    const half = composite(parseCssColour('rgba(0, 0, 0, 0.5)'), parseCssColour('rgb(255, 255, 255)'));
    expect(half).toEqual({ r: 127.5, g: 127.5, b: 127.5, a: 1 });
  });

  it('refuses a colour it cannot read rather than guessing', () => {
    expect(() => parseCssColour('oklch(0.5 0.1 200)')).toThrow(/not a computed rgb\(\) colour/);
  });
});
