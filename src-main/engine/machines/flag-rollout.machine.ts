import { and, assign, setup } from 'xstate';
import { triggerSummary, triggerWatchRegion } from './analysis-run.ts';
import type { StampedOperatorEvent } from './canary.machine.ts';
import {
  exposureFor,
  flagStrategy,
  flagSteps,
  newPercent,
  providerSegments,
  scheduledAt,
} from './flag-ramp.ts';
import {
  advance,
  analysisStepState,
  heldForPrerequisites,
  killed,
  operatorPause,
  promotedPast,
  resumed,
  failedOp,
  flagActorPlaceholders,
  flagName,
  pauseStepState,
  readBack,
  stepNo,
  stepOf,
  type FlagRolloutContext,
} from './flag-rollout.states.ts';
import {
  baseActors,
  baseContext,
  byOf,
  engineDecision,
  operatorDecision,
  pausedFor,
  reasonOf,
  strategyOutput,
  waitInvoke,
  type AnalysisCounter,
  type ReleaseInput,
} from './release-common.ts';

export type { FlagRolloutContext } from './flag-rollout.states.ts';

/** Abort and roll back are both the kill switch: everyone back to the off variant. */
const KILL_SWITCH = {
  ABORT: { target: '#flag-rollout.killing', actions: 'operatorKill' },
  ROLLBACK: { target: '#flag-rollout.killing', actions: 'operatorKill' },
} as const;

/**
 * Builds the flag ramp: user-targeting segments first, then each step (a scheduled one waits for its
 * wall-clock time, a move waits for its prerequisite flags), analysis selecting the new variant, the plan's
 * rollback triggers watched throughout, and abort as the kill switch. The flag is reached only through the
 * `flag*` actors (runner/flag-actors.ts), the clock and metrics through the base actors.
 */
