import { assign, type DoneActorEvent, type EventObject } from 'xstate';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import { formatPlanDuration, heldWords } from '../../../src-shared/format/duration.ts';
import { formatMetricValue, formatThreshold, unitOfMetric } from '../../../src-shared/format/number.ts';
import type { AnalysisMetric, ReleasePlan, RollbackTrigger } from '../../../src-shared/plan/plan.schema.ts';
import { firesOnOneRead, triggerIntervalMs, triggerWindow } from '../../../src-shared/plan/trigger-reads.ts';
import type { Evidence, SampleRecord } from '../../../src-shared/release/release.schema.ts';
import { stampingState } from './stamping-state.ts';
import {
  appendSamples,
  engineDecision,
  queryParams,
  waitInvoke,
  sampleOf,
  type ReleaseContextBase,
  type AnalysisCounter,
  type AnalysisStatus,
  type MetricReading,
  type MetricRequest,
} from './release-common.ts';

/** One metric of an analysis run: its samples so far, the next measurement time and its verdict. */
export interface MetricRun {
  key: string;
  template: string;
  metric: AnalysisMetric;
  samples: SampleRecord[];
  /** Absolute time of the next measurement, milliseconds since the Unix epoch; null once it is decided. */
  nextAtMs: number | null;
  status: AnalysisStatus;
  /** The counter arithmetic behind `status`. */
  reason: string;
}

/** The analysis templates of one step, measured until every metric is decided. */
export interface AnalysisRun {
  stepIndex: number;
  metrics: MetricRun[];
  status: AnalysisStatus;
}

/** Starts measuring the named templates at `atMs` (the first measurement of every metric is due at once). */
export function startAnalysis(
  plan: ReleasePlan,
  templates: readonly string[],
  stepIndex: number,
  atMs: number,
): AnalysisRun {
  const metrics = templates.flatMap((name) => {
    const template = plan.analysis.templates.find((t) => t.name === name);
    return (template?.metrics ?? []).map((metric): MetricRun => ({
      key: `${name}/${metric.name}`,
      template: name,
      metric,
      samples: [],
      nextAtMs: atMs,
      status: 'running',
      reason: `0 of ${metric.count} measurements taken`,
    }));
  });
  return { stepIndex, metrics, status: metrics.length === 0 ? 'successful' : 'running' };
}

/** The earliest next measurement time of a run, or null when nothing is left to measure. */
export function nextMeasurementAt(run: AnalysisRun): number | null {
  const times = run.metrics.flatMap((m) => (m.nextAtMs === null ? [] : [m.nextAtMs]));
  return times.length === 0 ? null : Math.min(...times);
}

/** The reads due at `nowMs`, for `version`. */
export function dueAnalysisReads(
  plan: ReleasePlan,
  run: AnalysisRun,
  version: string,
  nowMs: number,
): MetricRequest[] {
  return run.metrics
    .filter((m) => m.nextAtMs !== null && m.nextAtMs <= nowMs)
    .map((m) => ({
      key: m.key,
      source: {
        kind: m.metric.kind,
        ...(m.metric.query ? { query: m.metric.query } : {}),
        window: m.metric.window,
      },
      params: queryParams(plan, version, m.metric.window),
    }));
}

const ORDER: AnalysisStatus[] = ['failed', 'inconclusive', 'running', 'successful'];

/**
 * Counts the new readings into the run with `count` (Argo counting) and schedules each metric's next
 * measurement `interval` after the one just due, so a restored run keeps its original cadence.
 */
export function applyAnalysisReadings(
  run: AnalysisRun,
  readings: readonly MetricReading[],
  version: string,
  count: AnalysisCounter,
): { run: AnalysisRun; samples: SampleRecord[] } {
  const added: SampleRecord[] = [];
  const metrics = run.metrics.map((m) => {
    const reading = readings.find((r) => r.key === m.key);
    if (!reading || m.nextAtMs === null) return m;
    const sample = sampleOf(
      reading,
      { source: 'analysis', stepIndex: run.stepIndex, group: m.template, metric: m.metric.name, version },
      m.metric.successCondition,
      'success',
    );
    added.push(sample);
    const samples = [...m.samples, sample];
    const verdict = count(
      m.metric,
      samples.map((s) => s.outcome),
    );
    const interval = durationMs(m.metric.interval);
    const nextAtMs = verdict.status === 'running' ? Math.max(m.nextAtMs + interval, reading.atMs) : null;
    return { ...m, samples, nextAtMs, status: verdict.status, reason: verdict.reason };
  });
  const status = ORDER.find((s) => metrics.some((m) => m.status === s)) ?? 'successful';
  return { run: { ...run, metrics, status }, samples: added };
}

