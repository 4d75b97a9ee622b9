import type { V1Deployment } from '@kubernetes/client-node';
import type { WorkloadSummary } from '../../../src-shared/bridge/contract.ts';
import type { ClusterPort } from '../../ports/cluster.port.ts';
import { createKubeClient } from './kube-client.ts';

export interface KubeAdapterOptions {
  /** Per-call deadline in milliseconds. */
  readonly timeoutMs?: number;
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
  return {
    context,
    async listNamespaces() {
      const list = await k.read('listing namespaces', () => k.core.listNamespace());
      return list.items
        .map((n) => n.metadata?.name ?? '')
        .filter(Boolean)
        .sort();
    },
    async listWorkloads(namespace) {
      const list = await k.read(`listing Deployments in "${namespace}"`, () =>
        k.apps.listNamespacedDeployment({ namespace }),
      );
      return list.items.map(summariseDeployment).sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}

/** The renderer's view of a Deployment: counts and images, nothing else. */
export function summariseDeployment(d: V1Deployment): WorkloadSummary {
  const images = (d.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '');
  return {
    kind: 'Deployment',
    name: d.metadata?.name ?? '',
    namespace: d.metadata?.namespace ?? '',
    replicas: d.spec?.replicas ?? 1,
    readyReplicas: d.status?.readyReplicas ?? 0,
    updatedReplicas: d.status?.updatedReplicas ?? 0,
    availableReplicas: d.status?.availableReplicas ?? 0,
    images,
    version: imageTag(images[0] ?? ''),
  };
}

/** The tag (or digest) of an image reference; `latest` when it has none. */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}
