import type { KubeObject } from '../selectors.ts';
import {
  isActive,
  isReady,
  ownerRef,
  recordEvent,
  suffix,
  writeStatus,
  type ControllerContext,
} from './context.ts';
import { syncControllerRevision } from './controller-revision.ts';
import { intOrPercent, templateHash } from './deployment.controller.ts';

const revisionLabel = 'controller-revision-hash';

function createPod(ctx: ControllerContext, ds: KubeObject, node: string, hash: string): void {
  const template = ds.spec.template;
  const name = `${ds.metadata.name}-${suffix()}`;
  ctx.store.create('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: {
        ...template.metadata?.labels,
        [revisionLabel]: hash,
        'pod-template-generation': String(ds.metadata.generation ?? 1),
      },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerRef(ds)],
    },
    spec: { ...template.spec, nodeName: node },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  });
  recordEvent(ctx, ds, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`, 'daemonset-controller');
}

/**
 * The DaemonSet controller: one pod per node (cordoned nodes included, as DaemonSet pods tolerate it),
 * rolling updates replacing at most `maxUnavailable` pods at a time, and the scheduled/ready/updated/
 * available counts `kubectl rollout status` and `get ds` read.
 */
export function runDaemonSets(ctx: ControllerContext): void {
  const sets = ctx.store.list('daemonsets.apps');
  if (sets.length === 0) return;
  const nodes = ctx.store.list('nodes').map((n) => n.metadata.name);
  for (const ds of sets) {
    if (ds.metadata.deletionTimestamp) continue;
    const hash = templateHash(ds.spec.template);
    syncControllerRevision(ctx, ds, hash);
    const pods = ctx.work.childrenOf(ds.metadata.uid).filter(isActive);
    for (const node of nodes) if (!pods.some((p) => p.spec.nodeName === node)) createPod(ctx, ds, node, hash);
    for (const p of pods)
      if (!nodes.includes(p.spec.nodeName)) ctx.store.delete('pods', p.metadata.namespace, p.metadata.name);
    const maxUnavailable = Math.max(
      1,
      intOrPercent(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, nodes.length, false),
    );
    if (ds.spec.updateStrategy?.type !== 'OnDelete') {
      const unavailable = nodes.length - pods.filter(isReady).length;
      const outdated = pods.filter((p) => p.metadata.labels?.[revisionLabel] !== hash);
      for (const p of outdated.slice(0, Math.max(0, maxUnavailable - unavailable)))
        ctx.store.delete('pods', p.metadata.namespace, p.metadata.name);
    }
    const live = ctx.work.childrenOf(ds.metadata.uid).filter(isActive);
    const ready = live.filter(isReady).length;
    writeStatus(ctx, 'daemonsets.apps', ds, {
      observedGeneration: ds.metadata.generation,
      desiredNumberScheduled: nodes.length,
      currentNumberScheduled: live.length,
      numberMisscheduled: 0,
      numberReady: ready,
      numberAvailable: ready,
      ...(nodes.length - ready > 0 ? { numberUnavailable: nodes.length - ready } : {}),
      updatedNumberScheduled: live.filter((p) => p.metadata.labels?.[revisionLabel] === hash).length,
    });
  }
}
