import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ReleasePlanSchema, type ReleasePlan } from './plan.schema.ts';

/** The outcome of `parsePlan`: the plan with defaults applied, or every problem as `path: plain message`. */
export type PlanParseResult = { ok: true; plan: ReleasePlan } | { ok: false; errors: string[] };

/**
 * Parses YAML or JSON text into a document; syntax errors come back as `line L, column C: message`, all of them.
 */
export function parseYamlText(text: string): { ok: true; value: unknown } | { ok: false; errors: string[] } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const msg = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
        return pos ? `line ${pos.line}, column ${pos.col}: ${msg}` : msg;
      }),
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    // toJS rejects what the parser lets through: aliases without anchors, alias bombs.
    return { ok: false, errors: [err instanceof Error ? err.message : String(err)] };
  }
}

/**
 * Parses and validates a release plan from YAML or JSON text, or from an already parsed object.
 * Never throws: returns the plan with the runbook defaults applied, or every problem as
 * `path: plain message` (e.g. `strategy.steps[2].setWeight: must be between 0 and 100, got 140`).
 */
export function parsePlan(input: string | unknown): PlanParseResult {
  let value: unknown = input;
  if (typeof input === 'string') {
    const text = parseYamlText(input);
    if (!text.ok) return text;
    value = text.value;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errors: ['a plan must be a mapping with name, target, router and strategy'] };
  }
  const result = ReleasePlanSchema.safeParse(value);
  if (result.success) return { ok: true, plan: result.data };
  return { ok: false, errors: formatIssues(result.error.issues, value) };
}

/** Formats zod issues as `path: message` lines, adding the offending value (`got 140`) where it helps. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  const lines = issues.map((issue) => {
    const path = formatPath(issue.path);
    const got = valueAt(input, issue.path);
    return path ? `${path}: ${describeIssue(issue, got)}` : describeIssue(issue, got);
  });
  return [...new Set(lines)];
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  return String(v);
}

function describeIssue(issue: z.core.$ZodIssue, got: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (got === undefined) return 'is required';
      return `${issue.message.startsWith('Invalid input') ? `must be ${article(issue.expected)}` : issue.message}, got ${show(got)}`;
    case 'too_big':
    case 'too_small':
      if (issue.origin === 'array') return `${issue.message}, got ${Array.isArray(got) ? got.length : 0}`;
      if (issue.origin === 'string') return issue.message;
      return `${issue.message}, got ${show(got)}`;
    case 'invalid_value':
      if (!issue.message.startsWith('Invalid')) return `${issue.message}, got ${show(got)}`;
      return `must be ${issue.values.length === 1 ? show(issue.values[0]) : `one of ${issue.values.map((v) => String(v)).join(', ')}`}, got ${show(got)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) {
        return got === undefined
          ? `is required (one of ${issue.options.map(String).join(', ')})`
          : `must be one of ${issue.options.map(String).join(', ')}, got ${show(got)}`;
      }
      return `does not match any allowed form, got ${show(got)}`;
    case 'invalid_format':
    case 'custom':
    default:
      return got !== undefined && issue.code !== 'custom' && typeof got !== 'object'
        ? `${issue.message}, got ${show(got)}`
        : issue.message;
  }
}

function article(expected: string): string {
  const words: Record<string, string> = {
    number: 'a number',
    string: 'a text',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping',
  };
  return words[expected] ?? `a ${expected}`;
}
