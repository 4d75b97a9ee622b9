import { z } from 'zod';
import { PreflightResultSchema } from '../preflight/preflight.schema.ts';
import { OperatorEventSchema, ReleaseSnapshotSchema, WeightsSchema } from '../release/release.schema.ts';
import {
  ContextName,
  ContextStatusSchema,
  ContextSummarySchema,
  KubeconfigProblemSchema,
  NamespaceName,
  WorkloadDetailEventSchema,
  WorkloadDetailSchema,
  WorkloadPlanFactsSchema,
  WorkloadRefSchema,
  WorkloadSummarySchema,
} from './connection-views.ts';
import { FlagSummarySchema } from './flag-views.ts';
import { PlanProblemSchema, RecommendationViewSchema, RecommendInputSchema } from './plan-views.ts';
import {
  AuditLineSchema,
  HealthPointSchema,
  ReleaseListItemSchema,
  SandboxFaultSchema,
} from './release-views.ts';

// The views' types, where the channels that carry them are declared.
export type {
  ContextSummary,
  KubeconfigProblem,
  WorkloadSummary,
  ContextStatus,
  WorkloadDetail,
  WorkloadPlanFacts,
  FoundRouter,
} from './connection-views.ts';
export type { ReleaseListItem, AuditLine, HealthPoint, SandboxFault } from './release-views.ts';
export type { FlagSummaryView } from './flag-views.ts';
export { PlanProblemSchema, RecommendationViewSchema } from './plan-views.ts';
export type { PlanProblem, RecommendationView } from './plan-views.ts';

