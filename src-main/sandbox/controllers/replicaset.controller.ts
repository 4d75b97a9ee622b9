import type { KubeObject } from '../selectors.ts';
import {
  isActive,
  isAvailable,
  isReady,
  ownerRef,
  recordEvent,
  suffix,
  writeStatus,
  type ControllerContext,
} from './context.ts';

/** Pods to delete first when scaling down: unscheduled, then pending, then unready, then the newest. */
function deletionRank(a: KubeObject, b: KubeObject): number {
  const score = (p: KubeObject) =>
    !p.spec.nodeName ? 0 : p.status?.phase === 'Pending' ? 1 : !isReady(p) ? 2 : 3;
  return (
    score(a) - score(b) ||
    String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)) ||
    b.metadata.name.localeCompare(a.metadata.name)
  );
}

/** Creates a pod from a controller's pod template (used by ReplicaSets and Jobs). */
export function createPodFrom(ctx: ControllerContext, owner: KubeObject, template: KubeObject): KubeObject {
  const pod = ctx.store.create('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${owner.metadata.name}-${suffix()}`,
      generateName: `${owner.metadata.name}-`,
      namespace: owner.metadata.namespace,
      labels: { ...template.metadata?.labels },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerRef(owner)],
    },
    // Stored objects are never mutated in place, so pods can share their template's spec.
    spec: template.spec,
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  });
  recordEvent(
    ctx,
    owner,
    'Normal',
    'SuccessfulCreate',
    `Created pod: ${pod.metadata.name}`,
    owner.kind === 'Job' ? 'job-controller' : 'replicaset-controller',
  );
  return pod;
}

/**
 * Keeps each ReplicaSet's pod count at `spec.replicas` (deletions before creations, so a rollout
 * never briefly exceeds its surge) and reports replicas, ready and available counts.
 */
export function runReplicaSets(ctx: ControllerContext): void {
  const now = ctx.clock.now();
  const sets = ctx.work.take('replicasets');
  const creations: [KubeObject, number][] = [];
  for (const rs of sets) {
    const pods = ctx.work.childrenOf(rs.metadata.uid).filter(isActive);
    const diff = (rs.spec.replicas ?? 0) - pods.length;
    if (diff < 0) {
      for (const p of [...pods].sort(deletionRank).slice(0, -diff)) {
        ctx.store.delete('pods', p.metadata.namespace, p.metadata.name);
        recordEvent(
          ctx,
          rs,
          'Normal',
          'SuccessfulDelete',
          `Deleted pod: ${p.metadata.name}`,
          'replicaset-controller',
        );
      }
    } else if (diff > 0) creations.push([rs, diff]);
  }
  for (const [rs, n] of creations) for (let i = 0; i < n; i++) createPodFrom(ctx, rs, rs.spec.template);
  for (const rs of sets) {
    const current = ctx.store.get('replicasets.apps', rs.metadata.namespace, rs.metadata.name);
    if (!current) continue;
    const pods = ctx.work.childrenOf(rs.metadata.uid).filter(isActive);
    const minReady = current.spec.minReadySeconds ?? 0;
    const ready = pods.filter(isReady).length;
    const available = pods.filter((p) => isAvailable(ctx, p, minReady, now)).length;
    // Pods that are ready but not yet available become available with time alone.
    if (available < ready) ctx.work.wait('replicasets', current.metadata.uid);
    writeStatus(ctx, 'replicasets.apps', current, {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      ...(ready > 0 ? { readyReplicas: ready } : {}),
      ...(available > 0 ? { availableReplicas: available } : {}),
      observedGeneration: current.metadata.generation,
    });
  }
}
