import { assign, fromPromise, type DoneActorEvent } from 'xstate';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import type { Decision } from '../../../src-shared/release/release.schema.ts';
import type { ExposureReading } from '../../ports/exposure.port.ts';
import type { FlagOpOutput } from '../runner/flag-actors.ts';
import {
  analysisEvidence,
  applyAnalysisReadings,
  dueAnalysisReads,
  evidenceSentence,
  nextMeasurementAt,
  startAnalysis,
  type AnalysisRun,
  type TriggerWatchContext,
} from './analysis-run.ts';
import type { StampedOperatorEvent } from './canary.machine.ts';
import { flagStrategy, flagSteps, newPercent, splitOf } from './flag-ramp.ts';
import { stampingState } from './stamping-state.ts';
import {
  appendSamples,
  atOf,
  byOf,
  engineDecision,
  operatorDecision,
  reasonOf,
  pauseForError,
  pausedFor,
  waitInvoke,
  type AnalysisCounter,
  type MetricReading,
} from './release-common.ts';

/** What the flag ramp remembers; all of it survives a persisted snapshot. */
export interface FlagRolloutContext extends TriggerWatchContext {
  /** 0-based index of the current plan step (equals the number of steps once all are done). */
  stepIndex: number;
  skipped: number[];
  /** Absolute end of the current timed pause step, milliseconds since the Unix epoch. */
  pauseUntilMs: number | null;
  analysis: AnalysisRun | null;
  failedStep: number | null;
  /** The flag as Switchyard last read or wrote it: a move that finds anything else is drift. */
  reading: ExposureReading | null;
  stuckAt: 'starting' | 'segments' | 'completing' | 'killing' | null;
  /**
   * Steps before the ramp's first in the release's one list (a flag with deploy: the deploy's), so sentences
   * number the ramp's steps as the console and CLI show them; absent (0) for a ramp alone.
   */
  stepOffset?: number;
}

/** The number people read for plan step `index` (default the current one): 1-based, after the deploy's steps. */
export const stepNo = (c: FlagRolloutContext, index = c.stepIndex) => index + 1 + (c.stepOffset ?? 0);

type C = FlagRolloutContext;
type E = StampedOperatorEvent;
type Ctx = { context: C };

const placeholder = <O, I>(name: string) =>
  fromPromise<O, I>(() => Promise.reject(new Error(`The ${name} actor was not provided to the flag ramp.`)));

/** Placeholders of the flag actors; the runner provides the real ones (runner/flag-actors.ts). */
export const flagActorPlaceholders = {
  flagRead: placeholder<FlagOpOutput, void>('flagRead'),
  flagMove: placeholder<FlagOpOutput, { percent: number; expected: ExposureReading | null; why: string }>(
    'flagMove',
  ),
  flagSegments: placeholder<
    FlagOpOutput,
    { segments: unknown[]; expected: ExposureReading | null; why: string }
  >('flagSegments'),
  flagKill: placeholder<FlagOpOutput, { why: string }>('flagKill'),
  flagPrereqs: placeholder<{ atMs: number; unmet: string[] }, { prerequisites: unknown[] }>('flagPrereqs'),
};

/** The current step of the ramp. */
export const stepOf = (c: C) => flagSteps(c.plan)[c.stepIndex];

/** `flag "new-checkout"`, for sentences. */
export const flagName = (c: C) => `flag "${flagStrategy(c.plan).flag}"`;

/** The context change after a flag read or write: the reading is both the drift baseline and the view. */
export const readBack = (o: FlagOpOutput) => ({
  nowMs: o.atMs,
  reading: o.reading,
  split: splitOf(o.reading),
});

/** The context change of moving on to the next step. */
export const advance = (c: C) => ({
  stepIndex: c.stepIndex + 1,
  pauseUntilMs: null,
  analysis: null,
  waitUntilMs: null,
  pause: null,
});

/**
 * The pause after a failed flag operation: a drift names the difference and keeps the flag as it is now
 * (a resume goes on from there, never back to what Switchyard wrote); any other failure says what failed.
 */
export function failedOp(c: C, error: unknown, doing: string) {
  if (typeof error === 'object' && error !== null && 'reading' in error) {
    const e = error as { message: string; reading: ExposureReading };
    const pause = { cause: 'drift' as const, message: e.message, sinceMs: c.nowMs ?? 0 };
    return { ...pausedFor(c, pause, c.stepIndex), reading: e.reading, split: splitOf(e.reading) };
  }
  return pausedFor(c, pauseForError(error, doing, c.nowMs ?? 0), c.stepIndex);
}

