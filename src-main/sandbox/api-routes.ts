import { createHash } from 'node:crypto';
import { toServedVersion } from './conversion.ts';
import { apiVersionOf, findResource, resourceTypes, type ResourceType } from './resources.ts';
import type { KubeObject } from './selectors.ts';

export interface Route {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  sub?: string;
  /** Reached through the legacy `/watch/` path (`/api/v1/watch/namespaces/ns/pods`), which always watches. */
  watchPath?: boolean;
}

/**
 * SelfSubjectReview (`kubectl auth whoami`): answered here, not stored, so it lives beside the stored types
 * and is added to discovery only.
 */
export const selfSubjectReview: ResourceType = {
  group: 'authentication.k8s.io',
  versions: ['v1'],
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  kind: 'SelfSubjectReview',
  namespaced: false,
  verbs: ['create'],
  virtual: true,
};
export const discoverable: readonly ResourceType[] = [...resourceTypes, selfSubjectReview];
export const selfSubjectReviewPath = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

/** Who every holder of the sandbox's token is. */
export const SANDBOX_USER = {
  username: 'sandbox-admin',
  groups: ['system:masters', 'system:authenticated'],
} as const;

export function resourceList(group: string, version: string): unknown {
  const resources = discoverable
    .filter((r) => r.group === group && r.versions.includes(version))
    .flatMap((r) => [
      {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
        storageVersionHash: createHash('sha256').update(`${group}/${r.plural}`).digest('base64').slice(0, 11),
      },
      ...(r.subresources ?? []).map((s) => ({
        name: `${r.plural}/${s}`,
        singularName: '',
        namespaced: r.namespaced,
        ...subresourceDiscovery(s, r),
      })),
    ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

/** Discovery fields of a subresource: its kind (with group and version when another group's) and verbs. */
function subresourceDiscovery(s: string, r: ResourceType): Record<string, unknown> {
  if (s === 'scale')
    return { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
  // kubectl drain evicts through policy/v1 only when discovery names that group and version here.
  if (s === 'eviction') return { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
  if (s === 'log') return { kind: 'Pod', verbs: ['get'] };
  return { kind: r.kind, verbs: ['get', 'patch', 'update'] };
}

export function groupInfo(group: string): unknown {
  const versions = discoverable.find((r) => r.group === group)!.versions;
  const gv = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: gv, preferredVersion: gv[0] };
}

export function groups(): string[] {
  return [...new Set(discoverable.map((r) => r.group).filter((g) => g !== ''))];
}

export function parseRoute(segments: string[]): Route | 'discovery' | undefined {
  let group = '';
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') {
    if (segments.length < 2) return 'discovery';
    version = segments[1]!;
    rest = segments.slice(2);
  } else {
    if (segments.length < 3) return 'discovery';
    group = segments[1]!;
    version = segments[2]!;
    rest = segments.slice(3);
  }
  if (rest.length === 0) return 'discovery';
  const watchPath = rest[0] === 'watch';
  if (watchPath) rest = rest.slice(1);
  if (rest.length === 0) return undefined;
  let namespace: string | undefined;
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize') && group === '')
  ) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = findResource(group, version, rest[0]!);
  if (!type || rest.length > 3) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  const sub = rest[2];
  if (sub !== undefined && !(type.subresources ?? []).includes(sub as 'status')) return undefined;
  if (watchPath && sub !== undefined) return undefined;
  return { type, version, namespace, name: rest[1], sub, ...(watchPath ? { watchPath } : {}) };
}

export function withVersion(o: KubeObject, type: ResourceType, version: string): KubeObject {
  return toServedVersion(o, type, version);
}