export function createFlagRolloutMachine(count: AnalysisCounter) {
  return setup({
    types: {
      context: {} as FlagRolloutContext,
      events: {} as StampedOperatorEvent,
      input: {} as ReleaseInput & { stepOffset?: number },
    },
    actors: { ...baseActors, ...flagActorPlaceholders },
    actions: {
      operatorKill: assign(({ context, event }) => {
        const at = context.stepIndex < flagSteps(context.plan).length ? ` at step ${stepNo(context)}` : '';
        const summary = `${byOf(event)} pulled the kill switch on ${flagName(context)}${at}${reasonOf(event)}.`;
        return { decisions: operatorDecision(context, event, 'abort', context.stepIndex, summary) };
      }),
      advanceOnResume: assign(({ context, event }) => ({
        ...advance(context),
        ...resumed(context, event, 'after'),
      })),
      failedOp: assign(({ context, event }, params: { doing: string }) =>
        failedOp(context, (event as unknown as { error: unknown }).error, params.doing),
      ),
    },
    guards: {
      stepsDone: ({ context }) => context.stepIndex >= flagSteps(context.plan).length,
      scheduledLater: ({ context }) => (scheduledAt(stepOf(context)) ?? -Infinity) > (context.nowMs ?? 0),
      isMove: ({ context }) => stepOf(context) !== undefined && 'setPercentage' in (stepOf(context) ?? {}),
      hasPrereqs: ({ context }) => flagStrategy(context.plan).prerequisites.length > 0,
      isPause: ({ context }) => stepOf(context) !== undefined && 'pause' in (stepOf(context) ?? {}),
      untilPromoted: ({ context }) => {
        const s = stepOf(context);
        return s !== undefined && 'pause' in s && s.pause.duration === undefined;
      },
      noSegments: ({ context }) => flagStrategy(context.plan).segments.length === 0,
      prereqsUnmet: ({ event }) =>
        (event as unknown as { output: { unmet: string[] } }).output.unmet.length > 0,
      stuckAt: ({ context }, params: { at: FlagRolloutContext['stuckAt'] }) => context.stuckAt === params.at,
    },
  }).createMachine({
    id: 'flag-rollout',
    output: strategyOutput,
    context: ({ input }) => {
      const s = flagStrategy(input.plan);
      return {
        ...baseContext(input, exposureFor(input.plan, 0)),
        // Analysis and triggers select users served the new variant, by the plan's variant label.
        version: s.newVariant,
        stepIndex: 0,
        skipped: [],
        pauseUntilMs: null,
        analysis: null,
        failedStep: null,
        reading: null,
        stuckAt: null,
        triggers: [],
        firedTrigger: null,
        ...(input.stepOffset ? { stepOffset: input.stepOffset } : {}),
      };
    },
    initial: 'starting',
    states: {
      starting: {
        on: KILL_SWITCH,
        invoke: {
          src: 'flagRead',
          onDone: {
            target: 'segments',
            actions: assign(({ context, event }) => ({
              ...readBack(event.output),
              startedAtMs: context.startedAtMs ?? event.output.atMs,
              intended: exposureFor(context.plan, newPercent(event.output.reading)),
              stuckAt: null,
              pause: null,
            })),
          },
          onError: {
            target: 'stuck',
            actions: [
              { type: 'failedOp', params: { doing: 'reading the flag' } },
              assign({ stuckAt: 'starting' }),
            ],
          },
        },
      },
      segments: {
        on: KILL_SWITCH,
        always: { guard: 'noSegments', target: 'running' },
        invoke: {
          src: 'flagSegments',
          input: ({ context }) => ({
            segments: providerSegments(context.plan),
            expected: context.reading,
            why: `serve ${flagStrategy(context.plan).newVariant} to the plan's user segments first`,
          }),
          onDone: {
            target: 'running',
            actions: assign(({ event }) => ({ ...readBack(event.output), stuckAt: null })),
          },
          onError: {
            target: 'stuck',
            actions: [
              { type: 'failedOp', params: { doing: 'setting the segments' } },
              assign({ stuckAt: 'segments' }),
            ],
          },
        },
      },
      running: {
        type: 'parallel',
        on: {
          ...KILL_SWITCH,
          PROMOTE_FULL: {
            target: 'completing',
            actions: assign(({ context, event }) => {
              const summary = `${byOf(event)} ramped ${flagName(context)} to everyone from step ${stepNo(context)}, skipping the remaining steps${reasonOf(event)}.`;
              return { decisions: operatorDecision(context, event, 'promote', context.stepIndex, summary) };
            }),
          },
        },
        states: {
          steps: {
            initial: 'next',
            on: {
              PAUSE: {
                target: '.held',
                actions: assign(({ context, event }) => operatorPause(context, event)),
              },
              PROMOTE: {
                target: '.next',
                actions: assign(({ context, event }) => ({
                  ...advance(context),
                  ...promotedPast(context, event),
                })),
              },
            },
            states: {
              next: {
                always: [
                  {
                    guard: 'stepsDone',
                    target: '#flag-rollout.completing',
                    actions: assign(({ context }) => ({
                      decisions: engineDecision(
                        context,
                        'promote',
                        'completed',
                        `All ${flagSteps(context.plan).length} steps passed; ${flagName(context)} serves ${flagStrategy(context.plan).newVariant} to everyone.`,
                      ),
                    })),
                  },
                  { guard: 'scheduledLater', target: 'scheduled' },
                  { guard: and(['isMove', 'hasPrereqs']), target: 'prerequisites' },
                  { guard: 'isMove', target: 'moving' },
                  { guard: and(['isPause', 'untilPromoted']), target: 'untilPromoted' },
                  { guard: 'isPause', target: 'pausing' },
                  { target: 'analysis' },
                ],
              },
              scheduled: {
                entry: assign(({ context }) => ({ waitUntilMs: scheduledAt(stepOf(context)) })),
                invoke: waitInvoke<FlagRolloutContext, StampedOperatorEvent>(
                  (c) => scheduledAt(stepOf(c)) ?? 0,
                  'next',
                ),
              },
              prerequisites: {
                invoke: {
                  src: 'flagPrereqs',
                  input: ({ context }) => ({ prerequisites: flagStrategy(context.plan).prerequisites }),
                  onDone: [
                    {
                      guard: 'prereqsUnmet',
                      target: 'held',
                      actions: assign(({ context, event }) => heldForPrerequisites(context, event.output)),
                    },
                    { target: 'moving', actions: assign(({ event }) => ({ nowMs: event.output.atMs })) },
                  ],
                  onError: {
                    target: 'held',
                    actions: { type: 'failedOp', params: { doing: 'reading the prerequisite flags' } },
                  },
                },
              },
              moving: {
                entry: assign(({ context }) => {
                  const s = stepOf(context) as { setPercentage: number };
                  return { intended: exposureFor(context.plan, s.setPercentage), waitUntilMs: null };
                }),
                invoke: {
                  src: 'flagMove',
                  input: ({ context }) => {
                    const p = (stepOf(context) as { setPercentage: number }).setPercentage;
                    return {
                      percent: p,
                      expected: context.reading,
                      why: `step ${stepNo(context)}: serve ${flagStrategy(context.plan).newVariant} of ${flagName(context)} to ${p} % of users`,
                    };
                  },
                  onDone: {
                    target: 'next',
                    actions: assign(({ context, event }) => ({
                      ...readBack(event.output),
                      ...advance(context),
                    })),
                  },
                  onError: {
                    target: 'held',
                    actions: { type: 'failedOp', params: { doing: 'moving the flag' } },
                  },
                },
              },
              pausing: pauseStepState('#flag-rollout.running.steps.next'),
              untilPromoted: {
                entry: assign(({ context }) => {
                  const message = `The ramp of ${flagName(context)} waits for an operator: resume or promote it to go on.`;
                  return pausedFor(
                    context,
                    { cause: 'step-pause', message, sinceMs: context.nowMs ?? 0 },
                    context.stepIndex,
                  );
                }),
                on: { PAUSE: {}, RESUME: { target: 'next', actions: 'advanceOnResume' } },
              },
              analysis: analysisStepState(count, {
                next: '#flag-rollout.running.steps.next',
                kill: '#flag-rollout.killing',
                held: '#flag-rollout.running.steps.held',
              }),
              held: {
                entry: assign({ waitUntilMs: null }),
                on: {
                  PAUSE: {},
                  RESUME: {
                    target: 'next',
                    actions: assign(({ context, event }) => resumed(context, event, 'at')),
                  },
                },
              },
            },
          },
          guard: triggerWatchRegion<FlagRolloutContext, StampedOperatorEvent>([
            {
              target: '#flag-rollout.killing',
              decide: (c, e) => ({
                decisions: engineDecision(
                  c,
                  'abort',
                  'rollback-trigger',
                  triggerSummary(e, `pulling the kill switch on ${flagName(c)}`),
                  [e],
                  c.stepIndex,
                ),
              }),
            },
          ]),
        },
      },
      completing: {
        entry: assign(({ context }) => ({
          pause: null,
          waitUntilMs: null,
          intended: exposureFor(context.plan, 100),
        })),
        invoke: {
          src: 'flagMove',
          input: ({ context }) => ({
            percent: 100,
            expected: context.reading,
            why: `serve ${flagStrategy(context.plan).newVariant} of ${flagName(context)} to everyone`,
          }),
          onDone: {
            target: 'completed',
            actions: assign(({ event }) => ({
              ...readBack(event.output),
              finishedAtMs: event.output.atMs,
              stuckAt: null,
            })),
          },
          onError: {
            target: 'stuck',
            actions: [
              { type: 'failedOp', params: { doing: 'ramping the flag to everyone' } },
              assign({ stuckAt: 'completing' }),
            ],
          },
        },
      },
      killing: {
        entry: assign(({ context }) => ({
          intended: exposureFor(context.plan, 0),
          waitUntilMs: null,
          pause: null,
        })),
        invoke: {
          src: 'flagKill',
          input: ({ context }) => ({
            why: `kill switch: ${flagName(context)} back to ${flagStrategy(context.plan).offVariant} for everyone`,
          }),
          onDone: {
            target: 'aborted',
            actions: assign(({ context, event }) => killed(context, event.output)),
          },
          onError: {
            target: 'stuck',
            actions: [
              { type: 'failedOp', params: { doing: 'pulling the kill switch' } },
              assign({ stuckAt: 'killing' }),
            ],
          },
        },
      },
      stuck: {
        on: {
          ...KILL_SWITCH,
          RESUME: [
            { guard: { type: 'stuckAt', params: { at: 'starting' } }, target: 'starting' },
            { guard: { type: 'stuckAt', params: { at: 'segments' } }, target: 'segments' },
            { guard: { type: 'stuckAt', params: { at: 'completing' } }, target: 'completing' },
            { target: 'killing' },
          ],
        },
      },
      aborted: { type: 'final', output: { outcome: 'aborted' } },
      completed: { type: 'final', output: { outcome: 'completed' } },
    },
  });
}
