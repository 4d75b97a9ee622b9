import type { TrafficRouter } from '../../ports/traffic-router.port.ts';

/** One permission the plan needs, as a SelfSubjectAccessReview asks it. */
export interface AccessNeed {
  verb: string;
  /** API group, '' for core. */
  group: string;
  /** Plural resource, e.g. `deployments`. */
  resource: string;
  subresource?: string;
  namespace: string;
  /** Why the plan needs it, e.g. `to move traffic`. */
  why: string;
}

/** The answer of the API server to one access review. */
export interface AccessAnswer {
  allowed: boolean;
  /** The authorizer's reason, when it gave one. */
  reason?: string;
}

/** What the zero-downtime audit needs to know about the workload's pod template and rollout settings. */
export interface WorkloadFacts {
  /** `namespace/name`. */
  ref: string;
  replicas: number;
  /** Pod labels (to find PodDisruptionBudgets that select the pods). */
  podLabels: Record<string, string>;
  /** Count, or percentage string like `25%`; absent when the Deployment does not say (Kubernetes default 25%). */
  maxUnavailable?: number | string;
  /** Seconds. */
  terminationGracePeriodSeconds?: number;
  /** Per container of the target. */
  container: {
    name: string;
    startupProbe: boolean;
    livenessProbe: boolean;
    readinessProbe: boolean;
    preStop: boolean;
    /** True when both cpu and memory requests are set. */
    requests: boolean;
  };
}

/** One PodDisruptionBudget in the namespace. */
export interface BudgetFacts {
  name: string;
  matchLabels: Record<string, string>;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}

/** The cluster questions preflight asks; implemented over Kubernetes in src-main/adapters/kube/preflight-cluster.ts. */
export interface PreflightCluster {
  /** Runs one SelfSubjectAccessReview per need, in order. Throws `ClusterError` when the cluster cannot be asked. */
  canI(needs: readonly AccessNeed[]): Promise<AccessAnswer[]>;
  /**
   * Sends the plan's first change with `dryRun: All` (for a canary: creating it, or adopting the one an earlier
   * release left); describes what it would do, or why it was refused. `title` names a refusal that is not the
   * server's (e.g. a `-canary` Deployment Switchyard did not create).
   */
  dryRunFirstChange(): Promise<{ ok: boolean; description: string; title?: string }>;
  /** The target workload's facts; undefined when it does not exist. */
  workload(): Promise<WorkloadFacts | undefined>;
  /** PodDisruptionBudgets of the target's namespace. */
  budgets(): Promise<BudgetFacts[]>;
  /**
   * Each router object the plan needs (VirtualService and its route, DestinationRule and its subsets,
   * HTTPRoute and its backendRefs, Service), with what is missing in a plain sentence, or null when it is
   * there. Optional: without it preflight does not check router objects.
   */
  routerObjects?(): Promise<RouterObjectFact[]>;
  /**
   * The plan's traffic router, for what only it knows: the permissions it needs, its warnings, and findings
   * about steps it cannot honour. Optional: without it preflight reviews only the workload's permissions.
   */
  readonly router?: Pick<TrafficRouter, 'requiredAccess' | 'planFindings' | 'warnings'>;
}

/** One router object the plan needs, as preflight found it. */
export interface RouterObjectFact {
  /** E.g. `DestinationRule platform-production/workflow-engine`. */
  object: string;
  /** What is missing, e.g. `does not exist` or `has no subset "stable"`; null when all is there. */
  problem: string | null;
}
