import { assign, setup } from 'xstate';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import type { Colour, TrafficSplit, WorkloadRole } from '../../ports/release.port.ts';
import { noTriggerWatch, triggerWatchRegion } from './analysis-run.ts';
import { blueGreenWords } from './decision-words.ts';
import { heldOn, heldState, reachingEach, sharedActions, sharedGuards, stampOf } from './held-state.ts';
import {
  atOf,
  baseActors,
  baseContext,
  engineDecision,
  opActor,
  pausedFor,
  strategyOutput,
  waitInvoke,
  type ReleaseInput,
} from './release-common.ts';
import {
  validationActions,
  validationGuards,
  validationInput,
  validationIs,
  validated,
  type ValidationDone,
} from './validation-outcome.ts';
import { validationMachine, type ValidationOutput } from './validation.machine.ts';
import {
  ABANDON,
  HELD,
  OPERATOR_BACK,
  ROLL_BACK,
  ROLLED_BACK,
  other,
  strategyOf,
  type BlueGreenStage,
  type C,
  type E,
} from './blue-green-context.ts';
import { prepareIdleColour } from './blue-green-prepare.ts';

export type { BlueGreenContext } from './blue-green-context.ts';

/**
 * The blue-green machine: find the active colour, deploy the new image on the idle one, wait until it
 * is ready (up to `readyTimeout`), warm it up, smoke-test it, switch all traffic, settle, then validate
 * with the child validation machine. The old colour keeps running, so `ROLLBACK` (at any point) switches
 * straight back; a failed check before the switch abandons the release with traffic untouched. From the
 * deploy until completion a parallel `guard` region watches the plan's `rollbackTriggers`: one that fires
 * switches traffic back to the old colour (or, before the switch, abandons the release).
 */
