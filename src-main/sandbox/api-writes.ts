import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SandboxWrite } from './audit.ts';
import { fromServedVersion } from './conversion.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, unsupportedPatchType } from './patch.ts';
import { apiVersionOf, resourceTypes, storageKey, type ResourceType } from './resources.ts';
import type { KubeObject } from './selectors.ts';
import { schemaOf } from './schema/schemas.ts';
import { ApiError, alreadyExists, badRequest, conflict, invalid, notFound } from './status.ts';
import { kubeTime } from './store.ts';
import { serverSideApply, trackUpdate } from './apply/apply.ts';
import { checkWrite, fieldManagerOf, fieldValidationOf } from './schema/field-validation.ts';
import type { ApiContext } from './api-context.ts';
import type { createReads } from './api-reads.ts';
import { type Route, withVersion } from './api-routes.ts';
import {
  asObject,
  decodeBody,
  methodNotAllowed,
  notFoundPath,
  parseJson,
  queryBool,
  ser,
} from './api-http.ts';

const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Writes: create, update, patch, apply, delete (with cascades), each audited. */
export function createWrites(
  ctx: ApiContext,
  use: Pick<ReturnType<typeof createReads>, 'getOrThrow' | 'scaleOf' | 'selected'>,
) {
  const { deps, store, clock } = ctx;
  const { getOrThrow, scaleOf, selected } = use;
  function audit(
    req: IncomingMessage,
    route: Route,
    verb: SandboxWrite['verb'],
    raw: Buffer,
    code: number,
  ): void {
    const now = clock.now();
    deps.recordWrite({
      verb,
      resource: route.sub ? `${route.type.plural}/${route.sub}` : route.type.plural,
      group: route.type.group,
      ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
      ...(route.name !== undefined ? { name: route.name } : {}),
      digest: createHash('sha256').update(raw).digest('hex'),
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'].split(';')[0]! } : {}),
      userAgent: req.headers['user-agent'] ?? '',
      timeMs: now,
      time: new Date(now).toISOString(),
      code,
    });
  }

  function write(
    verb: SandboxWrite['verb'],
    route: Route,
    raw: Buffer,
    contentType: string,
    q: URLSearchParams,
    ctx: { userAgent: string; warn: (message: string) => void } = { userAgent: '', warn: () => undefined },
  ): [number, unknown] {
    const { type } = route;
    const key = storageKey(type);
    const dryRun = q.get('dryRun') === 'All';
    const validation = fieldValidationOf(q);
    const manager = fieldManagerOf(q, ctx.userAgent);
    const entryVersion = apiVersionOf(type.group, route.version);
    const isApply = verb === 'patch' && contentType.split(';')[0]!.trim() === 'application/apply-patch+yaml';
    /** Server-side apply of `config` over `live` (absent: a create) by the request's field manager. */
    const applied = (live: KubeObject | undefined, config: KubeObject) =>
      serverSideApply({
        live,
        config,
        schema: schemaOf(type.group, route.version, type.kind),
        manager: requireApplyManager(q),
        apiVersion: entryVersion,
        force: queryBool(q, 'force'),
        time: kubeTime(clock.now()),
      }) as KubeObject;
    if (isApply && route.name !== undefined && !route.sub && !store.get(key, route.namespace, route.name)) {
      // Server-side apply of an absent object creates it.
      const config = asObject(decodeBody(raw, 'application/yaml'), route);
      checkWrite(type, route.version, config, undefined, validation, ctx.warn);
      if (config.metadata.name && config.metadata.name !== route.name)
        throw badRequest(
          `the name of the object (${config.metadata.name}) does not match the name on the URL (${route.name})`,
        );
      const obj = applied(undefined, { ...config, metadata: { ...config.metadata, name: route.name } });
      checkNamespace(route, obj);
      checkName(type, obj);
      obj.apiVersion = apiVersionOf(type.group, type.versions[0]!);
      obj.kind = type.kind;
      delete obj.metadata.resourceVersion;
      if (type.subresources?.includes('status') && type.plural !== 'namespaces') delete obj.status;
      const admitted = deps.admit(type, obj, undefined);
      const created = dryRun ? admitted : store.create(key, admitted);
      return [201, ser(withVersion(created, type, route.version))];
    }
    if (verb === 'create') {
      if (route.name !== undefined) throw methodNotAllowed();
      const body = asObject(decodeBody(raw, contentType), route);
      if (!type.virtual) checkWrite(type, route.version, body, undefined, validation, ctx.warn);
      const obj = fromServedVersion(body, type, route.version);
      if (!obj.metadata.name && obj.metadata.generateName)
        obj.metadata.name = `${obj.metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
      checkNamespace(route, obj);
      checkName(type, obj);
      if (store.get(key, route.namespace, obj.metadata.name))
        throw alreadyExists(type.group, type.plural, obj.metadata.name);
      obj.apiVersion = apiVersionOf(type.group, type.versions[0]!);
      obj.kind = type.kind;
      delete obj.metadata.resourceVersion;
      if (type.subresources?.includes('status') && type.plural !== 'namespaces') delete obj.status;
      const admitted = deps.admit(type, obj, undefined);
      admitted.metadata.managedFields = trackUpdate({
        prev: undefined,
        next: admitted,
        schema: schemaOf(type.group, route.version, type.kind),
        manager,
        apiVersion: entryVersion,
        time: kubeTime(clock.now()),
      });
      const created = dryRun ? admitted : store.create(key, admitted);
      return [201, ser(withVersion(created, type, route.version))];
    }
    if (verb === 'deletecollection') {
      const gone = selected(route, q).map((o) => deleteCascade(type, o, q));
      return [
        200,
        {
          kind: `${type.kind}List`,
          apiVersion: apiVersionOf(type.group, route.version),
          metadata: { resourceVersion: String(store.currentRv()) },
          items: gone,
        },
      ];
    }
    if (route.name === undefined) throw methodNotAllowed();
    const prev = getOrThrow(route);
    if (verb === 'delete') {
      if (raw.length > 0) {
        const opts = parseJson(raw) as {
          preconditions?: { resourceVersion?: string; uid?: string };
          propagationPolicy?: string;
        };
        if (
          opts.preconditions?.resourceVersion &&
          opts.preconditions.resourceVersion !== prev.metadata.resourceVersion
        )
          throw conflict(type.group, type.plural, route.name);
        if (opts.propagationPolicy) q.set('propagationPolicy', opts.propagationPolicy);
      }
      const gone = dryRun ? prev : deleteCascade(type, prev, q);
      return [200, ser(withVersion(gone, type, route.version))];
    }
    let next: KubeObject;
    const current =
      route.sub === 'scale' ? (scaleOf(prev) as KubeObject) : withVersion(prev, type, route.version);
    if (verb === 'update') {
      next = asObject(decodeBody(raw, contentType), route);
      if (!route.sub) checkWrite(type, route.version, next, prev, validation, ctx.warn);
    } else if (isApply && !route.sub) {
      const config = asObject(decodeBody(raw, 'application/yaml'), route);
      checkWrite(type, route.version, config, undefined, validation, ctx.warn, true);
      next = applied(prev, config);
      next.metadata.resourceVersion = config.metadata.resourceVersion ?? prev.metadata.resourceVersion;
    } else {
      const mediaType = contentType.split(';')[0]!.trim();
      const patch = decodeBody(raw, mediaType);
      if (mediaType === 'application/json-patch+json') next = applyJsonPatch(current, patch);
      else if (mediaType === 'application/merge-patch+json' || mediaType === 'application/apply-patch+yaml')
        next = applyMergePatch(current as never, patch as never) as KubeObject;
      else if (mediaType === 'application/strategic-merge-patch+json') {
        if (!['', 'apps', 'batch', 'policy', 'autoscaling'].includes(type.group)) {
          throw new ApiError(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
          );
        }
        next = applyStrategicMergePatch(current as never, patch as never) as KubeObject;
      } else throw unsupportedPatchType();
      next = asObject(next, route);
      if (!route.sub) checkWrite(type, route.version, next, prev, validation, ctx.warn);
      const patchedRv = next.metadata.resourceVersion;
      if (patchedRv !== undefined && patchedRv !== current.metadata.resourceVersion && patchedRv !== '')
        throw conflict(type.group, type.plural, route.name);
      next.metadata.resourceVersion = prev.metadata.resourceVersion;
    }
    if (route.sub === undefined) next = fromServedVersion(next, type, route.version);
    if (next.metadata.name && next.metadata.name !== route.name)
      throw badRequest(
        `the name of the object (${next.metadata.name}) does not match the name on the URL (${route.name})`,
      );
    next.metadata.name = route.name;
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== prev.metadata.resourceVersion)
      throw conflict(type.group, type.plural, route.name);
    let merged: KubeObject;
    if (route.sub === 'scale') {
      const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
      if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas))
        throw invalid('Scale', route.name, [
          {
            field: 'spec.replicas',
            message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          },
        ]);
      merged = { ...prev, spec: { ...prev.spec, replicas } };
    } else if (route.sub === 'status') {
      merged = { ...prev, status: next.status };
    } else {
      merged = {
        ...next,
        apiVersion: apiVersionOf(type.group, type.versions[0]!),
        kind: type.kind,
        metadata: {
          ...next.metadata,
          namespace: prev.metadata.namespace,
          uid: prev.metadata.uid,
          creationTimestamp: prev.metadata.creationTimestamp,
        },
      };
      if (type.subresources?.includes('status')) merged.status = prev.status;
      if (type.plural === 'namespaces') merged.spec = prev.spec;
    }
    const admitted = deps.admit(type, merged, prev);
    if (!isApply && route.sub !== 'status')
      admitted.metadata.managedFields = trackUpdate({
        prev,
        next: admitted,
        schema: schemaOf(type.group, route.version, type.kind),
        manager,
        apiVersion: entryVersion,
        time: kubeTime(clock.now()),
        ...(route.sub ? { subresource: route.sub } : {}),
      });
    const stored = dryRun ? admitted : store.replace(key, admitted);
    return [200, route.sub === 'scale' ? scaleOf(stored) : ser(withVersion(stored, type, route.version))];
  }

  /** The field manager of an apply request, which the API server requires. */
  function requireApplyManager(q: URLSearchParams): string {
    const manager = q.get('fieldManager');
    if (!manager)
      throw invalid('PatchOptions', '', [
        { field: 'fieldManager', message: 'Required value: is required for apply patch' },
      ]);
    return manager;
  }

  function checkNamespace(route: Route, obj: KubeObject): void {
    if (!route.type.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    if (obj.metadata.namespace && obj.metadata.namespace !== route.namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (route.namespace === undefined) throw notFoundPath();
    obj.metadata.namespace = route.namespace;
    if (!store.get('namespaces', undefined, route.namespace))
      throw notFound('', 'namespaces', route.namespace);
  }

  function checkName(type: ResourceType, obj: KubeObject): void {
    const name = obj.metadata.name;
    if (!name)
      throw invalid(type.kind, '', [
        { field: 'metadata.name', message: 'Required value: name or generateName is required' },
      ]);
    if (!dns1123.test(name) || name.length > 253) {
      throw invalid(type.kind, name, [
        {
          field: 'metadata.name',
          message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
        },
      ]);
    }
  }

  function deleteCascade(type: ResourceType, obj: KubeObject, q: URLSearchParams): KubeObject {
    const orphan = q.get('propagationPolicy') === 'Orphan' || q.get('orphanDependents') === 'true';
    const gone = store.delete(storageKey(type), obj.metadata.namespace, obj.metadata.name)!;
    const uid = obj.metadata.uid;
    if (type.plural === 'namespaces') {
      for (const t of resourceTypes) {
        if (!t.namespaced || t.virtual) continue;
        for (const o of store.list(storageKey(t), obj.metadata.name))
          store.delete(storageKey(t), o.metadata.namespace, o.metadata.name);
      }
    }
    for (const t of resourceTypes) {
      if (!t.namespaced || t.virtual) continue;
      for (const o of store.list(storageKey(t), obj.metadata.namespace)) {
        if (!o.metadata.ownerReferences?.some((r) => r.uid === uid)) continue;
        if (orphan) {
          store.replace(storageKey(t), {
            ...o,
            metadata: {
              ...o.metadata,
              ownerReferences: o.metadata.ownerReferences.filter((r) => r.uid !== uid),
            },
          });
        } else deleteCascade(t, o, new URLSearchParams());
      }
    }
    return { ...gone, metadata: { ...gone.metadata, deletionTimestamp: kubeTime(clock.now()) } };
  }

  return { audit, write, requireApplyManager, checkNamespace, checkName, deleteCascade };
}
