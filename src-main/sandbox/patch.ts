import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { ApiError, badRequest } from './status.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The patch content types the sandbox accepts. */
const patchTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

/** A 415 Status for a PATCH whose content type is none of the patch types. */
export function unsupportedPatchType(): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${patchTypes.join(', ')}`,
  );
}

/** Applies an RFC 6902 JSON patch; throws a 422/500-style ApiError the way the API server reports failed ops. */
export function applyJsonPatch<T>(target: T, ops: unknown): T {
  if (!Array.isArray(ops))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  try {
    return fastJsonPatch.applyPatch(structuredClone(target), ops as Operation[], true, false).newDocument;
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    if (name === 'TEST_OPERATION_FAILED')
      throw new ApiError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: ${message}`,
      );
    throw new ApiError(
      422,
      'Invalid',
      `the server rejected our request due to an error in our request: ${message}`,
    );
  }
}

/** Applies an RFC 7386 JSON merge patch (null deletes, objects merge, everything else replaces). */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k] ?? null, v);
  }
  return out;
}

const mergeKeys: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  readinessGates: 'conditionType',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};
const mergedPrimitiveLists = new Set(['finalizers']);

function mergeKeyFor(field: string, elements: Json[]): string | undefined {
  if (field === 'ports') {
    const first = elements.find(isObject);
    if (first && 'containerPort' in first) return 'containerPort';
    return 'port';
  }
  return mergeKeys[field];
}

/**
 * Applies a strategic merge patch for the built-in kinds: lists with a merge key (containers by
 * name, ports by port, env by name, ...) merge element by element; `$patch`, `$setElementOrder`,
 * `$retainKeys` and `$deleteFromPrimitiveList` directives are honoured.
 */
export function applyStrategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return null;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  const orders: [string, Json[]][] = [];
  let retain: string[] | undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' && Array.isArray(v)) {
      retain = v.map(String);
      continue;
    }
    if (k.startsWith('$setElementOrder/') && Array.isArray(v)) {
      orders.push([k.slice('$setElementOrder/'.length), v]);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/') && Array.isArray(v)) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (k.startsWith('$')) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (Array.isArray(v)) {
      const key = mergeKeyFor(k, [...v, ...(Array.isArray(cur) ? cur : [])]);
      if (key && Array.isArray(cur)) out[k] = mergeList(cur, v, key);
      else if (mergedPrimitiveLists.has(k) && Array.isArray(cur))
        out[k] = [...cur, ...v.filter((x) => !cur.includes(x))];
      else out[k] = structuredClone(v).filter((e) => !(isObject(e) && e.$patch === 'delete'));
      continue;
    }
    const merged = applyStrategicMergePatch(cur ?? null, v);
    if (merged === null) delete out[k];
    else out[k] = merged;
  }
  for (const [field, order] of orders) {
    const list = out[field];
    if (!Array.isArray(list)) continue;
    const key = mergeKeyFor(field, list);
    const keyOf = (e: Json): Json => (key && isObject(e) ? (e[key] ?? null) : e);
    const position = (e: Json) => {
      const i = order.findIndex((o) => JSON.stringify(keyOf(o)) === JSON.stringify(keyOf(e)));
      return i < 0 ? order.length : i;
    };
    out[field] = [...list].sort((a, b) => position(a) - position(b));
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function mergeList(current: Json[], patch: Json[], key: string): Json[] {
  const out = [...current];
  for (const p of patch) {
    if (!isObject(p) || !(key in p)) {
      out.push(structuredClone(p));
      continue;
    }
    const i = out.findIndex((e) => isObject(e) && JSON.stringify(e[key]) === JSON.stringify(p[key]));
    if (p.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (p.$patch === 'replace') {
      const { $patch: _p, ...rest } = p;
      if (i >= 0) out[i] = rest;
      else out.push(rest);
      continue;
    }
    if (i >= 0) out[i] = applyStrategicMergePatch(out[i]!, p);
    else out.push(applyStrategicMergePatch({}, p));
  }
  return out;
}
