import { z } from 'zod';

/** Name rules the bridge checks. */
export const ContextName = z.string().min(1).max(253);
export const NamespaceName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name')
  .max(63);

/** A kubeconfig context as the renderer may see it: names and the server URL, never credentials. */
export const ContextSummarySchema = z
  .object({
    name: z.string(),
    cluster: z.string(),
    /** The API server URL. */
    server: z.string(),
    /** The kubeconfig user entry's name (not its credentials). */
    user: z.string(),
    namespace: z.string().optional(),
    /** True for the built-in sandbox cluster. */
    isSandbox: z.boolean(),
    /** True when the name matches the production pattern (default `prod`). */
    isProduction: z.boolean(),
    /** True for the kubeconfig's `current-context`. */
    isCurrent: z.boolean(),
  })
  .strict();
export type ContextSummary = z.infer<typeof ContextSummarySchema>;

/** A kubeconfig file that could not be read, with the reason in plain words. */
export const KubeconfigProblemSchema = z.object({ file: z.string(), message: z.string() }).strict();
export type KubeconfigProblem = z.infer<typeof KubeconfigProblemSchema>;

export const WorkloadSummarySchema = z
  .object({
    kind: z.enum(['Deployment', 'Rollout']),
    name: z.string(),
    namespace: z.string(),
    /** Desired replicas (spec). */
    replicas: z.number().int(),
    readyReplicas: z.number().int(),
    updatedReplicas: z.number().int(),
    availableReplicas: z.number().int(),
    /** Container images of the pod template, first container first. */
    images: z.array(z.string()),
    /** The tag of the first container's image, e.g. `v1.24.0`. */
    version: z.string(),
  })
  .strict();
export type WorkloadSummary = z.infer<typeof WorkloadSummarySchema>;

/** A picked context's reachability and who it says we are signed in as. */
export const ContextStatusSchema = z
  .object({
    context: z.string(),
    /** True when the API server answered (a refusal counts: it was reached). */
    reachable: z.boolean(),
    /** The signed-in user as the cluster reports it; absent when unreachable or not reported. */
    identity: z
      .object({ username: z.string(), groups: z.array(z.string()) })
      .strict()
      .optional(),
    /** Why it is unreachable or the identity is missing, in plain words. */
    note: z.string().optional(),
  })
  .strict();
export type ContextStatus = z.infer<typeof ContextStatusSchema>;

/** One pod of a workload as a drill-down shows it: kubectl's STATUS, RESTARTS, NODE and AGE columns. */
export const PodRowSchema = z
  .object({
    name: z.string(),
    /** kubectl's STATUS word: Running, Pending, ContainerCreating, CrashLoopBackOff, Terminating, … */
    status: z.string(),
    ready: z.boolean(),
    restarts: z.number().int(),
    node: z.string(),
    /** Creation time, ISO 8601; absent when the server did not set it. */
    created: z.string().optional(),
  })
  .strict();
export type PodRow = z.infer<typeof PodRowSchema>;

/** A ReplicaSet of a workload: its revision's image and pod counts. */
export const ReplicaSetRowSchema = z
  .object({
    name: z.string(),
    revision: z.string(),
    version: z.string(),
    replicas: z.number().int(),
    readyReplicas: z.number().int(),
    created: z.string().optional(),
  })
  .strict();
export type ReplicaSetRow = z.infer<typeof ReplicaSetRowSchema>;

/** An event about the workload, one of its ReplicaSets or pods, newest first. */
export const EventRowSchema = z
  .object({
    type: z.string(),
    reason: z.string(),
    /** `Kind/name` of the object it is about. */
    object: z.string(),
    message: z.string(),
    count: z.number().int(),
    /** When it last happened, ISO 8601. */
    last: z.string().optional(),
  })
  .strict();
export type EventRow = z.infer<typeof EventRowSchema>;

/** What a workload row opens onto: ReplicaSets, pods, events and the last log lines of one pod. */
export const WorkloadDetailSchema = z
  .object({
    kind: z.enum(['Deployment', 'Rollout']),
    name: z.string(),
    namespace: z.string(),
    replicaSets: z.array(ReplicaSetRowSchema),
    pods: z.array(PodRowSchema),
    events: z.array(EventRowSchema),
    /** The pod whose log is shown (the one asked for, else the first pod); absent with no pods. */
    logPod: z.string().optional(),
    /** The last lines of that pod's log, oldest first. */
    log: z.array(z.string()),
    /** Why the log could not be read, in plain words. */
    logNote: z.string().optional(),
  })
  .strict();
export type WorkloadDetail = z.infer<typeof WorkloadDetailSchema>;

/** A router object found around a workload, which the plan's router can name. */
export const FoundRouterSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('istio'),
      virtualService: z.string(),
      /** The VirtualService's HTTP route that sends traffic to the workload's Service. */
      route: z.string().optional(),
      destinationRule: z.string().optional(),
    })
    .strict(),
  z.object({ kind: z.literal('gateway-api'), httpRoute: z.string() }).strict(),
  z.object({ kind: z.literal('service-selector'), service: z.string() }).strict(),
]);
export type FoundRouter = z.infer<typeof FoundRouterSchema>;

/**
 * What a release plan can be prefilled with from a workload on the cluster. `sources` says, per field, where it
 * was read (`Deployment spec.replicas`, `VirtualService "x" routes to Service "y"`), in plain words.
 */
export const WorkloadPlanFactsSchema = z
  .object({
    context: z.string(),
    namespace: z.string(),
    kind: z.enum(['Deployment', 'Rollout']),
    name: z.string(),
    /** The first container's name. */
    container: z.string().optional(),
    /** The image running now (the new image is the user's to give). */
    image: z.string(),
    replicas: z.number().int(),
    /** Prometheus `job` label, when the pods say it (label `app`, as the sandbox and the runbook use). */
    job: z.string().optional(),
    /** Routers found in the namespace that send traffic to the workload, the most precise first. */
    routers: z.array(FoundRouterSchema),
    sources: z.record(z.string(), z.string()),
  })
  .strict();
export type WorkloadPlanFacts = z.infer<typeof WorkloadPlanFactsSchema>;

/** A workload of a context's namespace, as the drill-down and the plan prefill name it. */
export const WorkloadRefSchema = z
  .object({
    context: ContextName,
    namespace: NamespaceName,
    kind: z.enum(['Deployment', 'Rollout']),
    name: z.string().min(1).max(253),
  })
  .strict();

/** One live drill-down event: the whole detail, with `error` while live updates are lost or stopped. */
export const WorkloadDetailEventSchema = z
  .object({
    context: z.string(),
    namespace: z.string(),
    kind: z.enum(['Deployment', 'Rollout']),
    name: z.string(),
    /** Absent until the first read (e.g. when the first read failed). */
    detail: WorkloadDetailSchema.optional(),
    /** Set while live updates are lost or stopped, in plain words; the detail is then the last good one. */
    error: z.string().optional(),
  })
  .strict();
