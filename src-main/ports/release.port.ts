import type { HeaderMatch } from '../../src-shared/plan/plan.schema.ts';
import type { MetricQueryParams, MetricQuerySource } from '../../src-shared/plan/promql.ts';
import type { MetricSample } from './metrics.port.ts';

/**
 * The strategy-level operations a release machine asks of a cluster. One implementation speaks
 * Kubernetes through `@kubernetes/client-node` (against real clusters and the sandbox alike); the
 * machines only see this port. Every method is idempotent: calling it again after a crash applies
 * nothing twice. Methods throw `ClusterError` (src-main/adapters/kube/kube-errors.ts) with a kind
 * (`unreachable`, `timeout`, `forbidden`, `conflict`, …); `conflict` means someone else changed the
 * object since we read it (drift): the caller pauses, it never overwrites.
 */
export interface ReleaseOps {
  /** Where traffic goes now, read back from the router object (never what we intended). */
  readSplit(): Promise<TrafficSplit>;

  // Canary (also flag-rollout's workload side): a second workload `<name>-canary` runs the new image.
  /** Creates or updates the canary workload with `image`, labelled `version=<version>`, at weight 0. Waits for nothing. */
  ensureCanary(image: string, version: string): Promise<void>;
  /**
   * Sends `percent` (0..100) of traffic to the canary through the plan's router: Istio VirtualService
   * route weights, Gateway API backendRef weights, or (replica-ratio) canary/stable replica counts.
   * Returns the split read back afterwards.
   */
  setCanaryWeight(percent: number): Promise<TrafficSplit>;
  /**
   * Scales the canary up (never down) to the replicas `percent` (0..100) of traffic needs, before any weight is
   * sent: ceil(stable replicas × percent / 100), at least 1 (replica-ratio: its computed count of the total).
   * Returns that count; the caller waits until `workloadState('canary').ready` reaches it. 0 for 0 %.
   * Optional: without it the weight is set at once.
   */
  scaleForWeight?(percent: number): Promise<{ replicas: number }>;
  /** Final promotion: the stable workload gets the new image, waits ready, takes 100 %; the canary is scaled to 0. */
  promoteCanary(image: string): Promise<TrafficSplit>;
  /** Abort: all traffic back to stable at once, then the canary scaled to 0. */
  abortCanary(): Promise<TrafficSplit>;

  // Blue-green: two workloads `<name>-blue` and `<name>-green` (or the runbook's `-blue`/`-green` namespaces).
  /** The colour that takes production traffic now. */
  activeColour(): Promise<Colour>;
  /** Rolls `image` out on `colour` (the idle one) at full size. */
  deployColour(colour: Colour, image: string): Promise<void>;
  /** Sends all traffic to `colour` and returns the split read back. */
  switchTo(colour: Colour): Promise<TrafficSplit>;
  /**
   * Scales `colour`'s workload to `replicas` (0 frees the previous colour after a release); scaling up waits
   * until every replica is ready. Optional: an adapter without it cannot scale a colour down or back up (the
   * release pauses and says so).
   */
  scaleColour?(colour: Colour, replicas: number): Promise<void>;
  /** Sends `requests` GETs to `path` on `colour`'s pods, `intervalMs` apart. */
  warmup(
    colour: Colour,
    path: string,
    requests: number,
    intervalMs: number,
    signal?: AbortSignal,
  ): Promise<ProbeTally>;
  /** Runs the plan's smoke checks against `colour`; a command runs as argv, never through a shell. */
  smoke(colour: Colour, checks: readonly SmokeCheck[], signal?: AbortSignal): Promise<SmokeResult[]>;

  // Rolling
  /**
   * Sets the target container's image on the workload, with the plan's rolling settings (maxSurge,
   * maxUnavailable, minReadySeconds, progressDeadlineSeconds) in the same write; returns the new revision number.
   */
  setImage(image: string): Promise<{ revision: number }>;
  /**
   * Puts back the rollout settings (maxSurge, maxUnavailable, minReadySeconds, progressDeadlineSeconds) the
   * workload had before `setImage` applied the plan's; the previous values are kept on the workload itself
   * (annotation `switchyard.dev/rollout-before`), so a resumed release restores them too. Idempotent.
   * Optional: an adapter that does not apply the plan's settings has nothing to restore.
   */
  restoreRollout?(): Promise<void>;
  /** Rolls back to `revision` (default: the previous one), like `kubectl rollout undo`. */
  undo(revision?: number): Promise<void>;