function analysisDecision(c: C, kind: Decision['kind'], status: 'failed' | 'inconclusive') {
  const run = c.analysis as AnalysisRun;
  const evidence = analysisEvidence(run, status);
  const then = kind === 'abort' ? `pulling the kill switch on ${flagName(c)}` : 'pausing for an operator';
  const what = status === 'failed' ? 'failed' : 'was inconclusive';
  const summary = `Analysis of step ${stepNo(c, run.stepIndex)} (${flagStrategy(c.plan).newVariant}) ${what}: ${evidenceSentence(evidence)}; ${then}.`;
  const cause = status === 'failed' ? ('analysis-failed' as const) : ('analysis-inconclusive' as const);
  return {
    failedStep: run.stepIndex,
    decisions: engineDecision(c, kind, cause, summary, evidence, run.stepIndex),
    pause: kind === 'pause' ? { cause, message: summary, sinceMs: c.nowMs ?? 0 } : null,
  };
}

const done = <T>(fn: (context: C, output: T) => Partial<C>) =>
  assign<C, DoneActorEvent<T>, undefined, E, never>(({ context, event }) => fn(context, event.output));

/** A timed pause step: its end is stamped into context once, so a restored ramp waits only the remainder. */
export function pauseStepState(next: string) {
  return {
    initial: 'arming' as const,
    states: {
      arming: {
        always: [
          { guard: ({ context }: Ctx) => context.pauseUntilMs !== null, target: 'waiting' },
          { target: 'stamping' },
        ],
      },
      stamping: stampingState<C, E>('waiting', (c, atMs) => ({
        pauseUntilMs: atMs + durationMs((stepOf(c) as { pause: { duration: string } }).pause.duration),
      })),
      waiting: {
        entry: assign<C, E, undefined, E, never>(({ context }) => ({ waitUntilMs: context.pauseUntilMs })),
        invoke: waitInvoke<C, E>((c) => c.pauseUntilMs ?? 0, 'advancing'),
      },
      advancing: {
        always: {
          target: next,
          actions: assign<C, E, undefined, E, never>(({ context }) => advance(context)),
        },
      },
    },
  };
}

/**
 * An analysis step: the step's templates measured for users served the new variant (the plan's variant
 * label), counted as Argo counts them; passed goes to `next`, failed or inconclusive to `kill` or `held`
 * as the plan's onFailure / onInconclusive say.
 */
export function analysisStepState(
  count: AnalysisCounter,
  targets: { next: string; kill: string; held: string },
) {
  const verdict =
    (status: AnalysisRun['status']) =>
    ({ context }: Ctx) =>
      context.analysis?.status === status;
  return {
    initial: 'arming' as const,
    states: {
      arming: {
        always: [
          {
            guard: ({ context }: Ctx) =>
              context.analysis?.stepIndex === context.stepIndex && context.analysis.status === 'running',
            target: 'waiting',
          },
          { target: 'stamping' },
        ],
      },
      stamping: stampingState<C, E>('evaluate', (c, atMs) => ({
        analysis: startAnalysis(
          c.plan,
          (stepOf(c) as { analysis: { templates: string[] } }).analysis.templates,
          c.stepIndex,
          atMs,
        ),
      })),
      waiting: {
        entry: assign<C, E, undefined, E, never>(({ context }) => ({
          waitUntilMs: context.analysis ? nextMeasurementAt(context.analysis) : null,
        })),
        invoke: waitInvoke<C, E>(
          (c) => (c.analysis && nextMeasurementAt(c.analysis)) ?? c.nowMs ?? 0,
          'reading',
        ),
      },
      reading: {
        invoke: {
          src: 'readMetrics' as const,
          input: ({ context }: Ctx) => ({
            requests: dueAnalysisReads(
              context.plan,
              context.analysis as AnalysisRun,
              context.version,
              context.nowMs ?? 0,
            ),
          }),
          onDone: {
            target: 'evaluate',
            actions: done<{ atMs: number; readings: MetricReading[] }>((c, o) => {
              const applied = applyAnalysisReadings(c.analysis as AnalysisRun, o.readings, c.version, count);
              return {
                nowMs: o.atMs,
                analysis: applied.run,
                samples: appendSamples(c.samples, applied.samples),
              };
            }),
          },
        },
      },
      evaluate: {
        always: [
          {
            guard: verdict('successful'),
            target: targets.next,
            actions: assign<C, E, undefined, E, never>(({ context }) => {
              const run = context.analysis as AnalysisRun;
              const evidence = analysisEvidence(run);
              const summary = `Analysis of step ${stepNo(context, run.stepIndex)} passed for ${flagStrategy(context.plan).newVariant}: ${evidenceSentence(evidence)}.`;
              return {
                ...advance(context),
                decisions: engineDecision(
                  context,
                  'promote',
                  'analysis-passed',
                  summary,
                  evidence,
                  run.stepIndex,
                ),
              };
            }),
          },
          ...(['failed', 'inconclusive'] as const).flatMap((status) => {
            const aborts = (c: C) =>
              (status === 'failed' ? c.plan.onFailure : c.plan.onInconclusive) === 'abort';
            return [
              {
                guard: ({ context }: Ctx) => verdict(status)({ context }) && aborts(context),
                target: targets.kill,
                actions: assign<C, E, undefined, E, never>(({ context }) =>
                  analysisDecision(context, 'abort', status),
                ),
              },
              {
                guard: verdict(status),
                target: targets.held,
                actions: assign<C, E, undefined, E, never>(({ context }) =>
                  analysisDecision(context, 'pause', status),
                ),
              },
            ];
          }),
          { target: 'waiting' },
        ],
      },
    },
  };
}

