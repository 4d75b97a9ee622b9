import type { KubeObject } from '../selectors.ts';
import { isActive, isReady, ownerRef, recordEvent, writeStatus, type ControllerContext } from './context.ts';
import { syncControllerRevision } from './controller-revision.ts';
import { templateHash } from './deployment.controller.ts';

const revisionLabel = 'controller-revision-hash';

function ordinal(sts: KubeObject, pod: KubeObject): number {
  const n = Number(pod.metadata.name.slice(sts.metadata.name.length + 1));
  return Number.isInteger(n) ? n : -1;
}

function createPod(ctx: ControllerContext, sts: KubeObject, i: number, revision: string): void {
  const template = sts.spec.template;
  const name = `${sts.metadata.name}-${i}`;
  ctx.store.create('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: sts.metadata.namespace,
      labels: {
        ...template.metadata?.labels,
        [revisionLabel]: revision,
        'statefulset.kubernetes.io/pod-name': name,
        'apps.kubernetes.io/pod-index': String(i),
      },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerRef(sts)],
    },
    spec: {
      ...template.spec,
      hostname: name,
      ...(sts.spec.serviceName ? { subdomain: sts.spec.serviceName } : {}),
    },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  });
  recordEvent(
    ctx,
    sts,
    'Normal',
    'SuccessfulCreate',
    `create Pod ${name} in StatefulSet ${sts.metadata.name} successful`,
    'statefulset-controller',
  );
}

/**
 * The StatefulSet controller: pods `NAME-0` … `NAME-(n-1)` created in order, each after the one before
 * is ready (`OrderedReady`; all at once for `Parallel`), removed from the highest ordinal down, and
 * rolling updates replacing one pod at a time from the highest ordinal down to the partition; status
 * with ready/current/updated counts and revisions, as `kubectl rollout status` reads them.
 */
export function runStatefulSets(ctx: ControllerContext): void {
  for (const sts of ctx.store.list('statefulsets.apps')) {
    if (sts.metadata.deletionTimestamp) continue;
    const hash = templateHash(sts.spec.template);
    const revision = `${sts.metadata.name}-${hash}`;
    syncControllerRevision(ctx, sts, hash);
    const replicas: number = sts.spec.replicas ?? 1;
    const ordered = sts.spec.podManagementPolicy !== 'Parallel';
    const pods = ctx.work
      .childrenOf(sts.metadata.uid)
      .filter(isActive)
      .sort((a, b) => ordinal(sts, a) - ordinal(sts, b));
    const byOrdinal = new Map(pods.map((p) => [ordinal(sts, p), p]));
    let changed = false;
    for (let i = 0; i < replicas && !changed; i++) {
      if (byOrdinal.has(i)) continue;
      const before = [...Array(i).keys()].map((j) => byOrdinal.get(j));
      if (!ordered || before.every((p) => p && isReady(p))) {
        createPod(ctx, sts, i, revision);
        changed = ordered;
      } else break;
    }
    const extra = pods.filter((p) => ordinal(sts, p) >= replicas);
    if (extra.length > 0 && (!ordered || pods.every(isReady))) {
      const last = extra[extra.length - 1]!;
      ctx.store.delete('pods', last.metadata.namespace, last.metadata.name);
    }
    const partition: number = sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    const outdated = pods.filter(
      (p) =>
        ordinal(sts, p) < replicas &&
        ordinal(sts, p) >= partition &&
        p.metadata.labels?.[revisionLabel] !== revision,
    );
    if (
      sts.spec.updateStrategy?.type !== 'OnDelete' &&
      outdated.length > 0 &&
      pods.length >= replicas &&
      pods.every(isReady)
    ) {
      const last = outdated[outdated.length - 1]!;
      ctx.store.delete('pods', last.metadata.namespace, last.metadata.name);
    }
    const current = pods.filter((p) => ordinal(sts, p) < replicas);
    const updated = current.filter((p) => p.metadata.labels?.[revisionLabel] === revision).length;
    const ready = current.filter(isReady).length;
    const done = updated === replicas && current.length === replicas;
    const currentRevision: string = done ? revision : (sts.status?.currentRevision ?? revision);
    writeStatus(ctx, 'statefulsets.apps', sts, {
      observedGeneration: sts.metadata.generation,
      replicas: current.length,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: current.filter((p) => p.metadata.labels?.[revisionLabel] === currentRevision).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision: revision,
      collisionCount: 0,
    });
  }
}
