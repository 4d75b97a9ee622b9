import type { WorkloadDetail, WorkloadPlanFacts, WorkloadSummary } from '../../src-shared/bridge/contract.ts';

/**
 * Why a cluster call failed. Adapters throw `ClusterError` carrying one of these kinds,
 * never a library exception.
 */
export type ClusterErrorKind =
  'unauthorized' | 'forbidden' | 'notFound' | 'conflict' | 'unreachable' | 'timeout' | 'invalidConfig';

/** What a watch reports about itself. `inMs` is the delay before the next attempt, milliseconds. */
export type WatchState =
  | { state: 'listing' }
  | { state: 'watching' }
  | { state: 'reconnecting'; attempt: number; inMs: number; reason: string }
  | { state: 'stopped'; reason: string };

/** The signed-in user as the cluster itself reports it (SelfSubjectReview). */
export interface ClusterIdentity {
  username: string;
  groups: string[];
}

/** A running watch; `stop()` ends it without a further `onChange`. */
export interface WatchSubscription {
  stop(): void;
}

/** A running drill-down watch; `showLog` switches the log shown to another pod of the workload. */
export interface WorkloadDetailWatch extends WatchSubscription {
  showLog(pod: string): void;
}

/** One connected kubeconfig context. */
export interface ClusterPort {
  /** The context's name. */
  readonly context: string;
  /** Namespace names, sorted. Errors: unreachable, timeout, unauthorized, forbidden. */
  listNamespaces(): Promise<string[]>;
  /**
   * Follows the namespace names, sorted: `onChange` after the first list and after each batch of changes;
   * `onState` the watch's health (stopped with the reason when namespaces may not be watched). Never throws.
   */
  watchNamespaces?(
    onChange: (namespaces: string[]) => void,
    onState: (state: WatchState) => void,
  ): WatchSubscription;
  /**
   * Namespaces seen holding Deployments, from one bounded page of a cluster-wide list (so it stays cheap on a
   * big cluster). Errors as `listNamespaces`.
   */
  namespacesWithWorkloads?(): Promise<string[]>;
  /**
   * A workload's ReplicaSets, pods, events and the last log lines of `pod` (else its first pod). Errors:
   * notFound (workload), others as `listNamespaces`; a log that cannot be read is a `logNote`, not an error.
   */
  describeWorkload?(
    namespace: string,
    kind: 'Deployment' | 'Rollout',
    name: string,
    pod?: string,
  ): Promise<WorkloadDetail>;
  /**
   * Follows `describeWorkload` live: ReplicaSets and pods through watches on the workload's selector, events
   * through watches on each object they may be about (field selector `involvedObject`), the log tail re-read
   * while open. `onChange` gets the whole detail after the first lists and after each batch of changes;
   * `onState` the watches' health as `watchWorkloads` reports it. Never throws.
   */
  watchWorkloadDetail?(
    namespace: string,
    kind: 'Deployment' | 'Rollout',
    name: string,
    pod: string | undefined,
    onChange: (detail: WorkloadDetail) => void,
    onState: (state: WatchState) => void,
  ): WorkloadDetailWatch;
  /**
   * What a release plan of the workload can be prefilled with (container, image, replicas, job, routers found
   * around it), each with where it was read. Errors: notFound (workload), others as `listNamespaces`.
   */
  workloadPlanFacts?(
    namespace: string,
    kind: 'Deployment' | 'Rollout',
    name: string,
  ): Promise<WorkloadPlanFacts>;
  /**
   * Deployments and, where the cluster serves them, Argo Rollouts of a namespace as summaries, sorted by
   * name then kind. Errors as `listNamespaces`.
   */
  listWorkloads(namespace: string): Promise<WorkloadSummary[]>;
  /**
   * Watches the workloads `listWorkloads` returns: `onChange` gets the whole sorted list after the first
   * list and after each batch of changes; `onState` gets the watches' health (reconnecting with the
   * delay, or stopped with the reason, e.g. a 403). Never throws; failures arrive through `onState`.
   */
  watchWorkloads(
    namespace: string,
    onChange: (workloads: WorkloadSummary[]) => void,
    onState: (state: WatchState) => void,
  ): WatchSubscription;
  /**
   * Who the cluster says we are. Resolves null when the cluster does not report it (no SelfSubjectReview
   * API, or not allowed). Errors: unreachable, timeout, unauthorized, invalidConfig.
   */
  whoAmI(): Promise<ClusterIdentity | null>;
}
