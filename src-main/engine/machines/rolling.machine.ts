import { assign, setup } from 'xstate';
import type { RollingStrategy } from '../../../src-shared/plan/plan.schema.ts';
import type { WorkloadRole, WorkloadState } from '../../ports/release.port.ts';
import type { StampedOperatorEvent } from './canary.machine.ts';
import {
  appendSamples,
  baseActors,
  baseContext,
  strategyOutput,
  byOf,
  operatorDecision,
  opActor,
  engineDecision,
  pollState,
  leaveHeld,
  stuckWith,
  reasonOf,
  type ReleaseInput,
} from './release-common.ts';
import { triggerSummary, triggerWatchRegion, type TriggerWatchContext } from './analysis-run.ts';
import { afterValidation, validationMachine, type ValidationSamplesEvent } from './validation.machine.ts';

type RollingStage = 'setting' | 'following' | 'undoing' | 'unwinding' | 'restoring';

/** What the rolling machine remembers; all of it survives a persisted snapshot. */
export interface RollingContext extends TriggerWatchContext {
  /** Revision before the new image (the one `undo` returns to); null until the image is set. */
  previousRevision: number | null;
  revision: number | null;
  /** Absolute progress deadline, milliseconds since the Unix epoch. */
  progressDeadlineMs: number | null;
  /** The last workload counts read. */
  workload: WorkloadState | null;
  /** Absolute deadline of the undo (the plan's progress deadline after it), milliseconds since the Unix epoch. */
  undoDeadlineMs?: number | null;
  /** How the release ends once the rollout settings are put back. */
  endsAs?: 'completed' | 'rolledBack';
  stuckAt: RollingStage | null;
}

type RollingEvent = StampedOperatorEvent | ValidationSamplesEvent;

const strategyOf = (c: RollingContext) => c.plan.strategy as RollingStrategy;
/** The runbook watches a rollout every 5 s. */
const FOLLOW_POLL_MS = 5_000;
/** An undo is followed every 2 s: the release is reported rolled back as soon as it has finished. */
const UNDO_POLL_MS = 2_000;

/** Why a rollout counts as failed, or null while it may still progress. */
export function rolloutProblem(w: WorkloadState, nowMs: number, deadlineMs: number | null): string | null {
  if (w.failingPods > 0) return `${w.failingPods} pod(s) are failing or crash-looping`;
  if (w.progressDeadlineExceeded) return 'the controller reports ProgressDeadlineExceeded';
  if (deadlineMs !== null && nowMs >= deadlineMs)
    return `the rollout made no full progress before its deadline (${w.updated} of ${w.desired} updated, ${w.ready} ready)`;
  return null;
}

const rolledOut = (w: WorkloadState) =>
  w.updated >= w.desired && w.ready >= w.desired && w.available >= w.desired && w.desired > 0;

/**
 * True once a rollout (or an undo) has finished: the controller has seen the latest spec (a resumed release may
 * read counts left from the revision before), every pod runs the new revision and is ready, no other pod is left.
 */
export const rolloutFinished = (w: WorkloadState) =>
  w.observed !== false && rolledOut(w) && (w.current ?? w.desired) <= w.desired;

/** The counts of a workload in words, e.g. `18 of 20 pods updated, 17 ready, 22 in all`. */
export function podCounts(w: WorkloadState): string {
  return `${w.updated} of ${w.desired} pods updated, ${w.ready} ready${w.current !== undefined ? `, ${w.current} in all` : ''}`;
}

/**
 * The rolling machine: set the image, follow the rollout every 5 s (failing or crash-looping pods and the
 * progress deadline fail it), validate with the child validation machine, and `rollout undo` to the
 * previous revision on any failure or on `ROLLBACK`. From the image change until completion a parallel
 * `guard` region watches the plan's `rollbackTriggers` and undoes the rollout when one fires.
 */