/** Evidence for a decision on `run`: the metrics with `status` (all when omitted). */
export function analysisEvidence(run: AnalysisRun, status?: AnalysisStatus): Evidence[] {
  return run.metrics
    .filter((m) => status === undefined || m.status === status)
    .map((m) => {
      const errorOnly =
        m.status === 'failed' && m.samples.length > 0 && m.samples.every((s) => s.outcome === 'error');
      return {
        metric: m.metric.name,
        group: m.template,
        query: m.samples.at(-1)?.query ?? '',
        op: m.metric.successCondition.op,
        threshold: m.metric.successCondition.threshold,
        samples: m.samples,
        arithmetic: m.reason,
        result: errorOnly ? 'error' : m.status,
      };
    });
}

/** A plain sentence naming the metrics behind a verdict, e.g. `error-rate (initial-canary): failed 4 > failureLimit 3`. */
export function evidenceSentence(evidence: readonly Evidence[]): string {
  return evidence.map((e) => `${e.metric} (${e.group}): ${e.arithmetic}`).join('; ');
}

/** A rollback trigger being watched: the time a breach started and the samples behind it. */
export interface TriggerWatch {
  key: string;
  trigger: RollbackTrigger;
  nextAtMs: number;
  /** When the current uninterrupted breach began; null when the last value did not breach. */
  breachSinceMs: number | null;
  /** The samples of the current breach (or the last sample), oldest first. */
  samples: SampleRecord[];
}

/** Starts watching the plan's rollback triggers at `atMs`. */
export function startTriggers(plan: ReleasePlan, atMs: number): TriggerWatch[] {
  return plan.rollbackTriggers.map((trigger, i) => ({
    key: `trigger/${i}/${trigger.metric}`,
    trigger,
    nextAtMs: atMs,
    breachSinceMs: null,
    samples: [],
  }));
}

/** The trigger reads due at `nowMs`; pod restarts are counted over the trigger's `for`. */
export function dueTriggerReads(
  plan: ReleasePlan,
  watches: readonly TriggerWatch[],
  version: string,
  nowMs: number,
): MetricRequest[] {
  return watches
    .filter((w) => w.nextAtMs <= nowMs)
    .map((w) => ({
      key: w.key,
      source: { kind: w.trigger.metric, ...(w.trigger.query ? { query: w.trigger.query } : {}) },
      params: queryParams(plan, version, triggerWindow(w.trigger)),
    }));
}

/**
 * Updates the watches with new readings. A breach must hold on every read for the trigger's `for`
 * (pod restarts: the count over `for` breaches once); no data neither confirms nor clears a breach.
 * Returns the evidence of the first trigger that fired, if any.
 */
export function applyTriggerReadings(
  watches: readonly TriggerWatch[],
  readings: readonly MetricReading[],
  version: string,
): { watches: TriggerWatch[]; samples: SampleRecord[]; fired: Evidence | null } {
  const added: SampleRecord[] = [];
  let fired: Evidence | null = null;
  const next = watches.map((w) => {
    const reading = readings.find((r) => r.key === w.key);
    if (!reading) return w;
    const t = w.trigger;
    const sample = sampleOf(
      reading,
      { source: 'trigger', stepIndex: null, group: 'rollbackTriggers', metric: t.metric, version },
      { op: t.op, threshold: t.threshold },
      'breach',
    );
    added.push(sample);
    const forMs = durationMs(t.for);
    const nextAtMs = Math.max(w.nextAtMs + triggerIntervalMs(t), reading.atMs);
    let breachSinceMs = w.breachSinceMs;
    let samples = [...w.samples, sample];
    if (sample.outcome === 'success') {
      breachSinceMs = null;
      samples = [sample];
    } else if (sample.outcome === 'failure' && breachSinceMs === null) {
      breachSinceMs = sample.atMs;
      samples = [sample];
    }
    const heldMs = breachSinceMs === null ? 0 : sample.atMs - breachSinceMs;
    const instant = firesOnOneRead(t);
    if (!fired && sample.outcome === 'failure' && breachSinceMs !== null && (instant || heldMs >= forMs)) {
      fired = {
        metric: t.metric,
        group: 'rollbackTriggers',
        query: sample.query,
        op: t.op,
        threshold: t.threshold,
        samples,
        arithmetic: instant
          ? `${readable(sample.value, t.metric)} ${formatThreshold(t.op, t.threshold, unitOfMetric(t.metric))} over ${formatPlanDuration(t.for)}`
          : `${readable(sample.value, t.metric)} ${formatThreshold(t.op, t.threshold, unitOfMetric(t.metric))} ${heldWords(heldMs, t.for)}`,
        result: 'breached',
      };
    }
    return { ...w, nextAtMs, breachSinceMs, samples: samples.slice(-50) };
  });
  return { watches: next, samples: added, fired };
}

/** A value for a sentence, in its metric's unit with four significant digits (the samples keep the exact number). */
function readable(value: number | null, metric: string): string {
  return formatMetricValue(value, unitOfMetric(metric));
}

