import { z } from 'zod';
import { CohortRoutingViewSchema, RolloutViewSchema } from './traffic-detail.schema.ts';

/** How one measurement came out. `inconclusive` (no data) and `error` (bad query) are never a pass. */
export const MeasurementOutcomeSchema = z.enum(['success', 'failure', 'inconclusive', 'error']);
export type MeasurementOutcome = z.infer<typeof MeasurementOutcomeSchema>;

/** Which part of a release took a sample. */
export const SampleSourceSchema = z.enum(['analysis', 'trigger', 'validation', 'guardrail', 'experiment']);
export type SampleSource = z.infer<typeof SampleSourceSchema>;

/**
 * One reading of one metric for one version, as the engine used it. For analysis `failure` means the
 * success condition did not hold; for triggers, validation and guardrails it means the threshold was breached.
 */
export const SampleRecordSchema = z.object({
  /** When the value was read, milliseconds since the Unix epoch (on the release's clock). */
  atMs: z.number(),
  source: SampleSourceSchema,
  /** 0-based plan step the sample belongs to; null for release-wide checks. */
  stepIndex: z.number().int().nullable(),
  /** Analysis template (or validation/trigger group) name. */
  group: z.string(),
  /** Metric name within its group, e.g. `error-rate`. */
  metric: z.string(),
  /** Version label value the query selected, e.g. `v1.25.0`. */
  version: z.string(),
  /** The PromQL (or sandbox query) with its arguments filled in. */
  query: z.string(),
  outcome: MeasurementOutcomeSchema,
  /** The number read, in the metric's unit (ratio 0..1, milliseconds or a count); null when there was none. */
  value: z.number().nullable(),
  /** Why there was no value (inconclusive reason or error), one plain sentence. */
  note: z.string().optional(),
});
export type SampleRecord = z.infer<typeof SampleRecordSchema>;

