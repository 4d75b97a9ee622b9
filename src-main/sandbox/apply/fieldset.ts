import type { Schema } from '../schema/openapi-schema.ts';
import { deref } from '../schema/schemas.ts';

/**
 * Field sets in the structured-merge-diff sense (what `managedFields` records), driven by the schema's list
 * semantics: a path is a list of elements `f:<field>`, `k:<key JSON>` (an element of a list-map, by its keys),
 * `v:<value JSON>` (an element of a set) and `.` (the list-map element itself). Lists without a list type are
 * atomic (one leaf), objects are walked field by field, as structured-merge-diff does for the Kubernetes types.
 */
export type Path = readonly string[];
export type FieldSet = Set<string>;

const SEP = '\u0000';
const join = (p: Path): string => p.join(SEP);
export const split = (s: string): string[] => (s === '' ? [] : s.split(SEP));

type Json = unknown;
const isObject = (v: unknown): v is Record<string, Json> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Defaults of list-map key fields a manifest may leave out (a container port's protocol is TCP). */
const keyDefaults: Record<string, Json> = { protocol: 'TCP' };

/** How a list is merged: by map keys, as a set, or replaced whole. */
export function listSemantics(
  s: Schema | undefined,
): { type: 'map'; keys: string[] } | { type: 'set' | 'atomic' } {
  const d = deref(s);
  const t = d?.['x-kubernetes-list-type'];
  const keys = d?.['x-kubernetes-list-map-keys'];
  if (t === 'map' && keys?.length) return { type: 'map', keys };
  if (t === 'set') return { type: 'set' };
  return { type: 'atomic' };
}

/** The key of a list-map element (`{"containerPort":8080,"protocol":"TCP"}`), fields sorted as the API server writes them. */
export function elementKey(e: Json, keys: readonly string[]): string {
  const o = isObject(e) ? e : {};
  const parts = [...keys]
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k] ?? keyDefaults[k] ?? null)}`);
  return `{${parts.join(',')}}`;
}

/** The schema of a field of an object schema (or undefined: any field of an unknown shape). */
export function fieldSchema(s: Schema | undefined, field: string): Schema | undefined {
  const d = deref(s);
  if (!d) return undefined;
  if (d.properties?.[field]) return d.properties[field];
  if (d.additionalProperties && typeof d.additionalProperties === 'object') return d.additionalProperties;
  return undefined;
}

/** Every leaf path set in a value (its field set). `skip` leaves out top-level paths (e.g. `f:status`). */
export function fieldsOf(
  value: Json,
  schema: Schema | undefined,
  skip: (p: Path) => boolean = () => false,
): FieldSet {
  const out: FieldSet = new Set();
  const walk = (v: Json, s: Schema | undefined, p: string[], depth: number): void => {
    if (skip(p) || depth > 64) return;
    if (isObject(v) && Object.keys(v).length > 0 && deref(s)?.['x-kubernetes-map-type'] !== 'atomic') {
      for (const [k, c] of Object.entries(v)) walk(c, fieldSchema(s, k), [...p, `f:${k}`], depth + 1);
      return;
    }
    if (Array.isArray(v)) {
      const sem = listSemantics(s);
      if (sem.type === 'map') {
        const items = deref(s)?.items;
        for (const e of v) {
          const el = [...p, `k:${elementKey(e, sem.keys)}`];
          out.add(join([...el, '.']));
          if (isObject(e))
            for (const [k, c] of Object.entries(e))
              walk(c, fieldSchema(items, k), [...el, `f:${k}`], depth + 1);
        }
        return;
      }
      if (sem.type === 'set') {
        for (const e of v) out.add(join([...p, `v:${JSON.stringify(e)}`]));
        return;
      }
    }
    if (p.length > 0) out.add(join(p));
  };
  walk(value, schema, [], 0);
  return out;
}

/** The value at a path, or undefined when absent. */
export function valueAt(value: Json, path: Path, schema: Schema | undefined): Json {
  let v = value;
  let s = schema;
  for (const el of path) {
    if (el === '.') return v;
    if (el.startsWith('f:')) {
      if (!isObject(v)) return undefined;
      v = v[el.slice(2)];
      s = fieldSchema(s, el.slice(2));
    } else if (el.startsWith('k:')) {
      const sem = listSemantics(s);
      if (!Array.isArray(v) || sem.type !== 'map') return undefined;
      const key = el.slice(2);
      v = v.find((e) => elementKey(e, sem.keys) === key);
      s = deref(s)?.items;
    } else if (el.startsWith('v:')) {
      if (!Array.isArray(v)) return undefined;
      const want = el.slice(2);
      return v.some((e) => JSON.stringify(e) === want) ? JSON.parse(want) : undefined;
    }
    if (v === undefined) return undefined;
  }
  return v;
}

/** Removes the field or element at a path from a value (in place). */
export function removeAt(value: Json, path: Path, schema: Schema | undefined): void {
  let v = value;
  let s = schema;
  for (let i = 0; i < path.length; i++) {
    const el = path[i]!;
    const last = i === path.length - 1 || (i === path.length - 2 && path[i + 1] === '.');
    if (el.startsWith('f:')) {
      if (!isObject(v)) return;
      if (last) {
        delete v[el.slice(2)];
        return;
      }
      v = v[el.slice(2)];
      s = fieldSchema(s, el.slice(2));
    } else if (el.startsWith('k:')) {
      const sem = listSemantics(s);
      if (!Array.isArray(v) || sem.type !== 'map') return;
      const idx = v.findIndex((e) => elementKey(e, sem.keys) === el.slice(2));
      if (idx < 0) return;
      if (last) {
        v.splice(idx, 1);
        return;
      }
      v = v[idx];
      s = deref(s)?.items;
    } else if (el.startsWith('v:')) {
      if (!Array.isArray(v)) return;
      const idx = v.findIndex((e) => JSON.stringify(e) === el.slice(2));
      if (idx >= 0) v.splice(idx, 1);
      return;
    }
  }
}

/** A field set as the `fieldsV1` object the API server writes in `managedFields`. */
export function toFieldsV1(set: FieldSet): Record<string, unknown> {
  const root: Record<string, Record<string, unknown>> = {};
  for (const s of [...set].sort()) {
    let node: Record<string, unknown> = root;
    for (const el of split(s)) node = (node[el] ??= {}) as Record<string, unknown>;
  }
  return root;
}

/** A `fieldsV1` object back to a field set (leaves are the empty objects). */
export function fromFieldsV1(tree: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: unknown, p: string[]): void => {
    const entries = isObject(node) ? Object.entries(node) : [];
    if (entries.length === 0) {
      if (p.length > 0) out.add(join(p));
      return;
    }
    for (const [k, c] of entries) {
      if (k === '.') out.add(join([...p, '.']));
      else walk(c, [...p, k]);
    }
  };
  walk(tree, []);
  return out;
}

/** A path as the API server prints it in a conflict (`.spec.template.spec.containers[name="app"].image`). */
export function printPath(path: Path): string {
  let out = '';
  for (const el of path) {
    if (el === '.') continue;
    if (el.startsWith('f:')) out += `.${el.slice(2)}`;
    else if (el.startsWith('k:')) {
      const key = JSON.parse(el.slice(2)) as Record<string, unknown>;
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (el.startsWith('v:')) out += `[=${el.slice(2)}]`;
  }
  return out;
}
