import type { PreflightFinding } from '../../src-shared/preflight/preflight.schema.ts';
import type { Colour, ExperimentRoute, TrafficSplit } from './release.port.ts';

/**
 * One way of moving traffic between a stable and a new version (Istio, Gateway API, a Service selector, replica
 * ratio): the traffic half of `ReleaseOps`, which composes a router with the workload operations. Shaped like
 * Argo Rollouts' `TrafficRoutingReconciler`: nothing outside a router names a router kind; callers ask the
 * router what it can do. Every method is idempotent and throws `ClusterError`-shaped errors with a `kind`
 * (`conflict` is drift: someone else changed a field the router manages; the caller pauses, never overwrites).
 */
export interface TrafficRouter {
  /** The plan's router kind, e.g. `istio`. */
  readonly kind: string;
  /** One line naming the object that holds the split, e.g. `VirtualService shop/web route primary`. */
  describe(): string;
  /** Where traffic goes now, read back from the router object (never what we intended). */
  readSplit(): Promise<TrafficSplit>;

  /** Points the router's canary backend (a DestinationRule subset, a Service) at pods labelled `version`. */
  prepareCanary(version: string): Promise<void>;
  /**
   * Replicas the canary needs before it takes `percent` (0..100) of traffic: ceil(stable replicas × percent /
   * 100) and at least 1, or (a router that moves traffic by replicas) its share of the total. 0 for 0 %.
   */
  canaryReplicasFor(percent: number): Promise<number>;
  /**
   * Total replicas (stable + canary) when this router moves traffic by replica counts (the canary then starts at
   * 0 and notes this total); undefined for routers that weight requests. `stableReplicas` as the stable
   * workload has them now.
   */
  replicaTotal?(stableReplicas: number | undefined): number;
  /** Sends `percent` (0..100) of traffic to the canary, scaling what must scale first; returns the split read back. */
  setCanaryWeight(percent: number): Promise<TrafficSplit>;
  /** The traffic side of a promotion, once the stable workload runs the new image: all to stable, canary to 0. */
  promote(): Promise<TrafficSplit>;
  /** The traffic side of an abort: all traffic back to stable at once, then the canary scaled to 0. */
  abort(): Promise<TrafficSplit>;

  /** True when this router can switch all traffic between two colours (blue-green). */
  readonly canSwitchColours: boolean;
  /** Label that carries the version on pods and in selectors, e.g. `version`. */
  readonly versionLabel: string;
  /** Points the router's backend for `colour` at the pods labelled `labels` (a subset, a Service). */
  prepareColour(colour: Colour, labels: Record<string, string>): Promise<void>;
  /**
   * Before the idle colour's pods (labelled `idle`) exist: when the router would already send them traffic
   * (a Service selecting only `app`), narrows it by a label of the serving pods (`serving`), so nothing reaches
   * the new colour before the switch. Routers that route by subset or backend do not need it.
   */
  keepOffIdle?(serving: Record<string, string>, idle: Record<string, string>): Promise<void>;
  /**
   * Sends all traffic to `colour`; returns the split read back. `podLabels` reads the labels of `colour`'s pod
   * template (a router that selects pods selects by them; others never call it). Throws `invalidConfig` when
   * `canSwitchColours` is false.
   */
  switchColour(colour: Colour, podLabels: () => Promise<Record<string, string>>): Promise<TrafficSplit>;
  /**
   * True when the router's destinations are in the runbook's colour namespaces (`<ns>-blue`, `<ns>-green`),
   * so each colour is the same workload name in its own namespace.
   */
  routesToColourNamespaces(): Promise<boolean>;
  /**
   * The colour its selector names outright (`colour` label), for a router that selects pods itself; absent
   * otherwise (the active colour then comes from `readSplit`).
   */
  selectedColour?(): Promise<Colour>;

  /** Routes an A/B test by header (see `ReleaseOps.routeExperiment`). Absent: this router cannot run A/B tests. */
  routeExperiment?(route: ExperimentRoute): Promise<TrafficSplit>;

  /**
   * The fields of one of its objects this router manages, as display strings keyed by what people read
   * (`weight of subset canary`); the drift guard compares them between reads. Others' fields are not Switchyard's.
   */
  managedFields(object: RouterObject): Record<string, string>;
  /** Permissions the router needs beyond the workload's, for preflight's access review. */
  requiredAccess(): RouterAccess[];
  /** Each object the router needs, with what is missing (null when it is all there), for preflight. */
  checkObjects(): Promise<RouterObjectCheck[]>;
  /**
   * Preflight findings about the plan under this router, e.g. canary steps it cannot honour with
   * `workloadReplicas` replicas (the target's now). Empty when there is nothing to say.
   */
  planFindings(workloadReplicas: number): Promise<PreflightFinding[]>;
  /**
   * For a router that sends traffic to the pods its selector picks: why pods labelled `podLabels` (the target
   * workload's) would get none (a rolling release would change pods that serve nothing); undefined when they
   * would. Absent: the router sends traffic to the target's pods whatever their labels.
   */
  podsWithoutTraffic?(
    podLabels: Record<string, string>,
  ): Promise<{ title: string; description: string } | undefined>;
  /** Plain sentences warning what the router will not do as the plan may expect (shown before a run). */
  warnings(): string[];
}

/** One object a router reads or writes (VirtualService, DestinationRule, HTTPRoute), as read from the cluster. */
export interface RouterObject {
  kind?: string;
  metadata?: { name?: string; resourceVersion?: string };
  [key: string]: unknown;
}

/** One permission a router needs, as a SelfSubjectAccessReview asks it (in the plan's namespace). */
export interface RouterAccess {
  verb: string;
  /** API group, '' for core. */
  group: string;
  /** Plural resource, e.g. `virtualservices`. */
  resource: string;
  /** Why, e.g. `to move traffic`. */
  why: string;
  /** When it is used: while moving traffic, or from the first change on. */
  when: 'traffic' | 'first';
}

/** One object a router needs, as preflight found it. */
export interface RouterObjectCheck {
  /** E.g. `DestinationRule platform-production/workflow-engine`. */
  object: string;
  /** What is missing, e.g. `does not exist` or `has no subset "stable"`; null when all is there. */
  problem: string | null;
}
