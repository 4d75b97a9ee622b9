import { assign, setup } from 'xstate';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import type { BlueGreenStrategy } from '../../../src-shared/plan/plan.schema.ts';
import type { Colour, SmokeCheck, WorkloadRole } from '../../ports/release.port.ts';
import {
  appendSamples,
  baseActors,
  baseContext,
  strategyOutput,
  operatorDecision,
  opActor,
  engineDecision,
  pollState,
  leaveHeld,
  waitInvoke,
  stuckWith,
  reasonOf,
  byOf,
  atOf,
  pausedFor,
  readyOfCurrentRevision,
  type ReleaseInput,
} from './release-common.ts';
import type { StampedOperatorEvent } from './canary.machine.ts';
import { triggerSummary, triggerWatchRegion, type TriggerWatchContext } from './analysis-run.ts';
import { afterValidation, validationMachine, type ValidationSamplesEvent } from './validation.machine.ts';

/** Where a blue-green release stopped when an operation failed; RESUME retries it there. */
type BlueGreenStage =
  | 'locating'
  | 'deploying'
  | 'ready'
  | 'warming'
  | 'smoking'
  | 'switching'
  | 'scalingDown'
  | 'restoring'
  | 'rollingBack';

/** What the blue-green machine remembers; all of it survives a persisted snapshot. */
export interface BlueGreenContext extends TriggerWatchContext {
  /** The colour that served production when the release started. */
  active: Colour | null;
  /** The colour the new version goes to. */
  idle: Colour | null;
  /** True once traffic moved to the new colour. */
  switched: boolean;
  /** Absolute deadline of the ready wait, milliseconds since the Unix epoch. */
  readyDeadlineMs: number | null;
  /** Absolute end of the settle wait after the switch. */
  settleUntilMs: number | null;
  /** When traffic moved to the new colour, milliseconds since the Unix epoch; `scaleDownDelay` counts from it. */
  switchedAtMs?: number | null;
  /** True once an operator promoted a release with `autoPromote: false` (or it needed no promotion). */
  promoted?: boolean;
  /** True once the previous colour was scaled to 0 (`keepPrevious: false`). */
  scaledDown?: boolean;
  /** Replicas the previous colour is scaled back to before a rollback switches to it. */
  restoreReplicas?: number | null;
  stuckAt: BlueGreenStage | null;
}

type BlueGreenEvent = StampedOperatorEvent | ValidationSamplesEvent;

const strategyOf = (c: BlueGreenContext) => c.plan.strategy as BlueGreenStrategy;
const other = (c: Colour): Colour => (c === 'blue' ? 'green' : 'blue');
const READY_POLL_MS = 5_000;
/** Where every rollback after the switch goes: the previous colour is sized up first when it may be scaled down. */
const ROLL_BACK = '#blueGreen.restoring';

/** Smoke checks of the plan as the port takes them. */
function smokeChecks(s: BlueGreenStrategy): SmokeCheck[] {
  const http = s.smoke.checks.map((c): SmokeCheck => ({
    kind: 'http',
    path: c.path,
    expectStatus: c.expectStatus,
  }));
  return s.smoke.command ? [...http, { kind: 'command', argv: s.smoke.command }] : http;
}

/**
 * The blue-green machine: find the active colour, deploy the new image on the idle one, wait until it
 * is ready (up to `readyTimeout`), warm it up, smoke-test it, switch all traffic, settle, then validate
 * with the child validation machine. The old colour keeps running, so `ROLLBACK` (at any point) switches
 * straight back; a failed check before the switch abandons the release with traffic untouched. From the
 * deploy until completion a parallel `guard` region watches the plan's `rollbackTriggers`: one that fires
 * switches traffic back to the old colour (or, before the switch, abandons the release).
 */
