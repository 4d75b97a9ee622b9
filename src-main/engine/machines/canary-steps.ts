import { and, type DoneActorEvent } from 'xstate';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import { analysisRunStates, runIs, runStopped } from './canary-analysis.ts';
import {
  currentStep,
  readyTimeoutMs,
  stepWeight,
  type CanaryContext as C,
  type Ctx,
  type StampedOperatorEvent as E,
} from './canary-context.ts';
import { doingWords, operatorWords } from './decision-words.ts';
import { stampingState } from './stamping-state.ts';
import { readyWaitStates } from './ready-wait.ts';
import type { OpDone, OpFailed } from './release-common.ts';

/** An operator's decision at the current step, `what` reading on from the operator's name. */
export const operatorSaysAtStep = (
  kind: 'pause' | 'promote' | 'resume',
  what: (stepIndex: number) => string,
) => ({
  type: 'operatorSays' as const,
  params: ({ context }: Ctx) => ({ kind, stepIndex: context.stepIndex, what: what(context.stepIndex) }),
});

/** A failed operation of a step pauses the release at that step (RESUME starts the step again). */
const pausedAtStep = (doing: (context: C) => string) => ({
  target: '#canary.running.steps.held',
  actions: {
    type: 'pausedOnError' as const,
    params: ({ context, event }: Ctx & OpFailed) => ({
      error: event.error,
      doing: doing(context),
      stepIndex: context.stepIndex,
    }),
  },
});

/** Moves on to the next step. */
const NEXT = '#canary.running.steps.next';

/**
 * The `steps` region of the canary: walks the plan's steps (weight, pause, analysis) one by one and holds
 * for an operator (PAUSE, a failed or inconclusive analysis with `pause`, a failed operation) in `held`.
 * State names are part of persisted snapshots: keep them.
 */
