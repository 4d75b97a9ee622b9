import { assign, type DoneActorEvent } from 'xstate';
import type { Decision } from '../../../src-shared/release/release.schema.ts';
import {
  analysisEvidence,
  applyAnalysisReadings,
  dueAnalysisReads,
  nextMeasurementAt,
  startAnalysis,
  type AnalysisRun,
} from './analysis-run.ts';
import {
  advance,
  canaryStrategy,
  currentStep,
  type CanaryContext,
  type RunField,
  type StampedOperatorEvent,
} from './canary-context.ts';
import { canaryWords } from './decision-words.ts';
import { stampingState } from './stamping-state.ts';
import {
  appendSamples,
  engineDecision,
  waitInvoke,
  type AnalysisCounter,
  type AnalysisStatus,
  type MetricReading,
} from './release-common.ts';

type C = CanaryContext;
type E = StampedOperatorEvent;
type Reads = { atMs: number; readings: MetricReading[] };

/** When the run in `field` next measures (at once when it has nothing scheduled). */
function nextReadAt(context: C, field: RunField): number {
  const run = context[field];
  return (run && nextMeasurementAt(run)) ?? context.nowMs ?? 0;
}

/** The templates a run in `field` measures: the current step's, or the plan's background ones. */
function templatesOf(context: C, field: RunField): string[] {
  if (field === 'background') return canaryStrategy(context).background?.templates ?? [];
  const step = currentStep(context);
  return step && 'analysis' in step ? step.analysis.templates : [];
}

/**
 * The guards of both analysis runs: `runUnderway` `{ field }` (a step's run only for its own step),
 * `runIs` `{ field, status }`, and whether and when the background run measures.
 */
export const analysisGuards = {
  runUnderway: ({ context }: { context: C }, p: { field: RunField }) => {
    const run = context[p.field];
    return run?.status === 'running' && (p.field === 'background' || run.stepIndex === context.stepIndex);
  },
  runIs: ({ context }: { context: C }, p: { field: RunField; status: AnalysisStatus }) =>
    context[p.field]?.status === p.status,
  noBackground: ({ context }: { context: C }) => canaryStrategy(context).background === undefined,
  backgroundDue: ({ context }: { context: C }) =>
    context.stepIndex >= (canaryStrategy(context).background?.startingStep ?? Infinity),
};

/**
 * The actions of both analysis runs, counting with `count`: `countRun`, `showRunWait` (the step's
 * next measurement as the wait in progress), `runPassed` (the step's analysis passed: next step) and
 * `runStopped` `{ field, kind, status }` (a failed or inconclusive run aborts or pauses the canary).
 */
export function analysisActions(count: AnalysisCounter) {
  return {
    countRun: assign<C, E, { field: RunField } & Reads, E, never>(({ context }, p) => {
      const applied = applyAnalysisReadings(
        context[p.field] as AnalysisRun,
        p.readings,
        context.version,
        count,
      );
      return {
        nowMs: p.atMs,
        [p.field]: applied.run,
        samples: appendSamples(context.samples, applied.samples),
      };
    }),
    showRunWait: assign<C, E, undefined, E, never>(({ context }) => ({
      waitUntilMs: context.analysis ? nextMeasurementAt(context.analysis) : null,
    })),
    runPassed: assign<C, E, undefined, E, never>(({ context }) => {
      const run = context.analysis as AnalysisRun;
      const evidence = analysisEvidence(run);
      return {
        ...advance(context),
        decisions: engineDecision(
          context,
          'promote',
          'analysis-passed',
          canaryWords.analysisPassed(run.stepIndex, evidence),
          evidence,
          run.stepIndex,
        ),
      };
    }),
    runStopped: assign<
      C,
      E,
      {
        field: RunField;
        kind: Extract<Decision['kind'], 'abort' | 'pause'>;
        status: 'failed' | 'inconclusive';
      },
      E,
      never
    >(({ context }, p) => {
      const run = context[p.field] as AnalysisRun;
      const step = p.field === 'analysis' ? run.stepIndex : null;
      const evidence = analysisEvidence(run, p.status);
      const summary = canaryWords.analysisStopped(step, p.status, evidence, p.kind);
      const atMs = context.nowMs ?? 0;
      const cause = p.status === 'failed' ? 'analysis-failed' : 'analysis-inconclusive';
      return {
        ...(step === null ? {} : { failedStep: step }),
        // A background run that paused the canary starts over once it resumes.
        ...(step === null && p.kind === 'pause' ? { background: null } : {}),
        decisions: engineDecision(context, p.kind, cause, summary, evidence, step ?? context.stepIndex),
        pause: p.kind === 'pause' ? { cause, message: summary, sinceMs: atMs } : null,
      };
    }),
  };
}

/**
 * The states of one analysis run, the step's (`analysis`) or the background one (`background`): start it
 * when none is under way, wait for its next measurement, read, count, and decide with `evaluate` (the
 * transitions on its status). The schedule lives in context, so a restored snapshot keeps its cadence.
 */
export function analysisRunStates<T>(field: RunField, evaluate: T) {
  return {
    arming: {
      always: [
        { guard: { type: 'runUnderway' as const, params: { field } }, target: 'waiting' },
        { target: 'stamping' },
      ],
    },
    stamping: stampingState<C, E>('evaluate', (context, atMs) => ({
      [field]: startAnalysis(context.plan, templatesOf(context, field), context.stepIndex, atMs),
    })),
    waiting: {
      ...(field === 'analysis' ? { entry: 'showRunWait' as const } : {}),
      invoke: waitInvoke<C, E>((c) => nextReadAt(c, field), 'reading'),
    },
    reading: {
      invoke: {
        src: 'readMetrics' as const,
        input: ({ context }: { context: C }) => ({
          requests: dueAnalysisReads(
            context.plan,
            context[field] as AnalysisRun,
            context.version,
            context.nowMs ?? 0,
          ),
        }),
        onDone: {
          target: 'evaluate',
          actions: {
            type: 'countRun' as const,
            params: ({ event }: { event: DoneActorEvent<Reads> }) => ({ field, ...event.output }),
          },
        },
      },
    },
    evaluate: { always: evaluate },
  };
}

/** A run-status guard by name, e.g. `runIs('analysis', 'failed')`. */
export const runIs = (field: RunField, status: AnalysisStatus) => ({
  type: 'runIs' as const,
  params: { field, status },
});

/** A `runStopped` action by name. */
export const runStopped = (field: RunField, kind: 'abort' | 'pause', status: 'failed' | 'inconclusive') => ({
  type: 'runStopped' as const,
  params: { field, kind, status },
});