export const blueGreenMachine = setup({
  types: {
    context: {} as BlueGreenContext,
    events: {} as BlueGreenEvent,
    input: {} as ReleaseInput,
  },
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
    operatorRollback: assign(({ context, event }) => ({
      decisions: operatorDecision(
        context,
        event as StampedOperatorEvent,
        'rollback',
        null,
        `${byOf(event as StampedOperatorEvent)} rolled traffic back to ${context.active}${reasonOf(event as StampedOperatorEvent)}.`,
      ),
    })),
    operatorAbandon: assign(({ context, event }) => ({
      decisions: operatorDecision(
        context,
        event as StampedOperatorEvent,
        'abort',
        null,
        `${byOf(event as StampedOperatorEvent)} abandoned the release before the switch; traffic stays on ${context.active ?? 'the active colour'}${reasonOf(event as StampedOperatorEvent)}.`,
      ),
    })),
  },
  guards: {
    switched: ({ context }) => context.switched,
    keepsPrevious: ({ context }) => strategyOf(context).keepPrevious,
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
    triggers: [],
    firedTrigger: null,
  }),
  initial: 'live',
  states: {
    live: {
      type: 'parallel',
      on: {
        ROLLBACK: [
          { guard: 'switched', target: ROLL_BACK, actions: 'operatorRollback' },
          { target: 'abandoned', actions: 'operatorAbandon' },
        ],
        // Abort means the same as roll back here: back to the old colour, or abandon before the switch.
        ABORT: [
          { guard: 'switched', target: ROLL_BACK, actions: 'operatorRollback' },
          { target: 'abandoned', actions: 'operatorAbandon' },
        ],
        VALIDATION_SAMPLES: {
          actions: assign(({ context, event }) => ({
            samples: appendSamples(context.samples, (event as ValidationSamplesEvent).samples),
          })),
        },
      },
      states: {
        steps: {
          initial: 'locating',
          states: {
            locating: {
              invoke: {
                src: 'activeColour',
                input: () => ({ args: [] as [], why: 'find the colour that serves production' }),
                onDone: {
                  target: 'deploying',
                  actions: assign(({ context, event }) => ({
                    nowMs: event.output.atMs,
                    startedAtMs: context.startedAtMs ?? event.output.atMs,
                    active: context.active ?? event.output.result,
                    idle: context.idle ?? other(event.output.result),
                    intended: context.switched
                      ? context.intended
                      : { [event.output.result]: 100, [other(event.output.result)]: 0 },
                  })),
                },
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'locating', 'finding the active colour'),
                  ),
                },
              },
            },
            deploying: {
              invoke: {
                src: 'deployColour',
                input: ({ context }) => ({
                  args: [context.idle as Colour, context.plan.target.image] as [Colour, string],
                  why: `deploy ${context.plan.target.image} on the idle colour ${context.idle}`,
                }),
                onDone: { target: 'ready', actions: assign(({ event }) => ({ nowMs: event.output.atMs })) },
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'deploying', 'deploying the idle colour'),
                  ),
                },
              },
            },
            ready: {
              initial: 'probe',
              entry: assign(({ context }) => ({
                readyDeadlineMs:
                  context.readyDeadlineMs ??
                  (context.nowMs ?? 0) + durationMs(strategyOf(context).readyTimeout),
              })),
              states: {
                probe: {
                  invoke: {
                    src: 'workloadState',
                    input: ({ context }) => ({
                      args: [context.idle as WorkloadRole] as [WorkloadRole],
                      why: `check that ${context.idle} is ready`,
                    }),
                    onDone: [
                      {
                        // Ready pods of the new revision only: a colour that still runs an older version reads
                        // as ready until the controller has seen the new spec.
                        guard: ({ event }) =>
                          event.output.result.desired > 0 &&
                          readyOfCurrentRevision(event.output.result) >= event.output.result.desired &&
                          event.output.result.updated >= event.output.result.desired,
                        target: '#blueGreen.live.steps.warming',
                        actions: assign(({ event }) => ({ nowMs: event.output.atMs })),
                      },
                      { target: 'check', actions: assign(({ event }) => ({ nowMs: event.output.atMs })) },
                    ],
                    onError: {
                      target: '#blueGreen.live.steps.held',
                      actions: assign(({ context, event }) =>
                        stuckWith(context, event.error, 'ready', 'checking the idle colour'),
                      ),
                    },
                  },
                },
                check: {
                  always: [
                    {
                      guard: 'readyPassed',
                      target: '#blueGreen.abandoned',
                      actions: assign(({ context }) => ({
                        decisions: engineDecision(
                          context,
                          'abort',
                          'ready-timeout',
                          `${context.idle} was not ready within ${strategyOf(context).readyTimeout}; traffic stays on ${context.active}.`,
                        ),
                      })),
                    },
                    { target: 'sleeping' },
                  ],
                },
                sleeping: pollState<BlueGreenContext, BlueGreenEvent>(
                  READY_POLL_MS,
                  (context) => context.readyDeadlineMs,
                ),
              },
            },
            warming: {
              entry: assign({ waitUntilMs: null }),
              invoke: {
                src: 'warmup',
                input: ({ context }) => {
                  const w = strategyOf(context).warmup;
                  return {
                    args: [context.idle as Colour, w.path, w.requests, w.intervalMs] as [
                      Colour,
                      string,
                      number,
                      number,
                    ],
                    why: `warm up ${context.idle} with ${w.requests} requests to ${w.path}`,
                  };
                },
                onDone: [
                  {
                    guard: ({ event }) => event.output.result.failed > 0 && event.output.result.ok === 0,
                    target: '#blueGreen.abandoned',
                    actions: assign(({ context, event }) => ({
                      nowMs: event.output.atMs,
                      decisions: engineDecision(
                        context,
                        'abort',
                        'warmup-failed',
                        `Every warm-up request to ${context.idle} failed (${event.output.result.failed} of ${event.output.result.failed}); traffic stays on ${context.active}.`,
                      ),
                    })),
                  },
                  { target: 'smoking', actions: assign(({ event }) => ({ nowMs: event.output.atMs })) },
                ],
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'warming', 'warming up the idle colour'),
                  ),
                },
              },
            },
            smoking: {
              invoke: {
                src: 'smoke',
                input: ({ context }) => ({
                  args: [context.idle as Colour, smokeChecks(strategyOf(context))] as [Colour, SmokeCheck[]],
                  why: `run the smoke checks against ${context.idle}`,
                }),
                onDone: [
                  {
                    guard: ({ event }) => event.output.result.some((r) => !r.ok),
                    target: '#blueGreen.abandoned',
                    actions: assign(({ context, event }) => {
                      const failed = event.output.result.filter((r) => !r.ok);
                      const names = failed
                        .map(
                          (r) =>
                            `${r.check.kind === 'http' ? r.check.path : r.check.argv.join(' ')}: ${r.detail}`,
                        )
                        .join('; ');
                      return {
                        nowMs: event.output.atMs,
                        decisions: engineDecision(
                          context,
                          'abort',
                          'smoke-failed',
                          `${failed.length} smoke check(s) failed on ${context.idle} (${names}); traffic stays on ${context.active}.`,
                        ),
                      };
                    }),
                  },
                  {
                    guard: 'awaitsPromotion',
                    target: 'awaitingPromotion',
                    actions: assign(({ event }) => ({ nowMs: event.output.atMs })),
                  },
                  { target: 'switching', actions: assign(({ event }) => ({ nowMs: event.output.atMs })) },
                ],
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'smoking', 'running the smoke checks'),
                  ),
                },
              },
            },
            awaitingPromotion: {
              // autoPromote: false — the idle colour is deployed, warm and smoke-tested; the switch waits for a person.
              entry: assign(({ context }) =>
                pausedFor(
                  context,
                  {
                    cause: 'step-pause',
                    message: `Waiting for an operator to promote: ${context.idle} runs ${context.plan.target.image}, warmed up and smoke-tested; traffic stays on ${context.active} until someone promotes (Promote in the console, or switchyard promote ${context.releaseId}).`,
                    sinceMs: context.nowMs ?? 0,
                  },
                  null,
                ),
              ),
              on: {
                ...Object.fromEntries(
                  (['PROMOTE', 'PROMOTE_FULL', 'RESUME'] as const).map((type) => [
                    type,
                    {
                      target: 'switching',
                      actions: assign(
                        ({ context, event }: { context: BlueGreenContext; event: BlueGreenEvent }) => ({
                          pause: null,
                          promoted: true,
                          nowMs: atOf(context, event as StampedOperatorEvent),
                          decisions: operatorDecision(
                            context,
                            event as StampedOperatorEvent,
                            'promote',
                            null,
                            `${byOf(event as StampedOperatorEvent)} promoted: switching all traffic from ${context.active} to ${context.idle}${reasonOf(event as StampedOperatorEvent)}.`,
                          ),
                        }),
                      ),
                    },
                  ]),
                ),
              },
            },
            switching: {
              invoke: {
                src: 'switchTo',
                input: ({ context }) => ({
                  args: [context.idle as Colour] as [Colour],
                  why: `switch all traffic from ${context.active} to ${context.idle}`,
                }),
                onDone: {
                  target: 'settling',
                  actions: assign(({ context, event }) => ({
                    nowMs: event.output.atMs,
                    switched: true,
                    switchedAtMs: context.switchedAtMs ?? event.output.atMs,
                    split: event.output.result,
                    intended: { [context.idle as Colour]: 100, [context.active as Colour]: 0 },
                    settleUntilMs: event.output.atMs + durationMs(strategyOf(context).settle),
                  })),
                },
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'switching', 'switching traffic'),
                  ),
                },
              },
            },
            settling: {
              entry: assign(({ context }) => ({ waitUntilMs: context.settleUntilMs })),
              invoke: waitInvoke<BlueGreenContext, BlueGreenEvent>((c) => c.settleUntilMs ?? 0, 'validating'),
            },
            validating: {
              entry: assign({ waitUntilMs: null }),
              invoke: {
                src: 'validation',
                input: ({ context }) => ({
                  plan: context.plan,
                  version: context.version,
                  image: context.plan.target.image,
                  workload: context.idle as WorkloadRole,
                  validation: strategyOf(context).validation,
                }),
                onDone: [
                  {
                    guard: ({ context, event }) =>
                      event.output.status === 'passed' && strategyOf(context).keepPrevious,
                    target: '#blueGreen.completed',
                    actions: assign(({ context, event }) =>
                      afterValidation(
                        context,
                        {
                          ...event.output,
                          summary: `${event.output.summary} ${context.active} keeps running for an instant rollback.`,
                        },
                        '',
                      ),
                    ),
                  },
                  {
                    guard: ({ event }) => event.output.status === 'passed',
                    target: 'scalingDown',
                    actions: assign(({ context, event }) =>
                      afterValidation(
                        context,
                        {
                          ...event.output,
                          summary: `${event.output.summary} ${context.active} stays at full size until ${strategyOf(context).scaleDownDelay} after the switch, then scales to 0 (keepPrevious: false).`,
                        },
                        '',
                      ),
                    ),
                  },
                  {
                    guard: ({ event }) => event.output.status === 'failed',
                    target: ROLL_BACK,
                    actions: assign(({ context, event }) =>
                      afterValidation(context, event.output, `Rolling traffic back to ${context.active}.`),
                    ),
                  },
                  {
                    target: 'held',
                    actions: assign(({ context, event }) => ({
                      stuckAt: 'switching' as const,
                      ...afterValidation(context, event.output, ''),
                    })),
                  },
                ],
              },
            },
            scalingDown: {
              initial: 'waiting',
              states: {
                waiting: {
                  entry: assign(({ context }) => ({
                    waitUntilMs:
                      (context.switchedAtMs ?? context.nowMs ?? 0) +
                      durationMs(strategyOf(context).scaleDownDelay),
                  })),
                  invoke: waitInvoke<BlueGreenContext, BlueGreenEvent>((c) => c.waitUntilMs ?? 0, 'scaling'),
                },
                scaling: {
                  entry: assign({ waitUntilMs: null }),
                  invoke: {
                    src: 'scaleColour',
                    input: ({ context }) => ({
                      args: [context.active as Colour, 0] as [Colour, number],
                      why: `scale the previous colour ${context.active} to 0 (keepPrevious: false, ${strategyOf(context).scaleDownDelay} after the switch)`,
                    }),
                    onDone: {
                      target: '#blueGreen.completed',
                      actions: assign(({ context, event }) => ({
                        nowMs: event.output.atMs,
                        finishedAtMs: event.output.atMs,
                        scaledDown: true,
                        decisions: engineDecision(
                          { ...context, nowMs: event.output.atMs },
                          'complete',
                          'completed',
                          `${context.active} was scaled to 0, ${strategyOf(context).scaleDownDelay} after the switch (keepPrevious: false); ${context.idle} serves all traffic.`,
                        ),
                      })),
                    },
                    onError: {
                      target: '#blueGreen.live.steps.held',
                      actions: assign(({ context, event }) =>
                        stuckWith(context, event.error, 'scalingDown', `scaling ${context.active} down`),
                      ),
                    },
                  },
                },
              },
            },
            held: {
              on: {
                RESUME: [
                  { guard: ({ context }) => context.stuckAt === 'locating', target: 'locating' },
                  { guard: ({ context }) => context.stuckAt === 'deploying', target: 'deploying' },
                  { guard: ({ context }) => context.stuckAt === 'ready', target: 'ready' },
                  { guard: ({ context }) => context.stuckAt === 'warming', target: 'warming' },
                  { guard: ({ context }) => context.stuckAt === 'smoking', target: 'smoking' },
                  { guard: ({ context }) => context.stuckAt === 'scalingDown', target: 'scalingDown' },
                  { guard: ({ context }) => context.stuckAt === 'restoring', target: ROLL_BACK },
                  {
                    guard: ({ context }) => context.stuckAt === 'rollingBack',
                    target: '#blueGreen.rollingBack',
                  },
                  { target: 'switching' },
                ],
              },
              exit: leaveHeld<BlueGreenContext, BlueGreenEvent>(),
            },
          },
        },
        guard: triggerWatchRegion<BlueGreenContext, BlueGreenEvent>([
          {
            guard: (context) => context.switched,
            target: ROLL_BACK,
            decide: (context, e) => ({
              decisions: engineDecision(
                context,
                'rollback',
                'rollback-trigger',
                triggerSummary(e, `rolling traffic back to ${context.active}`),
                [e],
              ),
            }),
          },
          {
            target: '#blueGreen.abandoned',
            decide: (context, e) => ({
              decisions: engineDecision(
                context,
                'abort',
                'rollback-trigger',
                triggerSummary(e, `abandoning the release; traffic stays on ${context.active}`),
                [e],
              ),
            }),
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
              actions: assign(({ event }) => ({
                nowMs: event.output.atMs,
                restoreReplicas: Math.max(1, event.output.result.desired),
              })),
            },
            onError: {
              target: '#blueGreen.live.steps.held',
              actions: assign(({ context, event }) =>
                stuckWith(context, event.error, 'restoring', `reading the size of ${context.idle}`),
              ),
            },
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
              actions: assign(({ event }) => ({ nowMs: event.output.atMs, scaledDown: false })),
            },
            onError: {
              target: '#blueGreen.live.steps.held',
              actions: assign(({ context, event }) =>
                stuckWith(context, event.error, 'restoring', `scaling ${context.active} back up`),
              ),
            },
          },
        },
      },
    },
    rollingBack: {
      entry: assign(({ context }) => ({
        intended: { [context.active as Colour]: 100, [context.idle as Colour]: 0 },
        waitUntilMs: null,
      })),
      invoke: {
        src: 'switchTo',
        input: ({ context }) => ({
          args: [context.active as Colour] as [Colour],
          why: `roll all traffic back to ${context.active}`,
        }),
        onDone: {
          target: 'rolledBack',
          actions: assign(({ event }) => ({
            nowMs: event.output.atMs,
            finishedAtMs: event.output.atMs,
            split: event.output.result,
            switched: false,
          })),
        },
        onError: {
          target: '#blueGreen.live.steps.held',
          actions: assign(({ context, event }) =>
            stuckWith(context, event.error, 'rollingBack', 'rolling traffic back'),
          ),
        },
      },
    },
    completed: {
      on: {
        ROLLBACK: {
          target: ROLL_BACK,
          actions: assign(({ context, event }) => ({
            decisions: operatorDecision(
              context,
              event as StampedOperatorEvent,
              'rollback',
              null,
              `${byOf(event as StampedOperatorEvent)} rolled traffic back to ${context.active}${reasonOf(event as StampedOperatorEvent)}.`,
            ),
          })),
        },
      },
    },
    abandoned: {
      entry: assign(({ context }) => ({ finishedAtMs: context.nowMs, waitUntilMs: null })),
      type: 'final',
      output: { outcome: 'aborted' },
    },
    rolledBack: { type: 'final', output: { outcome: 'rolledBack' } },
  },
});

/** The blue-green machine type. */
export type BlueGreenMachine = typeof blueGreenMachine;
