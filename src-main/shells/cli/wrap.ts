/**
 * Wraps `text` at `width` columns on spaces, continuation lines indented by `indent`. A word longer than a line
 * (a PromQL query without spaces) stays whole, so it can still be copied; `width` undefined means no wrapping.
 */
export function wrapLine(text: string, width: number | undefined, indent = '    '): string[] {
  if (width === undefined || text.length <= width) return [text];
  const lead = /^\s*/.exec(text)?.[0] ?? '';
  const words = text.slice(lead.length).split(' ');
  const lines: string[] = [];
  let line = lead;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** Cuts `text` to one line of `width` columns, ending with `…` when cut (for a line rewritten in place). */
export function fitLine(text: string, width: number): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length <= width ? one : `${one.slice(0, Math.max(0, width - 1))}…`;
}
