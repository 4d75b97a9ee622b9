import { describe, expect, it } from 'vitest';
import { fitLine, wrapLine } from '../../../src-main/shells/cli/wrap.ts';

describe('wrapLine', () => {
  it.each([
    ['short line', 20, ['short line']],
    ['one two three four five six', 10, ['one two', '  three', '  four', '  five six']],
    ['  lead kept on the first line only', 16, ['  lead kept on', '  the first line', '  only']],
    [
      'query sum(rate(http_requests_total{job="a",status=~"5.."}[30s]))',
      20,
      ['query', '  sum(rate(http_requests_total{job="a",status=~"5.."}[30s]))'],
    ],
  ])('%s at %i', (text, width, lines) => expect(wrapLine(text, width, '  ')).toEqual(lines));
  it('does not wrap without a width', () => expect(wrapLine('x '.repeat(600), undefined)).toHaveLength(1));
  it('never leaves a line longer than the width unless one word is', () => {
    const lines = wrapLine('evidence '.repeat(120), 80);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
  });
});

describe('fitLine', () => {
  it.each([
    ['fits', 10, 'fits'],
    ['a line far too long', 10, 'a line fa…'],
    ['two\nlines', 20, 'two lines'],
  ])('%s at %i → %s', (text, width, out) => expect(fitLine(text, width)).toBe(out));
});
