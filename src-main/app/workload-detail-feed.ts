import type { WorkloadDetail } from '../../src-shared/bridge/contract.ts';
import type { ClusterPort, WorkloadDetailWatch } from '../ports/cluster.port.ts';
import { feedProblem } from './workload-feed.ts';

/** Which workload a drill-down follows. */
export interface DetailTarget {
  context: string;
  namespace: string;
  kind: 'Deployment' | 'Rollout';
  name: string;
}

/** One `cluster:workloadDetail` event: the whole detail (absent before the first read), with `error` while live updates are lost or stopped. */
export interface DetailFeedEvent extends DetailTarget {
  detail?: WorkloadDetail;
  error?: string;
}

/** A running drill-down feed: `showLog` switches the log to another pod without restarting the watches. */
export interface DetailFeed {
  readonly target: DetailTarget;
  showLog(pod: string): void;
  stop(): void;
}

/**
 * Follows a workload's drill-down through the cluster's watches and sends the whole detail on each change;
 * while the watches reconnect or after they stopped it sends the last good detail with the problem in plain
 * words. `stop()` ends every watch without a further event. A cluster that cannot be connected is an event.
 */
export function startWorkloadDetailFeed(
  cluster: Promise<ClusterPort>,
  target: DetailTarget,
  pod: string | undefined,
  emit: (event: DetailFeedEvent) => void,
): DetailFeed {
  let stopped = false;
  let watch: WorkloadDetailWatch | null = null;
  let detail: WorkloadDetail | undefined;
  let error: string | undefined;
  let logPod = pod;
  const send = () => {
    if (!stopped) emit({ ...target, ...(detail ? { detail } : {}), ...(error ? { error } : {}) });
  };
  cluster.then(
    (c) => {
      if (stopped) return;
      if (!c.watchWorkloadDetail) {
        error = `Context "${target.context}" cannot show a workload's pods.`;
        return send();
      }
      watch = c.watchWorkloadDetail(
        target.namespace,
        target.kind,
        target.name,
        logPod,
        (d) => {
          detail = d;
          send();
        },
        (state) => {
          const problem = feedProblem(state);
          if (problem === error) return;
          error = problem;
          send();
        },
      );
    },
    (e: unknown) => {
      error = e instanceof Error ? e.message : String(e);
      send();
    },
  );
  return {
    target,
    showLog(p) {
      logPod = p;
      watch?.showLog(p);
    },
    stop() {
      stopped = true;
      watch?.stop();
    },
  };
}

/** True when two targets name the same workload of the same context. */
export function sameTarget(a: DetailTarget, b: DetailTarget): boolean {
  return a.context === b.context && a.namespace === b.namespace && a.kind === b.kind && a.name === b.name;
}
