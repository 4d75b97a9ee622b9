import type { Schema } from './openapi-schema.ts';
import { deref } from './schemas.ts';

/** What a check of an object against its schema found. */
export interface FieldProblems {
  /** Fields the schema does not declare, as the API server names them (`spec.template.spec.containers[0].imagePullPolicyy`). */
  readonly unknown: string[];
  /** Values of the wrong type. */
  readonly wrongType: WrongType[];
  /** Required fields left out (outside `status`), as paths (`spec.template.spec.containers[0].name`). */
  readonly missing: string[];
  /** Where each unknown field sits, so it can be dropped as the API server's decoder drops it. */
  readonly unknownAt: { readonly parent: Record<string, unknown>; readonly key: string }[];
}

export interface WrongType {
  /** Field path with indices (`spec.http[0].route[0].weight`). */
  readonly path: string;
  /** Field path without indices (as Go's JSON decoder names it: `spec.template.spec.containers.image`). */
  readonly goPath: string;
  /** The Go struct that holds the field (`Container`). */
  readonly struct: string;
  /** JSON type of the value sent (`number`, `string`, `bool`, `array`, `object`). */
  readonly got: string;
  /** The value sent, when it is a number (Go names it: `number 1.5`). */
  readonly value?: unknown;
  /** The schema's type (`string`, `integer`...) and Go's name for it (`string`, `int32`). */
  readonly want: string;
  readonly goType: string;
}

const MAX_DEPTH = 64;

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function goTypeOf(s: Schema | undefined): string {
  const d = deref(s);
  if (!d) return 'interface {}';
  if (s?.$ref || s?.allOf?.[0]?.$ref) {
    const ref = (s.$ref ?? s.allOf![0]!.$ref)!;
    const parts = ref.split('.');
    return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
  }
  if (d['x-kubernetes-int-or-string']) return 'intstr.IntOrString';
  switch (d.type) {
    case 'string':
      return 'string';
    case 'integer':
      return d.format === 'int64' ? 'int64' : 'int32';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'array':
      return `[]${goTypeOf(d.items)}`;
    case 'object':
      return d.additionalProperties && typeof d.additionalProperties === 'object'
        ? `map[string]${goTypeOf(d.additionalProperties)}`
        : 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}

function typeMatches(s: Schema, v: unknown): boolean {
  if (v === null) return true;
  if (s['x-kubernetes-int-or-string'])
    return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  switch (s.type) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && !Array.isArray(v);
    default:
      return true;
  }
}

/**
 * Checks a value against a schema the way the API server's decoder does: unknown fields (unless the schema
 * preserves them) and values of the wrong type. `structName` is the Go struct of the top level (the kind).
 */
export function checkFields(schema: Schema, value: unknown, structName: string): FieldProblems {
  const problems: FieldProblems = { unknown: [], wrongType: [], missing: [], unknownAt: [] };
  walk(schema, value, '', '', structName, problems, 0);
  return problems;
}

function walk(
  raw: Schema | undefined,
  v: unknown,
  path: string,
  goPath: string,
  struct: string,
  out: FieldProblems,
  depth: number,
): void {
  const s = deref(raw);
  if (!s || v === null || v === undefined || depth > MAX_DEPTH) return;
  if (!typeMatches(s, v)) {
    out.wrongType.push({
      path,
      goPath,
      struct,
      got: jsonType(v),
      ...(typeof v === 'number' ? { value: v } : {}),
      want: s['x-kubernetes-int-or-string'] ? 'integer or string' : (s.type ?? 'object'),
      goType: goTypeOf(raw),
    });
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((e, i) => walk(s.items, e, `${path}[${i}]`, goPath, struct, out, depth + 1));
    return;
  }
  if (typeof v !== 'object') return;
  if (path !== 'status' && !path.startsWith('status.') && !path.startsWith('metadata.managedFields'))
    for (const r of s.required ?? [])
      if ((v as Record<string, unknown>)[r] === undefined) out.missing.push(path ? `${path}.${r}` : r);
  const ref = raw?.$ref ?? raw?.allOf?.[0]?.$ref;
  const here = ref ? ref.slice(ref.lastIndexOf('.') + 1) : struct;
  for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
    const p = path ? `${path}.${k}` : k;
    const gp = goPath ? `${goPath}.${k}` : k;
    const prop = s.properties?.[k];
    if (prop) walk(prop, child, p, gp, here, out, depth + 1);
    else if (s.additionalProperties && typeof s.additionalProperties === 'object')
      walk(s.additionalProperties, child, p, gp, here, out, depth + 1);
    else if (!s['x-kubernetes-preserve-unknown-fields'] && !s.additionalProperties && s.properties) {
      out.unknown.push(p);
      out.unknownAt.push({ parent: v as Record<string, unknown>, key: k });
    }
  }
}
