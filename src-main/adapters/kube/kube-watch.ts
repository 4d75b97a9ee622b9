import { Watch, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import type { WorkloadSummary } from '../../../src-shared/bridge/contract.ts';
import type { WatchState, WatchSubscription } from '../../ports/cluster.port.ts';
import { createKubeClient, jitteredBackoff, type KubeClient } from './kube-client.ts';
import { ClusterError, toClusterError } from './kube-errors.ts';
import {
  ROLLOUTS,
  sortWorkloads,
  summariseDeployment,
  summariseRollout,
  type RolloutObject,
} from './workload-summary.ts';

export type { WatchState } from '../../ports/cluster.port.ts';

/** A batch of changes to the keyed store; `resync` means the store was rebuilt by a (re)list and `items` is all of it. */
interface WatchBatch<P> {
  resync: boolean;
  /** Added or changed projections. */
  upserts: P[];
  /** Keys (`namespace/name`) that went away. */
  deletes: string[];
}

/** Options shared by the watches the adapter owns. */
export interface WatchOptions<P> {
  namespace: string;
  /** e.g. `app=workflow-engine`; absent = everything in the namespace. */
  labelSelector?: string;
  /** Items per page of the initial list. Default 500. */
  pageSize?: number;
  /** Restart the watch when no event and no bookmark came for this long, milliseconds. Default 60 000. */
  stallMs?: number;
  /** First reconnect delay, milliseconds; doubles per failed attempt with full jitter, capped at 30 s. Default 500. */
  backoffMs?: number;
  /** Changes are batched for this long before `onChange`, milliseconds. Default 100. */
  batchMs?: number;
  onChange(batch: WatchBatch<P>): void;
  onState?(state: WatchState): void;
}

/** A running watch. */
export interface WatchHandle<P> {
  /** The projections now in the store, keyed by `namespace/name`. */
  items(): P[];
  stop(): void;
}

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

interface ListPage<T> {
  items: T[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

interface WatchSpec<T, P> {
  what: string;
  path: string;
  list(page: { limit: number; _continue?: string }): Promise<ListPage<T>>;
  project(obj: T): P;
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
    list: (page) =>
      k.apps.listNamespacedDeployment({ namespace: o.namespace, labelSelector: o.labelSelector, ...page }),
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
    list: async (page) => {
      // Custom objects come back as plain JSON: the continue token is `continue`, not the typed `_continue`.
      const raw = (await k.custom.listNamespacedCustomObject({
        ...ROLLOUTS,
        namespace: o.namespace,
        labelSelector: o.labelSelector,
        ...page,
      })) as { items?: RolloutObject[]; metadata?: { resourceVersion?: string; continue?: string } };
      return {
        items: raw.items ?? [],
        metadata: { resourceVersion: raw.metadata?.resourceVersion, _continue: raw.metadata?.continue },
      };
    },
    project: summariseRollout,
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

function keyOf(o: { metadata?: { namespace?: string; name?: string } }): string {
  return `${o.metadata?.namespace}/${o.metadata?.name}`;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNRESET: 'connection reset',
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection broken',
  ENOTFOUND: 'server name not found',
  EHOSTUNREACH: 'server unreachable',
  ENETUNREACH: 'network unreachable',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed mid-stream',
};

/** Why a watch stream failed, in a few plain words (`connection reset`), else the library's message. */
export function streamFailure(err: unknown): string {
  const e = err as { code?: unknown; errno?: unknown; statusCode?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.errno === 'string' ? e.errno : '';
  if (NETWORK_WORDS[code]) return NETWORK_WORDS[code];
  if (typeof e?.statusCode === 'number') return `the server answered ${e.statusCode}`;
  return err instanceof Error ? err.message : String(err);
}

/** Every page of a list, and the resourceVersion to watch from. Throws `ClusterError`. */
async function listPages<T, P>(
  k: KubeClient,
  spec: WatchSpec<T, P>,
  pageSize: number,
  cancelled: () => boolean,
): Promise<{ items: T[]; rv: string }> {
  const items: T[] = [];
  let cont: string | undefined;
  let rv = '';
  do {
    const page: ListPage<T> = await k.read(`listing ${spec.what}`, () =>
      spec.list({ limit: pageSize, ...(cont ? { _continue: cont } : {}) }),
    );
    items.push(...page.items);
    cont = page.metadata?._continue || undefined;
    rv = page.metadata?.resourceVersion ?? rv;
  } while (cont && !cancelled());
  return { items, rv };
}

type WatchedObject = { metadata?: { namespace?: string; name?: string; resourceVersion?: string } };

function runWatch<T extends WatchedObject, P>(
  k: KubeClient,
  options: WatchOptions<P>,
  spec: WatchSpec<T, P>,
): WatchHandle<P> {
  const store = new Map<string, P>();
  const pageSize = options.pageSize ?? 500;
  const stallMs = options.stallMs ?? 60_000;
  const backoffMs = options.backoffMs ?? 500;
  const batchMs = options.batchMs ?? 100;
  const watcher = new Watch(k.kc);
  let stopped = false;
  let resourceVersion = '';
  let attempt = 0;
  let current: AbortController | undefined;
  let generation = 0;
  let lastSignal = Date.now();
  let lastTick = Date.now();
  let retryTimer: NodeJS.Timeout | undefined;
  let pending: WatchBatch<P> | undefined;
  let flushTimer: NodeJS.Timeout | undefined;

  const state = (s: WatchState) => options.onState?.(s);
  const flush = () => {
    flushTimer = undefined;
    if (pending && !stopped) options.onChange(pending);
    pending = undefined;
  };
  const queue = (change: Partial<WatchBatch<P>>) => {
    if (change.resync) pending = { resync: true, upserts: [...store.values()], deletes: [] };
    else {
      pending ??= { resync: false, upserts: [], deletes: [] };
      if (!pending.resync) {
        pending.upserts.push(...(change.upserts ?? []));
        pending.deletes.push(...(change.deletes ?? []));
      } else pending.upserts = [...store.values()];
    }
    flushTimer ??= setTimeout(flush, batchMs);
  };

  const stop = (reason: string) => {
    if (stopped) return;
    stopped = true;
    generation++;
    current?.abort();
    clearTimeout(retryTimer);
    clearInterval(health);
    if (flushTimer) flush();
    state({ state: 'stopped', reason });
  };

  const retry = (reason: string) => {
    if (stopped) return;
    generation++;
    current?.abort();
    current = undefined;
    attempt++;
    const inMs = Math.round(jitteredBackoff(attempt, backoffMs, 30_000));
    state({ state: 'reconnecting', attempt, inMs, reason });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void (resourceVersion ? watchFrom() : list()), inMs);
  };

  async function list(): Promise<void> {
    if (stopped) return;
    state({ state: 'listing' });
    try {
      const { items, rv } = await listPages(k, spec, pageSize, () => stopped);
      store.clear();
      for (const item of items) store.set(keyOf(item), spec.project(item));
      resourceVersion = rv;
      queue({ resync: true });
      await watchFrom();
    } catch (error) {
      const e = toClusterError(error, k.context, `listing ${spec.what}`);
      if (e.clusterKind === 'forbidden' || e.clusterKind === 'unauthorized') return stop(e.message);
      resourceVersion = '';
      retry(e.message);
    }
  }

  async function watchFrom(): Promise<void> {
    if (stopped) return;
    lastSignal = Date.now();
    const mine = ++generation;
    const query: Record<string, string | number | boolean | undefined> = {
      resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: 300,
      labelSelector: options.labelSelector,
    };
    const started = await watcher.watch(
      spec.path,
      query,
      (type: string, obj: T & { code?: number; message?: string }) => {
        if (mine !== generation) return;
        lastSignal = Date.now();
        if (type === 'ERROR') {
          // 410 Gone: our resourceVersion is too old for the server; list again from scratch.
          if (obj.code === 410) {
            resourceVersion = '';
            generation++;
            current?.abort();
            void list();
          } else retry(obj.message ?? 'the server sent an error event');
          return;
        }
        if (obj.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
        if (type === 'BOOKMARK') return;
        attempt = 0;
        const key = keyOf(obj);
        if (type === 'DELETED') {
          store.delete(key);
          queue({ deletes: [key] });
        } else {
          const p = spec.project(obj);
          store.set(key, p);
          queue({ upserts: [p] });
        }
      },
      (err: unknown) => {
        if (stopped || mine !== generation) return;
        const status = (err as { statusCode?: number } | null)?.statusCode;
        if (status === 403) return stop(`you may not watch ${spec.what} (403)`);
        if (status === 401)
          return stop(`"${k.context}" rejected our credentials while watching ${spec.what} (401)`);
        if (status === 410) {
          resourceVersion = '';
          void list();
          return;
        }
        // A normal server-side close (timeoutSeconds) reconnects at once from where it was.
        if (!err) return void watchFrom();
        retry(streamFailure(err));
      },
    );
    if (mine !== generation) return void started.abort();
    current = started;
    if (!stopped) state({ state: 'watching' });
  }

  const health = setInterval(
    () => {
      const now = Date.now();
      // A wall-clock jump (laptop sleep) or a silent connection: restart rather than trust the stream.
      const slept = now - lastTick > 10_000;
      lastTick = now;
      if (!stopped && current && (slept || now - lastSignal > stallMs)) {
        const reason = slept
          ? 'the computer slept'
          : `no event or bookmark for ${Math.round((now - lastSignal) / 1000)} s`;
        const old = current;
        current = undefined;
        generation++;
        old.abort();
        state({ state: 'reconnecting', attempt: 0, inMs: 0, reason });
        void watchFrom();
      }
    },
    Math.min(1_000, stallMs / 2),
  );
  health.unref();

  void list();
  return { items: () => [...store.values()], stop: () => stop('stopped') };
}
