import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { WorkloadSummary } from '../../../src-shared/bridge/contract.ts';
import type { WatchState, WatchSubscription } from '../../ports/cluster.port.ts';
import { createKubeClient, type KubeClient } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import {
  listPages,
  runWatch,
  type WatchedObject,
  type WatchHandle,
  type WatchOptions,
  type WatchSpec,
} from './watch-loop.ts';
import {
  ROLLOUTS,
  sortWorkloads,
  summariseDeployment,
  summariseRollout,
  type RolloutObject,
} from './workload-summary.ts';

export type { WatchState } from '../../ports/cluster.port.ts';

/** The run screen's view of a pod: status counts, never the full object. */
export interface PodProjection {
  key: string;
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  /** The `version` label, else the image tag. */
  version: string;
  image: string;
  /** CrashLoopBackOff, ImagePullBackOff… when a container waits for such a reason. */
  waitingReason?: string;
  terminating: boolean;
}

/** Watches the pods of a namespace (optionally by selector) as trimmed `PodProjection`s. Throws `ClusterError` `invalidConfig` for an unusable kubeconfig. */
export function watchPods(
  kubeconfigYaml: string,
  options: WatchOptions<PodProjection>,
): WatchHandle<PodProjection> {
  const k = createKubeClient(kubeconfigYaml);
  const ns = options.namespace;
  return runWatch(k, options, {
    what: `pods in "${ns}"`,
    path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`,
    list: (page) =>
      k.core.listNamespacedPod({ namespace: ns, labelSelector: options.labelSelector, ...page }),
    project: projectPod,
  });
}

/** Watches the Deployments of a namespace as `WorkloadSummary` projections. Throws `ClusterError` `invalidConfig` for an unusable kubeconfig. */
export function watchDeployments(
  kubeconfigYaml: string,
  options: WatchOptions<WorkloadSummary>,
): WatchHandle<WorkloadSummary> {
  const k = createKubeClient(kubeconfigYaml);
  return runWatch(k, options, deploymentSpec(k, options));
}

function deploymentSpec(
  k: KubeClient,
  o: { namespace: string; labelSelector?: string },
): WatchSpec<V1Deployment, WorkloadSummary> {
  return {
    what: `Deployments in "${o.namespace}"`,
    path: `/apis/apps/v1/namespaces/${encodeURIComponent(o.namespace)}/deployments`,
    // As plain JSON, as the watch events arrive: the typed list's deserialisation took half the client's time
    // for 1,000 Deployments, for fields the summary never reads (dates become strings, which it does not read).
    list: (page) => listPlain<V1Deployment>(k, DEPLOYMENTS, o, page),
    project: summariseDeployment,
  };
}

function rolloutSpec(
  k: KubeClient,
  o: { namespace: string; labelSelector?: string },
): WatchSpec<RolloutObject, WorkloadSummary> {
  return {
    what: `Argo Rollouts in "${o.namespace}"`,
    path: `/apis/${ROLLOUTS.group}/${ROLLOUTS.version}/namespaces/${encodeURIComponent(o.namespace)}/${ROLLOUTS.plural}`,
    list: (page) => listPlain<RolloutObject>(k, ROLLOUTS, o, page),
    project: summariseRollout,
  };
}

const DEPLOYMENTS = { group: 'apps', version: 'v1', plural: 'deployments' } as const;

/** One page of a namespaced list through CustomObjectsApi: plain JSON, whose continue token is `continue`. */
async function listPlain<T>(
  k: KubeClient,
  api: { group: string; version: string; plural: string },
  o: { namespace: string; labelSelector?: string },
  page: { limit: number; _continue?: string },
): Promise<{ items: T[]; metadata: { resourceVersion?: string; _continue?: string } }> {
  const raw = (await k.custom.listNamespacedCustomObject({
    ...api,
    namespace: o.namespace,
    labelSelector: o.labelSelector,
    ...page,
  })) as { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } };
  return {
    items: raw.items ?? [],
    metadata: { resourceVersion: raw.metadata?.resourceVersion, _continue: raw.metadata?.continue },
  };
}

/**
 * True when the cluster serves Argo Rollouts (`argoproj.io/v1alpha1` lists `rollouts` in discovery). A 404 (or a
 * refused discovery) means not installed: false, no error. Throws `ClusterError` when the cluster cannot be asked.
 */
async function rolloutsServed(k: KubeClient): Promise<boolean> {
  try {
    const list = await k.read('discovering Argo Rollouts', () =>
      k.custom.getAPIResources({ group: ROLLOUTS.group, version: ROLLOUTS.version }),
    );
    return list.resources.some((r) => r.name === ROLLOUTS.plural);
  } catch (error) {
    if (error instanceof ClusterError && (error.status === 404 || error.status === 403)) return false;
    throw error;
  }
}

/** Lists the Argo Rollouts of a namespace as summaries; [] when the cluster does not serve them. Throws `ClusterError`. */
export async function listRollouts(k: KubeClient, namespace: string): Promise<WorkloadSummary[]> {
  if (!(await rolloutsServed(k))) return [];
  const { items } = await listPages(k, rolloutSpec(k, { namespace }), 500, () => false);
  return items.map(summariseRollout);
}

/** How `watchWorkloads` runs; timings as in `WatchOptions`. */
export interface WorkloadWatchOptions extends Pick<
  WatchOptions<WorkloadSummary>,
  'pageSize' | 'stallMs' | 'backoffMs' | 'batchMs'
> {
  namespace: string;
  /** The whole list, sorted by name then kind, after the first lists and after each batch of changes. */
  onChange(workloads: WorkloadSummary[]): void;
  /** The least healthy state of the watches (stopped, then reconnecting, then listing), on each change. */
  onState(state: WatchState): void;
  /** Delay before discovery of Argo Rollouts is tried again after it failed, milliseconds. Default 10 000. */
  discoveryRetryMs?: number;
}

/**
 * Watches the workloads of a namespace: Deployments always, Argo Rollouts when the cluster serves them.
 * Nothing is reported until every started watch has listed once (the first `onChange` is complete).
 */
export function watchWorkloads(k: KubeClient, options: WorkloadWatchOptions): WatchSubscription {
  interface Part {
    handle?: WatchHandle<WorkloadSummary>;
    state: WatchState;
    synced: boolean;
  }
  const parts: Part[] = [];
  const timings = {
    namespace: options.namespace,
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
    ...(options.stallMs !== undefined ? { stallMs: options.stallMs } : {}),
    ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
    ...(options.batchMs !== undefined ? { batchMs: options.batchMs } : {}),
  };
  let stopped = false;
  let discovering = true;
  let reported = '';
  let retryTimer: NodeJS.Timeout | undefined;

  const emit = () => {
    // A stopped watch will never list: the others are shown without it.
    if (stopped || discovering || parts.some((p) => !p.synced && p.state.state !== 'stopped')) return;
    options.onChange(sortWorkloads(parts.flatMap((p) => p.handle?.items() ?? [])));
  };
  const rank = { stopped: 0, reconnecting: 1, listing: 2, watching: 3 } as const;
  const report = () => {
    if (stopped) return;
    const worst = parts.reduce<WatchState>((w, p) => (rank[p.state.state] < rank[w.state] ? p.state : w), {
      state: 'watching',
    });
    const key = JSON.stringify(worst);
    if (key === reported) return;
    reported = key;
    options.onState(worst);
  };
  const start = <T extends WatchedObject>(spec: WatchSpec<T, WorkloadSummary>) => {
    const part: Part = { state: { state: 'listing' }, synced: false };
    parts.push(part);
    part.handle = runWatch(
      k,
      {
        ...timings,
        onChange: (batch) => {
          if (batch.resync) part.synced = true;
          emit();
        },
        onState: (s) => {
          part.state = s;
          report();
          if (s.state === 'stopped') emit();
        },
      },
      spec,
    );
  };
  const discover = async () => {
    try {
      const served = await rolloutsServed(k);
      if (stopped) return;
      discovering = false;
      if (served) start(rolloutSpec(k, options));
      else emit();
    } catch {
      if (stopped) return;
      // Deployments are shown meanwhile; the Deployment watch reports why the cluster cannot be reached.
      discovering = false;
      emit();
      retryTimer = setTimeout(() => void discover(), options.discoveryRetryMs ?? 10_000);
      retryTimer.unref();
    }
  };

  start(deploymentSpec(k, options));
  void discover();
  return {
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      for (const p of parts) p.handle?.stop();
    },
  };
}

/** The trimmed view of one pod. */
function projectPod(p: V1Pod): PodProjection {
  const statuses = p.status?.containerStatuses ?? [];
  const image = p.spec?.containers?.[0]?.image ?? '';
  const colon = image.lastIndexOf(':');
  const waiting = statuses.find((s) => s.state?.waiting?.reason)?.state?.waiting?.reason;
  return {
    key: `${p.metadata?.namespace}/${p.metadata?.name}`,
    name: p.metadata?.name ?? '',
    phase: p.status?.phase ?? 'Unknown',
    ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    version:
      p.metadata?.labels?.version ?? (colon > image.lastIndexOf('/') ? image.slice(colon + 1) : 'latest'),
    image,
    ...(waiting ? { waitingReason: waiting } : {}),
    terminating: Boolean(p.metadata?.deletionTimestamp),
  };
}
