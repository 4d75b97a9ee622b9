import { assign, setup } from 'xstate';
import type { TrafficSplit } from '../../ports/release.port.ts';
import { noTriggerWatch, triggerWatchRegion } from './analysis-run.ts';
import { analysisActions, analysisGuards } from './canary-analysis.ts';
import {
  advance,
  canarySteps,
  currentStep,
  readyTimeoutOf,
  stepWeight,
  type CanaryContext as C,
  type Ctx,
  type StampedOperatorEvent as E,
} from './canary-context.ts';
import { canaryBackgroundRegion, canaryStepsRegion } from './canary-steps.ts';
import { canaryWords, doingWords, operatorSentence, operatorWords } from './decision-words.ts';
import { heldState, sharedActions, sharedGuards, stampOf, started } from './held-state.ts';
import { readyWaitActions, readyWaitGuards } from './ready-wait.ts';
import {
  atOf,
  baseActors,
  baseContext,
  engineDecision,
  opActor,
  operatorDecision,
  strategyOutput,
  type AnalysisCounter,
  type ReleaseInput,
  type OpDone,
  type OpFailed,
} from './release-common.ts';

export { canaryStepLabel, type CanaryContext, type StampedOperatorEvent } from './canary-context.ts';

/** The step an operator's stop happened at, or null once every step is done. */
const stepOrNull = (context: C) =>
  context.stepIndex < canarySteps(context).length ? context.stepIndex : null;

/** An operator's abort or roll back: all traffic goes back to stable. */
const operatorStop = (kind: 'abort' | 'rollback') => ({
  target: '#canary.aborting',
  actions: {
    type: 'operatorSays' as const,
    params: ({ context }: Ctx) => ({
      kind,
      stepIndex: context.stepIndex,
      what: operatorWords.canaryStopped(kind, stepOrNull(context)),
    }),
  },
});

/** A failed promotion or abort holds the release in `stuck`; RESUME retries it. */
const stuckOn = (stage: 'starting' | 'promoting' | 'aborting', doing: string) => ({
  target: '#canary.stuck',
  actions: {
    type: 'stuck' as const,
    params: ({ event }: OpFailed) => ({ error: event.error, stage, doing }),
  },
});

/** The traffic and times an ending operation returned. */
const finishedWith = ({ event }: OpDone<'promoteCanary'> | OpDone<'abortCanary'>) => ({
  atMs: event.output.atMs,
  split: event.output.result,
});

const ALL_STABLE = { stable: 100, canary: 0 };

/** Held after a failed start, promotion or abort: RESUME retries it. */
const STUCK = heldState<NonNullable<C['stuckAt']>>(
  [
    { stage: 'starting', target: 'starting' },
    { stage: 'promoting', target: 'promoting' },
  ],
  'aborting',
  false,
);

/**
 * Builds the canary machine. `count` is the Argo-style counting of analysis measurements (pass
 * `assessMeasurements` from src-shared/stats/threshold-analysis.ts). Cluster operations, metric reads and
 * the clock are actors invoked by name; provide them with `machine.provide({ actors })`.
 */