/** The context change of a RESUME in a held state (`at`) or at a pause-until-promoted step (`after`). */
export function resumed(c: C, event: E, where: 'at' | 'after') {
  const step = where === 'at' ? `at step ${stepNo(c)}` : `after the pause at step ${stepNo(c)}`;
  return {
    pause: null,
    failedStep: null,
    // A concluded analysis is measured afresh; one interrupted by PAUSE carries on.
    analysis: c.analysis?.status === 'running' ? c.analysis : null,
    decisions: operatorDecision(
      c,
      event,
      'resume',
      c.stepIndex,
      `${byOf(event)} resumed the ramp ${step}${reasonOf(event)}.`,
    ),
  };
}

/** The pause of a move whose prerequisite flags are not on yet, naming each. */
export function heldForPrerequisites(c: C, o: { atMs: number; unmet: string[] }) {
  const message = `Step ${stepNo(c)} of ${flagName(c)} is held: ${o.unmet.join('; ')}. Resume once it is on.`;
  return pausedFor({ ...c, nowMs: o.atMs }, { cause: 'prerequisite', message, sinceMs: o.atMs }, c.stepIndex);
}

/**
 * The context change once the kill switch is pulled: the flag as read back, and a decision saying so that
 * repeats why (the abort decision before it, with its evidence), so the last decision explains the end.
 */
export function killed(c: C, o: FlagOpOutput) {
  const r = o.reading;
  const prior = c.decisions.findLast((d) => d.kind === 'abort');
  const s = flagStrategy(c.plan);
  const summary = `Kill switch pulled: ${flagName(c)} serves ${newPercent(r)} % ${s.newVariant} (everyone else ${s.offVariant}), read back from ${r.source}.${prior ? ` Why: ${prior.summary}` : ''}`;
  return {
    ...readBack(o),
    finishedAtMs: o.atMs,
    stuckAt: null,
    decisions: engineDecision(
      { ...c, nowMs: o.atMs },
      'abort',
      prior?.cause ?? 'operator',
      summary,
      prior?.evidence ?? [],
      c.stepIndex,
    ),
  };
}

/** The context change of an operator's PAUSE of a release of numbered steps: the pause and its decision. */
export function operatorPause(context: C, event: E) {
  const e = event as { atMs?: number; by?: string; reason?: string };
  const summary = `${byOf(e)} paused the release at step ${stepNo(context)}${reasonOf(e)}.`;
  return {
    pause: { cause: 'operator' as const, message: summary, sinceMs: atOf(context, e) },
    decisions: operatorDecision(context, e, 'pause', context.stepIndex, summary),
  };
}

/** The context change of an operator's PROMOTE past the current step: the step counts as skipped. */
export function promotedPast(context: C, event: E) {
  const e = event as { atMs?: number; by?: string; reason?: string };
  return {
    skipped: [...context.skipped, context.stepIndex],
    decisions: operatorDecision(
      context,
      e,
      'promote',
      context.stepIndex,
      `${byOf(e)} promoted past step ${stepNo(context)}${reasonOf(e)}.`,
    ),
  };
}