  /** The counts of one workload (`stable`, `canary`, `blue`, `green`), for waits and validation. */
  workloadState(which: WorkloadRole): Promise<WorkloadState>;

  /** Runs a migration Job (argv, no shell) to completion or failure. */
  runJob(spec: JobSpec, signal?: AbortSignal): Promise<JobResult>;

  // A/B test: the treatment runs as the canary workload (`ensureCanary`); it ends with `promoteCanary` or `abortCanary`.
  /**
   * Routes requests matching `cohort` to the variants by weight, requests matching a pin to its variant,
   * and everyone else to `defaultVariant`, through the plan's router: Istio (VirtualService header routes
   * over one DestinationRule subset per variant) or Gateway API (HTTPRoute rules with header matches over
   * one Service per variant, `<target>-variant-<name>`). Other routes and rules stay untouched. With
   * `stickyHeader`, Istio hashes that header to a pod in each variant subset (consistentHash); Gateway API
   * has no standard equivalent, so the split carries a note saying stickiness is not enforced.
   * Returns the split read back (percent per variant of the cohort).
   * Optional: an adapter without it cannot run A/B tests (the release pauses and says so).
   */
  routeExperiment?(route: ExperimentRoute): Promise<TrafficSplit>;
}

export type Colour = 'blue' | 'green';

/** How an A/B test splits traffic; variant versions are the `version` label values of their pods. */
export interface ExperimentRoute {
  variants: readonly { name: string; version: string; weight: number }[];
  cohort: HeaderMatch;
  pins: readonly { match: HeaderMatch; variant: string }[];
  defaultVariant: string;
  stickyHeader?: string;
}
export type WorkloadRole = 'stable' | 'canary' | Colour;

/** Traffic as the router says it is. */
export interface TrafficSplit {
  /** Percent (0..100) per track, e.g. `{ stable: 90, canary: 10 }` or `{ blue: 0, green: 100 }`. */
  weights: Record<string, number>;
  /** Which object was read, e.g. `VirtualService platform-production/workflow-engine route primary`. */
  source: string;
  /** The router object's resourceVersion when read, for drift detection. */
  resourceVersion?: string;
  /**
   * Plain sentences about what the router does not do as asked, e.g. that stickiness on a header is not
   * enforced by this router kind. The machine records them in a decision so the user is told.
   */
  notes?: string[];
  /**
   * Set on the split a resumed release restored from its journal: `read` when the weights were read back from
   * the router or flag system as the release resumed, `journaled` when that read failed and they are the
   * journal's. Absent once the release has read the split itself.
   */
  onResume?: 'read' | 'journaled';
}

export interface WorkloadState {
  /** spec.replicas */
  desired: number;
  /** status.replicas: every pod of the workload, old revisions included (absent when unknown). */
  current?: number;
  /** False while the controller has not yet seen the latest spec (status.observedGeneration < generation): the counts are stale. */
  observed?: boolean;
  ready: number;
  updated: number;
  available: number;
  /** Image of the target container. */
  image: string;
  /** Current revision (deployment.kubernetes.io/revision). */
  revision: number;
  /** Sum of container restarts over the workload's pods. */
  restarts: number;
  /** Pods in CrashLoopBackOff or Failed. */
  failingPods: number;
  /** True once the controller reports Progressing=False, reason ProgressDeadlineExceeded. */
  progressDeadlineExceeded: boolean;
}

export interface ProbeTally {
  ok: number;
  failed: number;
}

export type SmokeCheck =
  { kind: 'http'; path: string; expectStatus: number } | { kind: 'command'; argv: readonly string[] };

export interface SmokeResult {
  check: SmokeCheck;
  ok: boolean;
  /** One sentence: status code got, exit code, or the error. */
  detail: string;
}

export interface JobSpec {
  /** Job name prefix; a suffix keeps it unique per release. */
  name: string;
  image: string;
  /** argv; never run through a shell. */
  command: readonly string[];
}

export interface JobResult {
  succeeded: boolean;
  /** One sentence: how it ended. */
  message: string;
}

/**
 * Reads one analysis metric for one version. For Prometheus it renders the runbook's PromQL and runs
 * it; for the sandbox without Prometheus it reads the sandbox's own numbers. Either way the result
 * carries the query text (with arguments filled in) so every decision can cite it.
 */
export interface AnalysisSource {
  read(
    metric: MetricQuerySource,
    params: MetricQueryParams,
    signal?: AbortSignal,
  ): Promise<{ query: string; sample: MetricSample }>;
}