/** Context fields of a machine that watches the plan's rollback triggers for the whole release. */
export interface TriggerWatchContext extends ReleaseContextBase {
  /** The plan's rollback triggers being watched; empty until the watch starts. */
  triggers: TriggerWatch[];
  /** The evidence of the trigger that fired, if one did. */
  firedTrigger: Evidence | null;
}

/**
 * What a machine does when a rollback trigger fires: where it goes, and either the decision it records
 * (`kind`, `then`: what happens next, e.g. `aborting the canary`; `stepIndexOf`: the step it happened at) or
 * the whole context change (`decide`).
 */
export type TriggerFiredTransition<C extends TriggerWatchContext> = {
  guard?: (context: C) => boolean;
  target: string;
} & (
  | { decide: (context: C, evidence: Evidence) => Partial<C> }
  | { kind: 'abort' | 'rollback'; then: (context: C) => string; stepIndexOf?: (context: C) => number | null }
);

/** The context change of a trigger that fired: `decide`'s, or the engine decision it describes. */
function firedChange<C extends TriggerWatchContext>(f: TriggerFiredTransition<C>, context: C): Partial<C> {
  const e = context.firedTrigger as Evidence;
  if ('decide' in f) return f.decide(context, e);
  const summary = triggerSummary(e, f.then(context));
  const stepIndex = f.stepIndexOf?.(context) ?? null;
  return {
    decisions: engineDecision(context, f.kind, 'rollback-trigger', summary, [e], stepIndex),
  } as Partial<C>;
}

/** No rollback trigger watched yet: the context fields of a new release. */
export const noTriggerWatch = (): Pick<TriggerWatchContext, 'triggers' | 'firedTrigger'> => ({
  triggers: [],
  firedTrigger: null,
});

/**
 * The states of a parallel `guard` region that watches the plan's rollback triggers: it arms once the
 * release has started (`startedAtMs` is set), reads every due trigger on the machine's `wait` and
 * `readMetrics` actors, and takes the first of `fired` whose guard holds when one fires. The schedule lives in
 * context (`triggers[].nextAtMs`), so a restored snapshot keeps it. The region stops when the machine leaves
 * the state that holds it. With no triggers in the plan it goes straight to `off`.
 */
export function triggerWatchRegion<C extends TriggerWatchContext, E extends EventObject>(
  fired: readonly TriggerFiredTransition<C>[],
) {
  type Ctx = { context: C };
  const onDone = <T>(fn: (context: C, output: T) => Partial<C>) =>
    assign<C, DoneActorEvent<T>, undefined, E, never>(({ context, event }) => fn(context, event.output));
  return {
    initial: 'arming' as const,
    states: {
      arming: {
        always: [
          { guard: ({ context }: Ctx) => context.plan.rollbackTriggers.length === 0, target: 'off' },
          // One that fired already led to a rollback (perhaps paused on a cluster error): it does not fire twice.
          { guard: ({ context }: Ctx) => context.firedTrigger !== null, target: 'off' },
          { guard: ({ context }: Ctx) => context.triggers.length > 0, target: 'waiting' },
          { guard: ({ context }: Ctx) => context.startedAtMs !== null, target: 'stamping' },
        ],
      },
      stamping: stampingState<C, E>(
        'waiting',
        (context, atMs) => ({ triggers: startTriggers(context.plan, atMs) }) as Partial<C>,
      ),
      waiting: {
        invoke: waitInvoke<C, E>(
          (context) => Math.min(...context.triggers.map((t) => t.nextAtMs)),
          'reading',
        ),
      },
      reading: {
        invoke: {
          src: 'readMetrics' as const,
          input: ({ context }: Ctx) => ({
            requests: dueTriggerReads(context.plan, context.triggers, context.version, context.nowMs ?? 0),
          }),
          onDone: {
            target: 'evaluate',
            actions: onDone<{ atMs: number; readings: MetricReading[] }>((context, output) => {
              const applied = applyTriggerReadings(context.triggers, output.readings, context.version);
              return {
                nowMs: output.atMs,
                triggers: applied.watches,
                firedTrigger: applied.fired,
                samples: appendSamples(context.samples, applied.samples),
              } as Partial<C>;
            }),
          },
          onError: { target: 'waiting' },
        },
      },
      evaluate: {
        always: [
          ...fired.map((f) => ({
            guard: ({ context }: Ctx) => context.firedTrigger !== null && (f.guard?.(context) ?? true),
            target: f.target,
            actions: assign<C, E, undefined, E, never>(({ context }) => firedChange(f, context)),
          })),
          { target: 'waiting' },
        ],
      },
      off: {},
    },
  };
}

/** A decision summary for a fired trigger, e.g. `Rollback trigger error-rate fired: 0.03 > 0.02 held for 120 s ≥ 2m; rolling back.` */
export function triggerSummary(e: Evidence, then: string): string {
  return `Rollback trigger ${e.metric} fired: ${e.arithmetic}; ${then}.`;
}
