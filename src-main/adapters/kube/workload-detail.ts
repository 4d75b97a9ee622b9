import type { CoreV1Event, V1LabelSelector, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type {
  EventRow,
  PodRow,
  ReplicaSetRow,
  WorkloadDetail,
} from '../../../src-shared/bridge/connection-views.ts';
import type { KubeClient } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import { ROLLOUTS, imageTag } from './workload-summary.ts';

/** Log lines a drill-down shows. */
const LOG_LINES = 50;
/** Events a drill-down shows, newest first. */
export const EVENT_ROWS = 30;

/**
 * What a workload row opens onto, read as `kubectl describe` and `kubectl logs --tail` would: the workload's
 * selector picks its ReplicaSets and pods; events are those about the workload, its ReplicaSets or its pods.
 */
export async function describeWorkload(
  k: KubeClient,
  namespace: string,
  kind: 'Deployment' | 'Rollout',
  name: string,
  pod?: string,
): Promise<WorkloadDetail> {
  const selector = await workloadSelector(k, namespace, kind, name);
  const labelSelector = selectorText(selector);
  const [rsList, podList, eventList] = await Promise.all([
    k.read(`listing ReplicaSets of ${kind} "${name}"`, () =>
      k.apps.listNamespacedReplicaSet({ namespace, labelSelector }),
    ),
    k.read(`listing pods of ${kind} "${name}"`, () => k.core.listNamespacedPod({ namespace, labelSelector })),
    k.read(`listing events in "${namespace}"`, () => k.core.listNamespacedEvent({ namespace })),
  ]);
  const replicaSets = rsList.items
    .filter((rs) => (rs.metadata?.ownerReferences ?? []).some((o) => o.kind === kind && o.name === name))
    .map(replicaSetRow)
    .sort((a, b) => Number(b.revision) - Number(a.revision));
  const pods = podList.items.map(podRow).sort((a, b) => a.name.localeCompare(b.name));
  const about = new Set([
    `${kind}/${name}`,
    ...replicaSets.map((r) => `ReplicaSet/${r.name}`),
    ...pods.map((p) => `Pod/${p.name}`),
  ]);
  const events = eventList.items
    .map(eventRow)
    .filter((e) => about.has(e.object))
    .sort((a, b) => (b.last ?? '').localeCompare(a.last ?? ''))
    .slice(0, EVENT_ROWS);
  const logPod = pod && pods.some((p) => p.name === pod) ? pod : pods[0]?.name;
  const base = { kind, name, namespace, replicaSets, pods, events };
  if (!logPod) return { ...base, log: [] };
  return { ...base, logPod, ...(await readLog(k, namespace, logPod)) };
}

/** The last log lines of a pod; a log that cannot be read is a `logNote`, not an error. */
export async function readLog(
  k: KubeClient,
  namespace: string,
  pod: string,
): Promise<{ log: string[]; logNote?: string }> {
  try {
    const text = await k.read(`reading the log of pod "${pod}"`, () =>
      k.core.readNamespacedPodLog({ name: pod, namespace, tailLines: LOG_LINES }),
    );
    return { log: String(text).split('\n').filter(Boolean).slice(-LOG_LINES) };
  } catch (error) {
    return { log: [], logNote: error instanceof Error ? error.message : String(error) };
  }
}

export async function workloadSelector(
  k: KubeClient,
  namespace: string,
  kind: 'Deployment' | 'Rollout',
  name: string,
): Promise<V1LabelSelector> {
  if (kind === 'Deployment') {
    const d = await k.read(`reading Deployment "${name}"`, () =>
      k.apps.readNamespacedDeployment({ name, namespace }),
    );
    return d.spec?.selector ?? {};
  }
  const r = (await k.read(`reading Rollout "${name}"`, () =>
    k.custom.getNamespacedCustomObject({ ...ROLLOUTS, namespace, name }),
  )) as { spec?: { selector?: V1LabelSelector } };
  return r.spec?.selector ?? {};
}

/** A label selector as the API's `labelSelector` text; refuses an empty one (it would match every pod). */
export function selectorText(s: V1LabelSelector): string {
  const parts = Object.entries(s.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const e of s.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  if (parts.length === 0)
    throw new ClusterError(
      'invalidConfig',
      'The workload has no pod selector, so its pods cannot be told apart.',
    );
  return parts.join(',');
}

export function replicaSetRow(rs: V1ReplicaSet): ReplicaSetRow {
  const image = rs.spec?.template?.spec?.containers?.[0]?.image ?? '';
  return {
    name: rs.metadata?.name ?? '',
    revision: rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '',
    version: imageTag(image),
    replicas: rs.status?.replicas ?? 0,
    readyReplicas: rs.status?.readyReplicas ?? 0,
    ...(rs.metadata?.creationTimestamp ? { created: iso(rs.metadata.creationTimestamp) } : {}),
  };
}

/** kubectl's STATUS column: a deletion, else the first waiting or terminated container's reason, else the phase. */
export function podRow(p: V1Pod): PodRow {
  const containers = p.status?.containerStatuses ?? [];
  const stuck = containers
    .map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason)
    .find((r): r is string => Boolean(r));
  const status = p.metadata?.deletionTimestamp ? 'Terminating' : (stuck ?? p.status?.phase ?? 'Unknown');
  return {
    name: p.metadata?.name ?? '',
    status,
    ready: containers.length > 0 && containers.every((c) => c.ready),
    restarts: containers.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    node: p.spec?.nodeName ?? '',
    ...(p.metadata?.creationTimestamp ? { created: iso(p.metadata.creationTimestamp) } : {}),
  };
}

export function eventRow(e: CoreV1Event): EventRow {
  const last = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return {
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
    message: e.message ?? '',
    count: e.count ?? 1,
    ...(last ? { last: iso(last) } : {}),
  };
}

function iso(t: Date | string): string {
  return t instanceof Date ? t.toISOString() : new Date(t).toISOString();
}
