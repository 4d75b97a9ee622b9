import { parser } from '@prometheus-io/lezer-promql';

/** Whether a query parses; when not, why, in words (line and column 1-based). */
export type QueryValidation = { ok: true } | { ok: false; message: string };

/**
 * Parses a PromQL expression with Prometheus's own grammar (lezer-promql) and reports the first
 * syntax error by line and column (both 1-based), with the text around it.
 */
export function validatePromql(query: string): QueryValidation {
  if (query.trim() === '') return { ok: false, message: 'The query is empty.' };
  const tree = parser.parse(query);
  let errorAt = -1;
  tree.iterate({
    enter: (node) => {
      if (errorAt >= 0) return false;
      if (node.type.isError) errorAt = node.from;
      return undefined;
    },
  });
  if (errorAt < 0) return { ok: true };
  return { ok: false, message: describeSyntaxError(query, errorAt) };
}

function describeSyntaxError(query: string, offset: number): string {
  const before = query.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  const where = `line ${line}, column ${column}`;
  if (query.slice(offset).trim() === '') return `PromQL syntax error at ${where}: the query ends too early.`;
  const near = query.slice(offset, offset + 20).split('\n')[0];
  return `PromQL syntax error at ${where}, near "${near}".`;
}
