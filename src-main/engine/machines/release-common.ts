import { assign, fromPromise, type DoneActorEvent, type ErrorActorEvent, type EventObject } from 'xstate';
import type { ComparisonOp, ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { MetricQueryParams, MetricQuerySource } from '../../../src-shared/plan/promql.ts';
import type {
  Decision,
  DecisionCause,
  Evidence,
  MeasurementOutcome,
  PauseInfo,
  SampleRecord,
} from '../../../src-shared/release/release.schema.ts';
import type { MetricSample } from '../../ports/metrics.port.ts';
import type { ReleaseOps, TrafficSplit, WorkloadState } from '../../ports/release.port.ts';
import { imageVersion } from '../../../src-shared/release/image-version.ts';

/** Where one analysis metric stands, as Argo Rollouts counts it. */
export type AnalysisStatus = 'running' | 'successful' | 'failed' | 'inconclusive';

/** The counting rules of one analysis metric (from the plan's `AnalysisMetric`). */
export interface CountingRules {
  count: number;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutive: boolean;
}

/**
 * The pure function that turns a metric's outcomes so far into a status and the counter arithmetic as a
 * sentence (`failed 4 > failureLimit 3`). `assessMeasurements` of src-shared/stats/threshold-analysis.ts fits.
 */
export type AnalysisCounter = (
  rules: CountingRules,
  outcomes: readonly MeasurementOutcome[],
) => { status: AnalysisStatus; reason: string };

/** One metric read the machine asks of the `readMetrics` actor; `key` comes back with the result. */
export interface MetricRequest {
  key: string;
  source: MetricQuerySource;
  params: MetricQueryParams;
}

/** What `readMetrics` returns for one request. A read that threw comes back as an `error` sample. */
export interface MetricReading {
  key: string;
  query: string;
  sample: MetricSample;
  /** When it was read, milliseconds since the Unix epoch. */
  atMs: number;
}

/** Input of every cluster-operation actor: the method's arguments and why it is called (for the audit log). */
export interface OpInput<K extends keyof ReleaseOps> {
  args: Parameters<NonNullable<ReleaseOps[K]>>;
  /** One sentence, e.g. `step 1: send 10 % of traffic to the canary`. */
  why: string;
}

/** Output of every cluster-operation actor: the method's result and the clock time it returned. */
export interface OpOutput<K extends keyof ReleaseOps> {
  atMs: number;
  result: Awaited<ReturnType<NonNullable<ReleaseOps[K]>>>;
}

/** The event an operation actor's `onDone` receives (for dynamic params and guards outside `setup`). */
export type OpDone<K extends keyof ReleaseOps> = { event: DoneActorEvent<OpOutput<K>> };
/** The event an actor's `onError` receives. */
export type OpFailed = { event: ErrorActorEvent };

/** The ReleaseOps methods that change the cluster; the runner journals before each of them. */
export const MUTATING_OPS = [
  'ensureCanary',
  'setCanaryWeight',
  'promoteCanary',
  'abortCanary',
  'deployColour',
  'switchTo',
  'scaleColour',
  'warmup',
  'smoke',
  'setImage',
  'undo',
  'runJob',
  'routeExperiment',
  'scaleForWeight',
  'restoreRollout',
] as const satisfies readonly (keyof ReleaseOps)[];

const notProvided = (name: string) => () =>
  Promise.reject(new Error(`The ${name} actor was not provided to the release machine.`));

/** A placeholder cluster-operation actor; the runner provides the real one with `machine.provide({ actors })`. */
export function opActor<K extends keyof ReleaseOps>(name: K) {
  return fromPromise<OpOutput<K>, OpInput<K>>(notProvided(name));
}

/** Placeholders of the clock and metrics actors every machine invokes by name. */
export const baseActors = {
  /** Resolves with the clock's time. */
  now: fromPromise<{ atMs: number }, void>(notProvided('now')),
  /** Resolves once the clock reaches `untilMs` (milliseconds since the Unix epoch); at once if it has passed. */
  wait: fromPromise<{ atMs: number }, { untilMs: number }>(notProvided('wait')),
  /** Reads every request (metrics and version) once. */
  readMetrics: fromPromise<{ atMs: number; readings: MetricReading[] }, { requests: MetricRequest[] }>(
    notProvided('readMetrics'),
  ),
};

/** What every release machine is started with. */
export interface ReleaseInput {
  releaseId: string;
  plan: ReleasePlan;
}

/** Context fields every release machine keeps (all JSON-serialisable, so a persisted snapshot restores them). */
export interface ReleaseContextBase {
  releaseId: string;
  plan: ReleasePlan;
  /** Version label value of the new version (the target image's tag). */
  version: string;
  /** The latest clock time the machine has seen, milliseconds since the Unix epoch. */
  nowMs: number | null;
  startedAtMs: number | null;
  finishedAtMs: number | null;
  pause: PauseInfo | null;
  decisions: Decision[];
  samples: SampleRecord[];
  /** What traffic the machine last asked for, percent per track. */
  intended: Record<string, number>;
  /** Traffic as last read back from the router. */
  split: TrafficSplit | null;
  /** Absolute end of the wait in progress, milliseconds since the Unix epoch. */
  waitUntilMs: number | null;
  /**
   * The last stage of a step-less strategy (rolling, blue-green) the release entered, e.g. `validating`; the step
   * list shows it failed when the release rolls back. Absent in releases journaled before it was kept.
   */
  reached?: string;
}

/**
 * Ready pods of a workload's current revision, at least: none while the controller has not seen the latest
 * spec, and pods of older revisions (counted as ready) are not counted, so traffic waits for the new ones.
 */
export function readyOfCurrentRevision(w: WorkloadState): number {
  if (w.observed === false) return 0;
  const older = Math.max(0, (w.current ?? w.updated) - w.updated);
  return Math.max(0, Math.min(w.updated, w.ready - older));
}

/** The base context of a new release. */
export function baseContext(input: ReleaseInput, intended: Record<string, number>): ReleaseContextBase {
  return {
    releaseId: input.releaseId,
    plan: input.plan,
    version: imageVersion(input.plan.target.image),
    nowMs: null,
    startedAtMs: null,
    finishedAtMs: null,
    pause: null,
    decisions: [],
    samples: [],
    intended,
    split: null,
    waitUntilMs: null,
  };
}

const MAX_SAMPLES = 500;

/** Appends samples to the timeline, keeping the most recent 500. */
export function appendSamples(
  samples: readonly SampleRecord[],
  more: readonly SampleRecord[],
): SampleRecord[] {
  const all = [...samples, ...more];
  return all.length > MAX_SAMPLES ? all.slice(all.length - MAX_SAMPLES) : all;
}

/** Appends a decision, numbering it. */
export function appendDecision(decisions: readonly Decision[], d: Omit<Decision, 'seq'>): Decision[] {
  return [...decisions, { ...d, seq: decisions.length + 1 }];
}

/** Query arguments for the plan's workload and one version. */
export function queryParams(
  plan: ReleasePlan,
  version: string | undefined,
  window?: string,
): MetricQueryParams {
  const params: MetricQueryParams = {
    job: plan.target.job ?? plan.target.name,
    // A blue-green colour may live in its own namespace (the runbook's -blue/-green layout); job and version
    // already pick its traffic, as the runbook's own queries do without a namespace.
    ...(plan.strategy.kind === 'blue-green' ? {} : { namespace: plan.target.namespace }),
    // A flag ramp selects users served the new variant, not pods of a version.
    versionLabel:
      plan.strategy.kind === 'flag-rollout'
        ? plan.strategy.variantLabel
        : plan.router.kind === 'service-selector'
          ? plan.router.versionLabel
          : 'version',
  };
  if (version !== undefined) params.version = version;
  // Every pod serves every flag variant: restarts and saturation are the whole workload's.
  if (plan.strategy.kind === 'flag-rollout') {
    params.podsCarryVersion = false;
    params.workload = plan.target.name;
  }
  if (plan.target.container !== undefined) params.container = plan.target.container;
  if (window !== undefined) params.window = window;
  return params;
}

const OPS: Record<ComparisonOp, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** True when `value <op> threshold`. */
export function holds(value: number, op: ComparisonOp, threshold: number): boolean {
  return OPS[op](value, threshold);
}

/**
 * Turns a reading into a sample record. `success` when `value <op> threshold` holds for analysis;
 * for breach checks (`mode: 'breach'`) `failure` means the breach condition holds. No data is
 * `inconclusive` and a rejected query is `error`; neither is ever a success.
 */
export function sampleOf(
  reading: MetricReading,
  where: Pick<SampleRecord, 'source' | 'stepIndex' | 'group' | 'metric' | 'version'>,
  condition: { op: ComparisonOp; threshold: number },
  mode: 'success' | 'breach',
): SampleRecord {
  const s = reading.sample;
  const base = { ...where, atMs: reading.atMs, query: reading.query };
  if (s.kind === 'inconclusive') return { ...base, outcome: 'inconclusive', value: null, note: s.message };
  if (s.kind === 'error') return { ...base, outcome: 'error', value: null, note: s.message };
  if (Number.isNaN(s.value))
    return { ...base, outcome: 'inconclusive', value: null, note: 'The query returned NaN.' };
  const ok = holds(s.value, condition.op, condition.threshold);
  const outcome: MeasurementOutcome =
    mode === 'success' ? (ok ? 'success' : 'failure') : ok ? 'failure' : 'success';
  return { ...base, outcome, value: s.value };
}

/** Describes a failed cluster operation as a pause: an unreachable cluster is said so, never guessed around. */
export function pauseForError(error: unknown, doing: string, atMs: number): PauseInfo {
  const kind = typeof error === 'object' && error !== null && 'kind' in error ? String(error.kind) : '';
  const detail = error instanceof Error ? error.message : String(error);
  const unreachable = kind === 'unreachable' || kind === 'timeout';
  const cause: DecisionCause = unreachable ? 'cluster-unreachable' : 'cluster-error';
  const message = unreachable
    ? `The cluster could not be reached while ${doing} (${detail.replace(/\.$/, '')}). The release is paused and changes nothing until an operator resumes it.`
    : `${doing.charAt(0).toUpperCase()}${doing.slice(1)} failed (${detail.replace(/\.$/, '')}). The release is paused until an operator resumes or aborts it.`;
  return { cause, message, sinceMs: atMs };
}

/** The operator named on an event (the runner stamps it), or `operator`. */
export const byOf = (event: { by?: string }) => event.by ?? 'operator';
/** The clock time of an event, or the latest time the machine has seen. */
export const atOf = (context: ReleaseContextBase, event: { atMs?: number }) =>
  event.atMs ?? context.nowMs ?? 0;
/** ` (reason)` when the operator gave one. */
export const reasonOf = (event: { reason?: string }) => (event.reason ? ` (${event.reason})` : '');

/** The decisions with an operator's decision appended. */
export function operatorDecision(
  context: ReleaseContextBase,
  event: { atMs?: number; by?: string },
  kind: Decision['kind'],
  stepIndex: number | null,
  summary: string,
): Decision[] {
  return appendDecision(context.decisions, {
    kind,
    cause: 'operator',
    atMs: atOf(context, event),
    by: byOf(event),
    stepIndex,
    summary,
    evidence: [],
  });
}

/** The context change of an engine pause: the pause itself and its decision. */
export function pausedFor(context: ReleaseContextBase, pause: PauseInfo, stepIndex: number | null) {
  return {
    pause,
    decisions: appendDecision(context.decisions, {
      kind: 'pause',
      cause: pause.cause,
      atMs: pause.sinceMs,
      by: 'engine',
      stepIndex,
      summary: pause.message,
      evidence: [],
    }),
  };
}

/** The decisions with an engine decision appended, stamped with the latest clock time the machine saw. */
export function engineDecision(
  context: ReleaseContextBase,
  kind: Decision['kind'],
  cause: DecisionCause,
  summary: string,
  evidence: Evidence[] = [],
  stepIndex: number | null = null,
): Decision[] {
  return appendDecision(context.decisions, {
    kind,
    cause,
    atMs: context.nowMs ?? 0,
    by: 'engine',
    stepIndex,
    summary,
    evidence,
  });
}

/** The context change when a cluster operation failed at `stage`: a pause naming it, retried there on RESUME. */
export function stuckWith<S extends string>(
  context: ReleaseContextBase,
  error: unknown,
  stage: S,
  doing: string,
) {
  return { stuckAt: stage, ...pausedFor(context, pauseForError(error, doing, context.nowMs ?? 0), null) };
}

/** What a strategy machine outputs when it reaches a final state: how it ended and its context. */
export interface StrategyOutput {
  outcome: 'completed' | 'aborted' | 'rolledBack';
  context: ReleaseContextBase;
}

/** The machine-level output function of a strategy: the final state's `outcome` plus the context. */
export function strategyOutput({
  context,
  event,
}: {
  context: ReleaseContextBase;
  event: unknown;
}): StrategyOutput {
  const outcome =
    (event as { output?: { outcome?: StrategyOutput['outcome'] } }).output?.outcome ?? 'completed';
  return { outcome, context };
}

/**
 * An `invoke` of the clock's `wait` actor until the time `untilOf` reads from context (milliseconds since the
 * Unix epoch), then a transition to `target` that records the clock time in `nowMs`. The time comes from
 * context, so a restored snapshot waits for the same moment (XState does not restore `after:` timers).
 */
export function waitInvoke<C extends ReleaseContextBase, E extends EventObject>(
  untilOf: (context: C) => number,
  target: string,
) {
  return {
    src: 'wait' as const,
    input: ({ context }: { context: C }) => ({ untilMs: untilOf(context) }),
    onDone: {
      target,
      actions: assign<C, DoneActorEvent<{ atMs: number }>, undefined, E, never>(
        ({ event }) => ({ nowMs: event.output.atMs }) as Partial<C>,
      ),
    },
  };
}

/**
 * A poll-until-deadline sleep: waits `pollMs`, or until the deadline `deadlineOf` reads from context when that
 * comes sooner, then goes to `target`. The wake-up time is kept in `waitUntilMs`.
 */
export function pollState<C extends ReleaseContextBase, E extends EventObject>(
  pollMs: number,
  deadlineOf: (context: C) => number | null,
  target = 'probe',
) {
  return {
    entry: assign<C, E, undefined, E, never>(
      ({ context }) =>
        ({
          waitUntilMs: Math.min((context.nowMs ?? 0) + pollMs, deadlineOf(context) ?? Infinity),
        }) as Partial<C>,
    ),
    invoke: waitInvoke<C, E>((context) => context.waitUntilMs ?? 0, target),
  };
}
