import type { V1Deployment, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { WorkloadSummary } from '../../../src-shared/bridge/contract.ts';

/** The Argo Rollouts API as the adapter addresses it through CustomObjectsApi. */
export const ROLLOUTS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts' } as const;

/** The fields of an Argo Rollout the summary reads (the client library has no type for the CRD). */
export interface RolloutObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: { replicas?: number; template?: V1PodTemplateSpec; workloadRef?: { name?: string } };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

/** The renderer's view of a Deployment: counts and images, nothing else. */
export function summariseDeployment(d: V1Deployment): WorkloadSummary {
  return summarise('Deployment', d);
}

/**
 * The renderer's view of an Argo Rollout, read like a Deployment: desired replicas from the spec (default 1),
 * ready/updated/available from the status. A Rollout that points at a Deployment (`workloadRef`) has no
 * template of its own: its images are empty and its version is ''.
 */
export function summariseRollout(r: RolloutObject): WorkloadSummary {
  return summarise('Rollout', r);
}

function summarise(
  kind: WorkloadSummary['kind'],
  o: {
    metadata?: { name?: string; namespace?: string };
    spec?: { replicas?: number; template?: V1PodTemplateSpec };
    status?: { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
  },
): WorkloadSummary {
  const images = (o.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '');
  return {
    kind,
    name: o.metadata?.name ?? '',
    namespace: o.metadata?.namespace ?? '',
    replicas: o.spec?.replicas ?? 1,
    readyReplicas: o.status?.readyReplicas ?? 0,
    updatedReplicas: o.status?.updatedReplicas ?? 0,
    availableReplicas: o.status?.availableReplicas ?? 0,
    images,
    version: images.length > 0 || kind === 'Deployment' ? imageTag(images[0] ?? '') : '',
  };
}

/** Workloads in display order: by name, then kind (a Deployment and a Rollout may share a name). */
export function sortWorkloads(list: WorkloadSummary[]): WorkloadSummary[] {
  return list.sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
}

/** The tag (or digest) of an image reference; `latest` when it has none. */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}