export function canaryStepsRegion() {
  return {
    initial: 'next' as const,
    on: {
      PAUSE: { target: '.held', actions: 'operatorPaused' as const },
      PROMOTE: {
        target: '.next',
        actions: [operatorSaysAtStep('promote', operatorWords.promotedPast), 'skipStep' as const],
      },
    },
    states: {
      next: {
        always: [
          { guard: 'stepsDone' as const, target: '#canary.promoting', actions: 'allStepsPassed' as const },
          { guard: 'isWeightStep' as const, target: 'weight' },
          { guard: 'isPauseStep' as const, target: 'pause' },
          { target: 'analysis' },
        ],
      },
      weight: {
        // Traffic only to ready pods: the canary gets the pods the weight needs, and they are ready first.
        initial: 'scaling' as const,
        states: {
          ...readyWaitStates<C, E, ReturnType<typeof pausedAtStep>, 'readyTimedOut'>({
            weightOf: stepWeight,
            timeoutMsOf: readyTimeoutMs,
            whyScale: (context, weight) =>
              `step ${context.stepIndex + 1}: give the canary the pods ${weight} % of traffic needs`,
            whyProbe: (context) => `step ${context.stepIndex + 1}: wait until the canary pods are ready`,
            ready: 'setting',
            timedOut: { target: '#canary.aborting', action: 'readyTimedOut' },
            failed: (doing) =>
              pausedAtStep(() =>
                doing === 'scaling' ? doingWords.scalingCanary : doingWords.readingCanaryPods,
              ),
          }),
          setting: {
            invoke: {
              src: 'setCanaryWeight' as const,
              input: ({ context }: Ctx) => {
                const weight = stepWeight(context);
                return {
                  args: [weight] as [number],
                  why: `step ${context.stepIndex + 1}: send ${weight} % of traffic to the canary`,
                };
              },
              onDone: {
                target: NEXT,
                actions: {
                  type: 'weightSet' as const,
                  params: ({ event }: OpDone<'setCanaryWeight'>) => ({
                    atMs: event.output.atMs,
                    split: event.output.result,
                  }),
                },
              },
              onError: pausedAtStep((context) => doingWords.settingWeight(stepWeight(context))),
            },
          },
        },
      },
      pause: {
        initial: 'arming' as const,
        states: {
          arming: {
            always: [
              { guard: 'pauseUntilPromoted' as const, target: 'untilPromoted' },
              { guard: 'pauseArmed' as const, target: 'waiting' },
              { target: 'stamping' },
            ],
          },
          stamping: stampingState<C, E>('waiting', (context, atMs) => {
            const step = currentStep(context);
            const duration = step && 'pause' in step ? (step.pause.duration ?? '0s') : '0s';
            return { pauseUntilMs: atMs + durationMs(duration) };
          }),
          waiting: {
            entry: 'showPauseWait' as const,
            invoke: {
              src: 'wait' as const,
              input: ({ context }: Ctx) => ({ untilMs: context.pauseUntilMs ?? 0 }),
              onDone: {
                target: NEXT,
                actions: {
                  type: 'advance' as const,
                  params: ({ event }: { event: DoneActorEvent<{ atMs: number }> }) => ({
                    atMs: event.output.atMs,
                  }),
                },
              },
            },
          },
          untilPromoted: {
            entry: 'waitForOperator' as const,
            on: {
              PAUSE: {},
              // Resume at a pause-until-promoted continues to the next step, as Promote does.
              RESUME: {
                target: NEXT,
                actions: [
                  operatorSaysAtStep('resume', operatorWords.resumedAfterPause),
                  { type: 'advance' as const, params: {} },
                ],
              },
            },
          },
        },
      },
      analysis: {
        initial: 'arming' as const,
        states: analysisRunStates('analysis', [
          { guard: runIs('analysis', 'successful'), target: NEXT, actions: 'runPassed' as const },
          {
            guard: and([runIs('analysis', 'failed'), 'abortOnFailure']),
            target: '#canary.aborting',
            actions: runStopped('analysis', 'abort', 'failed'),
          },
          {
            guard: runIs('analysis', 'failed'),
            target: '#canary.running.steps.held',
            actions: runStopped('analysis', 'pause', 'failed'),
          },
          {
            guard: and([runIs('analysis', 'inconclusive'), 'abortOnInconclusive']),
            target: '#canary.aborting',
            actions: runStopped('analysis', 'abort', 'inconclusive'),
          },
          {
            guard: runIs('analysis', 'inconclusive'),
            target: '#canary.running.steps.held',
            actions: runStopped('analysis', 'pause', 'inconclusive'),
          },
          { target: 'waiting' },
        ]),
      },
      held: {
        entry: 'clearWait' as const,
        on: {
          PAUSE: {},
          RESUME: {
            target: 'next',
            actions: [operatorSaysAtStep('resume', operatorWords.resumedAt), 'resumeAtStep' as const],
          },
        },
      },
    },
  };
}

/**
 * The `background` region of the canary: from the plan's `background.startingStep` to the end of the release
 * the background analysis is measured; a failure aborts the canary, an inconclusive run aborts or pauses it
 * (as `onInconclusive` says), and a run that passed its count starts over.
 */
export function canaryBackgroundRegion() {
  return {
    initial: 'idle' as const,
    states: {
      idle: {
        always: [
          { guard: 'noBackground' as const, target: 'off' },
          { guard: 'backgroundDue' as const, target: 'arming' },
        ],
      },
      ...analysisRunStates('background', [
        {
          guard: runIs('background', 'failed'),
          target: '#canary.aborting',
          actions: runStopped('background', 'abort', 'failed'),
        },
        {
          guard: and([runIs('background', 'inconclusive'), 'abortOnInconclusive']),
          target: '#canary.aborting',
          actions: runStopped('background', 'abort', 'inconclusive'),
        },
        {
          guard: runIs('background', 'inconclusive'),
          target: '#canary.running.steps.held',
          actions: runStopped('background', 'pause', 'inconclusive'),
        },
        // A background run that passed its count starts over: it watches until the release ends.
        { guard: runIs('background', 'successful'), target: 'stamping' },
        { target: 'waiting' },
      ]),
      off: {},
    },
  };
}
