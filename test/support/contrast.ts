import type { Page } from 'playwright-core';

/** An sRGB colour with alpha, each channel 0..255, alpha 0..1. */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** Parses a computed CSS colour (`rgb(r, g, b)`, `rgba(r, g, b, a)`, or the space-separated form). */
export function parseCssColour(css: string): Rgba {
  const m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(css.trim());
  if (!m) throw new Error(`not a computed rgb() colour: "${css}"`);
  const alpha = m[4] === undefined ? 1 : m[4].endsWith('%') ? Number(m[4].slice(0, -1)) / 100 : Number(m[4]);
  return { r: Number(m[1]), g: Number(m[2]), b: Number(m[3]), a: alpha };
}

/** `top` painted over the opaque `bottom` (source-over). */
export function composite(top: Rgba, bottom: Rgba): Rgba {
  const mix = (t: number, b: number): number => t * top.a + b * (1 - top.a);
  return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a: 1 };
}

/** WCAG 2 relative luminance of an opaque colour, 0 (black) .. 1 (white). */
export function luminance({ r, g, b }: Rgba): number {
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio of two opaque colours, 1 .. 21. */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** A piece of text on the page with its colour and the background colours beneath it, innermost first. */
interface PaintedText {
  text: string;
  colour: string;
  backgrounds: string[];
}

/** Text on the page whose contrast with what is painted beneath it is below `minimum`, described for people. */
export interface LowContrast {
  text: string;
  ratio: number;
  colour: string;
  background: string;
}

/**
 * Every visible HTML element with text of its own, in an enabled control or none, with its computed text
 * colour and its ancestors' background colours (background images, such as the intended split's hatching,
 * are not counted; SVG text is drawn with fill and is not checked here). A string: it runs in the page, and
 * the node typecheck has no DOM types.
 */
const PAINTED_TEXTS = `(() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT);
  for (let el = walker.nextNode(); el; el = walker.nextNode()) {
    if (!(el instanceof HTMLElement) || el.closest('svg, option, [aria-hidden="true"]')) continue;
    if (el.closest(':disabled, [aria-disabled="true"]')) continue;
    const own = [...el.childNodes]
      .filter((c) => c.nodeType === Node.TEXT_NODE)
      .map((c) => c.textContent || '')
      .join('')
      .trim();
    if (own === '' || el.getClientRects().length === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || Number(style.opacity) === 0) continue;
    const backgrounds = [];
    for (let up = el; up; up = up.parentElement) backgrounds.push(getComputedStyle(up).backgroundColor);
    out.push({ text: own.slice(0, 60), colour: style.color, backgrounds });
  }
  return out;
})()`;

async function paintedTexts(page: Page): Promise<PaintedText[]> {
  return page.evaluate<PaintedText[]>(PAINTED_TEXTS);
}

/** The page's text that has less than `minimum`:1 contrast with the background it is painted on. */
export async function lowContrastText(page: Page, minimum = 4.5): Promise<LowContrast[]> {
  const low: LowContrast[] = [];
  for (const t of await paintedTexts(page)) {
    const background = t.backgrounds
      .map(parseCssColour)
      .reverse()
      .reduce((under, layer) => composite(layer, under), { r: 255, g: 255, b: 255, a: 1 });
    const ratio = contrastRatio(composite(parseCssColour(t.colour), background), background);
    if (ratio < minimum) {
      const hex = (c: Rgba): string => `rgb(${[c.r, c.g, c.b].map(Math.round).join(', ')})`;
      low.push({
        text: t.text,
        ratio: Math.round(ratio * 100) / 100,
        colour: t.colour,
        background: hex(background),
      });
    }
  }
  return low;
}

/** The page's own background colour (the root element's). */
export async function pageBackground(page: Page): Promise<Rgba> {
  return parseCssColour(
    await page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor'),
  );
}
