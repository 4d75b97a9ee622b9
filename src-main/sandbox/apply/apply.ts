import { ApiError } from '../status.ts';
import type { Schema } from '../schema/openapi-schema.ts';
import { deref } from '../schema/schemas.ts';
import {
  elementKey,
  fieldSchema,
  fieldsOf,
  fromFieldsV1,
  listSemantics,
  printPath,
  removeAt,
  split,
  toFieldsV1,
  valueAt,
  type FieldSet,
  type Path,
} from './fieldset.ts';

/** One `metadata.managedFields` entry, as the API server writes it. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

type Json = unknown;
type Obj = Record<string, Json>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const systemMetadata = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
]);

/** Paths no manager owns: the type and identity fields, and the status (written through its own subresource). */
export function ignoredPath(p: Path): boolean {
  if (p.length === 0) return false;
  if (p[0] === 'f:apiVersion' || p[0] === 'f:kind' || p[0] === 'f:status') return true;
  return p[0] === 'f:metadata' && p.length >= 2 && systemMetadata.has(p[1]!.slice(2));
}

/** Merges an applied configuration into the live object: objects by field, list-maps by key, sets by value. */
function mergeApplied(live: Json, cfg: Json, schema: Schema | undefined): Json {
  if (isObject(cfg) && isObject(live) && deref(schema)?.['x-kubernetes-map-type'] !== 'atomic') {
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(cfg)) out[k] = mergeApplied(live[k], v, fieldSchema(schema, k));
    return out;
  }
  if (Array.isArray(cfg) && Array.isArray(live)) {
    const sem = listSemantics(schema);
    if (sem.type === 'map') {
      const items = deref(schema)?.items;
      const out = [...live];
      for (const e of cfg) {
        const key = elementKey(e, sem.keys);
        const i = out.findIndex((x) => elementKey(x, sem.keys) === key);
        if (i >= 0) out[i] = mergeApplied(out[i], e, items);
        else out.push(structuredClone(e));
      }
      return out;
    }
    if (sem.type === 'set') {
      const seen = new Set(live.map((e) => JSON.stringify(e)));
      return [...live, ...cfg.filter((e) => !seen.has(JSON.stringify(e)))];
    }
  }
  return structuredClone(cfg);
}

function readEntries(obj: Obj | undefined): ManagedFieldsEntry[] {
  const meta = obj?.metadata as { managedFields?: unknown } | undefined;
  return Array.isArray(meta?.managedFields) ? (meta.managedFields as ManagedFieldsEntry[]) : [];
}

interface Owned {
  entry: ManagedFieldsEntry;
  fields: FieldSet;
}

function owned(obj: Obj | undefined): Owned[] {
  return readEntries(obj).map((entry) => ({ entry, fields: fromFieldsV1(entry.fieldsV1) }));
}

function entriesOf(list: Owned[]): ManagedFieldsEntry[] {
  return list.filter((o) => o.fields.size > 0).map((o) => ({ ...o.entry, fieldsV1: toFieldsV1(o.fields) }));
}

const same = (a: Json, b: Json): boolean => JSON.stringify(a) === JSON.stringify(b);

export interface ApplyRequest {
  /** The stored object, or undefined when apply creates it. */
  readonly live: Obj | undefined;
  /** The applied configuration (the request body). */
  readonly config: Obj;
  readonly schema: Schema | undefined;
  readonly manager: string;
  /** `apiVersion` the manager used (`apps/v1`). */
  readonly apiVersion: string;
  readonly force: boolean;
  /** Timestamp written in the manager's entry. */
  readonly time: string;
}

/**
 * Server-side apply: merges the configuration into the live object by the schema's list semantics, refuses
 * (409) to change a field another manager owns unless forced (then that manager loses it), removes fields this
 * manager applied before and no longer applies unless another manager owns them, and records the manager's
 * `Apply` entry in `metadata.managedFields`. Returns the object to admit and store.
 */
