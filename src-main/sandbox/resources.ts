/** One served resource type: how it is addressed and what kind of object it holds. */
export interface ResourceType {
  /** API group; '' for the core group. */
  readonly group: string;
  /** Served versions; the first is the preferred (and stored) one. */
  readonly versions: readonly string[];
  /** Plural name used in URLs, e.g. `deployments`. */
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  /** Subresources served besides the object itself. */
  readonly subresources?: readonly ('status' | 'scale')[];
  /** Create-only review objects (never stored). */
  readonly virtual?: boolean;
}

const all = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

/** Every resource type the sandbox serves, in discovery order. */
export const resourceTypes: readonly ResourceType[] = [
  {
    group: '',
    versions: ['v1'],
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    verbs: all,
    shortNames: ['ns'],
    subresources: ['status'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'nodes',
    singular: 'node',
    kind: 'Node',
    namespaced: false,
    verbs: all,
    shortNames: ['no'],
    subresources: ['status'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    verbs: all,
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    verbs: all,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'endpoints',
    singular: 'endpoints',
    kind: 'Endpoints',
    namespaced: true,
    verbs: all,
    shortNames: ['ep'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    verbs: all,
    shortNames: ['ev'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    verbs: all,
    shortNames: ['cm'],
  },
  {
    group: 'apps',
    versions: ['v1'],
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    verbs: all,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  },
  {
    group: 'apps',
    versions: ['v1'],
    plural: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    verbs: all,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  },
  {
    group: 'batch',
    versions: ['v1'],
    plural: 'jobs',
    singular: 'job',
    kind: 'Job',
    namespaced: true,
    verbs: all,
    categories: ['all'],
    subresources: ['status'],
  },
  {
    group: 'policy',
    versions: ['v1'],
    plural: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    verbs: all,
    shortNames: ['pdb'],
    subresources: ['status'],
  },
  {
    group: 'networking.istio.io',
    versions: ['v1beta1', 'v1', 'v1alpha3'],
    plural: 'virtualservices',
    singular: 'virtualservice',
    kind: 'VirtualService',
    namespaced: true,
    verbs: all,
    shortNames: ['vs'],
    categories: ['istio-io', 'networking-istio-io'],
    subresources: ['status'],
  },
  {
    group: 'networking.istio.io',
    versions: ['v1beta1', 'v1', 'v1alpha3'],
    plural: 'destinationrules',
    singular: 'destinationrule',
    kind: 'DestinationRule',
    namespaced: true,
    verbs: all,
    shortNames: ['dr'],
    categories: ['istio-io', 'networking-istio-io'],
    subresources: ['status'],
  },
  {
    group: 'gateway.networking.k8s.io',
    versions: ['v1'],
    plural: 'httproutes',
    singular: 'httproute',
    kind: 'HTTPRoute',
    namespaced: true,
    verbs: all,
    categories: ['gateway-api'],
    subresources: ['status'],
  },
  {
    group: 'argoproj.io',
    versions: ['v1alpha1'],
    plural: 'rollouts',
    singular: 'rollout',
    kind: 'Rollout',
    namespaced: true,
    verbs: all,
    shortNames: ['ro'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  },
  {
    group: 'coordination.k8s.io',
    versions: ['v1'],
    plural: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
    verbs: all,
  },
  {
    group: 'authorization.k8s.io',
    versions: ['v1'],
    plural: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    verbs: ['create'],
    virtual: true,
  },
];

/** The `apiVersion` string for a group and version (`v1` for core, `apps/v1` otherwise). */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** Finds the type served at group/version/plural, or undefined. */
export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return resourceTypes.find((r) => r.group === group && r.plural === plural && r.versions.includes(version));
}

/** Finds a type by its kind and apiVersion (as written in a manifest), or undefined. */
export function resourceForKind(apiVersion: string, kind: string): ResourceType | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return resourceTypes.find(
    (r) => r.group === group && r.kind === kind && r.versions.includes(version ?? ''),
  );
}

/** Storage key of a type: group and plural (versions share storage). */
export function storageKey(r: ResourceType): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}
