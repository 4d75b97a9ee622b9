import type { CoreV1Event, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type {
  EventRow,
  PodRow,
  ReplicaSetRow,
  WorkloadDetail,
} from '../../../src-shared/bridge/connection-views.ts';
import type { WatchState, WorkloadDetailWatch } from '../../ports/cluster.port.ts';
import { jitteredBackoff, type KubeClient } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import {
  runWatch,
  type WatchedObject,
  type WatchHandle,
  type WatchOptions,
  type WatchSpec,
} from './watch-loop.ts';
import {
  EVENT_ROWS,
  eventRow,
  podRow,
  readLog,
  replicaSetRow,
  selectorText,
  workloadSelector,
} from './workload-detail.ts';

/** How `watchWorkloadDetail` runs; timings as in `WatchOptions`. */
export interface DetailWatchOptions extends Pick<WatchOptions<unknown>, 'stallMs' | 'backoffMs' | 'batchMs'> {
  namespace: string;
  kind: 'Deployment' | 'Rollout';
  name: string;
  pod?: string;
  onChange(detail: WorkloadDetail): void;
  onState(state: WatchState): void;
  /** How often the log tail is read again while open, milliseconds. Default 2 000. */
  logEveryMs?: number;
  /** At most this many objects get an events watch (the workload, its newest ReplicaSets, then pods). Default 40. */
  maxEventWatches?: number;
}

interface OwnedReplicaSet {
  row: ReplicaSetRow;
  owned: boolean;
}

/**
 * A workload's drill-down, live: watches its ReplicaSets and pods by its selector, and the events about the
 * workload, each ReplicaSet and each pod through one watch per object (`involvedObject.kind` and `.name` field
 * selector), so a namespace's other events are never read. The watches restart on errors (reported through
 * `onState`), the log tail is read again every `logEveryMs`, and `stop()` ends every watch and timer.
 */
export function watchWorkloadDetail(k: KubeClient, o: DetailWatchOptions): WorkloadDetailWatch {
  const { namespace, kind, name } = o;
  const timings = {
    namespace,
    ...(o.stallMs !== undefined ? { stallMs: o.stallMs } : {}),
    ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
    ...(o.batchMs !== undefined ? { batchMs: o.batchMs } : {}),
  };
  let stopped = false;
  let logPod = o.pod;
  let log: { log: string[]; logNote?: string } = { log: [] };
  let logShownFor: string | undefined;
  let rs: WatchHandle<OwnedReplicaSet> | undefined;
  let pods: WatchHandle<PodRow> | undefined;
  const synced = { rs: false, pods: false };
  const events = new Map<string, WatchHandle<EventRow>>();
  const states = new Map<string, WatchState>();
  let reported = '';
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;

  const rank = { stopped: 0, reconnecting: 1, listing: 2, watching: 3 } as const;
  const report = () => {
    if (stopped) return;
    const worst = [...states.values()].reduce<WatchState>((w, s) => (rank[s.state] < rank[w.state] ? s : w), {
      state: 'watching',
    });
    const key = JSON.stringify(worst);
    if (key === reported) return;
    reported = key;
    o.onState(worst);
  };
  const retired = new Set<string>();
  const stateOf = (key: string) => (s: WatchState) => {
    // A watch this drill-down stopped (its pod went away) says nothing about the drill-down's health.
    if (retired.has(key)) return;
    states.set(key, s);
    report();
  };

  /** The pods by name, as the drill-down lists them (its first pod's log is shown unless one was picked). */
  const sortedPods = () => (pods?.items() ?? []).sort((a, b) => a.name.localeCompare(b.name));
  /** The pod whose log is shown: the one picked while it exists, else the first. */
  const logTarget = (podRows: PodRow[]) =>
    logPod && podRows.some((p) => p.name === logPod) ? logPod : podRows[0]?.name;
  const detail = (): WorkloadDetail => {
    const replicaSets = (rs?.items() ?? [])
      .filter((r) => r.owned)
      .map((r) => r.row)
      .sort((a, b) => Number(b.revision) - Number(a.revision));
    const podRows = sortedPods();
    const eventRows = [...events.values()]
      .flatMap((h) => h.items())
      .sort((a, b) => (b.last ?? '').localeCompare(a.last ?? ''))
      .slice(0, EVENT_ROWS);
    const shown = logTarget(podRows);
    const base = { kind, name, namespace, replicaSets, pods: podRows, events: eventRows };
    return shown && shown === logShownFor ? { ...base, logPod: shown, ...log } : { ...base, log: [] };
  };
  const emit = () => {
    if (stopped || !synced.rs || !synced.pods) return;
    followEvents();
    const d = detail();
    o.onChange(d);
    // A new log pod (the first pod appeared, or the user picked one): read its tail at once.
    const want = logTarget(d.pods);
    if (want && want !== logShownFor) void refreshLog();
  };

  /** Starts an events watch for each object the events may be about, and stops those of objects gone. */
  const followEvents = () => {
    const objects = [
      `${kind}/${name}`,
      ...(rs?.items() ?? []).filter((r) => r.owned).map((r) => `ReplicaSet/${r.row.name}`),
      ...(pods?.items() ?? []).map((p) => `Pod/${p.name}`),
    ].slice(0, o.maxEventWatches ?? 40);
    const wanted = new Set(objects);
    for (const [key, handle] of events)
      if (!wanted.has(key)) {
        retired.add(`events ${key}`);
        events.delete(key);
        states.delete(`events ${key}`);
        handle.stop();
        retired.delete(`events ${key}`);
      }
    for (const key of objects) {
      if (events.has(key)) continue;
      const [objectKind, objectName] = key.split('/') as [string, string];
      const fieldSelector = `involvedObject.kind=${objectKind},involvedObject.name=${objectName}`;
      events.set(
        key,
        runWatch<CoreV1Event, EventRow>(
          k,
          { ...timings, fieldSelector, onChange: emit, onState: stateOf(`events ${key}`) },
          {
            what: `events about ${key}`,
            path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
            list: (page) => k.core.listNamespacedEvent({ namespace, fieldSelector, ...page }),
            project: eventRow,
          },
        ),
      );
    }
  };

  let reading = false;
  let readAgain = false;
  async function refreshLog(): Promise<void> {
    if (stopped) return;
    if (reading) return void (readAgain = true);
    reading = true;
    clearTimeout(timer);
    const target = logTarget(sortedPods());
    if (target) {
      const next = await readLog(k, namespace, target);
      reading = false;
      if (stopped) return;
      const changed = target !== logShownFor || JSON.stringify(next) !== JSON.stringify(log);
      log = next;
      logShownFor = target;
      if (changed && synced.rs && synced.pods) o.onChange(detail());
    }
    reading = false;
    if (readAgain) {
      readAgain = false;
      return refreshLog();
    }
    timer = setTimeout(() => void refreshLog(), o.logEveryMs ?? 2_000);
  }

  async function start(): Promise<void> {
    let labelSelector: string;
    try {
      labelSelector = selectorText(await workloadSelector(k, namespace, kind, name));
    } catch (error) {
      if (stopped) return;
      const e = error instanceof ClusterError ? error : undefined;
      const reason = error instanceof Error ? error.message : String(error);
      if (e && ['notFound', 'forbidden', 'unauthorized', 'invalidConfig'].includes(e.clusterKind))
        return o.onState({ state: 'stopped', reason });
      attempt++;
      const inMs = Math.round(jitteredBackoff(attempt, o.backoffMs ?? 500, 30_000));
      o.onState({ state: 'reconnecting', attempt, inMs, reason });
      timer = setTimeout(() => void start(), inMs);
      return;
    }
    if (stopped) return;
    const owned = (r: V1ReplicaSet): OwnedReplicaSet => ({
      row: replicaSetRow(r),
      owned: (r.metadata?.ownerReferences ?? []).some((ref) => ref.kind === kind && ref.name === name),
    });
    const bySelector = <T extends WatchedObject, P>(
      part: 'rs' | 'pods',
      what: string,
      path: string,
      list: WatchSpec<T, P>['list'],
      project: (obj: T) => P,
    ) =>
      runWatch<T, P>(
        k,
        {
          ...timings,
          labelSelector,
          onChange: (b) => ((synced[part] ||= b.resync), emit()),
          onState: stateOf(part),
        },
        { what: `${what} of ${kind} "${name}"`, path, list, project },
      );
    const ns = encodeURIComponent(namespace);
    rs = bySelector<V1ReplicaSet, OwnedReplicaSet>(
      'rs',
      'ReplicaSets',
      `/apis/apps/v1/namespaces/${ns}/replicasets`,
      (page) => k.apps.listNamespacedReplicaSet({ namespace, labelSelector, ...page }),
      owned,
    );
    pods = bySelector<V1Pod, PodRow>(
      'pods',
      'pods',
      `/api/v1/namespaces/${ns}/pods`,
      (page) => k.core.listNamespacedPod({ namespace, labelSelector, ...page }),
      podRow,
    );
    timer = setTimeout(() => void refreshLog(), o.logEveryMs ?? 2_000);
  }

  void start();
  return {
    showLog(pod) {
      logPod = pod;
      void refreshLog();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      rs?.stop();
      pods?.stop();
      for (const h of events.values()) h.stop();
      events.clear();
    },
  };
}
