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
  readonly subresources?: readonly ('status' | 'scale' | 'log' | 'eviction')[];
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
    subresources: ['status', 'log', 'eviction'],
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
  ...moreResourceTypes(),
];

/** Kinds served for runbook scripts and other clients beside the release's own (issue #16, item 4). */
function moreResourceTypes(): ResourceType[] {
  const t = (
    group: string,
    version: string,
    kind: string,
    namespaced: boolean,
    extra: Partial<ResourceType> = {},
  ): ResourceType => ({
    group,
    versions: [version],
    plural: `${kind.toLowerCase()}s`,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    verbs: all,
    ...extra,
  });
  return [
    t('', 'v1', 'Secret', true),
    t('', 'v1', 'ServiceAccount', true, { shortNames: ['sa'] }),
    t('', 'v1', 'ReplicationController', true, {
      shortNames: ['rc'],
      categories: ['all'],
      subresources: ['status', 'scale'],
    }),
    t('apps', 'v1', 'StatefulSet', true, {
      shortNames: ['sts'],
      categories: ['all'],
      subresources: ['status', 'scale'],
    }),
    t('apps', 'v1', 'DaemonSet', true, { shortNames: ['ds'], categories: ['all'], subresources: ['status'] }),
    t('apps', 'v1', 'ControllerRevision', true),
    t('autoscaling', 'v2', 'HorizontalPodAutoscaler', true, {
      versions: ['v2', 'v1'],
      shortNames: ['hpa'],
      categories: ['all'],
      subresources: ['status'],
    }),
    t('networking.k8s.io', 'v1', 'Ingress', true, {
      plural: 'ingresses',
      shortNames: ['ing'],
      subresources: ['status'],
    }),
    t('discovery.k8s.io', 'v1', 'EndpointSlice', true),
    t('rbac.authorization.k8s.io', 'v1', 'Role', true),
    t('rbac.authorization.k8s.io', 'v1', 'RoleBinding', true),
    t('rbac.authorization.k8s.io', 'v1', 'ClusterRole', false),
    t('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', false),
    t('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', false, {
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      subresources: ['status'],
    }),
    t('gateway.networking.k8s.io', 'v1', 'Gateway', true, {
      shortNames: ['gtw'],
      categories: ['gateway-api'],
      subresources: ['status'],
    }),
    t('argoproj.io', 'v1alpha1', 'AnalysisTemplate', true, { shortNames: ['at'] }),
    t('argoproj.io', 'v1alpha1', 'ClusterAnalysisTemplate', false, { shortNames: ['cat'] }),
    t('argoproj.io', 'v1alpha1', 'AnalysisRun', true, { shortNames: ['ar'], subresources: ['status'] }),
    t('core.openfeature.dev', 'v1beta1', 'FeatureFlag', true, {
      shortNames: ['ff'],
      categories: ['openfeature'],
    }),
    t('authorization.k8s.io', 'v1', 'SubjectAccessReview', false, { verbs: ['create'], virtual: true }),
    t('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', false, { verbs: ['create'], virtual: true }),
  ];
}

/** Groups whose kinds are custom resources on a real cluster (each gets a CustomResourceDefinition). */
const customResourceGroups: readonly string[] = [
  'networking.istio.io',
  'gateway.networking.k8s.io',
  'argoproj.io',
  'core.openfeature.dev',
];

/**
 * A CustomResourceDefinition for every served kind of a custom group (Istio, Gateway API, Argo, OpenFeature), so
 * `kubectl get crd` lists what a real cluster with those add-ons installed would. Their schemas accept any
 * field (`x-kubernetes-preserve-unknown-fields`).
 */
export function customResourceDefinitions(): {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: unknown;
  status: unknown;
}[] {
  return resourceTypes
    .filter((r) => customResourceGroups.includes(r.group))
    .map((r) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${r.plural}.${r.group}` },
      spec: {
        group: r.group,
        names: {
          kind: r.kind,
          listKind: `${r.kind}List`,
          plural: r.plural,
          singular: r.singular,
          ...(r.shortNames ? { shortNames: r.shortNames } : {}),
          ...(r.categories ? { categories: r.categories } : {}),
        },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        versions: r.versions.map((v, i) => ({
          name: v,
          served: true,
          storage: i === 0,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          ...(r.subresources?.length
            ? {
                subresources: {
                  ...(r.subresources.includes('status') ? { status: {} } : {}),
                  ...(r.subresources.includes('scale')
                    ? {
                        scale: {
                          specReplicasPath: '.spec.replicas',
                          statusReplicasPath: '.status.replicas',
                        },
                      }
                    : {}),
                },
              }
            : {}),
        })),
      },
      status: {
        acceptedNames: { kind: r.kind, plural: r.plural },
        storedVersions: [r.versions[0]],
        conditions: [
          { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
          {
            type: 'Established',
            status: 'True',
            reason: 'InitialNamesAccepted',
            message: 'the initial names have been accepted',
          },
        ],
      },
    }));
}

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