export const blueGreenMachine = setup({
  types: { context: {} as C, events: {} as E, input: {} as ReleaseInput },
  actors: {
    ...baseActors,
    activeColour: opActor('activeColour'),
    deployColour: opActor('deployColour'),
    workloadState: opActor('workloadState'),
    warmup: opActor('warmup'),
    smoke: opActor('smoke'),
    switchTo: opActor('switchTo'),
    scaleColour: opActor('scaleColour'),
    validation: validationMachine,
  },
  actions: {
    ...sharedActions<C, E>(),
    ...validationActions<C, E>(),
    located: assign(({ context }, p: { atMs: number; colour: Colour }) => ({
      nowMs: p.atMs,
      startedAtMs: context.startedAtMs ?? p.atMs,
      active: context.active ?? p.colour,
      idle: context.idle ?? other(p.colour),
      intended: context.switched ? context.intended : { [p.colour]: 100, [other(p.colour)]: 0 },
    })),
    armReady: assign(({ context }) => ({
      readyDeadlineMs:
        context.readyDeadlineMs ?? (context.nowMs ?? 0) + durationMs(strategyOf(context).readyTimeout),
    })),
    awaitPromotion: assign(({ context }) =>
      pausedFor(
        context,
        {
          cause: 'step-pause',
          message: blueGreenWords.awaitingPromotion({
            idle: context.idle,
            image: context.plan.target.image,
            active: context.active,
            releaseId: context.releaseId,
          }),
          sinceMs: context.nowMs ?? 0,
        },
        null,
      ),
    ),
    promotedByOperator: assign(({ context, event }) => ({
      pause: null,
      promoted: true,
      nowMs: atOf(context, stampOf(event)),
    })),
    switched: assign(({ context }, p: { atMs: number; split: TrafficSplit }) => ({
      nowMs: p.atMs,
      switched: true,
      switchedAtMs: context.switchedAtMs ?? p.atMs,
      split: p.split,
      intended: { [context.idle as Colour]: 100, [context.active as Colour]: 0 },
      settleUntilMs: p.atMs + durationMs(strategyOf(context).settle),
    })),
    showSettleWait: assign(({ context }) => ({ waitUntilMs: context.settleUntilMs })),
    showScaleDownWait: assign(({ context }) => ({
      waitUntilMs:
        (context.switchedAtMs ?? context.nowMs ?? 0) + durationMs(strategyOf(context).scaleDownDelay),
    })),
    scaledDown: assign(({ context }, p: { atMs: number }) => ({
      nowMs: p.atMs,
      finishedAtMs: p.atMs,
      scaledDown: true,
      decisions: engineDecision(
        { ...context, nowMs: p.atMs },
        'complete',
        'completed',
        blueGreenWords.scaledDown(context.active, strategyOf(context).scaleDownDelay, context.idle),
      ),
    })),
    restoreSize: assign((_, p: { atMs: number; replicas: number }) => ({
      nowMs: p.atMs,
      restoreReplicas: Math.max(1, p.replicas),
    })),
    restored: assign((_, p: { atMs: number }) => ({ nowMs: p.atMs, scaledDown: false })),
    startRollBack: assign(({ context }) => ({
      intended: { [context.active as Colour]: 100, [context.idle as Colour]: 0 },
      waitUntilMs: null,
    })),
    rolledBack: assign((_, p: { atMs: number; split: TrafficSplit }) => ({
      nowMs: p.atMs,
      finishedAtMs: p.atMs,
      split: p.split,
      switched: false,
    })),
    abandoned: assign(({ context }) => ({ finishedAtMs: context.nowMs, waitUntilMs: null })),
  },
  guards: {
    ...sharedGuards<C>(),
    ...validationGuards,
    switched: ({ context }) => context.switched,
    keepsPrevious: ({ context }) => strategyOf(context).keepPrevious,
    passedKeepingPrevious: ({ context }, p: { output: ValidationOutput }) =>
      p.output.status === 'passed' && strategyOf(context).keepPrevious,
    awaitsPromotion: ({ context }) => !strategyOf(context).autoPromote && context.promoted !== true,
    readyPassed: ({ context }) =>
      context.readyDeadlineMs !== null && (context.nowMs ?? 0) >= context.readyDeadlineMs,
  },
}).createMachine({
  id: 'blueGreen',
  output: strategyOutput,
  context: ({ input }) => ({
    ...baseContext(input, {}),
    active: null,
    idle: null,
    switched: false,
    readyDeadlineMs: null,
    settleUntilMs: null,
    switchedAtMs: null,
    promoted: false,
    scaledDown: false,
    stuckAt: null,
    ...noTriggerWatch(),
  }),
  initial: 'live',
  states: {
    live: {
      type: 'parallel',
      on: {
        ROLLBACK: OPERATOR_BACK,
        // Abort means the same as roll back here: back to the old colour, or abandon before the switch.
        ABORT: OPERATOR_BACK,
        VALIDATION_SAMPLES: { actions: 'collectSamples' },
      },
      states: {
        steps: {
          initial: 'locating',
          states: {
            ...reachingEach(prepareIdleColour()),
            switching: {
              entry: { type: 'reached', params: { stage: 'switching' } },
              invoke: {
                src: 'switchTo',
                input: ({ context }) => ({
                  args: [context.idle as Colour] as [Colour],
                  why: `switch all traffic from ${context.active} to ${context.idle}`,
                }),
                onDone: {
                  target: 'settling',
                  actions: {
                    type: 'switched',
                    params: ({ event }) => ({ atMs: event.output.atMs, split: event.output.result }),
                  },
                },
                onError: heldOn<C>('switching', 'switching traffic'),
              },
            },
            settling: {
              entry: [{ type: 'reached', params: { stage: 'settling' } }, 'showSettleWait'],
              invoke: waitInvoke<C, E>((c) => c.settleUntilMs ?? 0, 'validating'),
            },
            validating: {
              entry: [{ type: 'reached', params: { stage: 'validating' } }, 'clearWait'],
              invoke: {
                src: 'validation',
                input: validationInput<C>(
                  (context) => context.idle as WorkloadRole,
                  (context) => strategyOf(context).validation,
                ),
                onDone: [
                  {
                    guard: {
                      type: 'passedKeepingPrevious',
                      params: ({ event }: ValidationDone) => ({ output: event.output }),
                    },
                    target: '#blueGreen.completed',
                    actions: validated<C>((context, output) => ({
                      summary: blueGreenWords.keptForRollback(output.summary, context.active),
                    })),
                  },
                  {
                    guard: validationIs('passed'),
                    target: 'scalingDown',
                    actions: validated<C>((context, output) => ({
                      summary: blueGreenWords.scalesDownLater(
                        output.summary,
                        context.active,
                        strategyOf(context).scaleDownDelay,
                      ),
                    })),
                  },
                  {
                    guard: validationIs('failed'),
                    target: ROLL_BACK,
                    actions: validated<C>((context) => ({
                      then: blueGreenWords.rollingBackTo(context.active),
                    })),
                  },
                  {
                    target: 'held',
                    actions: validated<C, BlueGreenStage>(() => ({ stuckAt: 'switching' })),
                  },
                ],
              },
            },
            scalingDown: {
              entry: { type: 'reached', params: { stage: 'scalingDown' } },
              initial: 'waiting',
              states: {
                waiting: {
                  entry: 'showScaleDownWait',
                  invoke: waitInvoke<C, E>((c) => c.waitUntilMs ?? 0, 'scaling'),
                },
                scaling: {
                  entry: 'clearWait',
                  invoke: {
                    src: 'scaleColour',
                    input: ({ context }) => ({
                      args: [context.active as Colour, 0] as [Colour, number],
                      why: `scale the previous colour ${context.active} to 0 (keepPrevious: false, ${strategyOf(context).scaleDownDelay} after the switch)`,
                    }),
                    onDone: {
                      target: '#blueGreen.completed',
                      actions: { type: 'scaledDown', params: ({ event }) => ({ atMs: event.output.atMs }) },
                    },
                    onError: heldOn<C>('scalingDown', (context) => `scaling ${context.active} down`, HELD),
                  },
                },
              },
            },
            held: heldState<BlueGreenStage>(
              [
                { stage: 'locating', target: 'locating' },
                { stage: 'deploying', target: 'deploying' },
                { stage: 'ready', target: 'ready' },
                { stage: 'warming', target: 'warming' },
                { stage: 'smoking', target: 'smoking' },
                { stage: 'scalingDown', target: 'scalingDown' },
                { stage: 'restoring', target: ROLL_BACK },
                { stage: 'rollingBack', target: '#blueGreen.rollingBack' },
              ],
              'switching',
            ),
          },
        },
        guard: triggerWatchRegion<C, E>([
          {
            guard: (context) => context.switched,
            target: ROLL_BACK,
            kind: 'rollback',
            then: (context) => blueGreenWords.triggerRollsBack(context.active),
          },
          {
            target: ABANDON,
            kind: 'abort',
            then: (context) => blueGreenWords.triggerAbandons(context.active),
          },
        ]),
      },
    },
    restoring: {
      initial: 'check',
      states: {
        check: {
          always: [{ guard: 'keepsPrevious', target: '#blueGreen.rollingBack' }, { target: 'sizing' }],
        },
        sizing: {
          invoke: {
            src: 'workloadState',
            input: ({ context }) => ({
              args: [context.idle as WorkloadRole] as [WorkloadRole],
              why: `read the size of ${context.idle}`,
            }),
            onDone: {
              target: 'scaling',
              actions: {
                type: 'restoreSize',
                params: ({ event }) => ({ atMs: event.output.atMs, replicas: event.output.result.desired }),
              },
            },
            onError: heldOn<C>('restoring', (context) => `reading the size of ${context.idle}`, HELD),
          },
        },
        scaling: {
          invoke: {
            src: 'scaleColour',
            input: ({ context }) => ({
              args: [context.active as Colour, context.restoreReplicas ?? 1] as [Colour, number],
              why: `scale ${context.active} back to ${context.restoreReplicas ?? 1} replicas before switching back`,
            }),
            onDone: {
              target: '#blueGreen.rollingBack',
              actions: { type: 'restored', params: ({ event }) => ({ atMs: event.output.atMs }) },
            },
            onError: heldOn<C>('restoring', (context) => `scaling ${context.active} back up`, HELD),
          },
        },
      },
    },
    rollingBack: {
      entry: 'startRollBack',
      invoke: {
        src: 'switchTo',
        input: ({ context }) => ({
          args: [context.active as Colour] as [Colour],
          why: `roll all traffic back to ${context.active}`,
        }),
        onDone: {
          target: 'rolledBack',
          actions: {
            type: 'rolledBack',
            params: ({ event }) => ({ atMs: event.output.atMs, split: event.output.result }),
          },
        },
        onError: heldOn<C>('rollingBack', 'rolling traffic back', HELD),
      },
    },
    completed: { on: { ROLLBACK: ROLLED_BACK } },
    abandoned: { entry: 'abandoned', type: 'final', output: { outcome: 'aborted' } },
    rolledBack: { type: 'final', output: { outcome: 'rolledBack' } },
  },
});

/** The blue-green machine type. */
export type BlueGreenMachine = typeof blueGreenMachine;