export const rollingMachine = setup({
  types: {
    context: {} as RollingContext,
    events: {} as RollingEvent,
    input: {} as ReleaseInput,
  },
  actors: {
    ...baseActors,
    setImage: opActor('setImage'),
    workloadState: opActor('workloadState'),
    undo: opActor('undo'),
    restoreRollout: opActor('restoreRollout'),
    validation: validationMachine,
  },
  actions: {
    operatorUndo: assign(({ context, event }, params: { kind: 'abort' | 'rollback' }) => ({
      decisions: operatorDecision(
        context,
        event as StampedOperatorEvent,
        params.kind,
        null,
        `${byOf(event as StampedOperatorEvent)} ${params.kind === 'abort' ? 'aborted the release and rolled the workload back' : 'rolled the workload back'}${reasonOf(event as StampedOperatorEvent)}.`,
      ),
    })),
  },
}).createMachine({
  id: 'rolling',
  output: strategyOutput,
  context: ({ input }) => ({
    ...baseContext(input, {}),
    previousRevision: null,
    revision: null,
    progressDeadlineMs: null,
    workload: null,
    stuckAt: null,
    triggers: [],
    firedTrigger: null,
  }),
  initial: 'live',
  states: {
    live: {
      type: 'parallel',
      on: {
        ROLLBACK: { target: 'undoing', actions: { type: 'operatorUndo', params: { kind: 'rollback' } } },
        // Aborting a rolling update undoes it, as rolling back does.
        ABORT: { target: 'undoing', actions: { type: 'operatorUndo', params: { kind: 'abort' } } },
        VALIDATION_SAMPLES: {
          actions: assign(({ context, event }) => ({
            samples: appendSamples(context.samples, (event as ValidationSamplesEvent).samples),
          })),
        },
      },
      states: {
        steps: {
          initial: 'setting',
          states: {
            setting: {
              invoke: {
                src: 'setImage',
                input: ({ context }) => ({
                  args: [context.plan.target.image] as [string],
                  why: `set the image of ${context.plan.target.name} to ${context.plan.target.image}`,
                }),
                onDone: {
                  target: 'following',
                  actions: assign(({ context, event }) => ({
                    nowMs: event.output.atMs,
                    startedAtMs: context.startedAtMs ?? event.output.atMs,
                    revision: event.output.result.revision,
                    previousRevision:
                      context.previousRevision ?? Math.max(1, event.output.result.revision - 1),
                    progressDeadlineMs:
                      context.progressDeadlineMs ??
                      event.output.atMs + strategyOf(context).progressDeadlineSeconds * 1000,
                  })),
                },
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'setting', 'setting the image'),
                  ),
                },
              },
            },
            following: {
              initial: 'probe',
              states: {
                probe: {
                  invoke: {
                    src: 'workloadState',
                    input: () => ({ args: ['stable'] as [WorkloadRole], why: 'follow the rollout' }),
                    onDone: {
                      target: 'check',
                      actions: assign(({ event }) => ({
                        nowMs: event.output.atMs,
                        workload: event.output.result,
                      })),
                    },
                    onError: {
                      target: '#rolling.live.steps.held',
                      actions: assign(({ context, event }) =>
                        stuckWith(context, event.error, 'following', 'following the rollout'),
                      ),
                    },
                  },
                },
                check: {
                  always: [
                    {
                      guard: ({ context }) =>
                        rolloutProblem(
                          context.workload as WorkloadState,
                          context.nowMs ?? 0,
                          context.progressDeadlineMs,
                        ) !== null,
                      target: '#rolling.undoing',
                      actions: assign(({ context }) => ({
                        decisions: engineDecision(
                          context,
                          'rollback',
                          'rollout-failed',
                          `The rollout of ${context.version} failed: ${rolloutProblem(context.workload as WorkloadState, context.nowMs ?? 0, context.progressDeadlineMs)}; undoing to revision ${context.previousRevision}.`,
                        ),
                      })),
                    },
                    {
                      guard: ({ context }) => rolloutFinished(context.workload as WorkloadState),
                      target: '#rolling.live.steps.validating',
                    },
                    { target: 'sleeping' },
                  ],
                },
                sleeping: pollState<RollingContext, RollingEvent>(
                  FOLLOW_POLL_MS,
                  (context) => context.progressDeadlineMs,
                ),
              },
            },
            validating: {
              entry: assign({ waitUntilMs: null }),
              invoke: {
                src: 'validation',
                input: ({ context }) => ({
                  plan: context.plan,
                  version: context.version,
                  image: context.plan.target.image,
                  workload: 'stable' as WorkloadRole,
                  validation: strategyOf(context).validation,
                }),
                onDone: [
                  {
                    guard: ({ event }) => event.output.status === 'passed',
                    target: '#rolling.restoring',
                    actions: assign(({ context, event }) => ({
                      ...afterValidation(context, event.output, ''),
                      endsAs: 'completed' as const,
                    })),
                  },
                  {
                    guard: ({ event }) => event.output.status === 'failed',
                    target: '#rolling.undoing',
                    actions: assign(({ context, event }) =>
                      afterValidation(
                        context,
                        event.output,
                        `Undoing to revision ${context.previousRevision}.`,
                      ),
                    ),
                  },
                  {
                    target: 'held',
                    actions: assign(({ context, event }) => ({
                      stuckAt: 'following' as const,
                      ...afterValidation(context, event.output, ''),
                    })),
                  },
                ],
              },
            },
            held: {
              on: {
                RESUME: [
                  { guard: ({ context }) => context.stuckAt === 'setting', target: 'setting' },
                  { guard: ({ context }) => context.stuckAt === 'undoing', target: '#rolling.undoing' },
                  {
                    guard: ({ context }) => context.stuckAt === 'unwinding',
                    target: '#rolling.unwinding',
                    actions: assign({ undoDeadlineMs: null }),
                  },
                  { guard: ({ context }) => context.stuckAt === 'restoring', target: '#rolling.restoring' },
                  { target: 'following' },
                ],
              },
              exit: leaveHeld<RollingContext, RollingEvent>(),
            },
          },
        },
        guard: triggerWatchRegion<RollingContext, RollingEvent>([
          {
            target: '#rolling.undoing',
            decide: (context, e) => ({
              decisions: engineDecision(
                context,
                'rollback',
                'rollback-trigger',
                triggerSummary(e, `undoing to revision ${context.previousRevision}`),
                [e],
              ),
            }),
          },
        ]),
      },
    },
    undoing: {
      entry: assign({ waitUntilMs: null }),
      invoke: {
        src: 'undo',
        input: ({ context }) => ({
          args: (context.previousRevision === null ? [] : [context.previousRevision]) as [number?],
          why: `undo the rollout to revision ${context.previousRevision ?? 'before'}`,
        }),
        onDone: {
          target: 'unwinding',
          actions: assign(({ context, event }) => ({
            nowMs: event.output.atMs,
            undoDeadlineMs:
              context.undoDeadlineMs ??
              event.output.atMs + strategyOf(context).progressDeadlineSeconds * 1000,
          })),
        },
        onError: {
          target: '#rolling.live.steps.held',
          actions: assign(({ context, event }) =>
            stuckWith(context, event.error, 'undoing', 'undoing the rollout'),
          ),
        },
      },
    },
    // "Rolled back" only once the undo has finished: every pod on the previous revision and ready.
    unwinding: {
      initial: 'probe',
      states: {
        probe: {
          invoke: {
            src: 'workloadState',
            input: () => ({ args: ['stable'] as [WorkloadRole], why: 'follow the undo' }),
            onDone: {
              target: 'check',
              actions: assign(({ event }) => ({ nowMs: event.output.atMs, workload: event.output.result })),
            },
            onError: {
              target: '#rolling.live.steps.held',
              actions: assign(({ context, event }) =>
                stuckWith(context, event.error, 'unwinding', 'following the undo'),
              ),
            },
          },
        },
        check: {
          always: [
            {
              guard: ({ context }) => rolloutFinished(context.workload as WorkloadState),
              target: '#rolling.restoring',
              actions: assign(({ context }) => {
                const w = context.workload as WorkloadState;
                // The reason for the undo stays in the sentence that ends the release.
                const why = context.decisions.findLast((d) => d.kind === 'rollback');
                return {
                  undoDeadlineMs: null,
                  endsAs: 'rolledBack' as const,
                  decisions: engineDecision(
                    context,
                    'complete',
                    why?.cause ?? 'rollout-failed',
                    `Rolled back to revision ${context.previousRevision ?? w.revision}: all ${w.desired} pods run ${w.image} and are ready.${why ? ` ${why.summary}` : ''}`,
                  ),
                };
              }),
            },
            {
              guard: ({ context }) => (context.nowMs ?? 0) >= (context.undoDeadlineMs ?? Infinity),
              target: '#rolling.live.steps.held',
              actions: assign(({ context }) => {
                const w = context.workload as WorkloadState;
                const summary = `The undo to revision ${context.previousRevision ?? w.revision} has not finished within ${strategyOf(context).progressDeadlineSeconds} s (${podCounts(w)}); the release is paused and is not rolled back yet.`;
                return {
                  stuckAt: 'unwinding' as const,
                  pause: { cause: 'rollout-failed' as const, message: summary, sinceMs: context.nowMs ?? 0 },
                  decisions: engineDecision(context, 'pause', 'rollout-failed', summary),
                };
              }),
            },
            { target: 'sleeping' },
          ],
        },
        sleeping: pollState<RollingContext, RollingEvent>(
          UNDO_POLL_MS,
          (context) => context.undoDeadlineMs ?? null,
        ),
      },
    },
    restoring: {
      entry: assign({ waitUntilMs: null }),
      invoke: {
        src: 'restoreRollout',
        input: () => ({
          args: [] as [],
          why: 'put back the rollout settings the workload had before the release',
        }),
        onDone: [
          {
            guard: ({ context }) => context.endsAs === 'rolledBack',
            target: 'rolledBack',
            actions: assign(({ event }) => ({ nowMs: event.output.atMs, finishedAtMs: event.output.atMs })),
          },
          {
            target: 'completed',
            actions: assign(({ event }) => ({ nowMs: event.output.atMs, finishedAtMs: event.output.atMs })),
          },
        ],
        onError: {
          target: '#rolling.live.steps.held',
          actions: assign(({ context, event }) =>
            stuckWith(context, event.error, 'restoring', 'putting back the rollout settings'),
          ),
        },
      },
    },
    completed: { type: 'final', output: { outcome: 'completed' } },
    rolledBack: { type: 'final', output: { outcome: 'rolledBack' } },
  },
});

/** The rolling machine type. */
export type RollingMachine = typeof rollingMachine;
