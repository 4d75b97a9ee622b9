import type { WorkloadSummary } from '../../src-shared/bridge/contract.ts';
import { keepUnchangedRows } from '../../src-shared/bridge/workload-rows.ts';
import type { ClusterPort, WatchState } from '../ports/cluster.port.ts';

/** One `cluster:workloads` event: the whole list, with `error` while live updates are lost or stopped. */
export interface WorkloadFeedEvent {
  context: string;
  namespace: string;
  workloads: WorkloadSummary[];
  error?: string;
}

/**
 * Follows a namespace's workloads through the cluster's watch and sends the whole sorted list on each
 * batch that changes what the table shows: a watch event that only moved a resourceVersion or a condition's
 * timestamp sends nothing (with thousands of workloads, each send is hundreds of kB). While the watch
 * reconnects or after it stopped (a 403), it sends the last good list with the problem in plain words; when
 * the watch is healthy again it sends the list without it. `stop()` ends it without a further event. A cluster that cannot be connected is reported as an event, never thrown.
 */
export function startWorkloadFeed(
  cluster: Promise<ClusterPort>,
  where: { context: string; namespace: string },
  emit: (event: WorkloadFeedEvent) => void,
): { stop(): void } {
  let stopped = false;
  let watch: { stop(): void } | null = null;
  let workloads: WorkloadSummary[] = [];
  let listed = false;
  let error: string | undefined;
  const send = () => {
    if (!stopped) emit({ ...where, workloads, ...(error ? { error } : {}) });
  };
  cluster.then(
    (c) => {
      if (stopped) return;
      watch = c.watchWorkloads(
        where.namespace,
        (list) => {
          const first = !listed;
          const next = keepUnchangedRows(workloads, list);
          listed = true;
          if (next === workloads && !first) return;
          workloads = next;
          send();
        },
        (state) => {
          const problem = feedProblem(state);
          if (problem === error) return;
          error = problem;
          // Before the first list a healthy state has nothing to show yet.
          if (problem !== undefined || listed) send();
        },
      );
    },
    (e: unknown) => {
      error = e instanceof Error ? e.message : String(e);
      send();
    },
  );
  return {
    stop() {
      stopped = true;
      watch?.stop();
    },
  };
}

/** What a watch state means for the live feed, in plain words; undefined when updates flow. Delays in whole seconds. */
export function feedProblem(state: WatchState): string | undefined {
  if (state.state === 'reconnecting') {
    const when = state.inMs < 1000 ? 'now' : `in ${Math.round(state.inMs / 1000)} s`;
    return `Live updates lost: reconnecting ${when} (${state.reason})`;
  }
  if (state.state === 'stopped') return `Live updates stopped: ${state.reason}`;
  return undefined;
}
