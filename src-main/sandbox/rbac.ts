import type { KubeObject } from './selectors.ts';
import { ApiError } from './status.ts';
import type { ObjectStore } from './store.ts';

/** Who made a request, after authentication and impersonation. */
export interface UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
}

/** What a request asks to do, as RBAC sees it. */
export interface RequestAttributes {
  readonly verb: string;
  /** API group; '' for the core group. */
  readonly group: string;
  /** Plural resource name (`deployments`), or `users`/`groups` for impersonation. */
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** An RBAC decision: allowed or not, with the binding that allowed it (or why nothing did). */
export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

const masters = 'system:masters';

function matches(rule: PolicyRule, a: RequestAttributes): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resourceOk = (rule.resources ?? []).some(
    (r) => r === '*' || r === resource || (a.subresource !== undefined && r === `*/${a.subresource}`),
  );
  return (
    has(rule.verbs, a.verb) &&
    has(rule.apiGroups, a.group) &&
    resourceOk &&
    ((rule.resourceNames ?? []).length === 0 ||
      (a.name !== undefined && rule.resourceNames!.includes(a.name)))
  );
}

function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  if (s.kind === 'User') return s.name === user.username;
  if (s.kind === 'Group') return user.groups.includes(s.name);
  if (s.kind === 'ServiceAccount')
    return user.username === `system:serviceaccount:${s.namespace ?? bindingNamespace ?? ''}:${s.name}`;
  return false;
}

/**
 * Decides a request from the stored RBAC objects, as the API server's RBAC authorizer does:
 * `system:masters` may do everything; otherwise a ClusterRoleBinding (anywhere) or a RoleBinding in the
 * request's namespace must bind one of the user's names to a role with a matching rule.
 */
export function authorize(store: ObjectStore, user: UserInfo, a: RequestAttributes): Decision {
  if (user.groups.includes(masters)) return { allowed: true, reason: '' };
  const role = (ref: { kind?: string; name?: string } | undefined, ns: string | undefined) =>
    ref?.kind === 'ClusterRole'
      ? store.get('clusterroles.rbac.authorization.k8s.io', undefined, ref.name ?? '')
      : store.get('roles.rbac.authorization.k8s.io', ns, ref?.name ?? '');
  const check = (binding: KubeObject, ns: string | undefined): Decision | undefined => {
    const subjects = (binding.subjects as Subject[] | undefined) ?? [];
    const subject = subjects.find((s) => subjectMatches(s, user, ns));
    if (!subject) return undefined;
    const ref = binding.roleRef as { kind?: string; name?: string } | undefined;
    const rules = (role(ref, ns)?.rules as PolicyRule[] | undefined) ?? [];
    if (!rules.some((r) => matches(r, a))) return undefined;
    const where = ns
      ? `RoleBinding "${binding.metadata.name}/${ns}"`
      : `ClusterRoleBinding "${binding.metadata.name}"`;
    return {
      allowed: true,
      reason: `RBAC: allowed by ${where} of ${ref?.kind} "${ref?.name}" to ${subject.kind} "${subject.name}"`,
    };
  };
  for (const b of store.list('clusterrolebindings.rbac.authorization.k8s.io')) {
    const d = check(b, undefined);
    if (d) return d;
  }
  if (a.namespace !== undefined) {
    for (const b of store.list('rolebindings.rbac.authorization.k8s.io', a.namespace)) {
      const d = check(b, a.namespace);
      if (d) return d;
    }
  }
  return { allowed: false, reason: '' };
}

/**
 * Every rule the user holds in `namespace` (cluster-wide bindings and the namespace's RoleBindings), as a
 * SelfSubjectRulesReview lists them for `kubectl auth can-i --list`.
 */
export function rulesFor(store: ObjectStore, user: UserInfo, namespace: string): PolicyRule[] {
  if (user.groups.includes(masters)) return [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }];
  const out: PolicyRule[] = [];
  const collect = (binding: KubeObject, ns: string | undefined) => {
    const subjects = (binding.subjects as Subject[] | undefined) ?? [];
    if (!subjects.some((s) => subjectMatches(s, user, ns))) return;
    const ref = binding.roleRef as { kind?: string; name?: string } | undefined;
    const role =
      ref?.kind === 'ClusterRole'
        ? store.get('clusterroles.rbac.authorization.k8s.io', undefined, ref.name ?? '')
        : store.get('roles.rbac.authorization.k8s.io', ns, ref?.name ?? '');
    for (const r of (role?.rules as PolicyRule[] | undefined) ?? [])
      out.push({
        verbs: r.verbs ?? [],
        apiGroups: r.apiGroups ?? [],
        resources: r.resources ?? [],
        ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
      });
  };
  for (const b of store.list('clusterrolebindings.rbac.authorization.k8s.io')) collect(b, undefined);
  for (const b of store.list('rolebindings.rbac.authorization.k8s.io', namespace)) collect(b, namespace);
  return out;
}

/** The API server's 403 for a refused request, word for word. */
export function forbidden(user: UserInfo, a: RequestAttributes): ApiError {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  const scope = a.namespace !== undefined ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return new ApiError(
    403,
    'Forbidden',
    `${subject} is forbidden: User "${user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`,
    { ...(a.name ? { name: a.name } : {}), group: a.group, kind: a.resource },
  );
}

const readOnly = ['get', 'list', 'watch'];
const readWrite = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const workloads = {
  apiGroups: ['', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'discovery.k8s.io'],
  resources: [
    'pods',
    'pods/log',
    'services',
    'endpoints',
    'events',
    'configmaps',
    'serviceaccounts',
    'replicationcontrollers',
    'deployments',
    'deployments/scale',
    'replicasets',
    'statefulsets',
    'daemonsets',
    'jobs',
    'horizontalpodautoscalers',
    'poddisruptionbudgets',
    'ingresses',
    'endpointslices',
  ],
};
const meshAndRollouts = {
  apiGroups: ['networking.istio.io', 'gateway.networking.k8s.io', 'argoproj.io', 'core.openfeature.dev'],
  resources: ['*'],
};

/**
 * The RBAC objects every sandbox starts with: the default `cluster-admin`, `edit` and `view` ClusterRoles
 * (rules cut to the kinds the sandbox serves; `view` reads no Secrets, as on a real cluster), `cluster-admin`
 * bound to `system:masters`, and `view` bound to the `sandbox-viewer` user.
 */
export function defaultRbacObjects(viewer: string): KubeObject[] {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const labels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
  const clusterRole = (name: string, rules: PolicyRule[]): KubeObject => ({
    apiVersion: rbac,
    kind: 'ClusterRole',
    metadata: { name, labels },
    rules,
  });
  return [
    clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
    clusterRole('edit', [
      { ...workloads, verbs: readWrite },
      { ...meshAndRollouts, verbs: readWrite },
      {
        apiGroups: [''],
        resources: ['secrets', 'pods/eviction', 'pods/proxy', 'services/proxy'],
        verbs: readWrite,
      },
      {
        apiGroups: ['', 'rbac.authorization.k8s.io'],
        resources: ['namespaces', 'roles', 'rolebindings'],
        verbs: readOnly,
      },
    ]),
    clusterRole('view', [
      { ...workloads, verbs: readOnly },
      { ...meshAndRollouts, verbs: readOnly },
      { apiGroups: [''], resources: ['namespaces', 'nodes'], verbs: readOnly },
    ]),
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'cluster-admin', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: masters }],
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name: `${viewer}-view` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: viewer }],
    },
  ];
}