export function serverSideApply(req: ApplyRequest): Obj {
  const { live, config, schema, manager } = req;
  const applied = fieldsOf(config, schema, ignoredPath);
  const managers = owned(live);
  const mine = managers.find((o) => o.entry.manager === manager && o.entry.operation === 'Apply');
  const others = managers.filter((o) => o !== mine);
  if (live) {
    const conflicts: { who: Owned; path: string }[] = [];
    for (const path of applied) {
      const p = split(path);
      if (p[p.length - 1] === '.' || p[p.length - 1]!.startsWith('v:')) continue;
      for (const o of others) {
        if (!o.fields.has(path)) continue;
        if (!same(valueAt(live, p, schema), valueAt(config, p, schema))) conflicts.push({ who: o, path });
      }
    }
    if (conflicts.length > 0 && !req.force) throw conflictError(conflicts);
    for (const c of conflicts) c.who.fields.delete(c.path);
  }
  let merged = (live ? mergeApplied(live, config, schema) : structuredClone(config)) as Obj;
  if (mine) {
    const othersOwn = (path: string) => others.some((o) => o.fields.has(path));
    // A leaf applied before (`labels: {}`) that the configuration now fills (`labels.team`) stays.
    const within = new Set<string>();
    for (const p of applied) {
      const parts = split(p);
      for (let i = 1; i < parts.length; i++) within.add(parts.slice(0, i).join('\u0000'));
    }
    const dropped = [...mine.fields].filter((p) => !applied.has(p) && !within.has(p) && !othersOwn(p));
    // Whole list elements first (found by their keys), then the fields left in elements that stay.
    const isElement = (p: string) => p.endsWith(`${'\u0000'}.`);
    for (const p of [...dropped.filter(isElement), ...dropped.filter((d) => !isElement(d))])
      removeAt(merged, split(p), schema);
    merged = merged as Obj;
  }
  const entry: ManagedFieldsEntry = {
    manager,
    operation: 'Apply',
    apiVersion: req.apiVersion,
    time: req.time,
    fieldsType: 'FieldsV1',
    fieldsV1: {},
  };
  const next = [...others, { entry, fields: applied }];
  const metadata = (isObject(merged.metadata) ? merged.metadata : {}) as Obj;
  merged.metadata = { ...metadata, managedFields: entriesOf(order(next, managers)) };
  return merged;
}

/** Keeps the managers in the order they first wrote, the new one last. */
function order(next: Owned[], before: Owned[]): Owned[] {
  const rank = (o: Owned) => {
    const i = before.findIndex(
      (b) => b.entry.manager === o.entry.manager && b.entry.operation === o.entry.operation,
    );
    return i < 0 ? before.length : i;
  };
  return [...next].sort((a, b) => rank(a) - rank(b));
}

function conflictError(conflicts: { who: Owned; path: string }[]): ApiError {
  const n = conflicts.length;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const label = `"${c.who.entry.manager}"${c.who.entry.apiVersion ? ` using ${c.who.entry.apiVersion}` : ''}`;
    byManager.set(label, [...(byManager.get(label) ?? []), printPath(split(c.path))]);
  }
  let message: string;
  if (n === 1) {
    const [[label, paths]] = [...byManager.entries()] as [[string, string[]]];
    message = `Apply failed with 1 conflict: conflict with ${label}: ${paths[0]}`;
  } else {
    message = `Apply failed with ${n} conflicts: ${[...byManager.entries()]
      .map(([label, paths]) => `conflicts with ${label}:\n${paths.map((p) => `- ${p}`).join('\n')}`)
      .join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with "${c.who.entry.manager}"${c.who.entry.apiVersion ? ` using ${c.who.entry.apiVersion}` : ''}`,
      field: printPath(split(c.path)),
    })),
  });
}

export interface UpdateRequest {
  readonly prev: Obj | undefined;
  /** The object about to be stored (after defaulting). */
  readonly next: Obj;
  readonly schema: Schema | undefined;
  readonly manager: string;
  readonly apiVersion: string;
  readonly time: string;
  readonly subresource?: string;
}

/**
 * The managedFields after a create, update or patch (an `Update` operation): the manager takes every field
 * whose value it set or changed, other managers lose those fields, and fields gone from the object leave
 * every set.
 */
export function trackUpdate(req: UpdateRequest): ManagedFieldsEntry[] {
  const { prev, next, schema, manager } = req;
  const now = fieldsOf(next, schema, ignoredPath);
  const managers = owned(prev);
  const changed = new Set<string>();
  for (const path of now) {
    const p = split(path);
    if (!prev || !same(valueAt(prev, p, schema), valueAt(next, p, schema))) changed.add(path);
  }
  for (const o of managers) for (const path of [...o.fields]) if (!now.has(path)) o.fields.delete(path);
  let mine = managers.find(
    (o) =>
      o.entry.manager === manager &&
      o.entry.operation === 'Update' &&
      (o.entry.subresource ?? '') === (req.subresource ?? ''),
  );
  for (const o of managers) if (o !== mine) for (const path of changed) o.fields.delete(path);
  if (changed.size === 0 && !mine) return entriesOf(managers);
  if (!mine) {
    mine = {
      entry: {
        manager,
        operation: 'Update',
        apiVersion: req.apiVersion,
        time: req.time,
        fieldsType: 'FieldsV1',
        fieldsV1: {},
        ...(req.subresource ? { subresource: req.subresource } : {}),
      },
      fields: new Set(),
    };
    managers.push(mine);
  }
  if (changed.size > 0) mine.entry = { ...mine.entry, time: req.time, apiVersion: req.apiVersion };
  for (const path of changed) mine.fields.add(path);
  return entriesOf(managers);
}