/** The largest message the bridge accepts, in bytes of JSON. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const StrategyNameSchema = z.enum(['blue-green', 'canary', 'rolling', 'ab-test', 'flag-rollout']);
const RouterNameSchema = z.enum(['service-selector', 'istio', 'gateway-api', 'replica-ratio']);
/** Plan text as the user wrote it (YAML or JSON), at most 256 KiB. */
const PlanText = z.string().max(256 * 1024, 'a plan must be under 256 KiB');

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
    output: z
      .object({
        namespaces: z.array(z.string()),
        /** Namespaces seen holding Deployments (from the first page of a cluster-wide list); absent when unknown. */
        withWorkloads: z.array(z.string()).optional(),
      })
      .strict(),
  },
  /** Whether a context's API server answers and who it says we are (SelfSubjectReview). Never fails: problems go in `note`. */
  'cluster:probeContext': {
    input: z.object({ context: ContextName }).strict(),
    output: ContextStatusSchema,
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
  /**
   * A workload's ReplicaSets, pods, events and the last log lines of one pod (`pod`, else its first pod), read
   * once (the console's drill-down follows `cluster:watchWorkloadDetail` instead). Errors: notFound (workload), unreachable, forbidden, timeout.
   */
  'cluster:workloadDetail': {
    input: WorkloadRefSchema.extend({ pod: z.string().min(1).max(253).optional() }).strict(),
    output: WorkloadDetailSchema,
  },
  /**
   * What a release plan of a workload can be prefilled with, each field with where it was read.
   * Errors: notFound (workload), unreachable, forbidden, timeout.
   */
  'cluster:workloadPlanFacts': {
    input: WorkloadRefSchema,
    output: WorkloadPlanFactsSchema,
  },
  /**
   * Starts (or moves) the live drill-down of a workload: `cluster:workloadDetail` events until another call
   * or `cluster:unwatchWorkloadDetail`. The same workload again with another `pod` only switches the log.
   */
  'cluster:watchWorkloadDetail': {
    input: WorkloadRefSchema.extend({ pod: z.string().min(1).max(253).optional() }).strict(),
    output: z.object({ watching: z.literal(true) }).strict(),
  },
  /** Stops the live drill-down (its watches on the cluster end). */
  'cluster:unwatchWorkloadDetail': {
    input: z.object({}).strict(),
    output: z.object({ watching: z.literal(false) }).strict(),
  },
  /** Stops the live workload feed. */
  'cluster:unwatchWorkloads': {
    input: z.object({}).strict(),
    output: z.object({ watching: z.literal(false) }).strict(),
  },

  /**
   * Strategies ranked for a change kind or the decision-tree answers, in an environment.
   * Errors: badRequest (neither or both of change and answers).
   */
  'decision:recommend': {
    input: RecommendInputSchema,
    output: z.object({ recommendations: z.array(RecommendationViewSchema) }).strict(),
  },
  /** A new plan with the runbook's defaults for a strategy, as YAML. */
  'plan:new': {
    input: z
      .object({
        strategy: StrategyNameSchema,
        namespace: NamespaceName,
        name: z.string().min(1).max(253),
        image: z.string().min(1).max(512),
        router: RouterNameSchema.optional(),
        /** A flag-rollout's flag system and flag (default: OpenFeature, flag `<name>-release`). */
        flag: z
          .object({
            provider: z.enum(['openfeature', 'unleash']),
            key: z.string().min(1).max(253).optional(),
            /** OpenFeature: the FeatureFlag object's name. */
            flagObject: z.string().min(1).max(253).optional(),
            /** Unleash: the server's base URL. */
            providerUrl: z.url().max(2048).optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    output: z.object({ text: z.string() }).strict(),
  },
  /** Validates plan text; every problem is listed with its field path. Never fails for a bad plan. */
  'plan:validate': {
    input: z.object({ text: PlanText }).strict(),
    output: z
      .object({
        ok: z.boolean(),
        problems: z.array(PlanProblemSchema),
        /** Present when valid: what the plan will do, one line per step. */
        summary: z
          .object({ name: z.string(), strategy: z.string(), router: z.string(), steps: z.array(z.string()) })
          .strict()
          .optional(),
      })
      .strict(),
  },
  /** The plan as Argo Rollouts or Flagger YAML, with what that format cannot express. Errors: invalidPlan. */
  'plan:export': {
    input: z.object({ text: PlanText, to: z.enum(['argo', 'flagger']) }).strict(),
    output: z.object({ yaml: z.string(), unsupported: z.array(z.string()) }).strict(),
  },
  /** Saved plans (in the user's Switchyard folder), newest first. */
  'plan:list': {
    input: z.object({}).strict(),
    output: z
      .object({ plans: z.array(z.object({ name: z.string(), savedAtMs: z.number() }).strict()) })
      .strict(),
  },
  /** Saves plan text under a name (letters, digits, `-`, `_`, `.`). Errors: invalidPlan when the text is not a valid plan. */
  'plan:save': {
    input: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be letters, digits, . _ or -'),
        text: PlanText,
      })
      .strict(),
    output: z.object({ name: z.string() }).strict(),
  },
  /** A saved plan's text. Errors: notFound. */
  'plan:open': {
    input: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be letters, digits, . _ or -'),
      })
      .strict(),
    output: z.object({ name: z.string(), text: z.string() }).strict(),
  },
  /**
   * Preflight of a plan on a context: queries, RBAC, dry run, zero-downtime audit.
   * Errors: invalidPlan, unreachable, unauthorized, timeout.
   */
  'preflight:run': {
    input: z.object({ context: ContextName, text: PlanText }).strict(),
    output: z.object({ report: PreflightResultSchema }).strict(),
  },
  /**
   * The flags the flag system of a flag-rollout plan (or of a plan's `flagRamp`) holds on a context (the plan
   * screen's flag picker; the plan's own flag need not exist yet). Errors: invalidPlan (no flag ramp), unreachable,
   * forbidden, invalidConfig (no Unleash token).
   */
  'flags:list': {
    input: z.object({ context: ContextName, text: PlanText }).strict(),
    output: z.object({ flags: z.array(FlagSummarySchema) }).strict(),
  },
  /**
   * Starts a release of a plan. `rehearse` runs it on the built-in sandbox at `speed` (1..120 × real time)
   * whatever the plan's context; `run` uses `context`. `stepThrough` pauses before every step.
   * A plan that runs commands (smoke command, migration Jobs) starts only when `confirmedCommands` is the
   * digest of those commands (`planCommands(plan).digest` from src-shared/plan/plan-commands.ts).
   * Errors: invalidPlan, unreachable, forbidden, conflict (a release of this workload is already running,
   * here or, by the workload's Lease, in another console, CLI or laptop: one sentence names that release, its
   * user, host, since when and its last renewal; or the plan's commands were not confirmed; `details` lists them).
   */
  'release:start': {
    input: z
      .object({
        mode: z.enum(['rehearse', 'run']),
        context: ContextName,
        text: PlanText,
        speed: z.number().min(1).max(120).default(1),
        stepThrough: z.boolean().default(false),
        /** The digest of the plan's commands the user confirmed, `sha256:<hex>`. */
        confirmedCommands: z.string().max(100).optional(),
        /**
         * The user confirmed taking the workload's lease over from a release that stopped renewing it (the
         * `conflict` error of a refused start says when that is possible); the takeover is audited.
         */
        takeOver: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ id: z.string() }).strict(),
  },
  /** Sends an operator event to a running release. Errors: notFound; `accepted: false` with the reason when the state does not allow it. */
  'release:control': {
    input: z.object({ id: z.string().min(1).max(200), event: OperatorEventSchema }).strict(),
    output: z.object({ accepted: z.boolean(), message: z.string() }).strict(),
  },
  /**
   * Rolls a completed release back (not a live one: that is `release:control` ROLLBACK): a blue-green release
   * to the colour it kept, a canary or rolling release to the image before it. Returns the decision's
   * sentence and the traffic read back (percent per track). Errors: conflict (not completed, or the workload
   * moved on since: the sentence names the release or image), invalidConfig (a rehearsal), notFound.
   */
  'release:rollbackCompleted': {
    input: z.object({ id: z.string().min(1).max(200), reason: z.string().max(500).optional() }).strict(),
    output: z.object({ summary: z.string(), traffic: WeightsSchema }).strict(),
  },
  /**
   * Picks up an unfinished release from the journal (after a crash or restart): the machine is restored and
   * reconciles with the cluster before acting. `abort` instead sends traffic back to stable at once.
   * Errors: notFound, invalidConfig (a rehearsal, whose sandbox is gone, or an unreadable snapshot).
   */
  'release:resume': {
    input: z
      .object({
        id: z.string().min(1).max(200),
        then: z.enum(['continue', 'abort']).default('continue'),
        /** The user confirmed taking the workload's lease over from a release that stopped renewing it. */
        takeOver: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ id: z.string() }).strict(),
  },
  /** Releases in the journal, newest first, including unreadable ones. */
  'release:list': {
    input: z.object({}).strict(),
    output: z.object({ releases: z.array(ReleaseListItemSchema) }).strict(),
  },
  /** One release: its latest projection, health points and audit log. Errors: notFound. */
  'release:get': {
    input: z.object({ id: z.string().min(1).max(200) }).strict(),
    output: z
      .object({
        snapshot: ReleaseSnapshotSchema.nullable(),
        health: z.array(HealthPointSchema),
        /** The plan the release ran, as plan text (JSON, which the YAML plan parser reads), secrets redacted; null when the journal holds none. */
        planText: z.string().nullable(),
        audit: z.array(AuditLineSchema),
        /** Whether the audit log's hash chain is intact, in one sentence. */
        integrity: z.string(),
        /** Why the release's saved state cannot be shown: the file and what is wrong with it. */
        problem: z.string().optional(),
      })
      .strict(),
  },
  /** A release as a Markdown or JSON report for a post-incident review (no credentials). Errors: notFound. */
  'release:export': {
    input: z.object({ id: z.string().min(1).max(200), format: z.enum(['markdown', 'json']) }).strict(),
    output: z.object({ filename: z.string(), text: z.string() }).strict(),
  },
  /** Injects a behaviour fault into the built-in sandbox (Rehearse's fault panel). */
  'sandbox:fault': {
    input: SandboxFaultSchema,
    output: z.object({ applied: z.literal(true) }).strict(),
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
      /** Set while live updates are lost or stopped, in plain words; the list is then the last good one. */
      error: z.string().optional(),
    })
    .strict(),
  /** A context's namespace names, sorted; sent while its workloads are watched, on every change. */
  'cluster:namespaces': z.object({ context: z.string(), namespaces: z.array(z.string()) }).strict(),
  /** The open drill-down's workload detail; sent on every change. */
  'cluster:workloadDetail': WorkloadDetailEventSchema,
  /** A line a context's credential plugin wrote while signing in (a device code, "opening a browser…"), secrets removed. */
  'cluster:credentialMessage': z.object({ context: z.string(), line: z.string().max(2000) }).strict(),

  /** A release's projection changed (step, traffic, decision, samples). */
  'release:update': ReleaseSnapshotSchema,
  /** New health-timeline points of a release, oldest first. */
  'release:health': z.object({ id: z.string(), points: z.array(HealthPointSchema) }).strict(),
  /** Something the operator should hear about: shown in-app and as an OS notification. */
  'release:notice': z
    .object({
      id: z.string(),
      /**
       * `slept`: the computer slept while the release ran; the body says what the release did on waking.
       * `promotedWithFailures`: a step passed with failed measurements within its failure limit (amber).
       */
      kind: z.enum([
        'promoted',
        'promotedWithFailures',
        'waiting',
        'aborted',
        'rolledBack',
        'completed',
        'failed',
        'slept',
      ]),
      title: z.string(),
      body: z.string(),
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
