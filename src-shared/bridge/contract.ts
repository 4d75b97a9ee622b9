import { z } from 'zod';

/** The largest message the bridge accepts, in bytes of JSON. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const ContextName = z.string().min(1).max(253);
const NamespaceName = z
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

/**
 * Request channels: `domain:verb` → input and output schemas.
 * Every handler may instead fail with a `BridgeError`.
 */
export const requests = {
  /** The app's version and which shell hosts it. */
  'app:info': {
    input: z.object({}).strict(),
    output: z.object({ version: z.string(), shell: z.enum(['electron', 'web']) }).strict(),
  },
  /**
   * Contexts from KUBECONFIG (merged as kubectl does) or `~/.kube/config`, plus the sandbox.
   * Unreadable files are listed in `problems`; they never fail the call.
   */
  'cluster:listContexts': {
    input: z.object({}).strict(),
    output: z
      .object({
        contexts: z.array(ContextSummarySchema),
        /** The context to select first: kubeconfig's current-context, else the sandbox. */
        selected: z.string().nullable(),
        problems: z.array(KubeconfigProblemSchema),
      })
      .strict(),
  },
  /** Namespace names of a context. Errors: unreachable, unauthorized, forbidden, timeout, notFound (context). */
  'cluster:listNamespaces': {
    input: z.object({ context: ContextName }).strict(),
    output: z.object({ namespaces: z.array(z.string()) }).strict(),
  },
  /** Deployments (and Argo Rollouts where installed) of a namespace with their replica counts. */
  'cluster:listWorkloads': {
    input: z.object({ context: ContextName, namespace: NamespaceName }).strict(),
    output: z.object({ workloads: z.array(WorkloadSummarySchema) }).strict(),
  },
  /**
   * Starts (or moves) the live workload feed: `cluster:workloads` events for this namespace
   * until another call or `cluster:unwatchWorkloads`. Returns at once.
   */
  'cluster:watchWorkloads': {
    input: z.object({ context: ContextName, namespace: NamespaceName }).strict(),
    output: z.object({ watching: z.literal(true) }).strict(),
  },
  /** Stops the live workload feed. */
  'cluster:unwatchWorkloads': {
    input: z.object({}).strict(),
    output: z.object({ watching: z.literal(false) }).strict(),
  },
} as const;

/** Events main sends to the renderer: name → payload schema. */
export const events = {
  /** The current workloads of the watched namespace; sent on every change. */
  'cluster:workloads': z
    .object({
      context: z.string(),
      namespace: z.string(),
      workloads: z.array(WorkloadSummarySchema),
      /** Set when the last refresh failed; the list is then the last good one. */
      error: z.string().optional(),
    })
    .strict(),
} as const;

export type Requests = typeof requests;
export type RequestChannel = keyof Requests;
export type RequestInput<C extends RequestChannel> = z.input<Requests[C]['input']>;
export type RequestOutput<C extends RequestChannel> = z.output<Requests[C]['output']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export function isRequestChannel(channel: unknown): channel is RequestChannel {
  return typeof channel === 'string' && Object.prototype.hasOwnProperty.call(requests, channel);
}
