import { AuthenticationV1Api, type V1Namespace } from '@kubernetes/client-node';
import type { ClusterPort } from '../../ports/cluster.port.ts';
import { createKubeClient } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import { listRollouts, watchWorkloads, type WorkloadWatchOptions } from './kube-watch.ts';
import { runWatch } from './watch-loop.ts';
import { describeWorkload } from './workload-detail.ts';
import { watchWorkloadDetail } from './workload-detail-watch.ts';
import { workloadPlanFacts } from './workload-plan-facts.ts';
import { sortWorkloads, summariseDeployment } from './workload-summary.ts';

export interface KubeAdapterOptions {
  /** Per-call deadline in milliseconds. */
  readonly timeoutMs?: number;
  /** Timings of the workload watches (tests shorten them). */
  readonly watch?: Pick<WorkloadWatchOptions, 'stallMs' | 'backoffMs' | 'batchMs' | 'discoveryRetryMs'>;
}

/**
 * Connects one context with `@kubernetes/client-node`. `kubeconfigYaml` is a kubeconfig whose
 * current-context is the one to use (see `kubeconfigForContext`).
 */
export function createKubeCluster(
  context: string,
  kubeconfigYaml: string,
  options: KubeAdapterOptions = {},
): ClusterPort {
  const k = createKubeClient(kubeconfigYaml, {
    context,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const authn = k.kc.makeApiClient(AuthenticationV1Api);
  return {
    context,
    async listNamespaces() {
      const list = await k.read('listing namespaces', () => k.core.listNamespace());
      return list.items
        .map((n) => n.metadata?.name ?? '')
        .filter(Boolean)
        .sort();
    },
    watchNamespaces(onChange, onState) {
      const handle = runWatch<V1Namespace, string>(
        k,
        { namespace: '', onChange: () => onChange(handle.items().sort()), onState },
        {
          what: 'namespaces',
          path: '/api/v1/namespaces',
          list: (page) => k.core.listNamespace(page),
          project: (n) => n.metadata?.name ?? '',
        },
      );
      return { stop: () => handle.stop() };
    },
    async namespacesWithWorkloads() {
      const page = await k.read('listing Deployments of every namespace', () =>
        k.apps.listDeploymentForAllNamespaces({ limit: 500 }),
      );
      return [...new Set(page.items.map((d) => d.metadata?.namespace ?? '').filter(Boolean))].sort();
    },
    describeWorkload(namespace, kind, name, pod) {
      return describeWorkload(k, namespace, kind, name, pod);
    },
    watchWorkloadDetail(namespace, kind, name, pod, onChange, onState) {
      return watchWorkloadDetail(k, {
        ...options.watch,
        namespace,
        kind,
        name,
        ...(pod ? { pod } : {}),
        onChange,
        onState,
      });
    },
    workloadPlanFacts(namespace, kind, name) {
      return workloadPlanFacts(k, namespace, kind, name);
    },
    async listWorkloads(namespace) {
      const [deployments, rollouts] = await Promise.all([
        k.read(`listing Deployments in "${namespace}"`, () => k.apps.listNamespacedDeployment({ namespace })),
        listRollouts(k, namespace),
      ]);
      return sortWorkloads([...deployments.items.map(summariseDeployment), ...rollouts]);
    },
    watchWorkloads(namespace, onChange, onState) {
      return watchWorkloads(k, { ...options.watch, namespace, onChange, onState });
    },
    async whoAmI() {
      try {
        // A SelfSubjectReview is never stored: the server fills in who sent it and answers at once.
        const review = await k.read('asking who we are signed in as', () =>
          authn.createSelfSubjectReview({
            body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
          }),
        );
        const user = review.status?.userInfo;
        if (!user?.username) return null;
        return { username: user.username, groups: user.groups ?? [] };
      } catch (error) {
        // 404: a cluster older than 1.28 (or with the API off) does not report it; 403: we may not ask.
        if (error instanceof ClusterError && (error.status === 404 || error.status === 403)) return null;
        throw error;
      }
    },
  };
}