export function createCanaryMachine(count: AnalysisCounter) {
  return setup({
    types: { context: {} as C, events: {} as E, input: {} as ReleaseInput },
    actors: {
      ...baseActors,
      ensureCanary: opActor('ensureCanary'),
      setCanaryWeight: opActor('setCanaryWeight'),
      scaleForWeight: opActor('scaleForWeight'),
      workloadState: opActor('workloadState'),
      promoteCanary: opActor('promoteCanary'),
      abortCanary: opActor('abortCanary'),
    },
    actions: {
      ...sharedActions<C, E>(),
      ...readyWaitActions<C, E>(),
      ...analysisActions(count),
      advance: assign(({ context }, p: { atMs?: number }) => ({
        ...advance(context),
        ...(p.atMs === undefined ? {} : { nowMs: p.atMs }),
      })),
      skipStep: assign(({ context }) => ({
        ...advance(context),
        skipped: [...context.skipped, context.stepIndex],
      })),
      skipRemaining: assign(({ context }) => ({
        skipped: [
          ...context.skipped,
          ...canarySteps(context)
            .map((_s, i) => i)
            .filter((i) => i >= context.stepIndex),
        ],
      })),
      operatorPaused: assign(({ context, event }) => {
        const stamp = stampOf(event);
        const summary = operatorSentence(
          stamp.by ?? 'operator',
          operatorWords.pausedAt(context.stepIndex),
          stamp.reason,
        );
        return {
          pause: { cause: 'operator' as const, message: summary, sinceMs: atOf(context, stamp) },
          decisions: operatorDecision(context, stamp, 'pause', context.stepIndex, summary),
        };
      }),
      resumeAtStep: assign(({ context }) => ({
        pause: null,
        failedStep: null,
        // Pods that were waited for get the plan's whole readyTimeout again.
        readyDeadlineMs: null,
        // A concluded analysis is measured afresh; one interrupted by PAUSE carries on.
        analysis: context.analysis?.status === 'running' ? context.analysis : null,
      })),
      allStepsPassed: assign(({ context }) => ({
        decisions: engineDecision(
          context,
          'promote',
          'completed',
          canaryWords.allStepsPassed(canarySteps(context).length, context.version),
        ),
      })),
      readyTimedOut: assign(({ context }) => ({
        failedStep: context.stepIndex,
        decisions: engineDecision(
          context,
          'abort',
          'ready-timeout',
          canaryWords.readyTimeout({
            stepIndex: context.stepIndex,
            need: context.readyNeed ?? 0,
            weight: stepWeight(context),
            timeout: readyTimeoutOf(context),
            ready: context.readyNow ?? 0,
          }),
          [],
          context.stepIndex,
        ),
      })),
      weightSet: assign(({ context }, p: { atMs: number; split: TrafficSplit }) => {
        const weight = stepWeight(context);
        return {
          ...advance(context),
          readyNeed: null,
          readyNow: null,
          nowMs: p.atMs,
          split: p.split,
          intended: { stable: 100 - weight, canary: weight },
        };
      }),
      showPauseWait: assign(({ context }) => ({ waitUntilMs: context.pauseUntilMs })),
      waitForOperator: assign(({ context }) => {
        const summary = canaryWords.waitsForOperator;
        const atMs = context.nowMs ?? 0;
        return {
          pause: { cause: 'step-pause' as const, message: summary, sinceMs: atMs },
          decisions: engineDecision(context, 'pause', 'step-pause', summary, [], context.stepIndex),
        };
      }),
      leaveForEnd: assign({ pause: null, waitUntilMs: null }),
      intendStable: assign({ intended: ALL_STABLE }),
      resetForRetry: assign({
        stepIndex: 0,
        skipped: [],
        pauseUntilMs: null,
        analysis: null,
        failedStep: null,
        triggers: [],
        firedTrigger: null,
        background: null,
        finishedAtMs: null,
      }),
    },
    guards: {
      ...sharedGuards<C>(),
      ...readyWaitGuards<C>(),
      ...analysisGuards,
      stepsDone: ({ context }) => context.stepIndex >= canarySteps(context).length,
      isWeightStep: ({ context }) => {
        const s = currentStep(context);
        return s !== undefined && 'setWeight' in s;
      },
      isPauseStep: ({ context }) => {
        const s = currentStep(context);
        return s !== undefined && 'pause' in s;
      },
      pauseUntilPromoted: ({ context }) => {
        const s = currentStep(context);
        return s !== undefined && 'pause' in s && s.pause.duration === undefined;
      },
      pauseArmed: ({ context }) => context.pauseUntilMs !== null,
      abortOnFailure: ({ context }) => context.plan.onFailure === 'abort',
      abortOnInconclusive: ({ context }) => context.plan.onInconclusive === 'abort',
    },
  }).createMachine({
    id: 'canary',
    output: strategyOutput,
    context: ({ input }) => ({
      ...baseContext(input, { stable: 100, canary: 0 }),
      stepIndex: 0,
      skipped: [],
      pauseUntilMs: null,
      analysis: null,
      failedStep: null,
      stuckAt: null,
      ...noTriggerWatch(),
      background: null,
    }),
    initial: 'starting',
    states: {
      starting: {
        on: { ABORT: operatorStop('abort'), ROLLBACK: operatorStop('rollback') },
        invoke: {
          src: 'ensureCanary',
          input: ({ context }) => ({
            args: [context.plan.target.image, context.version],
            why: `create the canary workload with ${context.plan.target.image} at weight 0`,
          }),
          onDone: {
            target: 'running',
            actions: started,
          },
          onError: stuckOn('starting', doingWords.creatingCanary),
        },
      },
      running: {
        type: 'parallel',
        on: {
          ABORT: operatorStop('abort'),
          ROLLBACK: operatorStop('rollback'),
          PROMOTE_FULL: {
            target: 'promoting',
            actions: [
              {
                type: 'operatorSays',
                params: ({ context }) => ({
                  kind: 'promote',
                  stepIndex: context.stepIndex,
                  what: operatorWords.canaryPromotedFully(context.stepIndex),
                }),
              },
              'skipRemaining',
            ],
          },
        },
        states: {
          steps: canaryStepsRegion(),
          background: canaryBackgroundRegion(),
          guard: triggerWatchRegion<C, E>([
            {
              target: '#canary.aborting',
              kind: 'abort',
              then: () => canaryWords.triggerThen,
              stepIndexOf: (context) => context.stepIndex,
            },
          ]),
        },
      },
      promoting: {
        entry: 'leaveForEnd',
        invoke: {
          src: 'promoteCanary',
          input: ({ context }) => ({
            args: [context.plan.target.image] as [string],
            why: `promote ${context.plan.target.image} to the stable workload and send it all traffic`,
          }),
          onDone: {
            target: 'completed',
            actions: [{ type: 'finished', params: finishedWith }, 'intendStable'],
          },
          onError: stuckOn('promoting', doingWords.promotingCanary),
        },
      },
      aborting: {
        entry: ['intendStable', 'leaveForEnd'],
        invoke: {
          src: 'abortCanary',
          input: () => ({ args: [] as [], why: 'send all traffic back to stable and scale the canary down' }),
          onDone: { target: 'aborted', actions: { type: 'finished', params: finishedWith } },
          onError: stuckOn('aborting', doingWords.sendingBackToStable),
        },
      },
      aborted: {
        on: {
          RETRY: {
            target: 'starting',
            actions: [
              {
                type: 'operatorSays',
                params: { kind: 'retry', stepIndex: 0, what: operatorWords.retriedFromStart },
              },
              'resetForRetry',
            ],
          },
        },
      },
      stuck: {
        ...STUCK,
        on: {
          ...STUCK.on,
          ABORT: {
            target: 'aborting',
            actions: {
              type: 'operatorSays',
              params: ({ context }) => ({
                kind: 'abort',
                stepIndex: context.stepIndex,
                what: operatorWords.canaryStopped('abort', null),
              }),
            },
          },
          ROLLBACK: operatorStop('rollback'),
        },
      },
      completed: { type: 'final', output: { outcome: 'completed' } },
    },
  });
}

/** The canary machine type. */
export type CanaryMachine = ReturnType<typeof createCanaryMachine>;