/** What a decision rested on for one metric. */
export const EvidenceSchema = z.object({
  metric: z.string(),
  group: z.string(),
  query: z.string(),
  /** The comparison that was checked: for analysis the success condition, for triggers the breach condition. */
  op: z.enum(['<', '<=', '>', '>=']),
  /** In the metric's unit (ratio 0..1, milliseconds or a count). */
  threshold: z.number(),
  /** The samples counted, oldest first. */
  samples: z.array(SampleRecordSchema),
  /** The counter arithmetic as a sentence, e.g. `failed 4 > failureLimit 3`. */
  arithmetic: z.string(),
  /** The verdict on this metric. `error` (the query failed) stays distinct from `failed` and `inconclusive`. */
  result: z.enum(['successful', 'failed', 'inconclusive', 'error', 'breached', 'running']),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

/** What made the engine (or an operator) decide. */
export const DecisionCauseSchema = z.enum([
  'analysis-passed',
  'analysis-failed',
  'analysis-inconclusive',
  'rollback-trigger',
  'operator',
  'step-pause',
  'cluster-unreachable',
  'cluster-error',
  'ready-timeout',
  'warmup-failed',
  'smoke-failed',
  'validation-passed',
  /** A `warn` validation check breached: the release goes on, and says so (amber). */
  'validation-warning',
  'validation-failed',
  'rollout-failed',
  'guardrail',
  'experiment-result',
  'gate',
  /** Someone else changed the flag (or router object) mid-release; the release pauses and never overwrites. */
  'drift',
  /** A flag ramp's prerequisite flag is not on yet. */
  'prerequisite',
  'completed',
]);
export type DecisionCause = z.infer<typeof DecisionCauseSchema>;

/** One decision of a release with its evidence. */
export const DecisionSchema = z.object({
  /** 1-based position among the release's decisions. */
  seq: z.number().int().min(1),
  kind: z.enum(['promote', 'abort', 'rollback', 'pause', 'resume', 'retry', 'complete', 'continue']),
  cause: DecisionCauseSchema,
  /** Milliseconds since the Unix epoch, on the release's clock. */
  atMs: z.number(),
  /** `engine`, or the operator who sent the event (OS user). */
  by: z.string(),
  /** 0-based plan step; null when the decision is not about one step. */
  stepIndex: z.number().int().nullable(),
  /** One plain sentence naming the decision and its reason. */
  summary: z.string(),
  evidence: z.array(EvidenceSchema),
});
export type Decision = z.infer<typeof DecisionSchema>;

/** Where a release stands. `paused` waits for an operator (or for a cluster that cannot be reached). */
export const ReleaseRunStatusSchema = z.enum([
  'running',
  'paused',
  'completed',
  'aborted',
  'rolledBack',
  'failed',
]);
export type ReleaseRunStatus = z.infer<typeof ReleaseRunStatusSchema>;

/** Why a release is paused. */
export const PauseInfoSchema = z.object({
  cause: DecisionCauseSchema,
  /** One plain sentence, e.g. `The cluster could not be reached while setting the canary weight to 10 %.` */
  message: z.string(),
  /** Milliseconds since the Unix epoch. */
  sinceMs: z.number(),
  /**
   * With `cluster-unreachable`: what does not answer, named for people, e.g. `cluster sandbox` or (a flag
   * ramp whose flag system is outside the cluster) `Unleash at https://unleash.example.com`.
   */
  system: z.string().optional(),
});
export type PauseInfo = z.infer<typeof PauseInfoSchema>;

/** The state of one plan step as the renderer shows it. */
export const StepViewSchema = z.object({
  index: z.number().int(),
  /** E.g. `set weight 10 %`, `pause 10m`, `pause until promoted`, `analysis initial-canary`. */
  label: z.string(),
  state: z.enum(['pending', 'active', 'done', 'failed', 'skipped', 'stopped']),
});
export type StepView = z.infer<typeof StepViewSchema>;

/** Traffic per track (`stable`/`canary`, `blue`/`green`, or variant names), percent 0..100. */
export const WeightsSchema = z.record(z.string(), z.number());

export const TrafficViewSchema = z.object({
  /** What the engine last asked for. */
  intended: WeightsSchema,
  /** What the router reported when last read back; null before the first read. */
  actual: WeightsSchema.nullable(),
  /** The router object that was read, e.g. `VirtualService ns/name route primary`. */
  source: z.string().nullable(),
  /** True when the read-back split differs from the intended one. */
  mismatch: z.boolean(),
  /**
   * A resumed release's split before it read one itself: `read` when read back as it resumed, `journaled` when
   * that read failed and `actual` is what the journal holds. Absent otherwise.
   */
  onResume: z.enum(['read', 'journaled']).optional(),
});
export type TrafficView = z.infer<typeof TrafficViewSchema>;

/** Whether an operator action applies now, and when it does not, why (one plain sentence). */
export const ControlStateSchema = z.object({
  enabled: z.boolean(),
  /** Why the action does not apply now, e.g. `Nothing to resume: the release is running step 3 of 6 (analysis).` */
  reason: z.string().optional(),
});
export type ControlState = z.infer<typeof ControlStateSchema>;

/**
 * The operator actions the run screens and the CLI offer, in the order they are shown: pause, resume,
 * promote (next step), promote to full, confirm a gate, abort, roll back.
 */
export const CONTROL_EVENTS = [
  'PAUSE',
  'RESUME',
  'PROMOTE',
  'PROMOTE_FULL',
  'CONFIRM',
  'ABORT',
  'ROLLBACK',
] as const;
export type ControlEvent = (typeof CONTROL_EVENTS)[number];

/** Every operator action of a release and whether it applies in the release's current state. */
export const ReleaseControlsSchema = z.object({
  PAUSE: ControlStateSchema,
  RESUME: ControlStateSchema,
  PROMOTE: ControlStateSchema,
  PROMOTE_FULL: ControlStateSchema,
  CONFIRM: ControlStateSchema,
  ABORT: ControlStateSchema,
  ROLLBACK: ControlStateSchema,
});
export type ReleaseControls = z.infer<typeof ReleaseControlsSchema>;

/** The projection of a running release that the renderer and the CLI show. */
export const ReleaseSnapshotSchema = z.object({
  id: z.string(),
  planName: z.string(),
  strategy: z.string(),
  /** The machine's state as a dotted path, e.g. `running.steps.analysis.waiting`. */
  phase: z.string(),
  status: ReleaseRunStatusSchema,
  pause: PauseInfoSchema.nullable(),
  /** 0-based index of the current step; null when the strategy has no numbered steps or is finished. */
  currentStep: z.number().int().nullable(),
  steps: z.array(StepViewSchema),
  traffic: TrafficViewSchema,
  /** A rolling release: the new version's pods updated, ready and in all, as read from the workload. */
  rollout: RolloutViewSchema.optional(),
  /** An A/B test: how requests are routed to the variants (pins, the cohort's split, everyone else). */
  cohorts: CohortRoutingViewSchema.optional(),
  decisions: z.array(DecisionSchema),
  /** The most recent samples, oldest first (bounded). */
  samples: z.array(SampleRecordSchema),
  /** Milliseconds since the Unix epoch; null before the release first acted. */
  startedAtMs: z.number().nullable(),
  updatedAtMs: z.number().nullable(),
  finishedAtMs: z.number().nullable(),
  /** The absolute time the current wait ends (pause end, next measurement); null when not waiting on time. */
  waitUntilMs: z.number().nullable(),
  /**
   * What each operator action would do now, computed by the engine driving the release; absent when no live
   * run drives it (then no control applies).
   */
  controls: ReleaseControlsSchema.optional(),
});
export type ReleaseSnapshot = z.infer<typeof ReleaseSnapshotSchema>;

const operatorFields = {
  /** Why the operator acted, shown in the audit log. */
  reason: z.string().optional(),
};

/**
 * Operator events a running release accepts. `PROMOTE` skips to the next step, `PROMOTE_FULL` to the end;
 * `ABORT` sends traffic back to stable at once; `RETRY` restarts an aborted canary; `ROLLBACK` returns a
 * blue-green or rolling release to the previous version; `CONFIRM` passes a migration gate.
 */
export const OperatorEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('PAUSE'), ...operatorFields }),
  z.object({ type: z.literal('RESUME'), ...operatorFields }),
  z.object({ type: z.literal('PROMOTE'), ...operatorFields }),
  z.object({ type: z.literal('PROMOTE_FULL'), ...operatorFields }),
  z.object({ type: z.literal('ABORT'), ...operatorFields }),
  z.object({ type: z.literal('RETRY'), ...operatorFields }),
  z.object({ type: z.literal('ROLLBACK'), ...operatorFields }),
  z.object({ type: z.literal('CONFIRM'), ...operatorFields }),
]);
export type OperatorEvent = z.infer<typeof OperatorEventSchema>;
export type OperatorEventType = OperatorEvent['type'];

/** How a release run ended (or stopped for the operator). */
export const ReleaseOutcomeSchema = z.object({
  kind: z.enum(['completed', 'aborted', 'rolledBack', 'paused', 'failed', 'stopped']),
  /** One plain sentence: the last decision's summary, or the pause reason. */
  reason: z.string(),
  snapshot: ReleaseSnapshotSchema,
});
export type ReleaseOutcome = z.infer<typeof ReleaseOutcomeSchema>;
